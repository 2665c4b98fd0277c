/*
 * test_dmarc_record.c - the DMARC record parser: RFC 7489 and RFC 9989
 * tags, the standard of each, every invalid value reported, hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/dmarc.h"

static struct dmarc_record *parse(const char *s)
{
    struct dmarc_record *r = NULL;
    char err[128];

    assert_int_equal(dmarc_record_parse(s, strlen(s), &r, err, sizeof err), AUTH_OK);
    assert_non_null(r);
    return r;
}

static size_t count_level(const struct dmarc_record *r, enum dmarc_problem_level l)
{
    size_t n = 0;

    for (size_t i = 0; i < r->nproblems; i++)
        n += r->problems[i].level == l;
    return n;
}

static const struct dmarc_tag *tag(const struct dmarc_record *r, const char *name)
{
    for (size_t i = 0; i < r->ntags; i++)
        if (strcmp(r->tags[i].name, name) == 0)
            return &r->tags[i];
    return NULL;
}

static void full_record(void **state)
{
    struct dmarc_record *r = parse("v=DMARC1; p=reject; sp=quarantine; np=reject; "
        "adkim=s; aspf=r; pct=50; t=y; psd=n; fo=1:d:s; rf=afrf; ri=3600; "
        "rua=mailto:agg@example.com,mailto:x@report.example.net!10m; ruf=mailto:f@example.com");

    assert_true(r->dmarc);
    assert_true(r->usable);
    assert_false(r->p_defaulted);
    assert_int_equal(r->p, DMARC_POLICY_REJECT);
    assert_int_equal(r->sp, DMARC_POLICY_QUARANTINE);
    assert_int_equal(r->np, DMARC_POLICY_REJECT);
    assert_int_equal(r->adkim, DMARC_ALIGN_STRICT);
    assert_int_equal(r->aspf, DMARC_ALIGN_RELAXED);
    assert_int_equal(r->pct, 50);
    assert_true(r->testing);
    assert_int_equal(r->psd, 'n');
    assert_string_equal(r->fo, "1:d:s");
    assert_int_equal(r->ri, 3600);
    assert_int_equal(r->nrua, 2);
    assert_string_equal(r->rua[0].domain, "example.com");
    assert_string_equal(r->rua[1].address, "x@report.example.net");
    assert_int_equal(r->rua[1].max_size, 10ull * 1024 * 1024);
    assert_int_equal(r->nruf, 1);
    assert_int_equal(count_level(r, DMARC_PROB_ERROR), 0);
    /* standards: np/t/psd are 9989, pct/rf/ri 7489 */
    assert_int_equal(tag(r, "np")->standard, DMARC_STD_9989);
    assert_int_equal(tag(r, "t")->standard, DMARC_STD_9989);
    assert_int_equal(tag(r, "psd")->standard, DMARC_STD_9989);
    assert_int_equal(tag(r, "pct")->standard, DMARC_STD_7489);
    assert_int_equal(tag(r, "ri")->standard, DMARC_STD_7489);
    assert_int_equal(tag(r, "p")->standard, DMARC_STD_BOTH);
    dmarc_record_free(r);
}

/* pct 0..100 and ri 0..2^32-1: each end is taken as written, one past it
 * (or a sign) is an error on that tag with the default applied. */
static void numeric_tag_boundaries(void **state)
{
    static const struct { const char *rec; const char *tag; bool valid; int pct;
                          unsigned long ri; } c[] = {
        { "v=DMARC1; p=reject; pct=0", "pct", true, 0, 86400 },
        { "v=DMARC1; p=reject; pct=100", "pct", true, 100, 86400 },
        { "v=DMARC1; p=reject; pct=101", "pct", false, 100, 86400 },
        { "v=DMARC1; p=reject; pct=-1", "pct", false, 100, 86400 },
        { "v=DMARC1; p=reject; pct=+5", "pct", false, 100, 86400 },
        { "v=DMARC1; p=reject; ri=0", "ri", true, 100, 0 },
        { "v=DMARC1; p=reject; ri=4294967295", "ri", true, 100, 4294967295UL },
        { "v=DMARC1; p=reject; ri=4294967296", "ri", false, 100, 86400 },
        { "v=DMARC1; p=reject; ri=99999999999", "ri", false, 100, 86400 },
    };

    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct dmarc_record *r = parse(c[i].rec);
        const struct dmarc_tag *t = tag(r, c[i].tag);

        assert_non_null(t);
        if (t->valid != c[i].valid || r->pct != c[i].pct || r->ri != c[i].ri)
            fail_msg("'%s': valid %d pct %d ri %lu, want %d %d %lu", c[i].rec, t->valid,
                     r->pct, (unsigned long)r->ri, c[i].valid, c[i].pct, c[i].ri);
        assert_int_equal(count_level(r, DMARC_PROB_ERROR), c[i].valid ? 0 : 1);
        dmarc_record_free(r);
    }
}

