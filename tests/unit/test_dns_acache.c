/*
 * test_dns_acache.c - the run's shared answer cache and the --qps bucket,
 * on an injected clock (no sleeps, no server): TTLs from messages (RFC
 * 2308 for negative answers), expiry, LRU eviction by entries and bytes,
 * one fetcher per question, and the token bucket's pace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "dns/dns_internal.h"

static uint64_t fake_now;
static uint64_t fake_clock(void *ctx) { (void)ctx; return fake_now; }

/* A reply for name/type with rcode and the given records (zone-file form,
 * answer section first, then "AUTH " prefixed ones in authority). */
static uint8_t *reply(const char *name, ldns_rr_type type, ldns_pkt_rcode rcode,
                      const char *const *rrs, size_t *len)
{
    ldns_rdf *qname = NULL;
    ldns_pkt *pkt;
    uint8_t *wire = NULL;

    assert_int_equal(ldns_str2rdf_dname(&qname, name), LDNS_STATUS_OK);
    pkt = ldns_pkt_query_new(qname, type, LDNS_RR_CLASS_IN, LDNS_RD);
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_rcode(pkt, (uint8_t)rcode);
    for (size_t i = 0; rrs && rrs[i]; i++) {
        bool auth = !strncmp(rrs[i], "AUTH ", 5);
        ldns_rr *rr = NULL;
        assert_int_equal(ldns_rr_new_frm_str(&rr, rrs[i] + (auth ? 5 : 0), 0, NULL, NULL),
                         LDNS_STATUS_OK);
        ldns_pkt_push_rr(pkt, auth ? LDNS_SECTION_AUTHORITY : LDNS_SECTION_ANSWER, rr);
    }
    assert_int_equal(ldns_pkt2wire(&wire, pkt, len), LDNS_STATUS_OK);
    ldns_pkt_free(pkt);
    return wire;
}

static uint32_t ttl_of(const char *const *rrs, ldns_pkt_rcode rcode)
{
    size_t len;
    uint8_t *w = reply("x.example.", LDNS_RR_TYPE_A, rcode, rrs, &len);
    uint32_t ttl = dns_answer_ttl(w, len, 86400, 3600);

    free(w);
    return ttl;
}

static void test_ttls(void **state)
{
    (void)state;
    const char *pos[] = { "x.example. 300 IN A 192.0.2.1", "x.example. 120 IN A 192.0.2.2", NULL };
    const char *big[] = { "x.example. 999999 IN A 192.0.2.1", NULL };
    const char *zero[] = { "x.example. 0 IN A 192.0.2.1", NULL };
    /* RFC 2308 5: the smaller of the SOA's TTL (600) and MINIMUM (60) */
    const char *neg[] = { "AUTH example. 600 IN SOA ns.example. h.example. 1 7200 3600 1209600 60",
                          NULL };
    const char *neg_long[] = { "AUTH example. 99999 IN SOA ns. h. 1 2 3 4 99999", NULL };

    assert_int_equal(ttl_of(pos, LDNS_RCODE_NOERROR), 120);
    assert_int_equal(ttl_of(big, LDNS_RCODE_NOERROR), 86400);       /* capped */
    assert_int_equal(ttl_of(zero, LDNS_RCODE_NOERROR), 0);
    assert_int_equal(ttl_of(neg, LDNS_RCODE_NXDOMAIN), 60);
    assert_int_equal(ttl_of(neg, LDNS_RCODE_NOERROR), 60);          /* NODATA */
    assert_int_equal(ttl_of(neg_long, LDNS_RCODE_NXDOMAIN), 3600);  /* negative cap */
    assert_int_equal(ttl_of(NULL, LDNS_RCODE_NXDOMAIN), 0);         /* no SOA: not kept */
    assert_int_equal(ttl_of(pos, LDNS_RCODE_SERVFAIL), 0);
    assert_int_equal(ttl_of(neg, LDNS_RCODE_REFUSED), 0);
}

struct fixture {
    struct dns_answer_cache *c;
    struct dns_layer l;
};

static void open_cache(struct fixture *f, size_t entries, size_t bytes)
{
    struct dns_answer_cache_params p = { .max_entries = entries, .max_bytes = bytes,
                                         .clock = fake_clock };
    fake_now = 1000000;
    assert_int_equal(dns_answer_cache_new(&p, &f->c), AUTH_OK);
    f->l = dns_answer_cache_layer(f->c);
}

