/*
 * test_dns_engine.c - the DNS engine against a real NSD serving
 * testdata/zones/ (zone dnstest.example is this test's own).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "auth/dns.h"
#include "testenv.h"

static struct test_nsd nsd;

static int group_setup(void **state)
{
    return test_nsd_start(&nsd, NULL) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    test_nsd_stop(&nsd);
    return 0;
}

static struct dns_engine *engine(const char *spec, bool no_cache)
{
    const char *servers[] = { spec };
    struct dns_engine_params p = { .servers = servers, .nservers = 1,
                                   .timeout_ms = 1000, .attempts = 2,
                                   .no_cache = no_cache };
    struct dns_engine *eng = NULL;
    char err[256];

    assert_int_equal(dns_engine_new(&p, &eng, err, sizeof err), AUTH_OK);
    return eng;
}

static const struct dns_result *ask(struct dns_engine *eng, const char *name,
                                    uint16_t type)
{
    const struct dns_result *r = NULL;

    assert_int_equal(dns_query(eng, name, type, &r), AUTH_OK);
    assert_non_null(r);
    return r;
}

static void test_a_and_aaaa(void **state)
{
    struct dns_engine *eng = engine(nsd.spec, false);
    const struct dns_result *r = ask(eng, "host.dnstest.example", DNS_T_A);
    char buf[AUTH_IP_STRLEN];
    bool seen1 = false, seen2 = false;

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_int_equal(dns_result_count(r), 2);
    for (size_t i = 0; i < 2; i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        auth_ip_format(&rr->u.addr, buf, sizeof buf);
        seen1 |= strcmp(buf, "192.0.2.1") == 0;
        seen2 |= strcmp(buf, "192.0.2.2") == 0;
        assert_int_equal(rr->ttl, 300);
    }
    assert_true(seen1 && seen2);
    assert_string_equal(dns_result_server(r), nsd.spec);
    assert_int_equal(dns_result_rcode(r), 0);
    assert_false(dns_result_tcp(r));

    r = ask(eng, "HOST.dnstest.example.", DNS_T_AAAA);
    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_int_equal(dns_result_count(r), 1);
    assert_string_equal(auth_ip_format(&dns_result_rr(r, 0)->u.addr, buf, sizeof buf),
                        "2001:db8::1");
    assert_string_equal(dns_result_qname(r), "host.dnstest.example");
    dns_engine_free(eng);
}

static void test_over_ipv6(void **state)
{
    struct dns_engine *eng = engine(nsd.spec6, false);
    const struct dns_result *r = ask(eng, "host.dnstest.example", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_string_equal(dns_result_server(r), nsd.spec6);
    dns_engine_free(eng);
}

static void test_mx_lowercased(void **state)
{
    struct dns_engine *eng = engine(nsd.spec, false);
    const struct dns_result *r = ask(eng, "dnstest.example", DNS_T_MX);
    bool got10 = false, got20 = false;

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_int_equal(dns_result_count(r), 2);
    for (size_t i = 0; i < 2; i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        if (rr->u.mx.preference == 10) {
            assert_string_equal(rr->u.mx.host, "host.dnstest.example");
            got10 = true;
        } else {
            assert_int_equal(rr->u.mx.preference, 20);
            assert_string_equal(rr->u.mx.host, "mx2.dnstest.example");
            got20 = true;
        }
    }
    assert_true(got10 && got20);

    r = ask(eng, "nullmx.dnstest.example", DNS_T_MX);
    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_int_equal(dns_result_rr(r, 0)->u.mx.preference, 0);
    assert_string_equal(dns_result_rr(r, 0)->u.mx.host, ".");
    dns_engine_free(eng);
}

static void test_txt_joined(void **state)
{
    struct dns_engine *eng = engine(nsd.spec, false);
    const struct dns_result *r = ask(eng, "multi.dnstest.example", DNS_T_TXT);
    const struct dns_rr *rr;

    assert_int_equal(dns_result_status(r), DNS_DATA);
    rr = dns_result_rr(r, 0);
    assert_int_equal(rr->u.txt.nstrings, 3);
    assert_int_equal(rr->u.txt.string_len[0], 7);
    assert_string_equal((const char *)rr->u.txt.data, "v=spf1 ip4:192.0.2.1 -all");

    r = ask(eng, "nul.dnstest.example", DNS_T_TXT);
    rr = dns_result_rr(r, 0);
    assert_int_equal(rr->u.txt.len, 4);
    assert_memory_equal(rr->u.txt.data, "a\0bc", 4);
    assert_int_equal(rr->u.txt.data[4], 0);

    r = ask(eng, "empty.dnstest.example", DNS_T_TXT);
    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_int_equal(dns_result_rr(r, 0)->u.txt.len, 0);
    dns_engine_free(eng);
}

static void test_big_txt_over_tcp(void **state)
{
    struct dns_engine *eng = engine(nsd.spec, false);
    const struct dns_result *r = ask(eng, "big.dnstest.example", DNS_T_TXT);
    struct dns_stats st;

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_true(dns_result_tcp(r));
    assert_int_equal(dns_result_rr(r, 0)->u.txt.len, 2000);
    assert_int_equal(dns_result_rr(r, 0)->u.txt.nstrings, 8);
    assert_int_equal(dns_result_rr(r, 0)->u.txt.data[1999], 'h');
    dns_engine_stats(eng, &st);
    assert_int_equal(st.tcp_fallbacks, 1);
    dns_engine_free(eng);
}

static void test_nxdomain_nodata(void **state)
{
    struct dns_engine *eng = engine(nsd.spec, false);
    const struct dns_result *r = ask(eng, "missing.dnstest.example", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_NXDOMAIN);
    assert_int_equal(dns_result_rcode(r), 3);
    assert_int_equal(dns_result_count(r), 0);
    assert_non_null(strstr(dns_result_why(r), nsd.spec));

    r = ask(eng, "host.dnstest.example", DNS_T_TXT);
    assert_int_equal(dns_result_status(r), DNS_NODATA);
    assert_int_equal(dns_result_rcode(r), 0);
    assert_non_null(strstr(dns_result_why(r), "nodata"));
    dns_engine_free(eng);
}

static void test_cname(void **state)
{
    struct dns_engine *eng = engine(nsd.spec, false);
    const struct dns_result *r = ask(eng, "alias2.dnstest.example", DNS_T_A);

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_int_equal(dns_result_cname_count(r), 2);
    assert_string_equal(dns_result_cname(r, 0), "alias.dnstest.example");
    assert_string_equal(dns_result_cname(r, 1), "host.dnstest.example");
    assert_string_equal(dns_result_owner(r), "host.dnstest.example");
    assert_int_equal(dns_result_count(r), 2);

    /* target in another zone: the engine asks again for the target */
    r = ask(eng, "outside.dnstest.example", DNS_T_A);
    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_string_equal(dns_result_owner(r), "mail.good.example");
    assert_int_equal(dns_result_count(r), 1);

    /* target does not exist: NXDOMAIN of the target */
    r = ask(eng, "dangling.dnstest.example", DNS_T_A);
    assert_int_equal(dns_result_status(r), DNS_NXDOMAIN);
    assert_string_equal(dns_result_owner(r), "nothere.dnstest.example");

    r = ask(eng, "loop1.dnstest.example", DNS_T_A);
    assert_int_equal(dns_result_status(r), DNS_ERROR);
    assert_non_null(strstr(dns_result_why(r), "loop"));

    r = ask(eng, "chain0.dnstest.example", DNS_T_A);
    assert_int_equal(dns_result_status(r), DNS_ERROR);
    assert_non_null(strstr(dns_result_why(r), "longer than 8"));

    /* asking for the CNAME itself does not follow it */
    r = ask(eng, "alias.dnstest.example", DNS_T_CNAME);
    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_string_equal(dns_result_rr(r, 0)->u.name, "host.dnstest.example");
    assert_int_equal(dns_result_cname_count(r), 0);
    dns_engine_free(eng);
}

