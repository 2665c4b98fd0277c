/*
 * test_dns_hostile.c - the DNS engine against a server that lies, cheats
 * and breaks the protocol (tests/servers/hostile_dns.py, one scenario per
 * testdata/hostile/NAME.case, asked as NAME.hostile.test).  Each case must
 * end in one exact typed result, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/dns.h"
#include "hostile.h"
#include "testenv.h"

static struct test_hostile srv;

static int group_setup(void **state)
{
    return test_hostile_start(&srv, NULL);
}

static int group_teardown(void **state)
{
    test_hostile_stop(&srv);
    return 0;
}

/* Short tries so the timeout cases stay quick: 2 tries of 300 ms. */
static struct dns_engine *engine_n(size_t nservers)
{
    const char *servers[] = { srv.spec, srv.spec };
    struct dns_engine_params p = { .servers = servers, .nservers = nservers,
                                   .timeout_ms = 300, .attempts = 2 };
    struct dns_engine *eng = NULL;
    char err[256];

    assert_int_equal(dns_engine_new(&p, &eng, err, sizeof err), AUTH_OK);
    return eng;
}

static struct dns_engine *eng;
static struct dns_stats stats;

static int each_setup(void **state)
{
    eng = engine_n(1);
    return 0;
}

static int each_teardown(void **state)
{
    dns_engine_free(eng);
    eng = NULL;
    return 0;
}

static const struct dns_result *ask(const char *scenario, uint16_t type)
{
    const struct dns_result *r = NULL;
    char name[128];

    snprintf(name, sizeof name, "%s.hostile.test", scenario);
    assert_int_equal(dns_query(eng, name, type, &r), AUTH_OK);
    assert_non_null(r);
    assert_non_null(dns_result_why(r));
    dns_engine_stats(eng, &stats);
    return r;
}

static void assert_one_a(const struct dns_result *r, const char *want)
{
    char buf[AUTH_IP_STRLEN];

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_int_equal(dns_result_count(r), 1);
    assert_string_equal(auth_ip_format(&dns_result_rr(r, 0)->u.addr, buf, sizeof buf),
                        want);
}

static void test_wrong_id_then_right(void **state)
{
    const struct dns_result *r = ask("wrong-id", DNS_T_A);

    assert_one_a(r, "192.0.2.1");
    assert_int_equal(stats.stray, 1);
    assert_int_equal(stats.queries_sent, 1);
}

static void test_wrong_id_only(void **state)
{
    const struct dns_result *r = ask("wrong-id-only", DNS_T_A);

    /* spoofing attempts are not answers: no answer at all */
    assert_int_equal(dns_result_status(r), DNS_TIMEOUT);
    assert_int_equal(stats.stray, 2);
    assert_non_null(strstr(dns_result_why(r), srv.spec));
}

static void test_wrong_question(void **state)
{
    const struct dns_result *r = ask("wrong-question", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_MALFORMED);
    assert_non_null(strstr(dns_result_why(r), "question mismatch"));
    assert_non_null(strstr(dns_result_why(r), srv.spec));
    assert_int_equal(dns_result_count(r), 0);
}

static void test_wrong_question_then_good(void **state)
{
    const struct dns_result *r = ask("wrong-question-then-good", DNS_T_A);

    assert_one_a(r, "192.0.2.1");
    assert_int_equal(stats.stray, 1);
}

static void test_truncated(void **state)
{
    const struct dns_result *r = ask("truncated", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_MALFORMED);
    assert_non_null(strstr(dns_result_why(r), "unparsable"));
}

static void test_compression_loop(void **state)
{
    const struct dns_result *r = ask("compression-loop", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_MALFORMED);
    assert_non_null(strstr(dns_result_why(r), "compression"));
}

static void test_label_64(void **state)
{
    const struct dns_result *r = ask("label-64", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_MALFORMED);
    assert_non_null(strstr(dns_result_why(r), "Label length"));
}

static void test_garbage_then_good(void **state)
{
    assert_one_a(ask("garbage-then-good", DNS_T_A), "192.0.2.1");
}

