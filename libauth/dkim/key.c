/*
 * key.c - DKIM key records (RFC 6376 3.6.1; Ed25519 per RFC 8463).
 *
 * v= must be "DKIM1" and first when present; k= is rsa (default) or
 * ed25519; p= is base64 of a SubjectPublicKeyInfo (RSA; a bare PKCS#1
 * RSAPublicKey is accepted too, as deployed records have it) or of the 32
 * raw octets of an Ed25519 key; an empty p= is a revoked key.  h=, s=, t=
 * are kept for the verifier's checks; n= is ignored.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim_int.h"
#include "core/people.h"

#define VCTX_KEEP 8            /* free verify contexts kept per algorithm */

struct dkim_key {
    EVP_PKEY *pkey;            /* NULL when revoked */
    enum dkim_keytype type;
    unsigned bits;
    bool testing, strict;
    char *h, *s;               /* h= and s= values, NULL when absent */
    /* RSA verify contexts (sha256, sha1), made on first use and reused:
     * setting one up costs OpenSSL 3 more than the verification.  A key
     * may be used by several threads at once (one key store shared by
     * parallel verifications), a context by one at a time: each thread
     * takes one from the free list (or makes one) and puts it back. */
    pthread_mutex_t lock;
    EVP_PKEY_CTX *vfree[2][VCTX_KEEP];
    size_t nfree[2];
};

static char *dup_value(const struct dkim_tag *t)
{
    char *s = malloc(t->value_len + 1);
    if (s) {
        memcpy(s, t->value, t->value_len);
        s[t->value_len] = '\0';
    }
    return s;
}

static enum auth_status load_pkey(struct dkim_key *k, const struct dkim_tag *p,
                                  char *err, size_t errlen)
{
    size_t cap = p->value_len * 3 / 4 + 3, n;
    unsigned char *der = malloc(cap);
    const unsigned char *q = der;

    if (!der)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    n = dkim_b64_decode(p->value, p->value_len, der, cap);
    if (n == (size_t)-1) {
        free(der);
        return auth_fail(err, errlen, AUTH_EPARSE, "p= is not valid base64");
    }
    if (k->type == DKIM_KEY_ED25519) {
        if (n == 32)
            k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, 32);
    } else {
        k->pkey = d2i_PUBKEY(NULL, &q, (long)n);
        if (k->pkey && (q != der + n || EVP_PKEY_get_base_id(k->pkey) != EVP_PKEY_RSA)) {
            EVP_PKEY_free(k->pkey);
            k->pkey = NULL;
        }
        if (!k->pkey) {
            q = der;
            k->pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)n);
            if (k->pkey && q != der + n) {
                EVP_PKEY_free(k->pkey);
                k->pkey = NULL;
            }
        }
    }
    free(der);
    if (!k->pkey)
        return k->type == DKIM_KEY_ED25519
                   ? auth_fail(err, errlen, AUTH_EPARSE, "p= is not a 32-octet Ed25519 public key")
                   : auth_fail(err, errlen, AUTH_EPARSE, "p= is not an RSA public key");
    k->bits = k->type == DKIM_KEY_ED25519 ? 256 : (unsigned)EVP_PKEY_get_bits(k->pkey);
    return AUTH_OK;
}

static enum auth_status parse_into(struct dkim_key *k, const struct dkim_tags *t,
                                   char *err, size_t errlen)
{
    const struct dkim_tag *v = dkim_tags_get(t, "v"), *kt = dkim_tags_get(t, "k");
    const struct dkim_tag *p = dkim_tags_get(t, "p"), *h = dkim_tags_get(t, "h");
    const struct dkim_tag *s = dkim_tags_get(t, "s"), *fl = dkim_tags_get(t, "t");

    if (v && (v != &t->tag[0] || !dkim_word_eq(v->value, v->value_len, "DKIM1") ||
              memcmp(v->value, "DKIM1", 5) != 0))
        return auth_fail(err, errlen, AUTH_EPARSE, v != &t->tag[0]
                         ? "v= must be the first tag" : N_("v= is not DKIM1"));
    if (!p)
        return auth_fail(err, errlen, AUTH_EPARSE, "no p= tag");
    if (!kt || dkim_word_eq(kt->value, kt->value_len, "rsa"))
        k->type = DKIM_KEY_RSA;
    else if (dkim_word_eq(kt->value, kt->value_len, "ed25519"))
        k->type = DKIM_KEY_ED25519;
    else
        return auth_fail(err, errlen, AUTH_EPARSE, "unknown key type k=%.*s",
                         (int)(kt->value_len > 32 ? 32 : kt->value_len), kt->value);
    if (fl) {
        k->testing = dkim_list_has(fl->value, fl->value_len, "y");
        k->strict = dkim_list_has(fl->value, fl->value_len, "s");
    }
    if ((h && !(k->h = dup_value(h))) || (s && !(k->s = dup_value(s))))
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    if (p->value_len == 0)
        return AUTH_OK;                /* revoked */
    return load_pkey(k, p, err, errlen);
}

