/*
 * check_smtp.c - the smtp family: the SMTP probe of every MX address on
 * port 25 (or --smtp-port), made by the probe pool (probes.h, probe_smtp.c):
 * banner, EHLO, STARTTLS, the handshake with verification recorded, then
 * QUIT; never MAIL.  Findings smtp.* per address, and dane.tlsa-mismatch
 * per MX host from the TLSA records at _25._tcp.HOST (RFC 7672), gathered
 * in the same round as the probes.  Under DANE or an MTA-STS enforce policy a certificate
 * problem is a fail, otherwise info (RFC 7672 / RFC 8461: opportunistic
 * TLS does not authenticate).  Blocked egress, timeouts, 421 and garbage
 * are errors (not verdicts on the domain).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "auth/mx.h"
#include "auth/smtp.h"
#include "probes.h"

#define MAX_PROBES    (MX_MAX_HOSTS * 4)

/* One MX address to judge, and its probe's result (from the pool). */
struct probe {
    const struct mx_host *host;
    const struct ptr_report *addr;
    unsigned port;
    const struct audit_smtp_result *r;   /* NULL while the probe is made */
    bool verified;                       /* the certificate names this host */
    char verify_error[160];              /* why not */
};

/* The TLSA answers of every host, in one stage. */
struct dane_host {
    const struct dns_result *tlsa;
    bool usable;                       /* validated (AD) and with usable records */
    bool matched;                      /* some record matched some probe's chain */
};

static enum auth_status tlsa_stage(struct dns_engine *eng, const struct mx_report *mx,
                                   struct dane_host *dh)
{
    struct dns_batch *b = dns_batch_new(eng);
    size_t idx[MX_MAX_HOSTS];
    enum auth_status st;

    if (!b)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < mx->nhosts; i++) {
        char name[DNS_MAX_NAME + 16];
        snprintf(name, sizeof name, "_25._tcp.%s", mx->hosts[i].host);
        idx[i] = mx->hosts[i].ip_literal ? SIZE_MAX : dns_batch_add(b, name, DNS_T_TLSA);
    }
    st = dns_batch_wait(b);
    for (size_t i = 0; st == AUTH_OK && i < mx->nhosts; i++) {
        if (idx[i] == SIZE_MAX)
            continue;
        dh[i].tlsa = dns_batch_result(b, idx[i]);
        for (size_t k = 0; k < dns_result_count(dh[i].tlsa); k++) {
            const struct dns_rr *rr = dns_result_rr(dh[i].tlsa, k);
            if (dns_result_ad(dh[i].tlsa) &&
                auth_tls_dane_usable(rr->u.tlsa.usage, rr->u.tlsa.selector, rr->u.tlsa.mtype))
                dh[i].usable = true;
        }
    }
    dns_batch_free(b);
    return st;
}

static bool is_connect_failure(const struct probe *p)
{
    return p->r->failure == SMTP_FAIL_CONNECT || p->r->failure == SMTP_FAIL_TIMEOUT ||
           p->r->failure == SMTP_FAIL_PROTOCOL || p->r->failure == SMTP_FAIL_REPLY_TEMP ||
           p->r->failure == SMTP_FAIL_LOCAL || (p->r->failure == SMTP_FAIL_TLS && !p->r->starttls_offered);
}

/* smtp.unreachable for a probe that did not get through EHLO. */
static enum auth_status report_unreachable(const struct probe *p, struct finding_list *out)
{
    const char *what;
    enum finding_severity sev = SEV_ERROR;

    switch (p->r->failure) {
    case SMTP_FAIL_CONNECT:
        what = p->r->conn == SMTP_CONN_TIMEOUT ? TR("connection timed out: outbound port 25 "
               "may be blocked here (common on cloud hosts), or the host is down")
             : p->r->conn == SMTP_CONN_REFUSED ? TR("connection refused: nothing listens, or "
               "a firewall rejects port 25 from here")
             : TR("cannot connect from here");
        break;
    case SMTP_FAIL_TIMEOUT: what = TR("the server stalled: no complete reply in time"); break;
    case SMTP_FAIL_REPLY_TEMP: what = TR("the server answered 4xx (421: busy or closing)"); break;
    case SMTP_FAIL_PROTOCOL: what = TR("the server does not speak SMTP correctly"); break;
    case SMTP_FAIL_REPLY_PERM:
        what = TR("the server refuses connections with a 5xx");
        sev = SEV_FAIL;
        break;
    default: what = TR("the probe could not complete"); break;
    }
    return auth_finding_addf(out, "smtp.unreachable", sev, "MX not reachable on the SMTP port",
                        sev == SEV_FAIL ? "let the MX accept connections from the Internet "
                        "on port 25 with a 220 banner" : NULL, "RFC 5321 3.1",
                        "%s [%s]:%u: %s (%s)", p->host->host, p->addr->address, p->port,
                        what, p->r->why);
}

