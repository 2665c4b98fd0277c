/*
 * conn.c - the SMTP client's connection on libauth/net (addresses from the
 * DNS engine, connect with a deadline, plain or TLS reads and writes with
 * deadlines): command lines out and whole replies in (through the bounded
 * parser), and the transcript of both directions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_int.h"
#include "core/people.h"

enum auth_status smtp_failed(struct smtp_client *c, enum smtp_failure f,
                             enum auth_status st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, TR(fmt), ap);
    va_end(ap);
    c->failure = f;
    c->status = st;
    c->state = ST_FAILED;
    if (f == SMTP_FAIL_PROTOCOL || f == SMTP_FAIL_TIMEOUT || f == SMTP_FAIL_CONNECT ||
        f == SMTP_FAIL_TLS || (f == SMTP_FAIL_REPLY_TEMP && c->reply.code == 421))
        c->usable = false;
    return st;
}

static void transcript(struct smtp_client *c, char dir, const char *line, size_t len)
{
    if (c->p.transcript)
        c->p.transcript(c->p.transcript_arg, dir, line, len);
}

static enum smtp_connect_error classify(enum net_connect_error e)
{
    switch (e) {
    case NET_CONN_OK: return SMTP_CONN_OK;
    case NET_CONN_RESOLVE: return SMTP_CONN_RESOLVE;
    case NET_CONN_REFUSED: return SMTP_CONN_REFUSED;
    case NET_CONN_TIMEOUT: return SMTP_CONN_TIMEOUT;
    case NET_CONN_UNREACHABLE: return SMTP_CONN_UNREACHABLE;
    default: return SMTP_CONN_OTHER;
    }
}

/* The addresses to try: params.addrs, params.address, or host resolved
 * through params.eng. */
static enum auth_status addresses(struct smtp_client *c, struct net_addrs *a, char *err,
                                  size_t errlen)
{
    if (c->p.addrs) {
        *a = *c->p.addrs;
        return a->n ? AUTH_OK : auth_fail(err, errlen, AUTH_EINVAL, "no address given");
    }
    return auth_net_resolve(c->p.address ? NULL : c->p.eng, c->p.address ? c->p.address : c->p.host,
                       a, err, errlen);
}

enum auth_status smtp_conn_connect(struct smtp_client *c)
{
    const char *target = c->p.host ? c->p.host : c->p.address;
    enum net_connect_error why = NET_CONN_OK;
    struct net_addrs a;
    char err[300];
    enum auth_status st;

    if (addresses(c, &a, err, sizeof err) != AUTH_OK) {
        c->conn_error = SMTP_CONN_RESOLVE;
        return smtp_failed(c, SMTP_FAIL_CONNECT, AUTH_ENET, "%s", err);
    }
    snprintf(c->peer, sizeof c->peer, "%s", a.addr[0]);
    st = auth_net_connect_addrs(&a, target, c->port, auth_tls_now_ms() + c->t.connect_ms, &c->conn,
                           &why, err, sizeof err);
    if (st == AUTH_OK) {
        snprintf(c->peer, sizeof c->peer, "%s", auth_net_peer(c->conn));
        c->usable = true;
        return AUTH_OK;
    }
    c->conn_error = classify(why);
    return smtp_failed(c, SMTP_FAIL_CONNECT, st == AUTH_ETIMEOUT ? AUTH_ETIMEOUT : AUTH_ENET,
                       "%s%s", err, why == NET_CONN_TIMEOUT && c->port == 25
                                    ? " (outbound port 25 may be blocked)" : "");
}

enum auth_status smtp_conn_tls(struct smtp_client *c)
{
    char err[256];
    enum auth_status st;
    const char *name = c->p.host ? c->p.host : c->p.address;

    st = auth_net_start_tls(c->conn, c->tls_ctx, name, auth_tls_now_ms() + c->t.tls_ms, &c->facts,
                       err, sizeof err);
    c->have_facts = c->facts.version[0] != '\0' || c->facts.subject[0] != '\0';
    if (st == AUTH_ETIMEOUT)
        return smtp_failed(c, SMTP_FAIL_TIMEOUT, st, "%s", err);
    if (st != AUTH_OK)
        return smtp_failed(c, SMTP_FAIL_TLS, st == AUTH_ENET ? AUTH_ETLS : st,
                           "TLS with %s failed: %s", name, err);
    return AUTH_OK;
}

static enum auth_status write_failed(struct smtp_client *c, enum auth_status st,
                                     const char *why)
{
    if (st == AUTH_ETIMEOUT)
        return smtp_failed(c, SMTP_FAIL_TIMEOUT, st, "%s", why);
    return smtp_failed(c, SMTP_FAIL_PROTOCOL, AUTH_EPARSE, "connection lost: %s", why);
}

enum auth_status smtp_conn_command(struct smtp_client *c, const char *line,
                                   const char *shown, unsigned timeout_ms)
{
    char buf[SMTP_PATH_MAX * 2 + 1024], why[256];
    size_t n = strlen(line);
    enum auth_status st;

    if (n + 2 > sizeof buf)
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EINVAL, "command too long");
    memcpy(buf, line, n);
    memcpy(buf + n, "\r\n", 2);
    shown = shown ? shown : line;
    transcript(c, 'C', shown, strlen(shown));
    st = auth_net_write(c->conn, buf, n + 2, auth_tls_now_ms() + timeout_ms, why, sizeof why);
    return st == AUTH_OK ? AUTH_OK : write_failed(c, st, why);
}

