/*
 * test_dns_answer.c - answer typing: dns_answer_parse() on wire messages
 * crafted with ldns (and by hand where ldns would refuse to build them).
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

struct msg {
    uint16_t id;
    const char *qname;          /* question section (NULL: none) */
    uint16_t qtype;
    ldns_pkt_rcode rcode;
    const char *an[40];         /* answer RRs, zone-file form */
    const char *ns[4];          /* authority RRs */
    bool tc, ad;
};

static uint8_t *build(const struct msg *m, size_t *len)
{
    ldns_pkt *p = ldns_pkt_new();
    uint8_t *wire = NULL;

    assert_non_null(p);
    ldns_pkt_set_id(p, m->id);
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_rd(p, true);
    ldns_pkt_set_tc(p, m->tc);
    ldns_pkt_set_ad(p, m->ad);
    ldns_pkt_set_rcode(p, (uint8_t)m->rcode);
    if (m->qname) {
        ldns_rr *q = ldns_rr_new();
        ldns_rdf *owner = NULL;
        assert_int_equal(ldns_str2rdf_dname(&owner, m->qname), LDNS_STATUS_OK);
        ldns_rr_set_owner(q, owner);
        ldns_rr_set_type(q, (ldns_rr_type)m->qtype);
        ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
        ldns_rr_set_question(q, true);
        ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
    }
    for (size_t i = 0; m->an[i]; i++) {
        ldns_rr *rr = NULL;
        assert_int_equal(ldns_rr_new_frm_str(&rr, m->an[i], 300, NULL, NULL), LDNS_STATUS_OK);
        ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
    }
    for (size_t i = 0; m->ns[i]; i++) {
        ldns_rr *rr = NULL;
        assert_int_equal(ldns_rr_new_frm_str(&rr, m->ns[i], 300, NULL, NULL), LDNS_STATUS_OK);
        ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr);
    }
    assert_int_equal(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
    ldns_pkt_free(p);
    return wire;
}

static struct dns_result *res;
static char follow[DNS_MAX_NAME + 2];

static int setup(void **state)
{
    res = dns_result_new("www.example.com", DNS_T_A);
    follow[0] = '\0';
    return res ? 0 : -1;
}

static int teardown(void **state)
{
    dns_result_free(res);
    return 0;
}

/* Parse m as the answer to (qname, qtype, id 0x1234). */
static enum dns_wire_verdict run(const struct msg *m, const char *qname,
                                 uint16_t qtype, unsigned max_cname)
{
    struct dns_wire_question q = { qname, qtype, 0x1234, max_cname };
    size_t len;
    uint8_t *wire = build(m, &len);
    enum dns_wire_verdict v;

    res->qtype = qtype;
    v = dns_answer_parse(wire, len, &q, res, follow, sizeof follow);
    free(wire);
    return v;
}

static void test_data(void **state)
{
    struct msg m = { 0x1234, "WWW.Example.COM.", DNS_T_A, LDNS_RCODE_NOERROR,
                     { "www.example.com. 60 IN A 192.0.2.1",
                       "www.example.com. 60 IN A 192.0.2.2",
                       "other.example.com. 60 IN A 192.0.2.99" }, {0}, false, true };

    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_DATA);
    assert_int_equal(dns_result_count(res), 2);   /* not the unrelated owner */
    assert_int_equal(dns_result_rr(res, 0)->ttl, 60);
    assert_int_equal(dns_result_rr(res, 1)->u.addr.b[3], 2);
    assert_string_equal(dns_result_rr(res, 0)->text, "192.0.2.1");
    assert_true(dns_result_ad(res));
    assert_int_equal(dns_result_rcode(res), 0);
}

