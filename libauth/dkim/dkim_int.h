/*
 * dkim_int.h - helpers shared by the files of libauth/dkim (not public).
 */
#ifndef AUTH_DKIM_INT_H
#define AUTH_DKIM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/dkim.h"

/* The largest t= and x= the verifier reads (2^40 s, some 34,000 years);
 * the signer refuses to write a larger one. */
#define DKIM_TIME_MAX ((unsigned long long)1 << 40)

/* Decode base64 in s[0..len), skipping whitespace (FWS inside b=, bh=,
 * p=).  Writes at most outcap octets.  Returns the decoded length, or
 * (size_t)-1 on a bad character, bad padding or output too small. */
size_t dkim_b64_decode(const char *s, size_t len, unsigned char *out, size_t outcap);
/* Encode n octets as base64 with padding into a malloc'd NUL-terminated
 * string; NULL on allocation failure. */
char *dkim_b64_encode(const unsigned char *p, size_t n);

/* ASCII case-insensitive equality of s[0..len) and a NUL-terminated word. */
bool dkim_word_eq(const char *s, size_t len, const char *word);
/* Whether the colon-separated list s[0..len) holds word (FWS around items
 * ignored; case-insensitive). */
bool dkim_list_has(const char *s, size_t len, const char *word);
/* Whether the identity i ("[local]@domain", i=) is within d: its domain is
 * d or a subdomain of it (RFC 6376 3.5).  Used by signer and verifier. */
bool dkim_identity_within(const char *i, const char *d);

/* End of the run of p[i..n) that body canonicalisation leaves unchanged
 * when nothing is pending (cleanscan.c); prev stands for p[-1] when i is 0.
 * DKIM_CLEAN_EDITS: a bare LF and (relaxed) one space before a line end
 * also pass; the caller makes the LF a CRLF and drops the space.  Looks at
 * about max bytes at most; never ends between a CR and its LF or after a
 * space before a line end. */
enum { DKIM_CLEAN_RELAXED = 1, DKIM_CLEAN_EDITS = 2 };
size_t dkim_clean_prefix(const unsigned char *p, size_t i, size_t n, unsigned char prev,
                         unsigned flags, size_t max);

/* A hashing thread fed in order by one producer (hashpipe.c).  start:
 * NULL when no thread could be made (hash inline then); md is the
 * thread's until finish, which waits for all written bytes to be hashed,
 * stops the thread and returns false if a digest update failed. */
struct evp_md_ctx_st;
struct hashpipe;
struct hashpipe *hashpipe_start(struct evp_md_ctx_st *md);
void hashpipe_write(struct hashpipe *hp, const void *data, size_t n);
bool hashpipe_finish(struct hashpipe *hp);

/* Growable string with a maximum (bounded appends). */
struct dkim_buf {
    char *p;
    size_t len, cap, max;
    bool failed;          /* sticky: allocation or bound failure */
};
void dkim_buf_add(struct dkim_buf *b, const void *p, size_t n);
void dkim_buf_adds(struct dkim_buf *b, const char *s);
void dkim_buf_free(struct dkim_buf *b);

/* Digest of the canonical header fields chosen by h= plus the signature
 * field with b= emptied (sig_raw[0..sig_len) is that field, raw).
 * names: the h= value.  hdrs: the message.  Returns AUTH_OK with md/mdlen,
 * AUTH_ENOMEM, AUTH_ECRYPTO. */
AUTH_MUST_USE
enum auth_status dkim_header_digest(const struct msg_headers *hdrs, enum dkim_alg alg,
                                    enum dkim_canon hc, const char *names, size_t names_len,
                                    const char *sig_raw, size_t sig_len,
                                    size_t b_off, size_t b_end,
                                    unsigned char *md, unsigned int *mdlen);

/* Sign / verify a header digest with the key for the algorithm (RSA:
 * PKCS#1 v1.5 over the digest; Ed25519: PureEdDSA over the SHA-256
 * digest, RFC 8463). */
AUTH_MUST_USE
enum auth_status dkim_digest_sign(EVP_PKEY *key, enum dkim_alg alg,
                                  const unsigned char *md, size_t mdlen,
                                  unsigned char **sig, size_t *siglen);
bool dkim_digest_verify(EVP_PKEY *key, enum dkim_alg alg,
                        const unsigned char *md, size_t mdlen,
                        const unsigned char *sig, size_t siglen);

/* Key store lookup: fetch what is missing (one DNS batch), then look up.
 * dkim_keystore_fetch takes "selector._domainkey.domain" names. */
AUTH_MUST_USE
enum auth_status dkim_keystore_fetch(struct dkim_keystore *ks, const char *const *names,
                                     size_t n);
/* AUTH_OK with *key (borrowed); AUTH_ENOTFOUND; AUTH_ETIMEOUT / AUTH_ETEMP
 * (DNS); AUTH_EPARSE (why says how).  why is borrowed. */
AUTH_MUST_USE
enum auth_status dkim_keystore_get(struct dkim_keystore *ks, const char *name,
                                   const struct dkim_key **key, const char **why);

/* The DNS fetch hook set by dkim_keystore_use_dns (keystore_dns.c), so that
 * programs not using DNS do not link the engine. */
struct dkim_keystore_entry_result {
    enum auth_status st;
    char *txt;            /* malloc'd record text (first usable TXT) */
    size_t len;
    char why[160];
};
typedef void (*dkim_fetch_fn)(void *ctx, const char *const *names, size_t n,
                              struct dkim_keystore_entry_result *res);
void dkim_keystore_set_fetch(struct dkim_keystore *ks, dkim_fetch_fn fn, void *ctx);

/* ---- shared with libauth/arc (ARC's AMS and AS are DKIM signatures) ---- */

/* The default h= list of dkim_sign (sign.c): the usual identity and content
 * fields present in hdrs, each as often as it occurs, From once more. */
void dkim_default_headers(const struct msg_headers *hdrs, struct dkim_buf *out);

/* Whether key k may check a signature made with alg (keycheck.c): not
 * revoked, type and h= fit alg, s= allows email, RSA of 1024 bits or more.
 * DKIM_R_NONE when usable, else the reason with a line in why. */
enum dkim_reason dkim_key_check(const struct dkim_key *k, enum dkim_alg alg,
                                char *why, size_t whylen);

/* Canonicalise one header field (raw, with or without its line end) and
 * add it to the digest, with CRLF when crlf; scratch grows as needed
 * (crypto.c).  false on allocation or digest failure. */
bool dkim_hash_field(struct evp_md_ctx_st *md, enum dkim_canon hc, const char *raw,
                     size_t len, bool crlf, struct dkim_buf *scratch);

/* SHA-256 (or SHA-1 for rsa-sha1), fetched from the provider once per
 * process: OpenSSL 3 would otherwise look the digest up on every init. */
const struct evp_md_st *dkim_md(enum dkim_alg a);
/* An RSA PKCS#1 v1.5 context for key and alg, initialised for signing or
 * verifying (crypto.c); NULL on failure.  Free with EVP_PKEY_CTX_free. */
EVP_PKEY_CTX *dkim_rsa_ctx(EVP_PKEY *key, enum dkim_alg alg, bool sign);
/* dkim_digest_verify with the key record's public key, the RSA context
 * made once per key and algorithm and kept with the key (key.c). */
bool dkim_key_verify(const struct dkim_key *k, enum dkim_alg alg,
                     const unsigned char *md, size_t mdlen,
                     const unsigned char *sig, size_t siglen);

/* A tag value of 1..20 decimal digits into *out (util.c). */
bool dkim_tag_uint(const struct dkim_tag *t, unsigned long long *out);

#endif