static void test_tc_then_tcp(void **state)
{
    const struct dns_result *r = ask("tc-tcp", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_int_equal(dns_result_count(r), 2);
    assert_true(dns_result_tcp(r));
    assert_int_equal(stats.tcp_fallbacks, 1);
}

/* TC=1 on a datagram that still carries two of the five records: the part
 * is not the answer; the engine asks again over TCP and returns all five. */
static void test_tc_partial_then_tcp(void **state)
{
    const struct dns_result *r = ask("tc-partial", DNS_T_A);
    char buf[AUTH_IP_STRLEN], want[16];

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_int_equal(dns_result_count(r), 5);
    for (size_t i = 0; i < 5; i++) {
        snprintf(want, sizeof want, "192.0.2.%zu", i + 1);
        assert_string_equal(auth_ip_format(&dns_result_rr(r, i)->u.addr, buf, sizeof buf),
                            want);
    }
    assert_true(dns_result_tcp(r));
    assert_int_equal(stats.tcp_fallbacks, 1);
}

/* The same partial datagram and a TCP side that closes without answering:
 * no data (the partial RRset is never passed off as the answer). */
static void test_tc_partial_tcp_dead(void **state)
{
    const struct dns_result *r = ask("tc-partial-no-tcp", DNS_T_A);

    if (!dns_status_is_temporary(dns_result_status(r)))
        fail_msg("status %d (%s), want a temporary failure", dns_result_status(r),
                 dns_result_why(r));
    assert_int_equal(dns_result_count(r), 0);
    assert_true(stats.tcp_fallbacks >= 1);
}

static void test_txt_64k_over_tcp(void **state)
{
    const struct dns_result *r = ask("txt-64k", DNS_T_TXT);
    const struct dns_rr *rr;

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_true(dns_result_tcp(r));
    rr = dns_result_rr(r, 0);
    assert_int_equal(rr->u.txt.len, 65000);
    assert_int_equal(rr->u.txt.nstrings, 255);
    assert_int_equal(rr->u.txt.string_len[254], 65000 - 254 * 255);
    assert_int_equal(rr->u.txt.data[64999], 'x');
    assert_int_equal(rr->u.txt.data[65000], '\0');
}

static void test_servfail(void **state)
{
    const struct dns_result *r = ask("servfail", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_SERVFAIL);
    assert_int_equal(dns_result_rcode(r), 2);
    assert_non_null(strstr(dns_result_why(r), "SERVFAIL"));
    assert_non_null(strstr(dns_result_why(r), srv.spec));
}

static void test_refused(void **state)
{
    const struct dns_result *r = ask("refused", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_REFUSED);
    assert_int_equal(dns_result_rcode(r), 5);
}

static void test_servfail_next_server(void **state)
{
    const struct dns_result *r;

    dns_engine_free(eng);
    eng = engine_n(2);            /* the same server twice: two "servers" */
    r = ask("servfail-then-good", DNS_T_A);
    assert_one_a(r, "192.0.2.1");
    assert_int_equal(stats.queries_sent, 2);
}

/* An engine with the default 3 tries and a short backoff. */
static struct dns_engine *engine_retrying(unsigned attempts)
{
    const char *servers[] = { srv.spec };
    struct dns_engine_params p = { .servers = servers, .nservers = 1, .timeout_ms = 300,
                                   .attempts = attempts, .retry_backoff_ms = 5 };
    struct dns_engine *e = NULL;
    char err[256];

    assert_int_equal(dns_engine_new(&p, &e, err, sizeof err), AUTH_OK);
    return e;
}

static void test_servfail_once_retried(void **state)
{
    const struct dns_result *r;

    dns_engine_free(eng);
    eng = engine_retrying(0);     /* one server: the retry goes to it again */
    r = ask("servfail-once", DNS_T_A);
    assert_one_a(r, "192.0.2.5");
    assert_int_equal(stats.queries_sent, 2);
    assert_int_equal(stats.retries, 1);
}

static void test_servfail_three_tries_counted(void **state)
{
    const struct dns_result *r = NULL;
    struct dns_engine *once;

    dns_engine_free(eng);
    eng = engine_retrying(0);
    r = ask("servfail-counted", DNS_T_A);
    assert_int_equal(dns_result_status(r), DNS_SERVFAIL);
    assert_int_equal(stats.queries_sent, 3);
    assert_int_equal(stats.retries, 2);
    /* the server's own count: its 4th query is the one that answers */
    once = engine_retrying(1);
    assert_int_equal(dns_query(once, "servfail-counted.hostile.test", DNS_T_A, &r), AUTH_OK);
    assert_one_a(r, "192.0.2.4");
    dns_engine_free(once);
}

static void test_silent(void **state)
{
    const struct dns_result *r = ask("silent", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_TIMEOUT);
    assert_int_equal(stats.timeouts, 2);
    assert_int_equal(stats.queries_sent, 2);
    assert_int_equal(dns_result_rcode(r), -1);
    assert_null(dns_result_server(r));
    assert_non_null(strstr(dns_result_why(r), "after 2 tries"));
    assert_true(dns_result_ms(r) >= 600);
}

static void test_other_source_port(void **state)
{
    /* the spoof (NXDOMAIN from another port) comes first and is ignored */
    assert_one_a(ask("other-port", DNS_T_A), "192.0.2.1");
}

static void test_formerr_drops_edns(void **state)
{
    assert_one_a(ask("formerr-edns", DNS_T_A), "192.0.2.1");
    assert_int_equal(stats.queries_sent, 2);
}

static void test_lost_first_datagram(void **state)
{
    assert_one_a(ask("drop-first", DNS_T_A), "192.0.2.1");
    assert_int_equal(stats.timeouts, 1);
}

static void test_ad_bit(void **state)
{
    const struct dns_result *r = ask("ad-bit", DNS_T_A);

    assert_one_a(r, "192.0.2.1");
    assert_true(dns_result_ad(r));
    assert_false(dns_result_ad(ask("wrong-id", DNS_T_A)));
}

static void test_names_lower_cased(void **state)
{
    const struct dns_result *r = ask("mixed-case", DNS_T_MX);

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_string_equal(dns_result_owner(r), "target.hostile.test");
    assert_string_equal(dns_result_rr(r, 0)->u.mx.host, "mail.hostile.test");
    assert_string_equal(dns_result_rr(r, 0)->text, "10 mail.hostile.test.");
}

static void test_cname_loop(void **state)
{
    const struct dns_result *r = ask("cname-loop", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_ERROR);
    assert_non_null(strstr(dns_result_why(r), "CNAME loop"));
}

static void test_all_at_once(void **state)
{
    static const char *const cases[] = {
        "wrong-id", "truncated", "tc-tcp", "servfail", "silent", "label-64",
    };
    static const enum dns_status want[] = {
        DNS_DATA, DNS_MALFORMED, DNS_DATA, DNS_SERVFAIL, DNS_TIMEOUT, DNS_MALFORMED,
    };
    struct dns_batch *b = dns_batch_new(eng);
    char name[128];

    for (size_t i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "%s.hostile.test", cases[i]);
        assert_int_equal(dns_batch_add(b, name, DNS_T_A), i);
    }
    assert_int_equal(dns_batch_wait(b), AUTH_OK);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(dns_result_status(dns_batch_result(b, i)), want[i]);
    dns_batch_free(b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_wrong_id_then_right), T(test_wrong_id_only), T(test_wrong_question),
        T(test_wrong_question_then_good), T(test_truncated), T(test_compression_loop),
        T(test_label_64), T(test_garbage_then_good), T(test_tc_then_tcp),
        T(test_tc_partial_then_tcp), T(test_tc_partial_tcp_dead),
        T(test_txt_64k_over_tcp), T(test_servfail), T(test_refused),
        T(test_servfail_next_server), T(test_servfail_once_retried),
        T(test_servfail_three_tries_counted), T(test_silent), T(test_other_source_port),
        T(test_formerr_drops_edns), T(test_lost_first_datagram), T(test_ad_bit),
        T(test_names_lower_cased), T(test_cname_loop), T(test_all_at_once),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
