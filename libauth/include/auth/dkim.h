/*
 * auth/dkim.h - DKIM (RFC 6376, RFC 8301, RFC 8463): tag lists, key records,
 * canonicalisation, signing, verification, key generation, key lint.
 *
 * Crypto is OpenSSL 3 EVP only.  Algorithms: rsa-sha256 and ed25519-sha256
 * sign and verify; rsa-sha1 verifies (reported weak) and is never signed.
 *
 * Streaming: a signer or verifier takes the parsed header block
 * (auth/message.h) then the body in chunks of any size; the body is
 * canonicalised and hashed on the fly, never copied whole.
 *
 * Keys for verification come from a dkim_keystore: a per-run cache of
 * parsed key records, filled from DNS (dkim_keystore_use_dns, through the
 * engine of auth/dns.h, all pending lookups of a message in one batch) or
 * given directly (dkim_keystore_add, for tests and offline use).
 *
 * Nothing here prints.  Private key material never appears in any error
 * string.
 */
#ifndef AUTH_DKIM_H
#define AUTH_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/types.h>        /* EVP_PKEY, by its public name */

#include "auth/message.h"
#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

struct dns_engine;

/* ---- tag lists (RFC 6376 3.2) ------------------------------------------ */

#define DKIM_MAX_TAGS 64

/* One tag; name and value point into the parsed text.  value is trimmed of
 * surrounding FWS.  raw_value_off/raw_value_end delimit, in the parsed text,
 * everything between '=' and the next ';' (or the end): that is the span a
 * verifier empties for b=. */
struct dkim_tag {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
    size_t raw_value_off, raw_value_end;
};

struct dkim_tags {
    struct dkim_tag tag[DKIM_MAX_TAGS];
    size_t count;
};

/* Parse a tag list s[0..len).  Tag names are ALPHA *(ALPHA/DIGIT/"_"),
 * values VALCHARs with internal FWS; empty tag-specs (";;", trailing ";")
 * are skipped.  AUTH_OK; AUTH_EPARSE with err naming the problem (bad name,
 * missing '=', bad character, duplicate tag); AUTH_ELIMIT over
 * DKIM_MAX_TAGS tags.  No allocation; out points into s. */
AUTH_MUST_USE
enum auth_status dkim_tags_parse(const char *s, size_t len, struct dkim_tags *out,
                                 char *err, size_t errlen);
/* The tag named name (case-sensitive, as RFC 6376 says), or NULL. */
const struct dkim_tag *dkim_tags_get(const struct dkim_tags *t, const char *name);

/* ---- algorithms, canonicalisation ---------------------------------------- */

enum dkim_alg { DKIM_RSA_SHA256 = 0, DKIM_ED25519_SHA256, DKIM_RSA_SHA1 };
enum dkim_canon { DKIM_CANON_SIMPLE = 0, DKIM_CANON_RELAXED };
enum dkim_keytype { DKIM_KEY_RSA = 0, DKIM_KEY_ED25519 };

/* "rsa-sha256", "ed25519-sha256", "rsa-sha1". */
const char *dkim_alg_name(enum dkim_alg a);
/* Parse an algorithm name; -1 when unknown. */
int dkim_alg_parse(const char *s, size_t len);
/* "simple", "relaxed". */
const char *dkim_canon_name(enum dkim_canon c);
/* Parse "H" or "H/B" (B defaults to simple, RFC 6376 3.5 c=).  AUTH_OK or
 * AUTH_EPARSE. */
AUTH_MUST_USE
enum auth_status dkim_canon_parse(const char *s, size_t len, enum dkim_canon *hc,
                                  enum dkim_canon *bc);

/* Canonicalise one header field into out (at most outcap octets; the
 * trailing CRLF is written when with_crlf).  Returns the canonical length;
 * when it is >= outcap nothing useful was written (call again bigger). */
size_t dkim_canon_header(enum dkim_canon c, const char *raw, size_t raw_len,
                         bool with_crlf, char *out, size_t outcap);

/* Streaming body canonicaliser + hash.  limit: stop after this many
 * canonical octets (l=); (uint64_t)-1 for none. */
struct dkim_bodyhash;
AUTH_MUST_USE
enum auth_status dkim_bodyhash_new(enum dkim_canon c, enum dkim_alg a, uint64_t limit,
                                   struct dkim_bodyhash **out);
