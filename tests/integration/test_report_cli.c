/*
 * test_report_cli.c - `mailctl report parse|import|summary` end to end:
 * the sample reports of testdata/reports parsed and imported from files
 * and from a Maildir into SQLite, the summary with PTR names from a real
 * NSD, the HTML file opened in a real headless Chromium (DOM figures equal
 * the JSON, no console message), and hostile files (a 200 MB report, a
 * gzip bomb) refused within seconds and bounded memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "testenv.h"
#include "testpostfix.h"

#define MEMORY_BOUND_KB (512 * 1024)

static struct test_nsd nsd;
static char work[256], db[300];
static const char *const samples[] = {
    "google.eml", "microsoft.eml", "yahoo.eml", "rfc9990.xml", "google-tlsrpt.json.gz",
    "microsoft-tlsrpt.eml", "failure-arf.eml",
};
#define NSAMPLES (sizeof samples / sizeof samples[0])

static int start(void **state)
{
    char tmpl[] = "/tmp/mailctl-report-XXXXXX";

    if (!mkdtemp(tmpl))
        return -1;
    snprintf(work, sizeof work, "%s", tmpl);
    snprintf(db, sizeof db, "%s/reports.db", work);
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    test_nsd_stop(&nsd);
    if (work[0])
        test_sh(NULL, "rm -rf %s", work);
    return 0;
}

static char *sample_path(const char *name)
{
    static char buf[8][512];
    static int slot;
    char *p = buf[slot++ % 8];

    snprintf(p, 512, "%s/reports/%s", test_datadir(), name);
    return p;
}

/* mailctl --resolver NSD ARGS... (NULL-terminated) */
static void run(struct test_out *out, char *const env[], ...)
{
    char *argv[40] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "2" };
    int n = 5;
    va_list ap;
    char *a;

    va_start(ap, env);
    while ((a = va_arg(ap, char *)) && n < 39)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    assert_int_equal(test_run(argv, env, NULL, 0, 60, out), 0);
}

static long max_child_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_CHILDREN, &ru);
    return ru.ru_maxrss;
}

/* Runs first: the children's peak memory is then that of these inputs. */
static void hostile_files_bounded(void **state)
{
    char big[400], bomb[400], cmd[1200];
    struct test_out out;

    /* 200 MB of well-formed records: refused by size, never read whole */
    snprintf(big, sizeof big, "%s/big.xml", work);
    snprintf(cmd, sizeof cmd, "(python3 -c \"import sys\nw=sys.stdout.write\n"
             "w('<feedback><report_metadata><org_name>big</org_name><report_id>1</report_id>"
             "</report_metadata><policy_published><domain>big.example</domain></policy_published>')\n"
             "r='<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row></record>'*1000\n"
             "[w(r) for i in range(2700)]\nw('</feedback>')\" > %s)", big);
    assert_int_equal(test_sh(NULL, "%s", cmd), 0);
    /* 300 MB of zeros gzip'd: about 300 KB */
    snprintf(bomb, sizeof bomb, "%s/bomb.xml.gz", work);
    assert_int_equal(test_sh(NULL, "(head -c 300000000 /dev/zero | gzip -1 > %s)", bomb), 0);
    run(&out, NULL, "report", "parse", "--json", big, bomb, sample_path("rfc9990.xml"), NULL);
    assert_int_equal(out.status, 2);
    if (!strstr(out.out, "more than 64 MiB\"") || !strstr(out.out, big))
        fail_msg("stdout: %.2000s\nstderr: %.500s", out.out, out.err);
    assert_non_null(strstr(out.out, "more than 64 MiB after decompression"));
    assert_non_null(strstr(out.out, "\"kind\":\"aggregate\""));
    test_out_free(&out);
    /* the same 200 MB through stdin: read up to the cap only */
    snprintf(cmd, sizeof cmd, "%s report parse - < %s", test_mailctl(), big);
    assert_int_equal(test_sh(NULL, "(%s; test $? -eq 2)", cmd), 0);
    if (max_child_rss_kb() > MEMORY_BOUND_KB)
        fail_msg("a child used %ld KiB", max_child_rss_kb());
}

