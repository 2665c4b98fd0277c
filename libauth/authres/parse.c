/*
 * parse.c - parsing Authentication-Results field values (RFC 8601 2.2).
 *
 * A cursor over the value with a sticky error (the first one wins):
 * CFWS with nested comments (bounded depth), values as RFC 2045 tokens or
 * quoted-strings, pvalues also in the local-part@domain form, method
 * versions, "none", and bounds on results and properties.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/authres.h"

struct cur {
    const char *s;
    size_t n, i;
    const char *err;               /* sticky */
    size_t err_at;
    bool oom;
    char *comment;                 /* last comment seen by cfws(), owned */
};

static void fail(struct cur *c, const char *why)
{
    if (!c->err) {
        c->err = why;
        c->err_at = c->i;
    }
}

static bool at_end(const struct cur *c)
{
    return c->err || c->i >= c->n;
}

static bool is_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* A comment starting at '(': its text (quoted-pairs undone) into c->comment. */
static void comment(struct cur *c)
{
    int depth = 0;
    size_t start = c->i + 1;
    char *text;

    for (; c->i < c->n; c->i++) {
        char ch = c->s[c->i];
        if (ch == '\\') {
            c->i++;
        } else if (ch == '(') {
            if (++depth > AUTHRES_MAX_NESTING) {
                fail(c, "comments nested too deeply");
                return;
            }
        } else if (ch == ')' && --depth == 0) {
            break;
        }
    }
    if (c->i >= c->n) {
        fail(c, "unterminated comment");
        return;
    }
    text = malloc(c->i - start + 1);
    if (!text) {
        c->oom = true;
        fail(c, "out of memory");
        return;
    }
    size_t o = 0;
    for (size_t k = start; k < c->i; k++) {
        if (c->s[k] == '\\' && k + 1 < c->i)
            k++;
        text[o++] = c->s[k];
    }
    text[o] = '\0';
    free(c->comment);
    c->comment = text;
    c->i++;
}

static void cfws(struct cur *c)
{
    while (!at_end(c)) {
        if (is_ws(c->s[c->i]))
            c->i++;
        else if (c->s[c->i] == '(')
            comment(c);
        else
            break;
    }
}

static bool token_char(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7f && !strchr("()<>@,;:\\\"/[]?=", ch);
}

static char *take(struct cur *c, size_t a, size_t b)
{
    char *v = malloc(b - a + 1);

    if (!v) {
        c->oom = true;
        fail(c, "out of memory");
        return NULL;
    }
    memcpy(v, c->s + a, b - a);
    v[b - a] = '\0';
    return v;
}

static char *quoted(struct cur *c)
{
    size_t start = ++c->i;
    char *v;
    size_t o = 0;

    while (c->i < c->n && c->s[c->i] != '"')
        c->i += c->s[c->i] == '\\' ? 2 : 1;
    if (c->i >= c->n) {
        fail(c, "unterminated quoted string");
        return NULL;
    }
    v = take(c, start, c->i);
    if (!v)
        return NULL;
    for (size_t k = 0; v[k]; k++) {
        if (v[k] == '\\' && v[k + 1])
            k++;
        v[o++] = v[k];
    }
    v[o] = '\0';
    c->i++;
    return v;
}

/* value = token / quoted-string; pvalue also allows '@' (local@domain). */
static char *value(struct cur *c, bool pvalue)
{
    size_t start = c->i;

    if (at_end(c)) {
        fail(c, "value expected");
        return NULL;
    }
    if (c->s[c->i] == '"')
        return quoted(c);
    while (c->i < c->n && (token_char((unsigned char)c->s[c->i]) ||
                           (pvalue && c->s[c->i] == '@')))
        c->i++;
    if (c->i == start) {
        fail(c, "value expected");
        return NULL;
    }
    return take(c, start, c->i);
}

/* Keyword: letters, digits, hyphens (and '_' seen in the wild); lower-cased. */
static char *keyword(struct cur *c)
{
    size_t start = c->i;
    char *k;

    while (c->i < c->n) {
        char ch = c->s[c->i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
              || ch == '-' || ch == '_'))
            break;
        c->i++;
    }
    if (c->i == start) {
        fail(c, "keyword expected");
        return NULL;
    }
    k = take(c, start, c->i);
    for (char *p = k; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p | 0x20);
    return k;
}

static bool expect(struct cur *c, char ch, const char *why)
{
    cfws(c);
    if (at_end(c) || c->s[c->i] != ch) {
        fail(c, why);
        return false;
    }
    c->i++;
    cfws(c);
    return !c->err;
}

