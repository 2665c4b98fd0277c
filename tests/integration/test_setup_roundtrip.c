/*
 * test_setup_roundtrip.c - `mailctl setup` proved end to end with real parts:
 *
 *   1. setup makes a key and prints the zone snippet for roundtrip.example;
 *   2. the snippet (with an SOA and NS added here), the parent zone example.
 *      and the reverse zones holding setup's own PTR lines are served by a
 *      real NSD;
 *   3. `mailctl check-dns --no-smtp` on the domain reports no fail;
 *   4. `mailctl send-test` signs with the generated key and delivers through
 *      a real Postfix over STARTTLS verified with the test CA;
 *   5. the copy read from the Maildir verifies with dkimpy (keys fetched
 *      from the test NSD) and with `mailctl auth` (SPF, DKIM, DMARC pass).
 */
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

#define DOMAIN   "roundtrip.example"
#define HOST     "mail." DOMAIN
#define IP4      "192.0.2.25"
#define IP6      "2001:db8::25"
#define SELECTOR "rt1"
#define PY       "/usr/bin/python3"

static char dir[256], zones[300], keyfile[400], eml[400], setup_json[400];
static struct test_nsd nsd;
static struct test_postfix pf;
static bool nsd_up;

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static void run(struct test_out *out, char *const argv[])
{
    assert_int_equal(test_run(argv, NULL, NULL, 0, 120, out), 0);
}

