/*
 * test_check_dns.c - `mailctl check-dns` against a real NSD: every finding id
 * of the families in the registry is triggered by a zone in testdata/zones
 * and asserted with its severity; good.example has no finding at warn or
 * above; exit codes, --fail-on, --expect, JUnit and bulk JSON lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "relay.h"
#include "testenv.h"
#include "testjson.h"

static struct test_nsd nsd;
/* The families under test here; NULL runs every family (good.example). */
static const char *families = "mx,ptr";

static int start(void **state) { return test_nsd_start(&nsd, NULL); }
static int stop(void **state) { test_nsd_stop(&nsd); return 0; }

/* mailctl --resolver NSD check-dns --no-smtp ARGS... (NULL-terminated). */
static void run(struct test_out *out, const char *stdin_data, ...)
{
    char *argv[32] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "2",
                       "check-dns", "--no-smtp" };
    int n = 7;
    va_list ap;
    const char *a;

    if (families) {
        argv[n++] = "--checks";
        argv[n++] = (char *)families;
    }

    va_start(ap, stdin_data);
    while ((a = va_arg(ap, const char *)) && n < 31)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    assert_int_equal(test_run(argv, NULL, stdin_data, stdin_data ? strlen(stdin_data) : 0,
                              60, out), 0);
}

static json_t *json_of(const char *text)
{
    json_error_t e;
    json_t *doc = json_loads(text, 0, &e);

    if (!doc)
        fail_msg("not JSON (%s): %s", e.text, text);
    return doc;
}

/* A finding with this id and this severity must be there. */
static void expect_id(json_t *doc, const char *id, const char *sev)
{
    const char *got = test_finding_severity(doc, id);

    if (!test_has_finding(doc, id, sev, NULL))
        fail_msg("%s: want %s %s, got %s", json_string_value(json_object_get(doc, "domain")),
                 id, sev, got ? got : "nothing");
}

static json_t *audit(const char *domain, int want_exit)
{
    struct test_out out;
    json_t *doc;

    run(&out, NULL, "--json", domain, NULL);
    if (out.status != want_exit)
        fail_msg("%s: exit %d, want %d\n%s\n%s", domain, out.status, want_exit, out.out,
                 out.err);
    doc = json_of(out.out);
    test_out_free(&out);
    return doc;
}

static void good_is_clean(void **state)
{
    json_t *doc, *f;
    size_t i;

    families = NULL;
    doc = audit("good.example", 0);
    families = "mx,ptr";

    assert_true(json_is_true(json_object_get(doc, "ok")));
    json_array_foreach(json_object_get(doc, "findings"), i, f) {
        const char *sev = json_string_value(json_object_get(f, "severity"));
        if (strcmp(sev, "pass") && strcmp(sev, "info") && strcmp(sev, "skipped"))
            fail_msg("good.example has %s %s: %s", sev,
                     json_string_value(json_object_get(f, "id")),
                     json_string_value(json_object_get(f, "detail")));
    }
    expect_id(doc, "mx.present", "pass");
    assert_non_null(json_object_get(json_object_get(doc, "records"), "mx"));
    assert_true(json_integer_value(json_object_get(doc, "timing_ms")) >= 0);
    json_decref(doc);
}

static void broken_mx_findings(void **state)
{
    json_t *doc = audit("broken.example", 1);

    assert_true(json_is_false(json_object_get(doc, "ok")));
    expect_id(doc, "mx.target-cname", "warn");
    expect_id(doc, "mx.target-unresolvable", "fail");
    expect_id(doc, "mx.target-private", "fail");
    expect_id(doc, "mx.target-ip-literal", "fail");
    expect_id(doc, "mx.duplicate", "info");
    expect_id(doc, "mx.ipv6", "info");
    expect_id(doc, "ptr.fcrdns", "warn");
    expect_id(doc, "ptr.generic", "warn");
    expect_id(doc, "ptr.missing", "warn");
    assert_true(json_integer_value(json_object_get(json_object_get(doc, "summary"), "fail")) >= 3);
    json_decref(doc);
}

