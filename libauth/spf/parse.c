/*
 * parse.c - SPF record parser (RFC 7208 4.5, 4.6.1, 5, 6, 7.1, 12 ABNF).
 *
 * The whole record is checked before anything is evaluated (an error in any
 * term is a permerror, RFC 7208 4.6).  Each term keeps its byte offset so a
 * message can say "column 23, 'ip4:1.2.3': ...".  Storage: one allocation of
 * three copies of the text: the original, the term texts (spaces turned
 * into NULs) and a scratch copy where names and targets get their own NULs.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "spf/spf_internal.h"
#include "core/people.h"

struct spf_record {
    char *mem;               /* the three copies */
    const char *text;
    struct spf_term *terms;
    size_t n;
    const struct spf_term *redirect, *exp, *all;
};

static const struct {
    const char *name;
    enum spf_term_kind kind;
} mechanisms[] = {
    {"all", SPF_T_ALL}, {"include", SPF_T_INCLUDE}, {"a", SPF_T_A}, {"mx", SPF_T_MX},
    {"ptr", SPF_T_PTR}, {"ip4", SPF_T_IP4}, {"ip6", SPF_T_IP6}, {"exists", SPF_T_EXISTS},
};

/* ip4-cidr-length / ip6-cidr-length: 1*DIGIT without leading zeros. */
static bool cidr_parse(const char *s, size_t n, int max, int *out)
{
    int v = 0;

    if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

/* ip4-network = qnum "." qnum "." qnum "." qnum, qnum 0..255 without
 * leading zeros. */
static bool ip4_strict(const char *s, size_t n)
{
    size_t parts = 0, i = 0;

    while (i <= n && parts < 4) {
        size_t j = i;
        int v = 0;
        while (j < n && isdigit((unsigned char)s[j]) && j - i < 4)
            v = v * 10 + (s[j++] - '0');
        if (j == i || j - i > 3 || v > 255 || (j - i > 1 && s[i] == '0'))
            return false;
        parts++;
        if (j == n)
            return parts == 4;
        if (s[j] != '.')
            return false;
        i = j + 1;
    }
    return false;
}

static enum auth_status term_error(const struct spf_term *t, size_t *errpos, char *err,
                                   size_t errlen, const char *why)
{
    if (errpos)
        *errpos = t->pos;
    return auth_fail(err, errlen, AUTH_EPARSE, "column %zu, '%.*s': %s", t->pos + 1,
                     (int)(t->len > 100 ? 100 : t->len), t->text, TR(why));
}

static enum auth_status check_target(struct spf_term *t, char *spec, size_t *errpos,
                                     char *err, size_t errlen)
{
    char why[200];

    if (spf_domain_spec_check(spec, strlen(spec), why, sizeof why) != AUTH_OK)
        return term_error(t, errpos, err, errlen, why);
    t->domain_spec = spec;
    t->has_macro = strchr(spec, '%') != NULL;
    return AUTH_OK;
}

static enum auth_status parse_modifier(struct spf_record *r, struct spf_term *t, char *b,
                                       size_t namelen, size_t *errpos, char *err,
                                       size_t errlen)
{
    char *value = b + namelen + 1;
    char why[200];

    b[namelen] = '\0';
    t->name = b;
    t->domain_spec = value;
    if (strcasecmp(b, "redirect") == 0 || strcasecmp(b, "exp") == 0) {
        bool redirect = tolower((unsigned char)b[0]) == 'r';
        const struct spf_term **slot = redirect ? &r->redirect : &r->exp;
        t->kind = redirect ? SPF_T_REDIRECT : SPF_T_EXP;
        if (*slot)
            return term_error(t, errpos, err, errlen, redirect
                              ? N_("redirect= appears more than once")
                              : N_("exp= appears more than once"));
        *slot = t;
        if (!*value)
            return term_error(t, errpos, err, errlen, N_("empty domain-spec"));
        return check_target(t, value, errpos, err, errlen);
    }
    t->kind = SPF_T_UNKNOWN_MOD;
    if (spf_macro_check(value, strlen(value), true, why, sizeof why) != AUTH_OK)
        return term_error(t, errpos, err, errlen, why);
    t->has_macro = strchr(value, '%') != NULL;
    return AUTH_OK;
}

/* a / mx: [ ":" domain-spec ] [ ip4-cidr-length ] [ "/" ip6-cidr-length ],
 * the CIDR part read from the end because a domain-spec may contain '/'. */
static enum auth_status parse_dual(struct spf_term *t, char *rest, size_t *errpos,
                                   char *err, size_t errlen)
{
    size_t end = strlen(rest), d = end;

    while (d > 0 && isdigit((unsigned char)rest[d - 1]))
        d--;
    if (d < end && d >= 2 && rest[d - 1] == '/' && rest[d - 2] == '/') {
        if (!cidr_parse(rest + d, end - d, 128, &t->cidr6))
            return term_error(t, errpos, err, errlen, N_("bad IPv6 prefix length (0-128)"));
        end = d - 2;
        for (d = end; d > 0 && isdigit((unsigned char)rest[d - 1]); d--)
            ;
    }
    if (d < end && d >= 1 && rest[d - 1] == '/') {
        if (!cidr_parse(rest + d, end - d, 32, &t->cidr4))
            return term_error(t, errpos, err, errlen, N_("bad IPv4 prefix length (0-32)"));
        end = d - 1;
    }
    rest[end] = '\0';
    if (end == 0)
        return AUTH_OK;
    if (rest[0] != ':')
        return term_error(t, errpos, err, errlen, N_("unexpected text after the mechanism name"));
    if (end == 1)
        return term_error(t, errpos, err, errlen, N_("empty domain-spec after ':'"));
    return check_target(t, rest + 1, errpos, err, errlen);
}

static enum auth_status parse_ip(struct spf_term *t, char *rest, size_t *errpos,
                                 char *err, size_t errlen)
{
    bool v6 = t->kind == SPF_T_IP6;
    char *slash;

    if (rest[0] != ':' || !rest[1])
        return term_error(t, errpos, err, errlen, v6 ? N_("ip6 needs ':' and an IPv6 network")
                                                     : N_("ip4 needs ':' and an IPv4 network"));
    rest++;
    slash = strchr(rest, '/');
    if (slash) {
        *slash = '\0';
        if (!cidr_parse(slash + 1, strlen(slash + 1), v6 ? 128 : 32,
                        v6 ? &t->cidr6 : &t->cidr4))
            return term_error(t, errpos, err, errlen, v6 ? N_("bad IPv6 prefix length (0-128)")
                                                         : N_("bad IPv4 prefix length (0-32)"));
    }
    if (v6 ? (auth_ip_parse(rest, &t->ip) != AUTH_OK || t->ip.family != AF_INET6)
           : (!ip4_strict(rest, strlen(rest)) || auth_ip_parse(rest, &t->ip) != AUTH_OK))
        return term_error(t, errpos, err, errlen, v6 ? N_("not an IPv6 address")
                                                     : N_("not an IPv4 address (a.b.c.d)"));
    t->domain_spec = rest;
    return AUTH_OK;
}

static enum auth_status parse_mechanism(struct spf_term *t, char *b, size_t *errpos,
                                        char *err, size_t errlen)
{
    const char *src = t->text;
    size_t q = 0, n, restlen;
    char *rest;

    t->qualifier = SPF_PASS;
    switch (src[0]) {
    case '+': q = 1; break;
    case '-': q = 1; t->qualifier = SPF_FAIL; break;
    case '~': q = 1; t->qualifier = SPF_SOFTFAIL; break;
    case '?': q = 1; t->qualifier = SPF_NEUTRAL; break;
    default: break;
    }
    /* scratch layout: name NUL rest NUL (t->len + 2 bytes at most) */
    n = strcspn(src + q, ":/");
    restlen = t->len - q - n;
    memcpy(b, src + q, n);
    b[n] = '\0';
    rest = b + n + 1;
    memcpy(rest, src + q + n, restlen);
    rest[restlen] = '\0';
    t->name = b;
    for (size_t i = 0; i < sizeof mechanisms / sizeof mechanisms[0]; i++) {
        if (strlen(mechanisms[i].name) == n && strncasecmp(b, mechanisms[i].name, n) == 0) {
            t->kind = mechanisms[i].kind;
            goto known;
        }
    }
    return term_error(t, errpos, err, errlen, N_("unknown mechanism"));
known:
    switch (t->kind) {
    case SPF_T_ALL:
        if (*rest)
            return term_error(t, errpos, err, errlen, N_("'all' takes no argument"));
        return AUTH_OK;
    case SPF_T_INCLUDE:
    case SPF_T_EXISTS:
        if (rest[0] != ':' || !rest[1])
            return term_error(t, errpos, err, errlen, N_("needs ':' and a domain"));
        return check_target(t, rest + 1, errpos, err, errlen);
    case SPF_T_PTR:
        if (!*rest)
            return AUTH_OK;
        if (rest[0] != ':')
            return term_error(t, errpos, err, errlen, N_("'ptr' takes only ':domain'"));
        if (!rest[1])
            return term_error(t, errpos, err, errlen, N_("empty domain-spec after ':'"));
        return check_target(t, rest + 1, errpos, err, errlen);
    case SPF_T_A:
    case SPF_T_MX:
        return parse_dual(t, rest, errpos, err, errlen);
    default:
        return parse_ip(t, rest, errpos, err, errlen);
    }
}

static enum auth_status parse_term(struct spf_record *r, struct spf_term *t, char *b,
                                   size_t *errpos, char *err, size_t errlen)
{
    size_t j = 0;

    t->cidr4 = t->cidr6 = -1;
    if (isalpha((unsigned char)b[0])) {
        j = 1;
        while (isalnum((unsigned char)b[j]) || b[j] == '-' || b[j] == '_' || b[j] == '.')
            j++;
        if (b[j] == '=')
            return parse_modifier(r, t, b, j, errpos, err, errlen);
    }
    return parse_mechanism(t, b, errpos, err, errlen);
}

static size_t count_terms(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && (i == 0 || s[i - 1] == ' '))
            n++;
    return n;
}

