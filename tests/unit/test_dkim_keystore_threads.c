/*
 * test_dkim_keystore_threads.c - one key store shared by verifications on
 * several threads (as `mailctl dkim verify FILE...` does): every message
 * passes, each key name is fetched once and each record text parsed once
 * (two selectors publishing the same record share one parsed key), and a
 * tampered message still fails on every thread.  RSA keys, so that the
 * per-key pool of OpenSSL verify contexts is used from all threads.
 */
#include <pthread.h>
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

#define THREADS 4
#define ROUNDS 40

static const char hdr[] = "From: a@example.com\r\nTo: b@example.net\r\nSubject: test\r\n\r\n";
static const char body[] = "Hello,\r\n\r\nthe body.\r\n";

/* A message signed by key with selector sel: signature field + message. */
static char *signed_text(EVP_PKEY *key, const char *sel, const char *msg_body)
{
    struct msg_headers *h;
    struct dkim_sign *s;
    struct dkim_sign_params p = {
        .domain = "example.com", .selector = sel, .key = key, .algorithm = -1,
        .header_canon = DKIM_CANON_RELAXED, .body_canon = DKIM_CANON_RELAXED, .crlf = true,
    };
    char err[200], *field, *text;
    size_t n;

    assert_int_equal(auth_msg_headers_parse(hdr, sizeof hdr - 3, NULL, &h, err, sizeof err),
                     AUTH_OK);
    assert_int_equal(dkim_sign_new(&p, h, &s, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_sign_body(s, body, sizeof body - 1), AUTH_OK);
    assert_int_equal(dkim_sign_final(s, &field, err, sizeof err), AUTH_OK);
    n = strlen(field) + strlen(hdr) + strlen(msg_body) + 1;
    text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "%s%s%s", field, hdr, msg_body);
    free(field);
    dkim_sign_free(s);
    auth_msg_headers_free(h);
    return text;
}

static enum dkim_result verify_text(const char *text, struct dkim_keystore *ks)
{
    size_t len = strlen(text), hl, bo;
    struct msg_headers *h;
    struct dkim_verify *v;
    enum dkim_result r;

    if (auth_msg_header_end(text, len, &hl, &bo) != AUTH_OK ||
        auth_msg_headers_parse(text, hl, NULL, &h, NULL, 0) != AUTH_OK)
        return DKIM_NONE;
    if (dkim_verify_new(NULL, h, &v) != AUTH_OK) {
        auth_msg_headers_free(h);
        return DKIM_NONE;
    }
    r = dkim_verify_body(v, text + bo, len - bo) == AUTH_OK &&
        dkim_verify_final(v, ks) == AUTH_OK ? dkim_verify_overall(v) : DKIM_NONE;
    dkim_verify_free(v);
    auth_msg_headers_free(h);
    return r;
}

/* The fetch hook: every name answers with the record (ctx); counts the
 * names asked.  Called under the store's lock, so the counter needs none. */
static size_t names_fetched;

static void fetch_hook(void *ctx, const char *const *names, size_t n,
                       struct dkim_keystore_entry_result *res)
{
    const char *record = ctx;

    names_fetched += n;
    for (size_t i = 0; i < n; i++) {
        res[i].st = AUTH_OK;
        res[i].txt = strdup(record);
        res[i].len = strlen(record);
    }
}

struct job {
    struct dkim_keystore *ks;
    const char *good[2], *bad;
    int passes, fails, others;
};

static void *run(void *arg)
{
    struct job *j = arg;

    for (int r = 0; r < ROUNDS; r++) {
        enum dkim_result a = verify_text(j->good[r % 2], j->ks);
        enum dkim_result b = verify_text(j->bad, j->ks);
        j->passes += a == DKIM_PASS;
        j->fails += b == DKIM_FAIL;
        j->others += (a != DKIM_PASS) + (b != DKIM_FAIL);
    }
    return NULL;
}

static void test_shared_store_on_threads(void **state)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    char *record, err[200];
    struct dkim_keystore *ks;
    struct job jobs[THREADS];
    pthread_t th[THREADS];
    const struct dkim_key *k1, *k2;
    const char *why;
    char *good1, *good2, *bad;

    assert_non_null(key);
    assert_int_equal(dkim_record_for_key(key, &record, err, sizeof err), AUTH_OK);
    good1 = signed_text(key, "s1", body);
    good2 = signed_text(key, "s2", body);          /* same key under another name */
    bad = signed_text(key, "s1", "Hello,\r\n\r\nanother body.\r\n");
    assert_int_equal(dkim_keystore_new(&ks), AUTH_OK);
    dkim_keystore_set_fetch(ks, fetch_hook, record);
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct job){ .ks = ks, .good = { good1, good2 }, .bad = bad };
        assert_int_equal(pthread_create(&th[i], NULL, run, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].passes, ROUNDS);
        assert_int_equal(jobs[i].fails, ROUNDS);
        assert_int_equal(jobs[i].others, 0);
    }
    assert_int_equal(names_fetched, 2);            /* s1 and s2, once each */
    assert_int_equal(dkim_keystore_get(ks, "s1._domainkey.example.com", &k1, &why), AUTH_OK);
    assert_int_equal(dkim_keystore_get(ks, "s2._domainkey.example.com", &k2, &why), AUTH_OK);
    assert_ptr_equal(k1, k2);                      /* one parse for one record text */
    dkim_keystore_free(ks);
    free(good1);
    free(good2);
    free(bad);
    free(record);
    EVP_PKEY_free(key);
}

/* Giving a name a new record replaces its key; the other name keeps the
 * shared one, still valid. */
static void test_add_replaces_only_that_name(void **state)
{
    static const char rec_a[] = "v=DKIM1; k=ed25519; p=lZeF7skq53g51/5qykurEndA7T5C5DLv3ybgNmi7muc=";
    static const char rec_b[] = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    struct dkim_keystore *ks;
    const struct dkim_key *a1, *a2, *b;
    const char *why;

    assert_int_equal(dkim_keystore_new(&ks), AUTH_OK);
    assert_int_equal(dkim_keystore_add(ks, "s1", "example.com", rec_a, strlen(rec_a)), AUTH_OK);
    assert_int_equal(dkim_keystore_add(ks, "s2", "example.com", rec_a, strlen(rec_a)), AUTH_OK);
    assert_int_equal(dkim_keystore_get(ks, "s1._domainkey.example.com", &a1, &why), AUTH_OK);
    assert_int_equal(dkim_keystore_get(ks, "s2._domainkey.example.com", &a2, &why), AUTH_OK);
    assert_ptr_equal(a1, a2);
    assert_int_equal(dkim_keystore_add(ks, "s1", "example.com", rec_b, strlen(rec_b)), AUTH_OK);
    assert_int_equal(dkim_keystore_get(ks, "s1._domainkey.example.com", &b, &why), AUTH_OK);
    assert_int_equal(dkim_keystore_get(ks, "s2._domainkey.example.com", &a2, &why), AUTH_OK);
    assert_ptr_not_equal(b, a2);
    assert_int_equal(dkim_key_bits(a2), 256);
    assert_int_equal(dkim_keystore_add(ks, "s2", "example.com", "v=DKIM1; p=!!", 13), AUTH_OK);
    assert_int_equal(dkim_keystore_get(ks, "s2._domainkey.example.com", &a2, &why), AUTH_EPARSE);
    assert_non_null(strstr(why, "base64"));
    dkim_keystore_free(ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_store_on_threads),
        cmocka_unit_test(test_add_replaces_only_that_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