static void version_rules(void **state)
{
    struct dmarc_record *r;

    assert_true(dmarc_is_record("v=DMARC1; p=none", 16));
    assert_true(dmarc_is_record("v = DMARC1", 10));
    assert_false(dmarc_is_record("v=dmarc1; p=none", 16));     /* case-sensitive */
    assert_false(dmarc_is_record("p=none; v=DMARC1", 16));     /* must be first */
    assert_false(dmarc_is_record("v=DMARC10", 9));
    assert_false(dmarc_is_record("v=spf1 -all", 11));
    r = parse("p=reject; v=DMARC1");
    assert_false(r->dmarc);
    assert_false(r->usable);
    dmarc_record_free(r);
}

static void invalid_values_each_reported(void **state)
{
    struct dmarc_record *r = parse("v=DMARC1; p=reject; sp=bogus; adkim=x; aspf=; pct=101; "
                                   "t=maybe; psd=q; fo=0:1; ri=-5; rf=iodef; foo=bar; rua=");

    /* sp, adkim, aspf, pct, t, psd, fo, ri, rf, rua: 10 invalid values */
    size_t tagged = 0;
    for (size_t i = 0; i < r->nproblems; i++)
        if (r->problems[i].level == DMARC_PROB_ERROR && r->problems[i].tag)
            tagged++;
    assert_true(tagged >= 10);
    assert_int_equal(r->adkim, DMARC_ALIGN_RELAXED);  /* default after bad value */
    assert_int_equal(r->pct, 100);
    assert_false(r->testing);
    assert_int_equal(r->psd, 'u');
    assert_string_equal(r->fo, "0");
    assert_int_equal(tag(r, "foo")->standard, DMARC_STD_UNKNOWN);
    assert_true(tag(r, "foo")->valid);
    /* invalid sp without a valid rua: no DMARC processing (9989 4.10.1) */
    assert_false(r->usable);
    dmarc_record_free(r);
}

static void invalid_p_with_rua_acts_as_none(void **state)
{
    struct dmarc_record *r = parse("v=DMARC1; p=rejectt; rua=mailto:d@example.com");

    assert_true(r->usable);
    assert_true(r->p_defaulted);
    assert_int_equal(r->p, DMARC_POLICY_UNSET);
    dmarc_record_free(r);
    r = parse("v=DMARC1; p=rejectt");
    assert_false(r->usable);
    dmarc_record_free(r);
    r = parse("v=DMARC1; rua=mailto:d@example.com");  /* p absent: none */
    assert_true(r->usable);
    assert_true(r->p_defaulted);
    assert_true(count_level(r, DMARC_PROB_WARN) >= 1);
    dmarc_record_free(r);
}

static void case_and_spacing(void **state)
{
    struct dmarc_record *r = parse("v = DMARC1 ;P = Quarantine;  ADKIM=S ;");

    assert_true(r->usable);
    assert_int_equal(r->p, DMARC_POLICY_QUARANTINE);
    assert_int_equal(r->adkim, DMARC_ALIGN_STRICT);
    assert_int_equal(count_level(r, DMARC_PROB_ERROR), 0);
    dmarc_record_free(r);
}

