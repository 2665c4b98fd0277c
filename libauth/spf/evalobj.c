/*
 * evalobj.c - the spf_eval result object: result fields, the trace, and
 * the arena that owns every string they point to.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf_eval_internal.h"

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

void *spf_arena_alloc(struct spf_eval *ev, size_t n)
{
    struct arena_chunk *c = ev->arena;
    size_t need = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t);

    if (!c || c->cap - c->used < need) {
        size_t cap = need > 512 ? need : 512;
        c = malloc(sizeof *c + cap * sizeof(max_align_t));
        if (!c) {
            ev->nomem = true;
            return NULL;
        }
        c->next = ev->arena;
        c->used = 0;
        c->cap = cap;
        ev->arena = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    return p;
}

char *spf_arena_strndup(struct spf_eval *ev, const char *s, size_t n)
{
    char *p = spf_arena_alloc(ev, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *spf_arena_strdup(struct spf_eval *ev, const char *s)
{
    return s ? spf_arena_strndup(ev, s, strlen(s)) : NULL;
}

/* A printable copy: bytes outside 0x20..0x7e become \xNN (records from DNS
 * may hold anything; the trace must stay valid text). */
char *spf_arena_printable(struct spf_eval *ev, const char *s, size_t n)
{
    size_t extra = 0;
    char *p, *q;

    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            extra += 3;
    p = spf_arena_alloc(ev, n + extra + 1);
    if (!p)
        return NULL;
    q = p;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e) {
            snprintf(q, 5, "\\x%02x", c);
            q += 4;
        } else {
            *q++ = (char)c;
        }
    }
    *q = '\0';
    return p;
}

char *spf_arena_printf(struct spf_eval *ev, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return spf_arena_strdup(ev, tmp);
}

struct spf_trace *spf_trace_add(struct spf_eval *ev, enum spf_trace_kind kind,
                                unsigned depth, const char *domain)
{
    struct spf_trace *t;

    if (ev->ntrace >= SPF_MAX_TRACE) {
        ev->trace_truncated = true;
        return NULL;
    }
    if (ev->ntrace == ev->captrace) {
        size_t cap = ev->captrace ? ev->captrace * 2 : 32;
        struct spf_trace *n = realloc(ev->trace, cap * sizeof *n);
        if (!n) {
            ev->nomem = true;
            return NULL;
        }
        ev->trace = n;
        ev->captrace = cap;
    }
    t = &ev->trace[ev->ntrace++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->depth = depth;
    t->domain = spf_arena_strdup(ev, domain);
    return t;
}

void spf_eval_free(struct spf_eval *ev)
{
    if (!ev)
        return;
    while (ev->arena) {
        struct arena_chunk *c = ev->arena;
        ev->arena = c->next;
        free(c);
    }
    free(ev->trace);
    free(ev);
}

enum spf_result spf_eval_result(const struct spf_eval *ev) { return ev->result; }
const char *spf_eval_explanation(const struct spf_eval *ev) { return ev->explanation; }
const char *spf_eval_mechanism(const struct spf_eval *ev) { return ev->mechanism; }
const char *spf_eval_mechanism_domain(const struct spf_eval *ev) { return ev->mech_domain; }
const char *spf_eval_domain(const struct spf_eval *ev) { return ev->domain; }
const char *spf_eval_identity(const struct spf_eval *ev) { return ev->identity; }
const char *spf_eval_reason(const struct spf_eval *ev) { return ev->reason; }
const char *spf_eval_reason_for_people(const struct spf_eval *ev) { return ev->reason_for_people; }
unsigned spf_eval_lookups(const struct spf_eval *ev) { return ev->lookups; }
unsigned spf_eval_void_lookups(const struct spf_eval *ev) { return ev->voids; }
size_t spf_eval_trace_count(const struct spf_eval *ev) { return ev->ntrace; }
const struct spf_trace *spf_eval_trace(const struct spf_eval *ev, size_t i)
{
    return i < ev->ntrace ? &ev->trace[i] : NULL;
}
bool spf_eval_trace_truncated(const struct spf_eval *ev) { return ev->trace_truncated; }
