/*
 * fleet_read.c - check-dns JSON lines read into a struct fleet (fleet.h):
 * one pass, one line at a time, so the memory is the aggregate (ids,
 * examples, the worst few, 20 octets per domain) plus, only when a baseline
 * is compared, each domain's problem ids.
 */
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

#define FLEET_LINE_MAX (16u << 20)         /* one domain's JSON report */
#define FLEET_FILE_MAX ((size_t)1 << 40)

const char *fleet_verdict_name(enum fleet_verdict v)
{
    static const char *const names[] = { "pass", "fail", "inconclusive", "error" };
    return (unsigned)v < FV_COUNT ? names[v] : "?";
}

static int verdict_of(const char *s)
{
    for (int v = 0; s && v < FV_COUNT; v++)
        if (!strcmp(s, fleet_verdict_name((enum fleet_verdict)v)))
            return v;
    return -1;
}

/* ---- domain key -> value, open addressing (value 0: free) ---- */

static size_t slot_of(const struct domain_key *keys, const uint32_t *vals, size_t cap,
                      const struct domain_key *k)
{
    size_t h;

    memcpy(&h, k->b + 8, sizeof h);
    for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!vals[i] || !memcmp(&keys[i], k, sizeof *k))
            return i;
}

static int map_grow(struct fleet *f)
{
    size_t cap = f->capkeys ? f->capkeys * 2 : 1024;
    struct domain_key *keys = calloc(cap, sizeof *keys);
    uint32_t *vals = calloc(cap, sizeof *vals);

    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t i = 0; i < f->capkeys; i++)
        if (f->vals[i]) {
            size_t j = slot_of(keys, vals, cap, &f->keys[i]);
            keys[j] = f->keys[i];
            vals[j] = f->vals[i];
        }
    free(f->keys);
    free(f->vals);
    f->keys = keys;
    f->vals = vals;
    f->capkeys = cap;
    return 0;
}

static size_t map_get(const struct fleet *f, const struct domain_key *k)
{
    return f->capkeys ? f->vals[slot_of(f->keys, f->vals, f->capkeys, k)] : 0;
}

static int map_put(struct fleet *f, const struct domain_key *k, uint32_t v)
{
    size_t i;

    if ((f->nkeys + 1) * 4 > f->capkeys * 3 && map_grow(f) < 0)
        return -1;
    i = slot_of(f->keys, f->vals, f->capkeys, k);
    f->keys[i] = *k;
    f->vals[i] = v;
    f->nkeys++;
    return 0;
}

size_t fleet_find(const struct fleet *f, const char *name)
{
    struct domain_key k;

    domain_key_of(name, &k);
    return map_get(f, &k);
}

/* ---- per finding id ---- */

static struct fleet_id *id_entry(struct fleet *f, json_t *index, const char *id)
{
    json_t *at = json_object_get(index, id);

    if (at)
        return &f->ids[json_integer_value(at)];
    if (f->nids == f->capids) {
        size_t cap = f->capids ? f->capids * 2 : 64;
        struct fleet_id *n = realloc(f->ids, cap * sizeof *n);
        if (!n)
            return NULL;
        f->ids = n;
        f->capids = cap;
    }
    memset(&f->ids[f->nids], 0, sizeof f->ids[0]);
    if (!(f->ids[f->nids].id = strdup(id)) ||
        json_object_set_new(index, id, json_integer((json_int_t)f->nids)) != 0)
        return NULL;
    return &f->ids[f->nids++];
}

/* Keep the FLEET_EXAMPLES smallest names, sorted. */
static void add_example(struct fleet_id *e, const char *domain)
{
    size_t i = e->nexamples;
    char *copy;

    if (i == FLEET_EXAMPLES && strcmp(domain, e->examples[i - 1]) >= 0)
        return;
    if (!(copy = strdup(domain)))
        return;                       /* an example fewer; the counts stay right */
    if (i == FLEET_EXAMPLES)
        free(e->examples[--i]);
    else
        e->nexamples++;
    while (i > 0 && strcmp(e->examples[i - 1], domain) > 0) {
        e->examples[i] = e->examples[i - 1];
        i--;
    }
    e->examples[i] = copy;
}

static int sev_rank(const char *s)
{
    return !s ? 0 : !strcmp(s, "fail") ? 3 : !strcmp(s, "warn") ? 2 : !strcmp(s, "error") ? 1 : 0;
}

/* Count each id of the domain once, at its worst severity; build the
 * domain's problems text (ids at warn or fail, finding order). */
static int count_ids(struct fleet *f, json_t *index, const char *domain, json_t *findings,
                     char **problems)
{
    json_t *worst = json_object(), *fd;
    size_t i, plen = 0;
    const char *id;
    json_t *v;
    char *p = NULL;

    if (!worst)
        return -1;
    json_array_foreach(findings, i, fd) {
        const char *fid = json_string_value(json_object_get(fd, "id"));
        int r = sev_rank(json_string_value(json_object_get(fd, "severity")));
        json_t *had = fid ? json_object_get(worst, fid) : NULL;
        if (!fid || !r)
            continue;
        if (!had || json_integer_value(had) < r)
            json_object_set_new(worst, fid, json_integer(r));
        if (problems && r >= 2 && !had) {
            size_t n = strlen(fid);
            char *q = realloc(p, plen + n + 2);
            if (!q)
                goto oom;
            p = q;
            if (plen)
                p[plen++] = ' ';
            memcpy(p + plen, fid, n + 1);
            plen += n;
        }
    }
    json_object_foreach(worst, id, v) {
        struct fleet_id *e = id_entry(f, index, id);
        if (!e)
            goto oom;
        json_int_t r = json_integer_value(v);
        (*(r == 3 ? &e->fail : r == 2 ? &e->warn : &e->error))++;
        add_example(e, domain);
    }
    json_decref(worst);
    if (problems)
        *problems = p;
    return 0;
oom:
    free(p);
    json_decref(worst);
    return -1;
}

