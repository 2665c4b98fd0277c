/*
 * auth/net.h - one client TCP connection for the line protocols (SMTP,
 * IMAP, POP3, ManageSieve probes): host names resolved with mailctl's own
 * DNS engine (A and AAAA in one batch, never the system resolver), a
 * non-blocking connect to each address in turn bounded by a deadline, TLS
 * from libauth/tls started on it (implicit or after a STARTTLS-like
 * command), and reads and writes that wait with poll() until an absolute
 * deadline (auth_tls_now_ms() milliseconds).
 *
 * Ownership: auth_net_connect() gives a connection the caller frees with
 * auth_net_close().  Nothing here prints, exits or reads the environment.
 */
#ifndef AUTH_NET_H
#define AUTH_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dns.h"
#include "auth/ipaddr.h"
#include "auth/status.h"
#include "auth/tls.h"
#include "auth/export.h"

AUTH_API_BEGIN

#define NET_MAX_ADDRS 16

/* The addresses of a host (IP literals), tried in this order. */
struct net_addrs {
    size_t n;
    char addr[NET_MAX_ADDRS][AUTH_IP_STRLEN];
};

/* Why a connection could not be made. */
enum net_connect_error {
    NET_CONN_OK = 0,
    NET_CONN_RESOLVE,        /* the host name did not resolve */
    NET_CONN_REFUSED,        /* RST: the port is closed */
    NET_CONN_TIMEOUT,        /* no answer: the port is filtered */
    NET_CONN_UNREACHABLE,    /* network or host unreachable */
    NET_CONN_OTHER,
};

/* "ok", "resolve", "refused", "timeout", "unreachable", "other". */
const char *auth_net_connect_error_name(enum net_connect_error e);

struct net_conn;

/* The addresses of host: an IP literal is its own address; a name gets its
 * A and AAAA records asked through eng in one batch (IPv4 first), at most
 * NET_MAX_ADDRS.  eng may be NULL only for an IP literal.
 * AUTH_OK with out->n >= 1; AUTH_ENET when the name has no address
 * (NXDOMAIN, NODATA) or the lookup failed (timeout, SERVFAIL...), err
 * saying which ("cannot resolve H: nxdomain"); AUTH_EINVAL (a name with no
 * engine, or a bad name); AUTH_ENOMEM, AUTH_EIO. */
AUTH_MUST_USE
enum auth_status auth_net_resolve(struct dns_engine *eng, const char *host, struct net_addrs *out,
                             char *err, size_t errlen);

/* Connect to port of the first address of a that answers, trying each in
 * turn until the deadline passes.  host (may be NULL) names the peer in
 * messages.  AUTH_OK with *out set; AUTH_ENET (refused, unreachable) or
 * AUTH_ETIMEOUT with *why saying which and err the reason; AUTH_EINVAL (no
 * address or one that does not parse); AUTH_ENOMEM.  why may be NULL. */
AUTH_MUST_USE
enum auth_status auth_net_connect_addrs(const struct net_addrs *a, const char *host, uint16_t port,
                                   uint64_t deadline_ms, struct net_conn **out,
                                   enum net_connect_error *why, char *err, size_t errlen);

/* auth_net_resolve() then auth_net_connect_addrs(): *why is NET_CONN_RESOLVE when the
 * host has no address. */
AUTH_MUST_USE
enum auth_status auth_net_connect(struct dns_engine *eng, const char *host, uint16_t port,
                             uint64_t deadline_ms, struct net_conn **out,
                             enum net_connect_error *why, char *err, size_t errlen);

/* Start TLS on the connection: peer_name is verified (and sent as SNI) as
 * auth_tls_session_start() does; facts (may be NULL) are filled.  Returns what
 * auth_tls_session_start() returns. */
AUTH_MUST_USE
enum auth_status auth_net_start_tls(struct net_conn *c, struct tls_ctx *ctx, const char *peer_name,
                               uint64_t deadline_ms, struct tls_facts *facts,
                               char *err, size_t errlen);

/* Read up to len bytes (at least one) before the deadline.  AUTH_OK with
 * *got > 0; AUTH_ENET when the peer closed (or reset); AUTH_ETIMEOUT;
 * AUTH_ETLS. */
AUTH_MUST_USE
enum auth_status auth_net_read(struct net_conn *c, void *buf, size_t len, size_t *got,
                          uint64_t deadline_ms, char *err, size_t errlen);

/* Write all of buf before the deadline.  AUTH_OK, AUTH_ETIMEOUT, AUTH_ENET,
 * AUTH_ETLS. */
AUTH_MUST_USE
enum auth_status auth_net_write(struct net_conn *c, const void *buf, size_t len,
                           uint64_t deadline_ms, char *err, size_t errlen);

/* Whether TLS is active. */
bool auth_net_tls_active(const struct net_conn *c);
/* The address connected to, as text ("127.0.0.1"). */
const char *auth_net_peer(const struct net_conn *c);
/* Our end of the connection, as text, and its family (AF_INET/AF_INET6);
 * "" and 0 when unknown. */
const char *auth_net_local(const struct net_conn *c, int *family);

/* Close (with a TLS close_notify when graceful); NULL is fine. */
void auth_net_close(struct net_conn *c, bool graceful);

AUTH_API_END

#endif
