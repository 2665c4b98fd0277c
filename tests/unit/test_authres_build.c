/*
 * test_authres_build.c - Authentication-Results (RFC 8601): building with
 * correct quoting and folding, parsing real-world fields, round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/authres.h"

static void quoting(void **state)
{
    char *q;

    q = authres_quote("pass", 0);
    assert_string_equal(q, "pass");
    free(q);
    q = authres_quote("no key for signature", 0);
    assert_string_equal(q, "\"no key for signature\"");
    free(q);
    q = authres_quote("say \"hi\" \\ bye", 0);
    assert_string_equal(q, "\"say \\\"hi\\\" \\\\ bye\"");
    free(q);
    q = authres_quote("user@example.com", 1);     /* pvalue: local@domain plain */
    assert_string_equal(q, "user@example.com");
    free(q);
    q = authres_quote("user@example.com", 0);     /* value: '@' is a tspecial */
    assert_string_equal(q, "\"user@example.com\"");
    free(q);
    q = authres_quote("we;ird@example.com", 1);
    assert_string_equal(q, "\"we;ird@example.com\"");
    free(q);
    q = authres_quote("a\r\nInjected: x", 1);     /* no header injection */
    assert_null(strchr(q, '\r'));
    assert_null(strchr(q, '\n'));
    free(q);
    q = authres_quote("", 1);
    assert_string_equal(q, "\"\"");
    free(q);
}

static struct authres *sample(void)
{
    struct authres *ar = authres_new("mx.example.org");
    struct authres_result *r;

    assert_non_null(ar);
    r = authres_add(ar, "spf", "pass", NULL, "sender IP is 192.0.2.1");
    assert_int_equal(authres_add_prop(r, "smtp", "mailfrom", "bounce@example.com"), AUTH_OK);
    r = authres_add(ar, "dkim", "fail", "body hash did not verify", NULL);
    assert_int_equal(authres_add_prop(r, "header", "d", "example.com"), AUTH_OK);
    assert_int_equal(authres_add_prop(r, "header", "s", "sel1"), AUTH_OK);
    r = authres_add(ar, "dmarc", "fail", NULL, "p=reject dis=quarantine");
    assert_int_equal(authres_add_prop(r, "header", "from", "example.com"), AUTH_OK);
    assert_int_equal(authres_add_prop(r, "policy", "dmarc", "quarantine"), AUTH_OK);
    return ar;
}

static void build_and_fold(void **state)
{
    struct authres *ar = sample();
    char *s = NULL;

    assert_int_equal(authres_format(ar, 1, 0, &s), AUTH_OK);
    assert_string_equal(s, "Authentication-Results: mx.example.org; "
        "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=bounce@example.com; "
        "dkim=fail reason=\"body hash did not verify\" header.d=example.com header.s=sel1; "
        "dmarc=fail (p=reject dis=quarantine) header.from=example.com policy.dmarc=quarantine");
    free(s);
    assert_int_equal(authres_format(ar, 1, 1, &s), AUTH_OK);
    /* every physical line at most 78 columns, continuation lines start with a tab */
    for (char *line = s, *nl; line; line = nl ? nl + 2 : NULL) {
        nl = strstr(line, "\r\n");
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        assert_true(len <= 78);
        if (line != s)
            assert_int_equal(line[0], '\t');
    }
    free(s);
    authres_free(ar);
    ar = authres_new("mx.example.org");
    assert_int_equal(authres_format(ar, 0, 0, &s), AUTH_OK);
    assert_string_equal(s, "mx.example.org; none");
    free(s);
    authres_free(ar);
    assert_null(authres_new("bad id;"));
}

