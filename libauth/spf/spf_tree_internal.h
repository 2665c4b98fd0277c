/*
 * spf_tree_internal.h - the tree's node layout, shared by tree.c (build),
 * lint.c (problems) and flatten.c (the flattened record proposal).
 */
#ifndef AUTH_SPF_TREE_INTERNAL_H
#define AUTH_SPF_TREE_INTERNAL_H

#include "spf/spf_internal.h"

#define SPF_TREE_MAX_NODES 256
#define SPF_TREE_MAX_DEPTH 16

/* What the tree learnt about one term of a node's record. */
struct spf_term_info {
    bool counted;                   /* counts against the 10 (reached, queries DNS) */
    bool after_all;                 /* never evaluated: after "all" */
    const struct dns_result *addr4; /* a: A answer; exists: A answer */
    const struct dns_result *addr6; /* a: AAAA answer */
    const struct dns_result *mx;    /* mx: MX answer */
    struct spf_node *child;         /* include / redirect target */
};

struct spf_node {
    char *domain;
    char *via;
    char *record;
    char *error;
    enum spf_node_status status;
    struct spf_record *rec;
    size_t *strlens, nstrings;
    struct spf_term_info *info;     /* one per term of rec */
    unsigned lookups, subtree, running;
    bool ignored;
    unsigned depth;
    size_t term_index;              /* index of the term in the parent */
    struct spf_node *parent;
    struct spf_node **children;
    size_t nchildren, capchildren;
};

struct spf_tree {
    struct dns_engine *eng;
    struct spf_node *root;
    size_t nnodes;
    unsigned total, voids;
    bool at_least;
    bool type99;                    /* the root publishes an SPF RR (type 99) */
    const struct dns_result *root_mx;
};

/* The flattened record(s) as zone lines (malloc'd), or NULL (no root
 * record, out of memory, or the exact flattening still needs more than 10
 * lookups).  Issues one batch for MX host addresses. */
char *spf_flatten(struct spf_tree *t);

#endif
