/*
 * dmarc_int.h - helpers shared by the files of libauth/dmarc (not public).
 */
#ifndef LIBAUTH_DMARC_INT_H
#define LIBAUTH_DMARC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/dmarc.h"

/* Copy n bytes into a new string with every byte outside printable ASCII
 * (and backslash) written as \xNN, so any input is safe to print and to put
 * in JSON.  NULL on allocation failure. */
char *dmarc_sanitize(const char *s, size_t n);

/* strdup of a possibly NULL string; *oom set on failure. */
char *dmarc_strdup(const char *s, bool *oom);

/* ASCII case-insensitive comparison of a (ptr,len) with a C string. */
bool dmarc_word_eq(const char *s, size_t n, const char *word);

/* Label count of a name ("a.b.c" is 3; "" is 0). */
size_t dmarc_label_count(const char *name);

/* The parent of name (pointer into name after the first dot), or NULL. */
const char *dmarc_parent(const char *name);

/* Parse the TXT answers at one _dmarc name: counts records that start
 * v=DMARC1 and returns the parsed record when exactly one does.
 * AUTH_OK (record may be NULL), AUTH_ENOMEM. */
struct dns_result;
AUTH_MUST_USE
enum auth_status dmarc_records_at(const struct dns_result *res, size_t *ndmarc,
                                  struct dmarc_record **rec);

/* Append a problem to a record (message formatted, copied). */
void dmarc_problem_add(struct dmarc_record *r, bool *oom, enum dmarc_problem_level level,
                       const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Parse a rua/ruf value into *list (replacing nothing: the first list of a
 * tag wins, the caller skips duplicates).  Problems go to r.  Returns the
 * number of invalid URIs. */
size_t dmarc_uri_list_parse(struct dmarc_record *r, const char *tag, const char *v,
                            size_t n, struct dmarc_uri **list, size_t *count, bool *oom);

/* Free a URI array. */
void dmarc_uri_list_free(struct dmarc_uri *list, size_t n);

#endif
