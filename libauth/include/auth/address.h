/*
 * auth/address.h - the RFC5322.From author address for DMARC.
 *
 * DMARC needs exactly one From header field holding exactly one mailbox
 * with a domain (RFC 9989 5.3.1 and 4.2, RFC 7489 6.6.1).  Everything else
 * is refused with a reason, never guessed: no From, several From fields,
 * several mailboxes, group syntax (From is a mailbox-list, RFC 5322 3.6.2),
 * an empty address, an address without a domain, a domain literal, an
 * encoded word where the address is (RFC 2047 5 forbids it), a domain that
 * is not a DNS name.  Display names, comments (nested), quoted local parts,
 * quoted-pairs, obsolete routes and UTF-8 (RFC 6532) are handled.
 *
 * Input is the unfolded header value (CR and LF are treated as white
 * space).  Nothing here prints.
 */
#ifndef AUTH_ADDRESS_H
#define AUTH_ADDRESS_H

#include <stddef.h>

#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

#define ADDRESS_MAX_VALUE   (1024 * 1024)  /* longer values are refused */
#define ADDRESS_MAX_NESTING 64             /* comment nesting */

struct address {
    char *display;       /* display name with quotes and comments removed, or NULL */
    char *local;         /* local part, quotes removed, quoted-pairs undone */
    char *domain;        /* the domain as written, lower-cased, CFWS removed */
    char *domain_ascii;  /* A-label form of domain (the DMARC author domain) */
};

/* Extract the one mailbox of a From header value.  AUTH_OK with *out set
 * (free with auth_msg_address_free), AUTH_EPARSE with err naming the problem
 * ("From holds 2 addresses", "address 'bob' has no domain", ...),
 * AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status auth_msg_address_parse_from(const char *value, size_t len, struct address **out,
                                    char *err, size_t errlen);

/* The same for a message's From header fields: n values (lens[i] bytes
 * each).  n == 0 and n > 1 are AUTH_EPARSE ("no From header field",
 * "2 From header fields"). */
AUTH_MUST_USE
enum auth_status auth_msg_address_from_headers(const char *const *values, const size_t *lens,
                                      size_t n, struct address **out,
                                      char *err, size_t errlen);

void auth_msg_address_free(struct address *a);

AUTH_API_END

#endif
