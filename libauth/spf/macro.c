/*
 * macro.c - SPF macros (RFC 7208 7): syntax check and expansion.
 *
 * Expansion appends into the caller's bounded buffer in a single pass (no
 * measure-then-write: the two passes of libspf2 disagreed and overflowed).
 * Transformers walk the value in place: the rightmost N parts forwards, or
 * the reversed list backwards, so no part array is needed and any value
 * length is handled.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "spf/spf_internal.h"

/* One "%..." token. */
struct mtok {
    char letter;          /* lower case; 0 for the literal escapes */
    char literal;         /* '%', ' ' or 0 */
    const char *lit;      /* "%", " " or "%20" */
    bool upper;           /* URL-escape the result */
    unsigned digits;      /* 0: all parts */
    bool reverse;
    char delims[8];       /* NUL-terminated set, "." by default */
};

static bool letter_ok(char c, bool explanation)
{
    if (strchr("slodipvh", c))
        return true;
    return explanation && strchr("crt", c);
}

/* Parse the token at s[0] == '%'.  Returns bytes used, or 0 with err. */
static size_t mtok_parse(const char *s, size_t len, bool explanation, struct mtok *t,
                         char *err, size_t errlen)
{
    size_t i = 2, nd = 0;

    memset(t, 0, sizeof *t);
    if (len < 2) {
        /* err holds the reason; 0 is the failure */
        auth_status_ignore(auth_fail(err, errlen, AUTH_EPARSE,
                                     "'%%' at the end of the macro string"));
        return 0;
    }
    switch (s[1]) {
    case '%': t->lit = "%"; return 2;
    case '_': t->lit = " "; return 2;
    case '-': t->lit = "%20"; return 2;
    case '{': break;
    default:
        /* err holds the reason; 0 is the failure */
        auth_status_ignore(auth_fail(err, errlen, AUTH_EPARSE,
                  "'%%' must be followed by '{', '%%', '_' or '-', not '%c'",
                  isprint((unsigned char)s[1]) ? s[1] : '?'));
        return 0;
    }
    if (i >= len || !isalpha((unsigned char)s[i]) ||
        !letter_ok((char)tolower((unsigned char)s[i]), explanation)) {
        /* err holds the reason; 0 is the failure */
        auth_status_ignore(auth_fail(err, errlen, AUTH_EPARSE, "unknown macro letter '%c'%s",
                  i < len && isprint((unsigned char)s[i]) ? s[i] : '?',
                  i < len && s[i] && strchr("crtCRT", s[i]) ? " (only allowed in explanations)" : ""));
        return 0;
    }
    t->letter = (char)tolower((unsigned char)s[i]);
    t->upper = isupper((unsigned char)s[i]) != 0;
    i++;
    if (i < len && isdigit((unsigned char)s[i])) {
        unsigned v = 0;
        while (i < len && isdigit((unsigned char)s[i])) {
            if (v < 1000)
                v = v * 10 + (unsigned)(s[i] - '0');
            i++;
        }
        if (v == 0) {
            /* err holds the reason; 0 is the failure */
            auth_status_ignore(auth_fail(err, errlen, AUTH_EPARSE,
                                         "macro digit transformer must not be zero"));
            return 0;
        }
        t->digits = v;
    }
    if (i < len && (s[i] == 'r' || s[i] == 'R')) {
        t->reverse = true;
        i++;
    }
    while (i < len && strchr(".-+,/_=", s[i]) && s[i]) {
        if (nd < sizeof t->delims - 1 && !memchr(t->delims, s[i], nd))
            t->delims[nd++] = s[i];
        i++;
    }
    if (i >= len || s[i] != '}') {
        /* err holds the reason; 0 is the failure */
        auth_status_ignore(auth_fail(err, errlen, AUTH_EPARSE,
                                     "macro '%%{%c...' is not closed by '}'", s[2]));
        return 0;
    }
    if (nd == 0)
        t->delims[0] = '.';
    return i + 1;
}

/* Walk spec, calling on_lit for literal bytes and on_macro for tokens.  Both
 * NULL is a syntax check.  *ends_macro tells whether the last token was a
 * macro-expand (for the domain-end rule). */
typedef void (*lit_fn)(void *arg, const char *s, size_t n);
typedef void (*mac_fn)(void *arg, const struct mtok *t);

