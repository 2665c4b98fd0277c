/*
 * test_polite.c - a bulk check-dns is polite to the servers it audits:
 * - 60 domains whose 60 MX names all resolve to the one address of a real
 *   Postfix cost ONE SMTP connection (counted in Postfix's own log), while
 *   the certificate is still judged per MX name (it names only one);
 * - --smtp-per-ip N caps the connections open at once to one address
 *   (a scripted listener, tests/servers/count_smtp.py, counts the most it
 *   saw open; it answers slowly so connections made together overlap);
 * - DKIM selectors: a domain whose MX or SPF names Microsoft 365, Google
 *   Workspace or SendGrid is asked that provider's selectors, not the common
 *   list (the zones imitate the providers' MX names inside the test NSD).
 * Zones are generated per test run and served by the test NSD.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "testenv.h"
#include "testpostfix.h"

#define NPOOL 60
#define NCAP  12
#define KEY "\"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtestkey\""

static struct test_nsd nsd;
static char dir[256], bin[4096];

static FILE *open_in(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return fopen(path, "w");
}

static void zone_head(FILE *z, const char *origin)
{
    fprintf(z, "$ORIGIN %s.\n$TTL 300\n@ IN SOA ns1 hm 1 7200 3600 1209600 300\n"
               "@ IN NS ns1\nns1 IN A 192.0.2.53\n", origin);
}

/* pool.test: dN with MX mx.dN (all 127.0.0.1); cap.test likewise; prov.test:
 * domains that look hosted at a provider; the lists. */
static int make_zones(void)
{
    FILE *z = open_in("pool.test.zone"), *c = open_in("cap.test.zone"),
         *p = open_in("prov.test.zone"), *l = open_in("pool.txt"), *k = open_in("cap.txt"),
         *q = open_in("prov.txt");

    if (!z || !c || !p || !l || !k || !q)
        return -1;
    zone_head(z, "pool.test");
    for (int i = 0; i < NPOOL; i++) {
        fprintf(z, "d%d IN MX 10 mx.d%d\nmx.d%d IN A 127.0.0.1\n", i, i, i);
        fprintf(l, "d%d.pool.test\n", i);
    }
    zone_head(c, "cap.test");
    for (int i = 0; i < NCAP; i++) {
        fprintf(c, "c%d IN MX 10 mx.c%d\nmx.c%d IN A 127.0.0.1\n", i, i, i);
        fprintf(k, "c%d.cap.test\n", i);
    }
    zone_head(p, "prov.test");
    fprintf(p, "ms IN MX 0 ms-prov-test.mail.protection.outlook.com.\n"
               "ms IN TXT \"v=spf1 include:spf.protection.outlook.com -all\"\n"
               "selector1._domainkey.ms IN TXT " KEY "\n"
               "gw IN MX 1 smtp.google.com.\n"
               "gw IN TXT \"v=spf1 include:_spf.google.com ~all\"\n"
               "google._domainkey.gw IN TXT " KEY "\n"
               "sg IN MX 10 mail.sg\nmail.sg IN A 192.0.2.25\n"
               "sg IN TXT \"v=spf1 ip4:192.0.2.25 include:sendgrid.net -all\"\n"
               "s1._domainkey.sg IN TXT " KEY "\n"
               "own IN MX 10 mail.own\nmail.own IN A 192.0.2.26\n"
               "own IN TXT \"v=spf1 mx -all\"\n"
               "default._domainkey.own IN TXT " KEY "\n");
    fprintf(q, "ms.prov.test\ngw.prov.test\nsg.prov.test\nown.prov.test\n");
    return fclose(z) | fclose(c) | fclose(p) | fclose(l) | fclose(k) | fclose(q);
}

static int start(void **state)
{
    char tmpl[] = "/tmp/mailctl-polite-XXXXXX";

    if (!realpath(test_mailctl(), bin) || !mkdtemp(tmpl))
        return -1;
    snprintf(dir, sizeof dir, "%s", tmpl);
    chmod(dir, 0755);
    if (make_zones() < 0)
        return -1;
    return test_nsd_start(&nsd, dir);
}

static int stop(void **state)
{
    test_nsd_stop(&nsd);
    return test_rmtree(dir);
}

