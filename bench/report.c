/*
 * report.c - DMARC aggregate report parsing beside Python's xml.etree on
 * the same files in the same run (reports/s and MB/s of XML), and the
 * import of 10,000 reports into SQLite (reports/s, one transaction per
 * 1,000 as `report import` does).
 *
 * The files are written here: typical reports (1 to 60 records, a few KB:
 * what Google, Microsoft and Yahoo send daily) and a few large ones (a big
 * sender's day: 20,000 records).  Parsing is from the file's bytes: both
 * sides read every file each round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/report.h"
#include "auth/reportdb.h"

#define SMALL_FILES 2000
#define LARGE_FILES 4
#define IMPORT_REPORTS 10000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_report(FILE *fp, int id, int records)
{
    fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<feedback>\n<version>1.0</version>\n"
            "<report_metadata><org_name>bench.example</org_name><email>dmarc@bench.example</email>"
            "<report_id>bench-%d</report_id><date_range><begin>1795392000</begin>"
            "<end>1795478399</end></date_range></report_metadata>\n<policy_published><domain>"
            "good.example</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100"
            "</pct></policy_published>\n", id);
    for (int r = 0; r < records; r++)
        fprintf(fp, "<record><row><source_ip>198.51.%d.%d</source_ip><count>%d</count>"
                "<policy_evaluated><disposition>none</disposition><dkim>%s</dkim><spf>pass</spf>"
                "</policy_evaluated></row><identifiers><header_from>good.example</header_from>"
                "<envelope_from>good.example</envelope_from></identifiers><auth_results><dkim>"
                "<domain>good.example</domain><selector>s2026</selector><result>pass</result>"
                "</dkim><spf><domain>good.example</domain><scope>mfrom</scope><result>pass</result>"
                "</spf></auth_results></record>\n", r / 250 % 250, r % 250, 1 + r % 17,
                r % 5 ? "pass" : "fail");
    fprintf(fp, "</feedback>\n");
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

/* Parse every file once per round; returns seconds, *bytes the XML size. */
static double parse_files(char **paths, int n, int rounds, size_t *bytes)
{
    double t0 = now();

    *bytes = 0;
    for (int k = 0; k < rounds; k++)
        for (int i = 0; i < n; i++) {
            size_t len;
            char *buf = slurp(paths[i], &len);
            struct report *r = buf ? report_parse_aggregate_xml(buf, len) : NULL;
            if (!r || r->kind != REPORT_AGGREGATE) {
                fprintf(stderr, "bench: %s did not parse\n", paths[i]);
                exit(1);
            }
            report_free(r);
            free(buf);
            if (k == 0)
                *bytes += len;
        }
    return (now() - t0) / rounds;
}

/* Python on the same files: seconds for one pass, or -1. */
static double python_files(const char *dir, const char *glob, const char *script)
{
    char cmd[1200];
    FILE *p;
    int n = 0;
    double secs = -1;
    unsigned long long size;

    snprintf(cmd, sizeof cmd, "python3 %s %s/%s", script, dir, glob);
    if (!(p = popen(cmd, "r")))
        return -1;
    if (fscanf(p, "%d %lf %llu", &n, &secs, &size) != 3)
        secs = -1;
    pclose(p);
    return secs;
}

static void compare(const char *label, char **paths, int n, int rounds, const char *dir,
                    const char *glob, const char *script)
{
    size_t bytes;
    double c = parse_files(paths, n, rounds, &bytes), py = python_files(dir, glob, script);

    printf("%-34s %6d files %8.1f MB: mailctl %9.0f reports/s %7.1f MB/s", label, n,
           (double)bytes / 1e6, n / c, (double)bytes / 1e6 / c);
    if (py > 0)
        printf(" | xml.etree %8.0f reports/s %6.1f MB/s | %5.1fx\n", n / py,
               (double)bytes / 1e6 / py, py / c);
    else
        printf(" | xml.etree: python3 failed\n");
}

static void import_bench(const char *dir)
{
    char path[600], err[300];
    struct report_db *db;
    struct report *r;
    size_t len;
    char *xml;
    FILE *fp;
    double t0, t;

    snprintf(path, sizeof path, "%s/one.xml", dir);
    if (!(fp = fopen(path, "w")))
        return;
    write_report(fp, 0, 20);
    fclose(fp);
    xml = slurp(path, &len);
    snprintf(path, sizeof path, "%s/bench.db", dir);
    if (report_db_open(path, &db, err, sizeof err) != AUTH_OK) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    t0 = now();
    for (int i = 0; i < IMPORT_REPORTS; i++) {
        char id[32];
        int n = snprintf(id, sizeof id, "bench-%d", i);
        /* a distinct report id each time: the same bytes otherwise */
        char *copy = malloc(len + 32), *at = strstr(xml, "bench-0<"), *p = copy;
        memcpy(p, xml, (size_t)(at - xml));
        p += at - xml;
        memcpy(p, id, (size_t)n);
        p += n;
        memcpy(p, at + 7, len - (size_t)(at + 7 - xml));
        p += len - (size_t)(at + 7 - xml);
        if (i % 1000 == 0 && report_db_begin(db, err, sizeof err) != AUTH_OK)
            exit(1);
        r = report_parse_aggregate_xml(copy, (size_t)(p - copy));
        if (report_db_store(db, r, "bench", NULL, 0, NULL, err, sizeof err) != AUTH_OK) {
            fprintf(stderr, "bench: %s\n", err);
            exit(1);
        }
        report_free(r);
        free(copy);
        if (i % 1000 == 999 && report_db_commit(db, err, sizeof err) != AUTH_OK)
            exit(1);
    }
    t = now() - t0;
    report_db_close(db);
    free(xml);
    printf("import into SQLite (WAL)            %d reports of 20 records (parse + store): "
           "%.0f reports/s, %.0f records/s\n", IMPORT_REPORTS, IMPORT_REPORTS / t,
           IMPORT_REPORTS * 20 / t);
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/mailctl-bench-report-XXXXXX", path[600], script[600];
    char *small[SMALL_FILES], *large[LARGE_FILES];

    if (!mkdtemp(dir))
        return 1;
    snprintf(script, sizeof script, "%s/report_etree.py", argc > 1 ? argv[1] : "bench");
    srand(7);
    for (int i = 0; i < SMALL_FILES; i++) {
        FILE *fp;
        snprintf(path, sizeof path, "%s/s%04d.xml", dir, i);
        if (!(fp = fopen(path, "w")) || !(small[i] = strdup(path)))
            return 1;
        write_report(fp, i, 1 + rand() % 60);
        fclose(fp);
    }
    for (int i = 0; i < LARGE_FILES; i++) {
        FILE *fp;
        snprintf(path, sizeof path, "%s/L%d.xml", dir, i);
        if (!(fp = fopen(path, "w")) || !(large[i] = strdup(path)))
            return 1;
        write_report(fp, 100000 + i, 20000);
        fclose(fp);
    }
    printf("DMARC aggregate report parsing (same files, same run; Python: xml.etree + the "
           "fields parsedmarc takes):\n");
    compare("typical reports (1-60 records)", small, SMALL_FILES, 5, dir, "s*.xml", script);
    compare("large reports (20,000 records)", large, LARGE_FILES, 3, dir, "L*.xml", script);
    import_bench(dir);
    for (int i = 0; i < SMALL_FILES; i++)
        free(small[i]);
    for (int i = 0; i < LARGE_FILES; i++)
        free(large[i]);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    return system(path) == 0 ? 0 : 1;
}
