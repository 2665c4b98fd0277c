/*
 * engine.c - the DNS engine's public face: creation from parameters (or
 * /etc/resolv.conf), statistics, batches of questions answered together,
 * the one-question helper, and the cache in front of the wire.
 *
 * Every result the engine hands out stays on its "owned" list until
 * dns_engine_free(), so borrowed pointers never dangle mid-run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_internal.h"

enum auth_status dns_engine_new(const struct dns_engine_params *params,
                                struct dns_engine **out, char *err, size_t errlen)
{
    static const struct dns_engine_params defaults;
    const struct dns_engine_params *p = params ? params : &defaults;
    struct sockaddr_storage ss[DNS_MAX_SERVERS];
    struct dns_engine *eng;
    size_t n = 0;

    *out = NULL;
    if (p->nservers > DNS_MAX_SERVERS)
        return auth_fail(err, errlen, AUTH_EINVAL, "at most %d resolvers",
                         DNS_MAX_SERVERS);
    for (size_t i = 0; i < p->nservers; i++) {
        enum auth_status st = dns_server_parse(p->servers[i], &ss[n], err, errlen);
        if (st != AUTH_OK)
            return st;
        n++;
    }
    if (n == 0 && dns_tape_replaying(p->tape)) {
        memset(&ss[0], 0, sizeof ss[0]);    /* answers come from the tape */
        ss[0].ss_family = AF_INET;
        n = 1;
    } else if (n == 0) {
        n = dns_resolv_conf_read(p->resolv_conf, ss, DNS_MAX_SERVERS);
        if (n == 0)
            return auth_fail(err, errlen, AUTH_ENOTFOUND, "no nameserver in %s",
                             p->resolv_conf ? p->resolv_conf : "/etc/resolv.conf");
    }
    eng = calloc(1, sizeof *eng);
    if (!eng || !(eng->cache = dns_cache_new())) {
        free(eng);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        eng->servers[i].ss = ss[i];
        dns_server_format(&ss[i], eng->servers[i].text, sizeof eng->servers[i].text);
    }
    eng->nservers = n;
    eng->timeout_ms = p->timeout_ms ? p->timeout_ms : 2000;
    eng->attempts = p->attempts ? p->attempts : 3;
    eng->max_inflight = p->max_inflight ? p->max_inflight : 256;
    if (eng->max_inflight > DNS_MAX_INFLIGHT)
        eng->max_inflight = DNS_MAX_INFLIGHT;
    eng->max_cname = p->max_cname ? p->max_cname : DNS_MAX_CNAME;
    if (eng->max_cname > DNS_CNAME_HARD_MAX)
        eng->max_cname = DNS_CNAME_HARD_MAX;
    eng->no_cache = p->no_cache;
    eng->tape = p->tape;
    if (p->tape)                        /* the tape above the cache: it hears cache hits */
        eng->layers[eng->nlayers++] = dns_tape_layer(p->tape);
    eng->cache_layer = p->cache ? eng->nlayers : SIZE_MAX;
    if (p->cache)
        eng->layers[eng->nlayers++] = dns_answer_cache_layer(p->cache);
    eng->rate = p->rate;
    eng->backoff_ms = p->retry_backoff_ms ? p->retry_backoff_ms : 100;
    if (dns_tape_replaying(eng->tape) && !p->nservers)
        snprintf(eng->servers[0].text, sizeof eng->servers[0].text, "replay");
    eng->no_edns = p->no_edns;
    eng->checking_disabled = p->checking_disabled;
    *out = eng;
    return AUTH_OK;
}

static void free_results(struct dns_engine *eng)
{
    struct dns_result *r, *next;

    for (r = eng->owned; r; r = next) {
        next = r->next_owned;
        dns_result_free(r);
    }
    eng->owned = NULL;
    eng->ndeferred = 0;
}

void dns_engine_free(struct dns_engine *eng)
{
    if (!eng)
        return;
    free_results(eng);
    free(eng->deferred);
    dns_cache_free(eng->cache);
    free(eng);
}

void dns_engine_clear(struct dns_engine *eng)
{
    struct dns_cache *fresh = dns_cache_new();

    free_results(eng);
    free(eng->deferred);
    eng->deferred = NULL;
    eng->deferred_cap = 0;
    if (fresh) {
        dns_cache_free(eng->cache);
        eng->cache = fresh;
    } else {
        dns_cache_empty(eng->cache);      /* keeps its table, holds nothing */
    }
}

void dns_engine_defer(struct dns_engine *eng, bool on)
{
    eng->deferring = on;
}

size_t dns_engine_deferred(const struct dns_engine *eng)
{
    return eng->ndeferred;
}

void dns_engine_stats(const struct dns_engine *eng, struct dns_stats *out)
{
    *out = eng->stats;
}

/* A new result on the engine's list. */
static struct dns_result *owned_result(struct dns_engine *eng, const char *name,
                                       uint16_t type)
{
    struct dns_result *r = dns_result_new(name, type);

    if (r) {
        r->next_owned = eng->owned;
        eng->owned = r;
    }
    return r;
}

struct dns_batch_item {
    char *name;
    uint16_t type;
    const struct dns_result *res;
};

struct dns_batch {
    struct dns_engine *eng;
    struct dns_batch_item *items;
    size_t n, cap;
    bool nomem;
};

