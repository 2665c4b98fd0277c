/*
 * conn.c - a client TCP connection with deadlines (see auth/net.h): the
 * host's addresses from the DNS engine, a connect to each in turn on a
 * non-blocking socket, optional TLS, and reads/writes that wait with poll().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/net.h"
#include "core/people.h"

struct net_conn {
    int fd;
    struct tls_session *tls;
    char peer[64];
    char local[64];
    int local_family;
};

const char *auth_net_connect_error_name(enum net_connect_error e)
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
static int connect_one(int fd, const struct sockaddr *sa, socklen_t len, uint64_t deadline_ms)
{
    int soerr = 0;
    socklen_t sl = sizeof soerr;

    if (connect(fd, sa, len) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return errno;
    if (auth_tls_wait_fd(fd, POLLOUT, deadline_ms) != AUTH_OK)
        return ETIMEDOUT;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        return errno;
    return soerr;
}

/* An IP literal and port as a socket address; false when it does not parse. */
static bool to_sockaddr(const char *text, uint16_t port, struct sockaddr_storage *ss,
                        socklen_t *len)
{
    struct auth_ip ip;

    memset(ss, 0, sizeof *ss);
    if (auth_ip_parse(text, &ip) != AUTH_OK)
        return false;
    if (ip.family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, ip.b, 16);
        *len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, ip.b, 4);
        *len = sizeof *s4;
    }
    return true;
}

static void note_local(struct net_conn *c)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    const void *a;

    if (getsockname(c->fd, (struct sockaddr *)&ss, &len) < 0 ||
        (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
        return;
    a = ss.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                                 : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
    if (inet_ntop(ss.ss_family, a, c->local, sizeof c->local))
        c->local_family = ss.ss_family;
}

/* Append the addresses of one answer (A or AAAA) to out. */
static void take_addresses(const struct dns_result *r, struct net_addrs *out)
{
    for (size_t i = 0; r && i < dns_result_count(r) && out->n < NET_MAX_ADDRS; i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        if (rr->type == DNS_T_A || rr->type == DNS_T_AAAA)
            auth_ip_format(&rr->u.addr, out->addr[out->n++], AUTH_IP_STRLEN);
    }
}

enum auth_status auth_net_resolve(struct dns_engine *eng, const char *host, struct net_addrs *out,
                             char *err, size_t errlen)
{
    struct auth_ip ip;
    struct dns_batch *b;
    const struct dns_result *a, *aaaa;
    enum auth_status st;
    size_t ia, iaaaa;

    memset(out, 0, sizeof *out);
    if (!host || !*host)
        return auth_fail(err, errlen, AUTH_EINVAL, "no host given");
    if (auth_ip_parse(host, &ip) == AUTH_OK) {
        auth_ip_format(&ip, out->addr[0], AUTH_IP_STRLEN);
        out->n = 1;
        return AUTH_OK;
    }
    if (!eng)
        return auth_fail(err, errlen, AUTH_EINVAL, "cannot resolve %s: no DNS engine", host);
    if (dns_name_check(host, err, errlen) != AUTH_OK)
        return AUTH_EINVAL;
    if (!(b = dns_batch_new(eng)))
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    ia = dns_batch_add(b, host, DNS_T_A);
    iaaaa = dns_batch_add(b, host, DNS_T_AAAA);
    st = dns_batch_wait(b);
    if (st != AUTH_OK) {
        dns_batch_free(b);
        return auth_fail(err, errlen, st, "cannot resolve %s: DNS engine failed", host);
    }
    a = dns_batch_result(b, ia);
    aaaa = dns_batch_result(b, iaaaa);
    take_addresses(a, out);
    take_addresses(aaaa, out);
    if (!out->n)
        auth_status_ignore(auth_fail(err, errlen, AUTH_ENET, "cannot resolve %s: %s", host,
                  dns_result_status(a) != DNS_NODATA ? dns_result_why_for_people(a)
                  : dns_result_status(aaaa) == DNS_NODATA ? TR("no A or AAAA record")
                  : dns_result_why_for_people(aaaa)));
    dns_batch_free(b);
    return out->n ? AUTH_OK : AUTH_ENET;
}

enum auth_status auth_net_connect_addrs(const struct net_addrs *a, const char *host, uint16_t port,
                                   uint64_t deadline_ms, struct net_conn **out,
                                   enum net_connect_error *why, char *err, size_t errlen)
{
    enum net_connect_error dummy;
    int last = ECONNREFUSED;

    why = why ? why : &dummy;
    *out = NULL;
    *why = NET_CONN_OK;
    if (!a || !a->n) {
        *why = NET_CONN_RESOLVE;
        return auth_fail(err, errlen, AUTH_EINVAL, "no address to connect to");
    }
    for (size_t i = 0; i < a->n && i < NET_MAX_ADDRS; i++) {
        struct sockaddr_storage ss;
        socklen_t sl;
        int fd;

        if (!to_sockaddr(a->addr[i], port, &ss, &sl)) {
            *why = NET_CONN_OTHER;
            return auth_fail(err, errlen, AUTH_EINVAL, "bad address '%.60s'", a->addr[i]);
        }
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            last = errno;
            continue;
        }
        last = connect_one(fd, (struct sockaddr *)&ss, sl, deadline_ms);
        if (last == 0) {
            struct net_conn *c = calloc(1, sizeof *c);
            if (!c) {
                close(fd);
                return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
            }
            c->fd = fd;
            snprintf(c->peer, sizeof c->peer, "%s", a->addr[i]);
            note_local(c);
            *out = c;
            return AUTH_OK;
        }
        close(fd);
        if (last == ETIMEDOUT)
            break;
    }
    *why = connect_error_of(last);
    return auth_fail(err, errlen, last == ETIMEDOUT ? AUTH_ETIMEOUT : AUTH_ENET,
                     "cannot connect to %s port %u: %s", host ? host : a->addr[0],
                     (unsigned)port, last == ETIMEDOUT ? TR("timed out") : strerror(last));
}

