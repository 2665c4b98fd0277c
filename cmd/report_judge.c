/*
 * report_judge.c - what the admin does next, from the figures: each
 * source aligned, to fix (and why it fails), or spoofing; the domain's
 * readiness line.  The fixes themselves are checked against DNS in
 * report_names.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/dmarc.h"
#include "report_summary.h"

const char *rs_status_name(enum rs_status st)
{
    switch (st) {
    case RS_ALIGNED: return "aligned";
    case RS_PARTLY: return "partly-aligned";
    case RS_UNALIGNED: return "unaligned";
    case RS_OWN_UNAUTH: return "own-unauthenticated";
    case RS_SPOOFING: return "suspected-spoofing";
    }
    return "?";
}

const char *rs_tls_meaning(const char *t)
{
    static const struct { const char *type, *meaning; } m[] = {
        {"starttls-not-supported", N_("the MX did not offer STARTTLS")},
        {"certificate-host-mismatch", N_("the certificate does not name the MX host")},
        {"certificate-expired", N_("the MX's certificate has expired")},
        {"certificate-not-trusted", N_("the certificate chain is not trusted by the sender")},
        {"validation-failure", N_("another validation failure (see the reporter's details)")},
        {"tlsa-invalid", N_("the DANE TLSA record did not validate")},
        {"dnssec-invalid", N_("the DNSSEC chain did not validate")},
        {"dane-required", N_("DANE was required but no usable TLSA record was found")},
        {"sts-policy-fetch-error", N_("the MTA-STS policy could not be fetched over HTTPS")},
        {"sts-policy-invalid", N_("the MTA-STS policy did not parse")},
        {"sts-webpki-invalid", N_("the MTA-STS policy host's certificate is not valid")},
    };

    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (t && strcasecmp(t, m[i].type) == 0)
            return m[i].meaning;
    return N_("not a result type of RFC 8460");
}

static void note(char buf[][400], size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(char buf[][400], size_t *n, const char *fmt, ...)
{
    va_list ap;

    if (*n >= RS_MAX_NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(buf[(*n)++], 400, fmt, ap);
    va_end(ap);
}

/* Whether the PTR name's registrable domain is the report domain's. */
static bool own_name(const struct rs_source *s, const char *domain)
{
    char org[256];
    bool suffix;

    if (!s->group[0] || dmarc_psl_org_domain(domain, org, sizeof org, &suffix) != AUTH_OK)
        return false;
    return strcasecmp(org, s->group) == 0;
}

static void judge_source(struct rs_domain *d, struct rs_source *s)
{
    const struct reportdb_source *x = s->db;
    const char *dom = d->db->domain;

    if (x->dmarc_pass == x->messages)
        s->status = RS_ALIGNED;
    else if (x->dmarc_pass)
        s->status = RS_PARTLY;
    else if (x->spf_pass_other || x->dkim_pass_other)
        s->status = RS_UNALIGNED;
    else if (own_name(s, dom) && s->fcrdns)
        s->status = RS_OWN_UNAUTH;
    else
        s->status = RS_SPOOFING;
    if (x->spf_pass_other)
        note(s->why, &s->nwhy, T_("SPF passed for %s, which is not aligned with %s"),
             x->spf_other, dom);
    if (x->dkim_pass_other)
        note(s->why, &s->nwhy, T_("DKIM signed by %s (selector %s), not by %s"), x->dkim_other,
             x->dkim_other_selector[0] ? x->dkim_other_selector : "?", dom);
    if (s->status != RS_ALIGNED && x->spf_aligned == 0 && !x->spf_pass_other && x->dkim_aligned)
        note(s->why, &s->nwhy, "%s", T_("SPF does not pass for this address (DKIM carries alignment)"));
    if (s->status != RS_ALIGNED && x->dkim_aligned < x->messages && x->spf_aligned &&
        !x->dkim_pass_other)
        note(s->why, &s->nwhy, T_("no DKIM signature of %s (SPF alone carries alignment)"), dom);
    if (s->status == RS_SPOOFING)
        note(s->why, &s->nwhy, T_("neither SPF nor DKIM passed for any domain%s"),
             !s->ptr[0] ? T_("; no PTR name") : s->generic ? T_("; an ISP pool name") :
             !s->fcrdns ? T_("; PTR name does not resolve back") : "");
    if (s->status == RS_OWN_UNAUTH)
        note(s->why, &s->nwhy, T_("named like %s but neither SPF nor DKIM passed"), dom);
}

static void readiness(struct rs_domain *d)
{
    const char *p = d->db->policy;
    char num[32], sep[32];
    uint64_t m = d->db->messages;
    size_t k = 0, len;

    snprintf(d->next_policy, sizeof d->next_policy, "%s",
             strcmp(p, "quarantine") == 0 ? "reject" : strcmp(p, "reject") == 0 ? "" : "quarantine");
    /* thousands separators: "41,203" */
    len = (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)m);
    for (size_t i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            sep[k++] = ',';
        sep[k++] = num[i];
    }
    sep[k] = '\0';
    /* whole phrases (a catalog words each its own way), counts through NP_ */
    k = (size_t)snprintf(d->readiness, sizeof d->readiness,
                         NP_("%.1f %% of %s messages aligned over %d day",
                             "%.1f %% of %s messages aligned over %d days", (unsigned)d->days),
                         d->aligned_share * 100, sep, d->days);
    if (k >= sizeof d->readiness)
        return;
    if (!d->next_policy[0])
        snprintf(d->readiness + k, sizeof d->readiness - k, "%s",
                 d->sources_left ? T_("; p=reject is in force and legitimate sources still fail")
                                 : T_("; p=reject is in force"));
    else if (d->sources_left)
        snprintf(d->readiness + k, sizeof d->readiness - k,
                 NP_("; %zu source left before p=%s", "; %zu sources left before p=%s",
                     d->sources_left), d->sources_left, d->next_policy);
    else
        snprintf(d->readiness + k, sizeof d->readiness - k, T_("; ready for p=%s"),
                 d->next_policy);
}

void rs_judge(struct rs_summary *s)
{
    for (size_t i = 0; i < s->ndomains; i++) {
        struct rs_domain *d = &s->domains[i];
        d->aligned_share = d->db->messages ? (double)d->db->dmarc_pass / (double)d->db->messages : 0;
        d->days = d->db->first >= 0 && d->db->last > d->db->first
                      ? (int)((d->db->last - d->db->first + 86399) / 86400) : 0;
        for (size_t k = 0; k < d->nsources; k++) {
            struct rs_source *x = &d->sources[k];
            judge_source(d, x);
            if (x->status == RS_SPOOFING) {
                d->spoofing++;
                d->spoofed_messages += x->db->messages;
            } else if (x->status != RS_ALIGNED) {
                d->sources_left++;
            }
        }
        readiness(d);
    }
}
