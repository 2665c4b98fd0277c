/*
 * test_spf_parse.c - SPF record parser: every mechanism and modifier, CIDR
 * forms, domain-spec rules, positions in error messages, bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "auth/spf.h"

static struct spf_record *ok(const char *text)
{
    struct spf_record *r = NULL;
    char err[300] = "";
    enum auth_status st = spf_record_parse(text, strlen(text), &r, NULL, err, sizeof err);
    if (st != AUTH_OK)
        fail_msg("'%s' should parse: %s", text, err);
    return r;
}

static void bad(const char *text)
{
    struct spf_record *r = NULL;
    char err[300] = "";
    if (spf_record_parse(text, strlen(text), &r, NULL, err, sizeof err) != AUTH_EPARSE)
        fail_msg("'%s' should be a syntax error", text);
    assert_null(r);
    assert_true(strlen(err) > 0);
}

static void terms_and_qualifiers(void **state)
{
    struct spf_record *r = ok("v=spf1 +a -mx ~ptr ?include:x.example ip4:192.0.2.0/24 "
                              "ip6:2001:db8::/32 exists:%{i}.x.example all");
    (void)state;
    assert_int_equal(spf_record_count(r), 8);
    assert_int_equal(spf_record_term(r, 0)->kind, SPF_T_A);
    assert_int_equal(spf_record_term(r, 0)->qualifier, SPF_PASS);
    assert_int_equal(spf_record_term(r, 1)->qualifier, SPF_FAIL);
    assert_int_equal(spf_record_term(r, 2)->qualifier, SPF_SOFTFAIL);
    assert_int_equal(spf_record_term(r, 3)->qualifier, SPF_NEUTRAL);
    assert_string_equal(spf_record_term(r, 3)->domain_spec, "x.example");
    assert_int_equal(spf_record_term(r, 4)->cidr4, 24);
    assert_int_equal(spf_record_term(r, 5)->ip.family, AF_INET6);
    assert_int_equal(spf_record_term(r, 5)->cidr6, 32);
    assert_true(spf_record_term(r, 6)->has_macro);
    assert_non_null(spf_record_all(r));
    assert_int_equal(spf_record_term(r, 4)->pos, 38);
    spf_record_free(r);
}

static void dual_cidr(void **state)
{
    struct spf_record *r = ok("v=spf1 a/24//64 mx:m.example/0 a:x.example//0 a:foo:bar/baz.example");
    (void)state;
    assert_int_equal(spf_record_term(r, 0)->cidr4, 24);
    assert_int_equal(spf_record_term(r, 0)->cidr6, 64);
    assert_null(spf_record_term(r, 0)->domain_spec);
    assert_string_equal(spf_record_term(r, 1)->domain_spec, "m.example");
    assert_int_equal(spf_record_term(r, 1)->cidr4, 0);
    assert_int_equal(spf_record_term(r, 2)->cidr4, -1);
    assert_int_equal(spf_record_term(r, 2)->cidr6, 0);
    assert_string_equal(spf_record_term(r, 3)->domain_spec, "foo:bar/baz.example");
    spf_record_free(r);
}

/* Prefix lengths at both ends: 0 and the maximum (/32, /128) parse to
 * exactly that value in every mechanism that takes one; one more does not
 * parse. */
static void cidr_boundaries(void **state)
{
    static const struct { const char *text; int cidr4, cidr6; } good[] = {
        { "v=spf1 ip4:192.0.2.1/32", 32, -1 }, { "v=spf1 ip4:0.0.0.0/0", 0, -1 },
        { "v=spf1 ip6:2001:db8::1/128", -1, 128 }, { "v=spf1 ip6:::/0", -1, 0 },
        { "v=spf1 a/32//128", 32, 128 }, { "v=spf1 mx:m.example/32//128", 32, 128 },
        { "v=spf1 a:x.example//128", -1, 128 }, { "v=spf1 mx/32", 32, -1 },
    };
    static const char *const bad_ones[] = {
        "v=spf1 ip4:192.0.2.1/33", "v=spf1 ip6:2001:db8::1/129", "v=spf1 a/33",
        "v=spf1 a//129", "v=spf1 mx:m.example/33//128", "v=spf1 mx:m.example/32//129",
        "v=spf1 ip4:192.0.2.1/320", "v=spf1 ip6:::1/1280", "v=spf1 ip4:192.0.2.1/",
    };
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct spf_record *r = ok(good[i].text);
        const struct spf_term *t = spf_record_term(r, 0);
        if (t->cidr4 != good[i].cidr4 || t->cidr6 != good[i].cidr6)
            fail_msg("'%s': cidr %d//%d, want %d//%d", good[i].text, t->cidr4, t->cidr6,
                     good[i].cidr4, good[i].cidr6);
        spf_record_free(r);
    }
    for (size_t i = 0; i < sizeof bad_ones / sizeof bad_ones[0]; i++)
        bad(bad_ones[i]);
}

