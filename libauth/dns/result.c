/*
 * result.c - the typed result of one question: its arena allocator and
 * the read-only accessors of auth/dns.h.  A result owns every string and
 * array its RRs point to; freeing it frees them all at once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/people.h"
#include "dns/dns_internal.h"

struct dns_arena_block {
    struct dns_arena_block *next;
    size_t used, cap;
    max_align_t data[];
};

#define ARENA_CHUNK 2048

struct dns_result *dns_result_new(const char *qname, uint16_t qtype)
{
    struct dns_result *r = calloc(1, sizeof *r);
    char norm[DNS_MAX_NAME + 2];

    if (!r)
        return NULL;
    r->qtype = qtype;
    r->rcode = -1;
    if (!dns_name_normalise(qname, norm, sizeof norm)) {
        /* over-long (the caller reports it): keep a recognisable prefix */
        memcpy(norm, qname, sizeof norm - 1);
        norm[sizeof norm - 1] = '\0';
    }
    r->qname = dns_result_strdup(r, norm, strlen(norm));
    if (!r->qname) {
        free(r);
        return NULL;
    }
    return r;
}

void dns_result_free(struct dns_result *r)
{
    struct dns_arena_block *b, *next;

    if (!r)
        return;
    for (b = r->arena; b; b = next) {
        next = b->next;
        free(b);
    }
    free(r->rrs);
    free(r);
}

void *dns_result_alloc(struct dns_result *r, size_t n)
{
    struct dns_arena_block *b = r->arena;
    size_t align = sizeof(max_align_t), need = (n + align - 1) / align * align;
    unsigned char *p;

    if (n > DNS_MAX_WIRE * 4)
        return NULL;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > ARENA_CHUNK ? need : ARENA_CHUNK;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = r->arena;
        r->arena = b;
    }
    p = (unsigned char *)b->data + b->used;
    b->used += need;
    memset(p, 0, need);
    return p;
}

char *dns_result_strdup(struct dns_result *r, const char *s, size_t n)
{
    char *p = dns_result_alloc(r, n + 1);

    if (p)
        memcpy(p, s, n);
    return p;
}

struct dns_rr *dns_result_add_rr(struct dns_result *r)
{
    if (r->nrr >= DNS_MAX_RRS)
        return NULL;
    if (r->nrr == r->rrcap) {
        size_t cap = r->rrcap ? r->rrcap * 2 : 4;
        struct dns_rr *n = realloc(r->rrs, cap * sizeof *n);
        if (!n)
            return NULL;
        r->rrs = n;
        r->rrcap = cap;
    }
    memset(&r->rrs[r->nrr], 0, sizeof r->rrs[0]);
    return &r->rrs[r->nrr++];
}

void dns_result_reset_answer(struct dns_result *r)
{
    r->nrr = 0;
    r->nhint = 0;
    r->ad = false;
    r->rcode = -1;
}

/* The people's copy is made only when the catalog translates fmt: none
 * for JSON, bulk audits and English (core/people.h). */
void dns_result_set_why(struct dns_result *r, const char *fmt, ...)
{
    const char *local = auth_people_text(fmt);
    va_list ap, again;

    va_start(ap, fmt);
    va_copy(again, ap);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    r->why_for_people = NULL;
    if (local != fmt) {
        char text[DNS_WHY_LEN];
        vsnprintf(text, sizeof text, local, again);
        r->why_for_people = dns_result_strdup(r, text, strlen(text));
    }
    va_end(again);
    va_end(ap);
}

enum dns_status dns_result_status(const struct dns_result *r)
{
    return r->status;
}

const char *dns_result_qname(const struct dns_result *r)
{
    return r->qname;
}

uint16_t dns_result_qtype(const struct dns_result *r)
{
    return r->qtype;
}

size_t dns_result_count(const struct dns_result *r)
{
    return r->status == DNS_DATA ? r->nrr : 0;
}

const struct dns_rr *dns_result_rr(const struct dns_result *r, size_t i)
{
    return i < dns_result_count(r) ? &r->rrs[i] : NULL;
}

size_t dns_result_cname_count(const struct dns_result *r)
{
    return r->ncname;
}

const char *dns_result_cname(const struct dns_result *r, size_t i)
{
    return i < r->ncname ? r->cnames[i] : NULL;
}

const char *dns_result_owner(const struct dns_result *r)
{
    return r->ncname ? r->cnames[r->ncname - 1] : r->qname;
}

bool dns_result_ad(const struct dns_result *r)
{
    return r->ad;
}

int dns_result_rcode(const struct dns_result *r)
{
    return r->rcode;
}

const char *dns_result_server(const struct dns_result *r)
{
    return r->server[0] ? r->server : NULL;
}

bool dns_result_tcp(const struct dns_result *r)
{
    return r->tcp;
}

const char *dns_result_why(const struct dns_result *r)
{
    return r->why;
}

const char *dns_result_why_for_people(const struct dns_result *r)
{
    return r->why_for_people ? r->why_for_people : r->why;
}

unsigned dns_result_ms(const struct dns_result *r)
{
    return r->ms;
}

bool dns_result_deferred(const struct dns_result *r)
{
    return r->deferred;
}

size_t dns_result_hint_addrs(const struct dns_result *r, const char *name,
                             struct auth_ip *out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < r->nhint && n < max; i++)
        if (strcasecmp(r->hints[i].name, name) == 0)
            out[n++] = r->hints[i].addr;
    return n;
}
