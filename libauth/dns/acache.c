/*
 * acache.c - the answer cache a run's engines share (auth/dns.h,
 * "dns_answer_cache"), as one layer of the engine (dns_internal.h).
 *
 * It keeps wire messages, not results: an answer from the cache goes
 * through the same parser as one from the network, so a hit is exactly
 * what the server said, and each engine still owns its own results.  A
 * hash table with chaining finds an entry; a doubly linked list orders
 * the kept ones from most to least recently used, and the least recently
 * used go when the entry or byte bound is passed.  An entry being fetched
 * ("pending") is not on the list: the asker that claimed it must hear how
 * it ended, and other askers wait for that instead of asking too.  One
 * mutex guards everything; the work under it is a lookup and a memcpy.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dns_internal.h"

#define AC_ENTRIES_DEFAULT  100000
#define AC_BYTES_DEFAULT    ((size_t)64 << 20)
#define AC_TTL_DEFAULT      86400
#define AC_NEG_TTL_DEFAULT  3600
#define AC_BUCKETS_MAX      ((size_t)1 << 20)
/* A claim not heard of for this long is taken over (its asker is gone). */
#define AC_CLAIM_STALE_US   (60ull * 1000000)

struct ac_entry {
    struct ac_entry *hnext;          /* bucket chain */
    struct ac_entry *newer, *older;  /* the LRU list (kept entries only) */
    uint32_t key;
    bool pending;
    bool tcp;
    uint64_t until_us;               /* kept: expiry; pending: when claimed */
    size_t bytes;
    uint8_t *wire;
    size_t len;
    char name[];
};

struct dns_answer_cache {
    pthread_mutex_t lock;
    struct ac_entry **bucket;
    size_t nbucket;                  /* a power of two */
    struct ac_entry *newest, *oldest;
    size_t max_entries, max_bytes;
    uint32_t max_ttl, max_neg_ttl;
    dns_clock_fn clock;
    void *clock_ctx;
    struct dns_answer_cache_stats st;
};