enum auth_status dkim_key_parse(const char *txt, size_t len, struct dkim_key **out,
                                char *err, size_t errlen)
{
    struct dkim_tags tags;
    struct dkim_key *k;
    enum auth_status st;

    *out = NULL;
    if (len > DKIM_MAX_KEY_RECORD)
        return auth_fail(err, errlen, AUTH_ELIMIT,
                         "key record of %zu octets is over the %d limit", len,
                         DKIM_MAX_KEY_RECORD);
    st = dkim_tags_parse(txt, len, &tags, err, errlen);
    if (st != AUTH_OK)
        return st == AUTH_ELIMIT ? AUTH_EPARSE : st;
    k = calloc(1, sizeof *k);
    if (!k)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    if (pthread_mutex_init(&k->lock, NULL) != 0) {
        free(k);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    st = parse_into(k, &tags, err, errlen);
    if (st != AUTH_OK) {
        dkim_key_free(k);
        return st;
    }
    *out = k;
    return AUTH_OK;
}

void dkim_key_free(struct dkim_key *k)
{
    if (!k)
        return;
    for (int a = 0; a < 2; a++)
        for (size_t i = 0; i < k->nfree[a]; i++)
            EVP_PKEY_CTX_free(k->vfree[a][i]);
    pthread_mutex_destroy(&k->lock);
    EVP_PKEY_free(k->pkey);
    free(k->h);
    free(k->s);
    free(k);
}

bool dkim_key_revoked(const struct dkim_key *k) { return k->pkey == NULL; }
enum dkim_keytype dkim_key_type(const struct dkim_key *k) { return k->type; }
unsigned dkim_key_bits(const struct dkim_key *k) { return k->bits; }
bool dkim_key_testing(const struct dkim_key *k) { return k->testing; }
bool dkim_key_strict(const struct dkim_key *k) { return k->strict; }
EVP_PKEY *dkim_key_pkey(const struct dkim_key *k) { return k->pkey; }

bool dkim_key_allows_hash(const struct dkim_key *k, const char *hash)
{
    return !k->h || dkim_list_has(k->h, strlen(k->h), hash);
}

bool dkim_key_allows_email(const struct dkim_key *k)
{
    return !k->s || dkim_list_has(k->s, strlen(k->s), "email") ||
           dkim_list_has(k->s, strlen(k->s), "*");
}

/* A verify context for the key and algorithm i (0 sha256, 1 sha1): a kept
 * one, else a new one; NULL on failure. */
static EVP_PKEY_CTX *vctx_take(struct dkim_key *k, enum dkim_alg alg, int i)
{
    EVP_PKEY_CTX *pc = NULL;

    pthread_mutex_lock(&k->lock);
    if (k->nfree[i])
        pc = k->vfree[i][--k->nfree[i]];
    pthread_mutex_unlock(&k->lock);
    return pc ? pc : dkim_rsa_ctx(k->pkey, alg, false);
}

static void vctx_give(struct dkim_key *k, int i, EVP_PKEY_CTX *pc)
{
    pthread_mutex_lock(&k->lock);
    if (k->nfree[i] < VCTX_KEEP) {
        k->vfree[i][k->nfree[i]++] = pc;
        pc = NULL;
    }
    pthread_mutex_unlock(&k->lock);
    EVP_PKEY_CTX_free(pc);
}

bool dkim_key_verify(const struct dkim_key *k, enum dkim_alg alg,
                     const unsigned char *md, size_t mdlen,
                     const unsigned char *sig, size_t siglen)
{
    struct dkim_key *mk = (struct dkim_key *)k;   /* the context cache only */
    int i = alg == DKIM_RSA_SHA1;
    EVP_PKEY_CTX *pc;
    bool ok;

    if (!k->pkey)
        return false;
    if (alg == DKIM_ED25519_SHA256 || k->type != DKIM_KEY_RSA)
        return dkim_digest_verify(k->pkey, alg, md, mdlen, sig, siglen);
    if (!(pc = vctx_take(mk, alg, i)))
        return false;
    ok = EVP_PKEY_verify(pc, sig, siglen, md, mdlen) == 1;
    vctx_give(mk, i, pc);
    return ok;
}
