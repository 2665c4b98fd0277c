/*
 * evaluate.c - the DMARC verdict on one message (RFC 9989 5.3.4-5.3.6,
 * RFC 7489 6.6.2-6.6.4): alignment of the SPF and DKIM identifiers with the
 * author domain, pass/fail, and the disposition after pct and t.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/people.h"
#include "dmarc/dmarc_int.h"

enum dmarc_policy dmarc_disposition(enum dmarc_policy policy, int pct, bool testing,
                                    int roll, bool *sampled_out)
{
    bool out = roll >= pct;

    if (sampled_out)
        *sampled_out = out && policy > DMARC_POLICY_NONE;
    if (policy <= DMARC_POLICY_NONE)
        return DMARC_POLICY_NONE;
    /* 7489 6.3 pct and 9989 4.7 t=y: one level below, never lower. */
    if (out || testing)
        return policy == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE : DMARC_POLICY_NONE;
    return policy;
}

/* 1 aligned, 0 not, -1 could not tell (a tree walk query failed). */
static int check_aligned(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                         enum dmarc_align mode, const char *ident)
{
    char norm[DNS_MAX_NAME + 1], org[DNS_MAX_NAME + 1];

    if (!ident || dmarc_domain_normalize(ident, norm, sizeof norm) != AUTH_OK)
        return 0;
    if (strcmp(norm, pi->domain) == 0)
        return 1;
    if (mode == DMARC_ALIGN_STRICT)
        return 0;
    enum auth_status st = dmarc_org_domain(eng, pi->method, norm, org, sizeof org);
    if (st == AUTH_ETEMP)
        return -1;
    if (st != AUTH_OK)
        return 0;
    return dmarc_aligned(mode, pi->domain, pi->org_domain, norm, org) ? 1 : 0;
}

