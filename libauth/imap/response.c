/*
 * response.c - the IMAP response parser (see auth/imap.h): first frames one
 * response (lines joined by literals, every size checked as soon as the
 * bytes showing it are there), then tokenizes the framed bytes into a tag,
 * a status with its response code and text, or a data name with its items
 * (atoms, quoted strings, literals, NIL, nested lists).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/imap.h"
#include "core/people.h"

#define NONE ((size_t)-1)

/* ---------- framing ---------- */

/* Whether line[0..n) (no LF) ends in a literal announcement "{N}" or
 * "{N+}" (CR before the LF allowed).  *size gets N, or UINT64_MAX when it
 * has more digits than any cap could allow. */
static bool literal_at_end(const char *line, size_t n, uint64_t *size)
{
    size_t i, digits = 0;
    uint64_t v = 0;

    if (n && line[n - 1] == '\r')
        n--;
    if (n < 3 || line[n - 1] != '}')
        return false;
    i = n - 1;
    if (line[i - 1] == '+')
        i--;
    while (i > 0 && isdigit((unsigned char)line[i - 1])) {
        i--;
        digits++;
    }
    if (digits == 0 || i == 0 || line[i - 1] != '{')
        return false;
    if (digits > 12) {
        *size = UINT64_MAX;
        return true;
    }
    for (size_t k = 0; k < digits; k++)
        v = v * 10 + (uint64_t)(line[i + k] - '0');
    *size = v;
    return true;
}

/* Find where the response starting at buf ends: *end > 0 when complete,
 * 0 when more bytes are needed. */
static enum auth_status frame(const char *buf, size_t len, size_t litmax, size_t *end,
                              char *err, size_t errlen)
{
    size_t pos = 0;

    *end = 0;
    for (;;) {
        size_t avail = len - pos, scan = avail < IMAP_LINE_MAX ? avail : IMAP_LINE_MAX;
        const char *nl = memchr(buf + pos, '\n', scan);
        uint64_t lit;
        size_t eol;

        if (!nl) {
            if (avail >= IMAP_LINE_MAX)
                return auth_fail(err, errlen, AUTH_ELIMIT, "a response line is over %d bytes",
                                 IMAP_LINE_MAX);
            if (len >= IMAP_RESPONSE_MAX)
                return auth_fail(err, errlen, AUTH_ELIMIT, "a response is over %d bytes",
                                 IMAP_RESPONSE_MAX);
            return AUTH_OK;
        }
        eol = (size_t)(nl - buf);
        if (!literal_at_end(buf + pos, eol - pos, &lit)) {
            if (eol + 1 > IMAP_RESPONSE_MAX)
                return auth_fail(err, errlen, AUTH_ELIMIT, "a response is over %d bytes",
                                 IMAP_RESPONSE_MAX);
            *end = eol + 1;
            return AUTH_OK;
        }
        if (lit > litmax)
            return lit == UINT64_MAX
                       ? auth_fail(err, errlen, AUTH_ELIMIT, "the server announced a literal of "
                                   "over %llu bytes (limit %zu)", 999999999999ULL, litmax)
                       : auth_fail(err, errlen, AUTH_ELIMIT, "the server announced a literal of "
                                   "%llu bytes (limit %zu)", (unsigned long long)lit, litmax);
        if (eol + 1 + lit > IMAP_RESPONSE_MAX)
            return auth_fail(err, errlen, AUTH_ELIMIT, "a response is over %d bytes",
                             IMAP_RESPONSE_MAX);
        if (eol + 1 + lit >= len)
            return AUTH_OK;       /* the literal, or the line after it, is still coming */
        pos = eol + 1 + (size_t)lit;
    }
}

/* ---------- tokenizing ---------- */

struct cur {
    const char *buf;
    size_t pos, end;
    char *arena;
    size_t alen;
    struct imap_item *pool;
    size_t n, cap;
    size_t first_item;         /* index of the response's first data item */
    enum auth_status st;
    char *err;
    size_t errlen;
};

static bool failed(struct cur *c, enum auth_status st, const char *what)
{
    if (c->st == AUTH_OK)
        c->st = auth_fail(c->err, c->errlen, st, "%s", TR(what));
    return false;
}

static bool at_eol(const struct cur *c)
{
    return c->pos >= c->end || c->buf[c->pos] == '\r' || c->buf[c->pos] == '\n';
}

/* Copy n bytes into the arena, NUL-terminated; returns the copy. */
static const char *keep(struct cur *c, const char *s, size_t n)
{
    char *d = c->arena + c->alen;

    memcpy(d, s, n);
    d[n] = '\0';
    c->alen += n + 1;
    return d;
}

