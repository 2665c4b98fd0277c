/*
 * fleet.h - `mailctl fleet FILE...`: the check-dns JSON lines of one run
 * or many shards read into what an operator acts on (cmd/fleet*.c).
 *
 * fleet_read.c reads lines into a struct fleet (domains, verdicts, per
 * finding id counts and examples, the worst domains, each domain's
 * problems when a baseline is compared); fleet.c turns that into one JSON
 * document, the model every format renders: fleet_text.c, fleet_html.c.
 */
#ifndef MAILCTL_FLEET_H
#define MAILCTL_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulk.h"

#define FLEET_EXAMPLES 5
#define FLEET_TOP_MAX  1000

enum fleet_verdict { FV_PASS, FV_FAIL, FV_INCONCLUSIVE, FV_ERROR, FV_COUNT };

/* One finding id across the fleet: domains with it at fail, warn, error
 * (each domain once, at its worst for that id) and the first few of them
 * in name order. */
struct fleet_id {
    char *id;
    size_t fail, warn, error;
    char *examples[FLEET_EXAMPLES];
    size_t nexamples;
};

/* A domain as remembered: the worst list and baseline comparison need it. */
struct fleet_domain {
    char *name;
    enum fleet_verdict verdict;
    uint32_t fail, warn, error;
    char *problems;               /* ids at warn or fail, space-separated; NULL: none kept */
};

struct fleet {
    bool keep_problems;           /* --baseline: each domain's problem ids kept */
    size_t top;                   /* how many worst domains */
    size_t files, lines, unreadable, duplicates;
    size_t verdicts[FV_COUNT];
    struct fleet_id *ids;
    size_t nids, capids;
    struct fleet_domain *worst;   /* top entries, worst first */
    size_t nworst;
    struct fleet_domain *all;     /* every domain (keep_problems only), input order */
    size_t nall, capall;
    /* domain key -> index + 1 into all (keep_problems) or 1 (seen) */
    struct domain_key *keys;
    uint32_t *vals;
    size_t capkeys, nkeys;
};

/* Read one file of JSON lines ("-": stdin) into f.  Lines that are not a
 * check-dns result are counted as unreadable (with one message naming the
 * first of each file); a domain seen before counts as a duplicate and its
 * later lines are ignored.  EXIT_OK, or EXIT_USAGE / EXIT_RUNTIME after
 * printing why (unreadable file, a line over its bound). */
int fleet_read(struct fleet *f, const char *path);
/* Index + 1 of the domain in f->all, 0 when absent. */
size_t fleet_find(const struct fleet *f, const char *name);
void fleet_free(struct fleet *f);
const char *fleet_verdict_name(enum fleet_verdict v);

/* Renderers of the JSON model (fleet.c builds it; shapes in fleet.c). */
void fleet_print_text(json_t *model);
void fleet_print_html(json_t *model);

#endif
