/*
 * test_dkim_verify_errors.c - an internal or resource failure while
 * verifying is temperror, never fail or permerror (RFC 6376 6.1.2: a key
 * that cannot be had for a reason other than its absence is temporary).
 *
 * A message is signed with a fresh Ed25519 key, then verified while one
 * thing goes wrong at a time: the body digest fails (OpenSSL's
 * EVP_DigestFinal_ex is interposed below and fails on request), the key
 * fetch reports out of memory, the key store is full.  Also the checks of
 * l= (unsigned_body_bytes) and of s= that cannot be a DNS name.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "auth/dkim.h"
#include "auth/message.h"
#include "dkim/dkim_int.h"

/* Fails EVP_DigestFinal_ex while set; otherwise calls OpenSSL's. */
static bool fail_final;

int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s)
{
    static int (*real)(EVP_MD_CTX *, unsigned char *, unsigned int *);

    if (fail_final)
        return 0;
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "EVP_DigestFinal_ex");
    return real(ctx, md, s);
}

static const char body[] = "Hello,\r\n\r\nthe body.\r\n";

struct signed_msg {
    EVP_PKEY *key;
    char *record;
    char *text;          /* signature field + message */
    size_t len;
    size_t body_off;
};

static void sign_message(struct signed_msg *m, const char *selector, bool with_l)
{
    static const char hdr[] = "From: a@example.com\r\nTo: b@example.net\r\n"
                              "Subject: test\r\n\r\n";
    struct msg_headers *h;
    struct dkim_sign *s;
    struct dkim_sign_params p = {
        .domain = "example.com", .selector = selector, .algorithm = -1,
        .header_canon = DKIM_CANON_RELAXED, .body_canon = DKIM_CANON_RELAXED,
        .crlf = true, .body_length = with_l,
    };
    char err[200], *field;

    assert_int_equal(dkim_keygen(DKIM_KEY_ED25519, 0, &m->key, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_record_for_key(m->key, &m->record, err, sizeof err), AUTH_OK);
    p.key = m->key;
    assert_int_equal(auth_msg_headers_parse(hdr, sizeof hdr - 3, NULL, &h, err, sizeof err),
                     AUTH_OK);
    assert_int_equal(dkim_sign_new(&p, h, &s, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_sign_body(s, body, sizeof body - 1), AUTH_OK);
    assert_int_equal(dkim_sign_final(s, &field, err, sizeof err), AUTH_OK);
    m->len = strlen(field) + sizeof hdr - 1 + sizeof body - 1;
    m->text = malloc(m->len + 1);
    assert_non_null(m->text);
    snprintf(m->text, m->len + 1, "%s%s%s", field, hdr, body);
    m->body_off = m->len - (sizeof body - 1);
    free(field);
    dkim_sign_free(s);
    auth_msg_headers_free(h);
}

static void free_message(struct signed_msg *m)
{
    EVP_PKEY_free(m->key);
    free(m->record);
    free(m->text);
}

/* Verify text[0..len) (body from body_off) against ks; the first result. */
static enum dkim_result verify(const char *text, size_t len, size_t body_off,
                               struct dkim_keystore *ks, char *why, size_t whylen,
                               uint64_t *unsigned_bytes)
{
    struct msg_headers *h;
    struct dkim_verify *v;
    const struct dkim_sig_result *r;
    enum dkim_result res;
    char err[200];

    size_t hdr_len, off;

    assert_int_equal(auth_msg_header_end(text, len, &hdr_len, &off), AUTH_OK);
    assert_int_equal(off, body_off);
    assert_int_equal(auth_msg_headers_parse(text, hdr_len, NULL, &h, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_verify_new(NULL, h, &v), AUTH_OK);
    assert_int_equal(dkim_verify_body(v, text + body_off, len - body_off), AUTH_OK);
    assert_int_equal(dkim_verify_final(v, ks), AUTH_OK);
    fail_final = false;
    assert_int_equal(dkim_verify_count(v), 1);
    r = dkim_verify_result(v, 0);
    res = r->result;
    snprintf(why, whylen, "%s", r->reason_text ? r->reason_text : "");
    if (unsigned_bytes)
        *unsigned_bytes = r->unsigned_body_bytes;
    dkim_verify_free(v);
    auth_msg_headers_free(h);
    return res;
}

static struct dkim_keystore *store_with(const struct signed_msg *m, const char *selector)
{
    struct dkim_keystore *ks;

    assert_int_equal(dkim_keystore_new(&ks), AUTH_OK);
    assert_int_equal(dkim_keystore_add(ks, selector, "example.com", m->record,
                                       strlen(m->record)), AUTH_OK);
    return ks;
}

static void test_pass_baseline(void **state)
{
    struct signed_msg m;
    struct dkim_keystore *ks;
    char why[300];

    sign_message(&m, "sel", false);
    ks = store_with(&m, "sel");
    assert_int_equal(verify(m.text, m.len, m.body_off, ks, why, sizeof why, NULL), DKIM_PASS);
    dkim_keystore_free(ks);
    free_message(&m);
}

static void test_body_digest_failure_is_temperror(void **state)
{
    struct signed_msg m;
    struct dkim_keystore *ks;
    char why[300];

    sign_message(&m, "sel", false);
    ks = store_with(&m, "sel");
    fail_final = true;      /* the body hash is the first digest finished */
    assert_int_equal(verify(m.text, m.len, m.body_off, ks, why, sizeof why, NULL),
                     DKIM_TEMPERROR);
    assert_non_null(strstr(why, "body hash could not be computed"));
    dkim_keystore_free(ks);
    free_message(&m);
}

/* A fetch hook that answers every name with the given status. */
static enum auth_status hook_status;
static size_t hook_calls;

static void fetch_hook(void *ctx, const char *const *names, size_t n,
                       struct dkim_keystore_entry_result *res)
{
    const char *record = ctx;

    hook_calls++;
    for (size_t i = 0; i < n; i++) {
        res[i].st = hook_status;
        if (hook_status == AUTH_OK) {
            res[i].txt = strdup(record);
            res[i].len = strlen(record);
        } else {
            snprintf(res[i].why, sizeof res[i].why, "%s", auth_strerror(hook_status));
        }
    }
}

static void test_fetch_resource_error_is_temperror(void **state)
{
    struct signed_msg m;
    struct dkim_keystore *ks;
    char why[300];

    sign_message(&m, "sel", false);
    assert_int_equal(dkim_keystore_new(&ks), AUTH_OK);
    dkim_keystore_set_fetch(ks, fetch_hook, m.record);
    hook_status = AUTH_ENOMEM;
    assert_int_equal(verify(m.text, m.len, m.body_off, ks, why, sizeof why, NULL),
                     DKIM_TEMPERROR);
    dkim_keystore_free(ks);

    /* the same hook answering a definite "no record" stays permerror */
    assert_int_equal(dkim_keystore_new(&ks), AUTH_OK);
    dkim_keystore_set_fetch(ks, fetch_hook, m.record);
    hook_status = AUTH_ENOTFOUND;
    assert_int_equal(verify(m.text, m.len, m.body_off, ks, why, sizeof why, NULL),
                     DKIM_PERMERROR);
    dkim_keystore_free(ks);
    free_message(&m);
}

static void test_full_store_is_temperror(void **state)
{
    struct signed_msg m;
    struct dkim_keystore *ks;
    char why[300], sel[32];
    size_t i;

    sign_message(&m, "sel", false);
    assert_int_equal(dkim_keystore_new(&ks), AUTH_OK);
    for (i = 0;; i++) {             /* fill the store to its bound */
        snprintf(sel, sizeof sel, "k%zu", i);
        if (dkim_keystore_add(ks, sel, "example.org", "v=DKIM1; p=", 11) != AUTH_OK)
            break;
        assert_true(i < 100000);
    }
    dkim_keystore_set_fetch(ks, fetch_hook, m.record);
    hook_status = AUTH_OK;
    hook_calls = 0;
    assert_int_equal(verify(m.text, m.len, m.body_off, ks, why, sizeof why, NULL),
                     DKIM_TEMPERROR);
    assert_int_equal(hook_calls, 1);     /* the key was fetched, not stored */
    dkim_keystore_free(ks);
    free_message(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_baseline),
        cmocka_unit_test(test_body_digest_failure_is_temperror),
        cmocka_unit_test(test_fetch_resource_error_is_temperror),
        cmocka_unit_test(test_full_store_is_temperror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
