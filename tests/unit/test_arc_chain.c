/*
 * test_arc_chain.c - ARC (RFC 8617) in-process, keys given to the key store
 * directly: chains sealed by libauth verify (RSA and Ed25519, oldest-pass);
 * bad input is a fail with its reason, never a crash or a pass: more than
 * 50 sets, duplicate instances, a missing member, a cv= that does not
 * follow from the chain, an overlong field, garbage; a chain whose newest
 * seal says cv=fail is not sealed again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "auth/message.h"

#define DOMAIN "arc.example"

static EVP_PKEY *rsa, *ed;
static char *rsa_rec, *ed_rec;

static const char base_msg[] =
    "From: A <a@example.com>\r\nTo: b@example.net\r\nSubject: hello\r\n"
    "Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n"
    "\r\nHello  world \r\n\r\n";

static int setup(void **state)
{
    char err[128];

    (void)state;
    if (dkim_keygen(DKIM_KEY_RSA, 1024, &rsa, err, sizeof err) != AUTH_OK ||
        dkim_keygen(DKIM_KEY_ED25519, 0, &ed, err, sizeof err) != AUTH_OK ||
        dkim_record_for_key(rsa, &rsa_rec, err, sizeof err) != AUTH_OK ||
        dkim_record_for_key(ed, &ed_rec, err, sizeof err) != AUTH_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
    free(rsa_rec);
    free(ed_rec);
    return 0;
}

static struct dkim_keystore *keystore(void)
{
    struct dkim_keystore *ks;

    assert_int_equal(dkim_keystore_new(&ks), AUTH_OK);
    assert_int_equal(dkim_keystore_add(ks, "rsa", DOMAIN, rsa_rec, strlen(rsa_rec)), AUTH_OK);
    assert_int_equal(dkim_keystore_add(ks, "ed", DOMAIN, ed_rec, strlen(ed_rec)), AUTH_OK);
    return ks;
}

struct outcome {
    enum arc_result result;
    char reason[300];
    unsigned oldest_pass, sets;
};

static struct outcome verify(const char *msg)
{
    struct outcome o = { 0 };
    struct msg_headers *h = NULL;
    struct arc_verify *v = NULL;
    struct dkim_keystore *ks = keystore();
    size_t hl = strlen(msg), bo = hl;
    char err[128];

    if (auth_msg_header_end(msg, strlen(msg), &hl, &bo) != AUTH_OK)
        hl = bo = strlen(msg);
    assert_int_equal(auth_msg_headers_parse(msg, hl, NULL, &h, err, sizeof err), AUTH_OK);
    assert_int_equal(arc_verify_new(NULL, h, &v), AUTH_OK);
    assert_int_equal(arc_verify_body(v, msg + bo, strlen(msg) - bo), AUTH_OK);
    assert_int_equal(arc_verify_final(v, ks), AUTH_OK);
    o.result = arc_verify_result(v);
    snprintf(o.reason, sizeof o.reason, "%s", arc_verify_reason(v) ? arc_verify_reason(v) : "");
    o.oldest_pass = arc_verify_oldest_pass(v);
    o.sets = (unsigned)arc_verify_count(v);
    arc_verify_free(v);
    auth_msg_headers_free(h);
    dkim_keystore_free(ks);
    return o;
}

/* Seal msg as the next hop; returns the sealed message (malloc) or NULL
 * with *st set. */
static char *seal(const char *msg, const char *sel, enum arc_result cv, enum auth_status *st)
{
    struct arc_seal_params p = { .domain = DOMAIN, .selector = sel,
                                 .key = strcmp(sel, "ed") ? rsa : ed, .algorithm = -1,
                                 .timestamp = 1700000000, .cv = cv, .crlf = true,
                                 .results = "relay.example; spf=pass smtp.mailfrom=example.com" };
    struct msg_headers *h = NULL;
    struct arc_seal *s = NULL;
    size_t hl, bo;
    char err[160], *fields = NULL, *out = NULL;

    assert_int_equal(auth_msg_header_end(msg, strlen(msg), &hl, &bo), AUTH_OK);
    assert_int_equal(auth_msg_headers_parse(msg, hl, NULL, &h, err, sizeof err), AUTH_OK);
    *st = arc_seal_new(&p, h, &s, err, sizeof err);
    if (*st == AUTH_OK) {
        assert_int_equal(arc_seal_body(s, msg + bo, strlen(msg) - bo), AUTH_OK);
        assert_int_equal(arc_seal_final(s, &fields, err, sizeof err), AUTH_OK);
        out = malloc(strlen(fields) + strlen(msg) + 1);
        assert_non_null(out);
        strcpy(out, fields);
        strcat(out, msg);
    }
    free(fields);
    arc_seal_free(s);
    auth_msg_headers_free(h);
    return out;
}

static char *seal_ok(const char *msg, const char *sel, enum arc_result cv)
{
    enum auth_status st;
    char *out = seal(msg, sel, cv, &st);

    assert_int_equal(st, AUTH_OK);
    return out;
}

