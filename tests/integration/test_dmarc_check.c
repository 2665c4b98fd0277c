/*
 * test_dmarc_check.c - `mailctl dmarc check` end to end against the test
 * NSD (testdata/zones/dmarctest.zone, uk.zone): tree walk and PSL
 * discovery, inherited sp/np, psd=n and psd=y, multiple and invalid records,
 * report authorisation, the 8-query bound, a timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "testenv.h"
#include "testjson.h"

static struct test_nsd nsd;

static int start(void **state)
{
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    test_nsd_stop(&nsd);
    return 0;
}

/* mailctl --resolver NSD dmarc check DOMAIN --json [EXTRA]; returns the doc. */
static json_t *check(const char *domain, const char *extra, int want_exit)
{
    char *argv[12] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "2",
                       "dmarc", "check", (char *)domain, "--json", NULL, NULL, NULL };
    struct test_out out;
    json_error_t e;
    json_t *doc;

    if (extra) {
        argv[9] = "--dmarc-discovery";
        argv[10] = (char *)extra;
    }
    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    if (out.status != want_exit)
        fail_msg("%s: exit %d, want %d\n%s%s", domain, out.status, want_exit, out.out, out.err);
    doc = json_loads(out.out, 0, &e);
    if (!doc)
        fail_msg("not JSON (%s): %s\nstderr: %s", e.text, out.out, out.err);
    test_out_free(&out);
    return doc;
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool has_finding(json_t *doc, const char *id, const char *sev)
{
    return test_has_finding_in(doc, "problems", id, sev, NULL);
}

/* The fix of the first finding with this id, or NULL. */
static const char *finding_fix(json_t *doc, const char *id)
{
    size_t i;
    json_t *f;

    json_array_foreach(json_object_get(doc, "problems"), i, f)
        if (strcmp(str(f, "id"), id) == 0)
            return str(f, "fix");
    return NULL;
}

static void org_domain_record(void **state)
{
    json_t *d = check("org.dmarctest", NULL, 0);

    assert_string_equal(str(d, "domain"), "org.dmarctest");
    assert_string_equal(str(d, "org_domain"), "org.dmarctest");
    assert_string_equal(str(d, "policy"), "reject");
    assert_string_equal(str(d, "subdomain_policy"), "quarantine");
    assert_string_equal(str(d, "adkim"), "r");
    assert_int_equal(json_integer_value(json_object_get(d, "pct")), 100);
    assert_string_equal(str(d, "result"), "pass");
    assert_string_equal(str(d, "discovery"), "treewalk");
    assert_int_equal(json_array_size(json_object_get(d, "rua")), 2);
    assert_int_equal(json_array_size(json_object_get(d, "ruf")), 1);
    /* reports.dmarctest authorised org.dmarctest, unauth.dmarctest did not */
    size_t i, unauth = 0;
    json_t *f;
    json_array_foreach(json_object_get(d, "problems"), i, f)
        if (strcmp(str(f, "id"), "dmarc.rua-unauthorized") == 0) {
            unauth++;
            assert_non_null(strstr(str(f, "detail"), "unauth.dmarctest"));
        }
    assert_int_equal(unauth, 1);
    /* tags carry their standard */
    json_array_foreach(json_object_get(d, "tags"), i, f)
        if (strcmp(str(f, "name"), "np") == 0)
            assert_string_equal(str(f, "standard"), "RFC 9989 only");
    json_decref(d);
}

static void inherited_sp_and_np(void **state)
{
    json_t *d = check("sub.org.dmarctest", NULL, 0);

    assert_string_equal(str(d, "policy"), "quarantine");        /* sp: exists */
    assert_string_equal(str(d, "policy_tag"), "sp");
    assert_true(json_is_true(json_object_get(d, "inherited")));
    assert_string_equal(str(d, "policy_domain"), "org.dmarctest");
    assert_true(has_finding(d, "dmarc.inherited", "info"));
    json_decref(d);
    d = check("nosuch.org.dmarctest", NULL, 0);
    assert_string_equal(str(d, "policy"), "reject");            /* np: NXDOMAIN */
    assert_string_equal(str(d, "policy_tag"), "np");
    assert_true(json_is_false(json_object_get(d, "domain_exists")));
    json_decref(d);
    /* PSL method: the same organizational domain here */
    d = check("sub.org.dmarctest", "psl", 0);
    assert_string_equal(str(d, "discovery"), "psl");
    assert_string_equal(str(d, "policy_domain"), "org.dmarctest");
    json_decref(d);
}

static void psd_n_and_both(void **state)
{
    json_t *d = check("x.dept.org.dmarctest", "both", 0);

    /* tree walk stops at psd=n: dept.org is its own org domain, p=none */
    assert_string_equal(str(d, "org_domain"), "dept.org.dmarctest");
    assert_string_equal(str(d, "policy"), "none");
    /* PSL: the org domain is org.dmarctest and its sp applies */
    json_t *psl = json_object_get(d, "psl");
    assert_string_equal(str(psl, "org_domain"), "org.dmarctest");
    assert_string_equal(str(psl, "policy"), "quarantine");
    assert_true(json_array_size(json_object_get(d, "disagreements")) >= 2);
    json_decref(d);
}

