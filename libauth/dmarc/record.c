/*
 * record.c - the DMARC policy record parser (RFC 7489 6.3/6.4 and RFC 9989
 * 4.7/4.8).
 *
 * The record is a tag list "v=DMARC1; p=reject; ...".  Parsing never fails
 * on content: every invalid value becomes a problem attached to the record
 * and the tag falls back to its default, as 9989 4.8 says ("syntax errors in
 * the remainder of the record MUST be discarded in favor of default
 * values"); unknown tags are ignored and noted.  Whether the record can be
 * applied at all is decided at the end (usable, p_defaulted).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc_int.h"
#include "core/people.h"

struct parser {
    struct dmarc_record *r;
    bool oom;
    size_t tags_seen;
    bool p_invalid, sp_invalid, np_invalid;
};

void dmarc_problem_add(struct dmarc_record *r, bool *oom, enum dmarc_problem_level level,
                       const char *tag, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    struct dmarc_problem *np;

    if (*oom || r->nproblems >= 4 * DMARC_MAX_TAGS)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, TR(fmt), ap);
    va_end(ap);
    np = realloc(r->problems, (r->nproblems + 1) * sizeof *np);
    if (!np) {
        *oom = true;
        return;
    }
    r->problems = np;
    np += r->nproblems;
    np->level = level;
    np->tag = dmarc_strdup(tag, oom);
    np->message = dmarc_strdup(buf, oom);
    r->nproblems++;
}

#define problem(ps, ...) dmarc_problem_add((ps)->r, &(ps)->oom, __VA_ARGS__)

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_wsp(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_wsp((*s)[*n - 1]))
        (*n)--;
}

/* The standard a known tag belongs to; DMARC_STD_UNKNOWN otherwise. */
static enum dmarc_standard tag_standard(const char *name)
{
    static const char *const both[] = { "v", "p", "sp", "adkim", "aspf", "rua", "ruf", "fo" };
    static const char *const old[] = { "pct", "rf", "ri" };
    static const char *const bis[] = { "np", "t", "psd" };

    for (size_t i = 0; i < sizeof both / sizeof both[0]; i++)
        if (strcmp(name, both[i]) == 0)
            return DMARC_STD_BOTH;
    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++)
        if (strcmp(name, old[i]) == 0)
            return DMARC_STD_7489;
    for (size_t i = 0; i < sizeof bis / sizeof bis[0]; i++)
        if (strcmp(name, bis[i]) == 0)
            return DMARC_STD_9989;
    return DMARC_STD_UNKNOWN;
}

static bool parse_policy(const char *v, size_t n, enum dmarc_policy *out)
{
    if (dmarc_word_eq(v, n, "none"))
        *out = DMARC_POLICY_NONE;
    else if (dmarc_word_eq(v, n, "quarantine"))
        *out = DMARC_POLICY_QUARANTINE;
    else if (dmarc_word_eq(v, n, "reject"))
        *out = DMARC_POLICY_REJECT;
    else
        return false;
    return true;
}

/* Decimal digits only, value <= max. */
static bool parse_uint(const char *v, size_t n, unsigned long max, unsigned long *out)
{
    unsigned long x = 0;

    if (n == 0 || n > 10)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (unsigned long)(v[i] - '0');
    }
    if (x > max)
        return false;
    *out = x;
    return true;
}

/* fo: colon-separated 0 / 1 / d / s, each at most once, 0 and 1 exclusive. */
static bool parse_fo(const char *v, size_t n, char out[8])
{
    bool seen[4] = { false, false, false, false };
    const char *opts = "01ds";
    size_t o = 0;

    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j] != ':')
            j++;
        const char *item = v + i;
        size_t len = j - i;
        trim(&item, &len);
        const char *hit = len == 1 ? strchr(opts, item[0] | 0x20) : NULL;
        if (!hit || item[0] == '\0')
            return false;
        size_t k = (size_t)(hit - opts);
        if (seen[k])
            return false;
        seen[k] = true;
        if (o)
            out[o++] = ':';
        out[o++] = *hit;
        if (j == n)
            break;
        i = j + 1;
        if (i == n)
            return false;          /* trailing colon */
    }
    out[o] = '\0';
    return o > 0 && !(seen[0] && seen[1]);
}

static void tag_p(struct parser *ps, const char *name, const char *v, size_t n,
                  struct dmarc_tag *t)
{
    struct dmarc_record *r = ps->r;
    enum dmarc_policy *dst = strcmp(name, "p") == 0 ? &r->p
                           : strcmp(name, "sp") == 0 ? &r->sp : &r->np;

