/*
 * probes.c - the run's probe pool and probe cache (see probes.h).
 *
 * Every probe ever asked for stays on one list (the cache: a run probes a
 * few MX addresses, so a list is enough).  Workers take the first queued
 * probe whose address has fewer than per_address probes running, run it
 * without the lock, and wake every waiter when it is done.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "probes.h"

enum { P_QUEUED, P_RUNNING, P_DONE };

#define DEFAULT_THREADS     16
#define DEFAULT_PER_ADDRESS 2        /* --smtp-per-ip default (../shared/cli.md) */
#define MAX_THREADS         64

struct audit_probes {
    pthread_mutex_t lock;
    pthread_cond_t work;             /* a probe was queued, or stop */
    pthread_cond_t done;             /* a probe finished */
    struct audit_probe *all;
    pthread_t threads[MAX_THREADS];
    unsigned nthreads, started, per_address;
    bool stop;
    struct tls_ctx *anchors;         /* trust anchors for audit_smtp_verified() */
    bool anchors_tried;
    char anchors_err[200];
};

struct audit_probes *audit_probes_new(unsigned threads, unsigned per_address)
{
    struct audit_probes *p = calloc(1, sizeof *p);

    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->nthreads = threads ? threads : DEFAULT_THREADS;
    if (p->nthreads > MAX_THREADS)
        p->nthreads = MAX_THREADS;
    p->per_address = per_address ? per_address : DEFAULT_PER_ADDRESS;
    return p;
}

static void result_clear(struct audit_probe *pr)
{
    switch (pr->kind) {
    case PROBE_SMTP: smtp_client_free(pr->u.smtp.client); break;
    case PROBE_PORTS: ports_report_clear(&pr->u.ports.rep); break;
    case PROBE_MTASTS: mtasts_fetch_clear(&pr->u.mtasts.fetch); break;
    }
}

void audit_probes_free(struct audit_probes *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    for (struct audit_probe *pr = p->all, *next; pr; pr = next) {
        next = pr->next;
        if (pr->state == P_DONE)
            result_clear(pr);
        free(pr);
    }
    auth_tls_ctx_free(p->anchors);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

static unsigned timeout_of(const struct audit_options *opt)
{
    return opt->probe_timeout_ms ? opt->probe_timeout_ms : AUDIT_DEFAULT_PROBE_MS;
}

static void run_ports(struct audit_probe *pr)
{
    const struct audit_options *opt = pr->opt;
    struct ports_params p = opt->port_map;
    struct net_addrs a = { .n = 1 };

    snprintf(a.addr[0], sizeof a.addr[0], "%s", pr->address);
    p.host = pr->host;
    p.addrs = &a;
    p.eng = NULL;
    p.ca_file = opt->ca_file;
    p.timeout_ms = timeout_of(opt);
    p.parallel = true;       /* the pool's worker asks for the port threads */
    pr->u.ports.st = ports_probe(&p, &pr->u.ports.rep, pr->u.ports.err,
                                 sizeof pr->u.ports.err);
}

/* The policy host's addresses come from the asking audit's snapshot (its
 * engine, its resolver, its tape): the probe asks no DNS question. */
static void run_mtasts(struct audit_probe *pr)
{
    const struct audit_options *opt = pr->opt;
    struct audit_mtasts_result *r = &pr->u.mtasts;
    struct mtasts_fetch_params fp = {
        .domain = pr->host, .port = (uint16_t)pr->port, .ca_file = opt->ca_file,
        .timeout_ms = timeout_of(opt), .allow_private = opt->allow_private,
    };

    r->st = mtasts_policy_fetch_resolved(&fp, r->a, r->aaaa, &r->fetch, r->why, sizeof r->why);
    r->a = r->aaaa = NULL;              /* the asker's; not kept past its wait */
}

static void run_probe(struct audit_probe *pr)
{
    switch (pr->kind) {
    case PROBE_SMTP:
        audit_smtp_probe(pr->host, pr->address, pr->port, pr->opt->ca_file,
                         timeout_of(pr->opt), &pr->u.smtp);
        break;
    case PROBE_PORTS: run_ports(pr); break;
    case PROBE_MTASTS: run_mtasts(pr); break;
    }
}

/* With the lock held: a queued probe whose address is below its cap. */
static struct audit_probe *next_runnable(struct audit_probes *p)
{
    for (struct audit_probe *pr = p->all; pr; pr = pr->next) {
        unsigned running = 0;
        if (pr->state != P_QUEUED)
            continue;
        if (!pr->address[0])
            return pr;
        for (struct audit_probe *o = p->all; o; o = o->next)
            running += o->state == P_RUNNING && !strcmp(o->address, pr->address);
        if (running < p->per_address)
            return pr;
    }
    return NULL;
}

/* With the lock held: run one probe (unlocking meanwhile).  false: none. */
static bool run_one(struct audit_probes *p)
{
    struct audit_probe *pr = next_runnable(p);

    if (!pr)
        return false;
    pr->state = P_RUNNING;
    pthread_mutex_unlock(&p->lock);
    run_probe(pr);
    pthread_mutex_lock(&p->lock);
    pr->state = P_DONE;
    pthread_cond_broadcast(&p->done);
    pthread_cond_broadcast(&p->work);      /* an address may be below its cap again */
    return true;
}

static void *worker(void *arg)
{
    struct audit_probes *p = arg;

    pthread_mutex_lock(&p->lock);
    while (!p->stop)
        if (!run_one(p))
            pthread_cond_wait(&p->work, &p->lock);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* With the lock held: one more worker, up to nthreads and the queue. */
static void grow(struct audit_probes *p)
{
    unsigned queued = 0;

    for (struct audit_probe *pr = p->all; pr; pr = pr->next)
        queued += pr->state == P_QUEUED;
    while (p->started < p->nthreads && queued--) {
        if (pthread_create(&p->threads[p->started], NULL, worker, p) != 0)
            break;                 /* the waiters run probes themselves */
        p->started++;
    }
}

static bool wait_add(struct audit_wait *w, struct audit_probe *pr)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        struct audit_probe **n = realloc(w->items, cap * sizeof *n);
        if (!n)
            return false;
        w->items = n;
        w->cap = cap;
    }
    w->items[w->n++] = pr;
    return true;
}