static int number(struct cur *c)
{
    long v = 0;
    size_t start = c->i;

    while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9' && v < 100000)
        v = v * 10 + (c->s[c->i++] - '0');
    if (c->i == start || v >= 100000) {
        fail(c, "version number expected");
        return 0;
    }
    return (int)v;
}

/* ptype "." property "=" pvalue, or reason "=" value. */
static void prop_or_reason(struct cur *c, struct authres_result *r)
{
    char *pt = keyword(c), *prop = NULL, *v = NULL;

    if (!pt)
        return;
    cfws(c);
    if (strcmp(pt, "reason") == 0 && !at_end(c) && c->s[c->i] == '=') {
        c->i++;
        cfws(c);
        v = value(c, false);
        if (v && r->reason) {
            fail(c, "more than one reason");
            free(v);
        } else if (v) {
            r->reason = v;
        }
        free(pt);
        return;
    }
    if (expect(c, '.', "'.' expected after the property type"))
        prop = keyword(c);
    if (prop && expect(c, '=', "'=' expected after the property"))
        v = value(c, true);
    if (v && r->nprops >= AUTHRES_MAX_PROPS)
        fail(c, "too many properties");
    else if (v && authres_add_prop(r, pt, prop, v) != AUTH_OK) {
        c->oom = true;
        fail(c, "out of memory");
    }
    free(pt);
    free(prop);
    free(v);
}

static void resinfo(struct cur *c, struct authres *ar)
{
    char *method = keyword(c), *result = NULL;
    int version = 0;

    if (!method)
        return;
    cfws(c);
    if (!at_end(c) && c->s[c->i] == '/') {
        c->i++;
        cfws(c);
        version = number(c);
    }
    if (expect(c, '=', "'=' expected after the method"))
        result = keyword(c);
    if (result) {
        struct authres_result *r = ar->nresults < AUTHRES_MAX_RESULTS
                                 ? authres_add(ar, method, result, NULL, NULL) : NULL;
        if (!r)
            fail(c, ar->nresults >= AUTHRES_MAX_RESULTS ? "too many results"
                                                        : "out of memory");
        free(c->comment);
        c->comment = NULL;
        while (r && !c->err) {
            cfws(c);
            if (c->comment && !r->comment) {
                r->comment = c->comment;
                c->comment = NULL;
            }
            if (at_end(c) || c->s[c->i] == ';')
                break;
            prop_or_reason(c, r);
        }
        if (r)
            r->method_version = version;
    }
    free(method);
    free(result);
}

enum auth_status authres_parse(const char *v, size_t len, struct authres **out,
                               char *err, size_t errlen)
{
    struct cur c = { .s = v, .n = len };
    struct authres *ar;

    *out = NULL;
    if (len > AUTHRES_MAX_VALUE)
        return auth_fail(err, errlen, AUTH_ELIMIT, "Authentication-Results of %zu bytes is "
                         "over the %d-byte bound", len, AUTHRES_MAX_VALUE);
    if (memchr(v, '\0', len))
        return auth_fail(err, errlen, AUTH_EPARSE, "Authentication-Results holds a NUL byte");
    if (len >= 23 && strncasecmp(v, "Authentication-Results:", 23) == 0)
        c.i = 23;
    ar = calloc(1, sizeof *ar);
    if (!ar)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    cfws(&c);
    ar->authserv_id = value(&c, true);
    cfws(&c);
    if (!at_end(&c) && c.s[c.i] >= '0' && c.s[c.i] <= '9') {
        ar->version = number(&c);
        cfws(&c);
    }
    if (!at_end(&c) && c.s[c.i] != ';')
        fail(&c, "';' expected after the authserv-id");
    if (at_end(&c) && !c.err)
        fail(&c, "no result and no 'none'");
    bool none = false;
    while (!at_end(&c)) {
        if (!expect(&c, ';', "';' expected between results"))
            break;
        if (at_end(&c))
            break;                 /* a trailing ';' */
        size_t save = c.i;
        char *k = keyword(&c);
        if (k && strcmp(k, "none") == 0 && ar->nresults == 0) {
            cfws(&c);
            free(k);
            if (!at_end(&c))
                fail(&c, "text after 'none'");
            none = true;
            break;
        }
        free(k);
        c.i = save;
        resinfo(&c, ar);
    }
    if (!none && ar->nresults == 0)
        fail(&c, "no result and no 'none'");
    free(c.comment);
    if (c.err) {
        enum auth_status st = c.oom ? AUTH_ENOMEM
                            : strstr(c.err, "too many") ? AUTH_ELIMIT : AUTH_EPARSE;
        authres_free(ar);
        return auth_fail(err, errlen, st, "Authentication-Results: %s at offset %zu",
                         c.err, c.err_at);
    }
    *out = ar;
    return AUTH_OK;
}
