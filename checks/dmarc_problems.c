/*
 * dmarc_problems.c - dmarc.* findings from the DMARC linter's problems:
 * each kind's id, severity, summary, detail, reference and, for p=none,
 * the zone-file line of the quarantine step as fix.
 */
#include <stdio.h>
#include <string.h>

#include "problems.h"

static const char *REF = "RFC 9989 4.7";

/* The zone-file line publishing value at _dmarc.DOMAIN, split into strings
 * of at most 255 bytes (cut at cap). */
static void zone_line(const char *domain, const char *value, char *out, size_t cap)
{
    size_t vlen = strlen(value);
    int n = snprintf(out, cap, "_dmarc.%s. 3600 IN TXT", domain);

    for (size_t i = 0; n >= 0 && (size_t)n < cap && i < vlen; i += 255)
        n += snprintf(out + n, cap - (size_t)n, " \"%.*s\"",
                      (int)(vlen - i < 255 ? vlen - i : 255), value + i);
}

static enum auth_status presence(const struct dmarc_policy_info *pi,
                                 const struct dmarc_lint_problem *p, struct finding_list *out)
{
    switch (p->kind) {
    case DMARC_LINT_MISSING:
        return auth_finding_addf(out, "dmarc.missing", SEV_FAIL, "no DMARC policy", NULL,
                            "RFC 9989 4.10.1", "no v=DMARC1 record at _dmarc.%s or above "
                            "(%s discovery); publish one at _dmarc.%s",
                            pi->domain, dmarc_discovery_name(pi->method),
                            pi->org_domain ? pi->org_domain : pi->domain);
    case DMARC_LINT_LOOKUP_FAILED:
        return auth_finding_add(out, "dmarc.missing", SEV_ERROR, "could not look up the DMARC "
                           "policy", pi->error_for_people, NULL, "RFC 9989 4.10.1");
    case DMARC_LINT_MULTIPLE:
        return auth_finding_add(out, "dmarc.multiple", SEV_FAIL, "more than one v=DMARC1 record "
                           "at one name: receivers discard them all", pi->error_for_people, NULL,
                           "RFC 9989 4.10");
    default:                           /* DMARC_LINT_PUBLISHED */
        return auth_finding_addf(out, "dmarc.missing", SEV_PASS, "DMARC policy published", NULL,
                            NULL, "_dmarc.%s", pi->policy_domain);
    }
}

static enum auth_status record_value(const struct dmarc_policy_info *pi,
                                     const struct dmarc_lint_problem *p,
                                     struct finding_list *out)
{
    const struct dmarc_record *r = pi->record ? pi->record : pi->invalid;
    const struct dmarc_problem *rp;
    enum finding_severity sev;
    enum auth_status st;

    if (!r || p->index >= r->nproblems)
        return AUTH_OK;
    rp = &r->problems[p->index];
    sev = rp->level == DMARC_PROB_ERROR ? SEV_FAIL : rp->level == DMARC_PROB_WARN ? SEV_WARN
                                                                                  : SEV_INFO;
    st = auth_finding_add(out, "dmarc.syntax", sev, rp->message, NULL, NULL, "RFC 9989 4.8");
    return st == AUTH_OK ? auth_finding_set_evidence(out, r->text) : st;
}

static enum auth_status policy_none(const struct dmarc_policy_info *pi,
                                    const struct dmarc_lint_problem *p,
                                    struct finding_list *out)
{
    char fix[2400];

    zone_line(pi->policy_domain, p->text ? p->text : "", fix, sizeof fix);
    return auth_finding_addf(out, "dmarc.policy-none", SEV_WARN, "p=none: monitoring only, "
                        "failing mail is not quarantined or rejected", fix, REF,
                        "the policy at _dmarc.%s asks receivers to take no action; move "
                        "to quarantine then reject once reports show all mail aligned",
                        pi->policy_domain);
}

