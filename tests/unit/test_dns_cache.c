/*
 * test_dns_cache.c - the per-run cache: the table itself, and the engine
 * answering a repeated (name, type) from it, in later calls and within one
 * batch.  The engine points at a closed port on 127.0.0.1, so every
 * question ends quickly (connection refused -> timeout result) and no
 * server is needed: what is checked is how often it asks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns_internal.h"
#include "testenv.h"

static void test_table(void **state)
{
    struct dns_cache *c = dns_cache_new();
    struct dns_result *r[1000];
    char name[64];

    assert_non_null(c);
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "n%d.example", i);
        r[i] = dns_result_new(name, (uint16_t)(i % 3 ? DNS_T_A : DNS_T_TXT));
        assert_non_null(r[i]);
        assert_true(dns_cache_put(c, r[i]));
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "n%d.example", i);
        assert_ptr_equal(dns_cache_get(c, name, (uint16_t)(i % 3 ? DNS_T_A : DNS_T_TXT)),
                         r[i]);
        assert_null(dns_cache_get(c, name, DNS_T_MX));
    }
    assert_null(dns_cache_get(c, "n1000.example", DNS_T_A));
    dns_cache_free(c);
    for (int i = 0; i < 1000; i++)
        dns_result_free(r[i]);
}

static struct dns_engine *closed_port_engine(bool no_cache)
{
    char spec[64];
    const char *servers[] = { spec };
    struct dns_engine_params p = { .servers = servers, .nservers = 1,
                                   .timeout_ms = 200, .attempts = 1,
                                   .no_cache = no_cache };
    struct dns_engine *eng = NULL;
    char err[256];

    snprintf(spec, sizeof spec, "127.0.0.1:%d", test_free_port());
    assert_int_equal(dns_engine_new(&p, &eng, err, sizeof err), AUTH_OK);
    return eng;
}

static void test_second_query_is_a_hit(void **state)
{
    struct dns_engine *eng = closed_port_engine(false);
    const struct dns_result *a, *b;
    struct dns_stats st;

    assert_int_equal(dns_query(eng, "www.example.com", DNS_T_A, &a), AUTH_OK);
    assert_int_equal(dns_result_status(a), DNS_TIMEOUT);
    dns_engine_stats(eng, &st);
    assert_int_equal(st.queries_sent, 1);
    assert_int_equal(st.cache_hits, 0);

    assert_int_equal(dns_query(eng, "WWW.example.com.", DNS_T_A, &b), AUTH_OK);
    assert_ptr_equal(a, b);
    dns_engine_stats(eng, &st);
    assert_int_equal(st.queries_sent, 1);
    assert_int_equal(st.cache_hits, 1);

    /* another type is another question */
    assert_int_equal(dns_query(eng, "www.example.com", DNS_T_AAAA, &b), AUTH_OK);
    assert_ptr_not_equal(a, b);
    dns_engine_stats(eng, &st);
    assert_int_equal(st.queries_sent, 2);
    dns_engine_free(eng);
}

static void test_duplicates_in_a_batch(void **state)
{
    struct dns_engine *eng = closed_port_engine(false);
    struct dns_batch *b = dns_batch_new(eng);
    struct dns_stats st;

    for (int i = 0; i < 5; i++)
        dns_batch_add(b, "dup.example.com", DNS_T_MX);
    dns_batch_add(b, "other.example.com", DNS_T_MX);
    assert_int_equal(dns_batch_wait(b), AUTH_OK);
    dns_engine_stats(eng, &st);
    assert_int_equal(st.queries_sent, 2);
    assert_int_equal(st.cache_hits, 4);
    for (size_t i = 1; i < 5; i++)
        assert_ptr_equal(dns_batch_result(b, i), dns_batch_result(b, 0));
    dns_batch_free(b);
    dns_engine_free(eng);
}

static void test_no_cache_asks_again(void **state)
{
    struct dns_engine *eng = closed_port_engine(true);
    const struct dns_result *r;
    struct dns_stats st;

    for (int i = 0; i < 3; i++)
        assert_int_equal(dns_query(eng, "www.example.com", DNS_T_A, &r), AUTH_OK);
    dns_engine_stats(eng, &st);
    assert_int_equal(st.queries_sent, 3);
    assert_int_equal(st.cache_hits, 0);
    dns_engine_free(eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table), cmocka_unit_test(test_second_query_is_a_hit),
        cmocka_unit_test(test_duplicates_in_a_batch),
        cmocka_unit_test(test_no_cache_asks_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
