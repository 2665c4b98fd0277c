/*
 * build.c - building Authentication-Results fields (RFC 8601 2.2): the
 * structure, value quoting, and folding at 78 columns between words.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authres.h"

/* RFC 2045 token character: CHAR except SPACE, CTLs and tspecials. */
static bool token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

static bool is_token(const char *v)
{
    if (!*v)
        return false;
    for (; *v; v++)
        if (!token_char((unsigned char)*v))
            return false;
    return true;
}

/* letters, digits, hyphens in dot-separated labels */
static bool is_domain(const char *s, size_t n)
{
    size_t label = 0;

    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || c == '-' || c == '_') {
            label++;
        } else {
            return false;
        }
    }
    return label > 0;
}

static bool is_dot_atom(const char *s, size_t n)
{
    bool prev_dot = true;

    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (prev_dot)
                return false;
            prev_dot = true;
            continue;
        }
        prev_dot = false;
        bool atext = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c);
        if (!atext || !c)
            return false;
    }
    return !prev_dot;
}

static bool pvalue_plain(const char *v)
{
    const char *at = strrchr(v, '@');

    if (!at)
        return is_domain(v, strlen(v));
    return (at == v || is_dot_atom(v, (size_t)(at - v))) && is_domain(at + 1, strlen(at + 1));
}

char *authres_quote(const char *v, int as_pvalue)
{
    size_t n = strlen(v);
    char *out, *o;

    if (is_token(v) || (as_pvalue && pvalue_plain(v)))
        return strdup(v);
    out = malloc(2 * n + 3);
    if (!out)
        return NULL;
    o = out;
    *o++ = '"';
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c < 0x20 || c == 0x7f)
            continue;              /* CR, LF, NUL... never reach the header */
        if (c == '"' || c == '\\')
            *o++ = '\\';
        *o++ = (char)c;
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* A comment: parentheses and backslashes escaped, controls dropped. */
static char *comment_text(const char *v)
{
    char *out = malloc(2 * strlen(v) + 3), *o = out;

    if (!out)
        return NULL;
    *o++ = '(';
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c < 0x20 || c == 0x7f)
            continue;
        if (c == '(' || c == ')' || c == '\\')
            *o++ = '\\';
        *o++ = (char)c;
    }
    *o++ = ')';
    *o = '\0';
    return out;
}

bool authres_id_valid(const char *id)
{
    return id && (is_token(id) || is_domain(id, strlen(id)));
}

struct authres *authres_new(const char *authserv_id)
{
    struct authres *ar;

    if (!authres_id_valid(authserv_id))
        return NULL;
    ar = calloc(1, sizeof *ar);
    if (!ar)
        return NULL;
    ar->authserv_id = strdup(authserv_id);
    if (!ar->authserv_id) {
        free(ar);
        return NULL;
    }
    return ar;
}

static char *dup_lower(const char *s)
{
    char *d = s ? strdup(s) : NULL;

    for (char *p = d; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p | 0x20);
    return d;
}

/* Printable ASCII only: what a quoted-string may hold without SMTPUTF8. */
static bool is_ascii_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

struct authres_result *authres_add(struct authres *ar, const char *method,
                                   const char *result, const char *reason,
                                   const char *comment)
{
    struct authres_result *r;

    if (ar->nresults >= AUTHRES_MAX_RESULTS || !method || !result)
        return NULL;
    r = realloc(ar->results, (ar->nresults + 1) * sizeof *r);
    if (!r)
        return NULL;
    ar->results = r;
    r += ar->nresults;
    memset(r, 0, sizeof *r);
    r->method = dup_lower(method);
    r->result = dup_lower(result);
    /* RFC 8601 2.2: reason= is a quoted-string, ASCII in a header without
     * SMTPUTF8.  A reason in another script (a message the program
     * translated for its user) is left out, not sent mangled. */
    if (reason && !is_ascii_text(reason))
        reason = NULL;
    r->reason = reason ? strdup(reason) : NULL;
    r->comment = comment ? strdup(comment) : NULL;
    ar->nresults++;
    if (!r->method || !r->result || (reason && !r->reason) || (comment && !r->comment))
        return NULL;               /* freed with ar */
    return r;
}