/* Severity of a certificate problem: authenticated TLS is required under
 * DANE or an MTA-STS enforce policy, otherwise it is only noted. */
static enum finding_severity cert_severity(bool enforce, const struct dane_host *dh)
{
    return enforce || (dh->usable && !dh->matched) ? SEV_FAIL : SEV_INFO;
}

static enum auth_status report_tls(const struct probe *p, bool enforce,
                                   const struct dane_host *dh, struct finding_list *out)
{
    const struct tls_facts *f = p->r->facts;
    const char *h = p->host->host, *a = p->addr->address;
    bool old = !strcmp(f->version, "TLSv1") || !strcmp(f->version, "TLSv1.1") ||
               !strncmp(f->version, "SSL", 3);
    enum auth_status st;

    st = auth_finding_addf(out, "smtp.tls-version", old ? SEV_WARN : SEV_PASS,
                      old ? "outdated TLS version" : N_("TLS version"), old ? "enable TLS 1.2 and "
                      "1.3 on the MX (Postfix: smtpd_tls_protocols = >=TLSv1.2)" : NULL,
                      "RFC 8996", "%s [%s]: %s, %s", h, a, f->version, f->cipher);
    if (st == AUTH_OK && p->verified)
        st = auth_finding_addf(out, "smtp.cert-invalid", SEV_PASS, "certificate verifies", NULL,
                          "RFC 7817", "%s [%s]: chain and name verify (%s)", h, a, f->subject);
    else if (st == AUTH_OK && dh->usable && dh->matched && !enforce)
        st = auth_finding_addf(out, "smtp.cert-invalid", SEV_INFO, "certificate does not verify "
                          "(DANE authenticates it)", NULL, "RFC 7672 3.1", "%s [%s]: %s", h, a,
                          p->verify_error);
    else if (st == AUTH_OK)
        st = auth_finding_addf(out, "smtp.cert-invalid", cert_severity(enforce, dh),
                          "certificate does not verify", "install a certificate from a public "
                          "CA whose subjectAltName holds the MX host name", "RFC 7817",
                          "%s [%s]: %s%s", h, a, p->verify_error,
                          enforce ? TR(" (the MTA-STS policy is enforce)")
                          : dh->usable ? TR(" (the host publishes TLSA)") : "");
    if (st != AUTH_OK || !f->not_after)
        return st;
    return auth_finding_addf(out, "smtp.cert-expiring",
                        f->expiry_days < 0 ? SEV_FAIL : f->expiry_days < 14 ? SEV_WARN : SEV_PASS,
                        f->expiry_days < 0 ? "certificate expired"
                        : f->expiry_days < 14 ? N_("certificate expires soon")
                        : N_("certificate valid"),
                        f->expiry_days < 14 ? "renew the MX certificate" : NULL, "RFC 5280",
                        f->expiry_days < 0 ? (labs(f->expiry_days) == 1 ? N_("%s [%s]: %ld day ago")
                                              : N_("%s [%s]: %ld days ago"))
                        : labs(f->expiry_days) == 1 ? N_("%s [%s]: %ld day left")
                        : N_("%s [%s]: %ld days left"), h, a, labs(f->expiry_days));
}

static bool is_ptr_name(const struct ptr_report *r, const char *name)
{
    for (size_t i = 0; i < r->nnames; i++)
        if (!strcasecmp(r->names[i].name, name))
            return true;
    return false;
}

/* The banner and EHLO names against the address's PTR names. */
static enum auth_status report_banner(const struct probe *p, struct finding_list *out)
{
    const struct ptr_report *r = p->addr;
    const char *which, *name;

    if (!r->nnames)
        return AUTH_OK;
    if (p->r->banner[0] && !is_ptr_name(r, p->r->banner))
        which = TR("banner"), name = p->r->banner;
    else if (p->r->ehlo[0] && !is_ptr_name(r, p->r->ehlo))
        which = TR("EHLO reply"), name = p->r->ehlo;
    else
        return AUTH_OK;
    return auth_finding_addf(out, "smtp.banner-mismatch", SEV_INFO, "banner or EHLO name differs "
                        "from the PTR name", "set the MTA's host name (Postfix myhostname) "
                        "to the PTR name", "RFC 5321 4.1.1.1", "%s [%s]: %s says %s, PTR says %s",
                        p->host->host, r->address, which, name, r->names[0].name);
}

