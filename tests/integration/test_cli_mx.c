/*
 * test_cli_mx.c - `mailctl mx` and `mailctl ptr` end to end against a real
 * NSD serving testdata/zones, through the production resolver.
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

/* Run mailctl --resolver NSD ARGS...; fills out. */
static void mailctl(struct test_out *out, const char *a1, const char *a2,
                    const char *a3, const char *a4)
{
    char *argv[10] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "2" };
    int n = 5;
    const char *extra[] = { a1, a2, a3, a4 };

    for (int i = 0; i < 4 && extra[i]; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, out), 0);
}

static json_t *json_of(const struct test_out *out)
{
    json_error_t e;
    json_t *doc = json_loads(out->out, 0, &e);

    if (!doc)
        fail_msg("stdout is not JSON (%s): %s\nstderr: %s", e.text, out->out, out->err);
    return doc;
}

static void mx_good_json(void **state)
{
    struct test_out out;
    json_t *doc, *hosts, *h0, *addr0;

    mailctl(&out, "mx", "good.example", "--json", NULL);
    assert_int_equal(out.status, 0);
    doc = json_of(&out);
    assert_string_equal(json_string_value(json_object_get(doc, "domain")), "good.example");
    assert_true(json_is_false(json_object_get(doc, "null_mx")));
    assert_true(json_is_false(json_object_get(doc, "implicit")));
    hosts = json_object_get(doc, "hosts");
    assert_int_equal(json_array_size(hosts), 2);
    h0 = json_array_get(hosts, 0);
    assert_int_equal(json_integer_value(json_object_get(h0, "preference")), 10);
    assert_string_equal(json_string_value(json_object_get(h0, "host")), "mail.good.example");
    assert_true(json_is_null(json_object_get(h0, "cname")));
    /* A then AAAA, both with forward-confirmed PTRs */
    assert_int_equal(json_array_size(json_object_get(h0, "addresses")), 2);
    addr0 = json_array_get(json_object_get(h0, "addresses"), 0);
    assert_string_equal(json_string_value(json_object_get(addr0, "address")), "192.0.2.10");
    assert_true(json_is_true(json_object_get(addr0, "fcrdns")));
    assert_string_equal(json_string_value(json_object_get(
        json_array_get(json_object_get(addr0, "ptr"), 0), "name")), "mail.good.example");
    assert_true(json_is_true(json_object_get(json_array_get(
        json_object_get(h0, "addresses"), 1), "fcrdns")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(hosts, 1), "host")),
                        "mx2.good.example");
    json_decref(doc);
    test_out_free(&out);
}

static void mx_broken_hosts(void **state)
{
    struct test_out out;
    json_t *doc, *hosts;

    mailctl(&out, "mx", "broken.example", "--json", NULL);
    assert_int_equal(out.status, 0);   /* mx.broken.example still receives */
    doc = json_of(&out);
    hosts = json_object_get(doc, "hosts");
    assert_int_equal(json_array_size(hosts), 7);
    /* 10 mx -> CNAME mailserver, PTR not confirming */
    json_t *h = json_array_get(hosts, 0);
    assert_string_equal(json_string_value(json_object_get(h, "cname")),
                        "mailserver.broken.example");
    assert_true(json_is_false(json_object_get(json_array_get(
        json_object_get(h, "addresses"), 0), "fcrdns")));
    /* 20 ghost: no address, an error naming why */
    h = json_array_get(hosts, 1);
    assert_string_equal(json_string_value(json_object_get(h, "host")), "ghost.broken.example");
    assert_int_equal(json_array_size(json_object_get(h, "addresses")), 0);
    assert_non_null(strstr(json_string_value(json_object_get(h, "error")), "does not exist"));
    /* 40: an IP literal as target */
    h = json_array_get(hosts, 3);
    assert_string_equal(json_string_value(json_object_get(h, "host")), "192.0.2.77");
    assert_non_null(strstr(json_string_value(json_object_get(h, "error")), "IP address"));
    json_decref(doc);
    test_out_free(&out);
}

static void mx_order_by_preference(void **state)
{
    struct test_out out;
    json_t *doc, *hosts;

    mailctl(&out, "mx", "order.mxcases.example", "--json", NULL);
    assert_int_equal(out.status, 0);
    doc = json_of(&out);
    hosts = json_object_get(doc, "hosts");
    assert_int_equal(json_array_size(hosts), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(hosts, i),
                                                            "preference")), 10 * (i + 1));
    json_decref(doc);
    test_out_free(&out);
}

static void mx_implicit_and_null(void **state)
{
    struct test_out out;
    json_t *doc;

    mailctl(&out, "mx", "implicit.mxcases.example", "--json", NULL);
    assert_int_equal(out.status, 0);
    doc = json_of(&out);
    assert_true(json_is_true(json_object_get(doc, "implicit")));
    assert_int_equal(json_array_size(json_object_get(doc, "hosts")), 1);
    json_decref(doc);
    test_out_free(&out);

    mailctl(&out, "mx", "nullmx.mxcases.example", "--json", NULL);
    assert_int_equal(out.status, 1);
    doc = json_of(&out);
    assert_true(json_is_true(json_object_get(doc, "null_mx")));
    assert_int_equal(json_array_size(json_object_get(doc, "hosts")), 0);
    json_decref(doc);
    test_out_free(&out);

    mailctl(&out, "mx", "nomail.mxcases.example", NULL, NULL);
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.out, "no MX records and no address"));
    test_out_free(&out);

    mailctl(&out, "mx", "nxdomain.mxcases.example", "--json", NULL);
    assert_int_equal(out.status, 1);
    doc = json_of(&out);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "nxdomain");
    json_decref(doc);
    test_out_free(&out);
}

