/*
 * keystore.c - per-run cache of DKIM key records by
 * "selector._domainkey.domain": the raw lookup outcome (record, not found,
 * temporary failure) and the parsed key, so a key is fetched and parsed
 * once however many messages or signatures use it.
 *
 * Records are given directly (dkim_keystore_add) or fetched in batches by a
 * hook (keystore_dns.c installs one on the DNS engine).  Names compare
 * case-insensitively.  Bounded to KEYSTORE_MAX entries.
 *
 * A parsed key is kept by its record text too: names publishing the same
 * record (one key behind many selectors or domains) share one parse.
 * Fetch and get may run on several threads at once (a caller verifying
 * messages in parallel): one lock guards the store, and entries and keys
 * never move once made, so what get lends stays valid until the store is
 * freed or the entry is given again with dkim_keystore_add (which must not
 * race with verifications).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim_int.h"

#define KEYSTORE_MAX 4096

/* One parse of a record text, shared by the entries holding that text. */
struct parsed {
    char *txt;
    size_t len;
    enum auth_status st;      /* of dkim_key_parse */
    struct dkim_key *key;     /* NULL unless st is AUTH_OK */
    char err[160];
    size_t refs;
    struct parsed *next;
};

struct entry {
    char *name;
    enum auth_status st;      /* AUTH_OK: txt holds a record */
    char *txt;
    size_t len;
    struct parsed *parsed;    /* made on first get */
    char why[200];
};

struct dkim_keystore {
    struct entry **e;         /* each entry allocated alone: never moves */
    size_t n, cap;
    struct parsed *keys;
    dkim_fetch_fn fetch;
    void *fetch_ctx;
    pthread_mutex_t lock;
};

enum auth_status dkim_keystore_new(struct dkim_keystore **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return AUTH_ENOMEM;
    if (pthread_mutex_init(&(*out)->lock, NULL) != 0) {
        free(*out);
        *out = NULL;
        return AUTH_ENOMEM;
    }
    return AUTH_OK;
}

static void parsed_unref(struct dkim_keystore *ks, struct parsed *p)
{
    struct parsed **pp = &ks->keys;

    if (!p || --p->refs)
        return;
    while (*pp != p)
        pp = &(*pp)->next;
    *pp = p->next;
    dkim_key_free(p->key);
    free(p->txt);
    free(p);
}

void dkim_keystore_free(struct dkim_keystore *ks)
{
    if (!ks)
        return;
    for (size_t i = 0; i < ks->n; i++) {
        parsed_unref(ks, ks->e[i]->parsed);
        free(ks->e[i]->name);
        free(ks->e[i]->txt);
        free(ks->e[i]);
    }
    free(ks->e);
    pthread_mutex_destroy(&ks->lock);
    free(ks);
}

void dkim_keystore_set_fetch(struct dkim_keystore *ks, dkim_fetch_fn fn, void *ctx)
{
    ks->fetch = fn;
    ks->fetch_ctx = ctx;
}

static struct entry *find(struct dkim_keystore *ks, const char *name)
{
    for (size_t i = 0; i < ks->n; i++)
        if (strcasecmp(ks->e[i]->name, name) == 0)
            return ks->e[i];
    return NULL;
}

/* A new entry for name (copied); NULL when full or out of memory. */
static struct entry *add_entry(struct dkim_keystore *ks, const char *name)
{
    struct entry *e;

    if (ks->n == KEYSTORE_MAX)
        return NULL;
    if (ks->n == ks->cap) {
        size_t ncap = ks->cap ? ks->cap * 2 : 16;
        struct entry **ne = realloc(ks->e, ncap * sizeof *ne);
        if (!ne)
            return NULL;
        ks->e = ne;
        ks->cap = ncap;
    }
    e = calloc(1, sizeof *e);
    if (!e || !(e->name = strdup(name))) {
        free(e);
        return NULL;
    }
    ks->e[ks->n++] = e;
    return e;
}

static enum auth_status set_record(struct entry *e, const char *txt, size_t len)
{
    if (!txt) {
        e->st = AUTH_ENOTFOUND;
        return AUTH_OK;
    }
    e->txt = malloc(len + 1);
    if (!e->txt)
        return AUTH_ENOMEM;
    memcpy(e->txt, txt, len);
    e->txt[len] = '\0';
    e->len = len;
    e->st = AUTH_OK;
    return AUTH_OK;
}

