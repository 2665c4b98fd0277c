/*
 * spf_internal.h - pieces shared by the files of libauth/spf: a bounded
 * string builder, name checks and the record store.
 */
#ifndef AUTH_SPF_INTERNAL_H
#define AUTH_SPF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/spf.h"

/* Append-only text with a fixed capacity: once something does not fit,
 * `over` sticks and later appends are ignored (checked once at the end). */
struct spf_buf {
    char *p;
    size_t len, cap;    /* cap includes room for the terminating NUL */
    bool over;
};

void spf_buf_init(struct spf_buf *b, char *mem, size_t cap);
void spf_buf_add(struct spf_buf *b, const char *s, size_t n);
void spf_buf_addc(struct spf_buf *b, char c);
void spf_buf_adds(struct spf_buf *b, const char *s);

/* Whether name (no trailing dot) can be asked in DNS: 1..253 octets,
 * labels 1..63 octets. */
bool spf_name_usable(const char *name);
/* Whether a domain is usable as check_host()'s starting <domain>
 * (RFC 7208 4.3): usable name with at least two labels. */
bool spf_domain_valid(const char *name);

/* ASCII lower-casing copy with bound; returns false if it does not fit. */
bool spf_lower_copy(char *dst, size_t cap, const char *src);
/* Case-insensitive suffix test on label boundary: name equals suffix or
 * ends with "." suffix. */
bool spf_name_within(const char *name, const char *suffix);

/* Select the SPF record among the TXT RRs of a result: returns the number
 * found (0, 1 or more); *rec gets the data of the first one. */
struct dns_result;
size_t spf_select_record(const struct dns_result *r, const unsigned char **rec,
                         size_t *reclen, const struct dns_rr **rr);

#endif