static void ptr_confirmed_and_not(void **state)
{
    struct test_out out;
    json_t *doc, *names;

    mailctl(&out, "ptr", "192.0.2.10", "--json", NULL);
    assert_int_equal(out.status, 0);
    doc = json_of(&out);
    assert_string_equal(json_string_value(json_object_get(doc, "address")), "192.0.2.10");
    names = json_object_get(doc, "names");
    assert_int_equal(json_array_size(names), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(names, 0), "name")),
                        "mail.good.example");
    assert_true(json_is_true(json_object_get(json_array_get(names, 0), "fcrdns")));
    assert_true(json_is_null(json_object_get(doc, "error")));
    json_decref(doc);
    test_out_free(&out);

    mailctl(&out, "ptr", "192.0.2.99", "--json", NULL);
    assert_int_equal(out.status, 1);
    doc = json_of(&out);
    assert_true(json_is_false(json_object_get(json_array_get(json_object_get(doc, "names"), 0),
                                              "fcrdns")));
    json_decref(doc);
    test_out_free(&out);

    mailctl(&out, "ptr", "2001:db8::10", NULL, NULL);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "mail.good.example"));
    assert_non_null(strstr(out.out, "forward-confirmed"));
    test_out_free(&out);

    mailctl(&out, "ptr", "192.0.2.200", NULL, NULL);   /* no PTR */
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.out, "no PTR"));
    test_out_free(&out);
}

static void ipv6_resolver(void **state)
{
    struct test_out out;
    char *argv[] = { (char *)test_mailctl(), "--resolver", nsd.spec6, "mx",
                     "good.example", NULL };

    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "mail.good.example"));
    test_out_free(&out);
}

static void env_resolver(void **state)
{
    struct test_out out;
    char env[128];
    char *envv[] = { env, NULL };
    char *argv[] = { (char *)test_mailctl(), "ptr", "192.0.2.11", NULL };

    snprintf(env, sizeof env, "MAILCTL_RESOLVER=%s", nsd.spec);
    assert_int_equal(test_run(argv, envv, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "mx2.good.example"));
    test_out_free(&out);
}

/* Bad input: one line on stderr naming the problem, exit 2. */
static void bad_input(void **state)
{
    static const char *const cases[][3] = {
        {"mx", "a..b.example", "empty label"},
        {"mx", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
         "over 63"},
        {"ptr", "300.1.2.3", "not an IPv4 or IPv6 address"},
        {"ptr", "--bogus", "unknown option"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct test_out out;
        mailctl(&out, cases[i][0], cases[i][1], NULL, NULL);
        assert_int_equal(out.status, 2);
        if (!strstr(out.err, cases[i][2]))
            fail_msg("case %zu: stderr lacks '%s': %s", i, cases[i][2], out.err);
        assert_int_equal(out.out_len, 0);
        test_out_free(&out);
    }
}

static void long_name_rejected(void **state)
{
    char name[301];                 /* 300 octets and the NUL */
    struct test_out out;

    memset(name, 0, sizeof name);
    for (int i = 0; i < 5; i++)
        memcpy(name + i * 60, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.", 60);
    mailctl(&out, "mx", name, NULL, NULL);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "253"));
    test_out_free(&out);
}

static void bad_resolver_spec(void **state)
{
    struct test_out out;
    char *argv[] = { (char *)test_mailctl(), "--resolver", "not-an-ip:99999", "mx",
                     "good.example", NULL };

    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "not-an-ip"));
    test_out_free(&out);
}

/* Nothing listens on the port: exit 3 and the server is named. */
static void unreachable_resolver(void **state)
{
    struct test_out out;
    char spec[64];
    int port = test_free_port();
    char *argv[] = { (char *)test_mailctl(), "--resolver", spec, "--timeout", "0.3",
                     "mx", "good.example", NULL };

    snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 3);
    assert_non_null(strstr(out.err, spec));
    test_out_free(&out);
}

static void help_and_version(void **state)
{
    struct test_out out;
    char *argv1[] = { (char *)test_mailctl(), "--version", NULL };
    char *argv2[] = { (char *)test_mailctl(), "mx", "--help", NULL };
    char *argv3[] = { (char *)test_mailctl(), "frobnicate", NULL };

    assert_int_equal(test_run(argv1, NULL, NULL, 0, 10, &out), 0);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "mailctl "));
    test_out_free(&out);
    assert_int_equal(test_run(argv2, NULL, NULL, 0, 10, &out), 0);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "usage: mailctl mx"));
    test_out_free(&out);
    assert_int_equal(test_run(argv3, NULL, NULL, 0, 10, &out), 0);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "unknown command"));
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mx_good_json),
        cmocka_unit_test(mx_broken_hosts),
        cmocka_unit_test(mx_order_by_preference),
        cmocka_unit_test(mx_implicit_and_null),
        cmocka_unit_test(ptr_confirmed_and_not),
        cmocka_unit_test(ipv6_resolver),
        cmocka_unit_test(env_resolver),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(long_name_rejected),
        cmocka_unit_test(bad_resolver_spec),
        cmocka_unit_test(unreachable_resolver),
        cmocka_unit_test(help_and_version),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
