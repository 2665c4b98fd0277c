/*
 * audit_shared.c - state the check families of one audit share, computed
 * once on first use: the MTA-STS record and policy (the mtasts family
 * reports on it, the smtp family needs its mode to judge certificates).
 * A mutex makes the second family wait for the first one's fetch instead
 * of fetching the policy again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#define DEFAULT_PROBE_MS 20000u

struct audit_shared {
    pthread_mutex_t lock;
    bool mtasts_done;
    struct audit_mtasts mtasts;
};

struct audit_shared *audit_shared_new(void)
{
    struct audit_shared *s = calloc(1, sizeof *s);

    if (s && pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

void audit_shared_free(struct audit_shared *s)
{
    if (!s)
        return;
    mtasts_fetch_clear(&s->mtasts.fetch);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

unsigned audit_probe_timeout_ms(const struct audit_ctx *ctx)
{
    return ctx->opt->probe_timeout_ms ? ctx->opt->probe_timeout_ms : DEFAULT_PROBE_MS;
}

static bool is_mtasts_txt(const char *t, size_t n) { return mtasts_is_record(t, n); }

/* The record, then (one valid record only) the policy fetch and parse. */
static void mtasts_resolve(struct audit_ctx *ctx, struct audit_mtasts *m)
{
    char name[DNS_MAX_NAME + 16], err[256];
    const struct dns_rr *recs[2];
    const struct dns_result *res = NULL;
    struct mtasts_record rec;
    struct mtasts_fetch_params fp = {
        .domain = ctx->domain, .port = (uint16_t)ctx->opt->https_port,
        .ca_file = ctx->opt->ca_file, .timeout_ms = audit_probe_timeout_ms(ctx),
        .allow_private = ctx->opt->allow_private,
    };
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
    m->fetched = true;
    m->fetch_status = mtasts_policy_fetch(ctx->eng, &fp, &m->fetch, m->why, sizeof m->why);
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
    pthread_mutex_lock(&s->lock);
    if (!s->mtasts_done) {
        mtasts_resolve(ctx, &s->mtasts);
        s->mtasts_done = true;
    }
    pthread_mutex_unlock(&s->lock);
    return &s->mtasts;
}
