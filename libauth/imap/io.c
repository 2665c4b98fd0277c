/*
 * io.c - the IMAP client's I/O: tagged command lines out, whole responses
 * in through imap_response_parse() (the buffer grows only up to the parser's
 * bound), a deadline covering every response to a command, a byte budget per
 * command, and the transcript of both directions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/imap_int.h"
#include "core/people.h"

enum auth_status imap_failed(struct imap_client *c, enum imap_failure f, enum auth_status st,
                             const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, TR(fmt), ap);
    va_end(ap);
    c->failure = f;
    if (f == IMAP_FAIL_PROTOCOL || f == IMAP_FAIL_TIMEOUT || f == IMAP_FAIL_CONNECT ||
        f == IMAP_FAIL_TLS)
        c->usable = false;
    return st;
}

static void transcript(struct imap_client *c, char dir, const char *line, size_t len)
{
    if (c->p.transcript)
        c->p.transcript(c->p.transcript_arg, dir, line, len);
}

/* Each line of a response to the transcript; literal contents summarised. */
static void transcript_response(struct imap_client *c, size_t used)
{
    size_t pos = 0;

    while (pos < used) {
        const char *s = c->inbuf + pos, *nl = memchr(s, '\n', used - pos);
        size_t n = nl ? (size_t)(nl - s) : used - pos, shown = n, lit = 0;
        char note[48];

        if (shown && s[shown - 1] == '\r')
            shown--;
        transcript(c, 'S', s, shown > 1000 ? 1000 : shown);
        pos += n + 1;
        if (shown > 2 && s[shown - 1] == '}') {
            const char *open = s + shown - 1;
            while (open > s && *open != '{')
                open--;
            lit = (size_t)strtoul(open + 1, NULL, 10);
            if (lit > used - pos)
                lit = used - pos;
            if (lit) {
                int k = snprintf(note, sizeof note, "{%zu bytes}", lit);
                transcript(c, 'S', note, (size_t)k);
                pos += lit;
            }
        }
    }
}

static enum auth_status send_line(struct imap_client *c, const char *line, const char *shown,
                                  uint64_t deadline);

/* Read more bytes, growing the buffer up to its bound. */
static enum auth_status fill(struct imap_client *c, uint64_t deadline, char *why, size_t wl)
{
    size_t got = 0;

    if (c->inlen == c->incap) {
        size_t cap = c->incap ? c->incap * 2 : 65536;
        char *p;
        if (cap > IMAP_INBUF_MAX)
            cap = IMAP_INBUF_MAX;
        if (cap == c->incap)
            return auth_fail(why, wl, AUTH_ELIMIT, "response buffer full");
        if (!(p = realloc(c->inbuf, cap)))
            return auth_fail(why, wl, AUTH_ENOMEM, "out of memory");
        c->inbuf = p;
        c->incap = cap;
    }
    {
        enum auth_status st = auth_net_read(c->conn, c->inbuf + c->inlen, c->incap - c->inlen,
                                       &got, deadline, why, wl);
        c->inlen += got;
        return st;
    }
}

enum auth_status imap_read_response(struct imap_client *c, uint64_t deadline_ms,
                                    struct imap_response *r)
{
    char why[300];

    for (;;) {
        size_t used = 0;
        enum auth_status st = AUTH_OK;

        if (c->inlen)
            st = imap_response_parse(c->inbuf, c->inlen, c->p.literal_max, r, &used, why,
                                     sizeof why);
        if (st != AUTH_OK)
            return imap_failed(c, IMAP_FAIL_PROTOCOL, st, "bad response: %s", why);
        if (used) {
            transcript_response(c, used);
            c->bytes_in += used;
            memmove(c->inbuf, c->inbuf + used, c->inlen - used);
            c->inlen -= used;
            return AUTH_OK;
        }
        st = fill(c, deadline_ms, why, sizeof why);
        if (st == AUTH_ETIMEOUT)
            return c->inlen ? imap_failed(c, IMAP_FAIL_TIMEOUT, st, "no complete response in "
                                          "time (a response started and never finished)")
                            : imap_failed(c, IMAP_FAIL_TIMEOUT, st, "no complete response in time");
        if (st == AUTH_ENOMEM)
            return imap_failed(c, IMAP_FAIL_LOCAL, st, "%s", why);
        if (st != AUTH_OK)
            return imap_failed(c, IMAP_FAIL_PROTOCOL, st == AUTH_ETLS ? AUTH_ETLS : AUTH_EPARSE,
                               "%s%s", why, c->inlen ? " in the middle of a response" : "");
    }
}

enum auth_status imap_fill(struct imap_client *c, uint64_t deadline, char *why, size_t wl)
{
    return fill(c, deadline, why, wl);
}

enum auth_status imap_send_line(struct imap_client *c, const char *line, uint64_t deadline)
{
    return send_line(c, line, NULL, deadline);
}

