/*
 * audit_shared.c - what the families of one judging pass share, computed
 * once per pass on first use: the MTA-STS record and policy (the mtasts
 * family reports on it, the smtp family needs its mode to judge
 * certificates).  The policy itself comes from the probe pool, fetched once
 * per run.  Judging passes run on one thread: no lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "probes.h"

struct audit_shared {
    bool mtasts_done;
    struct audit_mtasts mtasts;
};

struct audit_shared *audit_shared_new(void)
{
    return calloc(1, sizeof(struct audit_shared));
}

void audit_shared_free(struct audit_shared *s)
{
    if (s)
        mtasts_policy_clear(&s->mtasts.policy);
    free(s);                /* the fetch result belongs to the probe cache */
}

unsigned audit_probe_timeout_ms(const struct audit_ctx *ctx)
{
    return ctx->opt->probe_timeout_ms ? ctx->opt->probe_timeout_ms : AUDIT_DEFAULT_PROBE_MS;
}

const struct audit_probe *audit_want_probe(struct audit_ctx *ctx, int kind, const char *host,
                                           const char *address, unsigned port)
{
    return audit_probe_want(ctx->probes, ctx->wait, ctx->opt, (enum audit_probe_kind)kind,
                            host, address, port);
}

static bool is_mtasts_txt(const char *t, size_t n) { return mtasts_is_record(t, n); }

/* The record, then (one valid record only) the policy fetch and parse. */
static void mtasts_resolve(struct audit_ctx *ctx, struct audit_mtasts *m)
{
    char name[DNS_MAX_NAME + 16], err[256];
    const struct dns_rr *recs[2];
    const struct dns_result *res = NULL, *a = NULL, *aaaa = NULL;
    const struct audit_probe *pr;
    struct mtasts_record rec;
    size_t n;

    snprintf(name, sizeof name, "_mta-sts.%s", ctx->domain);
    n = audit_txt_matching(ctx->eng, name, is_mtasts_txt, recs, 2, &res);
    if (!res || dns_status_is_temporary(dns_result_status(res))) {
        m->record = MTASTS_REC_ERROR;
        return;
    }
    if (n != 1 || mtasts_record_parse((const char *)recs[0]->u.txt.data, recs[0]->u.txt.len,
                                      &rec, err, sizeof err) != AUTH_OK) {
        m->record = n ? MTASTS_REC_INVALID : MTASTS_REC_NONE;
        return;
    }
    m->record = MTASTS_REC_OK;
    /* the policy host's addresses from the snapshot, then the fetch */
    snprintf(name, sizeof name, "mta-sts.%s", ctx->domain);
    if (dns_query(ctx->eng, name, DNS_T_A, &a) != AUTH_OK ||
        dns_query(ctx->eng, name, DNS_T_AAAA, &aaaa) != AUTH_OK) {
        m->fetched = true;
        m->fetch_status = AUTH_ENOMEM;
        snprintf(m->why, sizeof m->why, "out of memory");
        return;
    }
    if (dns_result_deferred(a) || dns_result_deferred(aaaa))
        return;                                  /* judged again once answered */
    pr = audit_probe_want_mtasts(ctx->probes, ctx->wait, ctx->opt, ctx->domain,
                                 (unsigned)ctx->opt->https_port, a, aaaa);
    if (!pr)
        return;                                  /* judged again once fetched */
    m->fetched = true;
    m->fetch_status = pr->u.mtasts.st;
    m->fetch = pr->u.mtasts.fetch;
    snprintf(m->why, sizeof m->why, "%s", pr->u.mtasts.why);
    m->skipped = m->fetch.not_probed;
    if (m->fetch_status != AUTH_OK)
        return;
    m->parse_status = mtasts_policy_parse(m->fetch.body, m->fetch.body_len, &m->policy,
                                          m->why, sizeof m->why);
}

const struct audit_mtasts *audit_mtasts_state(struct audit_ctx *ctx)
{
    struct audit_shared *s = ctx->shared;

    if (!s)
        return NULL;
    if (!s->mtasts_done) {
        mtasts_resolve(ctx, &s->mtasts);
        s->mtasts_done = true;
    }
    return &s->mtasts;
}