/* Whether a is worse than b: more failures, then warnings, then errors,
 * then the name (for a stable order). */
static bool worse(const struct fleet_domain *a, const struct fleet_domain *b)
{
    if (a->fail != b->fail)
        return a->fail > b->fail;
    if (a->warn != b->warn)
        return a->warn > b->warn;
    if (a->error != b->error)
        return a->error > b->error;
    return strcmp(a->name, b->name) < 0;
}

static void consider_worst(struct fleet *f, const struct fleet_domain *d)
{
    size_t i = f->nworst;

    if (!f->top || (!d->fail && !d->warn && !d->error && d->verdict == FV_PASS))
        return;
    if (i == f->top && !worse(d, &f->worst[i - 1]))
        return;
    if (i == f->top)
        free(f->worst[--i].name);
    else
        f->nworst++;
    while (i > 0 && worse(d, &f->worst[i - 1])) {
        f->worst[i] = f->worst[i - 1];
        i--;
    }
    f->worst[i] = *d;
    f->worst[i].problems = NULL;
    if (!(f->worst[i].name = strdup(d->name)))
        f->worst[i].name = strdup("?");
}

static uint32_t summary_count(json_t *doc, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(json_object_get(doc, "summary"), key));
    return v > 0 && v < UINT32_MAX ? (uint32_t)v : 0;
}

/* One line: 1 taken, 0 not a result, -EXIT_RUNTIME out of memory. */
static int take(struct fleet *f, json_t *index, const char *line, size_t len)
{
    json_error_t e;
    json_t *doc = json_loadb(line, len, 0, &e);
    const char *name = json_string_value(json_object_get(doc, "domain"));
    int v = verdict_of(json_string_value(json_object_get(doc, "verdict")));
    struct fleet_domain d = {0};
    struct domain_key key;
    int rc = 1;

    if (!name || !*name || v < 0) {
        json_decref(doc);
        return 0;
    }
    domain_key_of(name, &key);
    if (map_get(f, &key)) {
        f->duplicates++;
        json_decref(doc);
        return 1;
    }
    d.name = (char *)name;
    d.verdict = (enum fleet_verdict)v;
    d.fail = summary_count(doc, "fail");
    d.warn = summary_count(doc, "warn");
    d.error = summary_count(doc, "error");
    f->verdicts[v]++;
    if (count_ids(f, index, name, json_object_get(doc, "findings"),
                  f->keep_problems ? &d.problems : NULL) < 0)
        rc = -EXIT_RUNTIME;
    consider_worst(f, &d);
    if (rc > 0 && f->keep_problems) {
        if (f->nall == f->capall) {
            size_t cap = f->capall ? f->capall * 2 : 1024;
            struct fleet_domain *n = realloc(f->all, cap * sizeof *n);
            if (!n)
                rc = -EXIT_RUNTIME;
            else {
                f->all = n;
                f->capall = cap;
            }
        }
        if (rc > 0 && !(d.name = strdup(name)))
            rc = -EXIT_RUNTIME;
        if (rc > 0) {
            f->all[f->nall++] = d;
            d.problems = NULL;
        }
    }
    if (rc > 0 && map_put(f, &key, f->keep_problems ? (uint32_t)f->nall : 1) < 0)
        rc = -EXIT_RUNTIME;
    free(d.problems);
    json_decref(doc);
    return rc;
}

int fleet_read(struct fleet *f, const char *path)
{
    struct line_reader lr;
    json_t *index = json_object();
    bool told = false;
    int rc, r;

    if (!index)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    /* the id index is rebuilt per file from f->ids */
    for (size_t i = 0; i < f->nids; i++)
        json_object_set_new(index, f->ids[i].id, json_integer((json_int_t)i));
    if ((rc = line_reader_open(&lr, "results", path, FLEET_LINE_MAX, FLEET_FILE_MAX)) != EXIT_OK) {
        json_decref(index);
        return rc;
    }
    f->files++;
    while ((rc = line_reader_next(&lr)) > 0) {
        f->lines++;
        if (!lr.line[0])
            continue;
        if ((r = take(f, index, lr.line, strlen(lr.line))) < 0) {
            rc = -cmd_error(EXIT_RUNTIME, "out of memory");
            break;
        }
        if (r == 0) {
            f->unreadable++;
            if (!told)
                cmd_warn("'%s' line %zu is not a check-dns result (skipped)", path, lr.lineno);
            told = true;
        }
    }
    line_reader_close(&lr);
    json_decref(index);
    return rc < 0 ? -rc : EXIT_OK;
}

void fleet_free(struct fleet *f)
{
    for (size_t i = 0; i < f->nids; i++) {
        free(f->ids[i].id);
        for (size_t k = 0; k < f->ids[i].nexamples; k++)
            free(f->ids[i].examples[k]);
    }
    for (size_t i = 0; i < f->nworst; i++)
        free(f->worst[i].name);
    for (size_t i = 0; i < f->nall; i++) {
        free(f->all[i].name);
        free(f->all[i].problems);
    }
    free(f->ids);
    free(f->worst);
    free(f->all);
    free(f->keys);
    free(f->vals);
    memset(f, 0, sizeof *f);
}
