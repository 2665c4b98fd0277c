/*
 * ports_problems.c - ports.* findings: the checklist's problems over a
 * probe report, and the outbound port-25 check by its state; each finding
 * carries one line of evidence about its probe.
 */
#include <stdio.h>
#include <string.h>

#include "problems.h"

#define REF_SUBMISSION "RFC 8314 3.3; RFC 6409"
#define REF_TLS        "RFC 8314; RFC 7525"

/* One line of evidence about a probe, in the user's language for text. */
static void evidence(const struct port_probe *p, char *buf, size_t len)
{
    /* the state's name is in the catalog: the ports table shows it too */
    int n = snprintf(buf, len, TR("port %u (%s) probed at %u: %s"), (unsigned)p->port,
                     p->service, (unsigned)p->probed_port, TR(ports_state_name(p->state)));

    if (p->banner[0] && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, TR(", banner: %s"), p->banner);
    if (p->tls_done && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, TR(", %s"), p->tls.version);
    if (p->error[0] && n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, TR(", %s"), p->error);
}

static enum auth_status add(struct finding_list *l, const struct port_probe *p, const char *id,
                            enum finding_severity sev, const char *summary, const char *fix,
                            const char *ref, const char *detail)
{
    char ev[1024];
    enum auth_status st = auth_finding_add(l, id, sev, summary, detail, fix, ref);

    if (st == AUTH_OK && p) {
        evidence(p, ev, sizeof ev);
        st = auth_finding_set_evidence(l, ev);
    }
    return st;
}

/* Which submission ports are open, as one literal the catalog holds. */
static const char *submission_open(const struct ports_problem *q)
{
    if (q->submission && q->submissions)
        return N_("submission open on 587 and 465");
    if (q->submission)
        return N_("submission open on 587");
    return q->submissions ? N_("submission open on 465") : "submission open on ";
}

static enum auth_status host_level(const struct ports_problem *q, const struct port_probe *p,
                                   struct finding_list *l)
{
    char s[400];

    switch (q->kind) {
    case PORTS_PROB_SMTP_CLOSED:
        snprintf(s, sizeof s, TR("port 25 is %s: other servers cannot deliver mail here"),
                 TR(ports_state_name(p->state)));   /* cmd/ports.c marks the names */
        return add(l, p, "ports.smtp-closed", SEV_FAIL, s, N_("open TCP port 25 in the "
                   "firewall and have the MTA listen on it"), "RFC 5321 4.5.4", NULL);
    case PORTS_PROB_SMTP_OPEN:
        return add(l, p, "ports.smtp-open", SEV_PASS, N_("port 25 accepts connections"), NULL,
                   NULL, NULL);
    case PORTS_PROB_SUBMISSION_CLOSED:
        return add(l, p, "ports.submission-closed", SEV_FAIL, N_("neither 587 (submission) "
                   "nor 465 (submissions) is open: mail clients cannot send"),
                   N_("open 465 (implicit TLS) and/or 587 (STARTTLS) with AUTH"), REF_SUBMISSION,
                   NULL);
    case PORTS_PROB_SUBMISSION_OPEN:
        return add(l, p, "ports.submission-open", SEV_PASS, submission_open(q), NULL, NULL,
                   NULL);
    default:                           /* PORTS_PROB_MAILBOX_TLS_CLOSED */
        return add(l, p, "ports.mailbox-tls-closed", SEV_INFO, N_("neither 993 (imaps) "
                   "nor 995 (pop3s) is open: no mailbox access with implicit TLS"), NULL,
                   "RFC 8314 3.3", NULL);
    }
}

static enum auth_status cleartext(const struct ports_problem *q, const struct port_probe *p,
                                  struct finding_list *l)
{
    const char *verb = p->port == 110 ? "STLS" : "STARTTLS";
    char s[400];

    switch (q->kind) {
    case PORTS_PROB_STARTTLS_MISSING:
        snprintf(s, sizeof s, TR("port %u does not offer STARTTLS: mail to it travels in clear"),
                 (unsigned)p->port);
        return add(l, p, "ports.starttls-missing", SEV_FAIL, s, N_("configure a certificate "
                   "(Postfix: smtpd_tls_cert_file, smtpd_tls_security_level = may)"),
                   "RFC 3207", NULL);
    case PORTS_PROB_PLAINTEXT_OPEN:
        snprintf(s, sizeof s, TR("port %u (%s) is open without %s: passwords and mail in clear"),
                 (unsigned)p->port, p->service, verb);
        return add(l, p, "ports.plaintext-open", SEV_FAIL, s, N_("close the port, or offer "
                   "STARTTLS and refuse login before it (Dovecot: ssl = required)"),
                   REF_TLS, NULL);
    default:                           /* PORTS_PROB_PLAINTEXT_PORT_OPEN */
        snprintf(s, sizeof s, TR("port %u (%s) is open (with %s); the guides close it in "
                 "favour of %s"), (unsigned)p->port, p->service, verb,
                 p->port == 110 ? "995" : "993");
        return add(l, p, "ports.plaintext-port-open", SEV_INFO, s, NULL, "RFC 8314 3.3", NULL);
    }
}

static enum auth_status auth_before_tls(const struct port_probe *p, struct finding_list *l)
{
    bool mailbox = p->port == 110 || p->port == 143;
    char s[300];

    snprintf(s, sizeof s, mailbox ? TR("port %u (%s) offers login before TLS")
             : TR("port %u (%s) offers AUTH before TLS"), (unsigned)p->port, p->service);
    return add(l, p, "ports.auth-before-tls", mailbox ? SEV_FAIL : SEV_WARN, s,
               mailbox ? N_("Dovecot: disable_plaintext_auth = yes (ssl = required)")
                       : N_("Postfix: smtpd_tls_auth_only = yes"), REF_TLS, NULL);
}

