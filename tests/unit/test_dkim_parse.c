/*
 * test_dkim_parse.c - tag lists, key records, header block parsing and
 * canonicalisation (RFC 6376 3.4.5 example), streaming body hash
 * independent of chunking, bad and oversized inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "auth/dkim.h"
#include "auth/message.h"
#include "dkim/dkim_int.h"

static void test_tags_ok(void **state)
{
    const char *s = " v=1; a=rsa-sha256;\r\n\tb=abc\r\n def ; d = example.com ;";
    struct dkim_tags t;
    const struct dkim_tag *b;
    char err[128];

    (void)state;
    assert_int_equal(dkim_tags_parse(s, strlen(s), &t, err, sizeof err), AUTH_OK);
    assert_int_equal(t.count, 4);
    b = dkim_tags_get(&t, "b");
    assert_non_null(b);
    assert_int_equal(b->value_len, strlen("abc\r\n def"));
    assert_memory_equal(dkim_tags_get(&t, "d")->value, "example.com", 11);
    /* raw span of b= runs from after '=' to the ';' */
    assert_int_equal(s[b->raw_value_end], ';');
    assert_int_equal(s[b->raw_value_off - 1], '=');
}

static void test_tags_bad(void **state)
{
    static const char *const bad[] = {
        "a=1; a=2", "1a=x", "a", "a=b\x01", "=x", "a=\xc3\xa9", "a=b c; ;x",
    };
    struct dkim_tags t;
    char err[128];
    char many[2000];
    size_t n = 0;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(dkim_tags_parse(bad[i], strlen(bad[i]), &t, err, sizeof err),
                         AUTH_EPARSE);
    for (int i = 0; i < 70; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "t%d=x;", i);
    assert_int_equal(dkim_tags_parse(many, n, &t, err, sizeof err), AUTH_ELIMIT);
}

static char *record_of(EVP_PKEY *k)
{
    char err[128], **rec = calloc(1, sizeof *rec), *r;
    assert_int_equal(dkim_record_for_key(k, rec, err, sizeof err), AUTH_OK);
    r = *rec;
    free(rec);
    return r;
}