/* Feed body octets; any chunking gives the same result. */
AUTH_MUST_USE
enum auth_status dkim_bodyhash_update(struct dkim_bodyhash *bh, const void *data, size_t len);
/* Finish: digest into md (32 or 20 octets, *mdlen set); *canon_len is the
 * total canonical body length (before the limit).  AUTH_OK or AUTH_ECRYPTO. */
AUTH_MUST_USE
enum auth_status dkim_bodyhash_final(struct dkim_bodyhash *bh, unsigned char *md,
                                     size_t *mdlen, uint64_t *canon_len);
void dkim_bodyhash_free(struct dkim_bodyhash *bh);
/* Once `after` body octets have come in, if canonicalisation had to change
 * or copy more than 1/16 of them, hash the rest on a second thread while
 * canonicalisation goes on (default 512 KiB: a large body then takes about
 * the time of SHA-256 alone; a body that is mostly passed through already
 * does on one thread).  0 (the default: the library starts no thread the
 * caller did not ask for) keeps everything on the caller's thread.  Call
 * before the first update.  DKIM_BODYHASH_PIPELINE_AFTER is the threshold
 * mailctl uses. */
#define DKIM_BODYHASH_PIPELINE_AFTER ((uint64_t)512 << 10)
void dkim_bodyhash_set_pipeline(struct dkim_bodyhash *bh, uint64_t after);

/* ---- key records (RFC 6376 3.6.1, RFC 8463) ------------------------------- */

#define DKIM_MAX_KEY_RECORD 16384   /* bigger TXT answers are refused */

struct dkim_key;   /* opaque: a parsed key record with its public key */

/* Parse a key record.  AUTH_OK with *out (free with dkim_key_free);
 * AUTH_EPARSE when it is not a valid DKIM key record (err says why: bad
 * v=, unknown k=, p= not base64 or not a key of type k=, ...);
 * AUTH_ELIMIT when longer than DKIM_MAX_KEY_RECORD.  A revoked key (empty
 * p=) parses: dkim_key_revoked() is then true. */
AUTH_MUST_USE
enum auth_status dkim_key_parse(const char *txt, size_t len, struct dkim_key **out,
                                char *err, size_t errlen);
void dkim_key_free(struct dkim_key *k);
bool dkim_key_revoked(const struct dkim_key *k);
enum dkim_keytype dkim_key_type(const struct dkim_key *k);
/* RSA modulus bits, 256 for Ed25519, 0 when revoked. */
unsigned dkim_key_bits(const struct dkim_key *k);
bool dkim_key_testing(const struct dkim_key *k);         /* t=y */
bool dkim_key_strict(const struct dkim_key *k);          /* t=s */
/* Whether h= allows the hash ("sha256"/"sha1"); true when h= is absent. */
bool dkim_key_allows_hash(const struct dkim_key *k, const char *hash);
/* Whether s= allows email ("email" or "*"); true when s= is absent. */
bool dkim_key_allows_email(const struct dkim_key *k);
/* The public key (borrowed), NULL when revoked. */
EVP_PKEY *dkim_key_pkey(const struct dkim_key *k);

/* What the key linter saw in a key record; the checks layer maps each kind
 * to its finding (the library names no finding).  Strength kinds (one per
 * parsed key: REVOKED, ED25519, RSA_*) carry bits for RSA. */
enum dkim_key_problem_kind {
    DKIM_KEYP_SYNTAX = 0,       /* the record does not parse (error says why) */
    DKIM_KEYP_REVOKED,          /* empty p= */
    DKIM_KEYP_ED25519,          /* an Ed25519 key */
    DKIM_KEYP_RSA_WEAK,         /* RSA under 1024 bits */
    DKIM_KEYP_RSA_SHORT,        /* RSA of 1024 to 2047 bits */
    DKIM_KEYP_RSA_OK,           /* RSA of 2048 bits or more */
    DKIM_KEYP_TESTING,          /* t=y */
    DKIM_KEYP_NO_SHA256,        /* h= excludes sha256 */
};

struct dkim_key_problem {
    enum dkim_key_problem_kind kind;
    unsigned bits;              /* RSA_*: the key size */
};

/* A key has at most one strength kind, TESTING and NO_SHA256. */
#define DKIM_KEY_PROBLEMS_MAX 3
struct dkim_key_problems {
    size_t count;
    struct dkim_key_problem items[DKIM_KEY_PROBLEMS_MAX];
    char *error;                /* SYNTAX: why (owned), else NULL */
};

/* Lint a published key record (txt, len bytes) into out (which starts
 * empty).  AUTH_OK (problems are results) or AUTH_ENOMEM.  Free with
 * dkim_key_problems_clear(). */
