/*
 * keystore.c - per-run cache of DKIM key records by
 * "selector._domainkey.domain": the raw lookup outcome (record, not found,
 * temporary failure) and the parsed key, so a key is fetched and parsed
 * once however many messages or signatures use it.
 *
 * Records are given directly (dkim_keystore_add) or fetched in batches by a
 * hook (keystore_dns.c installs one on the DNS engine).  Names compare
 * case-insensitively.  Bounded to KEYSTORE_MAX entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim_int.h"

#define KEYSTORE_MAX 4096

struct entry {
    char *name;
    enum auth_status st;      /* AUTH_OK: txt holds a record */
    enum auth_status parse_st; /* of dkim_key_parse, once parsed */
    char *txt;
    size_t len;
    struct dkim_key *key;     /* parsed lazily */
    bool parsed;
    char why[200];
};

struct dkim_keystore {
    struct entry *e;
    size_t n, cap;
    dkim_fetch_fn fetch;
    void *fetch_ctx;
};

enum auth_status dkim_keystore_new(struct dkim_keystore **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? AUTH_OK : AUTH_ENOMEM;
}

void dkim_keystore_free(struct dkim_keystore *ks)
{
    if (!ks)
        return;
    for (size_t i = 0; i < ks->n; i++) {
        free(ks->e[i].name);
        free(ks->e[i].txt);
        dkim_key_free(ks->e[i].key);
    }
    free(ks->e);
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
        if (strcasecmp(ks->e[i].name, name) == 0)
            return &ks->e[i];
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
        struct entry *ne = realloc(ks->e, ncap * sizeof *ne);
        if (!ne)
            return NULL;
        ks->e = ne;
        ks->cap = ncap;
    }
    e = &ks->e[ks->n];
    memset(e, 0, sizeof *e);
    e->name = strdup(name);
    if (!e->name)
        return NULL;
    ks->n++;
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
        dkim_key_free(e->key);
        e->key = NULL;
        e->parsed = false;
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
    free(want);
    free(res);
    return st;
}

enum auth_status dkim_keystore_get(struct dkim_keystore *ks, const char *name,
                                   const struct dkim_key **key, const char **why)
{
    struct entry *e = find(ks, name);

    *key = NULL;
    *why = "";
    if (!e) {
        /* With a fetch hook, a missing entry is a lookup that could not be
         * stored (memory, full store): not an answer from the domain. */
        *why = "no key lookup was possible";
        return ks->fetch ? AUTH_ETEMP : AUTH_ENOTFOUND;
    }
    *why = e->why;
    if (e->st != AUTH_OK)
        return e->st;
    if (!e->parsed) {
        char err[160];
        e->parsed = true;
        e->parse_st = dkim_key_parse(e->txt, e->len, &e->key, err, sizeof err);
        if (e->parse_st != AUTH_OK)
            snprintf(e->why, sizeof e->why, "%s", err);
    }
    if (!e->key)   /* a bad record is EPARSE; out of memory stays what it is */
        return e->parse_st == AUTH_ENOMEM || e->parse_st == AUTH_ECRYPTO ? e->parse_st
                                                                         : AUTH_EPARSE;
    *key = e->key;
    return AUTH_OK;
}
