/*
 * audit.c - one audit: gather and judge in rounds over one snapshot (see
 * audit.h), the findings in registry order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "audit.h"
#include "probes.h"

/* More rounds than any chain of dependent lookups needs (SPF includes
 * nest 10 deep); past it the questions are asked as the judges go. */
#define MAX_ROUNDS 24

struct family_run {
    const struct audit_check *check;
    struct audit_ctx ctx;
    struct finding_list findings;
    enum auth_status status;
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
    return auth_finding_addf(out, id, SEV_ERROR, "could not look up the record: DNS failure",
                        NULL, NULL, "%s %s: %s", what, dns_status_name(dns_result_status(res)),
                        dns_result_why_for_people(res));
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

static void run_family(struct family_run *fr)
{
    fr->status = fr->check->run(&fr->ctx, &fr->findings);
    if (fr->status != AUTH_OK && fr->status != AUTH_ENOMEM)
        auth_status_ignore(auth_finding_addf(&fr->findings, fr->check->family, SEV_ERROR,
                     "the check could not complete", NULL, NULL, "%s",
                     auth_strerror(fr->status)));
}

/* Move one family's findings and records into the result. */
static enum auth_status gather(struct audit_result *r, struct family_run *fr)
{
    enum auth_status st = AUTH_OK;

    for (size_t i = 0; i < fr->findings.count && st == AUTH_OK; i++) {
        const struct finding *f = &fr->findings.items[i];
        st = auth_finding_add(&r->findings, f->id, f->severity, f->summary, f->detail,
                         f->fix, f->reference);
        if (st == AUTH_OK && f->evidence)
            st = auth_finding_set_evidence(&r->findings, f->evidence);
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
    auth_finding_list_clear(&fr->findings);
    return fr->status == AUTH_ENOMEM ? AUTH_ENOMEM : st;
}

static void discard(struct family_run *fr)
{
    auth_finding_list_clear(&fr->findings);
    for (size_t i = 0; i < fr->ctx.nrecords; i++) {
        free(fr->ctx.records[i].key);
        free(fr->ctx.records[i].value);
    }
    free(fr->ctx.records);
    fr->ctx.records = NULL;
    fr->ctx.nrecords = 0;
}

static unsigned long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long)ts.tv_sec * 1000UL + (unsigned long)ts.tv_nsec / 1000000UL;
}

/* The snapshot of one domain: its engines (answers), clock, wildcard
 * label, and the probes it may use. */
struct snapshot {
    const char *domain;
    const struct audit_options *opt;
    struct dns_engine *eng, *eng_cd;
    time_t now;
    char wild_label[40];
    struct audit_probes *probes;         /* opt->probes, or our own */
    bool own_probes;
    struct audit_wait wait;
};