    if (parse_policy(v, n, dst))
        return;
    t->valid = false;
    if (dst == &r->p)
        ps->p_invalid = true;
    else if (dst == &r->sp)
        ps->sp_invalid = true;
    else
        ps->np_invalid = true;
    problem(ps, DMARC_PROB_ERROR, name, "%s=%s is not none, quarantine or reject",
            name, t->value);
}

static void tag_simple(struct parser *ps, const char *name, const char *v, size_t n,
                       struct dmarc_tag *t)
{
    struct dmarc_record *r = ps->r;
    unsigned long x;

    if (strcmp(name, "adkim") == 0 || strcmp(name, "aspf") == 0) {
        enum dmarc_align *dst = name[1] == 'd' ? &r->adkim : &r->aspf;
        if (n == 1 && (v[0] | 0x20) == 'r')
            *dst = DMARC_ALIGN_RELAXED;
        else if (n == 1 && (v[0] | 0x20) == 's')
            *dst = DMARC_ALIGN_STRICT;
        else {
            t->valid = false;
            problem(ps, DMARC_PROB_ERROR, name, "%s=%s is not r (relaxed) or s (strict); "
                    "relaxed applies", name, t->value);
        }
    } else if (strcmp(name, "pct") == 0) {
        if (parse_uint(v, n, 100, &x)) {
            r->pct = (int)x;
            r->pct_set = true;
        } else {
            t->valid = false;
            problem(ps, DMARC_PROB_ERROR, name, "pct=%s is not an integer from 0 to 100; "
                    "100 applies", t->value);
        }
    } else if (strcmp(name, "ri") == 0) {
        if (parse_uint(v, n, 4294967295UL, &x))
            r->ri = (uint32_t)x;
        else {
            t->valid = false;
            problem(ps, DMARC_PROB_ERROR, name, "ri=%s is not a 32-bit count of seconds",
                    t->value);
        }
    } else if (strcmp(name, "t") == 0) {
        if (n == 1 && ((v[0] | 0x20) == 'y' || (v[0] | 0x20) == 'n'))
            r->testing = (v[0] | 0x20) == 'y';
        else {
            t->valid = false;
            problem(ps, DMARC_PROB_ERROR, name, "t=%s is not y or n; n applies", t->value);
        }
    } else if (strcmp(name, "psd") == 0) {
        if (n == 1 && strchr("ynu", v[0] | 0x20) && v[0])
            r->psd = (char)(v[0] | 0x20);
        else {
            t->valid = false;
            problem(ps, DMARC_PROB_ERROR, name, "psd=%s is not y, n or u; u applies", t->value);
        }
    } else if (strcmp(name, "fo") == 0) {
        char fo[8];
        if (parse_fo(v, n, fo))
            memcpy(r->fo, fo, sizeof fo);
        else {
            t->valid = false;
            problem(ps, DMARC_PROB_ERROR, name, "fo=%s is not a colon-separated list of "
                    "0, 1, d, s (0 and 1 exclusive, each once); 0 applies", t->value);
        }
    } else if (strcmp(name, "rf") == 0) {
        /* Only afrf is defined (RFC 7489 6.3); a list may name others. */
        bool afrf = false;
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && v[j] != ':')
                j++;
            const char *item = v + i;
            size_t len = j - i;
            trim(&item, &len);
            if (dmarc_word_eq(item, len, "afrf"))
                afrf = true;
            i = j + 1;
        }
        if (!afrf) {
            t->valid = false;
            problem(ps, DMARC_PROB_ERROR, name, "rf=%s does not name afrf, the only failure "
                    "report format defined", t->value);
        } else {
            free(r->rf);
            r->rf = dmarc_strdup(t->value, &ps->oom);
        }
    }
}