static void test_key_records(void **state)
{
    EVP_PKEY *rsa, *ed;
    struct dkim_key *k;
    char err[160], *r1, *r2;

    (void)state;
    assert_int_equal(dkim_keygen(DKIM_KEY_RSA, 1024, &rsa, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_keygen(DKIM_KEY_ED25519, 0, &ed, err, sizeof err), AUTH_OK);
    r1 = record_of(rsa);
    r2 = record_of(ed);
    assert_int_equal(dkim_key_parse(r1, strlen(r1), &k, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_key_type(k), DKIM_KEY_RSA);
    assert_int_equal(dkim_key_bits(k), 1024);
    assert_false(dkim_key_revoked(k));
    dkim_key_free(k);
    assert_int_equal(dkim_key_parse(r2, strlen(r2), &k, err, sizeof err), AUTH_OK);
    assert_int_equal(dkim_key_type(k), DKIM_KEY_ED25519);
    dkim_key_free(k);
    /* revoked, flags, hash list */
    assert_int_equal(dkim_key_parse("v=DKIM1; t=y:s; h=sha1; p=", 26, &k, err, sizeof err),
                     AUTH_OK);
    assert_true(dkim_key_revoked(k));
    assert_true(dkim_key_testing(k));
    assert_true(dkim_key_strict(k));
    assert_false(dkim_key_allows_hash(k, "sha256"));
    dkim_key_free(k);
    /* an Ed25519 p= under k=rsa is not a key; v= not first; unknown k= */
    {
        const char *p = strstr(r2, "p=");
        char bad[256];
        snprintf(bad, sizeof bad, "k=rsa; %s", p);
        assert_int_equal(dkim_key_parse(bad, strlen(bad), &k, err, sizeof err), AUTH_EPARSE);
        assert_null(strstr(err, p + 2));          /* never quotes key material */
    }
    assert_int_equal(dkim_key_parse("k=rsa; v=DKIM1; p=", 18, &k, err, sizeof err), AUTH_EPARSE);
    assert_int_equal(dkim_key_parse("k=dsa; p=AAAA", 13, &k, err, sizeof err), AUTH_EPARSE);
    assert_int_equal(dkim_key_parse("p=@@@@", 6, &k, err, sizeof err), AUTH_EPARSE);
    assert_int_equal(dkim_key_parse("v=DKIM1", 7, &k, err, sizeof err), AUTH_EPARSE);
    free(r1);
    free(r2);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
}

static void test_key_huge(void **state)
{
    size_t n = 100 * 1024;
    char *big = malloc(n + 3);
    struct dkim_key *k = NULL;
    char err[160];

    (void)state;
    memcpy(big, "p=", 2);
    memset(big + 2, 'A', n);
    big[n + 2] = '\0';
    assert_int_not_equal(dkim_key_parse(big, n + 2, &k, err, sizeof err), AUTH_OK);
    assert_null(k);
    free(big);
}

static void test_headers(void **state)
{
    const char *m = "From: a@b\nSubject: x\n\ty\r\nX-Empty:\n\nbody\n";
    struct msg_headers *h;
    size_t hl, bo;
    char err[128];

    (void)state;
    assert_int_equal(auth_msg_header_end(m, strlen(m), &hl, &bo), AUTH_OK);
    assert_string_equal(m + bo, "body\n");
    assert_int_equal(auth_msg_headers_parse(m, hl, NULL, &h, err, sizeof err), AUTH_OK);
    assert_int_equal(auth_msg_headers_count(h), 3);
    assert_true(auth_msg_header_name_is(auth_msg_headers_get(h, 1), "subject", 7));
    assert_int_equal(auth_msg_headers_get(h, 1)->raw_len, strlen("Subject: x\n\ty\r\n"));
    assert_int_equal(auth_msg_headers_find(h, "x-empty", 0), 2);
    auth_msg_headers_free(h);
    assert_int_equal(auth_msg_headers_parse(" cont\n", 6, NULL, &h, err, sizeof err), AUTH_EPARSE);
    assert_int_equal(auth_msg_headers_parse("no colon here\n", 14, NULL, &h, err, sizeof err),
                     AUTH_EPARSE);
    assert_int_equal(auth_msg_header_end("A: b\r\n", 6, &hl, &bo), AUTH_ENOTFOUND);
}

static void test_header_limits(void **state)
{
    size_t n = 10001, len = n * 6;
    char *m = malloc(len + 1);
    struct msg_headers *h = NULL;
    struct msg_parse_params p = { .max_fields = 10000 };
    char err[128];

    (void)state;
    for (size_t i = 0; i < n; i++)
        memcpy(m + i * 6, "X: y\r\n", 6);
    assert_int_equal(auth_msg_headers_parse(m, len, &p, &h, err, sizeof err), AUTH_ELIMIT);
    assert_null(h);
    assert_int_equal(auth_msg_headers_parse(m, len - 6, &p, &h, err, sizeof err), AUTH_OK);
    assert_int_equal(auth_msg_headers_count(h), 10000);
    auth_msg_headers_free(h);
    p.max_bytes = 100;
    assert_int_equal(auth_msg_headers_parse(m, len, &p, &h, err, sizeof err), AUTH_ELIMIT);
    free(m);
}

static void test_canon_rfc_example(void **state)
{
    /* RFC 6376 3.4.5 */
    const char *a = "A: X\r\n", *b = "B : Y\t\r\n\tZ  \r\n";
    char out[64];
    size_t n;

    (void)state;
    n = dkim_canon_header(DKIM_CANON_RELAXED, a, strlen(a), true, out, sizeof out);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "a:X\r\n", 5);
    n = dkim_canon_header(DKIM_CANON_RELAXED, b, strlen(b), true, out, sizeof out);
    assert_memory_equal(out, "b:Y Z\r\n", n);
    n = dkim_canon_header(DKIM_CANON_SIMPLE, b, strlen(b), true, out, sizeof out);
    assert_memory_equal(out, b, n);
    /* bare LF folding becomes CRLF in simple */
    n = dkim_canon_header(DKIM_CANON_SIMPLE, "B: Y\n Z\n", 8, true, out, sizeof out);
    assert_int_equal(n, 10);
    assert_memory_equal(out, "B: Y\r\n Z\r\n", 10);
}

static char *bh_of(enum dkim_canon c, const char *body, size_t len, size_t chunk)
{
    struct dkim_bodyhash *bh;
    unsigned char md[64];
    size_t mdlen;

    assert_int_equal(dkim_bodyhash_new(c, DKIM_RSA_SHA256, (uint64_t)-1, &bh), AUTH_OK);
    for (size_t i = 0; i < len; i += chunk)
        assert_int_equal(dkim_bodyhash_update(bh, body + i, len - i < chunk ? len - i : chunk),
                         AUTH_OK);
    assert_int_equal(dkim_bodyhash_final(bh, md, &mdlen, NULL), AUTH_OK);
    dkim_bodyhash_free(bh);
    return dkim_b64_encode(md, mdlen);
}

static void expect_bh(enum dkim_canon c, const char *body, const char *canonical)
{
    char *want, *got;
    unsigned char md[32];
    unsigned int n;

    EVP_Digest(canonical, strlen(canonical), md, &n, EVP_sha256(), NULL);
    want = dkim_b64_encode(md, n);
    for (size_t chunk = 1; chunk <= strlen(body) + 1; chunk++) {
        got = bh_of(c, body, strlen(body), chunk);
        assert_string_equal(got, want);
        free(got);
    }
    free(want);
}

static void test_body_canon(void **state)
{
    (void)state;
    /* RFC 6376 3.4.5 body */
    expect_bh(DKIM_CANON_RELAXED, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n");
    expect_bh(DKIM_CANON_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n");
    /* empty bodies (RFC 6376 3.4.3, 3.4.4 with errata 1384) */
    expect_bh(DKIM_CANON_SIMPLE, "", "\r\n");
    expect_bh(DKIM_CANON_RELAXED, "", "");
    expect_bh(DKIM_CANON_SIMPLE, "\r\n\r\n", "\r\n");
    expect_bh(DKIM_CANON_RELAXED, " \r\n\t\n", "");
    /* LF-only, no final newline, bare CR as content */
    expect_bh(DKIM_CANON_SIMPLE, "a\nb", "a\r\nb\r\n");
    expect_bh(DKIM_CANON_RELAXED, "a  b \n\nc\r", "a b\r\n\r\nc\r\r\n");
    expect_bh(DKIM_CANON_SIMPLE, "x\r\ry\r\n", "x\r\ry\r\n");
    expect_bh(DKIM_CANON_RELAXED, "  lead\r\n", " lead\r\n");
}

/* RFC 6376 3.4.3 / 3.4.4 body canonicalisation written the plain way, line
 * by line over the whole body: the reference the streaming, word-at-a-time
 * canonicaliser of bodyhash.c is checked against.  out has room for
 * 2 * len + 2; returns the length written. */
static size_t reference_body(enum dkim_canon c, const char *b, size_t len, char *out)
{
    size_t n = 0, kept = 0, i = 0;

    while (i < len) {
        const char *nl = memchr(b + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - b) : len, e = end, start = n;
        bool wsp = false;

        if (nl && e > i && b[e - 1] == '\r')
            e--;                           /* CRLF: the CR belongs to the line end */
        for (size_t k = i; k < e; k++) {
            if (c == DKIM_CANON_RELAXED && (b[k] == ' ' || b[k] == '\t')) {
                wsp = true;                /* a run becomes one SP, if content follows */
                continue;
            }
            if (wsp)
                out[n++] = ' ';
            wsp = false;
            out[n++] = b[k];
        }
        bool empty = n == start;
        out[n++] = '\r';
        out[n++] = '\n';
        if (!empty)
            kept = n;                      /* trailing empty lines are dropped */
        i = end + 1;
    }
    n = kept;
    if (c == DKIM_CANON_SIMPLE && n == 0) {
        out[n++] = '\r';
        out[n++] = '\n';
    }
    return n;
}

/* The streaming hash of body fed in chunks of chunk bytes (every third
 * round with the hashing thread taking over part-way) equals the SHA-256
 * of the reference canonical form. */
static void expect_reference_hash(enum dkim_canon c, const char *body, size_t len,
                                  size_t chunk, int round)
{
    char *canon = malloc(2 * len + 2);
    unsigned char want[32], got[64];
    unsigned int wl;
    size_t n, mdlen;
    struct dkim_bodyhash *bh;

    assert_non_null(canon);
    n = reference_body(c, body, len, canon);
    EVP_Digest(canon, n, want, &wl, EVP_sha256(), NULL);
    free(canon);
    assert_int_equal(dkim_bodyhash_new(c, DKIM_RSA_SHA256, (uint64_t)-1, &bh), AUTH_OK);
    if (round % 3 == 0)
        dkim_bodyhash_set_pipeline(bh, (uint64_t)round % (len + 1) + 1);
    for (size_t i = 0; i < len; i += chunk)
        assert_int_equal(dkim_bodyhash_update(bh, body + i, len - i < chunk ? len - i : chunk),
                         AUTH_OK);
    assert_int_equal(dkim_bodyhash_final(bh, got, &mdlen, NULL), AUTH_OK);
    dkim_bodyhash_free(bh);
    if (memcmp(want, got, 32) != 0)
        fail_msg("round %d (%s, %zu bytes, chunk %zu): body hash differs from the reference",
                 round, dkim_canon_name(c), len, chunk);
}

/* Random bodies over the bytes that matter, random chunkings: the streaming
 * hash equals the SHA-256 of the reference canonical form. */
static void test_body_canon_reference(void **state)
{
    static const char alphabet[] = "  \t\r\n\nab\x01\x80";
    uint32_t seed = 12345;
    char body[300];

    (void)state;
    for (int round = 0; round < 20000; round++) {
        size_t len, chunk;
        enum dkim_canon c = round & 1 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;

        seed = seed * 1103515245u + 12345u;
        len = (seed >> 8) % sizeof body;
        seed = seed * 1103515245u + 12345u;
        chunk = (seed >> 8) % 70 + 1;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            body[i] = (seed >> 16) % 3 ? "xyz"[(seed >> 20) % 3]
                                       : alphabet[(seed >> 20) % (sizeof alphabet - 1)];
        }
        expect_reference_hash(c, body, len, chunk, round);
    }
}

/* A body of up to cap bytes (plus up to 310) of words, single spaces and
 * CRLF (or LF) line ends, which the clean-run fast path passes through,
 * with now and then something the canonicalisation changes, at any offset
 * from block and chunk edges; half of them end on empty lines. */
static size_t mostly_clean_body(uint32_t *seed, char *body, size_t cap, bool lf_lines)
{
    static const char *const dirt[] = { "  ", " \r\n", "\t", "\n", "\r", "\r\n\r\n",
                                        "\r\n ", " \t ", "\x01", "\r\n\n", " ", " \n",
                                        "\n\n", "\r\n", " \r", "\n \n", "\n\r\n" };
    size_t len = 0, want;

    *seed = *seed * 1103515245u + 12345u;
    want = (*seed >> 8) % cap;
    while (len + 8 < want) {
        *seed = *seed * 1103515245u + 12345u;
        if ((*seed >> 16) % 97 == 0) {
            const char *d = dirt[(*seed >> 4) % (sizeof dirt / sizeof *dirt)];
            size_t dl = strlen(d);
            memcpy(body + len, d, dl);
            len += dl;
        } else {
            unsigned r = (*seed >> 16) % 13;
            bool line_end = r == 1 && len && body[len - 1] != '\n';

            if (line_end) {
                if (!lf_lines)
                    body[len++] = '\r';
                body[len++] = '\n';
            } else {
                body[len++] = r == 0 ? ' ' : (char)('a' + r);
            }
        }
    }
    if (*seed & 0x100) {                   /* end on a run of empty lines */
        size_t k = (*seed >> 12) % 150;
        for (; k; k--) {
            if (!lf_lines)
                body[len++] = '\r';
            body[len++] = '\n';
        }
    }
    return len;
}

/* The fast path against the reference: mostly clean bodies up to 12 KB,
 * fed in chunks of 1 byte to 5 KB, both canonicalisations. */
static void test_body_canon_clean_runs(void **state)
{
    static char body[13000];                         /* 12 KB + dirt + 300 */
    uint32_t seed = 777;

    (void)state;
    for (int round = 0; round < 3000; round++) {
        enum dkim_canon c = round & 1 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
        size_t len = mostly_clean_body(&seed, body, 12288, round % 4 >= 2), chunk;

        seed = seed * 1103515245u + 12345u;
        chunk = round % 7 == 0 ? (seed >> 8) % 64 + 1 : (seed >> 8) % 5000 + 1;
        expect_reference_hash(c, body, len, chunk, round);
    }
}

/* The hashing thread over several megabytes of whitespace-heavy text (so
 * that it starts and its ring fills): the same hash as on one thread, and
 * a hash abandoned half-way stops the thread (ASan and valgrind see no
 * leak). */
static void test_body_pipeline(void **state)
{
    static char line[] = "ab  cd\t ef \r\nghij   \n";
    size_t n = strlen(line), mdlen;
    unsigned char one[64], two[64];
    struct dkim_bodyhash *a, *b, *c;

    (void)state;
    assert_int_equal(dkim_bodyhash_new(DKIM_CANON_RELAXED, DKIM_RSA_SHA256, 5000000, &a), AUTH_OK);
    assert_int_equal(dkim_bodyhash_new(DKIM_CANON_RELAXED, DKIM_RSA_SHA256, 5000000, &b), AUTH_OK);
    assert_int_equal(dkim_bodyhash_new(DKIM_CANON_SIMPLE, DKIM_RSA_SHA256, (uint64_t)-1, &c), AUTH_OK);
    dkim_bodyhash_set_pipeline(a, 0);
    dkim_bodyhash_set_pipeline(b, 1);
    dkim_bodyhash_set_pipeline(c, 1);
    for (int i = 0; i < 300000; i++) {         /* 7 MB */
        assert_int_equal(dkim_bodyhash_update(a, line, n), AUTH_OK);
        assert_int_equal(dkim_bodyhash_update(b, line, n), AUTH_OK);
        if (i < 150000)
            assert_int_equal(dkim_bodyhash_update(c, line, n), AUTH_OK);
    }
    assert_int_equal(dkim_bodyhash_final(a, one, &mdlen, NULL), AUTH_OK);
    assert_int_equal(dkim_bodyhash_final(b, two, &mdlen, NULL), AUTH_OK);
    assert_memory_equal(one, two, 32);
    dkim_bodyhash_free(a);
    dkim_bodyhash_free(b);
    dkim_bodyhash_free(c);
}

static void test_body_limit(void **state)
{
    struct dkim_bodyhash *bh;
    unsigned char md[64], want[32];
    size_t mdlen;
    unsigned int n;
    uint64_t total;

    (void)state;
    assert_int_equal(dkim_bodyhash_new(DKIM_CANON_SIMPLE, DKIM_RSA_SHA256, 3, &bh), AUTH_OK);
    assert_int_equal(dkim_bodyhash_update(bh, "abcdef\n", 7), AUTH_OK);
    assert_int_equal(dkim_bodyhash_final(bh, md, &mdlen, &total), AUTH_OK);
    dkim_bodyhash_free(bh);
    assert_int_equal(total, 8);
    EVP_Digest("abc", 3, want, &n, EVP_sha256(), NULL);
    assert_memory_equal(md, want, 32);
}

static void test_b64(void **state)
{
    unsigned char out[16];

    (void)state;
    assert_int_equal(dkim_b64_decode("aGk=", 4, out, sizeof out), 2);
    assert_int_equal(dkim_b64_decode("a G\r\n k =", 9, out, sizeof out), 2);
    assert_int_equal(dkim_b64_decode("aGk=x", 5, out, sizeof out), (size_t)-1);
    assert_int_equal(dkim_b64_decode("a===", 4, out, sizeof out), (size_t)-1);
    assert_int_equal(dkim_b64_decode("!!!!", 4, out, sizeof out), (size_t)-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags_ok),
        cmocka_unit_test(test_tags_bad),
        cmocka_unit_test(test_key_records),
        cmocka_unit_test(test_key_huge),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_header_limits),
        cmocka_unit_test(test_canon_rfc_example),
        cmocka_unit_test(test_body_canon),
        cmocka_unit_test(test_body_canon_reference),
        cmocka_unit_test(test_body_canon_clean_runs),
        cmocka_unit_test(test_body_pipeline),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_b64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
