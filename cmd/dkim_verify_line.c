/*
 * dkim_verify_line.c - the JSON line of one file of `dkim verify --json
 * FILE...`, written straight into a string: the same bytes jansson's
 * JSON_COMPACT dump of the object dkim_verify.c builds would give (the
 * text keeps that object as its model), at a fraction of the cost, which
 * matters when each message takes some 20 microseconds: jansson allocates
 * a table per object and array it dumps.  Strings other than plain
 * printable ASCII are escaped by jansson itself; a string that is not
 * UTF-8 leaves its key out, as json_object_set_new does with the NULL
 * json_string gives for it.  tests/integration/test_dkim_verify_many.c
 * checks the lines against the single-file output.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dkim_verify_int.h"

struct line {
    char *p;
    size_t len, cap;
    bool failed;
    bool first;            /* no key yet in the current object */
};

static bool room(struct line *l, size_t n)
{
    if (l->failed)
        return false;
    if (l->cap - l->len < n) {
        size_t cap = (l->cap ? l->cap * 2 : 512) + n;
        char *p = realloc(l->p, cap);
        if (!p) {
            l->failed = true;
            return false;
        }
        l->p = p;
        l->cap = cap;
    }
    return true;
}

static void raw(struct line *l, const char *s, size_t n)
{
    if (room(l, n)) {
        memcpy(l->p + l->len, s, n);
        l->len += n;
    }
}

#define RAW(l, lit) raw(l, lit, sizeof lit - 1)

static void open_obj(struct line *l)
{
    RAW(l, "{");
    l->first = true;
}

static void key(struct line *l, const char *k)
{
    if (!l->first)
        RAW(l, ",");
    l->first = false;
    RAW(l, "\"");
    raw(l, k, strlen(k));
    RAW(l, "\":");
}

/* Printable ASCII without '"' and '\\': what jansson writes as it is. */
static bool plain(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"' || *s == '\\')
            return false;
    return true;
}

/* "k":"s" (jansson's escaping), "k":null for NULL, nothing for a string
 * that is not UTF-8. */
static void str(struct line *l, const char *k, const char *s)
{
    json_t *j;
    size_t n;

    if (!s) {
        key(l, k);
        RAW(l, "null");
        return;
    }
    if (plain(s)) {
        key(l, k);
        RAW(l, "\"");
        raw(l, s, strlen(s));
        RAW(l, "\"");
        return;
    }
    if (!(j = json_string(s)))
        return;
    key(l, k);
    n = json_dumpb(j, NULL, 0, JSON_ENCODE_ANY);
    if (n && room(l, n) && json_dumpb(j, l->p + l->len, n, JSON_ENCODE_ANY) == n)
        l->len += n;
    else
        l->failed = true;
    json_decref(j);
}

static void boolean(struct line *l, const char *k, bool b)
{
    key(l, k);
    if (b)
        RAW(l, "true");
    else
        RAW(l, "false");
}

static void integer(struct line *l, const char *k, json_int_t v)
{
    char num[32];
    int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, v);

    key(l, k);
    raw(l, num, (size_t)n);
}

/* The object of sig_json() in dkim_verify.c, key for key. */
static void sig(struct line *l, const struct dkim_sig_result *r)
{
    open_obj(l);
    str(l, "domain", r->domain);
    str(l, "selector", r->selector);
    str(l, "algorithm", r->algorithm >= 0 ? dkim_alg_name((enum dkim_alg)r->algorithm) : NULL);
    str(l, "result", dkim_result_name(r->result));
    str(l, "reason", r->reason_text);
    boolean(l, "body_hash_ok", r->body_hash_ok);
    integer(l, "unsigned_body_bytes", (json_int_t)r->unsigned_body_bytes);
    boolean(l, "weak", r->weak);
    boolean(l, "testing", r->testing);
    if (r->key_bits)
        integer(l, "key_bits", r->key_bits);
    str(l, "identity", r->identity);
    RAW(l, "}");
}

static char *finish(struct line *l)
{
    RAW(l, "}\n");
    if (room(l, 1))
        l->p[l->len] = '\0';
    if (l->failed) {
        free(l->p);
        return NULL;
    }
    return l->p;
}

char *dkim_verify_line(const char *file, const struct dkim_verify *v)
{
    struct line l = { 0 };

    open_obj(&l);
    if (file)
        str(&l, "file", file);
    str(&l, "result", dkim_result_name(dkim_verify_overall(v)));
    key(&l, "signatures");
    RAW(&l, "[");
    for (size_t i = 0; i < dkim_verify_count(v); i++) {
        if (i)
            RAW(&l, ",");
        sig(&l, dkim_verify_result(v, i));
    }
    RAW(&l, "]");
    return finish(&l);
}

char *dkim_verify_error_line(const char *file, const char *err)
{
    struct line l = { 0 };

    open_obj(&l);
    if (file)
        str(&l, "file", file);
    str(&l, "result", "permerror");
    str(&l, "error", err);
    key(&l, "signatures");
    RAW(&l, "[]");
    return finish(&l);
}