static void test_tlsa_and_ptr(void **state)
{
    struct dns_engine *eng = engine(nsd.spec, false);
    const struct dns_result *r = ask(eng, "_tlsa._tcp.host.dnstest.example", DNS_T_TLSA);

    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_int_equal(dns_result_rr(r, 0)->u.tlsa.usage, 3);
    assert_int_equal(dns_result_rr(r, 0)->u.tlsa.selector, 1);
    assert_int_equal(dns_result_rr(r, 0)->u.tlsa.mtype, 1);
    assert_int_equal(dns_result_rr(r, 0)->u.tlsa.len, 32);
    assert_int_equal(dns_result_rr(r, 0)->u.tlsa.data[0], 0x01);

    r = ask(eng, "10.2.0.192.in-addr.arpa", DNS_T_PTR);
    assert_int_equal(dns_result_status(r), DNS_DATA);
    assert_string_equal(dns_result_rr(r, 0)->u.name, "mail.good.example");
    assert_string_equal(dns_result_rr(r, 0)->text, "mail.good.example.");
    dns_engine_free(eng);
}

static void test_batch_and_cache(void **state)
{
    struct dns_engine *eng = engine(nsd.spec, false);
    struct dns_batch *b = dns_batch_new(eng);
    struct dns_stats st;
    size_t i1, i2, i3, i4;

    i1 = dns_batch_add(b, "host.dnstest.example", DNS_T_A);
    i2 = dns_batch_add(b, "mixed.dnstest.example", DNS_T_A);
    i3 = dns_batch_add(b, "good.example", DNS_T_MX);
    i4 = dns_batch_add(b, "bad..name", DNS_T_A);
    assert_int_equal(dns_batch_count(b), 4);
    assert_int_equal(dns_batch_wait(b), AUTH_OK);
    assert_int_equal(dns_result_status(dns_batch_result(b, i1)), DNS_DATA);
    assert_int_equal(dns_result_status(dns_batch_result(b, i2)), DNS_DATA);
    assert_int_equal(dns_result_status(dns_batch_result(b, i3)), DNS_DATA);
    assert_int_equal(dns_result_status(dns_batch_result(b, i4)), DNS_ERROR);
    assert_non_null(strstr(dns_result_why(dns_batch_result(b, i4)), "empty label"));
    dns_batch_free(b);

    dns_engine_stats(eng, &st);
    assert_int_equal(st.queries_sent, 3);
    assert_int_equal(st.cache_hits, 0);

    /* again, differently spelt: from the cache, same result object */
    {
        const struct dns_result *r = ask(eng, "HOST.dnstest.example.", DNS_T_A);
        assert_int_equal(dns_result_status(r), DNS_DATA);
        dns_engine_stats(eng, &st);
        assert_int_equal(st.cache_hits, 1);
        assert_int_equal(st.queries_sent, 3);
    }
    dns_engine_free(eng);
}