static json_t *json_of(const struct test_out *out)
{
    json_error_t e;
    json_t *doc = json_loads(out->out, 0, &e);

    if (!doc)
        fail_msg("stdout is not JSON (%s): %s\nstderr: %s", e.text, out->out, out->err);
    return doc;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int start(void **state)
{
    char tmpl[] = "/tmp/mailctl-roundtrip-XXXXXX";

    if (!mkdtemp(tmpl))
        return -1;
    snprintf(dir, sizeof dir, "%s", tmpl);
    snprintf(zones, sizeof zones, "%s/zones", dir);
    snprintf(keyfile, sizeof keyfile, "%s/%s.private", dir, SELECTOR);
    snprintf(eml, sizeof eml, "%s/delivered.eml", dir);
    snprintf(setup_json, sizeof setup_json, "%s/setup.json", dir);
    mkdir(zones, 0755);
    if (test_postfix_start(&pf, DOMAIN) < 0) {
        test_postfix_stop(&pf);
        return -1;
    }
    return 0;
}

static int stop(void **state)
{
    if (nsd_up)
        test_nsd_stop(&nsd);
    test_postfix_stop(&pf);
    test_sh(NULL, "rm -rf %s", dir);
    return 0;
}

/* A zone file: SOA and NS at origin, then body. */
static void write_zone(const char *origin, const char *body)
{
    char path[400];
    size_t n = strlen(body) + 1024;
    char *text = malloc(n);

    assert_non_null(text);
    snprintf(text, n, "$ORIGIN %s.\n$TTL 3600\n"
             "@ IN SOA ns1.%s. hostmaster.%s. 2026112401 7200 3600 1209600 300\n"
             "@ IN NS ns1.%s.\n%s", origin, DOMAIN, DOMAIN, DOMAIN, body);
    snprintf(path, sizeof path, "%s/%s.zone", zones, origin);
    write_file(path, text);
    free(text);
}

/* The PTR lines setup prints as comments ("; NAME.\tTTL\tIN\tPTR\tHOST.") whose
 * owner ends in suffix, uncommented. */
static char *ptr_lines(const char *snippet, const char *suffix)
{
    char *out = calloc(1, strlen(snippet) + 1);
    const char *p = snippet;

    assert_non_null(out);
    while (*p) {
        size_t n = strcspn(p, "\n");
        const char *tab = memchr(p, '\t', n);
        if (n > 2 && !strncmp(p, "; ", 2) && tab && memmem(p, n, "\tIN\tPTR\t", 8) &&
            (size_t)(tab - p) > strlen(suffix) + 2 &&
            !strncmp(tab - strlen(suffix), suffix, strlen(suffix))) {
            strncat(out, p + 2, n - 2);
            strncat(out, "\n", 2);
        }
        p += n + (p[n] == '\n');
    }
    return out;
}

/* setup, then NSD on its output, then check-dns: no fail. */
static void setup_zone_passes_check_dns(void **state)
{
    char *argv[] = { (char *)test_mailctl(), "setup", DOMAIN, "--mail-host", HOST, "--ip", IP4,
                     "--ipv6", IP6, "--selector", SELECTOR, "--out", dir, NULL };
    char *jargv[] = { (char *)test_mailctl(), "setup", DOMAIN, "--mail-host", HOST, "--ip", IP4,
                      "--ipv6", IP6, "--selector", "json", "--out", dir, "--json", NULL };
    struct test_out out, js;
    char *ptr4, *ptr6, *body, path[400];
    json_t *doc, *summary, *findings, *recs;
    struct stat st;
    bool dkim_pass = false, spf_pass = false, ptr_pass = false;

    run(&out, argv);
    if (out.status != 0)
        fail_msg("setup: exit %d: %s", out.status, out.err);
    assert_int_equal(stat(keyfile, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* The key is never replaced without --force. */
    run(&js, argv);
    assert_int_equal(js.status, 2);
    assert_non_null(strstr(js.err, "--force"));
    test_out_free(&js);
    /* The JSON form: the PTR outside the zone, TXT values unsplit. */
    run(&js, jargv);
    assert_int_equal(js.status, 0);
    doc = json_of(&js);
    recs = json_object_get(doc, "records");
    for (size_t i = 0; i < json_array_size(recs); i++) {
        json_t *r = json_array_get(recs, i);
        if (!strcmp(jstr(r, "type"), "PTR"))
            assert_true(json_is_true(json_object_get(r, "outside_zone")));
        if (!strcmp(jstr(r, "name"), "json._domainkey." DOMAIN))
            assert_null(strchr(jstr(r, "value"), '"'));
    }
    assert_non_null(strstr(jstr(doc, "mta_sts_policy"), "mode: testing"));
    assert_true(json_array_size(json_object_get(doc, "checklist")) >= 5);
    json_decref(doc);
    test_out_free(&js);

    /* Zones: setup's snippet as it is, the parent, the reverse zones. */
    body = malloc(strlen(out.out) + 100);
    assert_non_null(body);
    snprintf(body, strlen(out.out) + 100, "ns1 IN A 192.0.2.53\n%s", out.out);
    write_zone(DOMAIN, body);
    free(body);
    ptr4 = ptr_lines(out.out, "in-addr.arpa.");
    ptr6 = ptr_lines(out.out, "ip6.arpa.");
    assert_non_null(strstr(ptr4, "25.2.0.192.in-addr.arpa.\t3600\tIN\tPTR\t" HOST "."));
    assert_non_null(strstr(ptr6, "\tIN\tPTR\t" HOST "."));
    write_zone("2.0.192.in-addr.arpa", ptr4);
    write_zone("8.b.d.0.1.0.0.2.ip6.arpa", ptr6);
    free(ptr4);
    free(ptr6);
    snprintf(path, sizeof path, "%s/zones/example.zone", test_datadir());
    assert_int_equal(test_sh(NULL, "cp %s %s/", path, zones), 0);
    test_out_free(&out);
    assert_int_equal(test_nsd_start(&nsd, zones), 0);
    nsd_up = true;

    {
        char *cargv[] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "3",
                          "check-dns", "--no-smtp", DOMAIN, "--selector", SELECTOR, "--ip",
                          IP4, "--json", NULL };
        run(&out, cargv);
    }
    doc = json_of(&out);
    summary = json_object_get(doc, "summary");
    findings = json_object_get(doc, "findings");
    for (size_t i = 0; i < json_array_size(findings); i++) {
        json_t *f = json_array_get(findings, i);
        const char *sev = jstr(f, "severity"), *id = jstr(f, "id");
        if (!strcmp(sev, "fail") || !strcmp(sev, "error"))
            fail_msg("check-dns: %s %s: %s", sev, id, jstr(f, "summary"));
        /* The only warning left is DMARC's deliberate first step, p=none. */
        if (!strcmp(sev, "warn") && strcmp(id, "dmarc.policy-none") != 0)
            fail_msg("check-dns: unexpected warn %s: %s", id, jstr(f, "summary"));
        if (!strcmp(sev, "pass")) {
            dkim_pass |= !strcmp(id, "dkim.not-found");
            spf_pass |= !strcmp(id, "spf.ip-not-authorized");   /* --ip gets pass */
            ptr_pass |= !strcmp(id, "ptr.fcrdns");              /* setup's PTR works */
        }
    }
    assert_true(dkim_pass && spf_pass && ptr_pass);
    assert_int_equal(json_integer_value(json_object_get(summary, "fail")), 0);
    assert_true(json_integer_value(json_object_get(summary, "pass")) >= 4);
    assert_int_equal(out.status, 0);
    json_decref(doc);
    test_out_free(&out);
}

/* send-test with the generated key through the real Postfix, then both
 * verifiers on the delivered copy. */
static void delivered_mail_verifies(void **state)
{
    char tool[400], port[16], *msg;
    char *sargv[] = { (char *)test_mailctl(), "--ca-file", pf.ca.ca_file, "--timeout", "10",
                      "send-test", "--from", "sender@" DOMAIN, "--to", "postmaster@" DOMAIN,
                      "--server", pf.spec, "--dkim-key", keyfile, "--selector", SELECTOR,
                      "--subject", "setup round trip", "--json", NULL };
    char *vargv[] = { PY, tool, "verify", port, eml, NULL };
    char *aargv[] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "3", "auth",
                      eml, "--ip", IP4, "--mail-from", "sender@" DOMAIN, "--helo", HOST,
                      "--json", NULL };
    struct test_out out;
    json_t *doc, *tls;

    if (!nsd_up)
        skip();
    run(&out, sargv);
    if (out.status != 0)
        fail_msg("send-test: exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    assert_true(json_is_true(json_object_get(doc, "delivered")));
    tls = json_object_get(doc, "tls");
    assert_true(json_is_true(json_object_get(tls, "verified")));
    if (test_postfix_wait_message(&pf, jstr(doc, "token"), 15, &msg) < 0)
        fail_msg("no message with %s in %s", jstr(doc, "token"), pf.mailbox);
    assert_non_null(strstr(msg, "DKIM-Signature: "));
    assert_non_null(strstr(msg, "s=" SELECTOR));
    write_file(eml, msg);
    free(msg);
    json_decref(doc);
    test_out_free(&out);

    /* dkimpy, an independent verifier, with the key from the test NSD. */
    snprintf(tool, sizeof tool, "%s/../tests/interop/dkimpy_tool.py", test_datadir());
    snprintf(port, sizeof port, "%d", nsd.port);
    run(&out, vargv);
    if (out.status != 0)
        fail_msg("dkimpy: exit %d: %s %s", out.status, out.out, out.err);
    assert_non_null(strstr(out.out, "pass "));
    test_out_free(&out);

    /* mailctl auth: SPF pass for the IP setup listed, DKIM pass, DMARC pass. */
    run(&out, aargv);
    if (out.status != 0)
        fail_msg("auth: exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    assert_string_equal(jstr(json_object_get(doc, "spf"), "result"), "pass");
    assert_string_equal(jstr(json_object_get(doc, "dkim"), "result"), "pass");
    assert_string_equal(jstr(json_object_get(doc, "dmarc"), "result"), "pass");
    assert_non_null(strstr(jstr(doc, "header"), "dmarc=pass"));
    json_decref(doc);
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(setup_zone_passes_check_dns),
        cmocka_unit_test(delivered_mail_verifies),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