static size_t new_item(struct cur *c, enum imap_item_type type)
{
    if (c->n >= IMAP_MAX_ITEMS) {
        failed(c, AUTH_ELIMIT, "too many items in one response");
        return NONE;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct imap_item *p = realloc(c->pool, cap * sizeof *p);
        if (!p) {
            failed(c, AUTH_ENOMEM, "out of memory");
            return NONE;
        }
        c->pool = p;
        c->cap = cap;
    }
    memset(&c->pool[c->n], 0, sizeof c->pool[0]);
    c->pool[c->n].type = type;
    c->pool[c->n].data = "";
    c->pool[c->n].child_ix = c->pool[c->n].next_ix = NONE;
    return c->n++;
}

static bool atom_char(unsigned char ch)
{
    return ch > 0x20 && ch != 0x7f && ch != '(' && ch != ')' && ch != '"' && ch != '{';
}

static size_t parse_quoted(struct cur *c)
{
    char *d = c->arena + c->alen;
    size_t n = 0, ix;

    c->pos++;                                  /* opening quote */
    while (c->pos < c->end) {
        char ch = c->buf[c->pos++];
        if (ch == '"') {
            d[n] = '\0';
            if ((ix = new_item(c, IMAP_ITEM_QUOTED)) == NONE)
                return NONE;
            c->pool[ix].data = d;
            c->pool[ix].len = n;
            c->alen += n + 1;
            return ix;
        }
        if (ch == '\\' && c->pos < c->end)
            ch = c->buf[c->pos++];
        if (ch == '\r' || ch == '\n' || ch == '\0')
            break;
        d[n++] = ch;
    }
    failed(c, AUTH_EPARSE, "unterminated quoted string");
    return NONE;
}

static size_t parse_literal(struct cur *c)
{
    uint64_t v = 0;
    size_t digits = 0, ix;

    c->pos++;                                  /* '{' */
    while (c->pos < c->end && isdigit((unsigned char)c->buf[c->pos]) && digits < 13) {
        v = v * 10 + (uint64_t)(c->buf[c->pos++] - '0');
        digits++;
    }
    if (c->pos < c->end && c->buf[c->pos] == '+')
        c->pos++;
    if (!digits || c->pos >= c->end || c->buf[c->pos] != '}') {
        failed(c, AUTH_EPARSE, "bad literal announcement");
        return NONE;
    }
    c->pos++;
    if (c->pos < c->end && c->buf[c->pos] == '\r')
        c->pos++;
    if (c->pos >= c->end || c->buf[c->pos] != '\n') {
        failed(c, AUTH_EPARSE, "literal announcement not at the end of a line");
        return NONE;
    }
    c->pos++;
    if (v > c->end - c->pos) {
        failed(c, AUTH_EPARSE, "literal longer than the response");
        return NONE;
    }
    if ((ix = new_item(c, IMAP_ITEM_LITERAL)) == NONE)
        return NONE;
    c->pool[ix].data = keep(c, c->buf + c->pos, (size_t)v);
    c->pool[ix].len = (size_t)v;
    c->pos += (size_t)v;
    return ix;
}

/* An atom; a '[' inside runs to its ']' ("BODY[HEADER.FIELDS (A B)]"). */
static size_t parse_atom(struct cur *c)
{
    size_t start = c->pos, ix;

    while (c->pos < c->end) {
        unsigned char ch = (unsigned char)c->buf[c->pos];
        if (ch == '[') {
            const char *close = memchr(c->buf + c->pos, ']', c->end - c->pos);
            const char *nl = memchr(c->buf + c->pos, '\n', c->end - c->pos);
            if (!close || (nl && nl < close)) {
                failed(c, AUTH_EPARSE, "unterminated '[' in an atom");
                return NONE;
            }
            c->pos = (size_t)(close - c->buf) + 1;
            continue;
        }
        if (!atom_char(ch))
            break;
        c->pos++;
    }
    if (c->pos == start) {
        failed(c, AUTH_EPARSE, "unexpected byte in a response");
        return NONE;
    }
    if (c->pos - start == 3 && strncasecmp(c->buf + start, "NIL", 3) == 0)
        return new_item(c, IMAP_ITEM_NIL);
    if ((ix = new_item(c, IMAP_ITEM_ATOM)) == NONE)
        return NONE;
    c->pool[ix].data = keep(c, c->buf + start, c->pos - start);
    c->pool[ix].len = c->pos - start;
    return ix;
}

static size_t parse_items(struct cur *c, int depth, bool in_list, size_t *count);

