/*
 * spf_eval_internal.h - the evaluation object and its arena, shared by
 * evalobj.c (storage) and eval*.c (check_host()).
 */
#ifndef AUTH_SPF_EVAL_INTERNAL_H
#define AUTH_SPF_EVAL_INTERNAL_H

#include <stddef.h>

#include "spf/spf_internal.h"

struct arena_chunk;

struct spf_eval {
    enum spf_result result;
    const char *explanation, *mechanism, *mech_domain, *domain, *identity, *reason;
    const char *reason_for_people;    /* reason for people (core/people.h) */
    unsigned lookups, voids;
    struct spf_trace *trace;
    size_t ntrace, captrace;
    bool trace_truncated;
    bool nomem;
    struct arena_chunk *arena;
};

void *spf_arena_alloc(struct spf_eval *ev, size_t n);
char *spf_arena_strdup(struct spf_eval *ev, const char *s);
char *spf_arena_strndup(struct spf_eval *ev, const char *s, size_t n);
char *spf_arena_printable(struct spf_eval *ev, const char *s, size_t n);
char *spf_arena_printf(struct spf_eval *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A zeroed trace entry (NULL past SPF_MAX_TRACE or without memory). */
struct spf_trace *spf_trace_add(struct spf_eval *ev, enum spf_trace_kind kind,
                                unsigned depth, const char *domain);

#endif