static enum auth_status report_probe(const struct probe *p, bool enforce,
                                     const struct dane_host *dh, struct finding_list *out)
{
    enum auth_status st;

    if (p->r->open_st != AUTH_OK && is_connect_failure(p) && !p->r->banner[0])
        return report_unreachable(p, out);
    if (p->r->open_st != AUTH_OK && p->r->failure != SMTP_FAIL_TLS)
        return report_unreachable(p, out);
    st = auth_finding_addf(out, "smtp.unreachable", SEV_PASS, "MX answers", NULL, "RFC 5321",
                      "%s [%s]:%u: 220 %s", p->host->host, p->addr->address, p->port, p->r->banner);
    if (st == AUTH_OK)
        st = report_banner(p, out);
    if (st != AUTH_OK)
        return st;
    if (!p->r->starttls_offered)
        return auth_finding_addf(out, "smtp.starttls-missing", SEV_WARN, "STARTTLS not offered",
                            "enable STARTTLS (Postfix: smtpd_tls_security_level = may, with "
                            "smtpd_tls_cert_file/smtpd_tls_key_file)", "RFC 3207",
                            "%s [%s]: mail to this MX travels in clear", p->host->host,
                            p->addr->address);
    st = auth_finding_addf(out, "smtp.starttls-missing", SEV_PASS, "STARTTLS offered", NULL,
                      "RFC 3207", "%s [%s]", p->host->host, p->addr->address);
    if (st == AUTH_OK && !p->r->tls) {
        bool gone = p->r->failure == SMTP_FAIL_TIMEOUT || p->r->failure == SMTP_FAIL_CONNECT ||
                    strstr(p->r->why, "closed") || p->r->failure == SMTP_FAIL_REPLY_TEMP;
        return auth_finding_addf(out, "smtp.tls-handshake",
                            gone ? SEV_ERROR : SEV_FAIL, gone ? "TLS handshake interrupted"
                            : N_("TLS handshake fails"), gone ? NULL : N_("fix the MX's TLS "
                            "configuration (certificate, key, protocols)"), "RFC 3207",
                            "%s [%s]: %s", p->host->host, p->addr->address, p->r->why);
    }
    if (st == AUTH_OK)
        st = auth_finding_addf(out, "smtp.tls-handshake", SEV_PASS, "TLS handshake", NULL,
                          "RFC 3207", "%s [%s]", p->host->host, p->addr->address);
    return st == AUTH_OK && p->r->facts ? report_tls(p, enforce, dh, out) : st;
}

/* dane.tlsa-mismatch for one host, against every probe of it. */
static enum auth_status report_dane(const struct mx_host *h, struct dane_host *dh,
                                    const struct probe *pr, size_t np, struct finding_list *out)
{
    const struct dns_result *t = dh->tlsa;
    size_t seen = 0;

    if (!t || dns_result_status(t) == DNS_NXDOMAIN || dns_result_status(t) == DNS_NODATA)
        return AUTH_OK;
    if (dns_status_is_temporary(dns_result_status(t)))
        return audit_dns_error(out, "dane.tlsa-mismatch", dns_result_qname(t), t);
    if (!dns_result_ad(t))
        return auth_finding_addf(out, "dane.tlsa-mismatch", SEV_INFO, "TLSA not DNSSEC-validated",
                            "sign the zone (DNSSEC) or remove the TLSA records", "RFC 7672 2.2",
                            "%s has TLSA records but the answer is not authenticated (no AD "
                            "bit): senders ignore them", dns_result_qname(t));
    for (size_t i = 0; i < np; i++) {
        if (pr[i].host != h || !pr[i].r->facts)
            continue;
        seen++;
        for (size_t k = 0; k < dns_result_count(t); k++) {
            const struct dns_rr *rr = dns_result_rr(t, k);
            if (auth_tls_dane_match_host(pr[i].r->facts, rr->u.tlsa.usage, rr->u.tlsa.selector,
                                    rr->u.tlsa.mtype, rr->u.tlsa.data, rr->u.tlsa.len,
                                    h->host))
                dh->matched = true;
        }
    }
    if (!seen)
        return auth_finding_addf(out, "dane.tlsa-mismatch", SEV_SKIPPED, "TLSA not checked",
                            NULL, "RFC 7672", "%s: no certificate was seen on %s",
                            dns_result_qname(t), h->host);
    if (dh->matched)
        return auth_finding_addf(out, "dane.tlsa-mismatch", SEV_PASS, "TLSA matches the "
                            "certificate", NULL, "RFC 7672", "%s: %zu record%s, validated",
                            dns_result_qname(t), dns_result_count(t),
                            dns_result_count(t) == 1 ? "" : "s");
    return auth_finding_addf(out, "dane.tlsa-mismatch", SEV_FAIL, "TLSA matches no presented "
                        "certificate", "publish \"3 1 1 <sha256 of the SPKI>\" for the "
                        "current key before rolling certificates", "RFC 7672 3.1",
                        "%s: none of %zu record%s matches the chain %s presented",
                        dns_result_qname(t), dns_result_count(t),
                        dns_result_count(t) == 1 ? "" : "s", h->host);
}

/* The probes to make: every address of every host, minus those not to be
 * touched (reported as skipped). */