static void duplicates_and_unknown(void **state)
{
    struct dmarc_record *r = parse("v=DMARC1; p=none; p=reject; x=1; 3=4; junk");

    assert_int_equal(r->p, DMARC_POLICY_NONE);           /* first wins */
    assert_true(tag(r, "p") != NULL);
    assert_true(count_level(r, DMARC_PROB_ERROR) >= 3);  /* dup, "3", "junk" */
    assert_true(count_level(r, DMARC_PROB_INFO) >= 1);   /* unknown x */
    dmarc_record_free(r);
}

static void uris(void **state)
{
    struct dmarc_record *r = parse("v=DMARC1; p=none; rua=mailto:a%40b@example.com, "
        "https://report.example.com/x, mailto:nodomain, mailto:z@bad_dom..com, foo, "
        "mailto:q@example.org!12x");

    assert_int_equal(r->nrua, 6);
    assert_true(r->rua[0].valid);
    assert_string_equal(r->rua[0].address, "a@b@example.com");
    assert_string_equal(r->rua[0].domain, "example.com");
    assert_true(r->rua[1].valid);                 /* valid URI, other scheme: warned */
    assert_null(r->rua[1].domain);
    assert_false(r->rua[2].valid);
    assert_false(r->rua[3].valid);
    assert_false(r->rua[4].valid);
    assert_false(r->rua[5].valid);
    dmarc_record_free(r);
}

static void hostile(void **state)
{
    struct dmarc_record *r = NULL;
    char err[128];
    size_t n = 70000;
    char *big = malloc(n + 1);

    /* over 64 KiB: refused with a reason */
    memset(big, 'a', n);
    memcpy(big, "v=DMARC1; p=none; x=", 20);
    big[n] = '\0';
    assert_int_equal(dmarc_record_parse(big, n, &r, err, sizeof err), AUTH_EPARSE);
    assert_non_null(strstr(err, "bound"));
    /* 1,000 rua URIs: kept up to the bound, the rest reported */
    size_t o = (size_t)snprintf(big, n, "v=DMARC1; p=reject; rua=");
    for (int i = 0; i < 1000 && o + 40 < n; i++)
        o += (size_t)snprintf(big + o, n - o, "%smailto:r%d@example.com", i ? "," : "", i);
    r = parse(big);
    assert_int_equal(r->nrua, DMARC_MAX_URIS);
    assert_true(r->usable);
    bool noted = false;
    for (size_t i = 0; i < r->nproblems; i++)
        noted = noted || strstr(r->problems[i].message, "1000 URIs") != NULL;
    assert_true(noted);
    dmarc_record_free(r);
    /* NULs and non-ASCII: parsed, flagged, printable */
    static const char nul[] = "v=DMARC1; p=re\0ject; sp=\xc3\xa9";
    assert_int_equal(dmarc_record_parse(nul, sizeof nul - 1, &r, err, sizeof err), AUTH_OK);
    assert_false(r->usable);
    assert_non_null(strstr(r->text, "\\x00"));
    assert_non_null(strstr(r->text, "\\xc3"));
    dmarc_record_free(r);
    /* many tags: bounded */
    o = (size_t)snprintf(big, n, "v=DMARC1; p=none");
    for (int i = 0; i < 500; i++)
        o += (size_t)snprintf(big + o, n - o, "; x%c=%d", 'a' + i % 26, i);
    r = parse(big);
    assert_int_equal(r->ntags, DMARC_MAX_TAGS);
    dmarc_record_free(r);
    free(big);
}

static void names(void **state)
{
    assert_string_equal(dmarc_policy_name(DMARC_POLICY_QUARANTINE), "quarantine");
    assert_string_equal(dmarc_result_name(DMARC_RESULT_PERMERROR), "permerror");
    assert_string_equal(dmarc_standard_name(DMARC_STD_9989), "RFC 9989 only");
    assert_string_equal(dmarc_discovery_name(DMARC_DISCOVERY_PSL), "psl");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_record),
        cmocka_unit_test(version_rules),
        cmocka_unit_test(numeric_tag_boundaries),
        cmocka_unit_test(invalid_values_each_reported),
        cmocka_unit_test(invalid_p_with_rua_acts_as_none),
        cmocka_unit_test(case_and_spacing),
        cmocka_unit_test(duplicates_and_unknown),
        cmocka_unit_test(uris),
        cmocka_unit_test(hostile),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