static void parse_samples(void **state)
{
    struct test_out out;
    char *lines[NSAMPLES];
    json_t *doc;
    size_t n = 0;

    run(&out, NULL, "report", "parse", "--json", sample_path(samples[0]), sample_path(samples[1]),
        sample_path(samples[2]), sample_path(samples[3]), sample_path(samples[4]),
        sample_path(samples[5]), sample_path(samples[6]), NULL);
    assert_int_equal(out.status, 0);
    for (char *line = strtok_r(out.out, "\n", &lines[0]); line; line = strtok_r(NULL, "\n", &lines[0])) {
        json_error_t e;
        assert_non_null(doc = json_loads(line, 0, &e));
        assert_true(json_is_null(json_object_get(doc, "error")));
        if (n == 0) {
            assert_string_equal(json_string_value(json_object_get(doc, "kind")), "aggregate");
            assert_string_equal(json_string_value(json_object_get(doc, "begin")),
                                "2026-11-23T00:00:00Z");
            assert_int_equal(json_integer_value(json_object_get(doc, "messages")), 1867);
            assert_string_equal(json_string_value(json_object_get(
                json_array_get(json_object_get(doc, "records"), 0), "dkim")), "pass");
        }
        if (n == 6)
            assert_string_equal(json_string_value(json_object_get(doc, "kind")), "failure");
        json_decref(doc);
        n++;
    }
    assert_int_equal(n, NSAMPLES);
    test_out_free(&out);
}

static void parse_unreadable_exit2(void **state)
{
    struct test_out out;

    run(&out, NULL, "report", "parse", sample_path("make-samples.py"), sample_path("rfc9990.xml"),
        NULL);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.out, "not a report"));
    assert_non_null(strstr(out.out, "aggregate from mail.receiver.example"));
    test_out_free(&out);
}

