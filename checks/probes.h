/*
 * probes.h - the audit's network probes (SMTP on port 25, the port
 * checklist, the MTA-STS policy over HTTPS) through one bounded pool, with
 * their results kept for the whole run, keyed by what was probed.
 *
 * The pool is the one place the audit starts threads: a fixed number of
 * workers, started on the first probe (a --no-smtp run starts none), and at
 * most per_address probes of one address at a time (--smtp-per-ip; each
 * probe holds one connection to the SMTP port at a time).  A probe is made
 * once per run: hosted domains that share MX hosts share their probes.  The
 * SMTP probe is keyed by address and port alone, whatever MX name led to
 * the address (in bulk, 10,000 domains whose MX names resolve to three
 * addresses are three SMTP probes); what depends on the name (does the
 * certificate name this MX?) is judged per name with audit_smtp_verified().
 *
 * The judges ask for a result with audit_probe_want(): a finished probe is
 * returned; otherwise the probe is queued (workers start on it at once),
 * the audit round is marked as waiting for it, and NULL comes back.  The
 * gather stage then waits with audit_probes_wait() and judges again.
 */
#ifndef MAILCTL_PROBES_H
#define MAILCTL_PROBES_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/ipaddr.h"
#include "auth/mtasts.h"
#include "auth/ports.h"
#include "auth/smtp.h"
#include "auth/tls.h"

struct audit_options;

enum audit_probe_kind {
    PROBE_SMTP,         /* banner, EHLO, STARTTLS, handshake, QUIT (never MAIL) */
    PROBE_PORTS,        /* the ports checklist of one address */
    PROBE_MTASTS,       /* GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt */
};

struct audit_smtp_result {
    enum auth_status open_st;
    enum smtp_failure failure;
    enum smtp_connect_error conn;
    int reply_code;
    bool starttls_offered, tls;
    struct smtp_client *client;      /* closed; kept because it owns facts */
    const struct tls_facts *facts;   /* NULL when no handshake facts */
    char banner[256];                /* first word of the banner text */
    char ehlo[256];                  /* the name in the EHLO reply */
    char why[320];
};

struct audit_ports_result {
    enum auth_status st;
    struct ports_report rep;
    char err[300];
};

struct audit_mtasts_result {
    /* The asker's answers for mta-sts.DOMAIN (A, AAAA) from its snapshot:
     * the probe resolves nothing itself.  Valid while the asker waits. */
    const struct dns_result *a, *aaaa;
    enum auth_status st;             /* AUTH_OK: a 200 with a body */
    struct mtasts_fetch_result fetch;
    char why[320];
};

/* One probe: what was asked (the key) and, once done, its result. */
struct audit_probe {
    enum audit_probe_kind kind;
    char host[DNS_MAX_NAME + 2];     /* MX host (SMTP, ports); policy domain (MTA-STS) */
    char address[AUTH_IP_STRLEN];    /* "" for MTA-STS */
    unsigned port;
    const struct audit_options *opt; /* of the audit that asked first */
    int state;                       /* probes.c's */
    union {
        struct audit_smtp_result smtp;
        struct audit_ports_result ports;
        struct audit_mtasts_result mtasts;
    } u;
    struct audit_probe *next;
};

struct audit_probes;

/* threads: workers (0: 16); per_address: probes of one address at once (0: 2).
 * NULL on allocation failure. */
struct audit_probes *audit_probes_new(unsigned threads, unsigned per_address);
/* Stops the workers (after the probes in progress) and frees every result. */
void audit_probes_free(struct audit_probes *p);

/* What one audit round waits for (the gather stage owns it). */
struct audit_wait {
    struct audit_probe **items;
    size_t n, cap;
    bool nomem;
};

/* The probe (kind, host, address, port) if done; otherwise queue it when
 * new, add it to w, and return NULL. */
const struct audit_probe *audit_probe_want(struct audit_probes *p, struct audit_wait *w,
                                           const struct audit_options *opt,
                                           enum audit_probe_kind kind, const char *host,
                                           const char *address, unsigned port);
/* The MTA-STS policy probe of domain, fetched from the addresses in a and
 * aaaa (the asker's snapshot answers for mta-sts.DOMAIN; not deferred
 * placeholders); otherwise as audit_probe_want(). */
const struct audit_probe *audit_probe_want_mtasts(struct audit_probes *p, struct audit_wait *w,
                                                  const struct audit_options *opt,
                                                  const char *domain, unsigned port,
                                                  const struct dns_result *a,
                                                  const struct dns_result *aaaa);
/* Block until every probe of w is done, then empty w. */
void audit_probes_wait(struct audit_probes *p, struct audit_wait *w);
void audit_wait_free(struct audit_wait *w);

/* Whether the certificate an SMTP probe saw verifies for host (chain and
 * name, as a handshake naming host would have said): the probe's own
 * result for the name it was made with, otherwise the chain verified again
 * offline for host (the run's trust anchors, loaded once).  why gets the
 * reason when not ("hostname mismatch"). */
bool audit_smtp_verified(struct audit_probes *p, const struct audit_probe *pr,
                         const char *host, char *why, size_t whylen);

/* probe_smtp.c: the SMTP probe of one address (the only one mailctl has). */
void audit_smtp_probe(const char *host, const char *address, unsigned port,
                      const char *ca_file, unsigned timeout_ms, struct audit_smtp_result *r);

#endif