static void modifiers(void **state)
{
    struct spf_record *r = ok("v=spf1 -all exp=e.%{d} redirect=r.example moo.cow-far_out=man:dog/cat");
    (void)state;
    assert_string_equal(spf_record_redirect(r)->domain_spec, "r.example");
    assert_string_equal(spf_record_exp(r)->domain_spec, "e.%{d}");
    assert_int_equal(spf_record_term(r, 3)->kind, SPF_T_UNKNOWN_MOD);
    spf_record_free(r);
    spf_record_free(ok("v=spf1"));
    spf_record_free(ok("V=SpF1 ~all   "));
    spf_record_free(ok("v=spf1 default=+"));
    spf_record_free(ok("v=spf1 a:foo.example.xn--zckzah include:o.example. -all"));
}

static void syntax_errors(void **state)
{
    static const char *const cases[] = {
        "v=spf1 -all.", "v=spf1 -all:foo", "v=spf1 -all/8", "v=spf1 ptr/0", "v=spf1 ptr:",
        "v=spf1 a//33x", "v=spf1 a/33", "v=spf1 a//129", "v=spf1 a/24/64", "v=spf1 a:",
        "v=spf1 a:museum", "v=spf1 a:museum.", "v=spf1 a:abc.123", "v=spf1 a:example.-com",
        "v=spf1 a:111.222.33.44", "v=spf1 a:example.com:8080", "v=spf1 include",
        "v=spf1 include:", "v=spf1 include:x.example/24", "v=spf1 exists",
        "v=spf1 exists:x.example/24", "v=spf1 ip4", "v=spf1 ip4:1.2.3", "v=spf1 ip4:1.2.3.4/33",
        "v=spf1 ip4:1.2.3.4/032", "v=spf1 ip4:1.2.3.4//32", "v=spf1 ip4:1.2.3.4:8080",
        "v=spf1 ip4:01.2.3.4", "v=spf1 ip6", "v=spf1 ip6::CAFE::BABE", "v=spf1 ip6:::1/129",
        "v=spf1 ip6:::1//33", "v=spf1 redirect:x.example", "v=spf1 redirect=", "v=spf1 exp=",
        "v=spf1 exp=-all", "v=spf1 redirect=a.example redirect=b.example",
        "v=spf1 exp=a.example exp=b.example", "v=spf1 1up=foo", "v=spf1 =all",
        "v=spf1 foo=%abc", "v=spf1 moo", "v=spf1 moo.cow/far=x", "v=spf1 a:%{a}.example",
        "v=spf1 exp=%{r}.example", "v=spf1 exists:%(ir).sbl.example", "v=spf1 exists:foo%.x.example",
        "v=spf1 a:foo.example\r ptr", "v=spf1 \x80" "a", "v=spf1 a:x.example \x96" "all",
        "v=spf1 a:%{d0}.example", "v=spf10", "spf1 -all", "",
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        bad(cases[i]);
    {   /* NUL inside the record */
        struct spf_record *r = NULL;
        char err[200];
        assert_int_equal(spf_record_parse("v=spf1 a\0 -all", 15, &r, NULL, err, sizeof err),
                         AUTH_EPARSE);
    }
}

static void error_positions(void **state)
{
    struct spf_record *r = NULL;
    char err[300];
    size_t pos = 0;
    const char *rec = "v=spf1 ip4:192.0.2.1 ip4:192.0.2.300 -all";
    (void)state;
    assert_int_equal(spf_record_parse(rec, strlen(rec), &r, &pos, err, sizeof err), AUTH_EPARSE);
    assert_int_equal(pos, 21);
    assert_non_null(strstr(err, "column 22"));
    assert_non_null(strstr(err, "ip4:192.0.2.300"));
}

static void is_record(void **state)
{
    (void)state;
    assert_true(spf_is_record((const unsigned char *)"v=spf1", 6));
    assert_true(spf_is_record((const unsigned char *)"V=SPF1 -all", 11));
    assert_false(spf_is_record((const unsigned char *)"v=spf1mx", 8));
    assert_false(spf_is_record((const unsigned char *)"v=spf10", 7));
    assert_false(spf_is_record((const unsigned char *)"v=spf", 5));
}

static void huge_records(void **state)
{
    size_t n = 10000, len = 6, cap = 6 + n * 20;
    char *big = malloc(cap);
    struct spf_record *r = NULL;
    char err[200];
    (void)state;
    assert_non_null(big);
    memcpy(big, "v=spf1", 6);
    for (size_t i = 0; i < n; i++)   /* 10,000 terms, alternating kinds */
        len += (size_t)snprintf(big + len, cap - len, "%s", i % 2 ? " ~a" : " mx/24");
    assert_int_equal(spf_record_parse(big, len, &r, NULL, err, sizeof err), AUTH_OK);
    assert_int_equal(spf_record_count(r), n);
    spf_record_free(r);
    free(big);
    big = malloc(SPF_MAX_RECORD + 10);
    assert_non_null(big);
    memset(big, 'a', SPF_MAX_RECORD + 10);
    memcpy(big, "v=spf1 ", 7);
    assert_int_equal(spf_record_parse(big, SPF_MAX_RECORD + 10, &r, NULL, err, sizeof err),
                     AUTH_ELIMIT);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(terms_and_qualifiers),
        cmocka_unit_test(dual_cidr),
        cmocka_unit_test(cidr_boundaries),
        cmocka_unit_test(modifiers),
        cmocka_unit_test(syntax_errors),
        cmocka_unit_test(error_positions),
        cmocka_unit_test(is_record),
        cmocka_unit_test(huge_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
