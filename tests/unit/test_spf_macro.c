/*
 * test_spf_macro.c - SPF macro expansion (RFC 7208 7): every letter,
 * transformers, delimiters, URL escaping, truncation, syntax errors and the
 * bounded output buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/spf.h"

static const char *ptr_cb(void *arg)
{
    (void)arg;
    return "mx.example.org";
}

static struct spf_macro_env env4(void)
{
    struct spf_macro_env e = {
        .sender = "strong-bad@email.example.com", .local = "strong-bad",
        .sender_domain = "email.example.com", .domain = "email.example.com",
        .helo = "mx.example.org", .receiver = NULL, .timestamp = 1234567890,
        .ptr_name = ptr_cb,
    };
    assert_int_equal(auth_ip_parse("192.0.2.3", &e.ip), AUTH_OK);
    return e;
}

static void expect(const struct spf_macro_env *e, const char *spec, bool exp, const char *want)
{
    char out[SPF_MAX_MACRO_OUT], err[200] = "";
    size_t n = 0;
    enum auth_status st = spf_macro_expand(spec, strlen(spec), e, exp, out, sizeof out, &n,
                                           err, sizeof err);
    if (st != AUTH_OK)
        fail_msg("'%s': %s", spec, err);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

/* The examples of RFC 7208 7.4. */
static void rfc_examples(void **state)
{
    struct spf_macro_env e = env4();
    (void)state;
    expect(&e, "%{s}", false, "strong-bad@email.example.com");
    expect(&e, "%{o}", false, "email.example.com");
    expect(&e, "%{d}", false, "email.example.com");
    expect(&e, "%{d4}", false, "email.example.com");
    expect(&e, "%{d3}", false, "email.example.com");
    expect(&e, "%{d2}", false, "example.com");
    expect(&e, "%{d1}", false, "com");
    expect(&e, "%{dr}", false, "com.example.email");
    expect(&e, "%{d2r}", false, "example.email");
    expect(&e, "%{l}", false, "strong-bad");
    expect(&e, "%{l-}", false, "strong.bad");
    expect(&e, "%{lr}", false, "strong-bad");
    expect(&e, "%{lr-}", false, "bad.strong");
    expect(&e, "%{l1r-}", false, "strong");
    expect(&e, "%{ir}.%{v}._spf.%{d2}", false, "3.2.0.192.in-addr._spf.example.com");
    expect(&e, "%{lr-}.lp._spf.%{d2}", false, "bad.strong.lp._spf.example.com");
    expect(&e, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", false,
           "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
    expect(&e, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", false,
           "3.2.0.192.in-addr.strong.lp._spf.example.com");
    expect(&e, "%{d2}.trusted-domains.example.net", false,
           "example.com.trusted-domains.example.net");
    assert_int_equal(auth_ip_parse("2001:db8::cb01", &e.ip), AUTH_OK);
    expect(&e, "%{ir}.%{v}._spf.%{d2}", false,
           "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com");
}

static void letters_and_escapes(void **state)
{
    struct spf_macro_env e = env4();
    (void)state;
    expect(&e, "%{h}", false, "mx.example.org");
    expect(&e, "%{p}", false, "mx.example.org");
    expect(&e, "%{c} %{r} %{t}", true, "192.0.2.3 unknown 1234567890");
    expect(&e, "%%%_%-", false, "% %20");
    expect(&e, "%{L}", false, "strong-bad");
    e.local = "~jack&jill=up-a_b3.c";
    expect(&e, "%{L}", false, "~jack%26jill%3Dup-a_b3.c");
    e.local = "foo-bar+zip+quux";
    expect(&e, "%{l2r+-}", false, "bar.foo");
    expect(&e, "%{l9}", false, "foo-bar+zip+quux");
    e.local = "";
    expect(&e, "x%{l}y", false, "xy");
    e.domain = "a.b.c";
    expect(&e, "%{d100r}", false, "c.b.a");
}

static void syntax(void **state)
{
    static const char *const badspecs[] = {
        "%", "%x", "%{", "%{d", "%{x}", "%{d0}", "%{c}", "%{r}", "%{t}", "%(ir)", "a b",
    };
    char err[200];
    (void)state;
    for (size_t i = 0; i < sizeof badspecs / sizeof badspecs[0]; i++)
        assert_int_equal(spf_macro_check(badspecs[i], strlen(badspecs[i]), false, err,
                                         sizeof err), AUTH_EPARSE);
    assert_int_equal(spf_macro_check("%{c} a b", 8, true, err, sizeof err), AUTH_OK);
    assert_int_equal(spf_domain_spec_check("%{d}", 4, err, sizeof err), AUTH_OK);
    assert_int_equal(spf_domain_spec_check("x.%{d}", 6, err, sizeof err), AUTH_OK);
    assert_int_equal(spf_domain_spec_check("foo-bar", 7, err, sizeof err), AUTH_EPARSE);
    assert_int_equal(spf_domain_spec_check("a.b-", 4, err, sizeof err), AUTH_EPARSE);
    assert_int_equal(spf_domain_spec_check("a.1-2", 5, err, sizeof err), AUTH_OK);
}

static void bounded_output(void **state)
{
    struct spf_macro_env e = env4();
    char out[16], fits[22], err[200];
    size_t n;
    (void)state;
    /* exactly fits: 21 bytes + NUL */
    assert_int_equal(spf_macro_expand("%{d}1234", 8, &e, false, fits, sizeof fits, &n, err,
                                      sizeof err), AUTH_OK);
    assert_int_equal(n, 21);
    assert_int_equal(spf_macro_expand("%{d}%{d}", 8, &e, false, out, sizeof out, &n, err,
                                      sizeof err), AUTH_ELIMIT);
    assert_true(strlen(out) < sizeof out);
    /* a macro bomb stays within the buffer */
    {
        char spec[2000], big[SPF_MAX_MACRO_OUT];
        size_t k = 0;
        while (k + 9 < sizeof spec) {
            memcpy(spec + k, "%{S}%{L", 7);
            k += 7;
            spec[k++] = '}';
        }
        spec[k] = '\0';
        assert_int_equal(spf_macro_expand(spec, k, &e, false, big, sizeof big, &n, err,
                                          sizeof err), AUTH_ELIMIT);
        assert_true(n < sizeof big);
    }
}

static void domain_truncation(void **state)
{
    struct spf_macro_env e = env4();
    char out[SPF_MAX_MACRO_OUT], err[200];
    const char *spec = "%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.";
    (void)state;
    assert_int_equal(spf_macro_expand_domain(spec, &e, out, sizeof out, err, sizeof err), AUTH_OK);
    assert_true(strlen(out) <= 253);
    assert_true(strlen(out) > 200);
    assert_string_equal(out + strlen(out) - 8, ".example");
    assert_true(out[0] != '.');
    assert_int_equal(spf_macro_expand_domain("%{d}.", &e, out, sizeof out, err, sizeof err),
                     AUTH_OK);
    assert_string_equal(out, "email.example.com");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc_examples),
        cmocka_unit_test(letters_and_escapes),
        cmocka_unit_test(syntax),
        cmocka_unit_test(bounded_output),
        cmocka_unit_test(domain_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
