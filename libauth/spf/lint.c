/*
 * lint.c - what a published SPF policy shows, as typed problems (enum
 * spf_problem_kind of auth/spf.h), from the include/redirect tree: record
 * selection and syntax at every node, the lookup and void limits counted
 * over the whole tree whatever the sender, MX name limits, loops,
 * qualifiers of "all", ptr, ignored redirect, terms after "all", string
 * and record sizes, the obsolete type 99, and optionally whether given
 * addresses pass.  Where one can be derived, a problem carries the record
 * to publish instead.  The checks layer turns problems into findings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf_tree_internal.h"

struct lint {
    struct spf_problems *out;
    struct spf_tree *t;
    bool macro_reported;
    enum auth_status st;       /* first failure to record a problem */
};

static void problem_free(struct spf_problem *p)
{
    free(p->domain);
    free(p->term);
    free(p->other);
    free(p->published);
    free(p->text);
    free(p->record);
}

void spf_problems_clear(struct spf_problems *l)
{
    for (size_t i = 0; l && i < l->count; i++)
        problem_free(&l->items[i]);
    if (!l)
        return;
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
    l->truncated = false;
}

/* A new problem of kind for domain (copied), zeroed otherwise; NULL when
 * the list is full (truncated) or memory ran out (L->st). */
static struct spf_problem *add(struct lint *L, enum spf_problem_kind kind, const char *domain)
{
    struct spf_problems *l = L->out;
    struct spf_problem *p;

    if (L->st != AUTH_OK)
        return NULL;
    if (l->count >= SPF_PROBLEMS_MAX) {
        l->truncated = true;
        return NULL;
    }
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct spf_problem *n = realloc(l->items, cap * sizeof *n);
        if (!n) {
            L->st = AUTH_ENOMEM;
            return NULL;
        }
        l->items = n;
        l->cap = cap;
    }
    p = &l->items[l->count];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    if (domain && !(p->domain = strdup(domain))) {
        L->st = AUTH_ENOMEM;
        return NULL;
    }
    l->count++;
    return p;
}

/* Copy s into *field (NULL stays NULL). */
static void set(struct lint *L, char **field, const char *s)
{
    if (s && !(*field = strdup(s)))
        L->st = AUTH_ENOMEM;
}

/* A problem with a derived record (taken over, may be NULL). */
static struct spf_problem *add_rec(struct lint *L, enum spf_problem_kind kind,
                                   const char *domain, char *record)
{
    struct spf_problem *p = add(L, kind, domain);

    if (p)
        p->record = record;
    else
        free(record);
    return p;
}

/* Rebuild a record from its terms: drop those for which skip() is true,
 * and optionally move "all" after every other mechanism. */
static char *rebuild(const struct spf_record *rec, bool (*skip)(const struct spf_term *),
                     const char *all_replacement, bool all_last)
{
    size_t cap = strlen(spf_record_text(rec)) + 32, len = 6;
    char *out = malloc(cap);
    const struct spf_term *all = NULL;

    if (!out)
        return NULL;
    memcpy(out, "v=spf1", 7);
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < spf_record_count(rec); i++) {
            const struct spf_term *t = spf_record_term(rec, i);
            const char *text = t->text;
            bool is_mod = t->kind >= SPF_T_REDIRECT;
            /* pass 0: mechanisms (all in place unless all_last),
             * pass 1: all (when all_last), pass 2: modifiers */
            if (skip && skip(t))
                continue;
            if (t->kind == SPF_T_ALL) {
                if (!all)
                    all = t;
                if (t != all || pass != (all_last ? 1 : 0))
                    continue;
                if (all_replacement)
                    text = all_replacement;
            } else if (pass != (is_mod ? 2 : 0)) {
                continue;
            }
            if (len + strlen(text) + 2 > cap)
                continue;
            out[len++] = ' ';
            memcpy(out + len, text, strlen(text) + 1);
            len += strlen(text);
        }
    }
    return out;
}

static bool skip_ptr(const struct spf_term *t) { return t->kind == SPF_T_PTR; }
static bool skip_redirect(const struct spf_term *t) { return t->kind == SPF_T_REDIRECT; }

static void lint_sizes(struct lint *L, const struct spf_node *n)
{
    struct spf_problem *p;
    size_t len = strlen(n->record);

    for (size_t i = 0; i < n->nstrings; i++)
        if (n->strlens[i] > 255) {
            if ((p = add(L, SPF_PROB_STRING_SIZE, n->domain)))
                p->number = (unsigned)n->strlens[i];
            break;
        }
    if (len > 450 && (p = add(L, SPF_PROB_RECORD_SIZE, n->domain)))
        p->number = (unsigned)len;
}

