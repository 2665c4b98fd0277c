/*
 * reply.c - the SMTP reply parser (RFC 5321 4.2, RFC 3463 enhanced codes)
 * and the queue-id reader.  A pure function over the bytes received so far:
 * it says "complete", "need more" or "bad", and enforces every bound (line
 * length, line count, reply size) before the reply is complete, so a hostile
 * server cannot make the client buffer without end.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/smtp.h"

/* One line as found in the buffer. */
struct line {
    const char *p;       /* start of the line */
    size_t len;          /* without CR LF */
    size_t span;         /* with the terminator */
    bool last;           /* "DDD " or "DDD": ends the reply */
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Find and check the line at buf[0..len).  1: a line; 0: incomplete;
 * <0: error (status in *st). */
static int next_line(const char *buf, size_t len, struct line *ln, enum auth_status *st,
                     char *err, size_t errlen)
{
    const char *nl = memchr(buf, '\n', len < SMTP_LINE_MAX ? len : SMTP_LINE_MAX);
    size_t n;

    if (!nl) {
        if (len >= SMTP_LINE_MAX) {
            *st = auth_fail(err, errlen, AUTH_ELIMIT, "reply line longer than %d bytes",
                            SMTP_LINE_MAX);
            return -1;
        }
        return 0;
    }
    n = (size_t)(nl - buf);
    ln->p = buf;
    ln->span = n + 1;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    ln->len = n;
    if (n < 3 || buf[0] < '2' || buf[0] > '5' || buf[1] < '0' || buf[1] > '5' ||
        !is_digit(buf[2])) {
        *st = auth_fail(err, errlen, AUTH_EPARSE, "reply line does not start with a code 200-559");
        return -1;
    }
    if (n > 3 && buf[3] != ' ' && buf[3] != '-') {
        *st = auth_fail(err, errlen, AUTH_EPARSE, "reply code not followed by space or '-'");
        return -1;
    }
    ln->last = n == 3 || buf[3] == ' ';
    for (size_t i = 4; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            *st = auth_fail(err, errlen, AUTH_EPARSE, "control character 0x%02x in reply", c);
            return -1;
        }
    }
    return 1;
}

/* Length of an enhanced status code "C.SSS.DDD" at s (n bytes) whose class
 * is cls, followed by a space or the end; 0 when there is none. */
static size_t enhanced_len(const char *s, size_t n, char cls)
{
    size_t i = 0, digits;

    if (n < 5 || s[0] != cls || s[1] != '.')
        return 0;
    i = 2;
    for (int part = 0; part < 2; part++) {
        for (digits = 0; i < n && is_digit(s[i]) && digits < 3; digits++)
            i++;
        if (!digits)
            return 0;
        if (part == 0) {
            if (i >= n || s[i] != '.')
                return 0;
            i++;
        }
    }
    return (i == n || s[i] == ' ') ? i : 0;
}

/* Scan: *used is the reply's size when complete, 0 when incomplete. */
static enum auth_status scan(const char *buf, size_t len, size_t *used, size_t *nlines,
                             char *err, size_t errlen)
{
    size_t pos = 0;
    enum auth_status st = AUTH_OK;

    *used = 0;
    *nlines = 0;
    for (;;) {
        struct line ln;
        int r = next_line(buf + pos, len - pos, &ln, &st, err, errlen);

        if (r < 0)
            return st;
        if (r == 0)
            return AUTH_OK;
        if (*nlines > 0 && memcmp(ln.p, buf, 3) != 0)
            return auth_fail(err, errlen, AUTH_EPARSE,
                             "reply lines carry different codes (%.3s then %.3s)", buf, ln.p);
        pos += ln.span;
        if (++*nlines > SMTP_REPLY_MAX_LINES)
            return auth_fail(err, errlen, AUTH_ELIMIT, "reply has more than %d lines",
                             SMTP_REPLY_MAX_LINES);
        if (pos > SMTP_REPLY_MAX)
            return auth_fail(err, errlen, AUTH_ELIMIT, "reply longer than %d bytes",
                             SMTP_REPLY_MAX);
        if (ln.last) {
            *used = pos;
            return AUTH_OK;
        }
    }
}

/* Build the joined text of a complete reply of used bytes. */
static enum auth_status build(const char *buf, size_t used, size_t nlines,
                              struct smtp_reply *out)
{
    char *text = malloc(used + 1);
    size_t pos = 0, tlen = 0;

    if (!text)
        return AUTH_ENOMEM;
    memset(out, 0, sizeof *out);
    out->code = (buf[0] - '0') * 100 + (buf[1] - '0') * 10 + (buf[2] - '0');
    for (size_t i = 0; i < nlines; i++) {
        const char *nl = memchr(buf + pos, '\n', used - pos);
        size_t n = (size_t)(nl - (buf + pos)), skip;
        const char *t = buf + pos + 4;
        size_t tn = n > 0 && buf[pos + n - 1] == '\r' ? n - 1 : n;

        tn = tn > 4 ? tn - 4 : 0;
        skip = enhanced_len(t, tn, buf[0]);
        if (i == 0 && skip && skip < sizeof out->enhanced)
            memcpy(out->enhanced, t, skip);
        if (skip && out->enhanced[0] && skip == strlen(out->enhanced) &&
            memcmp(t, out->enhanced, skip) == 0) {
            t += skip;
            tn -= skip;
            if (tn && *t == ' ') {
                t++;
                tn--;
            }
        }
        if (i > 0)
            text[tlen++] = '\n';
        memcpy(text + tlen, t, tn);
        tlen += tn;
        pos += n + 1;
    }
    text[tlen] = '\0';
    out->text = text;
    out->text_len = tlen;
    out->nlines = nlines;
    return AUTH_OK;
}

enum auth_status smtp_reply_parse(const char *buf, size_t len, struct smtp_reply *out,
                                  size_t *used, char *err, size_t errlen)
{
    size_t nlines;
    enum auth_status st = scan(buf, len, used, &nlines, err, errlen);

    if (st != AUTH_OK || *used == 0)
        return st;
    st = build(buf, *used, nlines, out);
    if (st != AUTH_OK) {
        *used = 0;
        return auth_fail(err, errlen, st, "out of memory");
    }
    return AUTH_OK;
}

void smtp_reply_clear(struct smtp_reply *r)
{
    if (!r)
        return;
    free(r->text);
    memset(r, 0, sizeof *r);
}

static bool id_char(char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           c == '-' || c == '.' || c == '_' || c == '@';
}

/* Copy the id starting at s into buf; true when non-empty and it fits. */
static bool copy_id(const char *s, char *buf, size_t len)
{
    size_t n = 0;

    while (id_char(s[n]))
        n++;
    while (n > 0 && s[n - 1] == '.')     /* "queued as ABC." */
        n--;
    if (n == 0 || n >= len)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

bool smtp_reply_queue_id(const struct smtp_reply *r, char *buf, size_t len)
{
    const char *t, *p;

    if (!r || !r->text || r->code / 100 != 2 || len == 0)
        return false;
    t = r->text;
    if ((p = strstr(t, "queued as ")) && copy_id(p + 10, buf, len))
        return true;
    if ((p = strstr(t, "id=")) && copy_id(p + 3, buf, len))
        return true;
    if (t[0] == '<' && (p = strstr(t, "> queued")) && copy_id(t + 1, buf, len))
        return true;
    return false;
}