static void mx_presence_cases(void **state)
{
    json_t *doc = audit("implicit.mxcases.example", 0);
    expect_id(doc, "mx.present", "warn");
    assert_non_null(strstr(json_string_value(json_object_get(
        json_array_get(json_object_get(doc, "findings"), 0), "fix")), "IN MX 10"));
    json_decref(doc);

    doc = audit("nomail.mxcases.example", 1);
    expect_id(doc, "mx.present", "fail");
    json_decref(doc);

    doc = audit("nullmx.mxcases.example", 0);
    expect_id(doc, "mx.null", "info");
    assert_null(test_finding_severity(doc, "mx.ipv6"));
    json_decref(doc);

    doc = audit("mixed.mxcases.example", 1);
    expect_id(doc, "mx.null-mixed", "fail");
    json_decref(doc);
}

static void sending_ip_ptr(void **state)
{
    struct test_out out;
    json_t *doc;

    run(&out, NULL, "--json", "--ip", "192.0.2.99", "good.example", NULL);
    assert_int_equal(out.status, 1);          /* a sending IP failing FCrDNS is a fail */
    doc = json_of(out.out);
    expect_id(doc, "ptr.fcrdns", "fail");
    json_decref(doc);
    test_out_free(&out);

    run(&out, NULL, "--json", "--ip", "192.0.2.200", "good.example", NULL);
    assert_int_equal(out.status, 1);
    doc = json_of(out.out);
    expect_id(doc, "ptr.missing", "fail");
    json_decref(doc);
    test_out_free(&out);
}

static void fail_on_gate(void **state)
{
    struct test_out out;

    run(&out, NULL, "implicit.mxcases.example", NULL);   /* warn only */
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "[WARN]"));
    assert_non_null(strstr(out.out, "mx.present"));
    test_out_free(&out);
    run(&out, NULL, "--fail-on", "warn", "implicit.mxcases.example", NULL);
    assert_int_equal(out.status, 1);
    test_out_free(&out);
    run(&out, NULL, "--fail-on", "bogus", "good.example", NULL);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "--fail-on"));
    test_out_free(&out);
}

static void junit_output(void **state)
{
    struct test_out out;

    run(&out, NULL, "--format", "junit", "broken.example", "good.example", NULL);
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.out, "<testsuites"));
    assert_non_null(strstr(out.out, "<testsuite name=\"broken.example\""));
    assert_non_null(strstr(out.out, "name=\"mx.target-private\"><failure type=\"fail\""));
    assert_non_null(strstr(out.out, "<testsuite name=\"good.example\""));
    test_out_free(&out);
}

static void bulk_json_lines(void **state)
{
    struct test_out out;
    const char *list = "good.example\n# a comment\nbroken.example\n\nimplicit.mxcases.example\n";
    char *line, *save = NULL;
    const char *want[] = { "good.example", "broken.example", "implicit.mxcases.example" };
    int n = 0;

    run(&out, list, "--json", "--jobs", "3", "--file", "-", NULL);
    assert_int_equal(out.status, 1);
    for (line = strtok_r(out.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *doc = json_of(line);
        assert_true(n < 3);
        assert_string_equal(json_string_value(json_object_get(doc, "domain")), want[n]);
        json_decref(doc);
        n++;
    }
    assert_int_equal(n, 3);
    test_out_free(&out);
}

static void expect_file(void **state)
{
    struct test_out out;
    char path[] = "/tmp/mailctl-expect-XXXXXX";
    int fd = mkstemp(path);
    char *cut;

    assert_true(fd >= 0);
    run(&out, NULL, "--format", "expect", "broken.example", NULL);
    assert_non_null(strstr(out.out, "broken.example mx.target-private fail"));
    assert_int_equal(write(fd, out.out, out.out_len), (ssize_t)out.out_len);
    close(fd);
    /* the same findings: the gate passes although there are failures */
    test_out_free(&out);
    run(&out, NULL, "--expect", path, "broken.example", NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    /* pin one finding fewer: a new finding fails the gate and is named */
    run(&out, NULL, "--format", "expect", "broken.example", NULL);
    cut = strstr(out.out, "broken.example mx.duplicate info\n");
    assert_non_null(cut);
    memmove(cut, cut + strlen("broken.example mx.duplicate info\n"),
            strlen(cut + strlen("broken.example mx.duplicate info\n")) + 1);
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_true(write(fd, out.out, strlen(out.out)) > 0);
    close(fd);
    test_out_free(&out);
    run(&out, NULL, "--expect", path, "broken.example", NULL);
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.err, "new finding: broken.example mx.duplicate info"));
    test_out_free(&out);
    unlink(path);
}