static enum auth_status tls(const struct ports_problem *q, const struct port_probe *p,
                            struct finding_list *l)
{
    char s[300];

    switch (q->kind) {
    case PORTS_PROB_TLS_FAILED:
        snprintf(s, sizeof s, TR("TLS on port %u (%s) failed"), (unsigned)p->port, p->service);
        return add(l, p, "ports.tls-failed", SEV_FAIL, s, NULL, REF_TLS, p->error);
    case PORTS_PROB_TLS_INVALID:
        snprintf(s, sizeof s, TR("the certificate on port %u (%s) does not verify: %s"),
                 (unsigned)p->port, p->service, p->tls.verify_error);
        return add(l, p, "ports.tls-invalid", SEV_FAIL, s, N_("install a certificate for the "
                   "host name, with its whole chain"), REF_TLS, p->tls.subject);
    case PORTS_PROB_TLS_OLD:
        snprintf(s, sizeof s, TR("port %u (%s) negotiated %s"), (unsigned)p->port, p->service,
                 p->tls.version);
        return add(l, p, "ports.tls-old", SEV_WARN, s, N_("allow TLS 1.2 and 1.3 only"),
                   "RFC 8996", NULL);
    default:                           /* PORTS_PROB_TLS_OK */
        snprintf(s, sizeof s, TR("port %u (%s): %s, certificate verified"), (unsigned)p->port,
                 p->service, p->tls.version);
        return add(l, p, "ports.tls-ok", SEV_PASS, s, NULL, NULL, NULL);
    }
}

/* Filtered, or silent: accepted the connection and then said nothing in
 * time (not closed: something listens; not filtered: the handshake
 * completed). */
static enum auth_status unanswered(const struct ports_problem *q, const struct port_probe *p,
                                   struct finding_list *l)
{
    char s[300];

    if (q->kind == PORTS_PROB_FILTERED) {
        snprintf(s, sizeof s, TR("port %u (%s) did not answer (filtered, or the host is "
                 "down)"), (unsigned)p->port, p->service);
        return add(l, p, "ports.filtered", SEV_INFO, s, NULL, NULL, NULL);
    }
    snprintf(s, sizeof s, p->implicit_tls
             ? TR("port %u (%s) accepts connections but sent no TLS handshake within %u ms")
             : TR("port %u (%s) accepts connections but sent no greeting within %u ms"),
             (unsigned)p->port, p->service, p->ms);
    return add(l, p, "ports.no-greeting", p->port == 25 ? SEV_FAIL : SEV_WARN, s,
               N_("check that the service runs and is not overloaded (process limits, "
                  "postscreen/greet delays), and that no middlebox holds the port"),
               p->port == 25 ? "RFC 5321 4.3.1; 4.5.3.2" : NULL, NULL);
}

static enum auth_status one(const struct ports_problem *q, const struct port_probe *p,
                            struct finding_list *l)
{
    switch (q->kind) {
    case PORTS_PROB_STARTTLS_MISSING:
    case PORTS_PROB_PLAINTEXT_OPEN:
    case PORTS_PROB_PLAINTEXT_PORT_OPEN:
        return cleartext(q, p, l);
    case PORTS_PROB_AUTH_BEFORE_TLS:
        return auth_before_tls(p, l);
    case PORTS_PROB_TLS_FAILED:
    case PORTS_PROB_TLS_INVALID:
    case PORTS_PROB_TLS_OLD:
    case PORTS_PROB_TLS_OK:
        return tls(q, p, l);
    case PORTS_PROB_FILTERED:
    case PORTS_PROB_SILENT:
        return unanswered(q, p, l);
    default:
        return host_level(q, p, l);
    }
}

enum auth_status findings_from_ports(const struct ports_report *r, struct finding_list *l)
{
    struct ports_problems pl;
    enum auth_status st = AUTH_OK;

    ports_problems(r, &pl);
    for (size_t i = 0; st == AUTH_OK && i < pl.count; i++)
        if (pl.items[i].probe < r->n)
            st = one(&pl.items[i], &r->probes[pl.items[i].probe], l);
    return st;
}

enum auth_status findings_ports_outbound(const struct port_probe *o, struct finding_list *l)
{
    char s[300];

    switch (o->state) {
    case PORT_OPEN:
        snprintf(s, sizeof s, TR("this machine reaches port 25 of the host (%u ms)"), o->ms);
        return add(l, o, "ports.outbound-25-open", SEV_PASS, s, NULL, NULL, NULL);
    case PORT_CLOSED:
        return add(l, o, "ports.outbound-25-refused", SEV_WARN, N_("the host refused port 25: "
                   "egress from here is not blocked, but that host does not listen"), NULL,
                   NULL, NULL);
    case PORT_SILENT:
        snprintf(s, sizeof s, TR("port 25 of the host accepted the connection but sent no "
                 "banner in %u ms: egress works, unless a middlebox intercepts port 25"), o->ms);
        return add(l, o, "ports.outbound-25-silent", SEV_WARN, s, NULL, NULL, NULL);
    case PORT_FILTERED:
        snprintf(s, sizeof s, TR("no answer from port 25 within %u ms: outbound port 25 is "
                 "probably BLOCKED from this machine (common at cloud providers)"), o->ms);
        return add(l, o, "ports.outbound-25-blocked", SEV_FAIL, s, N_("ask the provider to "
                   "unblock outbound 25, or relay through a smarthost on 587/465"), NULL,
                   NULL);
    default:
        return add(l, o, "ports.outbound-25-error", SEV_ERROR, N_("could not test outbound "
                   "port 25"), NULL, NULL, o->error);
    }
}
