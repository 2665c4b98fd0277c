/*
 * check_bimi.c - the BIMI record at default._bimi: present records must
 * parse, and BIMI is only honoured under an enforcing DMARC policy
 * (p=quarantine or reject, pct=100, sp not none), which is checked through
 * the DMARC module's discovery.  No record: no finding (BIMI is optional).
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "auth/bimi.h"
#include "auth/dmarc.h"

static bool txt_is_bimi(const char *t, size_t n) { return bimi_is_record(t, n); }

/* Why DMARC does not support BIMI here, or NULL when it does. */
static const char *dmarc_gap(const struct dmarc_policy_info *pi)
{
    const struct dmarc_record *r = pi->record;

    if (pi->found != DMARC_FOUND || !r)
        return TR("there is no usable DMARC policy");
    if (r->p != DMARC_POLICY_QUARANTINE && r->p != DMARC_POLICY_REJECT)
        return TR("the DMARC policy is not quarantine or reject");
    if (r->pct < 100)
        /* xgettext:no-c-format */
        return TR("the DMARC policy applies to less than 100% of mail (pct)");
    if (r->sp == DMARC_POLICY_NONE)
        return TR("the DMARC subdomain policy is none (sp=none)");
    return NULL;
}

static enum auth_status judge(struct audit_ctx *ctx, const char *name, const struct dns_rr *rr,
                              struct finding_list *out)
{
    struct bimi_record rec;
    struct dmarc_policy_info *pi = NULL;
    char err[256];
    const char *gap;
    enum auth_status st;

    if ((st = audit_add_record(ctx, "bimi", (const char *)rr->u.txt.data)) != AUTH_OK)
        return st;
    if (bimi_record_parse((const char *)rr->u.txt.data, rr->u.txt.len, &rec, err,
                          sizeof err) != AUTH_OK)
        return auth_finding_addf(out, "bimi.invalid", SEV_WARN, "BIMI record is invalid", NULL,
                            NULL, "%s: %s", name, err);
    if (rec.declined)
        return AUTH_OK;
    st = dmarc_discover(ctx->eng, ctx->domain, DMARC_DISCOVERY_TREEWALK, &pi, err, sizeof err);
    if (st != AUTH_OK)
        return st;
    if (pi->found == DMARC_FOUND_TEMPERROR)
        st = auth_finding_addf(out, "bimi.invalid", SEV_ERROR, "could not look up DMARC for BIMI",
                          NULL, NULL, "%s", pi->error ? pi->error : "");
    else if ((gap = dmarc_gap(pi)))
        st = auth_finding_addf(out, "bimi.invalid", SEV_WARN,
                          "BIMI record without DMARC enforcement", NULL, NULL,
                          "%s is published but %s: mailbox providers show no logo", name, gap);
    else
        st = auth_finding_addf(out, "bimi.invalid", SEV_PASS, "BIMI record valid", NULL, NULL,
                          "logo %s", rec.logo);
    dmarc_policy_info_free(pi);
    return st;
}

enum auth_status check_bimi(struct audit_ctx *ctx, struct finding_list *out)
{
    char name[300];
    const struct dns_rr *recs[4];
    const struct dns_result *res = NULL;
    size_t n;

    snprintf(name, sizeof name, "default._bimi.%s", ctx->domain);
    n = audit_txt_matching(ctx->eng, name, txt_is_bimi, recs, 4, &res);
    if (res && dns_status_is_temporary(dns_result_status(res)))
        return audit_dns_error(out, "bimi.invalid", name, res);
    if (!n)
        return AUTH_OK;
    if (n > 1)
        return auth_finding_addf(out, "bimi.invalid", SEV_WARN, "more than one BIMI record", NULL,
                            NULL, "%s has %zu v=BIMI1 records", name, n);
    return judge(ctx, name, recs[0], out);
}
