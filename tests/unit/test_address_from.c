/*
 * test_address_from.c - the RFC5322.From author address: exactly one From
 * with exactly one mailbox, everything else refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/address.h"

static struct address *ok(const char *v)
{
    struct address *a = NULL;
    char err[256] = "";

    enum auth_status st = auth_msg_address_parse_from(v, strlen(v), &a, err, sizeof err);
    if (st != AUTH_OK)
        fail_msg("'%s': %s", v, err);
    return a;
}

static void bad(const char *v, const char *why)
{
    struct address *a = NULL;
    char err[256] = "";

    if (auth_msg_address_parse_from(v, strlen(v), &a, err, sizeof err) != AUTH_EPARSE)
        fail_msg("accepted '%s'", v);
    assert_null(a);
    if (!strstr(err, why))
        fail_msg("'%s': error '%s' lacks '%s'", v, err, why);
}

static void plain_forms(void **state)
{
    struct address *a = ok("alice@Example.COM");
    assert_string_equal(a->local, "alice");
    assert_string_equal(a->domain, "example.com");
    assert_string_equal(a->domain_ascii, "example.com");
    assert_null(a->display);
    auth_msg_address_free(a);

    a = ok(" \"Alice Q. Smith\" <alice.smith@mail.example.org> ");
    assert_string_equal(a->display, "Alice Q. Smith");
    assert_string_equal(a->domain, "mail.example.org");
    auth_msg_address_free(a);

    a = ok("Bob (the builder) <bob@example.net> (work)");
    assert_string_equal(a->display, "Bob");
    assert_string_equal(a->local, "bob");
    auth_msg_address_free(a);
}

static void comments_quotes_routes(void **state)
{
    struct address *a = ok("(c (nested) ) bob (x) @ (y) example.com (z)");
    assert_string_equal(a->local, "bob");
    assert_string_equal(a->domain, "example.com");
    auth_msg_address_free(a);

    a = ok("\"odd, <local>@part\"@example.com");     /* quoted local part with specials */
    assert_string_equal(a->local, "odd, <local>@part");
    assert_string_equal(a->domain, "example.com");
    auth_msg_address_free(a);

    a = ok("\"a\\\"b\" <\"x\\\\y\"@example.com>");
    assert_string_equal(a->display, "a\"b");
    assert_string_equal(a->local, "x\\y");
    auth_msg_address_free(a);

    a = ok("<@relay.example:user@example.com>");     /* obsolete route skipped */
    assert_string_equal(a->domain, "example.com");
    auth_msg_address_free(a);

    a = ok("=?utf-8?q?J=C3=B6rg?= <jorg@example.de>"); /* encoded word in display */
    assert_string_equal(a->display, "=?utf-8?q?J=C3=B6rg?=");
    assert_string_equal(a->domain, "example.de");
    auth_msg_address_free(a);

    a = ok("test@example.com,");                     /* empty list element (obs) */
    assert_string_equal(a->domain, "example.com");
    auth_msg_address_free(a);
}

static void idn(void **state)
{
    struct address *a = ok("J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>");
    assert_string_equal(a->domain, "b\xc3\xbc" "cher.example");
    assert_string_equal(a->domain_ascii, "xn--bcher-kva.example");
    auth_msg_address_free(a);
    a = ok("x@B\xc3\x9c" "CHER.example");            /* upper-case U-label */
    assert_string_equal(a->domain_ascii, "xn--bcher-kva.example");
    auth_msg_address_free(a);
}

static void refused(void **state)
{
    bad("", "no address");
    bad("   (just a comment)  ", "no address");
    bad("a@example.com, b@example.com", "2 addresses");
    bad("Undisclosed recipients:;", "group syntax");
    bad("Team: a@example.com;", "group syntax");
    bad("bob", "has no domain");
    bad("Bob <bob>", "has no domain");
    bad("bob@", "has no domain");
    bad("<>", "empty");
    bad("@example.com", "empty local part");
    bad("bob@[192.0.2.1]", "domain literal");
    bad("bob@=?utf-8?q?example.com?=", "encoded word");
    bad("bob@exa mple.com", "does not parse");
    bad("bob@localhost", "fully qualified");
    bad("\"unterminated@example.com", "unterminated quoted string");
    bad("Bob <bob@example.com", "without '>'");
    bad("(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((deep"
        ")))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))) a@example.com",
        "comment");
    bad("Bob <bob@example.com> trailing", "text after");
    bad("a@b..example.com", "not a valid DNS name");
}

static void headers(void **state)
{
    const char *vals[2] = { "a@example.com", "b@example.org" };
    size_t lens[2] = { 13, 13 };
    struct address *a = NULL;
    char err[256];

    assert_int_equal(auth_msg_address_from_headers(vals, lens, 0, &a, err, sizeof err), AUTH_EPARSE);
    assert_non_null(strstr(err, "no From"));
    assert_int_equal(auth_msg_address_from_headers(vals, lens, 2, &a, err, sizeof err), AUTH_EPARSE);
    assert_non_null(strstr(err, "2 From header fields"));
    assert_int_equal(auth_msg_address_from_headers(vals, lens, 1, &a, err, sizeof err), AUTH_OK);
    assert_string_equal(a->domain, "example.com");
    auth_msg_address_free(a);
    /* NUL inside the value */
    assert_int_equal(auth_msg_address_parse_from("a@ex\0ample.com", 15, &a, err, sizeof err),
                     AUTH_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_forms),
        cmocka_unit_test(comments_quotes_routes),
        cmocka_unit_test(idn),
        cmocka_unit_test(refused),
        cmocka_unit_test(headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
