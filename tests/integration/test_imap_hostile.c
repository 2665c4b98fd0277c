/*
 * test_imap_hostile.c - the IMAP client against a scripted hostile server
 * (tests/servers/hostile_imap.py): a 1 GiB literal announcement, a response
 * that never finishes, an endless stream of untagged responses, TLS dropped
 * after STARTTLS, a BYE greeting.  Each must end with a clear error within
 * the command timeout (2 s here), never a crash or a hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/imap.h"
#include "testenv.h"
#include "testpostfix.h"

#define TIMEOUT_MS 2000

struct outcome {
    enum auth_status st;
    enum imap_failure failure;
    char why[400];
    uint64_t ms;
};

/* Run the hostile server doing how; open (and log in) with mode. */
static void against(const char *how, enum imap_tls_mode mode, struct outcome *o)
{
    char script[400];
    char *argv[] = { "/usr/bin/python3", script, (char *)how, NULL };
    int pid, port;
    struct imap_client *c = NULL;
    char err[200];
    uint64_t t0;

    snprintf(script, sizeof script, "%s/../tests/servers/hostile_imap.py", test_datadir());
    assert_int_equal(test_server_spawn(argv, &pid, &port), 0);
    {
        struct imap_params p = {
            .host = "127.0.0.1", .port = (uint16_t)port, .tls = mode, .user = "u",
            .password = "p", .allow_plaintext_auth = true, .command_ms = TIMEOUT_MS,
            .connect_ms = TIMEOUT_MS,
        };
        assert_int_equal(imap_client_new(&p, &c, err, sizeof err), AUTH_OK);
    }
    t0 = auth_tls_now_ms();
    o->st = imap_open(c);
    if (o->st == AUTH_OK)
        o->st = imap_login(c);
    o->ms = auth_tls_now_ms() - t0;
    o->failure = imap_client_failure(c);
    snprintf(o->why, sizeof o->why, "%s", imap_client_why(c));
    imap_client_free(c);
    test_server_kill(pid);
}

static void huge_literal_refused_at_once(void **state)
{
    struct outcome o;

    against("huge-literal", IMAP_TLS_NONE, &o);
    assert_int_equal(o.st, AUTH_ELIMIT);
    assert_int_equal(o.failure, IMAP_FAIL_PROTOCOL);
    assert_non_null(strstr(o.why, "literal of 1073741824 bytes"));
    assert_true(o.ms < TIMEOUT_MS);          /* refused on the announcement */
}

static void unfinished_response_times_out(void **state)
{
    struct outcome o;

    against("unfinished", IMAP_TLS_NONE, &o);
    assert_int_equal(o.st, AUTH_ETIMEOUT);
    assert_int_equal(o.failure, IMAP_FAIL_TIMEOUT);
    assert_non_null(strstr(o.why, "never finished"));
    assert_true(o.ms >= TIMEOUT_MS - 50 && o.ms < TIMEOUT_MS + 1500);
}

static void endless_responses_bounded(void **state)
{
    struct outcome o;

    against("endless", IMAP_TLS_NONE, &o);
    assert_true(o.st == AUTH_ELIMIT || o.st == AUTH_ETIMEOUT);
    assert_true(o.failure == IMAP_FAIL_PROTOCOL || o.failure == IMAP_FAIL_TIMEOUT);
    assert_true(o.ms < TIMEOUT_MS + 1500);
}

static void dropped_tls(void **state)
{
    struct outcome o;

    against("drop-tls", IMAP_TLS_STARTTLS, &o);
    assert_int_equal(o.st, AUTH_ETLS);
    assert_int_equal(o.failure, IMAP_FAIL_TLS);
    assert_non_null(strstr(o.why, "TLS"));
    assert_true(o.ms < TIMEOUT_MS + 1500);
}

static void bye_greeting(void **state)
{
    struct outcome o;

    against("bye", IMAP_TLS_NONE, &o);
    assert_int_equal(o.st, AUTH_EPERM);
    assert_non_null(strstr(o.why, "go away"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(huge_literal_refused_at_once),
        cmocka_unit_test(unfinished_response_times_out),
        cmocka_unit_test(endless_responses_bounded),
        cmocka_unit_test(dropped_tls),
        cmocka_unit_test(bye_greeting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
