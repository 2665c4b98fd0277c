/*
 * report_summary.c - `mailctl report summary`: per domain and period, who
 * sends as the domain, what aligns, what to fix, what looks like spoofing,
 * how far the domain is from the next policy step, and TLS-RPT failures;
 * as text, JSON, CSV or one self-contained HTML file.  --fail-on makes it
 * a gate for CI or cron.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_summary.h"

enum { O_DB = OPT_GLOBAL_LAST + 1, O_DOMAIN, O_SINCE, O_FORMAT, O_OUT, O_FAIL_ON, O_NO_DNS,
       O_FORCE };

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl report summary [--db FILE] [--domain D] [--since DATE|Nd]\n"
        "                              [--format text|json|csv|html] [--out FILE [--force]]\n"
        "                              [--fail-on RULE]... [--no-dns]\n\n"
        "Per domain: messages, DMARC pass share, every source named by its PTR (looked up\n"
        "in parallel, cached in the database) and grouped by registrable domain, why the\n"
        "failing ones fail and the record that fixes them (checked against DNS), suspected\n"
        "spoofing, a readiness line for the next policy step, and TLS-RPT failures.\n"
        "--since 2026-11-01 or 30d.  --format html writes one self-contained file (--out,\n"
        "default mailctl-report.html) and prints its path.  --json is --format json.\n"
        "--fail-on unaligned>PCT | spoofing | tls-failure: exit 1 when it holds.\n"
        "exit: 0 ok, 1 a --fail-on rule holds, 2 usage, 3 database or I/O failure\n"
        "\nexamples:\n"
        "  mailctl report summary --domain example.com --since 30d\n"
        "  mailctl report summary --format html --out report.html --fail-on spoofing\n"));
}

struct opts {
    const char *db, *domain, *since, *format, *out;
    const char *fail_on[8];
    size_t nfail_on;
    bool no_dns, force;
};

static int64_t parse_since(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);

    if (end != s && (*end == 'd' || *end == 'D') && !end[1] && n > 0 && n < 100000)
        return (int64_t)time(NULL) - (int64_t)n * 86400;
    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
        char iso[32];
        snprintf(iso, sizeof iso, "%sT00:00:00Z", s);
        return rs_parse_iso(iso);
    }
    return -2;
}

static int get_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, O_DB}, {"domain", required_argument, NULL, O_DOMAIN},
        {"since", required_argument, NULL, O_SINCE}, {"format", required_argument, NULL, O_FORMAT},
        {"out", required_argument, NULL, O_OUT}, {"fail-on", required_argument, NULL, O_FAIL_ON},
        {"no-dns", no_argument, NULL, O_NO_DNS}, {"force", no_argument, NULL, O_FORCE},
        CMD_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0},
    };
    int opt, rc;

    cmd_set_command("report summary");
    while ((opt = cmd_getopt(argc, argv, "vq", longopts)) != -1) {
        switch (opt) {
        case O_DB: o->db = optarg; continue;
        case O_DOMAIN: o->domain = optarg; continue;
        case O_SINCE: o->since = optarg; continue;
        case O_FORMAT: o->format = optarg; continue;
        case O_OUT: o->out = optarg; continue;
        case O_NO_DNS: o->no_dns = true; continue;
        case O_FORCE: o->force = true; continue;
        case O_FAIL_ON:
            if (o->nfail_on == sizeof o->fail_on / sizeof o->fail_on[0])
                return cmd_usage_error("report summary", "too many --fail-on");
            o->fail_on[o->nfail_on++] = optarg;
            continue;
        case OPT_HELP: usage(stdout); return EXIT_OK;
        default: break;
        }
        if ((rc = cmd_global_opt(opt, optarg)) < 0)
            return -rc;
        if (rc == 0)
            return cmd_usage_error("report summary", "unknown option '%s'", argv[optind - 1]);
    }
    if (optind < argc)
        return cmd_usage_error("report summary", "unexpected argument '%s'",
                               rpt_safe(argv[optind]));
    if (!o->format)
        o->format = g_opts.json ? "json" : "text";
    /* text in the user's language; JSON, CSV and HTML (lang="en") in English */
    g_opts.machine = strcmp(o->format, "text") != 0;
    if (strcmp(o->format, "text") && strcmp(o->format, "json") && strcmp(o->format, "csv") &&
        strcmp(o->format, "html"))
        return cmd_usage_error("report summary", "bad --format '%s': text, json, csv or html",
                               rpt_safe(o->format));
    return -1;
}

