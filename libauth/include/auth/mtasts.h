/*
 * auth/mtasts.h - SMTP MTA Strict Transport Security (RFC 8461) and SMTP TLS
 * Reporting (RFC 8460): the DNS records, the HTTPS policy text, and the
 * policy fetch.
 *
 * The parsers are pure (no I/O).  mtasts_policy_fetch() is the one I/O
 * function: HTTPS with libcurl, the host resolved by mailctl's own DNS
 * engine.  Every input is bounded: records by MTASTS_MAX_RECORD, policies by
 * MTASTS_MAX_POLICY (RFC 8461 3.3 lets senders cap it; 64 KiB is generous).
 */
#ifndef AUTH_MTASTS_H
#define AUTH_MTASTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dns.h"
#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

#define MTASTS_MAX_RECORD   4096
#define MTASTS_MAX_POLICY   65536
#define MTASTS_MAX_MX       64
#define TLSRPT_MAX_RUA      16

/* "_mta-sts.DOMAIN" TXT: v=STSv1; id=1*32(ALPHA/DIGIT) (RFC 8461 3.1). */
struct mtasts_record {
    char id[33];
};

/* Whether a TXT record claims to be an MTA-STS record ("v=STSv1" first),
 * the test RFC 8461 3.1 applies before counting records. */
bool mtasts_is_record(const char *txt, size_t len);

/* Parse one record.  AUTH_OK; AUTH_EPARSE with err saying what is wrong;
 * AUTH_ELIMIT over MTASTS_MAX_RECORD. */
AUTH_MUST_USE
enum auth_status mtasts_record_parse(const char *txt, size_t len, struct mtasts_record *out,
                                     char *err, size_t errlen);

enum mtasts_mode { MTASTS_NONE = 0, MTASTS_TESTING, MTASTS_ENFORCE };
const char *mtasts_mode_name(enum mtasts_mode m);

/* The policy of https://mta-sts.DOMAIN/.well-known/mta-sts.txt (3.2). */
struct mtasts_policy {
    enum mtasts_mode mode;
    unsigned long max_age;                 /* seconds, at most 31557600 */
    size_t nmx;
    char **mx;                             /* nmx patterns: "mail.example.com",
                                              "*.example.net" (owned: see
                                              mtasts_policy_clear) */
};

/* Parse a policy body (CRLF or LF lines "key: value").  version, mode and
 * max_age are required, and mx unless mode is none; unknown keys are
 * ignored as the RFC says.  AUTH_OK (free with mtasts_policy_clear);
 * AUTH_EPARSE with err naming the line; AUTH_ELIMIT over MTASTS_MAX_POLICY
 * bytes or MTASTS_MAX_MX patterns; AUTH_ENOMEM.  out is overwritten. */
AUTH_MUST_USE
enum auth_status mtasts_policy_parse(const char *text, size_t len, struct mtasts_policy *out,
                                     char *err, size_t errlen);
/* Free what a successful parse holds; the policy is then empty. */
void mtasts_policy_clear(struct mtasts_policy *p);

/* Whether an MX host name matches a policy pattern (RFC 8461 4.1: a
 * leading "*." matches exactly one left-most label; case-insensitive). */
bool mtasts_mx_match(const char *pattern, const char *host);

/* Fetching https://mta-sts.DOMAIN/.well-known/mta-sts.txt (RFC 8461 3.3). */
struct mtasts_fetch_params {
    const char *domain;          /* the policy domain (required) */
    uint16_t port;               /* 0: 443 (other ports for lab and tests) */
    const char *ca_file;         /* PEM bundle replacing the system store, or NULL */
    unsigned timeout_ms;         /* whole transfer, connect included; 0: 15000 */
    bool allow_private;          /* connect to loopback/private addresses too
                                    (documentation prefixes never) */
};

struct mtasts_fetch_result {
    long http_status;            /* 0 when no HTTP answer came */
    char address[64];            /* the address connected to, "" if none */
    char content_type[128];      /* as sent, "" when none */
    char *body;                  /* malloc'd, NUL-terminated (caller frees), or NULL */
    size_t body_len;
    bool not_probed;             /* only private/documentation addresses and
                                    allow_private unset: nothing was sent */
};

/* Resolve mta-sts.DOMAIN (A and AAAA in one batch) with eng, hand the
 * addresses to libcurl (CURLOPT_RESOLVE, so curl never resolves by itself),
 * and GET the policy: HTTPS only, certificate and host name verified against
 * ca_file or the system store, redirects refused (RFC 8461 3.3), the body
 * capped at MTASTS_MAX_POLICY bytes, the whole transfer bounded by
 * timeout_ms.  Returns AUTH_OK with a 200 answer and its body in *out;
 * otherwise *out keeps what was learnt (status, address) and err says why:
 * AUTH_ENOTFOUND (the host has no address), AUTH_ETEMP (its lookup failed,
 * or a 5xx), AUTH_EPERM (a redirect, a non-200 status, or only private
 * addresses without allow_private), AUTH_ELIMIT (body over the cap),
 * AUTH_ETLS (handshake or verification), AUTH_ENET (connect), AUTH_ETIMEOUT,
 * AUTH_EINVAL (bad domain), AUTH_ENOMEM.  Free with mtasts_fetch_clear(). */
AUTH_MUST_USE
enum auth_status mtasts_policy_fetch(struct dns_engine *eng, const struct mtasts_fetch_params *p,
                                     struct mtasts_fetch_result *out, char *err, size_t errlen);
/* The same fetch, with the addresses of mta-sts.DOMAIN the caller already
 * asked its own engine for (a: the A answer, aaaa: the AAAA answer; an
 * audit's snapshot): no DNS question is asked here at all.  Same returns,
 * and AUTH_EINVAL when a or aaaa is NULL. */
AUTH_MUST_USE
enum auth_status mtasts_policy_fetch_resolved(const struct mtasts_fetch_params *p,
                                              const struct dns_result *a,
                                              const struct dns_result *aaaa,
                                              struct mtasts_fetch_result *out,
                                              char *err, size_t errlen);
void mtasts_fetch_clear(struct mtasts_fetch_result *r);

/* "_smtp._tls.DOMAIN" TXT: v=TLSRPTv1; rua=URI[,URI]... (RFC 8460 3). */
struct tlsrpt_record {
    size_t nrua;
    char rua[TLSRPT_MAX_RUA][512];         /* "mailto:..." or "https://..." */
};

bool tlsrpt_is_record(const char *txt, size_t len);
/* AUTH_OK; AUTH_EPARSE with err (missing rua, a URI that is neither
 * mailto: nor https:, bad syntax); AUTH_ELIMIT. */
AUTH_MUST_USE
enum auth_status tlsrpt_record_parse(const char *txt, size_t len, struct tlsrpt_record *out,
                                     char *err, size_t errlen);

AUTH_API_END

#endif
