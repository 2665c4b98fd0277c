/*
 * findings.c - the port checklist of the mail-server guides as findings:
 * 25 open (inbound mail), 587 or 465 open (submission), STARTTLS on 25/587,
 * plaintext 110/143 closed (or at least STARTTLS-only), no login before TLS,
 * valid certificates on every TLS port, TLS 1.2 or later; and the outbound
 * port-25 check.
 */
#include <stdio.h>
#include <string.h>

#include "ports/ports_int.h"

#define REF_SUBMISSION "RFC 8314 3.3; RFC 6409"
#define REF_TLS        "RFC 8314; RFC 7525"

static const struct port_probe *find(const struct ports_report *r, uint16_t port)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->probes[i].port == port)
            return &r->probes[i];
    return NULL;
}

static bool is_open(const struct ports_report *r, uint16_t port)
{
    const struct port_probe *p = find(r, port);
    return p && p->state == PORT_OPEN;
}

/* One line of evidence about a probe. */
static void evidence(const struct port_probe *p, char *buf, size_t len)
{
    snprintf(buf, len, "port %u (%s) probed at %u: %s%s%s%s%s%s%s", (unsigned)p->port,
             p->service, (unsigned)p->probed_port, port_state_name(p->state),
             p->banner[0] ? ", banner: " : "", p->banner,
             p->tls_done ? ", " : "", p->tls_done ? p->tls.version : "",
             p->error[0] ? ", " : "", p->error);
}

static enum auth_status add(struct finding_list *l, const struct port_probe *p, const char *id,
                            enum finding_severity sev, const char *summary, const char *fix,
                            const char *ref, const char *detail)
{
    char ev[1024];
    enum auth_status st = finding_add(l, id, sev, summary, detail, fix, ref);

    if (st == AUTH_OK && p) {
        evidence(p, ev, sizeof ev);
        st = finding_set_evidence(l, ev);
    }
    return st;
}

static enum auth_status inbound_and_submission(const struct ports_report *r,
                                              struct finding_list *l)
{
    const struct port_probe *smtp = find(r, 25), *sub = find(r, 587), *subs = find(r, 465);
    enum auth_status st = AUTH_OK;
    char s[200];

    if (smtp && smtp->state != PORT_OPEN && smtp->state != PORT_SILENT) {
        snprintf(s, sizeof s, "port 25 is %s: other servers cannot deliver mail here",
                 port_state_name(smtp->state));
        st = add(l, smtp, "ports.smtp-closed", SEV_FAIL, s, "open TCP port 25 in the "
                 "firewall and have the MTA listen on it", "RFC 5321 4.5.4", NULL);
    } else if (smtp && smtp->state == PORT_OPEN) {
        st = add(l, smtp, "ports.smtp-open", SEV_PASS, "port 25 accepts connections", NULL,
                 NULL, NULL);
    }
    if (st != AUTH_OK || !sub || !subs)
        return st;
    if (!is_open(r, 587) && !is_open(r, 465))
        return add(l, sub, "ports.submission-closed", SEV_FAIL, "neither 587 (submission) "
                   "nor 465 (submissions) is open: mail clients cannot send",
                   "open 465 (implicit TLS) and/or 587 (STARTTLS) with AUTH", REF_SUBMISSION,
                   NULL);
    snprintf(s, sizeof s, "submission open on %s%s%s", is_open(r, 587) ? "587" : "",
             is_open(r, 587) && is_open(r, 465) ? " and " : "", is_open(r, 465) ? "465" : "");
    return add(l, is_open(r, 465) ? subs : sub, "ports.submission-open", SEV_PASS, s, NULL,
               NULL, NULL);
}

static enum auth_status cleartext_ports(const struct port_probe *p, struct finding_list *l)
{
    char s[200];
    bool smtp = p->port == 25 || p->port == 587;
    bool mailbox = p->port == 110 || p->port == 143;
    const char *verb = p->port == 110 ? "STLS" : "STARTTLS";

    if (p->state != PORT_OPEN || p->implicit_tls || p->port == 4190)
        return AUTH_OK;
    if (smtp && !p->starttls_offered) {
        snprintf(s, sizeof s, "port %u does not offer STARTTLS: mail to it travels in clear",
                 (unsigned)p->port);
        return add(l, p, "ports.starttls-missing", SEV_FAIL, s, "configure a certificate "
                   "(Postfix: smtpd_tls_cert_file, smtpd_tls_security_level = may)",
                   "RFC 3207", NULL);
    }
    if (!mailbox)
        return AUTH_OK;
    if (!p->starttls_offered) {
        snprintf(s, sizeof s, "port %u (%s) is open without %s: passwords and mail in clear",
                 (unsigned)p->port, p->service, verb);
        return add(l, p, "ports.plaintext-open", SEV_FAIL, s, "close the port, or offer "
                   "STARTTLS and refuse login before it (Dovecot: ssl = required)",
                   REF_TLS, NULL);
    }
    snprintf(s, sizeof s, "port %u (%s) is open (with %s); the guides close it in favour of "
             "%s", (unsigned)p->port, p->service, verb, p->port == 110 ? "995" : "993");
    return add(l, p, "ports.plaintext-port-open", SEV_INFO, s, NULL, "RFC 8314 3.3", NULL);
}

static enum auth_status auth_and_tls(const struct port_probe *p, struct finding_list *l)
{
    enum auth_status st = AUTH_OK;
    char s[300];

