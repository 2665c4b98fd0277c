/*
 * report_int.h - internals shared by the files of libauth/report.
 */
#ifndef LIBAUTH_REPORT_INT_H
#define LIBAUTH_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/report.h"

#define REPORT_MAX_WARNINGS 32
#define REPORT_MAX_MULTIPART_DEPTH 8
#define REPORT_MAX_PARTS 64

struct report *report_new(enum report_kind kind);
/* Turn r into an error entry (drops what was parsed).  Returns r, also
 * when out of memory (its error text is then NULL); NULL only for NULL. */
struct report *report_fail(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A new error entry; NULL only when out of memory. */
struct report *report_error_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* report_fail() with a fixed message from the catalog (marked N_), which
 * is not a format. */
struct report *report_fail_msg(struct report *r, const char *msg);
/* Note a repair (bounded; duplicates dropped). */
void report_warn(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copy of s[0..len) with leading/trailing whitespace removed, control
 * bytes and invalid UTF-8 replaced by '?'; NULL when out of memory. */
char *report_strndup_trim(const char *s, size_t len);
void report_lower(char *s);
/* Canonical text form of an IP address written in s (trimmed); NULL when
 * it is not one. */
char *report_ip_canonical(const char *s);
/* Unsigned decimal (trimmed); false when not one. */
bool report_parse_u64(const char *s, uint64_t *v);

/* RFC 3339 / ISO 8601 date-time to Unix seconds; -1 when unreadable. */
int64_t report_time_rfc3339(const char *s);
/* RFC 5322 date-time (day name optional, obsolete zones) to Unix seconds;
 * -1 when unreadable. */
int64_t report_time_rfc5322(const char *s);

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
size_t report_utf8_seq(const unsigned char *p, size_t left);
/* Whether buf holds only valid UTF-8. */
bool report_utf8_valid(const char *buf, size_t len);
/* Copy with every invalid UTF-8 sequence replaced by U+FFFD; NULL on OOM. */
char *report_utf8_repair(const char *buf, size_t len, size_t *outlen);

/* Decoding of MIME transfer encodings into a new buffer (NUL-terminated),
 * at most max bytes; NULL when out of memory or over max. */
char *report_base64_decode(const char *in, size_t len, size_t max, size_t *outlen);
char *report_qp_decode(const char *in, size_t len, size_t *outlen);

/* Append to a list (grows it).  false when out of memory or full. */
bool report_list_add(struct report_list *l, struct report *r);

/* Where the walking of containers is. */
struct report_walk {
    struct report_list *out;
    size_t max_bytes;
    unsigned max_nesting;
};
/* Look at one buffer (any shape) at nesting depth; adds entries to w->out.
 * where: label of this buffer for error entries (NULL for the input). */
void report_walk_buffer(struct report_walk *w, const char *buf, size_t len, unsigned depth,
                        const char *where);
/* A message (headers + body): the report(s) attached to it. */
void report_walk_message(struct report_walk *w, const char *msg, size_t len, unsigned depth);

/* Each file of the zip archive in[0..len), at nesting depth. */
void report_walk_zip(struct report_walk *w, const char *in, size_t len, unsigned depth);

/* Decompress gzip under the cap: AUTH_OK with *out (malloc'd, NUL-terminated),
 * AUTH_ELIMIT over max, AUTH_EPARSE not gzip / corrupt (err says), AUTH_ENOMEM. */
enum auth_status report_gunzip(const char *in, size_t len, size_t max, char **out,
                               size_t *outlen, char *err, size_t errlen);

#endif