enum auth_status smtp_conn_write_raw(struct smtp_client *c, const char *buf, size_t len,
                                     unsigned timeout_ms)
{
    const size_t block = 64 * 1024;
    char why[256];

    while (len > 0) {
        size_t n = len < block ? len : block;
        enum auth_status st = auth_net_write(c->conn, buf, n, auth_tls_now_ms() + timeout_ms, why,
                                        sizeof why);
        if (st != AUTH_OK)
            return write_failed(c, st, why);
        buf += n;
        len -= n;
    }
    return AUTH_OK;
}

/* Read more bytes into inbuf.  AUTH_OK, AUTH_ENET (closed), AUTH_ETIMEOUT,
 * AUTH_ETLS. */
static enum auth_status fill(struct smtp_client *c, uint64_t deadline, char *why, size_t wl)
{
    size_t got = 0;
    enum auth_status st = auth_net_read(c->conn, c->inbuf + c->inlen, sizeof c->inbuf - c->inlen,
                                   &got, deadline, why, wl);

    c->inlen += got;
    if (st == AUTH_ETIMEOUT)
        snprintf(why, wl, "no reply");
    return st;
}

/* Give each line of a reply (used bytes at inbuf) to the transcript. */
static void transcript_reply(struct smtp_client *c, size_t used)
{
    size_t pos = 0;

    while (pos < used) {
        const char *nl = memchr(c->inbuf + pos, '\n', used - pos);
        size_t n = (size_t)(nl - (c->inbuf + pos)), span = n + 1;
        if (n > 0 && c->inbuf[pos + n - 1] == '\r')
            n--;
        transcript(c, 'S', c->inbuf + pos, n);
        pos += span;
    }
}

/* The first bytes of a rejected reply, for the transcript. */
static void transcript_bad(struct smtp_client *c)
{
    size_t n = c->inlen < 120 ? c->inlen : 120;
    size_t eol = 0;
    char shown[160];
    size_t k = 0;

    while (eol < n && c->inbuf[eol] != '\r' && c->inbuf[eol] != '\n')
        eol++;
    n = eol;
    for (size_t i = 0; i < n && k + 5 < sizeof shown; i++) {
        unsigned char ch = (unsigned char)c->inbuf[i];
        if (ch >= 0x20 && ch < 0x7f)
            shown[k++] = (char)ch;
        else
            k += (size_t)snprintf(shown + k, sizeof shown - k, "\\x%02x", ch);
    }
    if (k + 4 < sizeof shown && c->inlen > n) {
        memcpy(shown + k, "...", 3);
        k += 3;
    }
    transcript(c, 'S', shown, k);
}

enum auth_status smtp_conn_reply(struct smtp_client *c, unsigned timeout_ms, bool more_expected)
{
    uint64_t deadline = auth_tls_now_ms() + timeout_ms;
    char why[256];

    for (;;) {
        struct smtp_reply r;
        size_t used = 0;
        enum auth_status st = AUTH_OK;

        if (c->inlen)
            st = smtp_reply_parse(c->inbuf, c->inlen, &r, &used, why, sizeof why);
        if (st != AUTH_OK) {
            transcript_bad(c);
            return smtp_failed(c, SMTP_FAIL_PROTOCOL, st, "bad reply: %s", why);
        }
        if (used) {
            transcript_reply(c, used);
            memmove(c->inbuf, c->inbuf + used, c->inlen - used);
            c->inlen -= used;
            smtp_reply_clear(&c->reply);
            c->reply = r;
            if (c->inlen && !more_expected)
                return smtp_failed(c, SMTP_FAIL_PROTOCOL, AUTH_EPARSE,
                                   "server sent %zu unrequested bytes after its reply",
                                   c->inlen);
            return AUTH_OK;
        }
        st = fill(c, deadline, why, sizeof why);
        if (st == AUTH_ETIMEOUT)
            return c->inlen ? smtp_failed(c, SMTP_FAIL_TIMEOUT, st, "no complete reply within "
                                          "%u ms (reply started, never finished)", timeout_ms)
                            : smtp_failed(c, SMTP_FAIL_TIMEOUT, st,
                                          "no complete reply within %u ms", timeout_ms);
        /* the read's own words for an orderly close (net/conn.c), in
         * whichever language auth_fail() wrote them */
        if (st == AUTH_ENET && strstr(why, TR("connection closed by the server")))
            return c->inlen ? smtp_failed(c, SMTP_FAIL_PROTOCOL, AUTH_EPARSE, "connection "
                                          "closed by the server in the middle of a reply")
                            : smtp_failed(c, SMTP_FAIL_PROTOCOL, AUTH_EPARSE,
                                          "connection closed by the server before a reply");
        if (st != AUTH_OK)
            return c->inlen ? smtp_failed(c, SMTP_FAIL_PROTOCOL, AUTH_EPARSE,
                                          "connection %s in the middle of a reply", why)
                            : smtp_failed(c, SMTP_FAIL_PROTOCOL, AUTH_EPARSE,
                                          "connection %s before a reply", why);
    }
}

void smtp_conn_close(struct smtp_client *c)
{
    auth_net_close(c->conn, c->usable);
    c->conn = NULL;
    c->usable = false;
}