/* The root record with "~all" appended (no all, no redirect). */
static char *with_softfail(const struct spf_record *rec)
{
    char *fix = rebuild(rec, NULL, NULL, false), *f2;

    if (!fix)
        return NULL;
    f2 = malloc(strlen(fix) + 6);
    if (f2)
        snprintf(f2, strlen(fix) + 6, "%s ~all", fix);
    free(fix);
    return f2;
}

static void lint_qualifiers(struct lint *L, const struct spf_node *n, bool root)
{
    const struct spf_record *rec = n->rec;
    const struct spf_term *all = spf_record_all(rec);
    struct spf_problem *p;

    if (all && all->qualifier == SPF_PASS &&
        (p = add_rec(L, SPF_PROB_ALL_PASS, n->domain, rebuild(rec, NULL, "~all", false))))
        set(L, &p->term, all->text);
    if (root && all && all->qualifier == SPF_NEUTRAL)
        add_rec(L, SPF_PROB_ALL_NEUTRAL, n->domain, rebuild(rec, NULL, "~all", false));
    if (root && !all && !spf_record_redirect(rec))
        add_rec(L, SPF_PROB_NO_ALL, n->domain, with_softfail(rec));
    if (all && spf_record_redirect(rec))
        add_rec(L, SPF_PROB_REDIRECT_IGNORED, n->domain,
                rebuild(rec, skip_redirect, NULL, false));
    for (size_t i = 0; all && i < spf_record_count(rec); i++)
        if (n->info[i].after_all) {
            p = add_rec(L, SPF_PROB_AFTER_ALL, n->domain, rebuild(rec, NULL, NULL, true));
            if (p) {
                set(L, &p->term, spf_record_term(rec, i)->text);
                set(L, &p->other, all->text);
            }
            break;
        }
}

static void lint_terms(struct lint *L, const struct spf_node *n)
{
    const struct spf_record *rec = n->rec;
    struct spf_problem *p;

    for (size_t i = 0; i < spf_record_count(rec); i++) {
        const struct spf_term *t = spf_record_term(rec, i);
        const struct dns_result *mx = n->info[i].mx;
        if (t->kind == SPF_T_PTR &&
            (p = add_rec(L, SPF_PROB_PTR_USED, n->domain, rebuild(rec, skip_ptr, NULL, false))))
            set(L, &p->term, t->text);
        if (mx && dns_result_status(mx) == DNS_DATA &&
            dns_result_count(mx) > SPF_MAX_MX_NAMES && (p = add(L, SPF_PROB_MX_NAMES, n->domain))) {
            set(L, &p->term, t->text);
            p->number = (unsigned)dns_result_count(mx);
        }
        if (t->has_macro && spf_term_kind_queries_dns(t->kind) && !L->macro_reported) {
            L->macro_reported = true;
            if ((p = add(L, SPF_PROB_MACRO_COUNT, n->domain))) {
                set(L, &p->term, t->text);
                p->number = L->t->total;
            }
        }
    }
}

/* The kind of problem a node's status is, SPF_PROB_PUBLISHED for none. */
static enum spf_problem_kind status_kind(const struct spf_node *n)
{
    switch (n->status) {
    case SPF_NODE_SYNTAX:
        return SPF_PROB_SYNTAX;
    case SPF_NODE_MULTIPLE:
        return SPF_PROB_MULTIPLE;
    case SPF_NODE_NONE:
    case SPF_NODE_NXDOMAIN:
    case SPF_NODE_BAD_NAME:            /* at the root: SPF_PROB_MISSING */
        return n->parent ? SPF_PROB_INCLUDE_NO_RECORD : SPF_PROB_PUBLISHED;
    case SPF_NODE_DNS_ERROR:
        return SPF_PROB_INCLUDE_ERROR;
    case SPF_NODE_LOOP:
        return SPF_PROB_LOOP;
    default:
        return SPF_PROB_PUBLISHED;
    }
}

/* A node that did not give one usable record: syntax, several records, no
 * record below the root, a DNS failure, a loop. */
static void lint_node_status(struct lint *L, const struct spf_node *n)
{
    enum spf_problem_kind kind = status_kind(n);
    struct spf_problem *p;

    if (kind == SPF_PROB_PUBLISHED || !(p = add(L, kind, n->domain)))
        return;
    set(L, &p->text, n->error);
    if (kind == SPF_PROB_SYNTAX)
        set(L, &p->published, n->record ? n->record : "");
    if (kind != SPF_PROB_SYNTAX && kind != SPF_PROB_MULTIPLE) {   /* reached through a term */
        set(L, &p->term, n->via ? n->via : "");
        set(L, &p->other, n->parent ? n->parent->domain : NULL);
    }
}

