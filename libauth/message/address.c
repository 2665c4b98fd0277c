/*
 * address.c - the one author mailbox of an RFC5322.From field (RFC 5322
 * 3.4/3.6.2, RFC 6532 for UTF-8, RFC 9989 5.3.1 for what DMARC accepts).
 *
 * Two passes over the value.  split() walks it once with a small state
 * machine (quoted strings, nested comments, angle brackets, domain literals,
 * quoted-pairs) to count the top-level mailboxes, spot group syntax and
 * unbalanced delimiters.  parse_mailbox() then takes the single mailbox
 * apart: display name, angle address (with an obsolete route skipped), and
 * the addr-spec split at its last top-level '@'.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/address.h"
#include "auth/name.h"
#include "auth/dns.h"
#include "core/people.h"

/* A growable output string bounded by the input length. */
struct sbuf {
    char *p;
    size_t n, cap;
};

static bool sb_put(struct sbuf *b, char c)
{
    if (b->n + 1 >= b->cap)
        return false;
    b->p[b->n++] = c;
    b->p[b->n] = '\0';
    return true;
}

static bool sb_init(struct sbuf *b, size_t cap)
{
    b->p = malloc(cap + 1);
    b->n = 0;
    b->cap = cap + 1;
    if (b->p)
        b->p[0] = '\0';
    return b->p != NULL;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* atext of RFC 5322 3.2.3, plus any UTF-8 byte (RFC 6532 3.2). */
static bool is_atext(unsigned char c)
{
    if (c >= 0x80)
        return true;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Skip a comment starting at s[*i] == '('; false when unbalanced or too deep. */
static bool skip_comment(const char *s, size_t n, size_t *i)
{
    int depth = 0;

    for (; *i < n; (*i)++) {
        char c = s[*i];
        if (c == '\\') {
            (*i)++;
        } else if (c == '(') {
            if (++depth > ADDRESS_MAX_NESTING)
                return false;
        } else if (c == ')') {
            if (--depth == 0) {
                (*i)++;
                return true;
            }
        }
    }
    return false;
}

/* Skip a quoted string starting at s[*i] == '"'. */
static bool skip_quoted(const char *s, size_t n, size_t *i)
{
    for ((*i)++; *i < n; (*i)++) {
        if (s[*i] == '\\')
            (*i)++;
        else if (s[*i] == '"') {
            (*i)++;
            return true;
        }
    }
    return false;
}

struct split {
    size_t count;                 /* non-empty top-level elements */
    size_t start, end;            /* the first element */
    bool group;
};

static bool element_blank(const char *s, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++) {
        if (s[i] == '(') {
            if (!skip_comment(s, b, &i))
                return false;
            i--;
        } else if (!is_ws(s[i]))
            return false;
    }
    return true;
}

static const char *split(const char *s, size_t n, struct split *sp)
{
    size_t i = 0, elem = 0;
    bool angle = false;

    memset(sp, 0, sizeof *sp);
    while (i <= n) {
        char c = i < n ? s[i] : ',';
        if (c == '(') {
            if (!skip_comment(s, n, &i))
                return N_("unbalanced or too deeply nested comment");
            continue;
        }
        if (c == '"') {
            if (!skip_quoted(s, n, &i))
                return N_("unterminated quoted string");
            continue;
        }
        if (c == '[' && i < n) {
            const char *close = memchr(s + i, ']', n - i);
            if (!close)
                return N_("unterminated domain literal");
            i = (size_t)(close - s) + 1;
            continue;
        }
        if (c == '<' && i < n) {
            if (angle)
                return "'<' inside an angle address";
            angle = true;
        } else if (c == '>' && i < n) {
            if (!angle)
                return "'>' without '<'";
            angle = false;
        } else if ((c == ':' || c == ';') && !angle && i < n) {
            sp->group = true;
        } else if (c == ',' && !angle) {
            if (!element_blank(s, elem, i)) {
                if (sp->count == 0) {
                    sp->start = elem;
                    sp->end = i;
                }
                sp->count++;
            }
            elem = i + 1;
        }
        i++;
    }
    if (angle)
        return "'<' without '>'";
    return NULL;
}

/* Copy the text of s[a..b) without comments and with quoted strings
 * unquoted into out; words separated by one space (display names) when
 * keep_space, else white space dropped (addr-spec). */
static bool strip_cfws(const char *s, size_t a, size_t b, struct sbuf *out, bool keep_space,
                       bool *had_quote)
{
    bool space = false;

    for (size_t i = a; i < b;) {
        char c = s[i];
        if (c == '(') {
            if (!skip_comment(s, b, &i))
                return false;
            space = true;
            continue;
        }
        if (is_ws(c)) {
            space = true;
            i++;
            continue;
        }
        if (space && keep_space && out->n && !sb_put(out, ' '))
            return false;
        /* addr-spec: white space only around dots (obs-local-part,
         * obs-domain), never between two parts of one word */
        if (space && !keep_space && out->n && out->p[out->n - 1] != '.' && c != '.')
            return false;
        space = false;
        if (c == '"') {
            if (had_quote)
                *had_quote = true;
            for (i++; i < b && s[i] != '"'; i++) {
                if (s[i] == '\\' && i + 1 < b)
                    i++;
                if (!sb_put(out, s[i]))
                    return false;
            }
            i++;
            continue;
        }
        if (!sb_put(out, c))
            return false;
        i++;
    }
    return true;
}

static enum auth_status fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum auth_status fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, TR(fmt), ap);
        va_end(ap);
    }
    return AUTH_EPARSE;
}