static void test_many_in_flight(void **state)
{
    struct dns_engine *eng = engine(nsd.spec, true);
    struct dns_batch *b = dns_batch_new(eng);
    char name[64];

    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof name, "n%d.dnstest.example", i);
        dns_batch_add(b, name, DNS_T_A);
    }
    dns_batch_add(b, "host.dnstest.example", DNS_T_A);
    assert_int_equal(dns_batch_wait(b), AUTH_OK);
    for (size_t i = 0; i < 500; i++)
        assert_int_equal(dns_result_status(dns_batch_result(b, i)), DNS_NXDOMAIN);
    assert_int_equal(dns_result_status(dns_batch_result(b, 500)), DNS_DATA);
    dns_batch_free(b);
    dns_engine_free(eng);
}

/* With only a few descriptors free, queries wait for sockets instead of
 * failing. */
static void test_few_descriptors(void **state)
{
    struct dns_engine *eng = engine(nsd.spec, true);
    struct dns_batch *b = dns_batch_new(eng);
    struct rlimit old, low;
    int top = dup(0);
    char name[64];

    assert_true(top >= 0);
    close(top);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)top + 4;      /* room for 4 sockets */
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "fd%d.dnstest.example", i);
        dns_batch_add(b, name, DNS_T_A);
    }
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    assert_int_equal(dns_batch_wait(b), AUTH_OK);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(dns_result_status(dns_batch_result(b, i)), DNS_NXDOMAIN);
    dns_batch_free(b);
    dns_engine_free(eng);
}

static void test_unreachable_server(void **state)
{
    char spec[64];
    struct dns_engine *eng;
    const struct dns_result *r;

    snprintf(spec, sizeof spec, "127.0.0.1:%d", test_free_port());
    eng = engine(spec, false);
    r = ask(eng, "host.dnstest.example", DNS_T_A);
    assert_int_equal(dns_result_status(r), DNS_TIMEOUT);
    assert_non_null(strstr(dns_result_why(r), spec));
    assert_true(dns_status_is_temporary(dns_result_status(r)));
    dns_engine_free(eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_and_aaaa),
        cmocka_unit_test(test_over_ipv6),
        cmocka_unit_test(test_mx_lowercased),
        cmocka_unit_test(test_txt_joined),
        cmocka_unit_test(test_big_txt_over_tcp),
        cmocka_unit_test(test_nxdomain_nodata),
        cmocka_unit_test(test_cname),
        cmocka_unit_test(test_tlsa_and_ptr),
        cmocka_unit_test(test_batch_and_cache),
        cmocka_unit_test(test_many_in_flight),
        cmocka_unit_test(test_few_descriptors),
        cmocka_unit_test(test_unreachable_server),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
