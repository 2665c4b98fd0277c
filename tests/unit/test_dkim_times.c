/*
 * test_dkim_times.c - DKIM x= (expiry), t= (signing time) and l= (body
 * length) at their boundaries, signed by mailctl's signer and checked by
 * its verifier with a fixed clock (dkim_verify_params.now): the last second
 * a signature is valid and the first it is not, the largest t= in the
 * future the clock skew allows and the smallest it does not, a body exactly
 * as long as l= and one octet shorter.  The key is an Ed25519 key made at
 * test time and handed to the verifier through the key store (no DNS).
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

#include "auth/dkim.h"
#include "auth/message.h"

#define T0 1700000000L
#define HDRS "From: Alice <alice@times.example>\r\nTo: bob@example.net\r\n" \
             "Subject: times\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n" \
             "Message-ID: <times@times.example>\r\n"
#define BODY "Hello Bob,\r\nthe first line is signed.\r\n"

static const struct { const char *selector, *tags; } flagged[] = {
    { "strict", "t=s" }, { "testing", "t=y" }, { "svc-email", "s=email" },
    { "svc-any", "s=*" }, { "svc-other", "s=other" }, { "hash-ok", "h=sha256" },
    { "hash-sha1", "h=sha1" },
};

static EVP_PKEY *key;
static struct dkim_keystore *ks;

static int setup(void **state)
{
    char err[200], *rec = NULL;

    (void)state;
    if (dkim_keygen(DKIM_KEY_ED25519, 0, &key, err, sizeof err) != AUTH_OK ||
        dkim_record_for_key(key, &rec, err, sizeof err) != AUTH_OK ||
        dkim_keystore_new(&ks) != AUTH_OK ||
        dkim_keystore_add(ks, "t1", "times.example", rec, strlen(rec)) != AUTH_OK)
        return -1;
    /* The same key under records with each flag of RFC 6376 3.6.1. */
    for (size_t i = 0; i < sizeof flagged / sizeof flagged[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "v=DKIM1; %s; %s", flagged[i].tags, rec + 9);
        if (dkim_keystore_add(ks, flagged[i].selector, "times.example", text,
                              strlen(text)) != AUTH_OK)
            return -1;
    }
    free(rec);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dkim_keystore_free(ks);
    EVP_PKEY_free(key);
    return 0;
}

