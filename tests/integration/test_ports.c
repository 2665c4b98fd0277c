/*
 * test_ports.c - `mailctl ports` against real servers on loopback, each
 * well-known port pointed at a test port with --port-map: a real Postfix
 * (STARTTLS on "25"/"587", implicit TLS on "465") and a real Dovecot with
 * TLS (993, 995, STARTTLS on 143, STLS on 110, no login before TLS) for a
 * good host; a second Dovecot without TLS that allows plaintext login and
 * closed ports for a bad one; a wrong CA for invalid certificates; and the
 * outbound port-25 check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "testdovecot.h"
#include "testenv.h"
#include "testpostfix.h"

#define DOMAIN "ports.test"

static struct test_postfix pf;
static struct test_dovecot good, bad;
static char good_map[200], bad_map[200], starttls_map[200];
static int closed_port;

static int start(void **state)
{
    char home[400];

    if (test_postfix_start(&pf, DOMAIN) < 0)
        return -1;
    snprintf(home, sizeof home, "%s/mail/%s", pf.dir, DOMAIN);
    {
        struct test_dovecot_params tls = {
            .user = "u@" DOMAIN, .password = "pw", .home = home,
            .cert_file = pf.ca.cert_file, .key_file = pf.ca.key_file,
            .imap = true, .imaps = true, .pop3 = true, .pop3s = true,
        };
        struct test_dovecot_params plain = {
            .user = "u@" DOMAIN, .password = "pw", .home = home,
            .imap = true, .pop3 = true, .no_tls = true, .plaintext_auth = true,
        };
        if (test_dovecot_start(&good, &tls) < 0 || test_dovecot_start(&bad, &plain) < 0)
            return -1;
    }
    closed_port = test_free_port();      /* nothing listens there */
    /* The good host has 110 and 143 closed, as the guides want.  (Dovecot's
     * own 110/143 cannot serve as "no login before TLS" here: it counts a
     * connection from 127.0.0.1 to 127.0.0.1 as secured and offers login.) */
    snprintf(good_map, sizeof good_map, "25=%d,587=%d,465=%d,993=%d,995=%d,110=%d,143=%d",
             pf.port, pf.port, pf.smtps_port, good.imaps_port, good.pop3s_port, closed_port,
             closed_port);
    snprintf(starttls_map, sizeof starttls_map, "25=%d,587=%d,465=%d,993=%d,995=%d,110=%d,"
             "143=%d", pf.port, pf.port, pf.smtps_port, good.imaps_port, good.pop3s_port,
             good.pop3_port, good.imap_port);
    snprintf(bad_map, sizeof bad_map, "25=%d,587=%d,465=%d,993=%d,995=%d,110=%d,143=%d",
             closed_port, closed_port, closed_port, closed_port, closed_port, bad.pop3_port,
             bad.imap_port);
    return 0;
}

static int stop(void **state)
{
    test_dovecot_stop(&good);
    test_dovecot_stop(&bad);
    test_postfix_stop(&pf);
    return 0;
}

static json_t *ports_json(const char *map, const char *ca, int want_exit, const char *extra)
{
    char *argv[] = { (char *)test_mailctl(), "ports", "127.0.0.1", "--port-map", (char *)map,
                     "--ca-file", (char *)ca, "--timeout", "5", "--json", (char *)extra, NULL };
    struct test_out out;
    json_error_t e;
    json_t *doc;

    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
    doc = json_loads(out.out, 0, &e);
    if (!doc || out.status != want_exit) {
        char *f = doc ? json_dumps(json_object_get(doc, "findings"), JSON_COMPACT) : NULL;
        fprintf(stderr, "findings: %s\nstdout: %s\nstderr: %s\n", f ? f : "-", out.out,
                out.err);
        fail_msg("exit %d (want %d)", out.status, want_exit);
    }
    test_out_free(&out);
    return doc;
}

/* How many findings with id (and severity when sev is not NULL). */
static size_t count(json_t *doc, const char *id, const char *sev)
{
    json_t *f;
    size_t i, n = 0;

    json_array_foreach(json_object_get(doc, "findings"), i, f)
        if (strcmp(json_string_value(json_object_get(f, "id")), id) == 0 &&
            (!sev || strcmp(json_string_value(json_object_get(f, "severity")), sev) == 0))
            n++;
    return n;
}

static json_t *probe(json_t *doc, int port)
{
    json_t *p;
    size_t i;

    json_array_foreach(json_object_get(doc, "ports"), i, p)
        if (json_integer_value(json_object_get(p, "port")) == port)
            return p;
    fail_msg("no probe for port %d", port);
    return NULL;
}