static size_t plan(struct audit_ctx *ctx, const struct mx_report *mx, struct probe *pr,
                   struct finding_list *out)
{
    size_t n = 0;

    for (size_t i = 0; i < mx->nhosts; i++)
        for (size_t k = 0; k < mx->hosts[i].naddrs && n < MAX_PROBES; k++) {
            const struct ptr_report *a = &mx->hosts[i].addrs[k];
            bool priv = auth_ip_is_private(&a->addr), doc = auth_ip_is_documentation(&a->addr);
            bool dup = false;
            for (size_t j = 0; j < i && !dup; j++)       /* a host listed twice */
                dup = !strcmp(mx->hosts[j].host, mx->hosts[i].host);
            if (dup)
                break;
            if (doc || (priv && !ctx->opt->allow_private)) {
                /* losing this note to memory leaves the run's other findings */
                auth_status_ignore(auth_finding_addf(out, "smtp.unreachable", SEV_SKIPPED, "MX address not probed",
                             NULL, NULL, "%s [%s] is a %s address%s", mx->hosts[i].host,
                             a->address, priv ? TR("private or loopback") : TR("documentation"),
                             priv ? TR(" (see mx.target-private; --allow-private probes it)")
                                  : ""));
                continue;
            }
            pr[n] = (struct probe){
                .host = &mx->hosts[i], .addr = a,
                .port = ctx->opt->smtp_port ? (unsigned)ctx->opt->smtp_port : 25,
            };
            n++;
        }
    return n;
}

/* Judge every probe once all are made (and the TLSA answers are in). */
static enum auth_status report_all(struct audit_ctx *ctx, const struct mx_report *mx,
                                   struct probe *pr, size_t np, struct finding_list *out)
{
    struct dane_host dh[MX_MAX_HOSTS] = {{0}};
    const struct audit_mtasts *m;
    bool enforce, pending = false;
    enum auth_status st;

    for (size_t i = 0; i < np; i++) {
        const struct audit_probe *ap = audit_want_probe(ctx, PROBE_SMTP, pr[i].host->host,
                                                        pr[i].addr->address, pr[i].port);
        pr[i].r = ap ? &ap->u.smtp : NULL;
        pending |= !ap;
        /* the probe is the address's: the name is judged for this host */
        if (ap && ap->u.smtp.facts)
            pr[i].verified = audit_smtp_verified(ctx->probes, ap, pr[i].host->host,
                                                 pr[i].verify_error,
                                                 sizeof pr[i].verify_error);
    }
    st = tlsa_stage(ctx->eng, mx, dh);
    m = audit_mtasts_state(ctx);
    if (st != AUTH_OK || pending)
        return st;                       /* judged again once the probes are made */
    enforce = m && m->parse_status == AUTH_OK && m->fetch_status == AUTH_OK && m->fetched &&
              m->policy.mode == MTASTS_ENFORCE;
    for (size_t i = 0; st == AUTH_OK && i < mx->nhosts; i++)
        st = report_dane(&mx->hosts[i], &dh[i], pr, np, out);
    for (size_t i = 0; st == AUTH_OK && i < np; i++)
        st = report_probe(&pr[i], enforce, &dh[pr[i].host - mx->hosts], out);
    return st;
}

enum auth_status check_smtp(struct audit_ctx *ctx, struct finding_list *out)
{
    struct mx_report *mx = NULL;
    struct probe *pr;
    char err[256];
    size_t np;
    enum auth_status st;

    if (ctx->opt->no_smtp)
        return auth_finding_addf(out, "smtp.unreachable", SEV_SKIPPED, "SMTP probe skipped", NULL,
                            NULL, "--no-smtp given");
    st = mx_lookup(ctx->eng, ctx->domain, &mx, err, sizeof err);
    if (st != AUTH_OK)
        return st == AUTH_ENOMEM ? st : auth_finding_addf(out, "smtp.unreachable", SEV_ERROR,
                                                     "MX lookup failed", NULL, NULL, "%s", err);
    if (dns_status_is_temporary(mx->mx_status) || mx->null_mx || !mx->nhosts) {
        st = auth_finding_addf(out, "smtp.unreachable",
                          dns_status_is_temporary(mx->mx_status) ? SEV_ERROR : SEV_SKIPPED,
                          "no MX to probe", NULL, NULL, "%s", mx->null_mx ? TR("null MX")
                          : mx->error ? mx->error : TR("no MX host"));
        mx_report_free(mx);
        return st;
    }
    pr = calloc(MAX_PROBES, sizeof *pr);
    if (!pr) {
        mx_report_free(mx);
        return AUTH_ENOMEM;
    }
    np = plan(ctx, mx, pr, out);
    st = report_all(ctx, mx, pr, np, out);
    free(pr);
    mx_report_free(mx);
    return st;
}