static void lint_node(struct lint *L, const struct spf_node *n)
{
    lint_node_status(L, n);
    if (n->status == SPF_NODE_OK) {
        lint_sizes(L, n);
        lint_qualifiers(L, n, n->parent == NULL);
        lint_terms(L, n);
    } else if (n->status == SPF_NODE_MULTIPLE || n->status == SPF_NODE_SYNTAX) {
        if (n->record)
            lint_sizes(L, n);
    }
    for (size_t i = 0; i < n->nchildren; i++)
        lint_node(L, n->children[i]);
}

static void lint_missing(struct lint *L, const struct spf_node *root)
{
    const struct dns_result *mx = L->t->root_mx;
    struct spf_problem *p = add(L, SPF_PROB_MISSING, root->domain);

    if (!p)
        return;
    p->has_mx = mx && dns_result_status(mx) == DNS_DATA && dns_result_count(mx) > 0 &&
                strcmp(dns_result_rr(mx, 0)->u.mx.host, ".") != 0;
    p->nxdomain = root->status == SPF_NODE_NXDOMAIN;
}

static void lint_lookups(struct lint *L, bool flatten)
{
    unsigned n = L->t->total;
    enum spf_problem_kind kind = n > SPF_MAX_LOOKUPS ? SPF_PROB_LOOKUPS_OVER
                               : n >= 9 ? SPF_PROB_LOOKUPS_NEAR : SPF_PROB_LOOKUPS_OK;
    char *flat = kind == SPF_PROB_LOOKUPS_OVER && flatten ? spf_flatten(L->t) : NULL;
    struct spf_problem *p = add_rec(L, kind, L->t->root->domain, flat);

    if (p) {
        p->number = n;
        p->at_least = L->t->at_least;
    }
    if (L->t->voids > SPF_MAX_VOID && (p = add(L, SPF_PROB_VOID_LIMIT, L->t->root->domain)))
        p->number = L->t->voids;
}

static void lint_ip(struct lint *L, const struct auth_ip *ip, const char *from)
{
    struct spf_request req = { .ip = *ip, .mail_from = from, .no_explanation = true };
    struct spf_eval *ev = NULL;
    struct spf_problem *p;
    char err[200];

    if (spf_check_host(L->t->eng, &req, &ev, err, sizeof err) != AUTH_OK)
        return;
    p = add(L, spf_eval_result(ev) == SPF_PASS ? SPF_PROB_IP_PASS : SPF_PROB_IP_NOT_PASS, NULL);
    if (p) {
        p->ip = *ip;
        p->result = spf_eval_result(ev);
        set(L, &p->term, spf_eval_mechanism(ev));
        set(L, &p->other, from);
        set(L, &p->text, spf_eval_reason_for_people(ev));
    }
    spf_eval_free(ev);
}

static void lint_ips(struct lint *L, const struct spf_lint_params *p)
{
    char from[DNS_MAX_NAME + 16];

    snprintf(from, sizeof from, "postmaster@%s", L->t->root->domain);
    for (size_t i = 0; i < p->nips; i++)
        lint_ip(L, &p->ips[i], from);
}

static void lint_tree(struct lint *L, const struct spf_lint_params *params)
{
    struct spf_tree *t = L->t;
    struct spf_problem *p;

    if (t->root->status == SPF_NODE_NONE || t->root->status == SPF_NODE_NXDOMAIN) {
        lint_missing(L, t->root);
    } else {
        if (t->root->status == SPF_NODE_OK && (p = add(L, SPF_PROB_PUBLISHED, t->root->domain)))
            set(L, &p->published, t->root->record);
        lint_node(L, t->root);
        if (t->root->status == SPF_NODE_OK)
            lint_lookups(L, !(params && params->no_flatten));
    }
    if (t->type99)
        add(L, SPF_PROB_TYPE99, t->root->domain);
    if (params && params->nips)
        lint_ips(L, params);
}

enum auth_status spf_lint(struct dns_engine *eng, const char *domain,
                          const struct spf_lint_params *params, struct spf_problems *out,
                          struct spf_tree **tree_out, char *err, size_t errlen)
{
    struct spf_tree *t = NULL;
    struct lint L = { out, NULL, false, AUTH_OK };
    enum auth_status st;

    if (tree_out)
        *tree_out = NULL;
    st = spf_tree_build(eng, domain, &t, err, errlen);
    if (st != AUTH_OK)
        return st;
    L.t = t;
    lint_tree(&L, params);
    if (tree_out && L.st == AUTH_OK)
        *tree_out = t;
    else
        spf_tree_free(t);
    if (L.st != AUTH_OK)
        return auth_fail(err, errlen, L.st, "cannot record a problem: %s", auth_strerror(L.st));
    return AUTH_OK;
}