static enum dns_layer_verdict ask(struct fixture *f, const char *name, uint32_t key,
                                  struct dns_layer_answer *a)
{
    memset(a, 0, sizeof *a);
    return f->l.ops->ask(f->l.self, name, key, a);
}

/* Claim name A, then hear an answer with the given TTL. */
static void fill(struct fixture *f, const char *name, unsigned ttl)
{
    struct dns_layer_answer a;
    char rr[300];
    const char *rrs[] = { rr, NULL };
    size_t len;
    uint8_t *w;

    snprintf(rr, sizeof rr, "%s. %u IN A 192.0.2.7", name, ttl);
    w = reply(name, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, &len);
    assert_int_equal(ask(f, name, DNS_T_A, &a), DNS_LAYER_CLAIM);
    f->l.ops->heard(f->l.self, name, DNS_T_A, DNS_DATA, w, len, false, NULL);
    free(w);
}

static void test_hit_wait_and_expiry(void **state)
{
    struct fixture f;
    struct dns_layer_answer a;
    struct dns_answer_cache_stats st;
    (void)state;

    open_cache(&f, 0, 0);
    /* one asker claims; a second asker of the same question waits */
    assert_int_equal(ask(&f, "mx.example", DNS_T_A, &a), DNS_LAYER_CLAIM);
    assert_int_equal(ask(&f, "mx.example", DNS_T_A, &a), DNS_LAYER_WAIT);
    assert_int_equal(ask(&f, "mx.example", DNS_T_AAAA, &a), DNS_LAYER_CLAIM);
    /* a failure ends the claim without keeping anything: asked again */
    f.l.ops->heard(f.l.self, "mx.example", DNS_T_AAAA, DNS_SERVFAIL, NULL, 0, false, "x");
    assert_int_equal(ask(&f, "mx.example", DNS_T_AAAA, &a), DNS_LAYER_CLAIM);
    f.l.ops->heard(f.l.self, "mx.example", DNS_T_AAAA, DNS_TIMEOUT, NULL, 0, false, "x");
    /* the answer (TTL 30) is kept and served, as the same message */
    f.l.ops->heard(f.l.self, "mx.example", DNS_T_A, DNS_DATA, NULL, 0, false, NULL);
    fill(&f, "mx.example", 30);
    assert_int_equal(ask(&f, "mx.example", DNS_T_A, &a), DNS_LAYER_ANSWER);
    assert_int_equal(a.status, DNS_DATA);
    assert_true(a.len > 12);
    free(a.wire);
    /* the CD=1 question is another question */
    assert_int_equal(ask(&f, "mx.example", DNS_T_A | DNS_KEY_CD, &a), DNS_LAYER_CLAIM);
    /* 29.9 s later still there; at 30 s expired and asked again */
    fake_now += 29900000;
    assert_int_equal(ask(&f, "mx.example", DNS_T_A, &a), DNS_LAYER_ANSWER);
    free(a.wire);
    fake_now += 100000;
    assert_int_equal(ask(&f, "mx.example", DNS_T_A, &a), DNS_LAYER_CLAIM);
    dns_answer_cache_stats(f.c, &st);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.expired, 1);
    assert_int_equal(st.waits, 1);
    assert_int_equal(st.entries, 0);
    dns_answer_cache_free(f.c);
}

static void test_lru_eviction_by_entries(void **state)
{
    struct fixture f;
    struct dns_layer_answer a;
    struct dns_answer_cache_stats st;
    (void)state;

    open_cache(&f, 3, 0);
    fill(&f, "a.example", 300);
    fill(&f, "b.example", 300);
    fill(&f, "c.example", 300);
    assert_int_equal(ask(&f, "a.example", DNS_T_A, &a), DNS_LAYER_ANSWER);  /* a is recent */
    free(a.wire);
    fill(&f, "d.example", 300);                        /* b, least recently used, goes */
    dns_answer_cache_stats(f.c, &st);
    assert_int_equal(st.entries, 3);
    assert_int_equal(st.evictions, 1);
    assert_int_equal(ask(&f, "a.example", DNS_T_A, &a), DNS_LAYER_ANSWER);
    free(a.wire);
    assert_int_equal(ask(&f, "c.example", DNS_T_A, &a), DNS_LAYER_ANSWER);
    free(a.wire);
    assert_int_equal(ask(&f, "d.example", DNS_T_A, &a), DNS_LAYER_ANSWER);
    free(a.wire);
    assert_int_equal(ask(&f, "b.example", DNS_T_A, &a), DNS_LAYER_CLAIM);
    dns_answer_cache_free(f.c);
}

