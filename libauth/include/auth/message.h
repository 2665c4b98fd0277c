/*
 * auth/message.h - RFC 5322 header block parsing that keeps the raw bytes.
 *
 * DKIM needs every header field exactly as it arrived (folding, spacing,
 * case, 8-bit octets) because `simple` canonicalisation hashes it verbatim
 * and `relaxed` only rewrites whitespace.  So the parser does not copy or
 * unfold: each field is a view (pointer + lengths) into the caller's buffer.
 *
 * Line ends may be CRLF or a bare LF (messages from files and pipes); both
 * end a line.  A bare CR is an ordinary octet.
 *
 * Streaming use: accumulate input until auth_msg_header_end() finds the blank
 * line, parse the header block with auth_msg_headers_parse(), then hand the body
 * to its consumer in chunks (e.g. dkim_verify_body()); the body is never
 * needed whole.
 *
 * Bounds: a header block is at most max_bytes octets and max_fields fields
 * (params); beyond them parsing stops with AUTH_ELIMIT.
 */
#ifndef AUTH_MESSAGE_H
#define AUTH_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

#define MSG_DEFAULT_MAX_FIELDS 10000
#define MSG_DEFAULT_MAX_BYTES  (4u * 1024 * 1024)

/* One header field, as a view into the parsed buffer. */
struct msg_header {
    const char *raw;      /* first octet of the field name */
    size_t raw_len;       /* through the field's last line end (included;
                             0 octets when the input ended without one) */
    size_t name_len;      /* field name, without WSP before the colon */
    size_t value_off;     /* offset in raw of the octet after the colon */
};

struct msg_parse_params {
    size_t max_fields;    /* 0: MSG_DEFAULT_MAX_FIELDS */
    size_t max_bytes;     /* 0: MSG_DEFAULT_MAX_BYTES */
};

struct msg_headers;       /* opaque list of fields, in message order */

/* Find the end of the header block in buf[0..len).  On AUTH_OK, *hdr_len is
 * the length of the header fields (through the last field's line end) and
 * *body_off the offset of the first body octet (after the blank line).
 * AUTH_ENOTFOUND: no blank line in buf yet (read more, or at end of input
 * the whole buffer is the header block and there is no body). */
AUTH_MUST_USE
enum auth_status auth_msg_header_end(const char *buf, size_t len, size_t *hdr_len,
                                size_t *body_off);

/* Parse a header block (buf[0..len), as bounded by auth_msg_header_end()).  The
 * result points into buf, which must outlive it.  params may be NULL.
 * AUTH_OK with *out set (free with auth_msg_headers_free); AUTH_EPARSE when a
 * line is neither a field nor a continuation (err says which line);
 * AUTH_ELIMIT when a bound is exceeded; AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status auth_msg_headers_parse(const char *buf, size_t len,
                                   const struct msg_parse_params *params,
                                   struct msg_headers **out,
                                   char *err, size_t errlen);
void auth_msg_headers_free(struct msg_headers *h);

size_t auth_msg_headers_count(const struct msg_headers *h);
/* The i-th field (i < count); borrowed, valid while h lives. */
const struct msg_header *auth_msg_headers_get(const struct msg_headers *h, size_t i);

/* Whether the field's name equals name (ASCII case-insensitive). */
bool auth_msg_header_name_is(const struct msg_header *f, const char *name, size_t name_len);

/* The raw value (after the colon, folding and line end included). */
const char *auth_msg_header_value(const struct msg_header *f, size_t *len);

/* Index of the first field named name at or after from, or (size_t)-1. */
size_t auth_msg_headers_find(const struct msg_headers *h, const char *name, size_t from);

AUTH_API_END

#endif