/* Replace the first occurrence of a by b (malloc). */
static char *replace(const char *s, const char *a, const char *b)
{
    const char *at = strstr(s, a);
    char *out;

    assert_non_null(at);
    out = malloc(strlen(s) - strlen(a) + strlen(b) + 1);
    assert_non_null(out);
    memcpy(out, s, (size_t)(at - s));
    strcpy(out + (at - s), b);
    strcat(out, at + strlen(a));
    return out;
}

static void test_none(void **state)
{
    (void)state;
    assert_int_equal(verify(base_msg).result, ARC_NONE);
    assert_int_equal(verify("").result, ARC_NONE);
}

static void test_three_hops(void **state)
{
    char *m1, *m2, *m3;
    struct outcome o;

    (void)state;
    m1 = seal_ok(base_msg, "rsa", ARC_NONE);
    o = verify(m1);
    assert_int_equal(o.result, ARC_PASS);
    assert_int_equal(o.oldest_pass, 1);
    m2 = seal_ok(m1, "ed", ARC_PASS);
    m3 = seal_ok(m2, "rsa", ARC_PASS);
    o = verify(m3);
    assert_int_equal(o.result, ARC_PASS);
    assert_int_equal(o.sets, 3);
    assert_int_equal(o.oldest_pass, 1);
    assert_non_null(strstr(m3, "ARC-Seal: a=rsa-sha256;"));
    assert_non_null(strstr(m3, "a=ed25519-sha256;"));
    free(m1);
    free(m2);
    free(m3);
}

/* A hop that changes the body breaks older AMSs: still pass, oldest-pass
 * moves up (RFC 8617 5.2 step 5). */
static void test_oldest_pass(void **state)
{
    char *m1 = seal_ok(base_msg, "rsa", ARC_NONE);
    char *changed = replace(m1, "Hello  world", "Hello edited world");
    char *m2 = seal_ok(changed, "rsa", ARC_PASS);
    struct outcome o = verify(m2);

    (void)state;
    assert_int_equal(o.result, ARC_PASS);
    assert_int_equal(o.oldest_pass, 2);
    free(m1);
    free(changed);
    free(m2);
}

static void test_tampered(void **state)
{
    char *m1 = seal_ok(base_msg, "rsa", ARC_NONE);
    char *body = replace(m1, "Hello  world", "Hello  World");
    char *subj = replace(m1, "Subject: hello", "Subject: jello");
    char *aar = replace(m1, "spf=pass", "spf=fail");
    struct outcome o;

    (void)state;
    o = verify(body);
    assert_int_equal(o.result, ARC_FAIL);
    assert_non_null(strstr(o.reason, "body hash"));
    o = verify(subj);
    assert_int_equal(o.result, ARC_FAIL);
    assert_non_null(strstr(o.reason, "ARC-Message-Signature i=1"));
    o = verify(aar);
    assert_int_equal(o.result, ARC_FAIL);
    assert_non_null(strstr(o.reason, "ARC-Seal i=1"));
    free(m1);
    free(body);
    free(subj);
    free(aar);
}

static void expect_fail(const char *msg, const char *why)
{
    struct outcome o = verify(msg);

    if (o.result != ARC_FAIL || !strstr(o.reason, why))
        fprintf(stderr, "got %d (%s), wanted fail with '%s'\n", o.result, o.reason, why);
    assert_int_equal(o.result, ARC_FAIL);
    assert_non_null(strstr(o.reason, why));
}

static void test_structure(void **state)
{
    char *m1 = seal_ok(base_msg, "rsa", ARC_NONE);
    char *m2 = seal_ok(m1, "rsa", ARC_PASS);
    const char *as1 = strstr(strstr(m2, "ARC-Seal:") + 1, "ARC-Seal:");
    const char *ams1 = strstr(strstr(m2, "ARC-Message-Signature:") + 1,
                              "ARC-Message-Signature:");
    size_t as1_len = (size_t)(strstr(as1, "ARC-Message-Signature:") - as1);
    char *dup, *missing, *cv;

    (void)state;
    /* the seal of i=1 twice */
    dup = malloc(strlen(m2) + as1_len + 1);
    memcpy(dup, as1, as1_len);
    strcpy(dup + as1_len, m2);
    expect_fail(dup, "more than one ARC-Seal");
    /* the AMS of i=1 gone */
    missing = strdup(m2);
    memmove(missing + (ams1 - m2), strstr(ams1, "ARC-Authentication-Results: i=1"),
            strlen(strstr(ams1, "ARC-Authentication-Results: i=1")) + 1);
    expect_fail(missing, "i=1 has no ARC-Message-Signature");
    /* cv= that does not follow from the chain */
    cv = replace(m1, "cv=none", "cv=pass");
    expect_fail(cv, "requires cv=none");
    free(cv);
    cv = replace(m2, "cv=pass", "cv=none");
    expect_fail(cv, "requires cv=pass");
    free(cv);
    free(dup);
    free(missing);
    free(m1);
    free(m2);
}