static size_t parse_item(struct cur *c, int depth)
{
    char ch = c->buf[c->pos];
    size_t ix, first, n = 0;

    if (ch == '"')
        return parse_quoted(c);
    if (ch == '{')
        return parse_literal(c);
    if (ch != '(')
        return parse_atom(c);
    if (depth >= IMAP_MAX_DEPTH) {
        failed(c, AUTH_ELIMIT, "lists nested too deep");
        return NONE;
    }
    if ((ix = new_item(c, IMAP_ITEM_LIST)) == NONE)
        return NONE;
    c->pos++;
    first = parse_items(c, depth + 1, true, &n);
    if (c->st != AUTH_OK)
        return NONE;
    c->pool[ix].child_ix = first;
    c->pool[ix].nchildren = n;
    return ix;
}

/* Items up to the end of the line (top level) or the closing parenthesis. */
static size_t parse_items(struct cur *c, int depth, bool in_list, size_t *count)
{
    size_t first = NONE, prev = NONE, ix;

    *count = 0;
    for (;;) {
        while (c->pos < c->end && c->buf[c->pos] == ' ')
            c->pos++;
        if (at_eol(c)) {
            if (in_list)
                failed(c, AUTH_EPARSE, "unterminated list");
            return first;
        }
        if (c->buf[c->pos] == ')') {
            if (!in_list)
                failed(c, AUTH_EPARSE, "unbalanced ')'");
            c->pos++;
            return first;
        }
        if ((ix = parse_item(c, depth)) == NONE)
            return NONE;
        if (prev == NONE)
            first = ix;
        else
            c->pool[prev].next_ix = ix;
        prev = ix;
        (*count)++;
    }
}

/* ---------- response head ---------- */

static size_t line_end(const struct cur *c)
{
    size_t p = c->pos;

    while (p < c->end && c->buf[p] != '\r' && c->buf[p] != '\n')
        p++;
    return p;
}

/* resp-text: optional "[code]" then text, to the end of the first line. */
static void parse_resp_text(struct cur *c, struct imap_response *r)
{
    size_t eol = line_end(c);

    if (c->pos < eol && c->buf[c->pos] == ' ')
        c->pos++;
    if (c->pos < eol && c->buf[c->pos] == '[') {
        const char *close = memchr(c->buf + c->pos, ']', eol - c->pos);
        if (close) {
            r->code = keep(c, c->buf + c->pos + 1, (size_t)(close - c->buf) - c->pos - 1);
            c->pos = (size_t)(close - c->buf) + 1;
            if (c->pos < eol && c->buf[c->pos] == ' ')
                c->pos++;
        }
    }
    r->text = keep(c, c->buf + c->pos, eol - c->pos);
    c->pos = c->end;
}

static enum imap_status status_of(const char *s, size_t n)
{
    static const struct { const char *name; enum imap_status st; } names[] = {
        {"OK", IMAP_ST_OK}, {"NO", IMAP_ST_NO}, {"BAD", IMAP_ST_BAD},
        {"PREAUTH", IMAP_ST_PREAUTH}, {"BYE", IMAP_ST_BYE},
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && strncasecmp(s, names[i].name, n) == 0)
            return names[i].st;
    return IMAP_ST_NONE;
}