    if (p->state != PORT_OPEN)
        return AUTH_OK;
    if (p->auth_before_tls) {
        bool mailbox = p->port == 110 || p->port == 143;
        snprintf(s, sizeof s, "port %u (%s) offers %s before TLS", (unsigned)p->port,
                 p->service, mailbox ? "login" : "AUTH");
        st = add(l, p, "ports.auth-before-tls", mailbox ? SEV_FAIL : SEV_WARN, s,
                 mailbox ? "Dovecot: disable_plaintext_auth = yes (ssl = required)"
                         : "Postfix: smtpd_tls_auth_only = yes", REF_TLS, NULL);
    }
    if (st != AUTH_OK || (!p->implicit_tls && !p->starttls_offered))
        return st;
    if (!p->tls_done) {
        snprintf(s, sizeof s, "TLS on port %u (%s) failed", (unsigned)p->port, p->service);
        return add(l, p, "ports.tls-failed", SEV_FAIL, s, NULL, REF_TLS, p->error);
    }
    if (!p->tls.verified) {
        snprintf(s, sizeof s, "the certificate on port %u (%s) does not verify: %s",
                 (unsigned)p->port, p->service, p->tls.verify_error);
        return add(l, p, "ports.tls-invalid", SEV_FAIL, s, "install a certificate for the "
                   "host name, with its whole chain", REF_TLS, p->tls.subject);
    }
    if (strcmp(p->tls.version, "TLSv1.2") != 0 && strcmp(p->tls.version, "TLSv1.3") != 0) {
        snprintf(s, sizeof s, "port %u (%s) negotiated %s", (unsigned)p->port, p->service,
                 p->tls.version);
        return add(l, p, "ports.tls-old", SEV_WARN, s, "allow TLS 1.2 and 1.3 only",
                   "RFC 8996", NULL);
    }
    snprintf(s, sizeof s, "port %u (%s): %s, certificate verified", (unsigned)p->port,
             p->service, p->tls.version);
    return add(l, p, "ports.tls-ok", SEV_PASS, s, NULL, NULL, NULL);
}

/* A port that accepted the connection and then said nothing in time: not
 * closed (something listens) and not filtered (the handshake completed). */
static enum auth_status silent(const struct port_probe *p, struct finding_list *l)
{
    char s[300];

    snprintf(s, sizeof s, "port %u (%s) accepts connections but sent no %s within %u ms",
             (unsigned)p->port, p->service, p->implicit_tls ? "TLS handshake" : "greeting",
             p->ms);
    return add(l, p, "ports.no-greeting", p->port == 25 ? SEV_FAIL : SEV_WARN, s,
               "check that the service runs and is not overloaded (process limits, "
               "postscreen/greet delays), and that no middlebox holds the port",
               p->port == 25 ? "RFC 5321 4.3.1; 4.5.3.2" : NULL, NULL);
}

enum auth_status ports_findings(const struct ports_report *r, struct finding_list *l)
{
    enum auth_status st = inbound_and_submission(r, l);
    char s[200];

    for (size_t i = 0; st == AUTH_OK && i < r->n; i++) {
        const struct port_probe *p = &r->probes[i];
        if ((st = cleartext_ports(p, l)) == AUTH_OK)
            st = auth_and_tls(p, l);
        if (st == AUTH_OK && p->state == PORT_FILTERED) {
            snprintf(s, sizeof s, "port %u (%s) did not answer (filtered, or the host is "
                     "down)", (unsigned)p->port, p->service);
            st = add(l, p, "ports.filtered", SEV_INFO, s, NULL, NULL, NULL);
        }
        if (st == AUTH_OK && p->state == PORT_SILENT)
            st = silent(p, l);
    }
    if (st == AUTH_OK && find(r, 993) && find(r, 995) && !is_open(r, 993) && !is_open(r, 995))
        st = add(l, find(r, 993), "ports.mailbox-tls-closed", SEV_INFO, "neither 993 (imaps) "
                 "nor 995 (pop3s) is open: no mailbox access with implicit TLS", NULL,
                 "RFC 8314 3.3", NULL);
    return st;
}

enum auth_status ports_outbound_findings(const struct port_probe *o, struct finding_list *l)
{
    char s[300];

    switch (o->state) {
    case PORT_OPEN:
        snprintf(s, sizeof s, "this machine reaches port 25 of the host (%u ms)", o->ms);
        return add(l, o, "ports.outbound-25-open", SEV_PASS, s, NULL, NULL, NULL);
    case PORT_CLOSED:
        return add(l, o, "ports.outbound-25-refused", SEV_WARN, "the host refused port 25: "
                   "egress from here is not blocked, but that host does not listen", NULL,
                   NULL, NULL);
    case PORT_SILENT:
        snprintf(s, sizeof s, "port 25 of the host accepted the connection but sent no banner "
                 "in %u ms: egress works, unless a middlebox intercepts port 25", o->ms);
        return add(l, o, "ports.outbound-25-silent", SEV_WARN, s, NULL, NULL, NULL);
    case PORT_FILTERED:
        snprintf(s, sizeof s, "no answer from port 25 within %u ms: outbound port 25 is "
                 "probably BLOCKED from this machine (common at cloud providers)", o->ms);
        return add(l, o, "ports.outbound-25-blocked", SEV_FAIL, s, "ask the provider to "
                   "unblock outbound 25, or relay through a smarthost on 587/465", NULL,
                   NULL);
    default:
        return add(l, o, "ports.outbound-25-error", SEV_ERROR, "could not test outbound "
                   "port 25", NULL, NULL, o->error);
    }
}