static void test_nodata_nxdomain(void **state)
{
    struct msg m = { 0x1234, "www.example.com.", DNS_T_A, LDNS_RCODE_NOERROR, {0},
                     { "example.com. 60 IN SOA ns. host. 1 2 3 4 5" }, false, false };

    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_NODATA);
    m.rcode = LDNS_RCODE_NXDOMAIN;
    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_NXDOMAIN);
    assert_int_equal(dns_result_rcode(res), 3);
    /* NODATA without an SOA (as NSD sends) is still NODATA: no CNAME */
    m.rcode = LDNS_RCODE_NOERROR;
    m.ns[0] = NULL;
    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_NODATA);
}

static void test_rcodes(void **state)
{
    struct msg m = { 0x1234, "www.example.com.", DNS_T_A, LDNS_RCODE_SERVFAIL, {0}, {0},
                     false, false };

    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_SERVFAIL);
    m.rcode = LDNS_RCODE_REFUSED;
    run(&m, "www.example.com", DNS_T_A, 8);
    assert_int_equal(res->status, DNS_REFUSED);
    m.rcode = LDNS_RCODE_FORMERR;
    m.qname = NULL;               /* error answers may drop the question */
    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_ERROR);
    assert_int_equal(res->rcode, 1);
    assert_non_null(strstr(res->why, "FORMERR"));
    m.rcode = LDNS_RCODE_NOERROR; /* ...but an answer must have it */
    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_MALFORMED);
}

static void test_stray_and_mismatch(void **state)
{
    struct msg m = { 0x4321, "www.example.com.", DNS_T_A, LDNS_RCODE_NOERROR,
                     { "www.example.com. 60 IN A 192.0.2.1" }, {0}, false, false };
    struct dns_wire_question q = { "www.example.com", DNS_T_A, 0x1234, 8 };
    uint8_t shortmsg[11] = {0x12, 0x34, 0x80};

    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_STRAY);
    m.id = 0x1234;
    assert_int_equal(run(&m, "www.example.org", DNS_T_A, 8), DNS_WIRE_MALFORMED);
    assert_non_null(strstr(res->why, "question mismatch"));
    assert_int_equal(run(&m, "www.example.com", DNS_T_MX, 8), DNS_WIRE_MALFORMED);
    assert_int_equal(dns_answer_parse(shortmsg, sizeof shortmsg, &q, res, follow,
                                      sizeof follow), DNS_WIRE_STRAY);
}

static void test_truncated_flag(void **state)
{
    struct msg m = { 0x1234, "www.example.com.", DNS_T_A, LDNS_RCODE_NOERROR, {0}, {0},
                     true, false };

    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_TRUNCATED);
}

static void test_cname_chain(void **state)
{
    struct msg m = { 0x1234, "www.example.com.", DNS_T_A, LDNS_RCODE_NOERROR,
                     { "b.example.net. 60 IN A 192.0.2.7",
                       "www.example.com. 60 IN CNAME A.Example.NET.",
                       "a.example.net. 60 IN CNAME b.example.net." }, {0}, false, false };

    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_DATA);
    assert_int_equal(dns_result_cname_count(res), 2);
    assert_string_equal(dns_result_cname(res, 0), "a.example.net");
    assert_string_equal(dns_result_owner(res), "b.example.net");
    assert_int_equal(dns_result_count(res), 1);
}

static void test_cname_follow_and_nxdomain(void **state)
{
    struct msg m = { 0x1234, "www.example.com.", DNS_T_A, LDNS_RCODE_NOERROR,
                     { "www.example.com. 60 IN CNAME elsewhere.example.net." }, {0},
                     false, false };

    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_FOLLOW);
    assert_string_equal(follow, "elsewhere.example.net");
    assert_int_equal(dns_result_cname_count(res), 1);

    /* the re-query's answer: NXDOMAIN of the target, chain kept */
    {
        struct msg m2 = { 0x1234, "elsewhere.example.net.", DNS_T_A,
                          LDNS_RCODE_NXDOMAIN, {0}, {0}, false, false };
        assert_int_equal(run(&m2, "elsewhere.example.net", DNS_T_A, 8), DNS_WIRE_RESULT);
        assert_int_equal(res->status, DNS_NXDOMAIN);
        assert_string_equal(dns_result_owner(res), "elsewhere.example.net");
        assert_string_equal(dns_result_qname(res), "www.example.com");
    }
}

