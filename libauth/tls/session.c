/*
 * session.c - one TLS client session on a connected non-blocking socket:
 * handshake with verification (chain + RFC 6125 name), then reads and writes
 * that wait with poll() until a deadline.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ipaddr.h"
#include "tls/tls_int.h"
#include "core/people.h"

enum auth_status auth_tls_wait_fd(int fd, short events, uint64_t deadline_ms)
{
    for (;;) {
        uint64_t now = auth_tls_now_ms();
        struct pollfd p = { .fd = fd, .events = events };
        int r;

        if (now >= deadline_ms)
            return AUTH_ETIMEOUT;
        r = poll(&p, 1, (int)(deadline_ms - now > 60000 ? 60000 : deadline_ms - now));
        if (r > 0)
            return AUTH_OK;   /* readable, writable, or an error to discover */
        if (r < 0 && errno != EINTR)
            return AUTH_EIO;
    }
}

/* Set the name to verify: a DNS-ID with RFC 6125 wildcard rules, or an IP. */
static bool set_peer_name(SSL *ssl, const char *name)
{
    X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
    struct auth_ip ip;

    if (auth_ip_parse(name, &ip) == AUTH_OK)
        return X509_VERIFY_PARAM_set1_ip_asc(vp, name) == 1;
    X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return X509_VERIFY_PARAM_set1_host(vp, name, 0) == 1 &&
           SSL_set_tlsext_host_name(ssl, name) == 1;
}

/* One step of an SSL call that returned r <= 0: wait for what it wants.
 * AUTH_OK to retry; otherwise the failure. */
static enum auth_status want(struct tls_session *s, int r, uint64_t deadline_ms,
                             const char *what, char *err, size_t errlen)
{
    what = TR(what);
    char ebuf[200];
    int e = SSL_get_error(s->ssl, r);
    enum auth_status st;

    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        st = auth_tls_wait_fd(s->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_ms);
        if (st == AUTH_ETIMEOUT)
            return auth_fail(err, errlen, st, "TLS %s timed out", what);
        if (st != AUTH_OK)
            return auth_fail(err, errlen, st, "poll failed during TLS %s", what);
        return AUTH_OK;
    case SSL_ERROR_ZERO_RETURN:
        return auth_fail(err, errlen, AUTH_ENET, "peer closed the TLS connection during %s", what);
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0)
            return auth_fail(err, errlen, AUTH_ENET, "connection %s during TLS %s",
                             errno ? strerror(errno) : TR("closed by peer"), what);
        /* fall through */
    default:
        return auth_fail(err, errlen, AUTH_ETLS, "TLS %s failed: %s", what,
                         tls_openssl_error(ebuf, sizeof ebuf, "protocol error"));
    }
}

static enum auth_status verify_failure(SSL *ssl, char *err, size_t errlen)
{
    long v = SSL_get_verify_result(ssl);

    ERR_clear_error();
    return auth_fail(err, errlen, AUTH_ETLS, "certificate verify failed: %s",
                     X509_verify_cert_error_string(v));
}

enum auth_status auth_tls_session_start(struct tls_ctx *ctx, int fd, const char *peer_name,
                                   uint64_t deadline_ms, struct tls_session **out,
                                   struct tls_facts *facts, char *err, size_t errlen)
{
    struct tls_session *s;
    enum auth_status st = AUTH_OK;
    int r;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (!s || !(s->ssl = SSL_new(ctx->ssl))) {
        free(s);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    s->fd = fd;
    SSL_set_fd(s->ssl, fd);
    SSL_set_verify(s->ssl, ctx->report_only ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    if (peer_name && !set_peer_name(s->ssl, peer_name)) {
        auth_tls_session_free(s, 0);
        return auth_fail(err, errlen, AUTH_EINVAL, "bad TLS peer name '%s'", peer_name);
    }
    ERR_clear_error();
    while ((r = SSL_connect(s->ssl)) != 1) {
        st = want(s, r, deadline_ms, N_("handshake"), err, errlen);
        if (st != AUTH_OK)
            break;
    }
    if (facts) {
        auth_tls_facts_clear(facts);
        tls_facts_fill(s->ssl, facts);
    }
    if (st == AUTH_ETLS && SSL_get_verify_result(s->ssl) != X509_V_OK)
        st = verify_failure(s->ssl, err, errlen);
    if (st != AUTH_OK) {
        SSL_free(s->ssl);
        free(s);
        return st;
    }
    *out = s;
    return AUTH_OK;
}

enum auth_status auth_tls_session_read(struct tls_session *s, void *buf, size_t len,
                                  size_t *got, uint64_t deadline_ms, char *err, size_t errlen)
{
    *got = 0;
    ERR_clear_error();
    for (;;) {
        int r = SSL_read_ex(s->ssl, buf, len, got);
        enum auth_status st;

        if (r == 1)
            return AUTH_OK;
        st = want(s, 0, deadline_ms, N_("read"), err, errlen);
        if (st != AUTH_OK)
            return st;
    }
}

enum auth_status auth_tls_session_write(struct tls_session *s, const void *buf, size_t len,
                                   uint64_t deadline_ms, char *err, size_t errlen)
{
    const unsigned char *p = buf;

    ERR_clear_error();
    while (len > 0) {
        size_t done = 0;
        enum auth_status st;

        if (SSL_write_ex(s->ssl, p, len, &done) == 1) {
            p += done;
            len -= done;
            continue;
        }
        st = want(s, 0, deadline_ms, N_("write"), err, errlen);
        if (st != AUTH_OK)
            return st;
    }
    return AUTH_OK;
}

void auth_tls_session_free(struct tls_session *s, uint64_t deadline_ms)
{
    if (!s)
        return;
    /* close_notify, best effort; never wait for the peer's. */
    if (deadline_ms && SSL_is_init_finished(s->ssl)) {
        int r;
        while ((r = SSL_shutdown(s->ssl)) < 0) {
            int e = SSL_get_error(s->ssl, r);
            if (e != SSL_ERROR_WANT_WRITE ||
                auth_tls_wait_fd(s->fd, POLLOUT, deadline_ms) != AUTH_OK)
                break;
        }
    }
    ERR_clear_error();
    SSL_free(s->ssl);
    free(s);
}
