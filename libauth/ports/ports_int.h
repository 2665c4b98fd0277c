/*
 * ports_int.h - internals of libauth/ports: the per-protocol probes, each
 * filling one struct port_probe (state, banner, TLS, AUTH before TLS).
 */
#ifndef LIBAUTH_PORTS_INT_H
#define LIBAUTH_PORTS_INT_H

#include "auth/net.h"
#include "auth/ports.h"

struct probe_job {
    const struct ports_params *p;
    const struct net_addrs *addrs;   /* the host's addresses, resolved once */
    struct port_probe *out;
    enum { PROTO_SMTP, PROTO_IMAP, PROTO_POP3, PROTO_SIEVE } proto;
};

void ports_probe_smtp(struct probe_job *j);
void ports_probe_imap(struct probe_job *j);
/* POP3 (CAPA, STLS) and ManageSieve (capability greeting, STARTTLS). */
void ports_probe_lines(struct probe_job *j);

/* State from a connection failure. */
enum port_state ports_state_of(enum net_connect_error e);
/* Copy the report fields of facts (not the SAN list or the chain). */
void ports_copy_facts(struct tls_facts *dst, const struct tls_facts *src);
/* Copy a banner keeping printable ASCII only. */
void ports_set_banner(struct port_probe *o, const char *text, size_t len);

#endif