AUTH_MUST_USE
enum auth_status dkim_key_lint(const char *txt, size_t len, struct dkim_key_problems *out);
void dkim_key_problems_clear(struct dkim_key_problems *l);

/* ---- key store --------------------------------------------------------- */

struct dkim_keystore;

/* AUTH_OK or AUTH_ENOMEM.  Free with dkim_keystore_free. */
AUTH_MUST_USE
enum auth_status dkim_keystore_new(struct dkim_keystore **out);
void dkim_keystore_free(struct dkim_keystore *ks);
/* Look keys up in DNS through eng (borrowed; must outlive ks). */
void dkim_keystore_use_dns(struct dkim_keystore *ks, struct dns_engine *eng);
/* Give the TXT record for selector._domainkey.domain directly (copied);
 * txt NULL records "no such key".  AUTH_OK, AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status dkim_keystore_add(struct dkim_keystore *ks, const char *selector,
                                   const char *domain, const char *txt, size_t len);

/* Whether the key published at selector._domainkey.domain (fetched through
 * ks) is the public half of key, so that what is signed with key will
 * verify.  AUTH_OK when it is; AUTH_EINVAL another key (or revoked);
 * AUTH_ENOTFOUND no record; AUTH_EPARSE not a key record; AUTH_ETIMEOUT /
 * AUTH_ETEMP the lookup failed; err says which. */
AUTH_MUST_USE
enum auth_status dkim_keystore_match(struct dkim_keystore *ks, const char *selector,
                                     const char *domain, EVP_PKEY *key,
                                     char *err, size_t errlen);

/* ---- signing ----------------------------------------------------------- */

/* Load a private key (PKCS#8 or traditional PEM, RSA or Ed25519).
 * AUTH_OK with *out (free with EVP_PKEY_free); AUTH_EIO when unreadable;
 * AUTH_EPARSE when it is not a private key (err never quotes the file). */
AUTH_MUST_USE
enum auth_status dkim_privkey_load(const char *path, EVP_PKEY **out,
                                   char *err, size_t errlen);

struct dkim_sign_params {
    const char *domain;              /* d= */
    const char *selector;            /* s= */
    EVP_PKEY *key;         /* borrowed; RSA or Ed25519 */
    int algorithm;                   /* -1: from the key; else enum dkim_alg
                                        (rsa-sha1 is refused) */
    enum dkim_canon header_canon, body_canon;
    const char *headers;             /* "from:to:..." or NULL: the default set
                                        present in the message, From over-signed */
    const char *identity;            /* i= or NULL */
    time_t timestamp;                /* t=; 0: now; -1: no t= */
    unsigned long expire_after;      /* x= = t + this; 0: no x= */
    bool body_length;                /* add l= */
    bool crlf;                       /* end the header's lines with CRLF
                                        (else LF, for LF-only files) */
    uint64_t hash_thread_after;      /* dkim_bodyhash_set_pipeline(); 0: the
                                        body is hashed on the caller's thread */
};

struct dkim_sign;
/* Whether p->key can sign with p->algorithm (the checks dkim_sign_new makes
 * on the key), so that a caller can blame the key before any message.
 * AUTH_OK or AUTH_EINVAL with err saying why. */
AUTH_MUST_USE
enum auth_status dkim_sign_check_key(const struct dkim_sign_params *p, char *err,
                                     size_t errlen);
/* Start signing a message whose header block is hdrs (borrowed until
 * dkim_sign_final).  AUTH_OK; AUTH_EINVAL (missing domain/selector/key,
 * key type not matching the algorithm, rsa-sha1, RSA key under 1024 bits,
 * no From field in the message, a bad name in p->headers, which may
 * separate names with ':' or ','); AUTH_ELIMIT; AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status dkim_sign_new(const struct dkim_sign_params *p,
                               const struct msg_headers *hdrs,
                               struct dkim_sign **out, char *err, size_t errlen);
AUTH_MUST_USE
enum auth_status dkim_sign_body(struct dkim_sign *s, const void *data, size_t len);
/* Produce the complete "DKIM-Signature: ...\r\n" field to prepend (malloc,
 * caller frees).  AUTH_OK, AUTH_ECRYPTO, AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status dkim_sign_final(struct dkim_sign *s, char **header,
                                 char *err, size_t errlen);
void dkim_sign_free(struct dkim_sign *s);

/* ---- verification ------------------------------------------------------ */