/* The reason, in English for the header and JSON, and for people. */
static void dmarc_reason(struct dmarc_eval *ev, bool *oom, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static void dmarc_reason(struct dmarc_eval *ev, bool *oom, const char *f, ...)
{
    va_list ap;

    va_start(ap, f);
    if (!auth_text_vpair(&ev->reason, &ev->reason_for_people, f, ap))
        *oom = true;
    va_end(ap);
}

/* One more clause after the reason, in both languages. */
static void reason_append(struct dmarc_eval *ev, bool *oom, const char *clause)
{
    char *en = NULL, *people = NULL;

    if (*oom)
        return;
    if (asprintf(&en, "%s%s", ev->reason, clause) < 0)
        en = NULL;
    if (asprintf(&people, "%s%s", ev->reason_for_people, TR(clause)) < 0)
        people = NULL;
    if (!en || !people) {
        free(en);
        free(people);
        *oom = true;
        return;
    }
    free(ev->reason);
    free(ev->reason_for_people);
    ev->reason = en;
    ev->reason_for_people = people;
}

static void verdict_no_record(const struct dmarc_policy_info *pi, struct dmarc_eval *ev,
                              bool *oom)
{
    switch (pi->found) {
    case DMARC_FOUND_TEMPERROR:
        ev->result = DMARC_RESULT_TEMPERROR;
        break;
    case DMARC_FOUND_PERMERROR:
        ev->result = DMARC_RESULT_PERMERROR;
        break;
    default:
        ev->result = DMARC_RESULT_NONE;
        break;
    }
    if (pi->error) {
        ev->reason = dmarc_strdup(pi->error, oom);
        ev->reason_for_people = dmarc_strdup(pi->error_for_people ? pi->error_for_people : pi->error, oom);
    } else {
        dmarc_reason(ev, oom, "no DMARC policy for %s", pi->domain);
    }
}

/* Alignment is a fact about identifiers (RFC 7489 3.1), so it is decided
 * whether or not a policy was found: with the record's adkim/aspf, or the
 * defaults (relaxed) when there is none.  Returns true when a Tree Walk
 * query failed and a "no" may be wrong. */
static bool decide_alignment(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                             const struct dmarc_eval_params *params, struct dmarc_eval *ev,
                             bool *oom)
{
    const struct dmarc_record *r = pi->found == DMARC_FOUND ? pi->record : NULL;
    enum dmarc_align aspf = r ? r->aspf : DMARC_ALIGN_RELAXED;
    enum dmarc_align adkim = r ? r->adkim : DMARC_ALIGN_RELAXED;
    bool unsure = false;
    int a;

    if (!pi->domain)
        return false;
    if (params->spf_pass && params->spf_domain) {
        a = check_aligned(eng, pi, aspf, params->spf_domain);
        ev->spf_aligned = a == 1;
        unsure = unsure || a < 0;
    }
    for (size_t i = 0; i < params->ndkim && !ev->dkim_aligned; i++) {
        if (!params->dkim[i].pass)
            continue;
        a = check_aligned(eng, pi, adkim, params->dkim[i].domain);
        if (a == 1) {
            ev->dkim_aligned = true;
            ev->aligned_dkim_domain = dmarc_strdup(params->dkim[i].domain, oom);
        }
        unsure = unsure || a < 0;
    }
    return unsure;
}

enum auth_status dmarc_evaluate(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                                const struct dmarc_eval_params *params,
                                struct dmarc_eval **out)
{
    struct dmarc_eval *ev = calloc(1, sizeof *ev);
    bool oom = false, unsure;

    *out = NULL;
    if (!ev)
        return AUTH_ENOMEM;
    ev->disposition = DMARC_POLICY_NONE;
    unsure = decide_alignment(eng, pi, params, ev, &oom);
    if (pi->found != DMARC_FOUND || !pi->record) {
        verdict_no_record(pi, ev, &oom);
        goto done;
    }
    const struct dmarc_record *r = pi->record;
    ev->policy = pi->policy;
    if (ev->spf_aligned || ev->dkim_aligned) {
        ev->result = DMARC_RESULT_PASS;
        if (ev->dkim_aligned && ev->spf_aligned)
            dmarc_reason(ev, &oom, "DKIM and SPF aligned with %s", pi->domain);
        else if (ev->dkim_aligned)
            dmarc_reason(ev, &oom, "DKIM aligned with %s", pi->domain);
        else
            dmarc_reason(ev, &oom, "SPF aligned with %s", pi->domain);
        goto done;
    }
    if (unsure) {
        ev->result = DMARC_RESULT_TEMPERROR;
        dmarc_reason(ev, &oom, "alignment could not be decided: a DNS Tree Walk query failed");
        goto done;
    }
    ev->result = DMARC_RESULT_FAIL;
    /* No hidden randomness: the same message gets the same verdict.  A
     * caller without a sample value gets the policy applied in full. */
    int roll = params->pct_roll >= 0 ? params->pct_roll % 100 : 0;
    ev->testing = r->testing && ev->policy > DMARC_POLICY_NONE;
    ev->disposition = dmarc_disposition(ev->policy, r->pct, r->testing, roll,
                                        &ev->sampled_out);
    /* strict / relaxed are the adkim / aspf values, left as the record has them */
    dmarc_reason(ev, &oom, "no passing identifier aligned with %s (%s alignment for DKIM, %s for SPF)",
           pi->domain, r->adkim == DMARC_ALIGN_STRICT ? "strict" : "relaxed",
           r->aspf == DMARC_ALIGN_STRICT ? "strict" : "relaxed");
    if (ev->testing)
        reason_append(ev, &oom, N_("; t=y lowers the policy one level"));
    if (ev->sampled_out)
        reason_append(ev, &oom, N_("; outside the pct sample: policy lowered one level"));
done:
    if (oom) {
        dmarc_eval_free(ev);
        return AUTH_ENOMEM;
    }
    *out = ev;
    return AUTH_OK;
}

void dmarc_eval_free(struct dmarc_eval *ev)
{
    if (!ev)
        return;
    free(ev->aligned_dkim_domain);
    free(ev->reason);
    free(ev->reason_for_people);
    free(ev);
}