static void transport_records(void **state)
{
    json_t *doc;

    families = "mtasts,tlsrpt,bimi";
    doc = audit("broken.example", 1);
    expect_id(doc, "mtasts.record", "fail");
    expect_id(doc, "tlsrpt.syntax", "fail");
    expect_id(doc, "bimi.invalid", "warn");      /* p=none: no enforcement */
    json_decref(doc);

    doc = audit("twice.transport.example", 1);
    expect_id(doc, "mtasts.multiple", "fail");
    expect_id(doc, "tlsrpt.syntax", "fail");
    json_decref(doc);

    doc = audit("badlogo.transport.example", 0);
    expect_id(doc, "mtasts.missing", "info");
    expect_id(doc, "tlsrpt.missing", "info");
    assert_non_null(strstr(json_string_value(json_object_get(
        json_array_get(json_object_get(doc, "findings"), 1), "fix")), "v=TLSRPTv1"));
    expect_id(doc, "bimi.invalid", "warn");
    json_decref(doc);

    doc = audit("pct.transport.example", 0);
    expect_id(doc, "bimi.invalid", "warn");
    json_decref(doc);

    doc = audit("good.example", 0);
    expect_id(doc, "mtasts.missing", "pass");
    expect_id(doc, "tlsrpt.missing", "pass");
    expect_id(doc, "bimi.invalid", "pass");
    assert_non_null(json_object_get(json_object_get(doc, "records"), "tlsrpt"));
    json_decref(doc);
    families = "mx,ptr";
}

static void dkim_keys(void **state)
{
    struct test_out out;
    json_t *doc;

    families = "dkim";
    doc = audit("wild.keys.example", 0);
    expect_id(doc, "dkim.wildcard", "warn");
    json_decref(doc);
    doc = audit("revoked.keys.example", 0);
    expect_id(doc, "dkim.key-revoked", "info");
    json_decref(doc);
    doc = audit("syntax.keys.example", 1);
    expect_id(doc, "dkim.key-syntax", "fail");
    json_decref(doc);
    doc = audit("sha1.keys.example", 1);
    expect_id(doc, "dkim.key-hash", "fail");
    json_decref(doc);
    doc = audit("weak.keys.example", 1);
    expect_id(doc, "dkim.key-weak", "fail");
    json_decref(doc);
    doc = audit("broken.example", 0);
    expect_id(doc, "dkim.key-weak", "warn");
    expect_id(doc, "dkim.key-testing", "warn");
    json_decref(doc);
    doc = audit("ed.keys.example", 0);
    expect_id(doc, "dkim.not-found", "pass");
    json_decref(doc);
    doc = audit("mxcases.example", 0);
    expect_id(doc, "dkim.not-found", "warn");
    json_decref(doc);
    /* a selector named on the command line that has no key fails */
    run(&out, NULL, "--json", "--selector", "nosuch", "good.example", NULL);
    assert_int_equal(out.status, 1);
    doc = json_of(out.out);
    expect_id(doc, "dkim.not-found", "fail");
    json_decref(doc);
    test_out_free(&out);
    families = "mx,ptr";
}

static void dmarc_policies(void **state)
{
    json_t *doc;

    families = "dmarc";
    doc = audit("transport.example", 1);
    expect_id(doc, "dmarc.missing", "fail");
    json_decref(doc);
    doc = audit("multiple.policies.example", 1);
    expect_id(doc, "dmarc.multiple", "fail");
    json_decref(doc);
    doc = audit("syntax.policies.example", 1);
    expect_id(doc, "dmarc.syntax", "fail");
    json_decref(doc);
    doc = audit("testing.policies.example", 0);
    expect_id(doc, "dmarc.testing", "warn");
    json_decref(doc);
    doc = audit("broken.example", 0);
    expect_id(doc, "dmarc.policy-none", "warn");
    expect_id(doc, "dmarc.no-rua", "warn");
    json_decref(doc);
    doc = audit("policies.example", 0);
    expect_id(doc, "dmarc.subdomain-none", "warn");
    json_decref(doc);
    doc = audit("inherits.policies.example", 0);
    expect_id(doc, "dmarc.inherited", "info");
    json_decref(doc);
    doc = audit("external.policies.example", 0);
    expect_id(doc, "dmarc.rua-unauthorized", "warn");
    expect_id(doc, "dmarc.rua-undeliverable", "warn");
    json_decref(doc);
    families = "mx,ptr";
}