/* The DKIM-Signature field for HDRS + body (malloc). */
static char *sign_as(const char *sel, const char *identity, const char *body, time_t t,
                     unsigned long expire, bool l)
{
    struct dkim_sign_params p = { .domain = "times.example", .selector = sel, .key = key,
                                  .identity = identity,
                                  .algorithm = -1, .header_canon = DKIM_CANON_RELAXED,
                                  .body_canon = DKIM_CANON_RELAXED, .timestamp = t,
                                  .expire_after = expire, .body_length = l, .crlf = true };
    struct msg_headers *h = NULL;
    struct dkim_sign *s = NULL;
    char err[200], *field = NULL;

    assert_int_equal(auth_msg_headers_parse(HDRS, strlen(HDRS), NULL, &h, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_sign_new(&p, h, &s, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_sign_body(s, body, strlen(body)), AUTH_OK);
    assert_int_equal(dkim_sign_final(s, &field, err, sizeof err), AUTH_OK);
    dkim_sign_free(s);
    auth_msg_headers_free(h);
    return field;
}

static char *sign(const char *body, time_t t, unsigned long expire, bool l)
{
    return sign_as("t1", NULL, body, t, expire, l);
}

struct verdict {
    enum dkim_result result;
    enum dkim_reason reason;
    char text[200];
    bool testing;
    long long timestamp, expiry;
};

/* Verify field + HDRS + blank line + body at clock now. */
static struct verdict verify(const char *field, const char *body, time_t now)
{
    struct dkim_verify_params p = { .now = now };
    size_t hlen = strlen(field) + strlen(HDRS);
    char *hdrs = malloc(hlen + 1), err[200];
    struct msg_headers *h = NULL;
    struct dkim_verify *v = NULL;
    const struct dkim_sig_result *r;
    struct verdict out = {0};

    snprintf(hdrs, hlen + 1, "%s%s", field, HDRS);
    assert_int_equal(auth_msg_headers_parse(hdrs, hlen, NULL, &h, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_verify_new(&p, h, &v), AUTH_OK);
    assert_int_equal(dkim_verify_body(v, body, strlen(body)), AUTH_OK);
    assert_int_equal(dkim_verify_final(v, ks), AUTH_OK);
    assert_int_equal(dkim_verify_count(v), 1);
    r = dkim_verify_result(v, 0);
    out.result = r->result;
    out.reason = r->reason;
    snprintf(out.text, sizeof out.text, "%s", r->reason_text ? r->reason_text : "");
    out.testing = r->testing;
    out.timestamp = r->timestamp;
    out.expiry = r->expiry;
    dkim_verify_free(v);
    auth_msg_headers_free(h);
    free(hdrs);
    return out;
}

static void expect(struct verdict v, enum dkim_result res, enum dkim_reason why,
                   const char *text)
{
    if (v.result != res || v.reason != why || (text && !strstr(v.text, text)))
        fail_msg("got %s (reason %d, '%s'), want %s (reason %d, '%s')",
                 dkim_result_name(v.result), v.reason, v.text, dkim_result_name(res), why,
                 text ? text : "");
}

/* x= = t + 600: valid through that second (RFC 6376 3.5: "past the
 * expiration date"), expired one second later, with the reason. */
static void expiry_boundary(void **state)
{
    char *f = sign(BODY, T0, 600, false);
    struct verdict v;

    (void)state;
    assert_non_null(strstr(f, " t=1700000000;"));
    assert_non_null(strstr(f, " x=1700000600;"));
    v = verify(f, BODY, T0);
    expect(v, DKIM_PASS, DKIM_R_NONE, NULL);
    assert_int_equal(v.timestamp, T0);
    assert_int_equal(v.expiry, T0 + 600);
    expect(verify(f, BODY, T0 + 600), DKIM_PASS, DKIM_R_NONE, NULL);
    expect(verify(f, BODY, T0 + 601), DKIM_FAIL, DKIM_R_EXPIRED, "expired (x=1700000600)");
    expect(verify(f, BODY, T0 + 86400 * 365), DKIM_FAIL, DKIM_R_EXPIRED, "expired");
    free(f);
    /* Without x= a signature never expires. */
    f = sign(BODY, T0, 0, false);
    assert_null(strstr(f, " x="));
    expect(verify(f, BODY, T0 + 86400L * 3650), DKIM_PASS, DKIM_R_NONE, NULL);
    free(f);
}

/* t= ahead of the verifier's clock: up to the 300 s default skew is
 * accepted, one second more is not. */
static void future_timestamp_boundary(void **state)
{
    char *f = sign(BODY, T0, 0, false);

    (void)state;
    expect(verify(f, BODY, T0 - 300), DKIM_PASS, DKIM_R_NONE, NULL);
    expect(verify(f, BODY, T0 - 301), DKIM_PERMERROR, DKIM_R_FUTURE, "future");
    free(f);
}

/* l= covers the body as signed: it passes; content appended after the
 * signed length still passes (that is what l= means); a change inside the
 * signed length fails; a body shorter than l= fails with its reason. */
static void body_length(void **state)
{
    const char *appended = BODY "Appended by someone else.\r\n";
    const char *changed = "Hello Bob,\r\nthe first line is Signed.\r\n";
    const char *shorter = "Hello Bob,\r\nthe first line is signed\r\n";
    char *f = sign(BODY, T0, 0, true), want[32];

    (void)state;
    snprintf(want, sizeof want, " l=%zu;", strlen(BODY));
    assert_non_null(strstr(f, want));
    expect(verify(f, BODY, T0), DKIM_PASS, DKIM_R_NONE, NULL);
    expect(verify(f, appended, T0), DKIM_PASS, DKIM_R_NONE, NULL);
    expect(verify(f, changed, T0), DKIM_FAIL, DKIM_R_BODY_HASH, "body hash");
    expect(verify(f, shorter, T0), DKIM_FAIL, DKIM_R_LENGTH, "longer than the body");
    free(f);
    /* Without l= the appended copy fails. */
    f = sign(BODY, T0, 0, false);
    assert_null(strstr(f, " l="));
    expect(verify(f, appended, T0), DKIM_FAIL, DKIM_R_BODY_HASH, "body hash");
    free(f);
}

/* The largest x= the verifier reads is 2^40: the signer writes it, the
 * verifier takes it; one second more is refused when signing (it would be a
 * signature that can never pass), and read as malformed when verifying. */
static void largest_expiry(void **state)
{
    const time_t t = (time_t)((1LL << 40) - 10);
    struct dkim_sign_params p = { .domain = "times.example", .selector = "t1", .key = key,
                                  .algorithm = -1, .timestamp = t, .expire_after = 11,
                                  .crlf = true };
    struct msg_headers *h = NULL;
    struct dkim_sign *s = NULL;
    char err[200], *f = sign(BODY, t, 10, false), *bad;

    (void)state;
    assert_non_null(strstr(f, " x=1099511627776;"));
    expect(verify(f, BODY, t), DKIM_PASS, DKIM_R_NONE, NULL);
    assert_int_equal(auth_msg_headers_parse(HDRS, strlen(HDRS), NULL, &h, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_sign_new(&p, h, &s, err, sizeof err), AUTH_EINVAL);
    assert_null(s);
    assert_non_null(strstr(err, "x="));
    auth_msg_headers_free(h);
    /* A hand-made x= one past the limit (and past t=) is malformed. */
    bad = strdup(f);
    memcpy(strstr(bad, " x=1099511627776;"), " x=1099511627777;", 17);
    expect(verify(bad, BODY, t), DKIM_PERMERROR, DKIM_R_SYNTAX, "bad x=");
    free(bad);
    free(f);
}

/* Key record flags: t=s allows an i= of d= itself but not of a subdomain;
 * t=y still passes and is reported; s= must include email (or *); h= must
 * allow the signature's hash. */
static void key_flags(void **state)
{
    static const struct { const char *sel, *identity; enum dkim_result res;
                          const char *why; } c[] = {
        { "strict", "a@times.example", DKIM_PASS, NULL },
        { "strict", "a@sub.times.example", DKIM_PERMERROR, "t=s" },
        { "strict", NULL, DKIM_PASS, NULL },
        { "svc-email", NULL, DKIM_PASS, NULL },
        { "svc-any", NULL, DKIM_PASS, NULL },
        { "svc-other", NULL, DKIM_PERMERROR, "s= excludes email" },
        { "hash-ok", NULL, DKIM_PASS, NULL },
        { "hash-sha1", NULL, DKIM_PERMERROR, "h= does not allow" },
        { "testing", NULL, DKIM_PASS, NULL },
    };

    (void)state;
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *f = sign_as(c[i].sel, c[i].identity, BODY, T0, 0, false);
        struct verdict v = verify(f, BODY, T0);
        if (v.result != c[i].res || (c[i].why && !strstr(v.text, c[i].why)))
            fail_msg("%s %s: %s '%s', want %s '%s'", c[i].sel,
                     c[i].identity ? c[i].identity : "(no i=)", dkim_result_name(v.result),
                     v.text, dkim_result_name(c[i].res), c[i].why ? c[i].why : "");
        assert_int_equal(v.testing, !strcmp(c[i].sel, "testing"));
        free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expiry_boundary),
        cmocka_unit_test(future_timestamp_boundary),
        cmocka_unit_test(body_length),
        cmocka_unit_test(largest_expiry),
        cmocka_unit_test(key_flags),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