static enum auth_status send_line(struct imap_client *c, const char *line, const char *shown,
                                  uint64_t deadline)
{
    char why[300];
    size_t n = strlen(line);
    char *buf = malloc(n + 3);
    enum auth_status st;

    if (!buf)
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_ENOMEM, "out of memory");
    memcpy(buf, line, n);
    memcpy(buf + n, "\r\n", 3);
    transcript(c, 'C', shown ? shown : line, strlen(shown ? shown : line));
    st = auth_net_write(c->conn, buf, n + 2, deadline, why, sizeof why);
    free(buf);
    if (st == AUTH_ETIMEOUT)
        return imap_failed(c, IMAP_FAIL_TIMEOUT, st, "%s", why);
    if (st != AUTH_OK)
        return imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE, "connection lost: %s", why);
    return AUTH_OK;
}

/* Untagged responses every command may see: capabilities and BYE. */
static enum auth_status common_untagged(struct imap_client *c, const struct imap_response *r)
{
    if (r->status == IMAP_ST_BYE && !c->logging_out)
        return imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE, "the server said BYE: %.200s",
                           r->text);
    if (r->status != IMAP_ST_NONE && r->code && strncasecmp(r->code, "CAPABILITY ", 11) == 0)
        imap_caps_from_code(c, r->code);
    if (r->name && strcmp(r->name, "CAPABILITY") == 0)
        imap_caps_from_items(c, r->items);
    return AUTH_OK;
}

static enum auth_status dispatch(struct imap_client *c, const struct imap_response *r,
                                 const char **cont, imap_handler_fn handler, void *arg,
                                 uint64_t deadline)
{
    enum auth_status st;

    if (r->kind == IMAP_RESP_CONTINUE) {
        const char *line = *cont;
        if (!line)
            return imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE,
                               "unexpected continuation request from the server");
        *cont = NULL;               /* a second request is a protocol failure */
        return send_line(c, line, "***", deadline);
    }
    if ((st = common_untagged(c, r)) != AUTH_OK)
        return st;
    return handler ? handler(c, r, arg) : AUTH_OK;
}

enum auth_status imap_command(struct imap_client *c, const char *line, const char *shown,
                              const char *cont, imap_handler_fn handler, void *arg,
                              enum imap_status *status, char **text)
{
    uint64_t deadline = auth_tls_now_ms() + c->command_ms;
    char tag[16], *full, *fshown = NULL;
    size_t flen = strlen(line) + sizeof tag + 2;
    enum auth_status st;

    if (text)
        *text = NULL;
    if (!c->conn || !c->usable)
        return imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE, "not connected");
    snprintf(tag, sizeof tag, "m%u", ++c->tagno);
    full = malloc(flen);
    if (shown)
        fshown = malloc(strlen(shown) + sizeof tag + 2);
    if (!full || (shown && !fshown)) {
        free(full);
        free(fshown);
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_ENOMEM, "out of memory");
    }
    snprintf(full, flen, "%s %s", tag, line);
    if (fshown)
        snprintf(fshown, strlen(shown) + sizeof tag + 2, "%s %s", tag, shown);
    st = send_line(c, full, fshown, deadline);
    free(full);
    free(fshown);
    for (uint64_t start = c->bytes_in; st == AUTH_OK;) {
        struct imap_response r;

        st = imap_read_response(c, deadline, &r);
        if (st != AUTH_OK)
            break;
        if (r.kind == IMAP_RESP_TAGGED) {
            if (strcmp(r.tag, tag) != 0)
                st = imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE,
                                 "response tagged '%s' to command '%s'", r.tag, tag);
            else {
                *status = r.status;
                if (r.code && strncasecmp(r.code, "CAPABILITY ", 11) == 0)
                    imap_caps_from_code(c, r.code);
                if (text && !(*text = strdup(r.text)))
                    st = imap_failed(c, IMAP_FAIL_LOCAL, AUTH_ENOMEM, "out of memory");
            }
            imap_response_clear(&r);
            return st;
        }
        st = dispatch(c, &r, &cont, handler, arg, deadline);
        imap_response_clear(&r);
        if (st == AUTH_OK && c->bytes_in - start > IMAP_COMMAND_BYTES_MAX)
            st = imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_ELIMIT,
                             "over %d bytes of responses to one command",
                             IMAP_COMMAND_BYTES_MAX);
        /* responses that keep coming, each complete, still end at the deadline */
        if (st == AUTH_OK && auth_tls_now_ms() >= deadline)
            st = imap_failed(c, IMAP_FAIL_TIMEOUT, AUTH_ETIMEOUT,
                             "no tagged response in time (%llu bytes of untagged ones)",
                             (unsigned long long)(c->bytes_in - start));
    }
    return st;
}
