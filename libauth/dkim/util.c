/*
 * util.c - small helpers of the DKIM module: base64 (whitespace-tolerant
 * decode, padded encode), case-insensitive words and colon lists, and a
 * bounded growable buffer with a sticky failure flag.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim_int.h"

/* Base64 digit values; -1 for anything else, -2 for whitespace (skipped),
 * -3 for '='.  A table: b= and p= are decoded for every signature checked. */
static const signed char b64tab[256] = {
    ['\t'] = -2, ['\n'] = -2, ['\r'] = -2, [' '] = -2, ['='] = -3,
    ['+'] = 62 + 1, ['/'] = 63 + 1,
    ['0'] = 52 + 1, ['1'] = 53 + 1, ['2'] = 54 + 1, ['3'] = 55 + 1, ['4'] = 56 + 1,
    ['5'] = 57 + 1, ['6'] = 58 + 1, ['7'] = 59 + 1, ['8'] = 60 + 1, ['9'] = 61 + 1,
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7,
    ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
    ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
    ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26,
    ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33,
    ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
    ['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
};

/* value + 1 in the table so that 0 can mean "not base64" */
static int b64val(unsigned char c)
{
    int v = b64tab[c];
    return v > 0 ? v - 1 : v == 0 ? -1 : v;
}

size_t dkim_b64_decode(const char *s, size_t len, unsigned char *out, size_t outcap)
{
    unsigned long acc = 0;
    size_t n = 0, bits = 0, pad = 0;

    for (size_t i = 0; i < len; i++) {
        int v = b64val((unsigned char)s[i]);

        if (v == -2)
            continue;
        if (v == -3) {
            pad++;
            continue;
        }
        if (v < 0 || pad)
            return (size_t)-1;        /* bad character, or data after '=' */
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= outcap)
                return (size_t)-1;
            out[n++] = (unsigned char)(acc >> bits);
            acc &= (1ul << bits) - 1;
        }
    }
    if (pad > 2 || bits >= 6 || (pad && (bits / 2) != pad))
        return (size_t)-1;
    return n;
}

char *dkim_b64_encode(const unsigned char *p, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc((n + 2) / 3 * 4 + 1), *q = o;

    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16;
        if (i + 1 < n) v |= (unsigned long)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        *q++ = tab[(v >> 18) & 63];
        *q++ = tab[(v >> 12) & 63];
        *q++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *q++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *q = '\0';
    return o;
}

bool dkim_word_eq(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

static bool fws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool dkim_list_has(const char *s, size_t len, const char *word)
{
    size_t i = 0;

    while (i <= len) {
        size_t a = i, b;
        while (i < len && s[i] != ':')
            i++;
        b = i;
        while (a < b && fws(s[a])) a++;
        while (b > a && fws(s[b - 1])) b--;
        if (dkim_word_eq(s + a, b - a, word))
            return true;
        i++;
    }
    return false;
}

void dkim_buf_add(struct dkim_buf *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        char *np;

        while (ncap < b->len + n + 1)
            ncap *= 2;
        if (b->max && ncap > b->max + 1)
            ncap = b->max + 1;
        if (b->len + n + 1 > ncap || !(np = realloc(b->p, ncap))) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void dkim_buf_adds(struct dkim_buf *b, const char *s)
{
    dkim_buf_add(b, s, strlen(s));
}

void dkim_buf_free(struct dkim_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

bool dkim_identity_within(const char *i, const char *d)
{
    const char *at = strrchr(i, '@');
    size_t il, dl = strlen(d);

    if (!at)
        return false;
    at++;
    il = strlen(at);
    return (il == dl && strcasecmp(at, d) == 0) ||
           (il > dl && at[il - dl - 1] == '.' && strcasecmp(at + il - dl, d) == 0);
}

bool dkim_tag_uint(const struct dkim_tag *t, unsigned long long *out)
{
    char buf[24], *end;

    if (!t->value_len || t->value_len > 20)
        return false;
    for (size_t i = 0; i < t->value_len; i++)
        if (t->value[i] < '0' || t->value[i] > '9')
            return false;
    memcpy(buf, t->value, t->value_len);
    buf[t->value_len] = '\0';
    errno = 0;
    *out = strtoull(buf, &end, 10);
    return errno == 0 && *end == '\0';
}