#define DKIM_MAX_SIGNATURES 100     /* more are reported, not checked */

enum dkim_result {
    DKIM_PASS = 0, DKIM_FAIL, DKIM_NEUTRAL, DKIM_TEMPERROR, DKIM_PERMERROR,
    DKIM_POLICY, DKIM_NONE
};
/* "pass", "fail", "neutral", "temperror", "permerror", "policy", "none". */
const char *dkim_result_name(enum dkim_result r);

enum dkim_reason {
    DKIM_R_NONE = 0,
    DKIM_R_SYNTAX,            /* signature tags malformed or missing */
    DKIM_R_BODY_HASH,         /* bh= does not match the body */
    DKIM_R_SIGNATURE,         /* b= does not verify */
    DKIM_R_KEY_NOT_FOUND,     /* no key record (NXDOMAIN/NODATA) */
    DKIM_R_KEY_REVOKED,       /* p= empty */
    DKIM_R_KEY_SYNTAX,        /* key record does not parse */
    DKIM_R_KEY_ALG,           /* key type / h= / s= do not fit a= */
    DKIM_R_KEY_WEAK,          /* RSA key under 1024 bits (RFC 8301) */
    DKIM_R_FROM_NOT_SIGNED,   /* h= does not list From */
    DKIM_R_EXPIRED,           /* x= in the past */
    DKIM_R_FUTURE,            /* t= in the future */
    DKIM_R_DNS_TEMP,          /* key lookup timed out / SERVFAIL */
    DKIM_R_IDENTITY,          /* i= not within d= */
    DKIM_R_LENGTH,            /* l= longer than the body */
    DKIM_R_TOO_MANY,          /* over DKIM_MAX_SIGNATURES */
    DKIM_R_UNSUPPORTED,       /* unknown a=, q=, v= */
};

struct dkim_sig_result {
    char *domain;             /* d= (may be NULL on syntax errors) */
    char *selector;           /* s= */
    char *identity;           /* i= */
    int algorithm;            /* enum dkim_alg or -1 */
    enum dkim_canon header_canon, body_canon;
    enum dkim_result result;
    enum dkim_reason reason;
    char *reason_text;        /* one line, NULL on a clean pass; English
                                 (Authentication-Results, JSON) */
    bool body_hash_ok;
    bool weak;                /* rsa-sha1 or short key: valid but weak */
    bool testing;             /* key has t=y */
    unsigned key_bits;
    long long timestamp, expiry;   /* t=, x= or -1 */
    bool has_length;          /* the signature has l= */
    /* With l=: canonical body octets after the signed length, which the
     * signature does not cover (anyone may have added them); 0 otherwise. */
    uint64_t unsigned_body_bytes;
    char *reason_for_people;  /* reason_text in the user's language (text
                                 output, auth_finding_set_translator) */
};

struct dkim_verify_params {
    time_t now;               /* 0: time(NULL) */
    unsigned long clock_skew; /* seconds allowed for t= in the future; 0: 300 */
    uint64_t hash_thread_after; /* dkim_bodyhash_set_pipeline(); 0: no thread */
};

struct dkim_verify;
/* Start verifying a message with header block hdrs (borrowed until
 * dkim_verify_final).  Every DKIM-Signature field is parsed here; syntax
 * problems become per-signature results.  AUTH_OK or AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status dkim_verify_new(const struct dkim_verify_params *p,
                                 const struct msg_headers *hdrs,
                                 struct dkim_verify **out);
AUTH_MUST_USE
enum auth_status dkim_verify_body(struct dkim_verify *v, const void *data, size_t len);
/* Fetch the keys (one DNS batch for all signatures) and check every
 * signature.  AUTH_OK (see the results), AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status dkim_verify_final(struct dkim_verify *v, struct dkim_keystore *ks);
size_t dkim_verify_count(const struct dkim_verify *v);
/* Borrowed, valid until dkim_verify_free. */
const struct dkim_sig_result *dkim_verify_result(const struct dkim_verify *v, size_t i);
/* Overall: pass when any signature passes, else temperror when any is,
 * else the first signature's result; DKIM_NONE without signatures. */
enum dkim_result dkim_verify_overall(const struct dkim_verify *v);
void dkim_verify_free(struct dkim_verify *v);

/* ---- key generation and records ---------------------------------------- */

/* Generate a key pair: RSA of bits (1024..4096) or Ed25519 (bits ignored).
 * AUTH_OK with *out (EVP_PKEY_free); AUTH_EINVAL bad bits; AUTH_ECRYPTO. */
