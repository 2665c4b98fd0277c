/*
 * auth/bimi.h - the BIMI assertion record at "default._bimi.DOMAIN"
 * (draft-brand-indicators-for-message-identification): v=BIMI1; l=LOGO;
 * a=EVIDENCE.  A pure, bounded parser.
 */
#ifndef AUTH_BIMI_H
#define AUTH_BIMI_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/status.h"

#define BIMI_MAX_RECORD 4096

struct bimi_record {
    char logo[1024];        /* l=: https URL of an SVG Tiny PS logo, "" when empty */
    char evidence[1024];    /* a=: https URL of a VMC/CMC PEM, "" when absent */
    bool declined;          /* l= and a= both empty: the domain declines BIMI */
};

/* Whether a TXT record claims to be BIMI ("v=BIMI1" first). */
bool bimi_is_record(const char *txt, size_t len);
/* AUTH_OK; AUTH_EPARSE with err (no l=, a logo URL that is not https or
 * not .svg, an evidence URL that is not https); AUTH_ELIMIT. */
AUTH_MUST_USE
enum auth_status bimi_record_parse(const char *txt, size_t len, struct bimi_record *out,
                                   char *err, size_t errlen);

#endif