static enum auth_status policy(const struct dmarc_policy_info *pi,
                               const struct dmarc_lint_problem *p, struct finding_list *out)
{
    const struct dmarc_record *r = pi->record;

    switch (p->kind) {
    case DMARC_LINT_POLICY_NONE:
        return policy_none(pi, p, out);
    case DMARC_LINT_SP_NONE:
        return auth_finding_add(out, "dmarc.subdomain-none", SEV_WARN, "sp=none under an "
                           "enforcing p: subdomains can be spoofed", NULL, NULL, REF);
    case DMARC_LINT_NP_NONE:
        return auth_finding_add(out, "dmarc.subdomain-none", SEV_WARN, "np=none under an "
                           "enforcing p: non-existent subdomains can be spoofed", NULL,
                           NULL, REF);
    case DMARC_LINT_TESTING:
        return auth_finding_add(out, "dmarc.testing", SEV_WARN, "t=y: receivers apply the "
                           "policy one level lower (testing mode)", NULL, NULL, REF);
    case DMARC_LINT_PCT:
        return auth_finding_addf(out, "dmarc.testing", SEV_WARN, "pct below 100: part of the "
                            "failing mail gets a policy one level lower", NULL,
                            "RFC 7489 6.3", "pct=%d; RFC 9989 removed pct, so its "
                            "receivers apply the full policy to all mail", r ? r->pct : 0);
    case DMARC_LINT_NO_RUA:
        return auth_finding_add(out, "dmarc.no-rua", SEV_WARN, "no aggregate report address "
                           "(rua): you will not see who sends mail as your domain", NULL,
                           NULL, REF);
    default:                           /* DMARC_LINT_INHERITED */
        return auth_finding_addf(out, "dmarc.inherited", SEV_INFO, "policy comes from the "
                            "organizational domain", NULL, "RFC 9989 4.10.1",
                            "no record at _dmarc.%s; the %s record at _dmarc.%s applies "
                            "(%s=%s)", pi->domain,
                            pi->psd_policy ? TR("public suffix") : TR("organizational"),
                            pi->policy_domain, pi->policy_tag, dmarc_policy_name(pi->policy));
    }
}

static enum auth_status destination(const struct dmarc_policy_info *pi,
                                    const struct dmarc_lint_problem *p,
                                    struct finding_list *out)
{
    char fix[DNS_MAX_NAME * 2 + 64];

    switch (p->kind) {
    case DMARC_LINT_RUA_AUTH_ERROR:
        return auth_finding_addf(out, "dmarc.rua-unauthorized", SEV_ERROR, "could not check the "
                            "report authorisation", NULL, "RFC 7489 7.1", "%s: %s",
                            p->name, p->text);
    case DMARC_LINT_RUA_UNAUTHORIZED:
        snprintf(fix, sizeof fix, "%s._report._dmarc.%s. TXT \"v=DMARC1\"",
                 pi->policy_domain, p->dest);
        return auth_finding_addf(out, "dmarc.rua-unauthorized", SEV_WARN, "external report "
                            "domain has not authorised reports", fix, "RFC 7489 7.1",
                            "%s receives reports for %s but publishes no v=DMARC1 record "
                            "at %s (%s): receivers will not send those reports", p->dest,
                            pi->policy_domain, p->name, dns_status_name(p->status));
    default:                           /* DMARC_LINT_RUA_NULL_MX, _NO_DOMAIN, _NO_ROUTE */
        return auth_finding_addf(out, "dmarc.rua-undeliverable", SEV_WARN, "report domain "
                            "cannot receive mail", NULL, "RFC 5321 5.1", "%s has %s",
                            p->dest, p->kind == DMARC_LINT_RUA_NULL_MX
                            ? TR("a null MX (RFC 7505)") : p->kind == DMARC_LINT_RUA_NO_DOMAIN
                            ? TR("no such domain") : TR("no MX and no address"));
    }
}

static enum auth_status one(const struct dmarc_policy_info *pi,
                            const struct dmarc_lint_problem *p, struct finding_list *out)
{
    if (p->kind <= DMARC_LINT_PUBLISHED)
        return presence(pi, p, out);
    if (p->kind == DMARC_LINT_RECORD)
        return record_value(pi, p, out);
    if (p->kind <= DMARC_LINT_INHERITED)
        return policy(pi, p, out);
    return destination(pi, p, out);
}

enum auth_status findings_from_dmarc(const struct dmarc_policy_info *pi,
                                     const struct dmarc_lint_problems *pl,
                                     struct finding_list *out)
{
    enum auth_status st = AUTH_OK;

    for (size_t i = 0; st == AUTH_OK && i < pl->count; i++)
        st = one(pi, &pl->items[i], out);
    return st;
}