static void test_cname_then_soa_is_nodata(void **state)
{
    struct msg m = { 0x1234, "www.example.com.", DNS_T_A, LDNS_RCODE_NOERROR,
                     { "www.example.com. 60 IN CNAME x.example.com." },
                     { "example.com. 60 IN SOA ns. host. 1 2 3 4 5" }, false, false };

    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_NODATA);
    assert_string_equal(dns_result_owner(res), "x.example.com");

    m.rcode = LDNS_RCODE_NXDOMAIN;   /* RFC 6604: the RCODE is the target's */
    teardown(NULL);
    setup(NULL);
    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_NXDOMAIN);
    assert_string_equal(dns_result_owner(res), "x.example.com");
    assert_int_equal(dns_result_cname_count(res), 1);
}

static void test_cname_bound(void **state)
{
    struct msg m = { 0x1234, "www.example.com.", DNS_T_A, LDNS_RCODE_NOERROR, {0}, {0},
                     false, false };
    char rr[12][96];

    snprintf(rr[0], sizeof rr[0], "www.example.com. 60 IN CNAME c1.example.com.");
    for (int i = 1; i < 11; i++)
        snprintf(rr[i], sizeof rr[i], "c%d.example.com. 60 IN CNAME c%d.example.com.",
                 i, i + 1);
    snprintf(rr[11], sizeof rr[11], "c11.example.com. 60 IN A 192.0.2.1");
    for (int i = 0; i < 12; i++)
        m.an[i] = rr[i];
    /* 11 links: over 8 */
    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_ERROR);
    assert_non_null(strstr(res->why, "longer than 8"));
    /* within a bound of 11 it resolves */
    teardown(NULL);
    setup(NULL);
    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 11), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_DATA);
    assert_int_equal(dns_result_cname_count(res), 11);
    /* the hard bound holds whatever the caller asks */
    teardown(NULL);
    setup(NULL);
    run(&m, "www.example.com", DNS_T_A, 1000);
    assert_int_equal(res->status, DNS_DATA);
}

static void test_cname_loop(void **state)
{
    struct msg m = { 0x1234, "www.example.com.", DNS_T_A, LDNS_RCODE_NOERROR,
                     { "www.example.com. 60 IN CNAME a.example.com.",
                       "a.example.com. 60 IN CNAME b.example.com.",
                       "b.example.com. 60 IN CNAME WWW.example.com." }, {0}, false, false };

    assert_int_equal(run(&m, "www.example.com", DNS_T_A, 8), DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_ERROR);
    assert_non_null(strstr(res->why, "CNAME loop at www.example.com"));
}

static void test_txt_joining(void **state)
{
    struct msg m = { 0x1234, "www.example.com.", DNS_T_TXT, LDNS_RCODE_NOERROR,
                     { "www.example.com. 60 IN TXT \"v=spf1 \" \"a\\000b\" \"\" \" -all\"",
                       "www.example.com. 60 IN TXT \"second\"" }, {0}, false, false };
    const struct dns_rr *rr;

    assert_int_equal(run(&m, "www.example.com", DNS_T_TXT, 8), DNS_WIRE_RESULT);
    assert_int_equal(dns_result_count(res), 2);
    rr = dns_result_rr(res, 0);
    assert_int_equal(rr->u.txt.nstrings, 4);
    assert_int_equal(rr->u.txt.len, 7 + 3 + 0 + 5);
    assert_memory_equal(rr->u.txt.data, "v=spf1 a\0b -all", 15);
    assert_int_equal(rr->u.txt.data[15], '\0');
    assert_int_equal(rr->u.txt.string_len[1], 3);
    assert_int_equal(rr->u.txt.string_len[2], 0);
    assert_string_equal((const char *)dns_result_rr(res, 1)->u.txt.data, "second");
}

