/*
 * tree.c - the include/redirect tree of a domain's SPF policy.
 *
 * Built level by level: one DNS batch per level holds the TXT questions of
 * that level's records together with the A/AAAA/MX questions of the previous
 * level's a, mx and exists terms (both depend only on the previous level),
 * so the wall time is one round trip per level.  Loops, macro targets and
 * bad names become leaf nodes with their status; the node count and depth
 * are bounded.  Counting (RFC 7208 4.6.4) covers every branch: terms after
 * "all" and a redirect beside "all" are never evaluated and not counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf_tree_internal.h"
#include "core/people.h"

const char *spf_node_status_name(enum spf_node_status s)
{
    static const char *const names[] = {
        "ok", "none", "nxdomain", "multiple", "syntax", "dns-error", "loop", "macro",
        "bad-name", "too-deep",
    };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static char *dupstr(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void node_free(struct spf_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nchildren; i++)
        node_free(n->children[i]);
    free(n->children);
    free(n->domain);
    free(n->via);
    free(n->record);
    free(n->error);
    free(n->strlens);
    free(n->info);
    spf_record_free(n->rec);
    free(n);
}

static struct spf_node *node_new(struct spf_tree *t, struct spf_node *parent,
                                 const char *domain, const char *via, size_t term_index)
{
    struct spf_node *n = calloc(1, sizeof *n);

    if (!n || !(n->domain = dupstr(domain)) || (via && !(n->via = dupstr(via)))) {
        node_free(n);
        return NULL;
    }
    for (char *p = n->domain; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    n->parent = parent;
    n->depth = parent ? parent->depth + 1 : 0;
    n->term_index = term_index;
    t->nnodes++;
    if (parent) {
        if (parent->nchildren == parent->capchildren) {
            size_t cap = parent->capchildren ? parent->capchildren * 2 : 4;
            struct spf_node **c = realloc(parent->children, cap * sizeof *c);
            if (!c) {
                node_free(n);
                return NULL;
            }
            parent->children = c;
            parent->capchildren = cap;
        }
        parent->children[parent->nchildren++] = n;
    }
    return n;
}

static void node_error(struct spf_node *n, enum spf_node_status st, const char *msg)
{
    n->status = st;
    free(n->error);
    n->error = strdup(TR(msg));
}

static bool is_ancestor(const struct spf_node *n, const char *domain)
{
    for (; n; n = n->parent)
        if (strcasecmp(n->domain, domain) == 0)
            return true;
    return false;
}

/* Take the TXT answer of a node: record selection and parsing. */
static void node_take_txt(struct spf_node *n, const struct dns_result *r)
{
    const unsigned char *txt = NULL;
    const struct dns_rr *rr = NULL;
    size_t len = 0, count;
    char err[300];

    if (!r || dns_status_is_temporary(dns_result_status(r))) {
        node_error(n, SPF_NODE_DNS_ERROR, r ? dns_result_why_for_people(r) : "resolver failure");
        return;
    }
    if (dns_result_status(r) == DNS_NXDOMAIN) {
        node_error(n, SPF_NODE_NXDOMAIN, "the name does not exist (NXDOMAIN)");
        return;
    }
    count = dns_result_status(r) == DNS_DATA ? spf_select_record(r, &txt, &len, &rr) : 0;
    if (count == 0) {
        node_error(n, SPF_NODE_NONE, "no TXT record starting with v=spf1");
        return;
    }
    n->record = malloc(len + 1);
    if (n->record) {
        memcpy(n->record, txt, len);
        n->record[len] = '\0';
    }
    if (rr && rr->u.txt.nstrings && (n->strlens = calloc(rr->u.txt.nstrings, sizeof(size_t)))) {
        memcpy(n->strlens, rr->u.txt.string_len, rr->u.txt.nstrings * sizeof(size_t));
        n->nstrings = rr->u.txt.nstrings;
    }
    if (count > 1) {
        char m[80];
        snprintf(m, sizeof m, "%zu SPF records published (exactly one allowed)", count);
        node_error(n, SPF_NODE_MULTIPLE, m);
        return;
    }
    if (spf_record_parse((const char *)txt, len, &n->rec, NULL, err, sizeof err) != AUTH_OK) {
        node_error(n, SPF_NODE_SYNTAX, err);
        return;
    }
    n->info = calloc(spf_record_count(n->rec) ? spf_record_count(n->rec) : 1, sizeof *n->info);
    if (!n->info)
        node_error(n, SPF_NODE_DNS_ERROR, "out of memory");
}

/* A literal (macro-free) target name without its trailing dot. */
static bool literal_target(const struct spf_term *t, const char *domain, char *out, size_t len)
{
    const char *src = t->domain_spec ? t->domain_spec : domain;
    size_t n = strlen(src);

    while (n && src[n - 1] == '.')
        n--;
    if (n >= len)
        return false;
    memcpy(out, src, n);
    out[n] = '\0';
    return spf_name_usable(out);
}

