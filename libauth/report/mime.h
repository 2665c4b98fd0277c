/*
 * mime.h - the MIME structure reports arrive in (RFC 2045/2046): one
 * entity's headers and content type, multipart splitting, transfer
 * decoding.  Internal to libauth/report.
 */
#ifndef LIBAUTH_REPORT_MIME_H
#define LIBAUTH_REPORT_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/message.h"

struct mime_entity {
    struct msg_headers *h;        /* NULL when the entity has no header block */
    const char *body;
    size_t blen;
    char type[128];               /* "multipart/report", lower case; "text/plain" by default */
    char boundary[256];
    char report_type[64];         /* multipart/report's report-type, lower case */
    char filename[256];           /* Content-Disposition filename or Content-Type name */
    char encoding[32];            /* Content-Transfer-Encoding, lower case */
};

struct mime_span { const char *p; size_t len; };

/* Parse the entity raw[0..len): headers (when any) and body.  false when
 * the header block does not parse. */
bool mime_entity_open(const char *raw, size_t len, struct mime_entity *e);
void mime_entity_close(struct mime_entity *e);

/* The first field named name, unfolded and trimmed, into buf ("" when
 * absent). */
void mime_header(const struct msg_headers *h, const char *name, char *buf, size_t len);

/* The parts of a multipart body (at most max); returns how many. */
size_t mime_split(const char *body, size_t blen, const char *boundary, struct mime_span *parts,
                  size_t max);

/* The entity's content with its transfer encoding undone (malloc'd,
 * NUL-terminated), at most max bytes; NULL when over max or out of memory. */
char *mime_decode(const struct mime_entity *e, size_t max, size_t *outlen);

/* Whether buf starts like a header block ("Name: value" first line). */
bool mime_looks_like_message(const char *buf, size_t len);

#endif