static void profiles(void **state)
{
    struct test_out out;
    json_t *doc;

    families = NULL;
    doc = audit("parked.example", 0);
    json_decref(doc);
    run(&out, NULL, "--json", "--profile", "parked", "parked.example", NULL);
    doc = json_of(out.out);
    expect_id(doc, "profile.null-mx", "pass");
    expect_id(doc, "profile.dmarc", "pass");
    expect_id(doc, "profile.spf", "pass");
    json_decref(doc);
    test_out_free(&out);

    run(&out, NULL, "--json", "--profile", "parked", "half.parked.example", NULL);
    assert_int_equal(out.status, 1);
    doc = json_of(out.out);
    expect_id(doc, "profile.spf", "fail");
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(doc,
        "findings"), json_array_size(json_object_get(doc, "findings")) - 1), "id")),
        "profile.dmarc");
    json_decref(doc);
    test_out_free(&out);

    run(&out, NULL, "--json", "--profile", "gmail-bulk", "good.example", NULL);
    doc = json_of(out.out);
    expect_id(doc, "profile.dkim", "pass");
    expect_id(doc, "profile.dmarc", "pass");
    expect_id(doc, "profile.ptr", "skipped");        /* needs --ip */
    expect_id(doc, "profile.spam-rate", "skipped");  /* never provable from DNS */
    expect_id(doc, "profile.unsubscribe", "skipped");
    json_decref(doc);
    test_out_free(&out);

    run(&out, NULL, "--json", "--profile", "gmail-bulk", "--ip", "192.0.2.10", "good.example",
        NULL);
    doc = json_of(out.out);
    expect_id(doc, "profile.ptr", "pass");
    json_decref(doc);
    test_out_free(&out);

    run(&out, NULL, "--profile", "hotmail", "good.example", NULL);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "gmail-bulk"));
    test_out_free(&out);
    families = "mx,ptr";
}

/* Every spf.* id through check-dns, on the SPF tests' zones and spfaudit.example. */
static void spf_ids(void **state)
{
    static const char *const cases[][3] = {
        {"over.spf-tests.example", "spf.lookup-limit", "fail"},
        {"loop1.spf-tests.example", "spf.loop", "fail"},
        {"multi.spf-tests.example", "spf.multiple", "fail"},
        {"syntax.spf-tests.example", "spf.syntax", "fail"},
        {"plusall.spf-tests.example", "spf.all-pass", "fail"},
        {"neutral.spf-tests.example", "spf.all-neutral", "warn"},
        {"ptr.spf-tests.example", "spf.ptr-used", "warn"},
        {"afterall.spf-tests.example", "spf.redirect-ignored", "warn"},
        {"afterall.spf-tests.example", "spf.after-all", "warn"},
        {"macro.spf-tests.example", "spf.macro-count", "info"},
        {"void.spf-tests.example", "spf.void-limit", "fail"},
        {"bigmx.spf-tests.example", "spf.mx-names-limit", "fail"},
        {"noinc.spf-tests.example", "spf.include-no-record", "fail"},
        {"temp.spf-tests.example", "spf.include-error", "error"},
        {"parked.spf-tests.example", "spf.missing", "fail"},
        {"big.spfaudit.example", "spf.record-size", "warn"},
        {"old.spfaudit.example", "spf.type99", "info"},
        {"derived.spfaudit.example", "ptr.fcrdns", "fail"},
        {"broken.example", "spf.all-pass", "fail"},
    };
    families = "spf";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct test_out out;
        json_t *doc;
        run(&out, NULL, "--json", cases[i][0], NULL);
        doc = json_of(out.out);
        expect_id(doc, cases[i][1], cases[i][2]);
        if (!strcmp(cases[i][2], "fail"))
            assert_int_equal(out.status, 1);
        json_decref(doc);
        test_out_free(&out);
    }
    families = "mx,ptr";
}

/* --dns-record saves every answer; --dns-replay reproduces the report with
 * no DNS server at all (the resolver named is a port nobody listens on). */
