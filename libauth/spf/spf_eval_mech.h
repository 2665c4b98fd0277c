/*
 * spf_eval_mech.h - the evaluation context shared by eval.c (check_host()
 * itself) and eval_mech.c (the mechanisms that query DNS).
 */
#ifndef AUTH_SPF_EVAL_MECH_H
#define AUTH_SPF_EVAL_MECH_H

#include "spf/spf_eval_internal.h"

enum spf_match { M_NOMATCH = 0, M_MATCH, M_TEMPERROR, M_PERMERROR };

/* What one check_host() level reports upwards. */
struct spf_outcome {
    const char *mechanism, *mech_domain, *explanation;
    const char *reason, *reason_for_people;   /* English (header, JSON); for people */
};

struct spf_ctx {
    struct dns_engine *eng;
    struct spf_eval *ev;
    struct spf_macro_env env;
    unsigned max_lookups, max_void;
    bool no_exp;
    char sender[2 * 1024 + 2], local[1024], sender_domain[1024], helo[1024];
    char cur_domain[DNS_MAX_NAME + 2];
    /* %{p}: validated PTR names, found once per evaluation */
    bool ptr_done;
    size_t nptr;
    char ptr_names[SPF_MAX_PTR_NAMES][DNS_MAX_NAME + 2];
};

/* Ask one question, traced.  NULL only when the engine itself failed. */
const struct dns_result *spf_ask(struct spf_ctx *c, unsigned depth, const char *domain,
                                 const char *name, uint16_t type);
void spf_trace_dns(struct spf_ctx *c, unsigned depth, const char *domain,
                   const struct dns_result *r);
void spf_note(struct spf_ctx *c, unsigned depth, const char *domain, const char *text);
/* Set o's reason from fmt, in English and for people (core/people.h). */
void spf_set_reason(struct spf_ctx *c, struct spf_outcome *o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same when o has no reason yet; returns m. */
enum spf_match spf_fail_with(struct spf_ctx *c, struct spf_outcome *o, enum spf_match m,
                             const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Point %{d} at domain. */
void spf_env_domain(struct spf_ctx *c, const char *domain);

enum spf_match spf_eval_a(struct spf_ctx *c, const char *domain, unsigned depth,
                          const struct spf_term *t, struct spf_outcome *o);
enum spf_match spf_eval_mx(struct spf_ctx *c, const char *domain, unsigned depth,
                           const struct spf_term *t, struct spf_outcome *o);
enum spf_match spf_eval_ptr(struct spf_ctx *c, const char *domain, unsigned depth,
                            const struct spf_term *t, struct spf_outcome *o);
enum spf_match spf_eval_exists(struct spf_ctx *c, const char *domain, unsigned depth,
                               const struct spf_term *t, struct spf_outcome *o);
/* The %{p} callback (arg is the spf_ctx). */
const char *spf_ptr_macro(void *arg);

#endif