/* Last top-level '@' of s[a..b), or b when none. */
static size_t find_at(const char *s, size_t a, size_t b)
{
    size_t at = b;

    for (size_t i = a; i < b;) {
        if (s[i] == '(') {
            if (!skip_comment(s, b, &i))
                return b;
        } else if (s[i] == '"') {
            if (!skip_quoted(s, b, &i))
                return b;
        } else {
            if (s[i] == '@')
                at = i;
            i++;
        }
    }
    return at;
}

/* A printable excerpt of s for error messages (control bytes as \xNN). */
static void show(const char *s, size_t n, char *buf, size_t len)
{
    size_t o = 0, i = 0;

    for (; i < n && o + 5 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    if (i < n) {
        if (o > len - 4)
            o = len - 4;
        memcpy(buf + o, "...", 4);
        return;
    }
    buf[o] = '\0';
}

static enum auth_status parse_addr_spec(const char *s, size_t a, size_t b, struct address *ad,
                                        char *err, size_t errlen)
{
    struct sbuf local, dom;
    char shown[80], ascii[DNS_MAX_NAME + 1];
    size_t at = find_at(s, a, b);
    bool quoted = false;

    show(s + a, b - a, shown, sizeof shown);
    if (element_blank(s, a, b))
        return fail(err, errlen, "the From address is empty");
    if (at == b)
        return fail(err, errlen, "address '%s' has no domain", shown);
    if (!sb_init(&local, b - a) || !sb_init(&dom, b - a)) {
        free(local.p);
        return AUTH_ENOMEM;
    }
    ad->local = local.p;
    ad->domain = dom.p;
    if (!strip_cfws(s, a, at, &local, false, &quoted) || !strip_cfws(s, at + 1, b, &dom,
                                                                    false, NULL))
        return fail(err, errlen, "address '%s' does not parse", shown);
    if (local.n == 0)
        return fail(err, errlen, "address '%s' has an empty local part", shown);
    if (dom.n == 0)
        return fail(err, errlen, "address '%s' has no domain", shown);
    if (dom.p[0] == '[')
        return fail(err, errlen, "address '%s' has a domain literal: no DMARC policy can "
                    "apply to it", shown);
    if (strstr(dom.p, "=?"))
        return fail(err, errlen, "address '%s' has an encoded word in its domain (RFC 2047 5 "
                    "does not allow it there)", shown);
    for (size_t i = 0; i < dom.n; i++) {
        unsigned char c = (unsigned char)dom.p[i];
        if (c != '.' && !is_atext(c))
            return fail(err, errlen, "address '%s' has a byte not allowed in a domain", shown);
        if (c >= 'A' && c <= 'Z')
            dom.p[i] = (char)(c | 0x20);
    }
    if (!quoted)
        for (size_t i = 0; i < local.n; i++)
            if (local.p[i] != '.' && !is_atext((unsigned char)local.p[i]))
                return fail(err, errlen, "address '%s' has a local part that is neither an "
                            "atom nor quoted", shown);
    char why[120];
    enum auth_status st = auth_name_to_alabel(dom.p, ascii, sizeof ascii, why, sizeof why);
    if (st == AUTH_ENOMEM)
        return st;
    if (st != AUTH_OK || !strchr(ascii, '.'))
        return st != AUTH_OK
                   ? fail(err, errlen, "address '%s' has domain '%s', which is not a valid DNS "
                          "name", shown, dom.p)
                   : fail(err, errlen, "address '%s' has domain '%s', which is not a fully "
                          "qualified domain", shown, dom.p);
    ad->domain_ascii = strdup(ascii);
    return ad->domain_ascii ? AUTH_OK : AUTH_ENOMEM;
}

/* One mailbox s[a..b): name-addr or addr-spec. */
static enum auth_status parse_mailbox(const char *s, size_t a, size_t b, struct address *ad,
                                      char *err, size_t errlen)
{
    size_t lt = b, gt = b;
    char shown[80];

    for (size_t i = a; i < b;) {
        if (s[i] == '(') {
            skip_comment(s, b, &i);
        } else if (s[i] == '"') {
            skip_quoted(s, b, &i);
        } else if (s[i] == '[') {
            const char *close = memchr(s + i, ']', b - i);
            i = close ? (size_t)(close - s) + 1 : b;
        } else {
            if (s[i] == '<' && lt == b)
                lt = i;
            else if (s[i] == '>' && lt != b && gt == b)
                gt = i;
            i++;
        }
    }
    if (lt == b)
        return parse_addr_spec(s, a, b, ad, err, errlen);
    show(s + a, b - a, shown, sizeof shown);
    if (!element_blank(s, gt + 1, b))
        return fail(err, errlen, "text after the angle address in '%s'", shown);
    if (lt > a && !element_blank(s, a, lt)) {
        struct sbuf disp;
        if (!sb_init(&disp, lt - a))
            return AUTH_ENOMEM;
        ad->display = disp.p;
        if (!strip_cfws(s, a, lt, &disp, true, NULL))
            return fail(err, errlen, "display name of '%s' does not parse", shown);
    }
    size_t inner = lt + 1;
    /* obs-route: "<@relay1,@relay2:user@example.com>" */
    size_t k = inner;
    while (k < gt && is_ws(s[k]))
        k++;
    if (k < gt && s[k] == '@') {
        const char *colon = memchr(s + k, ':', gt - k);
        if (!colon)
            return fail(err, errlen, "bad source route in '%s'", shown);
        inner = (size_t)(colon - s) + 1;
    }
    return parse_addr_spec(s, inner, gt, ad, err, errlen);
}

enum auth_status auth_msg_address_parse_from(const char *value, size_t len, struct address **out,
                                    char *err, size_t errlen)
{
    struct split sp;
    struct address *ad;
    const char *why;
    enum auth_status st;

    *out = NULL;
    if (len > ADDRESS_MAX_VALUE)
        return fail(err, errlen, "From value of %zu bytes is over the %d-byte bound", len,
                    ADDRESS_MAX_VALUE);
    if (memchr(value, '\0', len))
        return fail(err, errlen, "From value holds a NUL byte");
    why = split(value, len, &sp);
    if (why)
        return fail(err, errlen, "From does not parse: %s", TR(why));
    if (sp.group)
        return fail(err, errlen, "From uses group syntax: a From field is a mailbox-list "
                    "(RFC 5322 3.6.2) and no single author domain can be taken from it");
    if (sp.count == 0)
        return fail(err, errlen, "From holds no address");
    if (sp.count > 1)
        return fail(err, errlen, "From holds %zu addresses: DMARC needs exactly one author "
                    "domain (RFC 9989 5.3.1)", sp.count);
    ad = calloc(1, sizeof *ad);
    if (!ad)
        return AUTH_ENOMEM;
    st = parse_mailbox(value, sp.start, sp.end, ad, err, errlen);
    if (st != AUTH_OK) {
        auth_msg_address_free(ad);
        return st;
    }
    *out = ad;
    return AUTH_OK;
}

enum auth_status auth_msg_address_from_headers(const char *const *values, const size_t *lens,
                                      size_t n, struct address **out,
                                      char *err, size_t errlen)
{
    *out = NULL;
    if (n == 0)
        return fail(err, errlen, "the message has no From header field");
    if (n > 1)
        return fail(err, errlen, "the message has %zu From header fields: DMARC needs "
                    "exactly one (RFC 5322 3.6, RFC 9989 5.3.1)", n);
    return auth_msg_address_parse_from(values[0], lens[0], out, err, errlen);
}

void auth_msg_address_free(struct address *a)
{
    if (!a)
        return;
    free(a->display);
    free(a->local);
    free(a->domain);
    free(a->domain_ascii);
    free(a);
}