static long long db_count(const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    long long v = -1;

    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

static void import_files_twice(void **state)
{
    struct test_out out;

    run(&out, NULL, "report", "import", "--db", db, "--json", sample_path(samples[0]),
        sample_path(samples[1]), sample_path(samples[2]), sample_path(samples[3]),
        sample_path(samples[4]), sample_path(samples[5]), sample_path(samples[6]),
        sample_path("make-samples.py"), NULL);
    assert_int_equal(out.status, 2);   /* one unreadable, stored with its reason */
    assert_non_null(strstr(out.out, "\"imported\": 7"));
    assert_non_null(strstr(out.out, "\"unreadable\": 1"));
    test_out_free(&out);
    run(&out, NULL, "report", "import", "--db", db, "--json", sample_path(samples[0]),
        sample_path("make-samples.py"), NULL);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "\"duplicates\": 2"));
    test_out_free(&out);
    assert_int_equal(db_count("SELECT COUNT(*) FROM reports"), 8);
    assert_int_equal(db_count("SELECT COUNT(*) FROM reports WHERE kind = 'error' AND error LIKE "
                              "'not a report%' AND raw IS NOT NULL"), 1);
    assert_int_equal(db_count("SELECT SUM(count) FROM records"), 1867 + 987 + 693 + 78);
    assert_int_equal(db_count("PRAGMA user_version"), 3);
    assert_int_equal(db_count("SELECT COUNT(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
}

static void import_maildir_marks_seen(void **state)
{
    char md[400], mdb[400], env[450];
    struct test_out out;
    char *envs[] = { env, NULL };

    snprintf(md, sizeof md, "%s/Maildir", work);
    snprintf(mdb, sizeof mdb, "%s/maildir.db", work);
    snprintf(env, sizeof env, "MAILCTL_DB=%s", mdb);
    assert_int_equal(test_sh(NULL, "mkdir -p %1$s/new %1$s/cur %1$s/tmp && cp %2$s %1$s/new/1.a && "
                             "cp %3$s %1$s/new/2.b && cp %4$s '%1$s/cur/3.c:2,S' && "
                             "cp %5$s '%1$s/cur/4.d:2,F'", md, sample_path("google.eml"),
                             sample_path("microsoft.eml"), sample_path("yahoo.eml"),
                             sample_path("failure-arf.eml")), 0);
    run(&out, envs, "report", "import", "--maildir", md, "--json", NULL);
    assert_int_equal(out.status, 0);
    /* three unseen messages (the S one is left alone) */
    assert_non_null(strstr(out.out, "\"imported\": 3"));
    test_out_free(&out);
    assert_int_equal(test_sh(NULL, "test -f '%1$s/cur/1.a:2,S' && test -f '%1$s/cur/2.b:2,S' && "
                             "test -f '%1$s/cur/4.d:2,FS' && test -z \"$(ls %1$s/new)\"", md), 0);
    run(&out, envs, "report", "import", "--maildir", md, "--json", NULL);
    assert_non_null(strstr(out.out, "\"imported\": 0"));
    test_out_free(&out);
}

static json_t *summary_json(void)
{
    struct test_out out;
    json_error_t e;
    json_t *doc;

    run(&out, NULL, "report", "summary", "--db", db, "--json", NULL);
    assert_int_equal(out.status, 0);
    if (!(doc = json_loads(out.out, 0, &e)))
        fail_msg("not JSON: %s", out.out);
    test_out_free(&out);
    return doc;
}

static json_t *source_of(json_t *dom, const char *ip)
{
    json_t *s;
    size_t i;

    json_array_foreach(json_object_get(dom, "sources"), i, s)
        if (strcmp(json_string_value(json_object_get(s, "source_ip")), ip) == 0)
            return s;
    fail_msg("no source %s", ip);
    return NULL;
}

static void summary_names_and_fixes(void **state)
{
    json_t *doc = summary_json(), *d = json_array_get(json_object_get(doc, "domains"), 0), *s;
    struct test_out out;

    assert_string_equal(json_string_value(json_object_get(d, "domain")), "good.example");
    assert_int_equal(json_integer_value(json_object_get(d, "reports")), 4);
    assert_int_equal(json_integer_value(json_object_get(d, "messages")), 3625);
    assert_int_equal(json_integer_value(json_object_get(d, "dmarc_pass")), 1180 + 240 + 820 + 530 + 60 + 75);
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(d, "readiness"), "text")),
                           "1 source left before p=quarantine"));
    s = source_of(d, "198.51.100.20");
    assert_string_equal(json_string_value(json_object_get(s, "ptr")), "out1.sendprovider.example");
    assert_true(json_is_true(json_object_get(s, "fcrdns")));
    assert_string_equal(json_string_value(json_object_get(s, "group")), "sendprovider.example");
    assert_string_equal(json_string_value(json_object_get(s, "status")), "unaligned");
    assert_non_null(strstr(json_string_value(json_array_get(json_object_get(s, "fix"), 0)),
                           "CNAME sp1._domainkey.sendprovider.example."));
    s = source_of(d, "203.0.113.66");
    assert_string_equal(json_string_value(json_object_get(s, "status")), "suspected-spoofing");
    s = source_of(d, "192.0.2.10");
    assert_string_equal(json_string_value(json_object_get(s, "ptr")), "mail.good.example");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "tlsrpt"), "failure")), 14);
    assert_int_equal(json_integer_value(json_object_get(doc, "unreadable")), 1);
    json_decref(doc);
    run(&out, NULL, "report", "summary", "--db", db, "--fail-on", "spoofing", NULL);
    assert_int_equal(out.status, 1);
    test_out_free(&out);
    run(&out, NULL, "report", "summary", "--db", db, "--fail-on", "unaligned>50", "--format", "csv",
        NULL);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "\"good.example\",\"198.51.100.20\",\"out1.sendprovider.example\""));
    test_out_free(&out);
    run(&out, NULL, "report", "summary", "--db", db, "--fail-on", "unaligned>10", NULL);
    assert_int_equal(out.status, 1);
    test_out_free(&out);
}

/* The value of attr in the element that starts at the first occurrence of
 * marker in html. */
static long long attr_after(const char *html, const char *marker, const char *attr)
{
    const char *p = strstr(html, marker), *end;
    char key[64];

    if (!p)
        fail_msg("no %s in the DOM", marker);
    end = strchr(p, '>');
    snprintf(key, sizeof key, "%s=\"", attr);
    p = strstr(p, key);
    if (!p || p > end)
        fail_msg("no %s on %s", attr, marker);
    return atoll(p + strlen(key));
}