static uint64_t monotonic_us(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

enum auth_status dns_answer_cache_new(const struct dns_answer_cache_params *p,
                                      struct dns_answer_cache **out)
{
    static const struct dns_answer_cache_params defaults;
    struct dns_answer_cache *c = calloc(1, sizeof *c);

    *out = NULL;
    if (!p)
        p = &defaults;
    if (!c)
        return AUTH_ENOMEM;
    c->max_entries = p->max_entries ? p->max_entries : AC_ENTRIES_DEFAULT;
    c->max_bytes = p->max_bytes ? p->max_bytes : AC_BYTES_DEFAULT;
    c->max_ttl = p->max_ttl ? p->max_ttl : AC_TTL_DEFAULT;
    c->max_neg_ttl = p->max_negative_ttl ? p->max_negative_ttl : AC_NEG_TTL_DEFAULT;
    c->clock = p->clock ? p->clock : monotonic_us;
    c->clock_ctx = p->clock_ctx;
    c->nbucket = 64;
    while (c->nbucket < c->max_entries && c->nbucket < AC_BUCKETS_MAX)
        c->nbucket *= 2;
    if (!(c->bucket = calloc(c->nbucket, sizeof *c->bucket))) {
        free(c);
        return AUTH_ENOMEM;
    }
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return AUTH_OK;
}

void dns_answer_cache_free(struct dns_answer_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nbucket; i++) {
        for (struct ac_entry *e = c->bucket[i], *next; e; e = next) {
            next = e->hnext;
            free(e->wire);
            free(e);
        }
    }
    free(c->bucket);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void dns_answer_cache_stats(struct dns_answer_cache *c, struct dns_answer_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->st;
    pthread_mutex_unlock(&c->lock);
}

static size_t hash(const char *name, uint32_t key)
{
    uint64_t h = 1469598103934665603ULL;

    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    for (int i = 0; i < 3; i++)
        h = (h ^ ((key >> (8 * i)) & 0xff)) * 1099511628211ULL;
    return (size_t)h;
}

static struct ac_entry **find(struct dns_answer_cache *c, const char *name, uint32_t key)
{
    struct ac_entry **pp = &c->bucket[hash(name, key) & (c->nbucket - 1)];

    while (*pp && ((*pp)->key != key || strcmp((*pp)->name, name)))
        pp = &(*pp)->hnext;
    return pp;
}

static void lru_unlink(struct dns_answer_cache *c, struct ac_entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void lru_push(struct dns_answer_cache *c, struct ac_entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

/* Unlink *pp from its bucket and the list, and free it. */
static void drop(struct dns_answer_cache *c, struct ac_entry **pp)
{
    struct ac_entry *e = *pp;

    *pp = e->hnext;
    if (!e->pending) {
        lru_unlink(c, e);
        c->st.entries--;
        c->st.bytes -= e->bytes;
    }
    free(e->wire);
    free(e);
}

/* Room for one more entry of bytes: the least recently used go. */
static void make_room(struct dns_answer_cache *c, size_t bytes)
{
    while (c->oldest && (c->st.entries + 1 > c->max_entries ||
                         c->st.bytes + bytes > c->max_bytes)) {
        struct ac_entry *e = c->oldest;
        drop(c, find(c, e->name, e->key));
        c->st.evictions++;
    }
}

static enum dns_layer_verdict ac_ask(void *self, const char *name, uint32_t key,
                                     struct dns_layer_answer *out)
{
    struct dns_answer_cache *c = self;
    enum dns_layer_verdict v = DNS_LAYER_CLAIM;
    struct ac_entry **pp, *e;
    uint64_t now = c->clock(c->clock_ctx);

    pthread_mutex_lock(&c->lock);
    pp = find(c, name, key);
    if ((e = *pp) && e->pending && now - e->until_us < AC_CLAIM_STALE_US) {
        c->st.waits++;
        pthread_mutex_unlock(&c->lock);
        return DNS_LAYER_WAIT;
    }
    if (e && (e->pending || now >= e->until_us)) {
        c->st.expired += !e->pending;
        drop(c, pp);
        e = NULL;
    }
    if (e) {
        if ((out->wire = malloc(e->len))) {
            memcpy(out->wire, e->wire, e->len);
            out->len = e->len;
            out->tcp = e->tcp;
            out->status = DNS_DATA;
            lru_unlink(c, e);
            lru_push(c, e);
            c->st.hits++;
            v = DNS_LAYER_ANSWER;
        } else {
            v = DNS_LAYER_PASS;
        }
    } else {
        size_t n = strlen(name) + 1;
        c->st.misses++;
        if ((e = calloc(1, sizeof *e + n))) {     /* the claim */
            memcpy(e->name, name, n);
            e->key = key;
            e->pending = true;
            e->until_us = now;
            e->hnext = *pp;               /* *pp may be the rest of the chain */
            *pp = e;
        } else {
            v = DNS_LAYER_PASS;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return v;
}

static void ac_heard(void *self, const char *name, uint32_t key, enum dns_status st,
                     const uint8_t *wire, size_t len, bool tcp, const char *why)
{
    struct dns_answer_cache *c = self;
    uint32_t ttl = st == DNS_DATA && wire ?
                   dns_answer_ttl(wire, len, c->max_ttl, c->max_neg_ttl) : 0;
    size_t n = strlen(name) + 1, bytes = sizeof(struct ac_entry) + n + len;
    struct ac_entry **pp, *e = NULL;
    uint8_t *copy = NULL;

    (void)why;
    if (ttl && bytes <= c->max_bytes && (copy = malloc(len)))
        memcpy(copy, wire, len);
    pthread_mutex_lock(&c->lock);
    pp = find(c, name, key);
    if (*pp && !(*pp)->pending) {             /* kept already (another asker) */
        pthread_mutex_unlock(&c->lock);
        free(copy);
        return;
    }
    if (*pp)
        drop(c, pp);                          /* the claim ends here */
    if (!copy) {
        c->st.not_kept += st == DNS_DATA;
        pthread_mutex_unlock(&c->lock);
        return;
    }
    make_room(c, bytes);
    pp = find(c, name, key);
    if ((e = calloc(1, sizeof *e + n))) {
        memcpy(e->name, name, n);
        e->key = key;
        e->wire = copy;
        e->len = len;
        e->tcp = tcp;
        e->bytes = bytes;
        e->until_us = c->clock(c->clock_ctx) + (uint64_t)ttl * 1000000u;
        e->hnext = *pp;
        *pp = e;
        lru_push(c, e);
        c->st.entries++;
        c->st.bytes += bytes;
    } else {
        free(copy);
    }
    pthread_mutex_unlock(&c->lock);
}

struct dns_layer dns_answer_cache_layer(struct dns_answer_cache *c)
{
    static const struct dns_layer_ops ops = { ac_ask, ac_heard };

    return (struct dns_layer){ &ops, c };
}

static uint32_t min32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Offset past the (possibly compressed) name at off, or 0 when it runs off
 * the message.  Only skipped, never followed: the engine's parser already
 * checked the message; this is the cache's quick look at TTLs. */
static size_t skip_name(const uint8_t *w, size_t len, size_t off)
{
    for (unsigned labels = 0; off < len && labels < 128; labels++) {
        uint8_t c = w[off];
        if (c == 0)
            return off + 1;
        if ((c & 0xc0) == 0xc0)
            return off + 2 <= len ? off + 2 : 0;
        if (c & 0xc0)
            return 0;
        off += 1u + c;
    }
    return 0;
}

/* A walk over the wire (no allocation: it runs for every answer a bulk run
 * hears), after a header check: NOERROR or NXDOMAIN, TC clear, a reply. */
uint32_t dns_answer_ttl(const uint8_t *wire, size_t len, uint32_t max_ttl,
                        uint32_t max_negative_ttl)
{
    size_t off = 12, qd, an, ns;
    uint32_t ttl = UINT32_MAX;
    bool soa = false;

    if (len < 12 || !(wire[2] & 0x80) || (wire[2] & 0x02) ||
        ((wire[3] & 0x0f) != 0 && (wire[3] & 0x0f) != 3))
        return 0;
    qd = (size_t)wire[4] << 8 | wire[5];
    an = (size_t)wire[6] << 8 | wire[7];
    ns = (size_t)wire[8] << 8 | wire[9];
    for (size_t i = 0; i < qd; i++) {
        if (!(off = skip_name(wire, len, off)) || (off += 4) > len)
            return 0;
    }
    for (size_t i = 0; i < an + ns; i++) {
        size_t rdlen;
        uint16_t type;
        uint32_t rrttl;
        if (!(off = skip_name(wire, len, off)) || off + 10 > len)
            return 0;
        type = (uint16_t)(wire[off] << 8 | wire[off + 1]);
        rrttl = be32(wire + off + 4);
        rdlen = (size_t)wire[off + 8] << 8 | wire[off + 9];
        off += 10;
        if (off + rdlen > len)
            return 0;
        if (rrttl > 0x7fffffffu)             /* RFC 2181 8: read as zero */
            rrttl = 0;
        if (i < an) {
            ttl = min32(ttl, rrttl);
        } else if (type == DNS_T_SOA && rdlen >= 22) {
            /* RFC 2308 5: the smaller of the SOA's own TTL and its MINIMUM,
             * the last 4 octets of its rdata */
            ttl = min32(ttl, min32(rrttl, be32(wire + off + rdlen - 4)));
            soa = true;
        }
        off += rdlen;
    }
    if (!an && !soa)
        return 0;                   /* negative without an SOA: not kept (RFC 2308 5) */
    return min32(ttl, an ? max_ttl : max_negative_ttl);
}