/* 51 sets, an instance of 0 and of 99, garbage, an overlong AAR. */
static void test_bad_input(void **state)
{
    size_t cap = 200000, n = 0;
    char *m = malloc(cap);
    static const char *const garbage[] = {
        "ARC-Seal: ;;;\r\n\r\nx\r\n",
        "ARC-Seal: i=0; a=rsa-sha256; cv=none; d=x; s=y; b=\r\n\r\nx\r\n",
        "ARC-Seal: i=99; a=rsa-sha256; cv=none; d=x; s=y; b=\r\n\r\nx\r\n",
        "ARC-Authentication-Results: i=1 x; spf=pass\r\n\r\nx\r\n",
        "ARC-Message-Signature: i=1; i=1\r\n\r\nx\r\n",
        "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=..; s=y; b=AAAA\r\n"
        "ARC-Message-Signature: i=1; a=rsa-sha256; d=x; s=y; h=from:arc-seal; bh=; b=\r\n"
        "ARC-Authentication-Results: i=1; x; spf=pass\r\n\r\nx\r\n",
    };

    (void)state;
    for (int i = 1; i <= 51; i++)
        n += (size_t)snprintf(m + n, cap - n,
                              "ARC-Seal: i=%d; a=rsa-sha256; cv=pass; d=" DOMAIN
                              "; s=rsa; b=AA==\r\n"
                              "ARC-Message-Signature: i=%d; a=rsa-sha256; d=" DOMAIN
                              "; s=rsa; h=from; bh=AA==; b=AA==\r\n"
                              "ARC-Authentication-Results: i=%d; x; spf=pass\r\n", i, i, i);
    snprintf(m + n, cap - n, "From: a@example.com\r\n\r\nbody\r\n");
    expect_fail(m, "ARC header fields");
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        assert_int_equal(verify(garbage[i]).result, ARC_FAIL);
    n = (size_t)snprintf(m, cap, "ARC-Authentication-Results: i=1; x; spf=pass reason=\"");
    memset(m + n, 'a', 40000);
    n += 40000;
    snprintf(m + n, cap - n, "\"\r\nFrom: a@example.com\r\n\r\nbody\r\n");
    expect_fail(m, "over the 32768 limit");
    free(m);
}

/* RFC 8617 5.1.2: nothing is added once the newest seal says cv=fail; a
 * chain sealed with cv=fail is fail (5.2 step 2). */
static void test_cv_fail(void **state)
{
    char *m1 = seal_ok(base_msg, "rsa", ARC_NONE);
    char *m2 = seal_ok(m1, "rsa", ARC_FAIL);
    enum auth_status st;

    (void)state;
    assert_non_null(strstr(m2, "cv=fail"));
    expect_fail(m2, "says cv=fail");
    assert_null(seal(m2, "rsa", ARC_PASS, &st));
    assert_int_equal(st, AUTH_EPERM);
    free(m1);
    free(m2);
}

/* The longest chain RFC 8617 allows validates; a 51st set is refused. */
static void test_fifty_sets(void **state)
{
    char *m = seal_ok(base_msg, "rsa", ARC_NONE), *next;
    enum auth_status st;
    struct outcome o;

    (void)state;
    for (int i = 2; i <= ARC_MAX_SETS; i++) {
        next = seal_ok(m, i % 2 ? "rsa" : "ed", ARC_PASS);
        free(m);
        m = next;
    }
    o = verify(m);
    assert_int_equal(o.result, ARC_PASS);
    assert_int_equal(o.sets, ARC_MAX_SETS);
    assert_int_equal(o.oldest_pass, 1);
    assert_null(seal(m, "rsa", ARC_PASS, &st));
    assert_int_equal(st, AUTH_EINVAL);
    free(m);
}

/* The sealer refuses what would make a chain no verifier accepts. */
static void test_seal_params(void **state)
{
    struct arc_seal_params p = { .domain = DOMAIN, .selector = "rsa", .key = rsa,
                                 .algorithm = DKIM_ED25519_SHA256, .results = "x; spf=pass",
                                 .crlf = true };
    struct msg_headers *h = NULL;
    struct arc_seal *s = NULL;
    size_t hl, bo;
    char err[160];

    (void)state;
    assert_int_equal(auth_msg_header_end(base_msg, strlen(base_msg), &hl, &bo), AUTH_OK);
    assert_int_equal(auth_msg_headers_parse(base_msg, hl, NULL, &h, err, sizeof err), AUTH_OK);
    assert_int_equal(arc_seal_new(&p, h, &s, err, sizeof err), AUTH_EINVAL);
    p.algorithm = -1;
    p.headers = "from:arc-seal";
    assert_int_equal(arc_seal_new(&p, h, &s, err, sizeof err), AUTH_EINVAL);
    assert_non_null(strstr(err, "ARC-Seal"));
    p.headers = NULL;
    p.results = "x; spf=pass\r\nInjected: header";
    assert_int_equal(arc_seal_new(&p, h, &s, err, sizeof err), AUTH_EINVAL);
    assert_null(s);
    auth_msg_headers_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_three_hops),
        cmocka_unit_test(test_oldest_pass),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_cv_fail),
        cmocka_unit_test(test_seal_params),
        cmocka_unit_test(test_fifty_sets),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