static void good_host_passes(void **state)
{
    json_t *doc = ports_json(good_map, pf.ca.ca_file, 0, NULL), *p;

    assert_int_equal(json_array_size(json_object_get(doc, "ports")), 7);
    assert_int_equal(count(doc, "ports.tls-ok", "pass"), 5);   /* 25 587 465 993 995 */
    assert_int_equal(count(doc, "ports.smtp-open", "pass"), 1);
    assert_int_equal(count(doc, "ports.submission-open", "pass"), 1);
    assert_int_equal(count(doc, "ports.auth-before-tls", NULL), 0);
    assert_int_equal(count(doc, "ports.plaintext-open", NULL), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"),
                                                        "fail")), 0);
    p = probe(doc, 25);
    assert_non_null(strstr(json_string_value(json_object_get(p, "banner")), "mx.ports.test"));
    assert_true(json_is_true(json_object_get(p, "starttls_offered")));
    assert_true(json_is_true(json_object_get(json_object_get(p, "tls"), "verified")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(probe(doc, 465),
                                                                          "tls"), "version")),
                        "TLSv1.3");
    assert_non_null(strstr(json_string_value(json_object_get(probe(doc, 993), "banner")),
                           "Dovecot"));
    assert_string_equal(json_string_value(json_object_get(probe(doc, 143), "state")), "closed");
    json_decref(doc);
}

static void starttls_on_110_and_143(void **state)
{
    json_t *doc = ports_json(starttls_map, pf.ca.ca_file, 1, NULL), *p;

    assert_int_equal(count(doc, "ports.tls-ok", "pass"), 7);   /* STLS and STARTTLS too */
    assert_int_equal(count(doc, "ports.plaintext-port-open", "info"), 2);
    assert_int_equal(count(doc, "ports.plaintext-open", NULL), 0);
    p = probe(doc, 143);
    assert_true(json_is_true(json_object_get(p, "starttls_offered")));
    assert_true(json_is_true(json_object_get(json_object_get(p, "tls"), "verified")));
    p = probe(doc, 110);
    assert_true(json_is_true(json_object_get(p, "starttls_offered")));
    json_decref(doc);
}

static void bad_host_fails(void **state)
{
    json_t *doc = ports_json(bad_map, pf.ca.ca_file, 1, NULL);

    assert_int_equal(count(doc, "ports.smtp-closed", "fail"), 1);
    assert_int_equal(count(doc, "ports.submission-closed", "fail"), 1);
    assert_int_equal(count(doc, "ports.plaintext-open", "fail"), 2);   /* 110 and 143 */
    assert_int_equal(count(doc, "ports.auth-before-tls", "fail"), 2);
    assert_int_equal(count(doc, "ports.mailbox-tls-closed", "info"), 1);
    assert_string_equal(json_string_value(json_object_get(probe(doc, 25), "state")), "closed");
    json_decref(doc);
}

static void wrong_ca_is_tls_invalid(void **state)
{
    json_t *doc = ports_json(starttls_map, pf.ca.wrong_ca_file, 1, NULL);

    assert_int_equal(count(doc, "ports.tls-invalid", "fail"), 7);
    assert_int_equal(count(doc, "ports.tls-ok", NULL), 0);
    json_decref(doc);
}

static void outbound(void **state)
{
    char map[32], *argv[] = { (char *)test_mailctl(), "ports", "127.0.0.1", "--outbound",
                              "--port-map", map, NULL };
    struct test_out out;

    snprintf(map, sizeof map, "25=%d", pf.port);
    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "ports.outbound-25-open"));
    assert_non_null(strstr(out.out, "mx.ports.test"));
    test_out_free(&out);
    snprintf(map, sizeof map, "25=%d", closed_port);
    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "ports.outbound-25-refused"));
    assert_non_null(strstr(out.out, "not blocked"));
    test_out_free(&out);
}

static void bad_input(void **state)
{
    char *argv[] = { (char *)test_mailctl(), "ports", "127.0.0.1", "--port-map", "25=x", NULL };
    char *argv2[] = { (char *)test_mailctl(), "ports", "no-such-host.invalid", NULL };
    struct test_out out;

    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "--port-map"));
    test_out_free(&out);
    assert_int_equal(test_run(argv2, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 3);
    assert_non_null(strstr(out.err, "cannot resolve"));
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_host_passes),
        cmocka_unit_test(starttls_on_110_and_143),
        cmocka_unit_test(bad_host_fails),
        cmocka_unit_test(wrong_ca_is_tls_invalid),
        cmocka_unit_test(outbound),
        cmocka_unit_test(bad_input),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
