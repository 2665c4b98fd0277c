/*
 * conn.c - a client TCP connection with deadlines (see auth/net.h): connect
 * to each address of a host in turn on a non-blocking socket, optional TLS,
 * and reads/writes that wait with poll().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/net.h"

struct net_conn {
    int fd;
    struct tls_session *tls;
    char peer[64];
};

const char *net_connect_error_name(enum net_connect_error e)
{
    static const char *const names[] = { "ok", "resolve", "refused", "timeout",
                                         "unreachable", "other" };

    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "other";
}

static enum net_connect_error connect_error_of(int e)
{
    switch (e) {
    case ECONNREFUSED: return NET_CONN_REFUSED;
    case ETIMEDOUT: return NET_CONN_TIMEOUT;
    case ENETUNREACH: case EHOSTUNREACH: case ENETDOWN: case EHOSTDOWN:
    case EADDRNOTAVAIL: return NET_CONN_UNREACHABLE;
    default: return NET_CONN_OTHER;
    }
}

/* Connect fd to one address: 0, or the errno (ETIMEDOUT at the deadline). */
static int connect_one(int fd, const struct addrinfo *ai, uint64_t deadline_ms)
{
    int soerr = 0;
    socklen_t sl = sizeof soerr;

    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return errno;
    if (tls_wait_fd(fd, POLLOUT, deadline_ms) != AUTH_OK)
        return ETIMEDOUT;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        return errno;
    return soerr;
}

static void peer_text(const struct addrinfo *ai, char *buf, size_t len)
{
    const void *a = ai->ai_family == AF_INET6
        ? (const void *)&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
        : (const void *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr;

    if (!inet_ntop(ai->ai_family, a, buf, (socklen_t)len))
        buf[0] = '\0';
}

enum auth_status net_connect(const char *host, uint16_t port, uint64_t deadline_ms,
                             struct net_conn **out, enum net_connect_error *why,
                             char *err, size_t errlen)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    enum net_connect_error dummy;
    char portstr[8];
    int gai, last = ECONNREFUSED;

    why = why ? why : &dummy;
    *out = NULL;
    *why = NET_CONN_OK;
    snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
    gai = getaddrinfo(host, portstr, &hints, &res);
    if (gai != 0) {
        *why = NET_CONN_RESOLVE;
        return auth_fail(err, errlen, AUTH_ENET, "cannot resolve %s: %s", host,
                         gai_strerror(gai));
    }
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        last = connect_one(fd, ai, deadline_ms);
        if (last == 0) {
            struct net_conn *c = calloc(1, sizeof *c);
            if (!c) {
                close(fd);
                freeaddrinfo(res);
                return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
            }
            c->fd = fd;
            peer_text(ai, c->peer, sizeof c->peer);
            freeaddrinfo(res);
            *out = c;
            return AUTH_OK;
        }
        close(fd);
        if (last == ETIMEDOUT)
            break;
    }
    freeaddrinfo(res);
    *why = connect_error_of(last);
    return auth_fail(err, errlen, last == ETIMEDOUT ? AUTH_ETIMEOUT : AUTH_ENET,
                     "cannot connect to %s port %u: %s", host, (unsigned)port,
                     last == ETIMEDOUT ? "timed out" : strerror(last));
}

enum auth_status net_start_tls(struct net_conn *c, struct tls_ctx *ctx, const char *peer_name,
                               uint64_t deadline_ms, struct tls_facts *facts,
                               char *err, size_t errlen)
{
    if (c->tls)
        return auth_fail(err, errlen, AUTH_EINVAL, "TLS is already active");
    return tls_session_start(ctx, c->fd, peer_name, deadline_ms, &c->tls, facts, err, errlen);
}

enum auth_status net_read(struct net_conn *c, void *buf, size_t len, size_t *got,
                          uint64_t deadline_ms, char *err, size_t errlen)
{
    *got = 0;
    if (c->tls)
        return tls_session_read(c->tls, buf, len, got, deadline_ms, err, errlen);
    for (;;) {
        ssize_t n = recv(c->fd, buf, len, MSG_DONTWAIT);
        enum auth_status st;

        if (n > 0) {
            *got = (size_t)n;
            return AUTH_OK;
        }
        if (n == 0)
            return auth_fail(err, errlen, AUTH_ENET, "connection closed by the server");
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return auth_fail(err, errlen, AUTH_ENET, "read failed: %s", strerror(errno));
        st = tls_wait_fd(c->fd, POLLIN, deadline_ms);
        if (st != AUTH_OK)
            return auth_fail(err, errlen, st, "read %s", st == AUTH_ETIMEOUT ? "timed out"
                                                                            : "failed");
    }
}

enum auth_status net_write(struct net_conn *c, const void *buf, size_t len,
                           uint64_t deadline_ms, char *err, size_t errlen)
{
    const char *p = buf;

    if (c->tls)
        return tls_session_write(c->tls, buf, len, deadline_ms, err, errlen);
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        enum auth_status st;

        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return auth_fail(err, errlen, AUTH_ENET, "write failed: %s", strerror(errno));
        st = tls_wait_fd(c->fd, POLLOUT, deadline_ms);
        if (st != AUTH_OK)
            return auth_fail(err, errlen, st, "write %s", st == AUTH_ETIMEOUT ? "timed out"
                                                                              : "failed");
    }
    return AUTH_OK;
}

bool net_tls_active(const struct net_conn *c)
{
    return c && c->tls;
}

const char *net_peer(const struct net_conn *c)
{
    return c ? c->peer : "";
}

void net_close(struct net_conn *c, bool graceful)
{
    if (!c)
        return;
    if (c->tls)
        tls_session_free(c->tls, graceful ? tls_now_ms() + 1000 : 0);
    close(c->fd);
    free(c);
}