static void test_other_types(void **state)
{
    struct msg m = { 0x1234, "www.example.com.", DNS_T_MX, LDNS_RCODE_NOERROR,
                     { "www.example.com. 60 IN MX 10 MX.Example.COM.",
                       "www.example.com. 60 IN MX 0 ." }, {0}, false, false };

    run(&m, "www.example.com", DNS_T_MX, 8);
    assert_int_equal(dns_result_count(res), 2);
    assert_int_equal(dns_result_rr(res, 0)->u.mx.preference, 10);
    assert_string_equal(dns_result_rr(res, 0)->u.mx.host, "mx.example.com");
    assert_string_equal(dns_result_rr(res, 1)->u.mx.host, ".");

    {
        struct msg c = { 0x1234, "www.example.com.", DNS_T_CAA, LDNS_RCODE_NOERROR,
                         { "www.example.com. 60 IN CAA 0 issue \"ca.example\"" }, {0},
                         false, false };
        run(&c, "www.example.com", DNS_T_CAA, 8);
        assert_int_equal(res->status, DNS_DATA);
        assert_int_equal(dns_result_rr(res, 0)->u.raw.len, 2 + 5 + 10);
        assert_int_equal(dns_result_rr(res, 0)->u.raw.data[1], 5);
    }
}

/* Header + question for "a.example" A, then one answer RR whose owner is
 * given raw. */
static size_t raw_msg(uint8_t *buf, const uint8_t *owner, size_t olen)
{
    static const uint8_t head[] = {
        0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0,
        1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
    };
    static const uint8_t tail[] = { 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1 };
    size_t n = 0;

    memcpy(buf, head, sizeof head);
    n += sizeof head;
    memcpy(buf + n, owner, olen);
    n += olen;
    memcpy(buf + n, tail, sizeof tail);
    return n + sizeof tail;
}

static void test_hostile_wire(void **state)
{
    struct dns_wire_question q = { "a.example", DNS_T_A, 0x1234, 8 };
    uint8_t buf[200], label64[66] = { 64 };
    const uint8_t ok[] = { 0xc0, 12 };
    const uint8_t loop[] = { 0xc0, 27 };          /* points at itself */
    const uint8_t forward[] = { 0xc0, 60 };       /* past the end */
    size_t n;

    memset(label64 + 1, 'a', 64);
    n = raw_msg(buf, ok, sizeof ok);
    assert_int_equal(dns_answer_parse(buf, n, &q, res, follow, sizeof follow),
                     DNS_WIRE_RESULT);
    assert_int_equal(res->status, DNS_DATA);
    n = raw_msg(buf, loop, sizeof loop);
    assert_int_equal(dns_answer_parse(buf, n, &q, res, follow, sizeof follow),
                     DNS_WIRE_MALFORMED);
    n = raw_msg(buf, forward, sizeof forward);
    assert_int_equal(dns_answer_parse(buf, n, &q, res, follow, sizeof follow),
                     DNS_WIRE_MALFORMED);
    n = raw_msg(buf, label64, sizeof label64);
    assert_int_equal(dns_answer_parse(buf, n, &q, res, follow, sizeof follow),
                     DNS_WIRE_MALFORMED);
    /* cut anywhere: never a result, never a crash */
    n = raw_msg(buf, ok, sizeof ok);
    for (size_t cut = 12; cut < n; cut++)
        assert_int_equal(dns_answer_parse(buf, cut, &q, res, follow, sizeof follow),
                         DNS_WIRE_MALFORMED);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_data), T(test_nodata_nxdomain), T(test_rcodes), T(test_stray_and_mismatch),
        T(test_truncated_flag), T(test_cname_chain), T(test_cname_follow_and_nxdomain),
        T(test_cname_then_soa_is_nodata), T(test_cname_bound), T(test_cname_loop),
        T(test_txt_joining), T(test_other_types), T(test_hostile_wire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