/* The cache key: an SMTP probe is the address's, whatever name led there
 * (hosted domains name one MX address in many ways); the others are also
 * the host's (the port checklist and MTA-STS verify names as they go). */
static bool same_probe(const struct audit_probe *pr, enum audit_probe_kind kind,
                       const char *host, const char *address, unsigned port)
{
    return pr->kind == kind && pr->port == port && !strcmp(pr->address, address) &&
           (kind == PROBE_SMTP || !strcmp(pr->host, host));
}

static const struct audit_probe *want(struct audit_probes *p, struct audit_wait *w,
                                      const struct audit_options *opt,
                                      enum audit_probe_kind kind, const char *host,
                                      const char *address, unsigned port,
                                      const struct dns_result *a, const struct dns_result *aaaa)
{
    struct audit_probe *pr;

    pthread_mutex_lock(&p->lock);
    for (pr = p->all; pr; pr = pr->next)
        if (same_probe(pr, kind, host, address ? address : "", port))
            break;
    if (pr && pr->state == P_DONE) {
        pthread_mutex_unlock(&p->lock);
        return pr;
    }
    if (!pr && (pr = calloc(1, sizeof *pr))) {
        pr->kind = kind;
        pr->port = port;
        pr->opt = opt;
        pr->state = P_QUEUED;
        snprintf(pr->host, sizeof pr->host, "%s", host);
        snprintf(pr->address, sizeof pr->address, "%s", address ? address : "");
        if (kind == PROBE_MTASTS) {
            pr->u.mtasts.a = a;
            pr->u.mtasts.aaaa = aaaa;
        }
        pr->next = p->all;
        p->all = pr;
        grow(p);
        pthread_cond_broadcast(&p->work);
    }
    if (!pr || !wait_add(w, pr))
        w->nomem = true;
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

const struct audit_probe *audit_probe_want(struct audit_probes *p, struct audit_wait *w,
                                           const struct audit_options *opt,
                                           enum audit_probe_kind kind, const char *host,
                                           const char *address, unsigned port)
{
    return want(p, w, opt, kind, host, address, port, NULL, NULL);
}

const struct audit_probe *audit_probe_want_mtasts(struct audit_probes *p, struct audit_wait *w,
                                                  const struct audit_options *opt,
                                                  const char *domain, unsigned port,
                                                  const struct dns_result *a,
                                                  const struct dns_result *aaaa)
{
    return want(p, w, opt, PROBE_MTASTS, domain, NULL, port, a, aaaa);
}

void audit_probes_wait(struct audit_probes *p, struct audit_wait *w)
{
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < w->n; i++)
        while (w->items[i]->state != P_DONE)
            if (!p->started && run_one(p))
                continue;              /* no worker could be started: probe here */
            else
                pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
    w->n = 0;
}

void audit_wait_free(struct audit_wait *w)
{
    free(w->items);
    memset(w, 0, sizeof *w);
}

/* The run's trust anchors, loaded on first use (the probes' CA file). */
static struct tls_ctx *anchors(struct audit_probes *p, const char *ca_file)
{
    pthread_mutex_lock(&p->lock);
    if (!p->anchors_tried) {
        struct tls_params tp = { .ca_file = ca_file, .report_only = true };
        p->anchors_tried = true;
        if (auth_tls_ctx_new(&tp, &p->anchors, p->anchors_err, sizeof p->anchors_err) != AUTH_OK)
            p->anchors = NULL;
    }
    pthread_mutex_unlock(&p->lock);
    return p->anchors;
}

bool audit_smtp_verified(struct audit_probes *p, const struct audit_probe *pr,
                         const char *host, char *why, size_t whylen)
{
    const struct tls_facts *f = pr->u.smtp.facts;
    struct tls_ctx *ctx;

    if (!f) {
        snprintf(why, whylen, "no certificate seen");
        return false;
    }
    if (!strcasecmp(host, pr->host)) {     /* the name the handshake checked */
        snprintf(why, whylen, "%s", f->verify_error);
        return f->verified;
    }
    if (!(ctx = anchors(p, pr->opt->ca_file))) {
        snprintf(why, whylen, "%s", p->anchors_err);
        return false;
    }
    return auth_tls_facts_verify_name(ctx, f, host, why, whylen);
}