/* Data responses whose rest is tokenized; any other keeps its raw text. */
static bool tokenized(const char *name)
{
    static const char *const names[] = {
        "CAPABILITY", "LIST", "LSUB", "FLAGS", "SEARCH", "ESEARCH", "FETCH", "STATUS",
        "ENABLED", "NAMESPACE", "ID", "EXISTS", "RECENT", "EXPUNGE",
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* A word of letters (the status or data name), upper-cased into the arena. */
static const char *parse_word(struct cur *c, size_t *n)
{
    size_t start = c->pos;
    char *w;

    while (c->pos < c->end && (isalnum((unsigned char)c->buf[c->pos]) ||
                               c->buf[c->pos] == '-' || c->buf[c->pos] == '.'))
        c->pos++;
    *n = c->pos - start;
    w = (char *)keep(c, c->buf + start, *n);
    for (size_t i = 0; i < *n; i++)
        w[i] = (char)toupper((unsigned char)w[i]);
    return w;
}

static void parse_untagged(struct cur *c, struct imap_response *r)
{
    size_t n, digits = 0, count;
    unsigned long v = 0;

    while (c->pos < c->end && isdigit((unsigned char)c->buf[c->pos]) && digits < 10) {
        v = v * 10 + (unsigned long)(c->buf[c->pos++] - '0');
        digits++;
    }
    if (digits) {
        if (c->pos >= c->end || c->buf[c->pos] != ' ') {
            failed(c, AUTH_EPARSE, "bad message number in an untagged response");
            return;
        }
        r->has_number = true;
        r->number = v;
        c->pos++;
    }
    r->name = parse_word(c, &n);
    if (n == 0) {
        failed(c, AUTH_EPARSE, "untagged response without a name");
        return;
    }
    if (!digits && (r->status = status_of(r->name, n)) != IMAP_ST_NONE) {
        parse_resp_text(c, r);
        return;
    }
    if (!tokenized(r->name)) {
        parse_resp_text(c, r);
        r->code = NULL;
        return;
    }
    if (c->pos < c->end && !at_eol(c) && c->buf[c->pos] != ' ') {
        failed(c, AUTH_EPARSE, "bad untagged response name");
        return;
    }
    c->first_item = parse_items(c, 0, false, &count);
}

static void parse_head(struct cur *c, struct imap_response *r)
{
    size_t start = c->pos, n;
    const char *w;

    while (c->pos < c->end && atom_char((unsigned char)c->buf[c->pos]) &&
           c->buf[c->pos] != '[' && c->buf[c->pos] != ']')
        c->pos++;
    n = c->pos - start;
    if (n == 1 && c->buf[start] == '+') {
        r->kind = IMAP_RESP_CONTINUE;
        parse_resp_text(c, r);
        r->code = NULL;
        return;
    }
    if (n == 0 || c->pos >= c->end || c->buf[c->pos] != ' ') {
        failed(c, AUTH_EPARSE, "a response must start with a tag, '*' or '+'");
        return;
    }
    c->pos++;
    if (n == 1 && c->buf[start] == '*') {
        r->kind = IMAP_RESP_UNTAGGED;
        parse_untagged(c, r);
        return;
    }
    if (n > IMAP_TAG_MAX || memchr(c->buf + start, '+', n)) {
        failed(c, AUTH_EPARSE, "bad tag");
        return;
    }
    r->kind = IMAP_RESP_TAGGED;
    memcpy(r->tag, c->buf + start, n);
    r->tag[n] = '\0';
    w = parse_word(c, &n);
    r->status = status_of(w, n);
    if (r->status != IMAP_ST_OK && r->status != IMAP_ST_NO && r->status != IMAP_ST_BAD) {
        failed(c, AUTH_EPARSE, "a tagged response must say OK, NO or BAD");
        return;
    }
    parse_resp_text(c, r);
}

/* Turn the parse-time indices into pointers (the pool no longer moves). */
static void link_items(struct imap_response *r, struct imap_item *pool, size_t n,
                       size_t first)
{
    for (size_t i = 0; i < n; i++) {
        pool[i].child = pool[i].child_ix == NONE ? NULL : &pool[pool[i].child_ix];
        pool[i].next = pool[i].next_ix == NONE ? NULL : &pool[pool[i].next_ix];
    }
    r->items = first == NONE ? NULL : &pool[first];
}

enum auth_status imap_response_parse(const char *buf, size_t len, size_t literal_max,
                                     struct imap_response *out, size_t *used,
                                     char *err, size_t errlen)
{
    struct imap_response r;
    struct cur c = { .buf = buf, .err = err, .errlen = errlen, .first_item = NONE };
    size_t end;
    enum auth_status st;

    *used = 0;
    if (literal_max == 0 || literal_max > IMAP_RESPONSE_MAX)
        literal_max = literal_max ? IMAP_RESPONSE_MAX : IMAP_LITERAL_MAX;
    st = frame(buf, len, literal_max, &end, err, errlen);
    if (st != AUTH_OK || end == 0)
        return st;
    memset(&r, 0, sizeof r);
    r.text = "";
    c.end = end;
    /* Every token is at most its source bytes plus a NUL. */
    c.arena = malloc(2 * end + 16);
    if (!c.arena)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    parse_head(&c, &r);
    if (c.st != AUTH_OK) {
        free(c.arena);
        free(c.pool);
        return c.st;
    }
    link_items(&r, c.pool, c.n, c.first_item);
    r.nitems = c.n;
    r.arena_ = c.arena;
    r.pool_ = c.pool;
    *out = r;
    *used = end;
    return AUTH_OK;
}

void imap_response_clear(struct imap_response *r)
{
    if (!r)
        return;
    free(r->arena_);
    free(r->pool_);
    memset(r, 0, sizeof *r);
}

bool imap_item_is(const struct imap_item *it, const char *s)
{
    return it && it->type == IMAP_ITEM_ATOM && strcasecmp(it->data, s) == 0;
}

bool imap_item_u32(const struct imap_item *it, uint32_t *v)
{
    uint64_t x = 0;

    if (!it || it->type != IMAP_ITEM_ATOM || it->len == 0 || it->len > 10)
        return false;
    for (size_t i = 0; i < it->len; i++) {
        if (!isdigit((unsigned char)it->data[i]))
            return false;
        x = x * 10 + (uint64_t)(it->data[i] - '0');
    }
    if (x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

const char *imap_status_name(enum imap_status s)
{
    static const char *const names[] = { "", "OK", "NO", "BAD", "PREAUTH", "BYE" };

    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "";
}