static enum auth_status snapshot_open(struct snapshot *s, const char *domain,
                                      const struct audit_options *opt, char *err, size_t errlen)
{
    struct dns_engine_params cd = opt->dns ? *opt->dns : (struct dns_engine_params){0};
    unsigned char rnd[6] = {0};
    enum auth_status st;

    memset(s, 0, sizeof *s);
    s->domain = domain;
    s->opt = opt;
    s->now = opt->now ? opt->now : time(NULL);
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        memcpy(rnd, &s->now, sizeof rnd < sizeof s->now ? sizeof rnd : sizeof s->now);
    snprintf(s->wild_label, sizeof s->wild_label, "mailctl-%02x%02x%02x%02x%02x%02x",
             rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
    cd.checking_disabled = true;
    if ((st = dns_engine_new(opt->dns, &s->eng, err, errlen)) != AUTH_OK ||
        (st = dns_engine_new(&cd, &s->eng_cd, err, errlen)) != AUTH_OK)
        return st;
    dns_engine_defer(s->eng, true);
    dns_engine_defer(s->eng_cd, true);
    s->probes = opt->probes;
    if (!s->probes) {
        s->own_probes = true;
        if (!(s->probes = audit_probes_new(0, 0)))
            return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    return AUTH_OK;
}

static void snapshot_close(struct snapshot *s, struct audit_result *r)
{
    struct dns_stats a = {0}, b = {0};

    if (s->eng)
        dns_engine_stats(s->eng, &a);
    if (s->eng_cd)
        dns_engine_stats(s->eng_cd, &b);
    if (r) {
        r->queries = a.queries_sent + b.queries_sent;
        r->questions = a.questions + b.questions;
    }
    if (s->own_probes)
        audit_probes_free(s->probes);
    audit_wait_free(&s->wait);
    dns_engine_free(s->eng);
    dns_engine_free(s->eng_cd);
}

/* One judging pass of every selected family over the snapshot. */
static void judge_all(struct snapshot *s, struct family_run *runs)
{
    struct audit_shared *shared = audit_shared_new();

    for (size_t i = 0; i < audit_ncheck; i++) {
        struct family_run *fr = &runs[i];
        discard(fr);
        fr->status = AUTH_OK;
        fr->check = &audit_checks[i];
        fr->ctx = (struct audit_ctx){
            .domain = s->domain, .opt = s->opt, .eng = s->eng, .eng_cd = s->eng_cd,
            .now = s->now, .wild_label = s->wild_label, .probes = s->probes,
            .wait = &s->wait, .shared = shared,
        };
        if (!shared)
            fr->status = AUTH_ENOMEM;
        else if (audit_family_selected(s->opt->only, fr->check->family))
            run_family(fr);
    }
    audit_shared_free(shared);
}

/* Fetch what the pass missed: every deferred question at once, while the
 * pool makes the probes.  false when nothing was missing. */
static bool fetch_missing(struct snapshot *s, enum auth_status *st)
{
    size_t dns = dns_engine_deferred(s->eng) + dns_engine_deferred(s->eng_cd);

    if (!dns && !s->wait.n && !s->wait.nomem)
        return false;
    if (s->wait.nomem)
        *st = AUTH_ENOMEM;
    if (*st == AUTH_OK && dns_engine_deferred(s->eng))
        *st = dns_engine_fetch_deferred(s->eng);
    if (*st == AUTH_OK && dns_engine_deferred(s->eng_cd))
        *st = dns_engine_fetch_deferred(s->eng_cd);
    audit_probes_wait(s->probes, &s->wait);
    return true;
}

enum auth_status audit_run(const char *domain, const struct audit_options *opt,
                           struct audit_result **out, char *err, size_t errlen)
{
    struct family_run *runs;
    struct audit_result *r;
    struct snapshot snap;
    enum auth_status st = AUTH_OK;
    unsigned long t0 = now_ms();

    *out = NULL;
    if (dns_name_check(domain, err, errlen) != AUTH_OK)
        return AUTH_EINVAL;
    runs = calloc(audit_ncheck, sizeof *runs);
    r = calloc(1, sizeof *r);
    if (!runs || !r || !(r->domain = strdup(domain))) {
        free(runs);
        audit_result_free(r);
        return AUTH_ENOMEM;
    }
    st = snapshot_open(&snap, r->domain, opt, err, errlen);
    if (st != AUTH_OK) {
        /* no resolver: every selected family says so, as before */
        for (size_t i = 0; i < audit_ncheck; i++)
            if (audit_family_selected(opt->only, audit_checks[i].family))
                /* a full list is reported by the result's own count */
                auth_status_ignore(auth_finding_addf(&r->findings, audit_checks[i].family,
                                                SEV_ERROR, "could not start the resolver", NULL,
                                                NULL, "%s", err));
        st = st == AUTH_ENOMEM ? st : AUTH_OK;
    }
    for (unsigned round = 1; st == AUTH_OK; round++) {
        r->rounds = round;
        if (round == MAX_ROUNDS) {           /* stop deferring: judge as we go */
            dns_engine_defer(snap.eng, false);
            dns_engine_defer(snap.eng_cd, false);
        }
        judge_all(&snap, runs);
        if (!fetch_missing(&snap, &st) || round == MAX_ROUNDS)
            break;
    }
    for (size_t i = 0; i < audit_ncheck; i++) {
        enum auth_status g = st == AUTH_OK ? gather(r, &runs[i]) : AUTH_OK;
        discard(&runs[i]);
        if (st == AUTH_OK)
            st = g;
    }
    free(runs);
    snapshot_close(&snap, r);
    if (st == AUTH_OK && opt->profile)
        st = audit_apply_profile(r, opt, opt->profile);
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
    auth_finding_list_clear(&r->findings);
    for (size_t i = 0; i < r->nrecords; i++) {
        free(r->records[i].key);
        free(r->records[i].value);
    }
    free(r->records);
    free(r->domain);
    free(r);
}