/* Whether a --fail-on rule holds; -1 for a bad rule. */
static int rule_holds(const struct rs_summary *s, const char *rule)
{
    for (size_t i = 0; i < s->ndomains; i++) {
        const struct rs_domain *d = &s->domains[i];
        if (strncmp(rule, "unaligned>", 10) == 0) {
            char *end;
            double pct = strtod(rule + 10, &end);
            if (end == rule + 10 || *end || pct < 0 || pct > 100)
                return -1;
            if (d->db->messages && (1 - d->aligned_share) * 100 > pct)
                return 1;
        } else if (strcmp(rule, "spoofing") == 0) {
            if (d->spoofing)
                return 1;
        } else if (strcmp(rule, "tls-failure") == 0) {
            if (d->db->tls_failure)
                return 1;
        } else {
            return -1;
        }
    }
    return strncmp(rule, "unaligned>", 10) == 0 || !strcmp(rule, "spoofing") ||
                   !strcmp(rule, "tls-failure") ? 0 : -1;
}

static int build(struct rs_summary *s, struct reportdb_summary *dbs)
{
    s->db = dbs;
    s->ndomains = dbs->ndomains;
    if (!(s->domains = calloc(dbs->ndomains ? dbs->ndomains : 1, sizeof *s->domains)))
        return EXIT_RUNTIME;
    for (size_t i = 0; i < dbs->ndomains; i++) {
        struct rs_domain *d = &s->domains[i];
        d->db = &dbs->domains[i];
        d->nsources = d->db->nsources;
        if (!(d->sources = calloc(d->nsources ? d->nsources : 1, sizeof *d->sources)))
            return EXIT_RUNTIME;
        for (size_t k = 0; k < d->nsources; k++)
            d->sources[k].db = &d->db->sources[k];
    }
    return EXIT_OK;
}

static void free_model(struct rs_summary *s)
{
    for (size_t i = 0; i < s->ndomains && s->domains; i++)
        free(s->domains[i].sources);
    free(s->domains);
    report_db_summary_free(s->db);
}

static int render(const struct rs_summary *s, const struct opts *o)
{
    if (strcmp(o->format, "json") == 0)
        return out_json(rs_json(s));
    if (strcmp(o->format, "csv") == 0)
        return rs_csv(s, stdout);
    if (strcmp(o->format, "html") == 0)
        return rs_write_html(s, o->out ? o->out : "mailctl-report.html", o->force);
    rs_text(s);
    return EXIT_OK;
}

int rpt_cmd_summary(int argc, char **argv)
{
    struct opts o = {0};
    struct rs_summary s = {0};
    struct reportdb_summary *dbs = NULL;
    struct report_db *db = NULL;
    struct dns_engine *eng = NULL;
    const char *path;
    char err[400];
    int64_t since = -1;
    int rc = get_opts(argc, argv, &o);

    if (rc >= 0)
        return rc;
    if (o.since && (since = parse_since(o.since)) < -1)
        return cmd_usage_error("report summary", "bad --since '%s': YYYY-MM-DD or Nd",
                               rpt_safe(o.since));
    if (!(path = rpt_db_path(o.db)))
        return EXIT_USAGE;
    if (report_db_open(path, &db, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "%s", err);
    if (report_db_summary(db, o.domain, since, &dbs, err, sizeof err) != AUTH_OK) {
        report_db_close(db);
        return cmd_error(EXIT_RUNTIME, "%s", err);
    }
    if (build(&s, dbs) != EXIT_OK) {
        free_model(&s);
        report_db_close(db);
        return cmd_error(EXIT_RUNTIME, "out of memory");
    }
    if (!o.no_dns && cmd_dns_engine(&eng) != EXIT_OK)
        eng = NULL;   /* summary without names: said on stderr by cmd_dns_engine */
    rs_name_sources(&s, db, eng);
    rc = render(&s, &o);
    for (size_t i = 0; rc == EXIT_OK && i < o.nfail_on; i++) {
        int h = rule_holds(&s, o.fail_on[i]);
        if (h < 0)
            rc = cmd_usage_error("report summary", "bad --fail-on '%s': unaligned>PCT, spoofing "
                                 "or tls-failure", rpt_safe(o.fail_on[i]));
        else if (h > 0)
            rc = EXIT_PROBLEM;
    }
    dns_engine_free(eng);
    free_model(&s);
    report_db_close(db);
    return rc;
}
