/*
 * conn.c - the SMTP client's connection: non-blocking connect with a
 * deadline, plain or TLS reads and writes that wait with poll(), command
 * lines out and whole replies in (through the bounded parser), and the
 * transcript of both directions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp/smtp_int.h"

enum auth_status smtp_failed(struct smtp_client *c, enum smtp_failure f,
                             enum auth_status st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
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

static enum smtp_connect_error classify(int e)
{
    switch (e) {
    case ECONNREFUSED: return SMTP_CONN_REFUSED;
    case ETIMEDOUT: return SMTP_CONN_TIMEOUT;
    case ENETUNREACH: case EHOSTUNREACH: case ENETDOWN: case EHOSTDOWN:
    case EADDRNOTAVAIL: return SMTP_CONN_UNREACHABLE;
    default: return SMTP_CONN_OTHER;
    }
}

/* One address: 0 and errno 0 on success, else errno (ETIMEDOUT at the deadline). */
static int try_connect(int fd, const struct sockaddr *sa, socklen_t len, uint64_t deadline)
{
    int soerr = 0;
    socklen_t sl = sizeof soerr;

    if (connect(fd, sa, len) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return errno;
    if (tls_wait_fd(fd, POLLOUT, deadline) != AUTH_OK)
        return ETIMEDOUT;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        return errno;
    return soerr;
}

static void note_peer(struct smtp_client *c, const struct sockaddr *sa)
{
    const void *a = sa->sa_family == AF_INET6
        ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
        : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

    if (!inet_ntop(sa->sa_family, a, c->peer, sizeof c->peer))
        c->peer[0] = '\0';
}

enum auth_status smtp_conn_connect(struct smtp_client *c)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG };
    struct addrinfo *res = NULL;
    char port[8];
    const char *target = c->p.address ? c->p.address : c->p.host;
    uint64_t deadline = tls_now_ms() + c->t.connect_ms;
    int gai, last = 0;

    if (c->p.address)
        hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
    snprintf(port, sizeof port, "%u", (unsigned)c->port);
    gai = getaddrinfo(target, port, &hints, &res);
    if (gai != 0) {
        c->conn_error = SMTP_CONN_RESOLVE;
        return smtp_failed(c, SMTP_FAIL_CONNECT, AUTH_ENET, "cannot resolve %s: %s",
                           target, gai_strerror(gai));
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        note_peer(c, ai->ai_addr);
        last = try_connect(fd, ai->ai_addr, ai->ai_addrlen, deadline);
        if (last == 0) {
            c->fd = fd;
            c->usable = true;
            freeaddrinfo(res);
            return AUTH_OK;
        }
        close(fd);
        if (last == ETIMEDOUT)
            break;
    }
    freeaddrinfo(res);
    c->conn_error = classify(last);
    return smtp_failed(c, SMTP_FAIL_CONNECT, last == ETIMEDOUT ? AUTH_ETIMEOUT : AUTH_ENET,
                       "cannot connect to %s port %u: %s%s", target, (unsigned)c->port,
                       last == ETIMEDOUT ? "timed out" : strerror(last),
                       last == ETIMEDOUT && c->port == 25
                           ? " (outbound port 25 may be blocked)" : "");
}

enum auth_status smtp_conn_tls(struct smtp_client *c)
{
    char err[256];
    enum auth_status st;
    const char *name = c->p.host ? c->p.host : c->p.address;

    st = tls_session_start(c->tls_ctx, c->fd, name, tls_now_ms() + c->t.tls_ms, &c->tls,
                           &c->facts, err, sizeof err);
    c->have_facts = c->facts.version[0] != '\0' || c->facts.subject[0] != '\0';
    if (st == AUTH_ETIMEOUT)
        return smtp_failed(c, SMTP_FAIL_TIMEOUT, st, "%s", err);
    if (st != AUTH_OK)
        return smtp_failed(c, SMTP_FAIL_TLS, st == AUTH_ENET ? AUTH_ETLS : st,
                           "TLS with %s failed: %s", name, err);
    return AUTH_OK;
}

/* Write everything before the deadline.  *fail_why gets the reason. */
static enum auth_status write_all(struct smtp_client *c, const char *buf, size_t len,
                                  uint64_t deadline, char *why, size_t whylen)
{
    if (c->tls)
        return tls_session_write(c->tls, buf, len, deadline, why, whylen);
    while (len > 0) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            enum auth_status st = tls_wait_fd(c->fd, POLLOUT, deadline);
            if (st != AUTH_OK)
                return auth_fail(why, whylen, st, "write timed out");
            continue;
        }
        return auth_fail(why, whylen, AUTH_ENET, "write failed: %s", strerror(errno));
    }
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
    st = write_all(c, buf, n + 2, tls_now_ms() + timeout_ms, why, sizeof why);
    return st == AUTH_OK ? AUTH_OK : write_failed(c, st, why);
}

enum auth_status smtp_conn_write_raw(struct smtp_client *c, const char *buf, size_t len,
                                     unsigned timeout_ms)
{
    const size_t block = 64 * 1024;
    char why[256];

    while (len > 0) {
        size_t n = len < block ? len : block;
        enum auth_status st = write_all(c, buf, n, tls_now_ms() + timeout_ms, why, sizeof why);
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
    size_t room = sizeof c->inbuf - c->inlen, got = 0;

    if (c->tls) {
        enum auth_status st = tls_session_read(c->tls, c->inbuf + c->inlen, room, &got,
                                               deadline, why, wl);
        c->inlen += got;
        return st;
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->inbuf + c->inlen, room, MSG_DONTWAIT);
        if (n > 0) {
            c->inlen += (size_t)n;
            return AUTH_OK;
        }
        if (n == 0)
            return auth_fail(why, wl, AUTH_ENET, "closed by server");
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            enum auth_status st = tls_wait_fd(c->fd, POLLIN, deadline);
            if (st != AUTH_OK)
                return auth_fail(why, wl, st, "no reply");
            continue;
        }
        return auth_fail(why, wl, AUTH_ENET, "%s", strerror(errno));
    }
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
    uint64_t deadline = tls_now_ms() + timeout_ms;
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
            return smtp_failed(c, SMTP_FAIL_TIMEOUT, st, "no complete reply within %u ms%s",
                               timeout_ms, c->inlen ? " (reply started, never finished)" : "");
        if (st != AUTH_OK)
            return smtp_failed(c, SMTP_FAIL_PROTOCOL, AUTH_EPARSE, "connection %s%s",
                               st == AUTH_ENET && !strcmp(why, "closed by server")
                                   ? "closed by the server" : why,
                               c->inlen ? " in the middle of a reply" : " before a reply");
    }
}

void smtp_conn_close(struct smtp_client *c)
{
    if (c->tls) {
        tls_session_free(c->tls, c->usable ? tls_now_ms() + 1000 : 0);
        c->tls = NULL;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->usable = false;
}
