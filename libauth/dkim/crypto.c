/*
 * crypto.c - the header hash of RFC 6376 3.7 and the signature primitive.
 *
 * Header hash: for each name of h= (in order) the last not yet used field
 * of that name, counting from the bottom (3.5 h=, 5.4.2); names without a
 * remaining field contribute nothing (over-signing).  Then the signature
 * field itself with the b= value emptied, without its final CRLF.
 *
 * Signing: RSA PKCS#1 v1.5 over the digest (EVP_PKEY_sign with the
 * signature md set) or Ed25519 (PureEdDSA) over the SHA-256 digest as RFC
 * 8463 specifies.  OpenSSL 3 EVP only.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "dkim_int.h"

bool dkim_hash_field(struct evp_md_ctx_st *md, enum dkim_canon hc, const char *raw, size_t len,
                       bool crlf, struct dkim_buf *scratch)
{
    size_t need = 2 * len + 3, n;

    if (scratch->cap < need) {
        char *p = realloc(scratch->p, need);
        if (!p)
            return false;
        scratch->p = p;
        scratch->cap = need;
    }
    n = dkim_canon_header(hc, raw, len, crlf, scratch->p, scratch->cap);
    return n <= scratch->cap && EVP_DigestUpdate(md, scratch->p, n);
}

/* Canonicalise one field onto the end of out (grown as needed). */
static bool canon_append(struct dkim_buf *out, enum dkim_canon hc, const char *raw, size_t len)
{
    size_t need = out->len + 2 * len + 3, n;

    if (out->cap < need) {
        size_t cap = need > 2 * out->cap ? need : 2 * out->cap;
        char *p = realloc(out->p, cap);
        if (!p)
            return false;
        out->p = p;
        out->cap = cap;
    }
    n = dkim_canon_header(hc, raw, len, true, out->p + out->len, out->cap - out->len);
    if (n > out->cap - out->len)
        return false;
    out->len += n;
    return true;
}

/* Hash the fields named by the h= list: canonicalised one after the other
 * into scratch, then one digest update (a small update costs OpenSSL more
 * than the bytes it hashes). */
static bool hash_listed(EVP_MD_CTX *md, const struct msg_headers *hdrs, enum dkim_canon hc,
                        const char *names, size_t names_len, struct dkim_buf *scratch)
{
    size_t count = auth_msg_headers_count(hdrs), i = 0;
    bool *used = calloc(count ? count : 1, sizeof *used);
    bool ok = used != NULL;

    scratch->len = 0;

    while (ok && i <= names_len) {
        size_t a = i, b;
        while (i < names_len && names[i] != ':')
            i++;
        b = i++;
        while (a < b && strchr(" \t\r\n", names[a])) a++;
        while (b > a && strchr(" \t\r\n", names[b - 1])) b--;
        for (size_t k = count; k-- > 0 && b > a;) {
            const struct msg_header *f = auth_msg_headers_get(hdrs, k);
            if (!used[k] && auth_msg_header_name_is(f, names + a, b - a)) {
                used[k] = true;
                ok = canon_append(scratch, hc, f->raw, f->raw_len);
                break;
            }
        }
    }
    free(used);
    return ok && (!scratch->len || EVP_DigestUpdate(md, scratch->p, scratch->len));
}

enum auth_status dkim_header_digest(const struct msg_headers *hdrs, enum dkim_alg alg,
                                    enum dkim_canon hc, const char *names, size_t names_len,
                                    const char *sig_raw, size_t sig_len,
                                    size_t b_off, size_t b_end,
                                    unsigned char *md, unsigned int *mdlen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    struct dkim_buf scratch = {0}, sig = {0};
    bool ok;

    if (!ctx)
        return AUTH_ENOMEM;
    ok = EVP_DigestInit_ex(ctx, dkim_md(alg), NULL) &&
         hash_listed(ctx, hdrs, hc, names, names_len, &scratch);
    if (ok) {
        dkim_buf_add(&sig, sig_raw, b_off);
        dkim_buf_add(&sig, sig_raw + b_end, sig_len - b_end);
        ok = !sig.failed &&
             dkim_hash_field(ctx, hc, sig.p ? sig.p : "", sig.len, false, &scratch) &&
             EVP_DigestFinal_ex(ctx, md, mdlen);
    }
    dkim_buf_free(&scratch);
    dkim_buf_free(&sig);
    EVP_MD_CTX_free(ctx);
    return ok ? AUTH_OK : AUTH_ECRYPTO;
}

static EVP_MD *md_sha256, *md_sha1;
static CRYPTO_ONCE md_once = CRYPTO_ONCE_STATIC_INIT;

static void fetch_mds(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
}

const struct evp_md_st *dkim_md(enum dkim_alg a)
{
    const EVP_MD *md = NULL;

    if (CRYPTO_THREAD_run_once(&md_once, fetch_mds))
        md = a == DKIM_RSA_SHA1 ? md_sha1 : md_sha256;
    return md ? md : a == DKIM_RSA_SHA1 ? EVP_sha1() : EVP_sha256();
}

EVP_PKEY_CTX *dkim_rsa_ctx(EVP_PKEY *key, enum dkim_alg alg, bool sign)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(key, NULL);

    if (!pc)
        return NULL;
    if ((sign ? EVP_PKEY_sign_init(pc) : EVP_PKEY_verify_init(pc)) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(pc, dkim_md(alg)) <= 0) {
        EVP_PKEY_CTX_free(pc);
        return NULL;
    }
    return pc;
}

enum auth_status dkim_digest_sign(EVP_PKEY *key, enum dkim_alg alg,
                                  const unsigned char *md, size_t mdlen,
                                  unsigned char **sig, size_t *siglen)
{
    size_t n = (size_t)EVP_PKEY_get_size(key);
    unsigned char *out = malloc(n ? n : 1);
    bool ok = false;

    *sig = NULL;
    if (!out)
        return AUTH_ENOMEM;
    if (alg == DKIM_ED25519_SHA256) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) > 0 &&
             EVP_DigestSign(ctx, out, &n, md, mdlen) > 0;
        EVP_MD_CTX_free(ctx);
    } else {
        EVP_PKEY_CTX *pc = dkim_rsa_ctx(key, alg, true);
        ok = pc && EVP_PKEY_sign(pc, out, &n, md, mdlen) > 0;
        EVP_PKEY_CTX_free(pc);
    }
    if (!ok) {
        free(out);
        return AUTH_ECRYPTO;
    }
    *sig = out;
    *siglen = n;
    return AUTH_OK;
}

bool dkim_digest_verify(EVP_PKEY *key, enum dkim_alg alg,
                        const unsigned char *md, size_t mdlen,
                        const unsigned char *sig, size_t siglen)
{
    bool ok;

    if (alg == DKIM_ED25519_SHA256) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) > 0 &&
             EVP_DigestVerify(ctx, sig, siglen, md, mdlen) == 1;
        EVP_MD_CTX_free(ctx);
    } else {
        EVP_PKEY_CTX *pc = dkim_rsa_ctx(key, alg, false);
        ok = pc && EVP_PKEY_verify(pc, sig, siglen, md, mdlen) == 1;
        EVP_PKEY_CTX_free(pc);
    }
    return ok;
}
