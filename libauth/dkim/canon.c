/*
 * canon.c - RFC 6376 3.4 canonicalisation of header fields, and algorithm /
 * canonicalisation names.
 *
 * Header fields arrive raw (auth/message.h); CRLF and bare LF both count as
 * line ends, so LF-only files canonicalise like their CRLF form (as dkimpy
 * and OpenDKIM treat them).  The body side is in bodyhash.c.
 */
#include <string.h>

#include "auth/dkim.h"

const char *dkim_alg_name(enum dkim_alg a)
{
    switch (a) {
    case DKIM_RSA_SHA256: return "rsa-sha256";
    case DKIM_ED25519_SHA256: return "ed25519-sha256";
    case DKIM_RSA_SHA1: return "rsa-sha1";
    }
    return "unknown";
}

int dkim_alg_parse(const char *s, size_t len)
{
    static const enum dkim_alg all[] = { DKIM_RSA_SHA256, DKIM_ED25519_SHA256, DKIM_RSA_SHA1 };

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *n = dkim_alg_name(all[i]);
        if (strlen(n) == len && memcmp(n, s, len) == 0)
            return (int)all[i];
    }
    return -1;
}

const char *dkim_canon_name(enum dkim_canon c)
{
    return c == DKIM_CANON_RELAXED ? "relaxed" : "simple";
}

static int canon_word(const char *s, size_t len)
{
    if (len == 6 && memcmp(s, "simple", 6) == 0)
        return DKIM_CANON_SIMPLE;
    if (len == 7 && memcmp(s, "relaxed", 7) == 0)
        return DKIM_CANON_RELAXED;
    return -1;
}

enum auth_status dkim_canon_parse(const char *s, size_t len, enum dkim_canon *hc,
                                  enum dkim_canon *bc)
{
    const char *slash = memchr(s, '/', len);
    size_t hlen = slash ? (size_t)(slash - s) : len;
    int h = canon_word(s, hlen);
    int b = slash ? canon_word(slash + 1, len - hlen - 1) : DKIM_CANON_SIMPLE;

    if (h < 0 || b < 0)
        return AUTH_EPARSE;
    *hc = (enum dkim_canon)h;
    *bc = (enum dkim_canon)b;
    return AUTH_OK;
}

/* Bounded appender: counts every octet, writes those that fit. */
struct sink {
    char *out;
    size_t cap, n;
};

static void put(struct sink *k, const char *p, size_t n)
{
    if (k->n < k->cap) {
        size_t room = k->cap - k->n;
        memcpy(k->out + k->n, p, n < room ? n : room);
    }
    k->n += n;
}

/* Length of raw without its final line end (CRLF or LF). */
static size_t strip_final_eol(const char *raw, size_t len)
{
    if (len && raw[len - 1] == '\n') {
        len--;
        if (len && raw[len - 1] == '\r')
            len--;
    }
    return len;
}

static void canon_simple(struct sink *k, const char *raw, size_t len)
{
    size_t i = 0;

    /* Bare LF inside a folded field becomes CRLF. */
    while (i < len) {
        const char *nl = memchr(raw + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - raw) : len;

        put(k, raw + i, end - i);
        if (!nl)
            break;
        if (end == i || raw[end - 1] != '\r')
            put(k, "\r", 1);
        put(k, "\n", 1);
        i = end + 1;
    }
}

static bool wsp(char c)
{
    return c == ' ' || c == '\t';
}

static void canon_relaxed(struct sink *k, const char *raw, size_t len)
{
    const char *colon = memchr(raw, ':', len);
    size_t nlen, i;
    bool pending = false, started = false;

    if (!colon) {                      /* not a field: hash as is */
        put(k, raw, len);
        return;
    }
    nlen = (size_t)(colon - raw);
    while (nlen && wsp(raw[nlen - 1]))
        nlen--;
    for (i = 0; i < nlen; i++) {
        char c = raw[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        put(k, &c, 1);
    }
    put(k, ":", 1);
    for (i = (size_t)(colon - raw) + 1; i < len; i++) {
        char c = raw[i];
        if (c == '\n' || (c == '\r' && i + 1 < len && raw[i + 1] == '\n'))
            continue;                  /* unfold: drop line ends */
        if (wsp(c)) {
            pending = started;         /* WSP after the colon is dropped */
            continue;
        }
        if (pending)
            put(k, " ", 1);
        pending = false;
        started = true;
        put(k, &c, 1);
    }
}

size_t dkim_canon_header(enum dkim_canon c, const char *raw, size_t raw_len,
                         bool with_crlf, char *out, size_t outcap)
{
    struct sink k = { out, outcap, 0 };
    size_t len = strip_final_eol(raw, raw_len);

    if (c == DKIM_CANON_RELAXED)
        canon_relaxed(&k, raw, len);
    else
        canon_simple(&k, raw, len);
    if (with_crlf)
        put(&k, "\r\n", 2);
    return k.n;
}
