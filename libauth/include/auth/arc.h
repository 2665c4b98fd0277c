/*
 * auth/arc.h - Authenticated Received Chain (RFC 8617): chain validation
 * and sealing.
 *
 * ARC is built on DKIM (auth/dkim.h): an ARC-Message-Signature (AMS) is a
 * DKIM signature with an instance tag i= instead of v=; an ARC-Seal (AS)
 * signs the ARC header fields of every set up to its own, in instance
 * order, with relaxed header canonicalisation.  Keys come from the same
 * dkim_keystore (and DNS engine) as DKIM: every key a chain needs is asked
 * for in one batch.
 *
 * Verification streams like DKIM: arc_verify_new() on the parsed header
 * block, arc_verify_body() with the body in chunks, arc_verify_final().
 * The result follows RFC 8617 5.2: none (no ARC fields), pass or fail.
 * Bad input (more than ARC_MAX_SETS sets, duplicate or missing members,
 * instances out of order, a cv= that does not follow from the chain, a field
 * over ARC_MAX_FIELD octets) is a fail with a reason, never an error.  A key
 * that could not be fetched for a temporary reason is also a fail (RFC 8617
 * knows only none/pass/fail); arc_verify_temperror() tells the caller.
 *
 * Nothing here prints.
 */
#ifndef AUTH_ARC_H
#define AUTH_ARC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/types.h>        /* EVP_PKEY, by its public name */

#include "auth/dkim.h"
#include "auth/message.h"
#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

#define ARC_MAX_SETS   50          /* RFC 8617 4.2.1: i= is 1..50 */
#define ARC_MAX_FIELD  32768       /* octets of one ARC header field */

enum arc_result { ARC_NONE = 0, ARC_PASS, ARC_FAIL };
/* "none", "pass", "fail". */
const char *arc_result_name(enum arc_result r);

/* One ARC set as found and checked. */
struct arc_set_result {
    unsigned instance;
    const char *domain, *selector; /* d=, s= of the ARC-Seal; NULL if absent */
    enum arc_result seal;          /* pass or fail (missing/unchecked: fail) */
    enum arc_result ams;           /* pass or fail (missing/unchecked: fail) */
    enum arc_result cv;            /* cv= of the seal; fail when absent/bad */
};

struct arc_verify_params {
    time_t now;                    /* 0: time(NULL) (unused by RFC 8617 rules) */
};

struct arc_verify;
/* Parse the chain of hdrs (borrowed until arc_verify_free).  AUTH_OK or
 * AUTH_ENOMEM; problems of the chain are results, not errors. */
AUTH_MUST_USE
enum auth_status arc_verify_new(const struct arc_verify_params *p,
                                const struct msg_headers *hdrs, struct arc_verify **out);
AUTH_MUST_USE
enum auth_status arc_verify_body(struct arc_verify *v, const void *data, size_t len);
/* Fetch every key of the chain (one batch) and validate.  AUTH_OK or
 * AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status arc_verify_final(struct arc_verify *v, struct dkim_keystore *ks);

enum arc_result arc_verify_result(const struct arc_verify *v);
/* One line saying why the chain is not pass; NULL on pass and none. */
const char *arc_verify_reason(const struct arc_verify *v);
/* The same in the user's language when the program set a translator
 * (auth_finding_set_translator: text output); arc_verify_reason() stays
 * English, for the ARC-Authentication-Results it goes into and JSON. */
const char *arc_verify_reason_for_people(const struct arc_verify *v);
/* Whether a key lookup failed temporarily (the result is then fail). */
bool arc_verify_temperror(const struct arc_verify *v);
/* Lowest instance n such that every AMS from n to the newest validates
 * (RFC 8617 5.2 step 5); 0 unless the result is pass. */
unsigned arc_verify_oldest_pass(const struct arc_verify *v);
/* Highest instance found (0: no ARC fields). */
unsigned arc_verify_instances(const struct arc_verify *v);
/* Sets in increasing instance order; borrowed until arc_verify_free. */
size_t arc_verify_count(const struct arc_verify *v);
const struct arc_set_result *arc_verify_set(const struct arc_verify *v, size_t i);
/* The Authentication-Results payload of instance n's AAR (after "i=n;",
 * folding kept; a view into the message), NULL when there is none. */
const char *arc_verify_aar(const struct arc_verify *v, unsigned n, size_t *len);
/* cv= of the newest seal, ARC_NONE when there is none. */
enum arc_result arc_verify_newest_cv(const struct arc_verify *v);
void arc_verify_free(struct arc_verify *v);

/* ---- sealing (RFC 8617 5.1) --------------------------------------------- */

struct arc_seal_params {
    const char *domain;            /* d= */
    const char *selector;          /* s= */
    EVP_PKEY *key;                 /* borrowed; RSA (>= 1024 bits) or Ed25519 */
    int algorithm;                 /* -1: from the key; else enum dkim_alg */
    const char *headers;           /* AMS h= ("from:to:...") or NULL: DKIM's
                                      default set present in the message */
    time_t timestamp;              /* t=; 0: now */
    const char *results;           /* the AAR payload after "i=N; ":
                                      "authserv-id; method=result ..." */
    enum arc_result cv;            /* the chain as received: ARC_NONE (no
                                      chain), ARC_PASS or ARC_FAIL */
    bool crlf;                     /* CRLF line ends (else LF) */
};

struct arc_seal;
/* Start sealing a message whose header block is hdrs (borrowed until
 * arc_seal_final).  The new instance is one above the highest found.
 * AUTH_OK; AUTH_EINVAL (missing domain/selector/key/results, key not
 * fitting the algorithm, h= naming ARC-Seal, results not one line of
 * printable text, already ARC_MAX_SETS sets); AUTH_EPERM when the newest
 * seal already says cv=fail (RFC 8617 5.1.2: nothing may be added);
 * AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status arc_seal_new(const struct arc_seal_params *p, const struct msg_headers *hdrs,
                              struct arc_seal **out, char *err, size_t errlen);
AUTH_MUST_USE
enum auth_status arc_seal_body(struct arc_seal *s, const void *data, size_t len);
/* The three fields to prepend, in order ARC-Seal, ARC-Message-Signature,
 * ARC-Authentication-Results, each ending in the line end (malloc, caller
 * frees).  AUTH_OK, AUTH_ECRYPTO, AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status arc_seal_final(struct arc_seal *s, char **fields, char *err, size_t errlen);
/* The instance the seal is for. */
unsigned arc_seal_instance(const struct arc_seal *s);
void arc_seal_free(struct arc_seal *s);

AUTH_API_END

#endif
