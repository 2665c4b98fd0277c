/*
 * header.c - split an RFC 5322 header block into fields without copying.
 *
 * Each field is a view into the caller's buffer: name, colon, value with its
 * folding and line ends, exactly as received (DKIM canonicalisation needs
 * the raw octets).  CRLF and bare LF both end a line.  Bounded by a maximum
 * block size and field count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/message.h"

struct msg_headers {
    struct msg_header *items;
    size_t count, cap, max;
};

enum auth_status auth_msg_header_end(const char *buf, size_t len, size_t *hdr_len,
                                size_t *body_off)
{
    size_t i = 0;

    /* A message may start with the blank line: no header fields at all. */
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t line_start = i, end;

        if (!nl)
            return AUTH_ENOTFOUND;
        end = (size_t)(nl - buf);             /* index of '\n' */
        if (end == line_start || (end == line_start + 1 && buf[line_start] == '\r')) {
            *hdr_len = line_start;
            *body_off = end + 1;
            return AUTH_OK;
        }
        i = end + 1;
    }
    return AUTH_ENOTFOUND;
}

static bool is_ftext(unsigned char c)
{
    return c >= 33 && c <= 126 && c != ':';
}

/* Length of the line at p (through its '\n', or to end). */
static size_t line_len(const char *p, size_t left)
{
    const char *nl = memchr(p, '\n', left);
    return nl ? (size_t)(nl - p) + 1 : left;
}

static enum auth_status push(struct msg_headers *h, const struct msg_header *f,
                             char *err, size_t errlen)
{
    if (h->count == h->max)
        return auth_fail(err, errlen, AUTH_ELIMIT,
                         "more than %zu header fields", h->max);
    if (h->count == h->cap) {
        size_t ncap = h->cap ? h->cap * 2 : 32;
        struct msg_header *n;

        if (ncap > h->max)
            ncap = h->max;
        n = realloc(h->items, ncap * sizeof *n);
        if (!n)
            return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
        h->items = n;
        h->cap = ncap;
    }
    h->items[h->count++] = *f;
    return AUTH_OK;
}

/* Parse the name of a field starting at p; 0 when the line is not a field. */
static bool parse_name(const char *p, size_t n, size_t *name_len, size_t *colon)
{
    size_t i = 0, nl;

    while (i < n && is_ftext((unsigned char)p[i]))
        i++;
    nl = i;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (nl == 0 || i >= n || p[i] != ':')
        return false;
    *name_len = nl;
    *colon = i;
    return true;
}

enum auth_status auth_msg_headers_parse(const char *buf, size_t len,
                                   const struct msg_parse_params *params,
                                   struct msg_headers **out,
                                   char *err, size_t errlen)
{
    size_t max_bytes = params && params->max_bytes ? params->max_bytes : MSG_DEFAULT_MAX_BYTES;
    struct msg_headers *h;
    size_t i = 0, lineno = 0;
    enum auth_status st = AUTH_OK;

    *out = NULL;
    if (len > max_bytes)
        return auth_fail(err, errlen, AUTH_ELIMIT,
                         "header block of %zu octets is over the %zu limit", len, max_bytes);
    h = calloc(1, sizeof *h);
    if (!h)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    h->max = params && params->max_fields ? params->max_fields : MSG_DEFAULT_MAX_FIELDS;

    while (i < len && st == AUTH_OK) {
        struct msg_header f = { buf + i, 0, 0, 0 };
        size_t colon, l = line_len(buf + i, len - i);

        lineno++;
        if (!parse_name(buf + i, l, &f.name_len, &colon)) {
            st = auth_fail(err, errlen, AUTH_EPARSE,
                           "header line %zu is not a field (no 'name:')", lineno);
            break;
        }
        f.value_off = colon + 1;
        i += l;
        /* Continuation lines start with WSP. */
        while (i < len && (buf[i] == ' ' || buf[i] == '\t')) {
            lineno++;
            i += line_len(buf + i, len - i);
        }
        f.raw_len = (size_t)(buf + i - f.raw);
        st = push(h, &f, err, errlen);
    }
    if (st != AUTH_OK) {
        auth_msg_headers_free(h);
        return st;
    }
    *out = h;
    return AUTH_OK;
}

void auth_msg_headers_free(struct msg_headers *h)
{
    if (!h)
        return;
    free(h->items);
    free(h);
}

size_t auth_msg_headers_count(const struct msg_headers *h)
{
    return h ? h->count : 0;
}

const struct msg_header *auth_msg_headers_get(const struct msg_headers *h, size_t i)
{
    return i < h->count ? &h->items[i] : NULL;
}

bool auth_msg_header_name_is(const struct msg_header *f, const char *name, size_t name_len)
{
    return f->name_len == name_len && strncasecmp(f->raw, name, name_len) == 0;
}

const char *auth_msg_header_value(const struct msg_header *f, size_t *len)
{
    *len = f->raw_len - f->value_off;
    return f->raw + f->value_off;
}

size_t auth_msg_headers_find(const struct msg_headers *h, const char *name, size_t from)
{
    size_t nl = strlen(name);

    for (size_t i = from; i < h->count; i++)
        if (auth_msg_header_name_is(&h->items[i], name, nl))
            return i;
    return (size_t)-1;
}