/* Count the node's own terms and create its include/redirect children. */
static void node_expand(struct spf_tree *t, struct spf_node *n, struct spf_node **next,
                        size_t *nnext, size_t maxnext)
{
    const struct spf_record *rec = n->rec;
    bool seen_all = false;

    for (size_t i = 0; i < spf_record_count(rec); i++) {
        const struct spf_term *term = spf_record_term(rec, i);
        struct spf_term_info *info = &n->info[i];
        char name[DNS_MAX_NAME + 2];
        struct spf_node *c;

        if (term->kind == SPF_T_REDIRECT && spf_record_all(rec)) {
            n->ignored = true;   /* recorded on the node: redirect beside all */
            continue;
        }
        if (term->kind < SPF_T_REDIRECT && seen_all) {
            info->after_all = true;
            continue;
        }
        if (term->kind == SPF_T_ALL)
            seen_all = true;
        if (!spf_term_kind_queries_dns(term->kind))
            continue;
        info->counted = true;
        n->lookups++;
        if (term->kind != SPF_T_INCLUDE && term->kind != SPF_T_REDIRECT) {
            if (term->has_macro)
                t->at_least = true;
            continue;
        }
        if (t->nnodes >= 2 * SPF_TREE_MAX_NODES) {
            t->at_least = true;     /* absurd fan-out: stop growing the tree */
            continue;
        }
        c = node_new(t, n, "", term->text, i);
        if (!c)
            continue;
        info->child = c;
        if (term->has_macro) {
            t->at_least = true;
            node_error(c, SPF_NODE_MACRO, "target depends on macros: not followed");
        } else if (!literal_target(term, n->domain, name, sizeof name)) {
            char m[300];
            snprintf(m, sizeof m, "'%.200s' is not a usable DNS name", term->domain_spec);
            node_error(c, SPF_NODE_BAD_NAME, m);
        } else {
            free(c->domain);
            c->domain = strdup(name);
            if (c->domain && is_ancestor(n, name))
                node_error(c, SPF_NODE_LOOP, "loop: the target is already on the path from the root");
            else if (t->nnodes > SPF_TREE_MAX_NODES || c->depth > SPF_TREE_MAX_DEPTH ||
                     *nnext >= maxnext)
                node_error(c, SPF_NODE_TOO_DEEP, "tree too large or deep: not followed");
            else
                next[(*nnext)++] = c;
        }
    }
}

/* Queue the A/AAAA/MX questions of a node's a, mx and exists terms. */
struct pending { struct spf_term_info *info; size_t i4, i6, imx; };

static void queue_term_lookups(struct dns_batch *b, struct spf_node *n, struct pending *p,
                               size_t *np, size_t maxp)
{
    for (size_t i = 0; n->rec && i < spf_record_count(n->rec) && *np < maxp; i++) {
        const struct spf_term *term = spf_record_term(n->rec, i);
        char name[DNS_MAX_NAME + 2];
        struct pending *q = &p[*np];

        if (!n->info[i].counted || term->has_macro ||
            (term->kind != SPF_T_A && term->kind != SPF_T_MX && term->kind != SPF_T_EXISTS) ||
            !literal_target(term, n->domain, name, sizeof name))
            continue;
        q->info = &n->info[i];
        q->i4 = q->i6 = q->imx = (size_t)-1;
        if (term->kind == SPF_T_MX) {
            q->imx = dns_batch_add(b, name, DNS_T_MX);
        } else {
            q->i4 = dns_batch_add(b, name, DNS_T_A);
            if (term->kind == SPF_T_A)
                q->i6 = dns_batch_add(b, name, DNS_T_AAAA);
        }
        (*np)++;
    }
}

static void take_term_lookups(struct dns_batch *b, struct pending *p, size_t np)
{
    for (size_t k = 0; k < np; k++) {
        if (p[k].i4 != (size_t)-1)
            p[k].info->addr4 = dns_batch_result(b, p[k].i4);
        if (p[k].i6 != (size_t)-1)
            p[k].info->addr6 = dns_batch_result(b, p[k].i6);
        if (p[k].imx != (size_t)-1)
            p[k].info->mx = dns_batch_result(b, p[k].imx);
    }
}

static bool empty(const struct dns_result *r)
{
    return r && (dns_result_status(r) == DNS_NXDOMAIN || dns_result_status(r) == DNS_NODATA);
}

/* Depth-first in evaluation order: running totals and void lookups. */
static unsigned walk_counts(struct spf_tree *t, struct spf_node *n, unsigned counter)
{
    unsigned start = counter;

    for (size_t i = 0; n->rec && n->info && i < spf_record_count(n->rec); i++) {
        const struct spf_term_info *info = &n->info[i];
        if (!info->counted)
            continue;
        counter++;
        if (info->child)
            counter = walk_counts(t, info->child, counter);
        if ((info->addr4 || info->mx) && (info->mx ? empty(info->mx)
                : empty(info->addr4) && (!info->addr6 || empty(info->addr6))))
            t->voids++;
    }
    n->subtree = counter - start;
    n->running = counter;
    return counter;
}