static enum auth_status walk(const char *spec, size_t len, bool explanation, lit_fn on_lit,
                             mac_fn on_macro, void *arg, bool *ends_macro,
                             char *err, size_t errlen)
{
    size_t i = 0;
    bool last_macro = false;

    while (i < len) {
        unsigned char c = (unsigned char)spec[i];
        if (c == '%') {
            struct mtok t;
            size_t n = mtok_parse(spec + i, len - i, explanation, &t, err, errlen);
            if (!n)
                return AUTH_EPARSE;
            if (t.lit && on_lit)
                on_lit(arg, t.lit, strlen(t.lit));
            else if (!t.lit && on_macro)
                on_macro(arg, &t);
            i += n;
            last_macro = true;
            continue;
        }
        if (c < 0x21 || c > 0x7e) {
            if (!(explanation && c == ' '))
                return auth_fail(err, errlen, AUTH_EPARSE,
                                 "byte 0x%02x not allowed in a macro string", c);
        }
        size_t j = i + 1;
        while (j < len && spec[j] != '%' && (unsigned char)spec[j] >= 0x21 &&
               (unsigned char)spec[j] <= 0x7e)
            j++;
        if (on_lit)
            on_lit(arg, spec + i, j - i);
        i = j;
        last_macro = false;
    }
    if (ends_macro)
        *ends_macro = last_macro;
    return AUTH_OK;
}

enum auth_status spf_macro_check(const char *spec, size_t len, bool explanation,
                                 char *err, size_t errlen)
{
    return walk(spec, len, explanation, NULL, NULL, NULL, NULL, err, errlen);
}

/* toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool toplabel_ok(const char *s, size_t n)
{
    bool alpha = false, dash = false;

    if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (isalpha((unsigned char)s[i]))
            alpha = true;
        else if (s[i] == '-')
            dash = true;
        else if (!isdigit((unsigned char)s[i]))
            return false;
    }
    return alpha || dash;
}

enum auth_status spf_domain_spec_check(const char *spec, size_t len, char *err, size_t errlen)
{
    bool ends_macro = false;
    size_t n = len, dot;

    if (len == 0)
        return auth_fail(err, errlen, AUTH_EPARSE, "empty domain-spec");
    if (walk(spec, len, false, NULL, NULL, NULL, &ends_macro, err, errlen) != AUTH_OK)
        return AUTH_EPARSE;
    if (ends_macro)
        return AUTH_OK;
    if (spec[n - 1] == '.')
        n--;
    for (dot = n; dot > 0 && spec[dot - 1] != '.'; dot--)
        ;
    if (dot == 0)
        return auth_fail(err, errlen, AUTH_EPARSE,
                         "domain '%.*s' has a single label (want a name like example.com)",
                         (int)(len > 80 ? 80 : len), spec);
    if (!toplabel_ok(spec + dot, n - dot)) {
        bool numeric = n > dot;
        for (size_t i = dot; i < n; i++)
            numeric = numeric && isdigit((unsigned char)spec[i]);
        return auth_fail(err, errlen, AUTH_EPARSE,
                         "domain '%.*s' does not end in a valid top label%s",
                         (int)(len > 80 ? 80 : len), spec,
                         numeric ? " (an IP address? use ip4:/ip6:)" : "");
    }
    return AUTH_OK;
}

/* ---- expansion ---- */

struct xp {
    struct spf_buf *out;
    const struct spf_macro_env *env;
};

static void lit_out(void *arg, const char *s, size_t n)
{
    spf_buf_add(((struct xp *)arg)->out, s, n);
}

static bool unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static void emit(struct spf_buf *b, const char *s, size_t n, bool upper)
{
    static const char hex[] = "0123456789ABCDEF";

    if (!upper) {
        spf_buf_add(b, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            spf_buf_addc(b, (char)c);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            spf_buf_add(b, e, 3);
        }
    }
}

