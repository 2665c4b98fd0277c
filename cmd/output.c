/*
 * output.c - colour only on a TTY (and never with NO_COLOR or --no-color),
 * JSON rendering, and the escaping of outside data in text output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

bool out_color_enabled(void)
{
    static int cached = -2;

    if (g_opts.color >= 0)
        return g_opts.color == 1;
    if (cached == -2) {
        const char *nc = getenv("NO_COLOR");
        const char *term = getenv("TERM");
        cached = isatty(STDOUT_FILENO) && !(nc && *nc) &&
                 !(term && !strcmp(term, "dumb"));
    }
    return cached == 1;
}

#define COLOR_FN(name, seq) \
    const char *name(void) { return out_color_enabled() ? seq : ""; }
COLOR_FN(out_green, "\033[32m")
COLOR_FN(out_yellow, "\033[33m")
COLOR_FN(out_red, "\033[31m")
COLOR_FN(out_bold, "\033[1m")
COLOR_FN(out_dim, "\033[2m")
COLOR_FN(out_reset, "\033[0m")

static int dump(json_t *doc, size_t flags)
{
    int rc = json_dumpf(doc, stdout, flags) == 0 && fputc('\n', stdout) != EOF &&
             fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
    json_decref(doc);
    return rc;
}

int out_json(json_t *doc)
{
    return dump(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

int out_json_line(json_t *doc)
{
    return dump(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

json_t *json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Length of the valid UTF-8 sequence at p (at most n octets) and its code
 * point, or 0 when it is not one (overlong, surrogate, truncated). */
static size_t utf8_seq(const unsigned char *p, size_t n, unsigned *cp)
{
    size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
    unsigned v, min = len == 4 ? 0x10000 : len == 3 ? 0x800 : 0x80;

    if (!len || p[0] > 0xf4 || len > n)
        return 0;
    v = p[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* Code points a terminal acts on rather than shows: C1 controls (CSI is
 * U+009B) and the bidirectional overrides that reorder what is seen. */
static bool active_cp(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

/* Octets of s[0..n) needing no change; sets *len to the escaped length. */
static bool esc_needed(const unsigned char *s, size_t n, size_t *len)
{
    bool need = false;

    *len = 0;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t k = s[i] < 0x80 ? 1 : utf8_seq(s + i, n - i, &cp);
        if (s[i] < 0x20 || s[i] == 0x7f || k == 0) {
            *len += 4;                  /* \xHH */
            need = true;
            i++;
        } else if (k > 1 && active_cp(cp)) {
            *len += 10;                 /* \u{HHHHH} at most */
            need = true;
            i += k;
        } else {
            *len += k;
            i += k;
        }
    }
    return need;
}

const char *out_escn(const char *str, size_t n)
{
    static _Thread_local char *ring[16];
    static _Thread_local unsigned next;
    const unsigned char *s = (const unsigned char *)str;
    size_t len;
    char *o, *p;

    if (!str)
        return "";
    if (!esc_needed(s, n, &len) && str[n] == '\0')
        return str;
    if (!(o = malloc(len + 1)))
        return "(unprintable)";
    p = o;
    for (size_t i = 0; i < n;) {
        unsigned cp = 0;
        size_t k = s[i] < 0x80 ? 1 : utf8_seq(s + i, n - i, &cp);
        if (s[i] < 0x20 || s[i] == 0x7f || k == 0) {
            p += snprintf(p, len + 1 - (size_t)(p - o), "\\x%02x", s[i]);
            i++;
        } else if (k > 1 && active_cp(cp)) {
            p += snprintf(p, len + 1 - (size_t)(p - o), "\\u{%x}", cp);
            i += k;
        } else {
            memcpy(p, s + i, k);
            p += k;
            i += k;
        }
    }
    *p = '\0';
    free(ring[next]);
    ring[next] = o;
    next = (next + 1) % 16;
    return o;
}

const char *out_esc(const char *s)
{
    return s ? out_escn(s, strlen(s)) : "";
}
