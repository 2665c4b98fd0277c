/*
 * walk.h - the DNS Tree Walk (RFC 9989 4.10), internal to libauth/dmarc.
 */
#ifndef LIBAUTH_DMARC_WALK_H
#define LIBAUTH_DMARC_WALK_H

#include "auth/dns.h"
#include "dmarc/dmarc_int.h"

struct walk_level {
    char name[DNS_MAX_NAME + 1];   /* the domain (without _dmarc.) */
    size_t idx;                    /* question index in the batch */
    const struct dns_result *res;
    enum dns_status status;
    size_t ndmarc;
    struct dmarc_record *rec;      /* when exactly one DMARC record */
};

struct walk {
    char start[DNS_MAX_NAME + 1];
    struct walk_level lv[DMARC_MAX_WALK];
    size_t n;                      /* targets queried */
    size_t used;                   /* answers used (up to the stop) */
    int temp_at;                   /* level of a temporary failure, or -1 */
};

/* Targets for start; skip_start leaves out the start name itself. */
void walk_init(struct walk *w, const char *start, bool skip_start);
/* Queue the TXT queries. */
void walk_add(struct walk *w, struct dns_batch *b);
/* Read the answers in walk order up to the stop.  AUTH_OK or AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status walk_read(struct walk *w, const struct dns_batch *b);
/* Organizational Domain selection of 9989 4.10.2 (pointer into w). */
const char *walk_org(const struct walk *w, bool start_queried);
/* Level index of name among the used levels, or -1. */
int walk_find(const struct walk *w, const char *name);
void walk_clear(struct walk *w);
/* The k-label suffix of name (pointer into name). */
const char *dmarc_suffix(const char *name, size_t k);

#endif