static void dns_record_replay(void **state)
{
    char tape[] = "/tmp/mailctl-tape-XXXXXX", spec[64];
    int fd = mkstemp(tape);
    struct test_out rec, rep;
    json_t *a, *b;

    assert_true(fd >= 0);
    close(fd);
    families = NULL;
    run(&rec, NULL, "--json", "--dns-record", tape, "broken.example", NULL);
    assert_int_equal(rec.status, 1);
    snprintf(spec, sizeof spec, "127.0.0.1:%d", test_free_port());
    {
        char *argv[] = { (char *)test_mailctl(), "--resolver", spec, "--timeout", "0.2",
                         "--dns-replay", tape, "check-dns", "--no-smtp", "--json",
                         "broken.example", NULL };
        assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &rep), 0);
    }
    assert_int_equal(rep.status, 1);
    a = json_of(rec.out);
    b = json_of(rep.out);
    assert_true(json_equal(json_object_get(a, "findings"), json_object_get(b, "findings")));
    assert_true(json_equal(json_object_get(a, "records"), json_object_get(b, "records")));
    assert_true(json_array_size(json_object_get(a, "findings")) > 10);
    json_decref(a);
    json_decref(b);
    test_out_free(&rec);
    test_out_free(&rep);
    /* a question the tape lacks is an error, never a guess */
    {
        char *argv[] = { (char *)test_mailctl(), "--dns-replay", tape, "check-dns",
                         "--no-smtp", "--json", "good.example", NULL };
        assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &rep), 0);
        assert_int_equal(rep.status, 3);
        assert_non_null(strstr(rep.out, "not in the replay file"));
        test_out_free(&rep);
    }
    /* not a tape: usage error naming the file */
    fd = open(tape, O_WRONLY | O_TRUNC);
    assert_true(write(fd, "hello\n", 6) == 6);
    close(fd);
    {
        char *argv[] = { (char *)test_mailctl(), "--dns-replay", tape, "mx",
                         "good.example", NULL };
        assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &rep), 0);
        assert_int_equal(rep.status, 2);
        assert_non_null(strstr(rep.err, "not a mailctl DNS tape"));
        test_out_free(&rep);
    }
    unlink(tape);
    families = "mx,ptr";
}

/* A resolver that never answers one question (_dmarc): the DMARC check
 * reports error, the exit is 3 (inconclusive), and the rest of the report
 * is still there. */
static void timeout_on_one_query(void **state)
{
    static const char *const drop[] = { "_dmarc.good.example", NULL };
    struct test_relay relay;
    struct test_out out;
    json_t *doc;

    assert_int_equal(test_relay_start(&relay, nsd.spec, 0, drop), 0);
    {
        /* 1 s a try: the audit's first round sends some 50 questions at once, and
         * on a loaded machine 0.3 s was seen to time out an answered one */
        char *argv[] = { (char *)test_mailctl(), "--resolver", relay.spec, "--timeout", "1",
                         "check-dns", "--no-smtp", "--json", "good.example", NULL };
        assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
    }
    test_relay_stop(&relay);
    assert_int_equal(out.status, 3);
    doc = json_of(out.out);
    expect_id(doc, "dmarc.missing", "error");
    expect_id(doc, "mx.present", "pass");
    expect_id(doc, "spf.missing", "pass");
    expect_id(doc, "dkim.not-found", "pass");
    assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "inconclusive");
    json_decref(doc);
    test_out_free(&out);
}

static void usage_errors(void **state)
{
    struct test_out out;

    run(&out, NULL, NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
    run(&out, NULL, "--ip", "1.2.3.999", "good.example", NULL);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "1.2.3.999"));
    test_out_free(&out);
    run(&out, NULL, "bad..name", NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_is_clean),
        cmocka_unit_test(broken_mx_findings),
        cmocka_unit_test(mx_presence_cases),
        cmocka_unit_test(sending_ip_ptr),
        cmocka_unit_test(fail_on_gate),
        cmocka_unit_test(junit_output),
        cmocka_unit_test(bulk_json_lines),
        cmocka_unit_test(expect_file),
        cmocka_unit_test(transport_records),
        cmocka_unit_test(dkim_keys),
        cmocka_unit_test(dmarc_policies),
        cmocka_unit_test(spf_ids),
        cmocka_unit_test(profiles),
        cmocka_unit_test(dns_record_replay),
        cmocka_unit_test(timeout_on_one_query),
        cmocka_unit_test(usage_errors),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