/* Run mailctl --resolver NSD ARGS... (NULL-terminated). */
static void run(struct test_out *out, ...)
{
    char *argv[48] = { bin, "--resolver", nsd.spec };
    int n = 3;
    va_list ap;
    const char *a;

    va_start(ap, out);
    while ((a = va_arg(ap, const char *)) && n < 47)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    assert_int_equal(test_run(argv, NULL, NULL, 0, 120, out), 0);
}

static char *path_in(const char *name)
{
    static char paths[4][512];
    static int k;
    char *p = paths[k++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

/* The finding id of a JSON line at severity whose detail holds part. */
static bool line_has(json_t *doc, const char *id, const char *sev, const char *part)
{
    size_t i;
    json_t *f;

    json_array_foreach(json_object_get(doc, "findings"), i, f) {
        const char *d = json_string_value(json_object_get(f, "detail"));
        if (!strcmp(json_string_value(json_object_get(f, "id")), id) &&
            !strcmp(json_string_value(json_object_get(f, "severity")), sev) &&
            (!part || (d && strstr(d, part))))
            return true;
    }
    return false;
}

/* Each JSON line of text, by domain, into an object. */
static json_t *lines_by_domain(const char *text)
{
    json_t *all = json_object();

    for (const char *p = text; *p; ) {
        const char *nl = strchr(p, '\n');
        json_error_t e;
        json_t *doc = json_loadb(p, nl ? (size_t)(nl - p) : strlen(p), 0, &e);
        assert_non_null(doc);
        json_object_set_new(all, json_string_value(json_object_get(doc, "domain")), doc);
        p = nl ? nl + 1 : p + strlen(p);
    }
    return all;
}

static void one_smtp_probe_per_address(void **state)
{
    struct test_postfix pf;
    struct test_out out;
    char port[16];
    long before, after;
    json_t *all;

    assert_int_equal(test_postfix_start(&pf, "d0.pool.test"), 0);   /* cert: mx.d0.pool.test */
    snprintf(port, sizeof port, "%d", pf.port);
    before = test_postfix_connections(&pf, 30);
    assert_true(before >= 0);
    run(&out, "--ca-file", pf.ca.ca_file, "check-dns", "--file", path_in("pool.txt"),
        "--jobs", "16", "--checks", "smtp", "--smtp-port", port, "--allow-private",
        "--json", NULL);
    after = test_postfix_connections(&pf, 30);
    test_postfix_stop(&pf);
    if (out.status != 0)
        fprintf(stderr, "%s\n%s", out.err, out.out);
    assert_int_equal(out.status, 0);
    /* 60 domains, 60 MX names, one address: one connection */
    assert_int_equal(after - before, 1);
    all = lines_by_domain(out.out);
    assert_int_equal(json_object_size(all), NPOOL);
    for (int i = 0; i < NPOOL; i++) {
        char d[64];
        json_t *doc;
        snprintf(d, sizeof d, "d%d.pool.test", i);
        assert_non_null(doc = json_object_get(all, d));
        assert_true(line_has(doc, "smtp.unreachable", "pass", NULL));
        assert_true(line_has(doc, "smtp.starttls-missing", "pass", NULL));
        /* the certificate names mx.d0.pool.test only: judged per MX name,
         * whichever domain's audit made the probe */
        if (i == 0)
            assert_true(line_has(doc, "smtp.cert-invalid", "pass", NULL));
        else
            assert_true(line_has(doc, "smtp.cert-invalid", "info", "hostname mismatch"));
    }
    json_decref(all);
    test_out_free(&out);
}

/* Run the cap list through a fresh counting listener with --smtp-per-ip
 * cap; *total and *max from its stats. */
static void cap_run(const char *cap, long *total, long *max)
{
    char script[400], stats[512], map[200], port[16], closed[16];
    char *argv[] = { "/usr/bin/python3", script, stats, "300", NULL };
    struct test_out out;
    int pid, lport;
    FILE *fp;

    snprintf(script, sizeof script, "%s/../tests/servers/count_smtp.py", test_datadir());
    snprintf(stats, sizeof stats, "%s/stats-%s", dir, cap);
    assert_int_equal(test_server_spawn(argv, &pid, &lport), 0);
    snprintf(port, sizeof port, "%d", lport);
    snprintf(closed, sizeof closed, "%d", test_free_port());
    /* the port checklist: port 25 to the listener, the others to a closed port */
    snprintf(map, sizeof map, "25=%d,465=%s,587=%s,993=%s,995=%s,110=%s,143=%s", lport,
             closed, closed, closed, closed, closed, closed);
    run(&out, "check-dns", "--file", path_in("cap.txt"), "--jobs", "12", "--checks",
        "smtp,ports", "--ports", "--port-map", map, "--smtp-port", port, "--allow-private",
        "--smtp-per-ip", cap, "--json", "--timeout", "10", NULL);
    test_server_kill(pid);
    if (out.status == 2)
        fprintf(stderr, "%s", out.err);
    assert_int_not_equal(out.status, 2);
    assert_non_null(fp = fopen(stats, "r"));
    assert_int_equal(fscanf(fp, "%ld %ld", total, max), 2);
    fclose(fp);
    test_out_free(&out);
}

static void smtp_per_ip_caps_open_connections(void **state)
{
    long total, max;

    /* 12 port checklists (one per MX name) and one SMTP probe (per address) */
    cap_run("1", &total, &max);
    assert_int_equal(total, NCAP + 1);
    assert_int_equal(max, 1);
    cap_run("3", &total, &max);
    assert_int_equal(total, NCAP + 1);
    assert_true(max <= 3);
    assert_true(max >= 2);           /* the cap, not something else, held it to 1 */
}

static void smtp_per_ip_usage_errors(void **state)
{
    static const char *const bad[] = { "0", "-1", "x", "65", "2x", "" };
    struct test_out out;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        run(&out, "check-dns", "ms.prov.test", "--no-smtp", "--smtp-per-ip", bad[i], NULL);
        assert_int_equal(out.status, 2);
        assert_non_null(strstr(out.err, "--smtp-per-ip"));
        assert_string_equal(out.out, "");
        test_out_free(&out);
    }
    run(&out, "check-dns", "ms.prov.test", "--dkim-discovery", "all", NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
}

static void provider_selectors_ask_fewer_questions(void **state)
{
    struct test_out polite, common;
    json_t *p, *c;
    static const char *const hosted[] = { "ms.prov.test", "gw.prov.test", "sg.prov.test" };

    run(&polite, "check-dns", "--file", path_in("prov.txt"), "--checks", "dkim", "--json",
        NULL);
    run(&common, "check-dns", "--file", path_in("prov.txt"), "--checks", "dkim", "--json",
        "--dkim-discovery", "common", NULL);
    /* the made-up key fails its lint (exit 1); nothing is inconclusive */
    assert_true(polite.status == 0 || polite.status == 1);
    assert_int_equal(common.status, polite.status);
    p = lines_by_domain(polite.out);
    c = lines_by_domain(common.out);
    for (size_t i = 0; i < 3; i++) {
        json_t *dp = json_object_get(p, hosted[i]), *dc = json_object_get(c, hosted[i]);
        assert_non_null(dp);
        assert_non_null(dc);
        /* MX, TXT, the provider's selectors (at most 3) and the wildcard */
        assert_true(json_integer_value(json_object_get(dp, "queries")) <= 6);
        assert_true(json_integer_value(json_object_get(dc, "queries")) >= 35);
        assert_true(line_has(dp, "dkim.not-found", "pass", "1 selector with a key"));
        assert_true(line_has(dc, "dkim.not-found", "pass", "1 selector with a key"));
    }
    /* no provider: the common list, which finds "default" */
    assert_true(json_integer_value(json_object_get(json_object_get(p, "own.prov.test"),
                                                   "queries")) >= 35);
    assert_true(line_has(json_object_get(p, "own.prov.test"), "dkim.not-found", "pass", NULL));
    json_decref(p);
    json_decref(c);
    test_out_free(&polite);
    test_out_free(&common);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_smtp_probe_per_address),
        cmocka_unit_test(smtp_per_ip_caps_open_connections),
        cmocka_unit_test(smtp_per_ip_usage_errors),
        cmocka_unit_test(provider_selectors_ask_fewer_questions),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