enum auth_status dkim_keystore_add(struct dkim_keystore *ks, const char *selector,
                                   const char *domain, const char *txt, size_t len)
{
    size_t nl = strlen(selector) + strlen(domain) + sizeof "._domainkey.";
    char *name = malloc(nl);
    struct entry *e;
    enum auth_status st;

    if (!name)
        return AUTH_ENOMEM;
    snprintf(name, nl, "%s._domainkey.%s", selector, domain);
    e = find(ks, name);
    if (e) {
        free(e->txt);
        e->txt = NULL;
        parsed_unref(ks, e->parsed);
        e->parsed = NULL;
        e->why[0] = '\0';
    } else {
        e = add_entry(ks, name);
    }
    free(name);
    if (!e)
        return AUTH_ENOMEM;
    st = set_record(e, txt, len);
    return st;
}

enum auth_status dkim_keystore_fetch(struct dkim_keystore *ks, const char *const *names,
                                     size_t n)
{
    const char **want;
    struct dkim_keystore_entry_result *res;
    size_t nw = 0;
    enum auth_status st = AUTH_OK;

    if (!ks->fetch || !n)
        return AUTH_OK;
    want = calloc(n, sizeof *want);
    res = calloc(n, sizeof *res);
    if (!want || !res) {
        free(want);
        free(res);
        return AUTH_ENOMEM;
    }
    /* Held across the lookup: another thread wanting the same name waits
     * for this answer instead of asking again. */
    pthread_mutex_lock(&ks->lock);
    for (size_t i = 0; i < n; i++) {
        bool dup = find(ks, names[i]) != NULL;
        for (size_t j = 0; j < nw && !dup; j++)
            dup = strcasecmp(want[j], names[i]) == 0;
        if (!dup)
            want[nw++] = names[i];
    }
    if (nw)
        ks->fetch(ks->fetch_ctx, want, nw, res);
    for (size_t i = 0; i < nw; i++) {
        struct entry *e = add_entry(ks, want[i]);
        if (!e)
            st = AUTH_ENOMEM;      /* get() then says the lookup was not possible */
        else {
            e->st = res[i].st;
            e->txt = res[i].txt;
            e->len = res[i].len;
            res[i].txt = NULL;
            memcpy(e->why, res[i].why, sizeof res[i].why);
        }
        free(res[i].txt);
    }
    pthread_mutex_unlock(&ks->lock);
    free(want);
    free(res);
    return st;
}

/* The parse of txt: one already made for the same text, else a new one
 * (NULL when out of memory).  Called with the lock held. */
static struct parsed *parse_once(struct dkim_keystore *ks, const char *txt, size_t len)
{
    struct parsed *p;

    for (p = ks->keys; p; p = p->next)
        if (p->len == len && memcmp(p->txt, txt, len) == 0) {
            p->refs++;
            return p;
        }
    p = calloc(1, sizeof *p);
    if (!p || !(p->txt = malloc(len + 1))) {
        free(p);
        return NULL;
    }
    memcpy(p->txt, txt, len);
    p->txt[len] = '\0';
    p->len = len;
    p->refs = 1;
    p->st = dkim_key_parse(txt, len, &p->key, p->err, sizeof p->err);
    p->next = ks->keys;
    ks->keys = p;
    return p;
}

/* get() for an entry holding a record, with the lock held. */
static enum auth_status entry_key(struct dkim_keystore *ks, struct entry *e,
                                  const struct dkim_key **key)
{
    if (!e->parsed) {
        e->parsed = parse_once(ks, e->txt, e->len);
        if (!e->parsed)
            return AUTH_ENOMEM;
        if (e->parsed->st != AUTH_OK)
            snprintf(e->why, sizeof e->why, "%s", e->parsed->err);
    }
    if (!e->parsed->key)   /* a bad record is EPARSE; out of memory stays what it is */
        return e->parsed->st == AUTH_ENOMEM || e->parsed->st == AUTH_ECRYPTO
               ? e->parsed->st : AUTH_EPARSE;
    *key = e->parsed->key;
    return AUTH_OK;
}

enum auth_status dkim_keystore_get(struct dkim_keystore *ks, const char *name,
                                   const struct dkim_key **key, const char **why)
{
    struct entry *e;
    enum auth_status st;

    *key = NULL;
    *why = "";
    pthread_mutex_lock(&ks->lock);
    e = find(ks, name);
    if (!e) {
        /* With a fetch hook, a missing entry is a lookup that could not be
         * stored (memory, full store): not an answer from the domain. */
        *why = "no key lookup was possible";
        st = ks->fetch ? AUTH_ETEMP : AUTH_ENOTFOUND;
    } else {
        *why = e->why;
        st = e->st == AUTH_OK ? entry_key(ks, e, key) : e->st;
    }
    pthread_mutex_unlock(&ks->lock);
    return st;
}
