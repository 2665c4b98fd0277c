/*
 * lint.c - findings (dmarc.* ids of checks.md) for a discovered policy, in
 * the shared finding list so `dmarc check` and the check-dns audit render
 * them the same way.  External report destinations are checked for their
 * _report._dmarc authorisation (RFC 7489 7.1, RFC 9989 11.6) and for a mail
 * route (MX or address, no null MX), all in one batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc_int.h"

#define LINT_MAX_DEST 16           /* external destination domains checked */

static const char *REF = "RFC 9989 4.7";

static enum auth_status lint_problems(const struct dmarc_record *r, struct finding_list *out)
{
    enum auth_status st = AUTH_OK;

    for (size_t i = 0; i < r->nproblems && st == AUTH_OK; i++) {
        const struct dmarc_problem *p = &r->problems[i];
        enum finding_severity sev = p->level == DMARC_PROB_ERROR ? SEV_FAIL
                                  : p->level == DMARC_PROB_WARN ? SEV_WARN : SEV_INFO;
        st = finding_add(out, "dmarc.syntax", sev, p->message, NULL, NULL, "RFC 9989 4.8");
        if (st == AUTH_OK)
            st = finding_set_evidence(out, r->text);
    }
    return st;
}

/* Append s (n bytes) to buf at *len, as far as it fits (cap includes the NUL). */
static void append(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    size_t room = *len < cap ? cap - 1 - *len : 0;

    if (n > room)
        n = room;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

/* The record to publish for the quarantine step: the published record with
 * its p= tag (or none, for a defaulted p) set to quarantine, every other tag
 * kept; a bare "v=DMARC1; p=quarantine" when the record holds bytes a zone
 * file line cannot carry as is. */
static void quarantine_record(const struct dmarc_record *r, char *out, size_t cap)
{
    const char *t = r->text, *end = t + strlen(t);
    size_t len = 0;
    bool have_p = false;

    out[0] = '\0';
    for (const char *c = t; c < end; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
            t = end;                   /* unprintable: the minimal record */
    while (t < end) {
        const char *semi = memchr(t, ';', (size_t)(end - t)), *e = semi ? semi : end;
        while (t < e && (*t == ' ' || *t == '\t'))
            t++;
        const char *te = e;
        while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
            te--;
        const char *eq = memchr(t, '=', (size_t)(te - t));
        size_t nlen = eq ? (size_t)(eq - t) : 0;
        while (nlen && (t[nlen - 1] == ' ' || t[nlen - 1] == '\t'))
            nlen--;
        if (te > t) {
            bool is_p = nlen == 1 && (t[0] == 'p' || t[0] == 'P');
            if (len)
                append(out, cap, &len, "; ", 2);
            if (is_p)
                append(out, cap, &len, "p=quarantine", 12);
            else
                append(out, cap, &len, t, (size_t)(te - t));
            have_p = have_p || is_p;
        }
        t = semi ? semi + 1 : end;
    }
    if (!have_p) {                     /* p absent: right after v=DMARC1 */
        char rest[2048];
        const char *semi = strchr(out, ';');
        snprintf(rest, sizeof rest, "%s", semi ? semi : "");
        len = 0;
        out[0] = '\0';
        append(out, cap, &len, "v=DMARC1; p=quarantine", 22);
        append(out, cap, &len, rest, strlen(rest));
    }
}

/* The zone-file line publishing value at _dmarc.DOMAIN, split into strings
 * of at most 255 bytes. */
static void zone_line(const char *domain, const char *value, char *out, size_t cap)
{
    size_t len = 0, vlen = strlen(value);
    int n = snprintf(out, cap, "_dmarc.%s. 3600 IN TXT", domain);

    if (n < 0 || (size_t)n >= cap)
        return;
    len = (size_t)n;
    for (size_t i = 0; i < vlen; i += 255) {
        append(out, cap, &len, " \"", 2);
        append(out, cap, &len, value + i, vlen - i < 255 ? vlen - i : 255);
        append(out, cap, &len, "\"", 1);
    }
}

static enum auth_status lint_policy(const struct dmarc_policy_info *pi,
                                    const struct dmarc_record *r, struct finding_list *out)
{
    enum auth_status st = AUTH_OK;
    if (r->p_defaulted || r->p == DMARC_POLICY_NONE) {
        char value[2048], fix[2400];
        quarantine_record(r, value, sizeof value);
        zone_line(pi->policy_domain, value, fix, sizeof fix);
        st = finding_addf(out, "dmarc.policy-none", SEV_WARN, "p=none: monitoring only, "
                          "failing mail is not quarantined or rejected", fix, REF,
                          "the policy at _dmarc.%s asks receivers to take no action; move "
                          "to quarantine then reject once reports show all mail aligned",
                          pi->policy_domain);
    } else {
        if (st == AUTH_OK && r->sp == DMARC_POLICY_NONE)
            st = finding_add(out, "dmarc.subdomain-none", SEV_WARN, "sp=none under an "
                             "enforcing p: subdomains can be spoofed", NULL, NULL, REF);
        if (st == AUTH_OK && r->np == DMARC_POLICY_NONE)
            st = finding_add(out, "dmarc.subdomain-none", SEV_WARN, "np=none under an "
                             "enforcing p: non-existent subdomains can be spoofed", NULL,
                             NULL, REF);
        if (st == AUTH_OK && r->testing)
            st = finding_add(out, "dmarc.testing", SEV_WARN, "t=y: receivers apply the "
                             "policy one level lower (testing mode)", NULL, NULL, REF);
        if (st == AUTH_OK && r->pct_set && r->pct < 100)
            st = finding_addf(out, "dmarc.testing", SEV_WARN, "pct below 100: part of the "
                              "failing mail gets a policy one level lower", NULL,
                              "RFC 7489 6.3", "pct=%d; RFC 9989 removed pct, so its "
                              "receivers apply the full policy to all mail", r->pct);
    }
    if (st == AUTH_OK && r->nrua == 0)
        st = finding_add(out, "dmarc.no-rua", SEV_WARN, "no aggregate report address (rua): "
                         "you will not see who sends mail as your domain", NULL, NULL, REF);
    if (st == AUTH_OK && pi->inherited)
        st = finding_addf(out, "dmarc.inherited", SEV_INFO, "policy comes from the "
                          "organizational domain", NULL, "RFC 9989 4.10.1",
                          "no record at _dmarc.%s; the %s record at _dmarc.%s applies (%s=%s)",
                          pi->domain, pi->psd_policy ? "public suffix" : "organizational",
                          pi->policy_domain, pi->policy_tag, dmarc_policy_name(pi->policy));
    return st;
}

struct dest {
    const char *domain;
    size_t auth_idx, mx_idx, a_idx, aaaa_idx;
    bool checked;
};

static bool is_external(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                        const char *domain)
{
    char org[DNS_MAX_NAME + 1];
    const char *mine = pi->org_domain ? pi->org_domain : pi->policy_domain;

    if (strcmp(domain, pi->policy_domain) == 0)
        return false;
    if (dmarc_org_domain(eng, pi->method, domain, org, sizeof org) != AUTH_OK)
        return true;
    return strcmp(org, mine) != 0;
}

/* Distinct mailto: domains of rua and ruf. */
static size_t collect_dests(const struct dmarc_record *r, struct dest *d)
{
    size_t n = 0;

    for (int list = 0; list < 2; list++) {
        const struct dmarc_uri *u = list ? r->ruf : r->rua;
        size_t cnt = list ? r->nruf : r->nrua;
        for (size_t i = 0; i < cnt && n < LINT_MAX_DEST; i++) {
            bool dup = false;
            if (!u[i].valid || !u[i].domain)
                continue;
            for (size_t k = 0; k < n; k++)
                dup = dup || strcmp(d[k].domain, u[i].domain) == 0;
            if (!dup)
                d[n++].domain = u[i].domain;
        }
    }
    return n;
}

static bool has_dmarc_txt(const struct dns_result *res)
{
    if (dns_result_status(res) != DNS_DATA)
        return false;
    for (size_t i = 0; i < dns_result_count(res); i++) {
        const struct dns_rr *rr = dns_result_rr(res, i);
        if (rr->type == DNS_T_TXT && dmarc_is_record((const char *)rr->u.txt.data,
                                                     rr->u.txt.len))
            return true;
    }
    return false;
}

static enum auth_status judge_dest(const struct dmarc_policy_info *pi, const struct dest *d,
                                   const struct dns_batch *b, struct finding_list *out)
{
    enum auth_status st = AUTH_OK;
    const struct dns_result *ar = dns_batch_result(b, d->auth_idx);
    const struct dns_result *mx = dns_batch_result(b, d->mx_idx);
    enum dns_status as = dns_result_status(ar), ms = dns_result_status(mx);
    char fix[DNS_MAX_NAME * 2 + 64];

    if (dns_status_is_temporary(as)) {
        st = finding_addf(out, "dmarc.rua-unauthorized", SEV_ERROR, "could not check the "
                          "report authorisation", NULL, "RFC 7489 7.1", "%s: %s",
                          dns_result_qname(ar), dns_result_why(ar));
    } else if (!has_dmarc_txt(ar)) {
        snprintf(fix, sizeof fix, "%s._report._dmarc.%s. TXT \"v=DMARC1\"",
                 pi->policy_domain, d->domain);
        st = finding_addf(out, "dmarc.rua-unauthorized", SEV_WARN, "external report domain "
                          "has not authorised reports", fix, "RFC 7489 7.1",
                          "%s receives reports for %s but publishes no v=DMARC1 record at "
                          "%s (%s): receivers will not send those reports", d->domain,
                          pi->policy_domain, dns_result_qname(ar), dns_status_name(as));
    }
    if (st != AUTH_OK || dns_status_is_temporary(ms))
        return st;
    bool null_mx = false, has_mx = false;
    for (size_t i = 0; ms == DNS_DATA && i < dns_result_count(mx); i++) {
        const struct dns_rr *rr = dns_result_rr(mx, i);
        if (rr->type != DNS_T_MX)
            continue;
        has_mx = true;
        null_mx = null_mx || strcmp(rr->u.mx.host, ".") == 0;
    }
    bool addr = dns_result_status(dns_batch_result(b, d->a_idx)) == DNS_DATA ||
                dns_result_status(dns_batch_result(b, d->aaaa_idx)) == DNS_DATA;
    if (null_mx || (!has_mx && !addr))
        st = finding_addf(out, "dmarc.rua-undeliverable", SEV_WARN, "report domain cannot "
                          "receive mail", NULL, "RFC 5321 5.1", "%s has %s", d->domain,
                          null_mx ? "a null MX (RFC 7505)" : ms == DNS_NXDOMAIN ?
                          "no such domain" : "no MX and no address");
    return st;
}

static enum auth_status lint_dests(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                                   const struct dmarc_record *r, struct finding_list *out)
{
    struct dest d[LINT_MAX_DEST];
    size_t n = collect_dests(r, d);
    struct dns_batch *b;
    enum auth_status st;

    if (n == 0)
        return AUTH_OK;
    b = dns_batch_new(eng);
    if (!b)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char q[DNS_MAX_NAME * 2 + 32];
        d[i].checked = is_external(eng, pi, d[i].domain);
        if (!d[i].checked)
            continue;
        snprintf(q, sizeof q, "%s._report._dmarc.%s", pi->policy_domain, d[i].domain);
        d[i].auth_idx = dns_batch_add(b, q, DNS_T_TXT);
        d[i].mx_idx = dns_batch_add(b, d[i].domain, DNS_T_MX);
        d[i].a_idx = dns_batch_add(b, d[i].domain, DNS_T_A);
        d[i].aaaa_idx = dns_batch_add(b, d[i].domain, DNS_T_AAAA);
    }
    st = dns_batch_wait(b);
    for (size_t i = 0; i < n && st == AUTH_OK; i++)
        if (d[i].checked)
            st = judge_dest(pi, &d[i], b, out);
    dns_batch_free(b);
    return st;
}

enum auth_status dmarc_lint(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                            struct finding_list *out)
{
    const struct dmarc_record *r = pi->record ? pi->record : pi->invalid;
    enum auth_status st = AUTH_OK;

    switch (pi->found) {
    case DMARC_FOUND_NONE:
        return finding_addf(out, "dmarc.missing", SEV_FAIL, "no DMARC policy", NULL,
                            "RFC 9989 4.10.1", "no v=DMARC1 record at _dmarc.%s or above "
                            "(%s discovery); publish one at _dmarc.%s",
                            pi->domain, dmarc_discovery_name(pi->method),
                            pi->org_domain ? pi->org_domain : pi->domain);
    case DMARC_FOUND_TEMPERROR:
        return finding_add(out, "dmarc.missing", SEV_ERROR, "could not look up the DMARC "
                           "policy", pi->error, NULL, "RFC 9989 4.10.1");
    default:
        break;
    }
    if (pi->multiple)
        st = finding_add(out, "dmarc.multiple", SEV_FAIL, "more than one v=DMARC1 record at "
                         "one name: receivers discard them all", pi->error, NULL,
                         "RFC 9989 4.10");
    if (st == AUTH_OK && pi->found == DMARC_FOUND && !pi->inherited)
        st = finding_addf(out, "dmarc.missing", SEV_PASS, "DMARC policy published", NULL,
                          NULL, "_dmarc.%s", pi->policy_domain);
    if (st == AUTH_OK && r)
        st = lint_problems(r, out);
    if (st == AUTH_OK && pi->record)
        st = lint_policy(pi, pi->record, out);
    if (st == AUTH_OK && r)
        st = lint_dests(eng, pi, r, out);
    return st;
}
