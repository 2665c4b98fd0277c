/*
 * test_dns_defer.c - the engine's deferred mode (questions remembered, not
 * sent, then asked together) and dns_engine_clear(), answered from a
 * hand-made replay tape: no server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/dns.h"
#include "testsnap.h"

static struct dns_tape *tape;

static int setup(void **state)
{
    (void)state;
    tape = test_snapshot_open("a.test. 300 IN A 192.0.2.1\n"
                              "b.test. 300 IN TXT \"hello\"\n"
                              "c.test. A nxdomain\n");
    return tape ? 0 : -1;
}

static int teardown(void **state)
{
    auth_status_ignore(dns_tape_close(tape, NULL, 0));   /* a replay tape: nothing to write */
    return 0;
}

static struct dns_engine *engine(void)
{
    struct dns_engine_params p = { .tape = tape };
    struct dns_engine *eng = NULL;
    char err[200];

    assert_int_equal(dns_engine_new(&p, &eng, err, sizeof err), AUTH_OK);
    return eng;
}

static void deferred_then_fetched(void **state)
{
    struct dns_engine *eng = engine();
    const struct dns_result *a, *again;
    struct dns_batch *b;
    struct dns_stats st;

    dns_engine_defer(eng, true);
    b = dns_batch_new(eng);
    dns_batch_add(b, "a.test", DNS_T_A);
    dns_batch_add(b, "b.test", DNS_T_TXT);
    dns_batch_add(b, "A.TEST.", DNS_T_A);           /* the same question */
    assert_int_equal(dns_batch_wait(b), AUTH_OK);
    a = dns_batch_result(b, 0);
    assert_int_equal(dns_result_status(a), DNS_ERROR);        /* not asked yet */
    assert_ptr_equal(dns_batch_result(b, 2), a);
    dns_batch_free(b);
    assert_int_equal(dns_engine_deferred(eng), 2);
    dns_engine_stats(eng, &st);
    assert_int_equal(st.questions, 0);

    assert_int_equal(dns_engine_fetch_deferred(eng), AUTH_OK);
    assert_int_equal(dns_engine_deferred(eng), 0);
    assert_int_equal(dns_result_status(a), DNS_DATA);         /* filled in place */
    assert_int_equal(dns_query(eng, "a.test", DNS_T_A, &again), AUTH_OK);
    assert_ptr_equal(again, a);
    assert_int_equal(dns_query(eng, "c.test", DNS_T_A, &again), AUTH_OK);
    assert_int_equal(dns_result_status(again), DNS_ERROR);    /* deferred: new question */
    assert_int_equal(dns_engine_deferred(eng), 1);
    dns_engine_defer(eng, false);
    assert_int_equal(dns_engine_fetch_deferred(eng), AUTH_OK);
    assert_int_equal(dns_result_status(again), DNS_NXDOMAIN);
    dns_engine_stats(eng, &st);
    assert_int_equal(st.questions, 3);                        /* each asked once */
    dns_engine_free(eng);
}

static void clear_forgets_answers(void **state)
{
    struct dns_engine *eng = engine();
    const struct dns_result *r;
    struct dns_stats st;

    assert_int_equal(dns_query(eng, "b.test", DNS_T_TXT, &r), AUTH_OK);
    assert_int_equal(dns_result_status(r), DNS_DATA);
    dns_engine_clear(eng);                    /* a daemon between two jobs */
    assert_int_equal(dns_query(eng, "b.test", DNS_T_TXT, &r), AUTH_OK);
    assert_int_equal(dns_result_status(r), DNS_DATA);
    dns_engine_stats(eng, &st);
    assert_int_equal(st.questions, 2);        /* asked again: nothing was kept */
    assert_int_equal(st.cache_hits, 0);
    dns_engine_free(eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deferred_then_fetched),
        cmocka_unit_test(clear_forgets_answers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