/* Apply one tag=value; t is the tag's entry (valid preset to true). */
static void apply_tag(struct parser *ps, const char *name, const char *v, size_t n,
                      struct dmarc_tag *t)
{
    if (n == 0) {
        if (t->standard != DMARC_STD_UNKNOWN) {
            t->valid = false;
            if (strcmp(name, "p") == 0)
                ps->p_invalid = true;
            else if (strcmp(name, "sp") == 0)
                ps->sp_invalid = true;
            else if (strcmp(name, "np") == 0)
                ps->np_invalid = true;
            problem(ps, DMARC_PROB_ERROR, name, "%s has an empty value", name);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c > 0x7e) {
            t->valid = false;
            if (strcmp(name, "p") == 0)
                ps->p_invalid = true;
            else if (strcmp(name, "sp") == 0)
                ps->sp_invalid = true;
            else if (strcmp(name, "np") == 0)
                ps->np_invalid = true;
            problem(ps, DMARC_PROB_ERROR, name, "%s=%s holds a byte outside printable ASCII "
                    "(0x%02x)", name, t->value, c);
            return;
        }
    }
    if (strcmp(name, "p") == 0 || strcmp(name, "sp") == 0 || strcmp(name, "np") == 0)
        tag_p(ps, name, v, n, t);
    else if (strcmp(name, "rua") == 0 || strcmp(name, "ruf") == 0) {
        struct dmarc_record *r = ps->r;
        bool rua = name[2] == 'a';
        if (dmarc_uri_list_parse(r, name, v, n, rua ? &r->rua : &r->ruf,
                                 rua ? &r->nrua : &r->nruf, &ps->oom) != 0)
            t->valid = false;
    } else
        tag_simple(ps, name, v, n, t);
}

