/*
 * mime.c - MIME entities on top of libauth's header parser: content type
 * and its parameters, multipart splitting by boundary, base64 and
 * quoted-printable decoding.  Tolerant: a missing header block means
 * text/plain, an unterminated multipart ends at the end of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/mime.h"
#include "report/report_int.h"

void mime_header(const struct msg_headers *h, const char *name, char *buf, size_t len)
{
    size_t ix = h ? auth_msg_headers_find(h, name, 0) : (size_t)-1, vl, n = 0;
    const char *v;

    buf[0] = '\0';
    if (ix == (size_t)-1 || len == 0)
        return;
    v = auth_msg_header_value(auth_msg_headers_get(h, ix), &vl);
    for (size_t i = 0; i < vl && n + 1 < len; i++) {
        char c = v[i];
        if (c == '\r' || c == '\n')
            continue;   /* unfold */
        if (c == '\t')
            c = ' ';
        if (c == ' ' && (n == 0 || buf[n - 1] == ' '))
            continue;
        buf[n++] = c;
    }
    while (n && buf[n - 1] == ' ')
        n--;
    buf[n] = '\0';
}

/* Copy the value of parameter key from a header value's ";k=v" list. */
static void param(const char *v, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    const char *p = strchr(v, ';');

    out[0] = '\0';
    while (p) {
        const char *k = p + 1, *val;
        size_t n = 0;
        while (*k == ' ')
            k++;
        if (strncasecmp(k, key, klen) == 0 && (k[klen] == '=' || k[klen] == '*')) {
            bool ext = k[klen] == '*';
            val = k + klen + (ext ? 1 : 0);
            while (*val && *val != '=')
                val++;
            if (*val == '=')
                val++;
            while (*val == ' ')
                val++;
            if (ext && strstr(val, "''"))   /* RFC 2231 charset''value */
                val = strstr(val, "''") + 2;
            if (*val == '"') {
                for (val++; *val && *val != '"' && n + 1 < outlen; val++) {
                    if (*val == '\\' && val[1])
                        val++;
                    out[n++] = *val;
                }
            } else {
                for (; *val && *val != ';' && *val != ' ' && n + 1 < outlen; val++)
                    out[n++] = *val;
            }
            out[n] = '\0';
            return;
        }
        p = strchr(p + 1, ';');
    }
}

static void lower(char *s)
{
    report_lower(s);
}

bool mime_looks_like_message(const char *buf, size_t len)
{
    size_t i = 0;

    while (i < len && i < 80 && buf[i] > 0x20 && buf[i] < 0x7f && buf[i] != ':')
        i++;
    return i > 0 && i < len && buf[i] == ':';
}

bool mime_entity_open(const char *raw, size_t len, struct mime_entity *e)
{
    size_t hlen, boff;
    char ct[1024], cd[1024], err[128];

    memset(e, 0, sizeof *e);
    if (auth_msg_header_end(raw, len, &hlen, &boff) != AUTH_OK) {
        if (len && (raw[0] == '\n' || raw[0] == '\r')) {
            hlen = 0;
            boff = raw[0] == '\r' && len > 1 ? 2 : 1;
        } else {
            hlen = len;
            boff = len;
        }
    }
    if (hlen && auth_msg_headers_parse(raw, hlen, NULL, &e->h, err, sizeof err) != AUTH_OK)
        return false;
    e->body = raw + boff;
    e->blen = len - boff;
    mime_header(e->h, "Content-Type", ct, sizeof ct);
    if (ct[0]) {
        size_t n = strcspn(ct, "; ");
        if (n >= sizeof e->type)
            n = sizeof e->type - 1;
        memcpy(e->type, ct, n);
        e->type[n] = '\0';
        lower(e->type);
        param(ct, "boundary", e->boundary, sizeof e->boundary);
        param(ct, "report-type", e->report_type, sizeof e->report_type);
        lower(e->report_type);
        param(ct, "name", e->filename, sizeof e->filename);
    }
    if (!strchr(e->type, '/'))
        snprintf(e->type, sizeof e->type, "text/plain");
    mime_header(e->h, "Content-Disposition", cd, sizeof cd);
    if (cd[0]) {
        char fn[256];
        param(cd, "filename", fn, sizeof fn);
        if (fn[0])
            memcpy(e->filename, fn, sizeof fn);
    }
    mime_header(e->h, "Content-Transfer-Encoding", e->encoding, sizeof e->encoding);
    lower(e->encoding);
    return true;
}

void mime_entity_close(struct mime_entity *e)
{
    auth_msg_headers_free(e->h);
    e->h = NULL;
}

/* Offset of the next delimiter line "--boundary" at or after from (at the
 * start of a line), or blen. */
static size_t find_delim(const char *b, size_t blen, size_t from, const char *bd, size_t bdl)
{
    for (size_t i = from; i + 2 + bdl <= blen; ) {
        const char *hit = memmem(b + i, blen - i, "--", 2);
        size_t at;
        if (!hit)
            break;
        at = (size_t)(hit - b);
        if ((at == 0 || b[at - 1] == '\n') && at + 2 + bdl <= blen &&
            memcmp(b + at + 2, bd, bdl) == 0)
            return at;
        i = at + 1;
    }
    return blen;
}

size_t mime_split(const char *b, size_t blen, const char *bd, struct mime_span *parts, size_t max)
{
    size_t bdl = strlen(bd), n = 0, at;

    if (!bdl)
        return 0;
    at = find_delim(b, blen, 0, bd, bdl);
    while (at < blen && n < max) {
        size_t start = at + 2 + bdl, next, end;
        if (start + 2 <= blen && b[start] == '-' && b[start + 1] == '-')
            break;   /* close delimiter */
        while (start < blen && b[start] != '\n')
            start++;   /* transport padding after the boundary */
        if (start < blen)
            start++;
        next = find_delim(b, blen, start, bd, bdl);
        end = next;
        /* the line end before a delimiter belongs to the delimiter */
        if (end > start && b[end - 1] == '\n')
            end--;
        if (end > start && b[end - 1] == '\r')
            end--;
        parts[n].p = b + start;
        parts[n].len = end > start ? end - start : 0;
        n++;
        at = next;
    }
    return n;
}

char *mime_decode(const struct mime_entity *e, size_t max, size_t *outlen)
{
    char *out;

    if (strcmp(e->encoding, "base64") == 0)
        return report_base64_decode(e->body, e->blen, max, outlen);
    if (strcmp(e->encoding, "quoted-printable") == 0) {
        if (e->blen > max)
            return NULL;
        return report_qp_decode(e->body, e->blen, outlen);
    }
    if (e->blen > max || !(out = malloc(e->blen + 1)))
        return NULL;
    memcpy(out, e->body, e->blen);
    out[e->blen] = '\0';
    *outlen = e->blen;
    return out;
}
