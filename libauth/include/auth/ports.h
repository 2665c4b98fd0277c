/*
 * auth/ports.h - the mail host's port checklist: probe 25, 465, 587, 993,
 * 995, 110, 143 (and 4190 ManageSieve when asked) concurrently, each for
 * open / closed (refused) / filtered (no answer in time), its banner, TLS
 * (implicit, or STARTTLS / STLS) with version and certificate verification,
 * and whether authentication is offered before TLS; then judge what was
 * seen against the checklist (typed problems).  Also the outbound check:
 * can this machine reach port 25 of some host at all (out->state says).
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
#include "auth/net.h"
#include "auth/status.h"
#include "auth/tls.h"
#include "auth/export.h"

AUTH_API_BEGIN

#define PORTS_MAX      8
#define PORTS_MAP_MAX  16

/* SILENT: the connection was accepted but the server's first words (the
 * greeting, or the TLS handshake of an implicit-TLS port) never came in
 * time: a stalled or overloaded server, or a middlebox holding connections.
 * FILTERED: the connection itself got no answer (SYN dropped). */
enum port_state { PORT_OPEN = 0, PORT_CLOSED, PORT_FILTERED, PORT_ERROR, PORT_SILENT };

/* "open", "closed", "filtered", "error", "silent". */
const char *ports_state_name(enum port_state s);

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
    bool parallel;             /* every port on a thread of its own (a filtered
                                  port then costs one timeout, not one each);
                                  false: one after another on the caller's
                                  thread (the library starts no thread unasked) */
};

struct ports_report {
    size_t n;
    struct port_probe probes[PORTS_MAX];
};

/* Probe every port (concurrently when p->parallel).  AUTH_OK with out
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

/* What the checklist sees in a report; the checks layer maps each kind to
 * its finding (the library names no finding).  Some kinds are clean
 * outcomes (SMTP_OPEN, SUBMISSION_OPEN, TLS_OK).  Each names the probe it
 * is about by its index in the report; SUBMISSION_OPEN also says which of
 * 587 and 465 are open. */
enum ports_problem_kind {
    PORTS_PROB_SMTP_CLOSED = 0,     /* 25 refused or filtered */
    PORTS_PROB_SMTP_OPEN,
    PORTS_PROB_SUBMISSION_CLOSED,   /* neither 587 nor 465 open */
    PORTS_PROB_SUBMISSION_OPEN,
    PORTS_PROB_STARTTLS_MISSING,    /* 25/587 open without STARTTLS */
    PORTS_PROB_PLAINTEXT_OPEN,      /* 110/143 open without STARTTLS/STLS */
    PORTS_PROB_PLAINTEXT_PORT_OPEN, /* 110/143 open (with STARTTLS/STLS) */
    PORTS_PROB_AUTH_BEFORE_TLS,     /* login/AUTH offered in clear */
    PORTS_PROB_TLS_FAILED,          /* the handshake failed */
    PORTS_PROB_TLS_INVALID,         /* the certificate does not verify */
    PORTS_PROB_TLS_OLD,             /* below TLS 1.2 */
    PORTS_PROB_TLS_OK,
    PORTS_PROB_FILTERED,            /* no answer */
    PORTS_PROB_SILENT,              /* accepted, then no greeting in time */
    PORTS_PROB_MAILBOX_TLS_CLOSED,  /* neither 993 nor 995 open */
};

struct ports_problem {
    enum ports_problem_kind kind;
    size_t probe;                   /* index in the report's probes */
    bool submission, submissions;   /* SUBMISSION_OPEN: 587, 465 open */
};

/* At most four per port and three about the host: never truncated. */
#define PORTS_PROBLEMS_MAX (PORTS_MAX * 4 + 4)
struct ports_problems {
    size_t count;
    struct ports_problem items[PORTS_PROBLEMS_MAX];
};

/* The checklist of the mail-server guides over a report: 25 open (inbound
 * mail), 587 or 465 open (submission), STARTTLS on 25/587, plaintext
 * 110/143 closed (or at least STARTTLS-only), no login before TLS, valid
 * certificates on every TLS port, TLS 1.2 or later.  out is overwritten.
 * Pure: no I/O. */
void ports_problems(const struct ports_report *r, struct ports_problems *out);

/* Outbound check: connect to host (resolved through eng unless an IP
 * literal) port (25 normally) and read the banner.
 * out->state says open / closed (refused: reachable, egress not blocked) /
 * filtered (no answer: egress to 25 is probably blocked here).  AUTH_OK
 * with out filled; AUTH_ENET when host does not resolve. */
AUTH_MUST_USE
enum auth_status ports_outbound(struct dns_engine *eng, const char *host, uint16_t port,
                                unsigned timeout_ms,
                                struct port_probe *out, char *err, size_t errlen);

AUTH_API_END

#endif
