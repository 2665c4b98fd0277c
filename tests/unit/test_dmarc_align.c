/*
 * test_dmarc_align.c - Organizational Domains from the system PSL, IDN
 * normalisation, relaxed and strict alignment, and pct / t dispositions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/dmarc.h"

static const char *org(const char *name)
{
    static char out[256];
    bool suffix = false;

    assert_int_equal(dmarc_psl_org_domain(name, out, sizeof out, &suffix), AUTH_OK);
    return out;
}

static void strcpy_safe(char dst[256], const char *src)
{
    size_t n = strlen(src);
    assert_true(n < 256);
    memcpy(dst, src, n + 1);
}

static void psl_org_domains(void **state)
{
    assert_string_equal(org("example.com"), "example.com");
    assert_string_equal(org("a.b.mail.Example.COM."), "example.com");
    assert_string_equal(org("news.bbc.co.uk"), "bbc.co.uk");
    assert_string_equal(org("x.y.example.co.uk"), "example.co.uk");
    assert_string_equal(org("www.city.kawasaki.jp"), "city.kawasaki.jp");  /* exception rule */
    assert_string_equal(org("b\xc3\xbc" "cher.example.de"), "example.de");
    assert_string_equal(org("sub.xn--bcher-kva.de"), "xn--bcher-kva.de");

    char out[256];
    bool suffix = false;
    /* a public suffix is its own org domain, flagged */
    assert_int_equal(dmarc_psl_org_domain("co.uk", out, sizeof out, &suffix), AUTH_OK);
    assert_true(suffix);
    assert_string_equal(out, "co.uk");
    assert_int_equal(dmarc_psl_org_domain("bad..name", out, sizeof out, NULL), AUTH_EINVAL);
    assert_int_equal(dmarc_psl_org_domain("", out, sizeof out, NULL), AUTH_EINVAL);
}

static void normalize(void **state)
{
    char out[256];

    assert_int_equal(dmarc_domain_normalize("MAIL.Example.com.", out, sizeof out), AUTH_OK);
    assert_string_equal(out, "mail.example.com");
    assert_int_equal(dmarc_domain_normalize("B\xc3\x9c" "CHER.de", out, sizeof out), AUTH_OK);
    assert_string_equal(out, "xn--bcher-kva.de");
    assert_int_equal(dmarc_domain_normalize("\xff\xfe.de", out, sizeof out), AUTH_EINVAL);
    assert_int_equal(dmarc_domain_normalize("a b.de", out, sizeof out), AUTH_EINVAL);
    char longlabel[80];
    memset(longlabel, 'a', 64);
    memcpy(longlabel + 64, ".de", 4);
    assert_int_equal(dmarc_domain_normalize(longlabel, out, sizeof out), AUTH_EINVAL);
}

static void alignment(void **state)
{
    /* RFC 9989 4.4 table */
    assert_true(dmarc_aligned(DMARC_ALIGN_RELAXED, "news.example.com", "example.com",
                              "foo.example.com", "example.com"));
    assert_false(dmarc_aligned(DMARC_ALIGN_STRICT, "news.example.com", "example.com",
                               "foo.example.com", "example.com"));
    assert_true(dmarc_aligned(DMARC_ALIGN_STRICT, "news.example.com", "example.com",
                              "NEWS.example.com.", "example.com"));
    assert_false(dmarc_aligned(DMARC_ALIGN_RELAXED, "news.example.com", "example.com",
                               "foo.example.net", "example.net"));
    /* subdomain of a public suffix: different registrants never align */
    char o1[256], o2[256];
    strcpy_safe(o1, org("a.co.uk"));
    strcpy_safe(o2, org("b.co.uk"));
    assert_false(dmarc_aligned(DMARC_ALIGN_RELAXED, "a.co.uk", o1, "b.co.uk", o2));
    strcpy_safe(o1, org("x.a.co.uk"));
    strcpy_safe(o2, org("mail.a.co.uk"));
    assert_true(dmarc_aligned(DMARC_ALIGN_RELAXED, "x.a.co.uk", o1, "mail.a.co.uk", o2));
    assert_false(dmarc_aligned(DMARC_ALIGN_RELAXED, "example.com", "example.com", NULL, NULL));
}

static void dispositions(void **state)
{
    bool out = false;

    assert_int_equal(dmarc_disposition(DMARC_POLICY_REJECT, 100, false, 99, &out),
                     DMARC_POLICY_REJECT);
    assert_false(out);
    /* pct=0: nothing sampled in, reject becomes quarantine (RFC 7489 6.3) */
    assert_int_equal(dmarc_disposition(DMARC_POLICY_REJECT, 0, false, 0, &out),
                     DMARC_POLICY_QUARANTINE);
    assert_true(out);
    assert_int_equal(dmarc_disposition(DMARC_POLICY_QUARANTINE, 0, false, 0, &out),
                     DMARC_POLICY_NONE);
    assert_int_equal(dmarc_disposition(DMARC_POLICY_REJECT, 50, false, 49, &out),
                     DMARC_POLICY_REJECT);
    assert_int_equal(dmarc_disposition(DMARC_POLICY_REJECT, 50, false, 50, &out),
                     DMARC_POLICY_QUARANTINE);
    /* t=y: one level lower (RFC 9989 4.7), never below none, not twice */
    assert_int_equal(dmarc_disposition(DMARC_POLICY_REJECT, 100, true, 0, &out),
                     DMARC_POLICY_QUARANTINE);
    assert_int_equal(dmarc_disposition(DMARC_POLICY_REJECT, 0, true, 0, &out),
                     DMARC_POLICY_QUARANTINE);
    assert_int_equal(dmarc_disposition(DMARC_POLICY_NONE, 0, true, 0, &out),
                     DMARC_POLICY_NONE);
    assert_false(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(psl_org_domains),
        cmocka_unit_test(normalize),
        cmocka_unit_test(alignment),
        cmocka_unit_test(dispositions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
