/*
 * auth/mtasts.h - SMTP MTA Strict Transport Security (RFC 8461) and SMTP TLS
 * Reporting (RFC 8460): the DNS records and the HTTPS policy text.
 *
 * Pure parsers (no I/O): the audit fetches, these judge.  Every input is
 * bounded: records by MTASTS_MAX_RECORD, policies by MTASTS_MAX_POLICY
 * (RFC 8461 3.3 lets senders cap it; 64 KiB is generous).
 */
#ifndef AUTH_MTASTS_H
#define AUTH_MTASTS_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/status.h"

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
enum auth_status mtasts_record_parse(const char *txt, size_t len, struct mtasts_record *out,
                                     char *err, size_t errlen);

enum mtasts_mode { MTASTS_NONE = 0, MTASTS_TESTING, MTASTS_ENFORCE };
const char *mtasts_mode_name(enum mtasts_mode m);

/* The policy of https://mta-sts.DOMAIN/.well-known/mta-sts.txt (3.2). */
struct mtasts_policy {
    enum mtasts_mode mode;
    unsigned long max_age;                 /* seconds, at most 31557600 */
    size_t nmx;
    char mx[MTASTS_MAX_MX][256];           /* patterns: "mail.example.com", "*.example.net" */
};

/* Parse a policy body (CRLF or LF lines "key: value").  version, mode and
 * max_age are required, and mx unless mode is none; unknown keys are
 * ignored as the RFC says.  AUTH_OK; AUTH_EPARSE with err naming the line;
 * AUTH_ELIMIT over MTASTS_MAX_POLICY bytes or MTASTS_MAX_MX patterns. */
enum auth_status mtasts_policy_parse(const char *text, size_t len, struct mtasts_policy *out,
                                     char *err, size_t errlen);

/* Whether an MX host name matches a policy pattern (RFC 8461 4.1: a
 * leading "*." matches exactly one left-most label; case-insensitive). */
bool mtasts_mx_match(const char *pattern, const char *host);

/* "_smtp._tls.DOMAIN" TXT: v=TLSRPTv1; rua=URI[,URI]... (RFC 8460 3). */
struct tlsrpt_record {
    size_t nrua;
    char rua[TLSRPT_MAX_RUA][512];         /* "mailto:..." or "https://..." */
};

bool tlsrpt_is_record(const char *txt, size_t len);
/* AUTH_OK; AUTH_EPARSE with err (missing rua, a URI that is neither
 * mailto: nor https:, bad syntax); AUTH_ELIMIT. */
enum auth_status tlsrpt_record_parse(const char *txt, size_t len, struct tlsrpt_record *out,
                                     char *err, size_t errlen);

#endif
