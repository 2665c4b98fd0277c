/*
 * auth/ports.h - the mail host's port checklist: probe 25, 465, 587, 993,
 * 995, 110, 143 (and 4190 ManageSieve when asked) concurrently, each for
 * open / closed (refused) / filtered (no answer in time), its banner, TLS
 * (implicit, or STARTTLS / STLS) with version and certificate verification,
 * and whether authentication is offered before TLS; then turn what was seen
 * into findings with stable ids (ports.*).  Also the outbound check: can
 * this machine reach port 25 of some host at all.
 *
 * Probes use libauth/smtp for SMTP, libauth/imap for IMAP and small line
 * probes for POP3 and ManageSieve, all with TLS in report-only mode (the
 * handshake completes so a bad certificate can be reported, never trusted
 * for anything: no credentials are sent).
 *
 * Ownership: the report is the caller's; ports_report_clear() frees what
 * its probes hold.  Nothing here prints or exits.
 */
#ifndef AUTH_PORTS_H
#define AUTH_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dns.h"
#include "auth/finding.h"
#include "auth/net.h"
#include "auth/status.h"
#include "auth/tls.h"

#define PORTS_MAX      8
#define PORTS_MAP_MAX  16

/* SILENT: the connection was accepted but the server's first words (the
 * greeting, or the TLS handshake of an implicit-TLS port) never came in
 * time: a stalled or overloaded server, or a middlebox holding connections.
 * FILTERED: the connection itself got no answer (SYN dropped). */
enum port_state { PORT_OPEN = 0, PORT_CLOSED, PORT_FILTERED, PORT_ERROR, PORT_SILENT };

/* "open", "closed", "filtered", "error", "silent". */
const char *port_state_name(enum port_state s);

struct port_probe {
    uint16_t port;             /* the service's well-known port */
    uint16_t probed_port;      /* where it was probed (a --port-map entry, else port) */
    const char *service;       /* "smtp", "submissions", "submission", "imaps", "pop3s",
                                  "pop3", "imap", "sieve" (static) */
    bool implicit_tls;         /* TLS from the first byte on this port */
    enum port_state state;
    char banner[256];          /* greeting text, printable */
    bool starttls_offered;     /* STARTTLS/STLS ports: offered in clear */
    bool tls_done;             /* a handshake completed */
    bool auth_before_tls;      /* login/AUTH possible before TLS */
    struct tls_facts tls;      /* when tls_done (or a failed handshake produced some) */
    char error[320];           /* why a probe step failed, "" when none */
    unsigned ms;               /* time the probe took */
};

struct ports_params {
    const char *host;          /* name (verified against certificates) or IP literal */
    const struct net_addrs *addrs; /* addresses to probe (tried in turn); NULL: host's */
    struct dns_engine *eng;    /* resolves host (A+AAAA, once, before the probes) */
    bool sieve;                /* also 4190 */
    const char *ca_file;       /* NULL: the system trust store */
    unsigned timeout_ms;       /* connect and every step; 0: 10 s */
    /* test/lab use: probe well-known port from at probed port to */
    struct { uint16_t from, to; } map[PORTS_MAP_MAX];
    size_t nmap;
};

struct ports_report {
    size_t n;
    struct port_probe probes[PORTS_MAX];
};

/* Probe every port concurrently (one thread each).  AUTH_OK with out
 * filled (each probe says its own outcome); AUTH_EINVAL (no host, or a
 * name and no engine); AUTH_ENET when the host does not resolve (err says
 * so); AUTH_ENOMEM / AUTH_EIO (threads).  Free with ports_report_clear(). */
AUTH_MUST_USE
enum auth_status ports_probe(const struct ports_params *p, struct ports_report *out,
                             char *err, size_t errlen);
void ports_report_clear(struct ports_report *r);

/* "25=2525,587=2587": add each PORT=TO pair to p->map.  0, or -1 when the
 * spec is malformed (a port outside 1..65535, more than PORTS_MAP_MAX). */
int ports_parse_map(const char *spec, struct ports_params *p);

/* Findings for a report: ports.smtp-closed, ports.submission-closed,
 * ports.starttls-missing, ports.plaintext-open (110/143 without
 * STARTTLS/STLS), ports.plaintext-port-open, ports.auth-before-tls,
 * ports.tls-invalid, ports.tls-failed, ports.tls-old, ports.tls-ok,
 * ports.filtered, ports.no-greeting (a silent port), ports.mailbox-tls-closed,
 * ports.smtp-open,
 * ports.submission-open.  AUTH_OK, AUTH_ENOMEM, AUTH_ELIMIT. */
AUTH_MUST_USE
enum auth_status ports_findings(const struct ports_report *r, struct finding_list *l);

/* Outbound check: connect to host (resolved through eng unless an IP
 * literal) port (25 normally) and read the banner.
 * out->state says open / closed (refused: reachable, egress not blocked) /
 * filtered (no answer: egress to 25 is probably blocked here).  AUTH_OK
 * with out filled; AUTH_ENET when host does not resolve. */
AUTH_MUST_USE
enum auth_status ports_outbound(struct dns_engine *eng, const char *host, uint16_t port,
                                unsigned timeout_ms,
                                struct port_probe *out, char *err, size_t errlen);

/* Findings for the outbound check: ports.outbound-25-open,
 * ports.outbound-25-blocked, ports.outbound-25-refused. */
AUTH_MUST_USE
enum auth_status ports_outbound_findings(const struct port_probe *o, struct finding_list *l);

#endif
