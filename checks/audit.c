/*
 * audit.c - run every check family concurrently, one thread and one DNS
 * engine each, and gather their findings in registry order.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"

struct family_run {
    const struct audit_check *check;
    struct audit_ctx ctx;
    struct finding_list findings;
    enum auth_status status;
    bool started;                 /* on its own thread */
    unsigned long queries;
    char err[256];
};

enum auth_status audit_add_record(struct audit_ctx *ctx, const char *key, const char *value)
{
    struct audit_record *n = realloc(ctx->records, (ctx->nrecords + 1) * sizeof *n);

    if (!n)
        return AUTH_ENOMEM;
    ctx->records = n;
    n[ctx->nrecords].key = strdup(key);
    n[ctx->nrecords].value = strdup(value ? value : "");
    if (!n[ctx->nrecords].key || !n[ctx->nrecords].value) {
        free(n[ctx->nrecords].key);
        free(n[ctx->nrecords].value);
        return AUTH_ENOMEM;
    }
    ctx->nrecords++;
    return AUTH_OK;
}

enum auth_status audit_dns_error(struct finding_list *out, const char *id, const char *what,
                                 const struct dns_result *res)
{
    return finding_addf(out, id, SEV_ERROR, "could not look up the record: DNS failure",
                        NULL, NULL, "%s %s: %s", what, dns_status_name(dns_result_status(res)),
                        dns_result_why(res));
}

bool audit_family_selected(const char *only, const char *family)
{
    size_t n = strlen(family);

    if (!only)
        return true;
    for (const char *p = only; *p; ) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, family, n) == 0)
            return true;
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

size_t audit_txt_matching(struct dns_engine *eng, const char *name,
                          bool (*is_record)(const char *txt, size_t len),
                          const struct dns_rr **out, size_t max,
                          const struct dns_result **res)
{
    size_t n = 0;

    if (dns_query(eng, name, DNS_T_TXT, res) != AUTH_OK || !*res)
        return 0;
    for (size_t i = 0; i < dns_result_count(*res); i++) {
        const struct dns_rr *rr = dns_result_rr(*res, i);
        if (is_record((const char *)rr->u.txt.data, rr->u.txt.len) && n < max)
            out[n++] = rr;
    }
    return n;
}

static void *run_family(void *arg)
{
    struct family_run *fr = arg;
    struct dns_stats stats;

    fr->status = dns_engine_new(fr->ctx.opt->dns, &fr->ctx.eng, fr->err, sizeof fr->err);
    if (fr->status != AUTH_OK) {
        /* fr->status already holds the failure */
        auth_status_ignore(finding_addf(&fr->findings, fr->check->family, SEV_ERROR,
                     "could not start the resolver", NULL, NULL, "%s", fr->err));
        return NULL;
    }
    fr->status = fr->check->run(&fr->ctx, &fr->findings);
    if (fr->status != AUTH_OK && fr->status != AUTH_ENOMEM)
        auth_status_ignore(finding_addf(&fr->findings, fr->check->family, SEV_ERROR,
                     "the check could not complete", NULL, NULL, "%s",
                     auth_strerror(fr->status)));
    dns_engine_stats(fr->ctx.eng, &stats);
    fr->queries = stats.queries_sent;
    dns_engine_free(fr->ctx.eng);
    fr->ctx.eng = NULL;
    return NULL;
}

/* Move one family's findings and records into the result. */
static enum auth_status gather(struct audit_result *r, struct family_run *fr)
{
    enum auth_status st = AUTH_OK;

    for (size_t i = 0; i < fr->findings.count && st == AUTH_OK; i++) {
        const struct finding *f = &fr->findings.items[i];
        st = finding_add(&r->findings, f->id, f->severity, f->summary, f->detail,
                         f->fix, f->reference);
        if (st == AUTH_OK && f->evidence)
            st = finding_set_evidence(&r->findings, f->evidence);
    }
    if (fr->ctx.nrecords) {
        struct audit_record *n = realloc(r->records,
                                         (r->nrecords + fr->ctx.nrecords) * sizeof *n);
        if (!n)
            return AUTH_ENOMEM;
        r->records = n;
        memcpy(n + r->nrecords, fr->ctx.records, fr->ctx.nrecords * sizeof *n);
        r->nrecords += fr->ctx.nrecords;
        free(fr->ctx.records);
        fr->ctx.records = NULL;
        fr->ctx.nrecords = 0;
    }
    r->queries += fr->queries;
    finding_list_clear(&fr->findings);
    return fr->status == AUTH_ENOMEM ? AUTH_ENOMEM : st;
}

static unsigned long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long)ts.tv_sec * 1000UL + (unsigned long)ts.tv_nsec / 1000000UL;
}

enum auth_status audit_run(const char *domain, const struct audit_options *opt,
                           struct audit_result **out, char *err, size_t errlen)
{
    struct family_run *runs;
    pthread_t *threads;
    struct audit_result *r;
    struct audit_shared *shared;
    enum auth_status st = AUTH_OK;
    unsigned long t0 = now_ms();

    *out = NULL;
    if (dns_name_check(domain, err, errlen) != AUTH_OK)
        return AUTH_EINVAL;
    if (!(shared = audit_shared_new()))
        return AUTH_ENOMEM;
    runs = calloc(audit_ncheck, sizeof *runs);
    threads = calloc(audit_ncheck, sizeof *threads);
    r = calloc(1, sizeof *r);
    if (!runs || !threads || !r || !(r->domain = strdup(domain))) {
        free(runs);
        free(threads);
        audit_result_free(r);
        audit_shared_free(shared);
        return AUTH_ENOMEM;
    }
    for (size_t i = 0; i < audit_ncheck; i++) {
        runs[i].check = &audit_checks[i];
        runs[i].ctx.domain = r->domain;
        runs[i].ctx.opt = opt;
        runs[i].ctx.shared = shared;
        if (!audit_family_selected(opt->only, audit_checks[i].family))
            continue;
        runs[i].started = pthread_create(&threads[i], NULL, run_family, &runs[i]) == 0;
        if (!runs[i].started)
            run_family(&runs[i]);          /* no thread to be had: run it here */
    }
    for (size_t i = 0; i < audit_ncheck; i++)
        if (runs[i].started)
            pthread_join(threads[i], NULL);
    for (size_t i = 0; i < audit_ncheck; i++) {
        enum auth_status g = gather(r, &runs[i]);
        if (st == AUTH_OK)
            st = g;
    }
    free(runs);
    free(threads);
    if (st == AUTH_OK && opt->profile)
        st = audit_apply_profile(r, opt, opt->profile);
    audit_shared_free(shared);
    r->timing_ms = now_ms() - t0;
    if (st != AUTH_OK) {
        audit_result_free(r);
        return auth_fail(err, errlen, st, "%s", auth_strerror(st));
    }
    *out = r;
    return AUTH_OK;
}

void audit_result_free(struct audit_result *r)
{
    if (!r)
        return;
    finding_list_clear(&r->findings);
    for (size_t i = 0; i < r->nrecords; i++) {
        free(r->records[i].key);
        free(r->records[i].value);
    }
    free(r->records);
    free(r->domain);
    free(r);
}