static void html_in_chromium(void **state)
{
    char html[400], png[400], profile[400], url[450], shot[450], prof[450], marker[100];
    json_t *doc = summary_json(), *d = json_array_get(json_object_get(doc, "domains"), 0), *s;
    struct test_out out;
    size_t i;

    snprintf(html, sizeof html, "%s/summary.html", work);
    snprintf(png, sizeof png, "%s/summary.png", work);
    snprintf(profile, sizeof profile, "%s/chromium", work);
    run(&out, NULL, "report", "summary", "--db", db, "--format", "html", "--out", html, NULL);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, html));
    test_out_free(&out);
    /* not overwritten without --force */
    run(&out, NULL, "report", "summary", "--db", db, "--format", "html", "--out", html, NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
    snprintf(url, sizeof url, "file://%s", html);
    snprintf(prof, sizeof prof, "--user-data-dir=%s", profile);
    {
        char *argv[] = { "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", prof, "--enable-logging=stderr",
                         "--v=0", "--dump-dom", url, NULL };
        assert_int_equal(test_run(argv, NULL, NULL, 0, 90, &out), 0);
    }
    assert_int_equal(out.status, 0);
    if (strstr(out.err, "CONSOLE") || strstr(out.err, "Refused to"))
        fail_msg("console messages: %s", out.err);
    assert_int_equal(attr_after(out.out, "<section class=\"domain\"", "data-messages"),
                     json_integer_value(json_object_get(d, "messages")));
    assert_int_equal(attr_after(out.out, "<section class=\"domain\"", "data-dmarc-pass"),
                     json_integer_value(json_object_get(d, "dmarc_pass")));
    assert_int_equal(attr_after(out.out, "<section class=\"domain\"", "data-reports"),
                     json_integer_value(json_object_get(d, "reports")));
    json_array_foreach(json_object_get(d, "sources"), i, s) {
        snprintf(marker, sizeof marker, "data-ip=\"%s\"",
                 json_string_value(json_object_get(s, "source_ip")));
        assert_int_equal(attr_after(out.out, marker, "data-messages"),
                         json_integer_value(json_object_get(s, "messages")));
        assert_int_equal(attr_after(out.out, marker, "data-dmarc-pass"),
                         json_integer_value(json_object_get(s, "dmarc_pass")));
    }
    assert_int_equal(attr_after(out.out, "<p class=\"tls\"", "data-failure"),
                     json_integer_value(json_object_get(json_object_get(d, "tlsrpt"), "failure")));
    assert_int_equal(attr_after(out.out, "<tr class=\"tls-policy\" data-type=\"sts\"", "data-failure"),
                     json_integer_value(json_object_get(json_array_get(json_object_get(
                         json_object_get(d, "tlsrpt"), "policies"), 0), "failure")));
    /* the one ARF sample: "1 failure report", singular */
    assert_int_equal(json_integer_value(json_object_get(d, "failure_reports")), 1);
    assert_non_null(strstr(out.out, "1 failure report (RFC 6591) stored."));
    assert_null(strstr(out.out, "<script"));
    assert_null(strstr(out.out, "http://"));
    assert_null(strstr(out.out, "https://"));
    test_out_free(&out);
    json_decref(doc);
    snprintf(shot, sizeof shot, "--screenshot=%s", png);
    {
        char *argv[] = { "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", prof, "--window-size=1280,2000",
                         shot, url, NULL };
        struct stat st;
        assert_int_equal(test_run(argv, NULL, NULL, 0, 90, &out), 0);
        assert_int_equal(out.status, 0);
        assert_int_equal(stat(png, &st), 0);
        assert_true(st.st_size > 10000);
        test_out_free(&out);
    }
}

