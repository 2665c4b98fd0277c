/*
 * test_mtasts.c - MTA-STS policy and record, TLS-RPT and BIMI records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/bimi.h"
#include "auth/mtasts.h"

static enum auth_status policy(const char *text, struct mtasts_policy *p, char *err)
{
    return mtasts_policy_parse(text, strlen(text), p, err, 256);
}

static void policy_good(void **state)
{
    static struct mtasts_policy p;
    char err[256];

    assert_int_equal(policy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                            "mx: *.example.net\r\nmax_age: 604800\r\nfuture: ignored\r\n",
                            &p, err), AUTH_OK);
    assert_int_equal(p.mode, MTASTS_ENFORCE);
    assert_int_equal(p.max_age, 604800);
    assert_int_equal(p.nmx, 2);
    assert_string_equal(p.mx[1], "*.example.net");
    mtasts_policy_clear(&p);
    /* LF-only and mode none without mx */
    assert_int_equal(policy("version: STSv1\nmode: none\nmax_age: 86400\n", &p, err), AUTH_OK);
    assert_int_equal(p.mode, MTASTS_NONE);
}

static void policy_bad(void **state)
{
    static struct mtasts_policy p;
    char err[256];

    assert_int_equal(policy("mode: enforce\nmx: a.example\nmax_age: 1\n", &p, err), AUTH_EPARSE);
    assert_non_null(strstr(err, "version"));
    assert_int_equal(policy("version: STSv1\nmode: strict\nmax_age: 1\n", &p, err), AUTH_EPARSE);
    assert_non_null(strstr(err, "line 2"));
    assert_int_equal(policy("version: STSv1\nmode: enforce\nmax_age: 1\n", &p, err), AUTH_EPARSE);
    assert_non_null(strstr(err, "no mx"));
    assert_int_equal(policy("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 99999999999\n",
                            &p, err), AUTH_EPARSE);
    assert_int_equal(policy("version: STSv1\nmode: testing\nmx: a b\nmax_age: 1\n", &p, err),
                     AUTH_EPARSE);
    assert_int_equal(policy("garbage", &p, err), AUTH_EPARSE);
}

static void mx_patterns(void **state)
{
    assert_true(mtasts_mx_match("mail.example.com", "MAIL.example.com."));
    assert_true(mtasts_mx_match("*.example.net", "mx1.example.net"));
    assert_false(mtasts_mx_match("*.example.net", "a.b.example.net"));   /* one label only */
    assert_false(mtasts_mx_match("*.example.net", "example.net"));
    assert_false(mtasts_mx_match("mail.example.com", "mail.example.com.evil"));
}

static void records(void **state)
{
    struct mtasts_record r;
    struct tlsrpt_record t;
    struct bimi_record b;
    char err[256];
    const char *s;

    s = "v=STSv1; id=20260101T1";
    assert_int_equal(mtasts_record_parse(s, strlen(s), &r, err, sizeof err), AUTH_OK);
    assert_string_equal(r.id, "20260101T1");
    s = "v=STSv1; id=2026-01-01";
    assert_int_equal(mtasts_record_parse(s, strlen(s), &r, err, sizeof err), AUTH_EPARSE);
    s = "v=STSv1";
    assert_int_equal(mtasts_record_parse(s, strlen(s), &r, err, sizeof err), AUTH_EPARSE);
    assert_false(mtasts_is_record("v=STSv10; id=1", 14));

    s = "v=TLSRPTv1; rua=mailto:a@example.com, https://rep.example.com/tls";
    assert_int_equal(tlsrpt_record_parse(s, strlen(s), &t, err, sizeof err), AUTH_OK);
    assert_int_equal(t.nrua, 2);
    assert_string_equal(t.rua[1], "https://rep.example.com/tls");
    s = "v=TLSRPTv1; rua=a@example.com";
    assert_int_equal(tlsrpt_record_parse(s, strlen(s), &t, err, sizeof err), AUTH_EPARSE);
    assert_non_null(strstr(err, "a@example.com"));
    s = "v=TLSRPTv1;";
    assert_int_equal(tlsrpt_record_parse(s, strlen(s), &t, err, sizeof err), AUTH_EPARSE);

    s = "v=BIMI1; l=https://e.example/logo.svg; a=https://e.example/vmc.pem";
    assert_int_equal(bimi_record_parse(s, strlen(s), &b, err, sizeof err), AUTH_OK);
    assert_string_equal(b.evidence, "https://e.example/vmc.pem");
    s = "v=BIMI1; l=; a=";
    assert_int_equal(bimi_record_parse(s, strlen(s), &b, err, sizeof err), AUTH_OK);
    assert_true(b.declined);
    s = "v=BIMI1; l=http://e.example/logo.svg";
    assert_int_equal(bimi_record_parse(s, strlen(s), &b, err, sizeof err), AUTH_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_good),
        cmocka_unit_test(policy_bad),
        cmocka_unit_test(mx_patterns),
        cmocka_unit_test(records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