enum auth_status authres_add_prop(struct authres_result *res, const char *ptype,
                                  const char *property, const char *value)
{
    struct authres_prop *p;

    if (res->nprops >= AUTHRES_MAX_PROPS)
        return AUTH_ELIMIT;
    p = realloc(res->props, (res->nprops + 1) * sizeof *p);
    if (!p)
        return AUTH_ENOMEM;
    res->props = p;
    p += res->nprops++;
    p->ptype = dup_lower(ptype);
    p->property = dup_lower(property);
    p->value = strdup(value ? value : "");
    return p->ptype && p->property && p->value ? AUTH_OK : AUTH_ENOMEM;
}

struct out {
    char *p;
    size_t n, cap, col;
    bool fold, oom;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->n + n + 1 > o->cap) {
        size_t cap = (o->cap + n + 1) * 2;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->oom = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
    o->col += n;
}

/* A word preceded by a space, or by a fold when the line would pass 78. */
static void word(struct out *o, const char *w, const char *suffix)
{
    size_t len = strlen(w) + strlen(suffix);

    if (o->fold && o->col + 1 + len > 78 && o->col > 1) {
        put(o, "\r\n\t", 3);
        o->col = 1;
    } else {
        put(o, " ", 1);
    }
    put(o, w, strlen(w));
    put(o, suffix, strlen(suffix));
}

static void word_owned(struct out *o, char *w, const char *suffix)
{
    if (!w) {
        o->oom = true;
        return;
    }
    word(o, w, suffix);
    free(w);
}

static void put_result(struct out *o, const struct authres_result *r, bool last)
{
    char *buf;
    size_t len = strlen(r->method) + strlen(r->result) + 16;
    const char *end = last ? "" : ";";
    size_t nwords = 1 + (r->reason != NULL) + (r->comment != NULL) + r->nprops;

    buf = malloc(len);
    if (!buf) {
        o->oom = true;
        return;
    }
    if (r->method_version > 0)
        snprintf(buf, len, "%s/%d=%s", r->method, r->method_version, r->result);
    else
        snprintf(buf, len, "%s=%s", r->method, r->result);
    word_owned(o, buf, --nwords ? "" : end);
    if (r->reason) {
        char *q = authres_quote(r->reason, 0);
        size_t l = q ? strlen(q) + 8 : 0;
        char *w = q ? malloc(l) : NULL;
        if (w)
            snprintf(w, l, "reason=%s", q);
        free(q);
        word_owned(o, w, --nwords ? "" : end);
    }
    if (r->comment)
        word_owned(o, comment_text(r->comment), --nwords ? "" : end);
    for (size_t i = 0; i < r->nprops; i++) {
        const struct authres_prop *p = &r->props[i];
        char *q = authres_quote(p->value, 1);
        size_t l = q ? strlen(p->ptype) + strlen(p->property) + strlen(q) + 3 : 0;
        char *w = q ? malloc(l) : NULL;
        if (w)
            snprintf(w, l, "%s.%s=%s", p->ptype, p->property, q);
        free(q);
        word_owned(o, w, --nwords ? "" : end);
    }
}

enum auth_status authres_format(const struct authres *ar, int with_name, int fold,
                                char **out)
{
    struct out o = { .fold = fold != 0 };
    char ver[16];

    *out = NULL;
    if (with_name)
        put(&o, "Authentication-Results:", 23);
    else
        o.col = 24;                /* folding as if the name were there */
    if (with_name)
        put(&o, " ", 1);
    put(&o, ar->authserv_id, strlen(ar->authserv_id));
    if (ar->version > 0) {
        snprintf(ver, sizeof ver, " %d", ar->version);
        put(&o, ver, strlen(ver));
    }
    put(&o, ";", 1);
    if (ar->nresults == 0)
        word(&o, "none", "");
    for (size_t i = 0; i < ar->nresults; i++)
        put_result(&o, &ar->results[i], i + 1 == ar->nresults);
    if (o.oom) {
        free(o.p);
        return AUTH_ENOMEM;
    }
    *out = o.p;
    return AUTH_OK;
}

void authres_free(struct authres *ar)
{
    if (!ar)
        return;
    for (size_t i = 0; i < ar->nresults; i++) {
        struct authres_result *r = &ar->results[i];
        free(r->method);
        free(r->result);
        free(r->reason);
        free(r->comment);
        for (size_t k = 0; k < r->nprops; k++) {
            free(r->props[k].ptype);
            free(r->props[k].property);
            free(r->props[k].value);
        }
        free(r->props);
    }
    free(ar->results);
    free(ar->authserv_id);
    free(ar);
}