enum auth_status auth_net_connect(struct dns_engine *eng, const char *host, uint16_t port,
                             uint64_t deadline_ms, struct net_conn **out,
                             enum net_connect_error *why, char *err, size_t errlen)
{
    struct net_addrs a;
    enum auth_status st = auth_net_resolve(eng, host, &a, err, errlen);

    if (st != AUTH_OK) {
        *out = NULL;
        if (why)
            *why = NET_CONN_RESOLVE;
        return st;
    }
    return auth_net_connect_addrs(&a, host, port, deadline_ms, out, why, err, errlen);
}

enum auth_status auth_net_start_tls(struct net_conn *c, struct tls_ctx *ctx, const char *peer_name,
                               uint64_t deadline_ms, struct tls_facts *facts,
                               char *err, size_t errlen)
{
    if (c->tls)
        return auth_fail(err, errlen, AUTH_EINVAL, "TLS is already active");
    return auth_tls_session_start(ctx, c->fd, peer_name, deadline_ms, &c->tls, facts, err, errlen);
}

enum auth_status auth_net_read(struct net_conn *c, void *buf, size_t len, size_t *got,
                          uint64_t deadline_ms, char *err, size_t errlen)
{
    *got = 0;
    if (c->tls)
        return auth_tls_session_read(c->tls, buf, len, got, deadline_ms, err, errlen);
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
        st = auth_tls_wait_fd(c->fd, POLLIN, deadline_ms);
        if (st != AUTH_OK)
            return st == AUTH_ETIMEOUT ? auth_fail(err, errlen, st, "read timed out")
                                       : auth_fail(err, errlen, st, "read failed");
    }
}

enum auth_status auth_net_write(struct net_conn *c, const void *buf, size_t len,
                           uint64_t deadline_ms, char *err, size_t errlen)
{
    const char *p = buf;

    if (c->tls)
        return auth_tls_session_write(c->tls, buf, len, deadline_ms, err, errlen);
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
        st = auth_tls_wait_fd(c->fd, POLLOUT, deadline_ms);
        if (st != AUTH_OK)
            return st == AUTH_ETIMEOUT ? auth_fail(err, errlen, st, "write timed out")
                                       : auth_fail(err, errlen, st, "write failed");
    }
    return AUTH_OK;
}

bool auth_net_tls_active(const struct net_conn *c)
{
    return c && c->tls;
}

const char *auth_net_peer(const struct net_conn *c)
{
    return c ? c->peer : "";
}

const char *auth_net_local(const struct net_conn *c, int *family)
{
    if (family)
        *family = c ? c->local_family : 0;
    return c ? c->local : "";
}

void auth_net_close(struct net_conn *c, bool graceful)
{
    if (!c)
        return;
    if (c->tls)
        auth_tls_session_free(c->tls, graceful ? auth_tls_now_ms() + 1000 : 0);
    close(c->fd);
    free(c);
}