struct dns_batch *dns_batch_new(struct dns_engine *eng)
{
    struct dns_batch *b = calloc(1, sizeof *b);

    if (b)
        b->eng = eng;
    return b;
}

void dns_batch_free(struct dns_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        free(b->items[i].name);
    free(b->items);
    free(b);
}

size_t dns_batch_add(struct dns_batch *b, const char *name, uint16_t type)
{
    struct dns_batch_item *it;
    char err[DNS_WHY_LEN];

    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct dns_batch_item *n = realloc(b->items, cap * sizeof *n);
        if (!n) {
            b->nomem = true;
            return SIZE_MAX;
        }
        b->items = n;
        b->cap = cap;
    }
    it = &b->items[b->n];
    memset(it, 0, sizeof *it);
    it->type = type;
    if (dns_name_check_query(name, err, sizeof err) != AUTH_OK) {
        struct dns_result *r = owned_result(b->eng, name ? name : "", type);
        if (!r) {
            b->nomem = true;
            return SIZE_MAX;
        }
        r->status = DNS_ERROR;
        dns_result_set_why(r, "error: %s", err);
        it->res = r;
    } else if (!(it->name = strdup(name))) {
        b->nomem = true;
        return SIZE_MAX;
    }
    return b->n++;
}

size_t dns_batch_count(const struct dns_batch *b)
{
    return b->n;
}

const struct dns_result *dns_batch_result(const struct dns_batch *b, size_t i)
{
    return i < b->n ? b->items[i].res : NULL;
}

/* Remember r (already cached) as a placeholder for the next fetch. */
static bool defer(struct dns_engine *eng, struct dns_result *r)
{
    if (eng->ndeferred == eng->deferred_cap) {
        size_t cap = eng->deferred_cap ? eng->deferred_cap * 2 : 64;
        struct dns_result **n = realloc(eng->deferred, cap * sizeof *n);
        if (!n)
            return false;
        eng->deferred = n;
        eng->deferred_cap = cap;
    }
    eng->deferred[eng->ndeferred++] = r;
    r->status = DNS_ERROR;
    r->deferred = true;
    dns_result_set_why(r, "deferred: %s %s not asked yet", r->qname, dns_type_name(r->qtype));
    return true;
}

enum auth_status dns_engine_fetch_deferred(struct dns_engine *eng)
{
    size_t n = eng->ndeferred;
    struct dns_q *qs = calloc(n ? n : 1, sizeof *qs);
    struct dns_q **qp = calloc(n ? n : 1, sizeof *qp);
    enum auth_status st;

    if (!qs || !qp) {
        free(qs);
        free(qp);
        return AUTH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        struct dns_result *r = eng->deferred[i];
        r->status = DNS_DATA;
        r->deferred = false;
        r->why[0] = '\0';
        r->why_for_people = NULL;
        dns_result_reset_answer(r);
        qs[i].res = r;
        qs[i].fd = -1;
        qp[i] = &qs[i];
    }
    eng->ndeferred = 0;
    eng->stats.questions += n;
    st = dns_engine_run(eng, qp, n);
    free(qs);
    free(qp);
    return st;
}

enum auth_status dns_batch_wait(struct dns_batch *b)
{
    struct dns_engine *eng = b->eng;
    struct dns_q *qs = calloc(b->n ? b->n : 1, sizeof *qs);
    struct dns_q **qp = calloc(b->n ? b->n : 1, sizeof *qp);
    size_t nq = 0;
    enum auth_status st = AUTH_OK;

    if (!qs || !qp) {
        free(qs);
        free(qp);
        return AUTH_ENOMEM;
    }
    for (size_t i = 0; i < b->n; i++) {
        struct dns_batch_item *it = &b->items[i];
        char norm[DNS_MAX_NAME + 2];
        struct dns_result *r;

        if (it->res)
            continue;
        dns_name_normalise(it->name, norm, sizeof norm);
        if (!eng->no_cache && (r = dns_cache_get(eng->cache, norm, it->type))) {
            eng->stats.cache_hits++;
            it->res = r;
            continue;
        }
        if (!(r = owned_result(eng, norm, it->type)) ||
            (!eng->no_cache && !dns_cache_put(eng->cache, r))) {
            st = AUTH_ENOMEM;
            break;
        }
        it->res = r;
        if (eng->deferring && !eng->no_cache) {
            if (!defer(eng, r)) {
                st = AUTH_ENOMEM;
                break;
            }
            continue;
        }
        qs[nq].res = r;
        qs[nq].fd = -1;
        qp[nq] = &qs[nq];
        nq++;
    }
    eng->stats.questions += nq;
    if (st == AUTH_OK)
        st = dns_engine_run(eng, qp, nq);
    free(qs);
    free(qp);
    if (st == AUTH_OK && b->nomem)
        st = AUTH_ENOMEM;
    return st;
}

enum auth_status dns_query(struct dns_engine *eng, const char *name,
                           uint16_t type, const struct dns_result **out)
{
    struct dns_batch *b = dns_batch_new(eng);
    enum auth_status st;
    size_t i;

    *out = NULL;
    if (!b)
        return AUTH_ENOMEM;
    i = dns_batch_add(b, name, type);
    st = dns_batch_wait(b);
    if (st == AUTH_OK)
        *out = dns_batch_result(b, i);
    dns_batch_free(b);
    return st == AUTH_OK && !*out ? AUTH_ENOMEM : st;
}
