/*
 * rate.c - the --qps token bucket the engines of a run share (auth/dns.h,
 * "dns_rate").  Tokens are counted in microseconds of "credit": one query
 * costs 1e6/qps of it, credit grows with the clock up to the bucket's size
 * (qps/50 tokens, at least one), so bursts are short and the long-run rate
 * is qps.  One mutex; the clock is injectable so tests need no sleeps.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "dns/dns_internal.h"

struct dns_rate {
    pthread_mutex_t lock;
    dns_clock_fn clock;
    void *clock_ctx;
    double cost_us;             /* microseconds of credit per query */
    double cap_us;              /* the bucket's size */
    double credit_us;
    uint64_t last_us;
    unsigned long granted, refused;
};

static uint64_t monotonic_us(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct dns_rate *dns_rate_new(double qps, dns_clock_fn clock, void *clock_ctx)
{
    struct dns_rate *r;
    double burst = floor(qps / 50);

    if (!(qps > 0) || !(r = calloc(1, sizeof *r)))
        return NULL;
    pthread_mutex_init(&r->lock, NULL);
    r->clock = clock ? clock : monotonic_us;
    r->clock_ctx = clock_ctx;
    r->cost_us = 1e6 / qps;
    r->cap_us = r->cost_us * (burst < 1 ? 1 : burst);
    r->credit_us = r->cap_us;
    r->last_us = r->clock(r->clock_ctx);
    return r;
}

void dns_rate_free(struct dns_rate *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r);
}

uint64_t dns_rate_take(struct dns_rate *r)
{
    uint64_t now, wait = 0;

    pthread_mutex_lock(&r->lock);
    now = r->clock(r->clock_ctx);
    if (now > r->last_us) {
        r->credit_us += (double)(now - r->last_us);
        if (r->credit_us > r->cap_us)
            r->credit_us = r->cap_us;
        r->last_us = now;
    }
    if (r->credit_us >= r->cost_us) {
        r->credit_us -= r->cost_us;
        r->granted++;
    } else {
        wait = (uint64_t)ceil(r->cost_us - r->credit_us);
        r->refused++;
    }
    pthread_mutex_unlock(&r->lock);
    return wait;
}

void dns_rate_counts(struct dns_rate *r, unsigned long *granted, unsigned long *refused)
{
    pthread_mutex_lock(&r->lock);
    *granted = r->granted;
    *refused = r->refused;
    pthread_mutex_unlock(&r->lock);
}