static void public_suffix_policy(void **state)
{
    json_t *d = check("brand.co.uk", "both", 1);   /* PSL finds nothing: fail */

    assert_string_equal(str(d, "policy_domain"), "co.uk");
    assert_true(json_is_true(json_object_get(d, "psd_policy")));
    assert_string_equal(str(d, "org_domain"), "brand.co.uk");
    assert_string_equal(str(d, "policy"), "quarantine");
    json_t *psl = json_object_get(d, "psl");
    assert_string_equal(str(psl, "result"), "none");
    assert_true(json_is_null(json_object_get(psl, "policy")));
    json_decref(d);
}

static void multiple_invalid_missing(void **state)
{
    json_t *d = check("multi.dmarctest", NULL, 1);
    assert_string_equal(str(d, "result"), "permerror");
    assert_true(has_finding(d, "dmarc.multiple", "fail"));
    json_decref(d);

    d = check("bad.dmarctest", NULL, 1);
    assert_string_equal(str(d, "result"), "permerror");
    size_t i, n = 0;
    json_t *f;
    json_array_foreach(json_object_get(d, "problems"), i, f)
        n += strcmp(str(f, "id"), "dmarc.syntax") == 0 && strcmp(str(f, "severity"), "fail") == 0;
    assert_true(n >= 3);                          /* p, adkim, pct each reported */
    json_decref(d);

    d = check("badrua.dmarctest", NULL, 1);       /* acts as p=none, still a syntax fail */
    assert_string_equal(str(d, "policy"), "none");
    json_decref(d);

    d = check("nodmarc.dmarctest", NULL, 1);
    assert_string_equal(str(d, "result"), "none");
    assert_true(has_finding(d, "dmarc.missing", "fail"));
    json_decref(d);
}

static void monitoring_testing_split(void **state)
{
    json_t *d = check("mon.dmarctest", NULL, 0);
    assert_true(has_finding(d, "dmarc.policy-none", "warn"));
    assert_true(has_finding(d, "dmarc.no-rua", "warn"));
    assert_string_equal(finding_fix(d, "dmarc.policy-none"),
                        "_dmarc.mon.dmarctest. 3600 IN TXT \"v=DMARC1; p=quarantine\"");
    json_decref(d);
    /* the quarantine step keeps every other tag of the published record */
    d = check("x.dept.org.dmarctest", NULL, 0);
    assert_string_equal(finding_fix(d, "dmarc.policy-none"), "_dmarc.dept.org.dmarctest. 3600 "
                        "IN TXT \"v=DMARC1; p=quarantine; psd=n; rua=mailto:agg@org.dmarctest\"");
    json_decref(d);
    /* p absent (DMARCbis, acts as none): p=quarantine goes after v=DMARC1 */
    d = check("nop.dmarctest", NULL, 0);
    assert_string_equal(finding_fix(d, "dmarc.policy-none"), "_dmarc.nop.dmarctest. 3600 IN "
                        "TXT \"v=DMARC1; p=quarantine; rua=mailto:agg@org.dmarctest\"");
    json_decref(d);
    d = check("pct0.dmarctest", NULL, 0);
    assert_int_equal(json_integer_value(json_object_get(d, "pct")), 0);
    assert_true(has_finding(d, "dmarc.testing", "warn"));
    json_decref(d);
    d = check("testing.dmarctest", NULL, 0);
    assert_true(json_is_true(json_object_get(d, "testing")));
    json_decref(d);
    d = check("split.dmarctest", NULL, 0);        /* strings joined */
    assert_string_equal(str(d, "policy"), "quarantine");
    json_decref(d);
    d = check("nop.dmarctest", NULL, 0);          /* no p: none under RFC 9989 */
    assert_string_equal(str(d, "policy"), "none");
    json_decref(d);
}

static void walk_bound(void **state)
{
    json_t *d = check("q.a.b.c.d.e.f.g.org.dmarctest", NULL, 0);
    json_t *q = json_object_get(d, "queries");

    assert_int_equal(json_array_size(q), 8);
    assert_string_equal(str(json_array_get(q, 1), "name"), "_dmarc.c.d.e.f.g.org.dmarctest");
    assert_string_equal(str(d, "policy_domain"), "org.dmarctest");
    json_decref(d);
}

static void timeout_is_temperror(void **state)
{
    char spec[64];
    snprintf(spec, sizeof spec, "127.0.0.1:%d", test_free_port());
    char *argv[] = { (char *)test_mailctl(), "--resolver", spec, "--timeout", "1", "dmarc",
                     "check", "org.dmarctest", "--json", NULL };
    struct test_out out;

    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 3);
    json_t *d = json_loads(out.out, 0, NULL);
    assert_non_null(d);
    assert_string_equal(str(d, "result"), "temperror");
    assert_false(has_finding(d, "dmarc.missing", "fail"));   /* never "missing" */
    json_decref(d);
    test_out_free(&out);
}

static void bad_usage(void **state)
{
    char *argv[] = { (char *)test_mailctl(), "dmarc", "check", "bad..name", NULL };
    char *argv2[] = { (char *)test_mailctl(), "dmarc", "check", "x.example",
                      "--dmarc-discovery", "guess", NULL };
    struct test_out out;

    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "bad domain 'bad..name': empty label"));
    test_out_free(&out);
    assert_int_equal(test_run(argv2, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(org_domain_record),
        cmocka_unit_test(inherited_sp_and_np),
        cmocka_unit_test(psd_n_and_both),
        cmocka_unit_test(public_suffix_policy),
        cmocka_unit_test(multiple_invalid_missing),
        cmocka_unit_test(monitoring_testing_split),
        cmocka_unit_test(walk_bound),
        cmocka_unit_test(timeout_is_temperror),
        cmocka_unit_test(bad_usage),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