enum auth_status spf_tree_build(struct dns_engine *eng, const char *domain,
                                struct spf_tree **out, char *err, size_t errlen)
{
    struct spf_tree *t;
    struct spf_node *level[SPF_TREE_MAX_NODES + 1], *next[SPF_TREE_MAX_NODES + 1];
    struct spf_node *prev[SPF_TREE_MAX_NODES + 1];
    struct pending *pend;
    const size_t maxpend = 4 * SPF_TREE_MAX_NODES;
    size_t nlevel = 1, nprev = 0;
    bool first = true;
    size_t i99 = 0, imx = 0;
    char name[DNS_MAX_NAME + 2];

    *out = NULL;
    if (!domain || !spf_lower_copy(name, sizeof name, domain))
        return auth_fail(err, errlen, AUTH_EINVAL, "domain name too long");
    while (*name && name[strlen(name) - 1] == '.')
        name[strlen(name) - 1] = '\0';
    if (!spf_name_usable(name))
        return auth_fail(err, errlen, AUTH_EINVAL, "'%s' is not a valid domain name", domain);
    t = calloc(1, sizeof *t);
    pend = calloc(maxpend, sizeof *pend);
    if (!t || !pend || !(t->root = node_new(t, NULL, name, NULL, 0))) {
        free(t);
        free(pend);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    t->eng = eng;
    level[0] = t->root;
    while (nlevel || nprev) {
        struct dns_batch *b = dns_batch_new(eng);
        size_t idx[SPF_TREE_MAX_NODES + 1], np = 0, nnext = 0;

        if (!b) {
            free(pend);
            spf_tree_free(t);
            return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
        }
        for (size_t k = 0; k < nlevel; k++)
            idx[k] = dns_batch_add(b, level[k]->domain, DNS_T_TXT);
        if (first) {
            i99 = dns_batch_add(b, name, DNS_T_SPF);
            imx = dns_batch_add(b, name, DNS_T_MX);
        }
        for (size_t k = 0; k < nprev; k++)
            queue_term_lookups(b, prev[k], pend, &np, maxpend);
        if (dns_batch_wait(b) != AUTH_OK) {
            dns_batch_free(b);
            free(pend);
            spf_tree_free(t);
            return auth_fail(err, errlen, AUTH_EIO, "DNS batch failed");
        }
        take_term_lookups(b, pend, np);
        if (first) {
            const struct dns_result *r99 = dns_batch_result(b, i99);
            size_t c99 = 0;
            const unsigned char *x;
            size_t xl;
            if (dns_result_status(r99) == DNS_DATA)
                c99 = spf_select_record(r99, &x, &xl, NULL);
            t->type99 = c99 > 0;
            t->root_mx = dns_batch_result(b, imx);
            first = false;
        }
        nprev = 0;
        for (size_t k = 0; k < nlevel; k++) {
            node_take_txt(level[k], dns_batch_result(b, idx[k]));
            if (level[k]->status == SPF_NODE_OK) {
                node_expand(t, level[k], next, &nnext, SPF_TREE_MAX_NODES);
                prev[nprev++] = level[k];
            }
        }
        dns_batch_free(b);
        memcpy(level, next, nnext * sizeof *next);
        nlevel = nnext;
    }
    free(pend);
    t->total = walk_counts(t, t->root, 0);
    *out = t;
    return AUTH_OK;
}

void spf_tree_free(struct spf_tree *t)
{
    if (!t)
        return;
    node_free(t->root);
    free(t);
}

const struct spf_node *spf_tree_root(const struct spf_tree *t) { return t->root; }
unsigned spf_tree_lookups(const struct spf_tree *t) { return t->total; }
bool spf_tree_lookups_at_least(const struct spf_tree *t) { return t->at_least; }
unsigned spf_tree_void_lookups(const struct spf_tree *t) { return t->voids; }

const char *spf_node_domain(const struct spf_node *n) { return n->domain; }
const char *spf_node_via(const struct spf_node *n) { return n->via; }
enum spf_node_status spf_node_status(const struct spf_node *n) { return n->status; }
const char *spf_node_error(const struct spf_node *n) { return n->error; }
const char *spf_node_record(const struct spf_node *n) { return n->record; }
const struct spf_record *spf_node_parsed(const struct spf_node *n) { return n->rec; }
size_t spf_node_string_count(const struct spf_node *n) { return n->nstrings; }
size_t spf_node_string_len(const struct spf_node *n, size_t i)
{
    return i < n->nstrings ? n->strlens[i] : 0;
}
unsigned spf_node_lookups(const struct spf_node *n) { return n->lookups; }
unsigned spf_node_subtree_lookups(const struct spf_node *n) { return n->subtree; }
unsigned spf_node_running_total(const struct spf_node *n) { return n->running; }
bool spf_node_ignored(const struct spf_node *n) { return n->ignored; }
size_t spf_node_child_count(const struct spf_node *n) { return n->nchildren; }
const struct spf_node *spf_node_child(const struct spf_node *n, size_t i)
{
    return i < n->nchildren ? n->children[i] : NULL;
}