static void default_db_under_home(void **state)
{
    char env[400], path[500];
    char *envs[] = { env, "MAILCTL_DB=", NULL };
    struct test_out out;
    struct stat st;

    snprintf(env, sizeof env, "HOME=%s/home", work);
    assert_int_equal(test_sh(NULL, "mkdir -p %s/home", work), 0);
    run(&out, envs, "report", "import", "-q", sample_path("rfc9990.xml"), NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    snprintf(path, sizeof path, "%s/home/.local/share/mailctl/reports.db", work);
    assert_int_equal(stat(path, &st), 0);
}

/* A TLS report with a DANE policy and a no-policy-found one for the domain,
 * beside Google's MTA-STS one: each policy type shown per MX with its
 * meaning (text, JSON, HTML), and each failure under its policy. */
static const char tls_two_policies[] =
    "{\"organization-name\": \"Example Mail\", \"date-range\": {\"start-datetime\":"
    " \"2026-11-23T00:00:00Z\", \"end-datetime\": \"2026-11-23T23:59:59Z\"},"
    " \"report-id\": \"tls-two-policies\", \"policies\": ["
    " {\"policy\": {\"policy-type\": \"tlsa\", \"policy-domain\": \"good.example\","
    "  \"mx-host\": [\"mx.good.example\", \"mx9.good.example\"]},"
    "  \"summary\": {\"total-successful-session-count\": 100, \"total-failure-session-count\": 3},"
    "  \"failure-details\": [{\"result-type\": \"dane-required\", \"sending-mta-ip\": \"192.0.2.1\","
    "  \"receiving-mx-hostname\": \"mx.good.example\", \"failed-session-count\": 3}]},"
    " {\"policy\": {\"policy-type\": \"no-policy-found\", \"policy-domain\": \"good.example\"},"
    "  \"summary\": {\"total-successful-session-count\": 50, \"total-failure-session-count\": 2},"
    "  \"failure-details\": [{\"result-type\": \"starttls-not-supported\", \"sending-mta-ip\":"
    "  \"192.0.2.1\", \"receiving-mx-hostname\": \"mx3.good.example\", \"failed-session-count\": 2}]}]}";

static json_t *tls_of(const char *tdb)
{
    struct test_out out;
    json_t *doc;

    run(&out, NULL, "report", "summary", "--db", tdb, "--no-dns", "--json", NULL);
    assert_int_equal(out.status, 0);
    assert_non_null(doc = json_loads(out.out, 0, NULL));
    test_out_free(&out);
    return doc;
}

static json_t *by_key(json_t *arr, const char *k1, const char *v1, const char *k2, const char *v2)
{
    size_t i;
    json_t *x;

    json_array_foreach(arr, i, x) {
        const char *a = json_string_value(json_object_get(x, k1));
        const char *b = k2 ? json_string_value(json_object_get(x, k2)) : NULL;
        if (a && strcmp(a, v1) == 0 && (!k2 || (b && strcmp(b, v2) == 0)))
            return x;
    }
    fail_msg("no %s=%s in %s", k1, v1, json_dumps(arr, 0));
    return NULL;
}

static void tls_policy_types(void **state)
{
    char tdb[400], json[400], html[400], *page;
    struct test_out out;
    json_t *doc, *t, *p;
    size_t len;

    snprintf(tdb, sizeof tdb, "%s/tls.db", work);
    snprintf(json, sizeof json, "%s/tls-two.json", work);
    snprintf(html, sizeof html, "%s/tls.html", work);
    assert_int_equal(test_spit(json, tls_two_policies, strlen(tls_two_policies)), 0);
    run(&out, NULL, "report", "import", "--db", tdb, json, sample_path("google-tlsrpt.json.gz"),
        NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);

    run(&out, NULL, "report", "summary", "--db", tdb, "--no-dns", NULL);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "good.example  no DMARC aggregate reports\n"));
    assert_non_null(strstr(out.out, "    sts             mail.good.example                      1520"
                                    "        14  MTA-STS policy (RFC 8461)"));
    assert_non_null(strstr(out.out, "    tlsa            mx.good.example, mx9.good.example       100"
                                    "         3  DANE (RFC 7672)"));
    assert_non_null(strstr(out.out, "    no-policy-found -                                        50"
                                    "         2  no MTA-STS or DANE policy found: TLS was opportunistic"));
    assert_non_null(strstr(out.out, "    mx.good.example                   tlsa            dane-required"
                                    "                   3  DANE was required but no usable TLSA"));
    assert_non_null(strstr(out.out, "    mx3.good.example                  no-policy-found "
                                    "starttls-not-supported          2  the MX did not offer STARTTLS"));
    test_out_free(&out);

    doc = tls_of(tdb);
    t = json_object_get(json_array_get(json_object_get(doc, "domains"), 0), "tlsrpt");
    assert_int_equal(json_array_size(json_object_get(t, "policies")), 3);
    p = by_key(json_object_get(t, "policies"), "type", "tlsa", NULL, NULL);
    assert_int_equal(json_integer_value(json_object_get(p, "success")), 100);
    assert_int_equal(json_integer_value(json_object_get(p, "failure")), 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(p, "mx_hosts"), 1)),
                        "mx9.good.example");
    assert_non_null(strstr(json_string_value(json_object_get(p, "meaning")), "DANE"));
    p = by_key(json_object_get(t, "failures"), "policy_type", "tlsa", "result_type", "dane-required");
    assert_int_equal(json_integer_value(json_object_get(p, "count")), 3);
    assert_string_equal(json_string_value(json_object_get(p, "mx")), "mx.good.example");
    p = by_key(json_object_get(t, "failures"), "policy_type", "sts", "result_type",
               "certificate-expired");
    assert_int_equal(json_integer_value(json_object_get(p, "count")), 9);
    json_decref(doc);

    run(&out, NULL, "report", "summary", "--db", tdb, "--no-dns", "--format", "html", "--out",
        html, NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    assert_non_null(page = test_slurp(html, &len));
    assert_non_null(strstr(page, "<tr class=\"tls-policy\" data-type=\"tlsa\" data-success=\"100\""
                                 " data-failure=\"3\">"));
    assert_non_null(strstr(page, "<tr class=\"tls-failure\" data-policy-type=\"no-policy-found\""
                                 " data-count=\"2\"><td>mx3.good.example</td>"));
    /* TLS reports only: said so, and no empty DMARC charts or sources table */
    assert_non_null(strstr(page, "<p class=\"meta\">No DMARC aggregate reports.</p>"));
    assert_null(strstr(page, "<div class=\"charts\">"));
    assert_null(strstr(page, "<h3>Sources</h3>"));
    free(page);

    /* a database of schema 2 (failures without their policy type) is migrated:
     * a failure takes its policy's type when its report has one policy for the
     * domain (Google's), none when there were two (not guessed) */
    assert_int_equal(test_sh(NULL, "sqlite3 %s 'ALTER TABLE tls_failures DROP COLUMN policy_type;"
                             " PRAGMA user_version = 2;'", tdb), 0);
    doc = tls_of(tdb);
    t = json_object_get(json_array_get(json_object_get(doc, "domains"), 0), "tlsrpt");
    p = by_key(json_object_get(t, "failures"), "policy_type", "sts", "result_type",
               "starttls-not-supported");
    assert_int_equal(json_integer_value(json_object_get(p, "count")), 5);
    p = by_key(json_object_get(t, "failures"), "mx", "mx.good.example", NULL, NULL);
    assert_true(json_is_null(json_object_get(p, "policy_type")));
    json_decref(doc);
}