enum auth_status spf_record_parse(const char *text, size_t len, struct spf_record **out,
                                  size_t *errpos, char *err, size_t errlen)
{
    struct spf_record *r;
    char *a, *b;
    size_t i, nterms;
    enum auth_status st = AUTH_OK;

    *out = NULL;
    if (len > SPF_MAX_RECORD)
        return auth_fail(err, errlen, AUTH_ELIMIT, "record of %zu bytes is over %d", len,
                         SPF_MAX_RECORD);
    if (!spf_is_record((const unsigned char *)text, len)) {
        if (errpos)
            *errpos = 0;
        return auth_fail(err, errlen, AUTH_EPARSE, "column 1: does not start with 'v=spf1'");
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c > 0x7e) {
            if (errpos)
                *errpos = i;
            return auth_fail(err, errlen, AUTH_EPARSE,
                             "column %zu: byte 0x%02x is not allowed (SPF records are "
                             "printable 7-bit ASCII, terms separated by spaces)", i + 1, c);
        }
    }
    r = calloc(1, sizeof *r);
    nterms = count_terms(text + 6, len - 6);
    /* each term may need one extra byte in the scratch copy (name NUL) */
    if (!r || !(r->mem = malloc(3 * (len + 1) + nterms)) ||
        (nterms && !(r->terms = calloc(nterms, sizeof *r->terms)))) {
        spf_record_free(r);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    memcpy(r->mem, text, len);
    r->mem[len] = '\0';
    r->text = r->mem;
    a = r->mem + len + 1;
    b = a + len + 1;
    memcpy(a, text, len);
    for (i = 0; i < len; i++)
        if (a[i] == ' ')
            a[i] = '\0';
    a[len] = '\0';
    for (i = 6; i < len && st == AUTH_OK; i++) {
        if (a[i] == '\0' || (i > 6 && a[i - 1] != '\0'))
            continue;
        struct spf_term *t = &r->terms[r->n++];
        size_t tl = strlen(a + i);
        t->pos = i;
        t->len = tl;
        t->text = a + i;
        memcpy(b, a + i, tl + 1);
        st = parse_term(r, t, b, errpos, err, errlen);
        b += tl + 2;
    }
    if (st != AUTH_OK) {
        spf_record_free(r);
        return st;
    }
    for (i = 0; i < r->n; i++)
        if (r->terms[i].kind == SPF_T_ALL) {
            r->all = &r->terms[i];
            break;
        }
    *out = r;
    return AUTH_OK;
}

void spf_record_free(struct spf_record *rec)
{
    if (!rec)
        return;
    free(rec->terms);
    free(rec->mem);
    free(rec);
}

const char *spf_record_text(const struct spf_record *rec) { return rec->text; }
size_t spf_record_count(const struct spf_record *rec) { return rec->n; }
const struct spf_term *spf_record_term(const struct spf_record *rec, size_t i)
{
    return i < rec->n ? &rec->terms[i] : NULL;
}
const struct spf_term *spf_record_redirect(const struct spf_record *rec) { return rec->redirect; }
const struct spf_term *spf_record_exp(const struct spf_record *rec) { return rec->exp; }
const struct spf_term *spf_record_all(const struct spf_record *rec) { return rec->all; }