AUTH_MUST_USE
enum auth_status dkim_keygen(enum dkim_keytype type, unsigned bits,
                             EVP_PKEY **out, char *err, size_t errlen);

/* Write the private key as PKCS#8 PEM to path, mode 0600, atomically
 * (auth/file.h: never through a symlink or over a non-regular file).
 * Without force an existing path is AUTH_EEXIST.  AUTH_OK, AUTH_EINVAL (a
 * symlink or special file is there), AUTH_EIO (err names the path and
 * errno text), AUTH_ECRYPTO. */
AUTH_MUST_USE
enum auth_status dkim_privkey_write(EVP_PKEY *key, const char *path, bool force,
                                    char *err, size_t errlen);
/* The same, staged only: *out is to be committed (auth_file_commit) or
 * dropped (auth_file_free) by the caller, who may write other files first. */
struct auth_file;
AUTH_MUST_USE
enum auth_status dkim_privkey_stage(EVP_PKEY *key, const char *path, bool force,
                                    struct auth_file **out, char *err, size_t errlen);

/* The key record to publish for a (private or public) key:
 * "v=DKIM1; k=rsa; p=BASE64" (malloc, caller frees).  AUTH_OK, AUTH_EINVAL
 * (unsupported key type), AUTH_ENOMEM, AUTH_ECRYPTO. */
AUTH_MUST_USE
enum auth_status dkim_record_for_key(EVP_PKEY *key, char **record,
                                     char *err, size_t errlen);
/* The record in zone-file form, as opendkim-genkey's SELECTOR.txt:
 *   SEL._domainkey\tIN\tTXT\t( "..." "..." )  ; ----- DKIM key SEL for DOMAIN
 * with each character-string at most 255 octets.  domain may be NULL.
 * malloc'd, NULL on allocation failure. */
char *dkim_record_zone_text(const char *selector, const char *domain, const char *record);

/* Type and size of a key (RSA bits, or 256 for Ed25519).  -1 when neither. */
int dkim_pkey_type(EVP_PKEY *key, unsigned *bits);

/* ---- a key pair as files: what dkimkeygen, `mailctl dkim keygen` and
 * `mailctl setup` write ------------------------------------------------- */

/* OUTDIR/SELECTOR.private (PKCS#8 PEM, 0600) and OUTDIR/SELECTOR.txt (the
 * record in zone form, 0644), both atomic, neither replaced without force. */
struct dkim_keyfiles_params {
    const char *domain;          /* may be NULL: then only the selector names it */
    const char *selector;        /* A-label; names the files and the record */
    const char *outdir;          /* created when missing (auth_dir_make) */
    enum dkim_keytype type;
    unsigned bits;               /* RSA; 0: 2048 */
    bool force;                  /* replace existing files */
};
struct dkim_keyfiles;

/* Generate the key and stage both files: nothing is in place until
 * dkim_keyfiles_commit(), so a caller can first show the record, and a
 * failure (a full disk, a file-size limit) leaves neither file.
 * AUTH_OK with *out; AUTH_EEXIST (a file exists, no force); AUTH_EINVAL (a
 * symlink or special file is there, a bad directory); AUTH_EIO; AUTH_ECRYPTO;
 * AUTH_ENOMEM.  err names the path; key material is never in it. */
AUTH_MUST_USE
enum auth_status dkim_keyfiles_stage(const struct dkim_keyfiles_params *p,
                                     struct dkim_keyfiles **out, char *err, size_t errlen);
/* Borrowed, valid until dkim_keyfiles_free(). */
const char *dkim_keyfiles_key_path(const struct dkim_keyfiles *kf);
const char *dkim_keyfiles_record_path(const struct dkim_keyfiles *kf);
const char *dkim_keyfiles_record(const struct dkim_keyfiles *kf);   /* "v=DKIM1; ..." */
const char *dkim_keyfiles_zone(const struct dkim_keyfiles *kf);     /* the .txt content */
EVP_PKEY *dkim_keyfiles_key(const struct dkim_keyfiles *kf);
/* Put both files in place, or neither.  AUTH_OK, AUTH_EEXIST, AUTH_EIO. */
AUTH_MUST_USE
enum auth_status dkim_keyfiles_commit(struct dkim_keyfiles *kf, char *err, size_t errlen);
/* Free; staged files not committed are removed. */
void dkim_keyfiles_free(struct dkim_keyfiles *kf);

AUTH_API_END

#endif