/* A PTR name longer than its column is cut with "...", and every row of the
 * sources table keeps its columns (by display width) under the heading. */
static void summary_long_ptr_aligned(void **state)
{
    char tdb[400], *envs[] = { "LANG=C", NULL };
    const char *line, *head;
    struct test_out out;

    snprintf(tdb, sizeof tdb, "%s/ptr.db", work);
    run(&out, NULL, "report", "import", "--db", tdb, sample_path("microsoft.eml"), NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    assert_int_equal(test_sh(NULL, "sqlite3 %s \"INSERT OR REPLACE INTO ptr_cache VALUES"
                             " ('198.51.100.20', 'a-very-long-reverse-name-of-a-sending-host.bulk-mail."
                             "provider.example', 1, strftime('%%s', 'now'))\"", tdb), 0);
    run(&out, envs, "report", "summary", "--db", tdb, "--no-dns", NULL);
    assert_int_equal(out.status, 0);
    assert_non_null(head = strstr(out.out, "  source "));
    assert_non_null(line = strstr(out.out, "  198.51.100.20 "));
    assert_non_null(strstr(line, " a-very-long-reverse-name-of-a-sending-host.bulk-mail.prov... "));
    /* the heading's "aligned" and the row's share end on the same column */
    assert_int_equal(strstr(head, "aligned") + strlen("aligned") - head,
                     strstr(line, "%") + 1 - line);
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_files_bounded),
        cmocka_unit_test(parse_samples),
        cmocka_unit_test(parse_unreadable_exit2),
        cmocka_unit_test(import_files_twice),
        cmocka_unit_test(import_maildir_marks_seen),
        cmocka_unit_test(summary_names_and_fixes),
        cmocka_unit_test(html_in_chromium),
        cmocka_unit_test(tls_policy_types),
        cmocka_unit_test(summary_long_ptr_aligned),
        cmocka_unit_test(default_db_under_home),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
