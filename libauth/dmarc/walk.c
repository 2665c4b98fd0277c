/*
 * walk.c - the DNS Tree Walk of RFC 9989 4.10 and the Organizational Domain
 * selection of 4.10.2.
 *
 * The targets are the start name, then its parent (or, for names of eight
 * labels or more, its 7-label suffix), then one label less each time down to
 * the top-level domain: at most DMARC_MAX_WALK queries.  All of them go out
 * in one parallel batch (one round trip instead of up to eight); the answers
 * are then read in walk order and only those up to the stopping point (a
 * record with psd=y or psd=n, or a temporary failure) are used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/walk.h"

const char *dmarc_suffix(const char *name, size_t k)
{
    size_t total = dmarc_label_count(name);
    const char *p = name;

    while (total > k && p) {
        p = dmarc_parent(p);
        total--;
    }
    return p;
}

void walk_init(struct walk *w, const char *start, bool skip_start)
{
    size_t x = dmarc_label_count(start);
    const char *t;

    memset(w, 0, sizeof *w);
    w->temp_at = -1;
    snprintf(w->start, sizeof w->start, "%s", start);
    if (!skip_start)
        snprintf(w->lv[w->n++].name, sizeof w->lv[0].name, "%s", start);
    t = x >= 8 ? dmarc_suffix(start, 7) : dmarc_parent(start);
    for (; t && w->n < DMARC_MAX_WALK; t = dmarc_parent(t))
        snprintf(w->lv[w->n++].name, sizeof w->lv[0].name, "%s", t);
}

void walk_add(struct walk *w, struct dns_batch *b)
{
    for (size_t i = 0; i < w->n; i++) {
        char q[DNS_MAX_NAME + 16];
        snprintf(q, sizeof q, "_dmarc.%s", w->lv[i].name);
        w->lv[i].idx = dns_batch_add(b, q, DNS_T_TXT);
    }
}

/* A _dmarc name too long for the DNS cannot hold a record. */
static bool too_long(const char *name)
{
    return strlen(name) + 7 > DNS_MAX_NAME;
}

enum auth_status walk_read(struct walk *w, const struct dns_batch *b)
{
    w->used = w->n;
    for (size_t i = 0; i < w->n; i++) {
        struct walk_level *lv = &w->lv[i];
        lv->res = dns_batch_result(b, lv->idx);
        lv->status = too_long(lv->name) ? DNS_NXDOMAIN : dns_result_status(lv->res);
    }
    for (size_t i = 0; i < w->n; i++) {
        struct walk_level *lv = &w->lv[i];
        if (too_long(lv->name))
            continue;
        if (dns_status_is_temporary(lv->status)) {
            w->temp_at = (int)i;
            w->used = i + 1;
            return AUTH_OK;
        }
        enum auth_status st = dmarc_records_at(lv->res, &lv->ndmarc, &lv->rec);
        if (st != AUTH_OK)
            return st;
        if (lv->rec && (lv->rec->psd == 'y' || lv->rec->psd == 'n')) {
            w->used = i + 1;
            return AUTH_OK;
        }
    }
    return AUTH_OK;
}

const char *walk_org(const struct walk *w, bool start_queried)
{
    int last = -1;

    for (size_t i = 0; i < w->used; i++) {
        const struct dmarc_record *r = w->lv[i].rec;
        if (!r)
            continue;
        if (r->psd == 'n')
            return w->lv[i].name;
        if (r->psd == 'y' && (i > 0 || !start_queried) &&
            strcmp(w->lv[i].name, w->start) != 0)
            return dmarc_suffix(w->start, dmarc_label_count(w->lv[i].name) + 1);
        last = (int)i;
    }
    return last >= 0 ? w->lv[last].name : w->start;
}

int walk_find(const struct walk *w, const char *name)
{
    for (size_t i = 0; i < w->used; i++)
        if (strcmp(w->lv[i].name, name) == 0)
            return (int)i;
    return -1;
}

void walk_clear(struct walk *w)
{
    for (size_t i = 0; i < w->n; i++)
        dmarc_record_free(w->lv[i].rec);
    memset(w, 0, sizeof *w);
}
