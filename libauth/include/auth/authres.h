/*
 * auth/authres.h - Authentication-Results header fields (RFC 8601).
 *
 * Build: authres_new(authserv-id), then one authres_add() per method result
 * ("spf", "dkim", "dmarc"...) with its reason, properties ("smtp.mailfrom",
 * "header.d", "policy.dmarc"...) and an optional comment; authres_format()
 * writes the field with every value quoted when it is not a token (and
 * properties in the local-part@domain form RFC 8601 2.2 allows unquoted),
 * folded at 78 columns.
 *
 * Parse: authres_parse() reads a field value (CFWS, nested comments,
 * quoted-strings, "none", versions) into the same structure.
 *
 * The structure is a read-only view owned by struct authres; free with
 * authres_free().  Nothing here prints.
 */
#ifndef AUTH_AUTHRES_H
#define AUTH_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

#define AUTHRES_MAX_VALUE    (64 * 1024)  /* longer field values are refused */
#define AUTHRES_MAX_RESULTS  64
#define AUTHRES_MAX_PROPS    32           /* per result */
#define AUTHRES_MAX_NESTING  16           /* comment nesting */

struct authres_prop {
    char *ptype;          /* "smtp", "header", "body", "policy" (lower case) */
    char *property;       /* "mailfrom", "d", "from", ... */
    char *value;          /* unquoted */
};

struct authres_result {
    char *method;         /* lower case */
    int method_version;   /* 0 when not given */
    char *result;         /* lower case: "pass", "fail", ... */
    char *reason;         /* unquoted, or NULL */
    char *comment;        /* the comment after the result (parse: the first
                             one seen), or NULL */
    size_t nprops;
    struct authres_prop *props;
};

struct authres {
    char *authserv_id;
    int version;          /* 0 when not given */
    size_t nresults;      /* 0 means "none" */
    struct authres_result *results;
};

/* Whether id can be an authserv-id: an RFC 8601 token or a domain name
 * (so that a caller can reject a bad one as bad input, not as a failure). */
bool authres_id_valid(const char *id);
/* New empty field for authserv_id (copied; must be a valid value: token or
 * domain, see authres_id_valid).  NULL on allocation failure or a bad id. */
struct authres *authres_new(const char *authserv_id);
/* Append a method result; reason and comment may be NULL (copied).  A
 * reason that is not ASCII (RFC 8601 2.2 without SMTPUTF8) is left out.
 * Returns the result to add properties to, or NULL (ENOMEM or the bound). */
struct authres_result *authres_add(struct authres *ar, const char *method,
                                   const char *result, const char *reason,
                                   const char *comment);
/* Append ptype.property=value to a result (copied).  AUTH_OK, AUTH_ENOMEM,
 * AUTH_ELIMIT. */
AUTH_MUST_USE
enum auth_status authres_add_prop(struct authres_result *res, const char *ptype,
                                  const char *property, const char *value);
/* The whole field "Authentication-Results: id; m=r ...; ..." (with_name) or
 * just its value, folded with CRLF+TAB when fold, else on one line.  The
 * caller frees *out.  AUTH_OK, AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status authres_format(const struct authres *ar, int with_name, int fold,
                                char **out);

/* Parse a field value (without "Authentication-Results:"; a leading field
 * name is tolerated).  AUTH_OK, AUTH_EPARSE (err says where), AUTH_ENOMEM,
 * AUTH_ELIMIT.  Free *out with authres_free(). */
AUTH_MUST_USE
enum auth_status authres_parse(const char *value, size_t len, struct authres **out,
                               char *err, size_t errlen);

/* Quote v as RFC 8601 requires for a value: itself when it is a token
 * (RFC 2045), else a quoted-string with '"' and '\' escaped; control
 * characters are dropped.  as_pvalue also leaves local-part@domain and
 * domain names unquoted.  The caller frees the result; NULL on ENOMEM. */
char *authres_quote(const char *v, int as_pvalue);

void authres_free(struct authres *ar);

AUTH_API_END

#endif