static void test_eviction_by_bytes(void **state)
{
    struct fixture f;
    struct dns_answer_cache_stats st;
    char name[64];
    (void)state;

    open_cache(&f, 1000, 2000);
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "host%d.example", i);
        fill(&f, name, 300);
        dns_answer_cache_stats(f.c, &st);
        assert_true(st.bytes <= 2000);
    }
    assert_true(st.evictions > 0);
    assert_int_equal(st.entries + st.evictions, 50);
    dns_answer_cache_free(f.c);
}

/* Entries share hash chains (64 buckets, 300 names): an expired entry
 * asked again is replaced in its chain without losing the entries after it
 * (the LRU then still finds every entry it evicts). */
static void test_chains_survive_expiry(void **state)
{
    struct fixture f;
    struct dns_layer_answer a;
    struct dns_answer_cache_stats st;
    char name[64];
    (void)state;

    open_cache(&f, 250, 0);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "h%d.example", i);
        fill(&f, name, i % 2 ? 3600 : 10);
    }
    fake_now += 11 * 1000000ull;
    for (int i = 0; i < 300; i += 2) {                 /* expired: claimed again */
        snprintf(name, sizeof name, "h%d.example", i);
        enum dns_layer_verdict v = ask(&f, name, DNS_T_A, &a);
        assert_true(v == DNS_LAYER_CLAIM);
        f.l.ops->heard(f.l.self, name, DNS_T_A, DNS_SERVFAIL, NULL, 0, false, "x");
    }
    dns_answer_cache_stats(f.c, &st);
    for (int i = 299; i >= 0; i -= 2) {                /* kept ones still found */
        snprintf(name, sizeof name, "h%d.example", i);
        enum dns_layer_verdict v = ask(&f, name, DNS_T_A, &a);
        if (v == DNS_LAYER_ANSWER)
            free(a.wire);
        else
            f.l.ops->heard(f.l.self, name, DNS_T_A, DNS_SERVFAIL, NULL, 0, false, "x");
        assert_true(v == DNS_LAYER_ANSWER || i < 100);   /* the first 50 were evicted */
    }
    for (int i = 0; i < 400; i++) {                    /* evict everything: no crash */
        snprintf(name, sizeof name, "n%d.example", i);
        fill(&f, name, 3600);
    }
    dns_answer_cache_stats(f.c, &st);
    assert_int_equal(st.entries, 250);
    dns_answer_cache_free(f.c);
}

static void test_rate_bucket(void **state)
{
    struct dns_rate *r;
    unsigned long granted = 0, g, refused;
    (void)state;

    fake_now = 5000000;
    r = dns_rate_new(100, fake_clock, NULL);       /* 10 ms a token, 2 in the bucket */
    assert_non_null(r);
    assert_int_equal(dns_rate_take(r), 0);
    assert_int_equal(dns_rate_take(r), 0);
    assert_int_equal(dns_rate_take(r), 10000);      /* empty: 10 ms to the next */
    fake_now += 4000;
    assert_int_equal(dns_rate_take(r), 6000);
    fake_now += 6000;
    assert_int_equal(dns_rate_take(r), 0);
    dns_rate_free(r);

    /* over one simulated second of asking every 100 us, 1000 qps lets
     * through at most 1000 + the bucket (20) */
    fake_now = 0;
    r = dns_rate_new(1000, fake_clock, NULL);
    for (int i = 0; i < 10000; i++, fake_now += 100)
        granted += dns_rate_take(r) == 0;
    assert_true(granted >= 1000 && granted <= 1021);
    dns_rate_counts(r, &g, &refused);
    assert_int_equal(g, granted);
    assert_int_equal(refused, 10000 - granted);
    dns_rate_free(r);
    assert_null(dns_rate_new(0, NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ttls),
        cmocka_unit_test(test_hit_wait_and_expiry),
        cmocka_unit_test(test_lru_eviction_by_entries),
        cmocka_unit_test(test_eviction_by_bytes),
        cmocka_unit_test(test_chains_survive_expiry),
        cmocka_unit_test(test_rate_bucket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