/* The value of a macro letter (into tmp when it must be built). */
static const char *letter_value(const struct spf_macro_env *env, char letter,
                                char *tmp, size_t tmplen)
{
    switch (letter) {
    case 's': return env->sender ? env->sender : "";
    case 'l': return env->local ? env->local : "";
    case 'o': return env->sender_domain ? env->sender_domain : "";
    case 'd': return env->domain ? env->domain : "";
    case 'h': return env->helo ? env->helo : "";
    case 'r': return env->receiver && *env->receiver ? env->receiver : "unknown";
    case 'p': return env->ptr_name ? env->ptr_name(env->ptr_arg) : "unknown";
    case 'v': return env->ip.family == AF_INET6 ? "ip6" : "in-addr";
    case 't': snprintf(tmp, tmplen, "%lld", env->timestamp); return tmp;
    case 'c': return auth_ip_format(&env->ip, tmp, tmplen);
    case 'i':
        if (env->ip.family == AF_INET6) {
            static const char hex[] = "0123456789ABCDEF";
            size_t k = 0;
            for (int i = 0; i < 16 && k + 4 < tmplen; i++) {
                tmp[k++] = hex[env->ip.b[i] >> 4];
                tmp[k++] = '.';
                tmp[k++] = hex[env->ip.b[i] & 15];
                tmp[k++] = '.';
            }
            tmp[k ? k - 1 : 0] = '\0';
            return tmp;
        }
        snprintf(tmp, tmplen, "%u.%u.%u.%u", env->ip.b[0], env->ip.b[1], env->ip.b[2],
                 env->ip.b[3]);
        return tmp;
    default: return "";
    }
}

static void mac_out(void *arg, const struct mtok *t)
{
    struct xp *x = arg;
    char tmp[80];
    const char *v = letter_value(x->env, t->letter, tmp, sizeof tmp);
    size_t len = strlen(v), k = 1, n, i;

    for (i = 0; i < len; i++)
        if (strchr(t->delims, v[i]))
            k++;
    n = t->digits && t->digits < k ? t->digits : k;
    if (!t->reverse) {
        /* parts k-n .. k-1, forwards */
        size_t skip = k - n, start = 0;
        for (i = 0; i < len && skip; i++)
            if (strchr(t->delims, v[i])) {
                skip--;
                start = i + 1;
            }
        for (i = start; i <= len; i++) {
            if (i == len || strchr(t->delims, v[i])) {
                emit(x->out, v + start, i - start, t->upper);
                if (i < len)
                    emit(x->out, ".", 1, t->upper);
                start = i + 1;
            }
        }
        return;
    }
    /* reversed: parts n-1 .. 0, walking backwards from the end of part n-1 */
    size_t end = len, seen = 0;
    for (i = 0; i < len; i++)
        if (strchr(t->delims, v[i]) && ++seen == n) {
            end = i;
            break;
        }
    for (size_t e = end, j = end; ; j--) {
        if (j == 0 || strchr(t->delims, v[j - 1])) {
            emit(x->out, v + j, e - j, t->upper);
            if (j == 0)
                break;
            emit(x->out, ".", 1, t->upper);
            e = j - 1;
        }
    }
}

enum auth_status spf_macro_expand(const char *spec, size_t len,
                                  const struct spf_macro_env *env, bool explanation,
                                  char *out, size_t outlen, size_t *outn,
                                  char *err, size_t errlen)
{
    struct spf_buf b;
    struct xp x = { &b, env };
    enum auth_status st;

    spf_buf_init(&b, out, outlen);
    st = walk(spec, len, explanation, lit_out, mac_out, &x, NULL, err, errlen);
    if (outn)
        *outn = b.len;
    if (st != AUTH_OK)
        return st;
    if (b.over)
        return auth_fail(err, errlen, AUTH_ELIMIT,
                         "macro expansion longer than %zu bytes", outlen ? outlen - 1 : 0);
    return AUTH_OK;
}

enum auth_status spf_macro_expand_domain(const char *spec, const struct spf_macro_env *env,
                                         char *out, size_t outlen, char *err, size_t errlen)
{
    size_t n = 0, cut = 0;
    enum auth_status st = spf_macro_expand(spec, strlen(spec), env, false, out, outlen,
                                           &n, err, errlen);
    if (st != AUTH_OK)
        return st;
    while (n > 0 && out[n - 1] == '.')
        out[--n] = '\0';
    /* RFC 7208 7.3: drop leftmost labels until the name fits in 253 */
    while (n - cut > DNS_MAX_NAME) {
        const char *dot = memchr(out + cut, '.', n - cut);
        if (!dot)
            break;
        cut = (size_t)(dot - out) + 1;
    }
    if (cut) {
        memmove(out, out + cut, n - cut + 1);
    }
    return AUTH_OK;
}
