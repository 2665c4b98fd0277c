/*
 * cache.c - the per-engine answer cache: (name, type) -> result, an
 * open-addressing hash table (FNV-1a, linear probing) kept under half full.
 * It does not own the results (the engine does); nothing is ever removed,
 * because the cache lives for one run.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/dns_internal.h"

struct dns_cache {
    struct dns_result **slot;
    size_t cap, used;        /* cap is a power of two */
};

static size_t hash(const char *name, uint16_t type)
{
    uint64_t h = 1469598103934665603ULL;

    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h = (h ^ (type & 0xff)) * 1099511628211ULL;
    h = (h ^ (type >> 8)) * 1099511628211ULL;
    return (size_t)h;
}

struct dns_cache *dns_cache_new(void)
{
    struct dns_cache *c = calloc(1, sizeof *c);

    if (!c)
        return NULL;
    c->cap = 64;
    c->slot = calloc(c->cap, sizeof *c->slot);
    if (!c->slot) {
        free(c);
        return NULL;
    }
    return c;
}

void dns_cache_free(struct dns_cache *c)
{
    if (c) {
        free(c->slot);
        free(c);
    }
}

struct dns_result *dns_cache_get(struct dns_cache *c, const char *name, uint16_t type)
{
    for (size_t i = hash(name, type) & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        struct dns_result *r = c->slot[i];
        if (!r)
            return NULL;
        if (r->qtype == type && strcmp(r->qname, name) == 0)
            return r;
    }
}

static void insert(struct dns_result **slot, size_t cap, struct dns_result *r)
{
    size_t i = hash(r->qname, r->qtype) & (cap - 1);

    while (slot[i])
        i = (i + 1) & (cap - 1);
    slot[i] = r;
}

void dns_cache_empty(struct dns_cache *c)
{
    memset(c->slot, 0, c->cap * sizeof *c->slot);
    c->used = 0;
}

bool dns_cache_put(struct dns_cache *c, struct dns_result *r)
{
    if ((c->used + 1) * 2 > c->cap) {
        size_t cap = c->cap * 2;
        struct dns_result **slot = calloc(cap, sizeof *slot);
        if (!slot)
            return false;
        for (size_t i = 0; i < c->cap; i++)
            if (c->slot[i])
                insert(slot, cap, c->slot[i]);
        free(c->slot);
        c->slot = slot;
        c->cap = cap;
    }
    insert(c->slot, c->cap, r);
    c->used++;
    return true;
}