static void parse_real(void **state)
{
    const char *v = "mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 "
        "header.b=abc123;\r\n       spf=pass (google.com: domain of bounce@example.com designates "
        "192.0.2.1 as permitted sender) smtp.mailfrom=bounce@example.com;\r\n       "
        "dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com";
    struct authres *ar = NULL;
    char err[256];

    assert_int_equal(authres_parse(v, strlen(v), &ar, err, sizeof err), AUTH_OK);
    assert_string_equal(ar->authserv_id, "mx.google.com");
    assert_int_equal(ar->nresults, 3);
    assert_string_equal(ar->results[0].method, "dkim");
    assert_string_equal(ar->results[0].props[0].value, "@example.com");
    assert_string_equal(ar->results[1].comment, "google.com: domain of bounce@example.com "
                        "designates 192.0.2.1 as permitted sender");
    assert_string_equal(ar->results[1].props[0].ptype, "smtp");
    assert_string_equal(ar->results[1].props[0].property, "mailfrom");
    assert_string_equal(ar->results[2].result, "pass");
    assert_string_equal(ar->results[2].props[0].value, "example.com");
    authres_free(ar);

    v = "Authentication-Results: example.net 1; none";
    assert_int_equal(authres_parse(v, strlen(v), &ar, err, sizeof err), AUTH_OK);
    assert_int_equal(ar->version, 1);
    assert_int_equal(ar->nresults, 0);
    authres_free(ar);

    v = "\"quoted id\" (c) ; auth/1 = pass (ok) reason=\"a \\\"b\\\"\" smtp . auth = joe";
    assert_int_equal(authres_parse(v, strlen(v), &ar, err, sizeof err), AUTH_OK);
    assert_string_equal(ar->authserv_id, "quoted id");
    assert_int_equal(ar->results[0].method_version, 1);
    assert_string_equal(ar->results[0].reason, "a \"b\"");
    assert_string_equal(ar->results[0].props[0].value, "joe");
    authres_free(ar);
}

static void parse_bad(void **state)
{
    static const char *const bad[] = {
        "", "example.com", "example.com;", "example.com; spf", "example.com; spf=",
        "example.com; spf=pass smtp.mailfrom", "example.com; spf=pass (unterminated",
        "example.com; spf=pass reason=\"open", "example.com; none; spf=pass",
        "example.com; spf=pass x=1",
    };
    struct authres *ar = NULL;
    char err[256];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum auth_status st = authres_parse(bad[i], strlen(bad[i]), &ar, err, sizeof err);
        if (st == AUTH_OK)
            fail_msg("accepted '%s'", bad[i]);
        assert_null(ar);
    }
}

static void round_trip(void **state)
{
    struct authres *ar = sample(), *back = NULL;
    char *s = NULL, err[256];

    assert_int_equal(authres_format(ar, 1, 1, &s), AUTH_OK);
    assert_int_equal(authres_parse(s, strlen(s), &back, err, sizeof err), AUTH_OK);
    assert_int_equal(back->nresults, 3);
    assert_string_equal(back->results[1].reason, "body hash did not verify");
    assert_string_equal(back->results[0].comment, "sender IP is 192.0.2.1");
    assert_string_equal(back->results[2].props[1].value, "quarantine");
    free(s);
    authres_free(back);
    authres_free(ar);
}

/* A reason in another script (a message translated for the program's
 * user) is left out of the header, which carries ASCII (RFC 8601 2.2). */
static void non_ascii_reason_left_out(void **state)
{
    struct authres *ar = authres_new("mx.example.org");
    struct authres_result *r;
    char *s = NULL;

    (void)state;
    assert_non_null(ar);
    r = authres_add(ar, "dmarc", "none", "example.com \xe6\xb2\xa1\xe6\x9c\x89 DMARC", NULL);
    assert_non_null(r);
    assert_null(r->reason);
    assert_int_equal(authres_add_prop(r, "header", "from", "example.com"), AUTH_OK);
    r = authres_add(ar, "spf", "none", "no SPF record", NULL);
    assert_string_equal(r->reason, "no SPF record");
    assert_int_equal(authres_format(ar, 1, 0, &s), AUTH_OK);
    assert_string_equal(s, "Authentication-Results: mx.example.org; dmarc=none "
                           "header.from=example.com; spf=none reason=\"no SPF record\"");
    free(s);
    authres_free(ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quoting),
        cmocka_unit_test(build_and_fold),
        cmocka_unit_test(parse_real),
        cmocka_unit_test(parse_bad),
        cmocka_unit_test(round_trip),
        cmocka_unit_test(non_ascii_reason_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