static bool blank(const char *s, size_t n)
{
    trim(&s, &n);
    return n == 0;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* "v" "=" "DMARC1" at the start of the first tag (9989 4.7: case-sensitive
 * value, and the tag must come first). */
static bool version_ok(const char *s, size_t n)
{
    trim(&s, &n);
    if (n < 1 || (s[0] != 'v' && s[0] != 'V'))
        return false;
    s++, n--;
    trim(&s, &n);
    if (n < 1 || s[0] != '=')
        return false;
    s++, n--;
    trim(&s, &n);
    return n == 6 && memcmp(s, "DMARC1", 6) == 0;
}

bool dmarc_is_record(const char *text, size_t len)
{
    size_t n = 0;

    while (n < len && text[n] != ';')
        n++;
    return version_ok(text, n);
}

/* One "name=value" segment (not the first). */
static void parse_segment(struct parser *ps, const char *s, size_t n)
{
    struct dmarc_record *r = ps->r;
    const char *eq = memchr(s, '=', n);
    char name[16];
    char *shown;

    trim(&s, &n);
    if (n == 0) {
        problem(ps, DMARC_PROB_INFO, NULL, "empty tag (two ';' in a row) ignored");
        return;
    }
    if (!eq) {
        shown = dmarc_sanitize(s, n);
        problem(ps, DMARC_PROB_ERROR, NULL, "'%s' is not a tag=value pair; ignored",
                shown ? shown : "?");
        free(shown);
        return;
    }
    const char *ns = s, *vs = eq + 1;
    size_t nn = (size_t)(eq - s), vn = n - nn - 1;
    trim(&ns, &nn);
    trim(&vs, &vn);
    bool alpha = nn > 0;
    for (size_t i = 0; i < nn; i++)
        alpha = alpha && is_alpha(ns[i]);
    if (!alpha || nn >= sizeof name) {
        shown = dmarc_sanitize(ns, nn);
        problem(ps, DMARC_PROB_ERROR, NULL, "'%s' is not a tag name (letters only); ignored",
                shown ? shown : "?");
        free(shown);
        return;
    }
    for (size_t i = 0; i < nn; i++)
        name[i] = (char)(ns[i] | 0x20);
    name[nn] = '\0';
    if (++ps->tags_seen > DMARC_MAX_TAGS) {
        if (ps->tags_seen == DMARC_MAX_TAGS + 1)
            problem(ps, DMARC_PROB_ERROR, NULL, "more than %d tags; the rest are ignored",
                    DMARC_MAX_TAGS);
        return;
    }
    struct dmarc_tag *t = &r->tags[r->ntags];
    memset(t, 0, sizeof *t);
    t->name = dmarc_strdup(name, &ps->oom);
    t->value = dmarc_sanitize(vs, vn);
    if (!t->value)
        ps->oom = true;
    t->standard = tag_standard(name);
    t->valid = true;
    r->ntags++;
    if (ps->oom)
        return;
    for (size_t i = 0; i + 1 < r->ntags; i++) {
        if (strcmp(r->tags[i].name, name) == 0) {
            t->duplicate = true;
            t->valid = false;
            problem(ps, DMARC_PROB_ERROR, name, "%s appears more than once; the first value "
                    "is used", name);
            return;
        }
    }
    if (strcmp(name, "v") == 0) {
        t->valid = false;
        problem(ps, DMARC_PROB_ERROR, name, "v must be the first tag only");
        return;
    }
    if (t->standard == DMARC_STD_UNKNOWN) {
        problem(ps, DMARC_PROB_INFO, name, "unknown tag '%s' ignored (RFC 9989 4.7)", name);
        return;
    }
    if (t->standard == DMARC_STD_7489)
        problem(ps, DMARC_PROB_INFO, name, "%s is RFC 7489 only: removed by RFC 9989, "
                "still honoured by RFC 7489 receivers", name);
    apply_tag(ps, name, vs, vn, t);
}

/* Decide whether the record applies (9989 4.10.1 / 7489 6.6.3 step 6). */
static void finish(struct parser *ps)
{
    struct dmarc_record *r = ps->r;
    bool rua_ok = false;

    for (size_t i = 0; i < r->nrua; i++)
        rua_ok = rua_ok || r->rua[i].valid;
    if (!r->dmarc)
        return;
    if (r->p == DMARC_POLICY_UNSET && !ps->p_invalid) {
        bool any_p = false;
        for (size_t i = 0; i < r->ntags; i++)
            any_p = any_p || strcmp(r->tags[i].name, "p") == 0;
        if (!any_p)
            problem(ps, DMARC_PROB_WARN, "p", "no p tag: RFC 9989 treats the record as "
                    "p=none; RFC 7489 receivers need a valid rua to do the same");
        /* 9989 4.7: an absent p in an otherwise valid record means none. */
        r->p_defaulted = true;
        r->usable = true;
        if (!ps->sp_invalid && !ps->np_invalid)
            return;
    }
    if (!ps->p_invalid && !ps->sp_invalid && !ps->np_invalid) {
        r->usable = true;
        return;
    }
    if (rua_ok) {
        r->usable = true;
        r->p_defaulted = true;
        problem(ps, DMARC_PROB_ERROR, NULL, "invalid p/sp/np with a valid rua: receivers act "
                "as if the record said p=none (RFC 9989 4.10.1)");
    } else {
        r->usable = false;
        problem(ps, DMARC_PROB_ERROR, NULL, "invalid p/sp/np and no valid rua: receivers "
                "apply no DMARC processing (RFC 9989 4.10.1)");
    }
}

enum auth_status dmarc_record_parse(const char *text, size_t len,
                                    struct dmarc_record **out,
                                    char *err, size_t errlen)
{
    struct parser ps = { 0 };
    struct dmarc_record *r;
    size_t i = 0, first = 1;

    *out = NULL;
    if (len > DMARC_MAX_RECORD)
        return auth_fail(err, errlen, AUTH_EPARSE, "DMARC record of %zu bytes is over the "
                         "%d-byte bound", len, DMARC_MAX_RECORD);
    r = calloc(1, sizeof *r);
    if (!r)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    ps.r = r;
    r->pct = 100;
    r->psd = 'u';
    r->ri = 86400;
    memcpy(r->fo, "0", 2);
    r->text = dmarc_sanitize(text, len);
    r->tags = calloc(DMARC_MAX_TAGS, sizeof *r->tags);
    if (!r->text || !r->tags)
        ps.oom = true;
    while (!ps.oom && i <= len) {
        size_t j = i;
        while (j < len && text[j] != ';')
            j++;
        if (first) {
            r->dmarc = version_ok(text + i, j - i);
            if (!r->dmarc) {
                problem(&ps, DMARC_PROB_ERROR, "v", "the record does not start with "
                        "v=DMARC1 (case-sensitive): it is not a DMARC record");
                break;
            }
            first = 0;
        } else if (j < len || !blank(text + i, j - i)) {
            parse_segment(&ps, text + i, j - i);
        }
        i = j + 1;
    }
    if (!ps.oom)
        finish(&ps);
    if (ps.oom) {
        dmarc_record_free(r);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    *out = r;
    return AUTH_OK;
}

void dmarc_record_free(struct dmarc_record *r)
{
    if (!r)
        return;
    free(r->text);
    free(r->rf);
    dmarc_uri_list_free(r->rua, r->nrua);
    dmarc_uri_list_free(r->ruf, r->nruf);
    for (size_t i = 0; i < r->ntags; i++) {
        free(r->tags[i].name);
        free(r->tags[i].value);
    }
    free(r->tags);
    for (size_t i = 0; i < r->nproblems; i++) {
        free(r->problems[i].tag);
        free(r->problems[i].message);
    }
    free(r->problems);
    free(r);
}
