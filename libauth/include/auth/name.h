/*
 * auth/name.h - domain names at the boundary: A-labels inside, U-labels for
 * people (IDNA2008 with the UTS #46 mapping, through libidn2).
 *
 * Every name that enters libauth (from argv, a file, a message header, a
 * DKIM d=/s= tag) goes through auth_name_to_alabel() once; everything below
 * then compares, queries and prints A-labels, so ASCII case folding is
 * enough and DNS questions, DKIM tags, SPF macros and fixes agree.
 */
#ifndef AUTH_NAME_H
#define AUTH_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/status.h"

/* Longest name text: 253 octets and a NUL. */
#define AUTH_NAME_MAX 254

/* The A-label form of a domain name as typed or found: U-labels converted
 * (NFC, UTS #46 non-transitional mapping, which also folds case), ASCII
 * lower-cased, one trailing dot dropped; labels of letters, digits, hyphens
 * and underscores (_dmarc, _domainkey), 1..63 octets, 253 in all; an
 * "xn--" label must decode.  The root (".") and the empty name are
 * invalid.  AUTH_OK; AUTH_EINVAL with err saying why (it never quotes the
 * name: the caller names it, escaped); AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status auth_name_to_alabel(const char *name, char *out, size_t outlen,
                                     char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* A DKIM selector (RFC 6376 3.1: one or more labels; RFC 8616 4: U-labels
 * allowed, looked up as A-labels): as auth_name_to_alabel, but letters,
 * digits and hyphens only, and short enough that SELECTOR._domainkey.D can
 * exist (at most 253 - 12 octets).  AUTH_OK; AUTH_EINVAL with err. */
AUTH_MUST_USE
enum auth_status auth_selector_to_alabel(const char *selector, char *out, size_t outlen,
                                         char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The U-label form of an A-label name, for people: true and out filled when
 * the name holds an "xn--" label that decodes; false otherwise (show the
 * name as it is). */
bool auth_name_to_ulabel(const char *alabel, char *out, size_t outlen);

/* Whether an A-label name (as returned above) has an "xn--" label. */
bool auth_name_is_idn(const char *alabel);

#endif
