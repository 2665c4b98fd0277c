/*
 * bodyhash.c - streaming body canonicalisation (RFC 6376 3.4.3, 3.4.4) and
 * hash, with the l= limit.
 *
 * The body is seen once, in chunks of any size; nothing is buffered beyond
 * a small output buffer batching the digest updates.  State carried between
 * chunks: empty lines not yet known to be trailing (they are emitted only
 * when a later line has content), a pending run of whitespace (relaxed), and
 * a CR at the end of a chunk whose LF may come in the next one.  CRLF and a
 * bare LF both end a line; a bare CR is content.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim.h"

struct dkim_bodyhash {
    EVP_MD_CTX *md;
    enum dkim_canon canon;
    uint64_t limit, hashed, total;
    uint64_t blank_lines;      /* empty lines held back */
    bool in_line;              /* current line has emitted content */
    bool wsp_pending;          /* relaxed: whitespace seen, not yet emitted */
    bool cr_pending;           /* chunk ended with CR */
    size_t buflen;
    unsigned char buf[16384];
};

static void flush(struct dkim_bodyhash *bh)
{
    if (bh->buflen) {
        EVP_DigestUpdate(bh->md, bh->buf, bh->buflen);
        bh->buflen = 0;
    }
}

/* Canonical output: counted in total, hashed up to the limit. */
static void out(struct dkim_bodyhash *bh, const char *p, size_t n)
{
    uint64_t room = bh->limit - bh->hashed;
    size_t take = (uint64_t)n < room ? n : (size_t)room;

    bh->total += n;
    if (!take)
        return;
    bh->hashed += take;
    if (take >= sizeof bh->buf / 2) {
        flush(bh);
        EVP_DigestUpdate(bh->md, p, take);
        return;
    }
    if (bh->buflen + take > sizeof bh->buf)
        flush(bh);
    memcpy(bh->buf + bh->buflen, p, take);
    bh->buflen += take;
}

/* Start a line's content: release the empty lines held back. */
static void begin_content(struct dkim_bodyhash *bh)
{
    if (bh->in_line)
        return;
    for (; bh->blank_lines; bh->blank_lines--)
        out(bh, "\r\n", 2);
    bh->in_line = true;
}

static void end_line(struct dkim_bodyhash *bh)
{
    if (bh->in_line) {
        out(bh, "\r\n", 2);
        bh->in_line = false;
    } else {
        bh->blank_lines++;
    }
    bh->wsp_pending = false;
}

/* Content of one line (no line end in it). */
static void content(struct dkim_bodyhash *bh, const char *p, size_t n)
{
    size_t i = 0;

    if (!n)
        return;
    if (bh->canon == DKIM_CANON_SIMPLE) {
        begin_content(bh);
        out(bh, p, n);
        return;
    }
    while (i < n) {
        size_t start = i;
        while (i < n && p[i] != ' ' && p[i] != '\t')
            i++;
        if (i > start) {
            begin_content(bh);
            if (bh->wsp_pending)
                out(bh, " ", 1);
            bh->wsp_pending = false;
            out(bh, p + start, i - start);
        }
        while (i < n && (p[i] == ' ' || p[i] == '\t')) {
            bh->wsp_pending = true;
            i++;
        }
    }
}

enum auth_status dkim_bodyhash_new(enum dkim_canon c, enum dkim_alg a, uint64_t limit,
                                   struct dkim_bodyhash **outp)
{
    struct dkim_bodyhash *bh = calloc(1, sizeof *bh);

    *outp = NULL;
    if (!bh)
        return AUTH_ENOMEM;
    bh->md = EVP_MD_CTX_new();
    if (!bh->md || !EVP_DigestInit_ex(bh->md, a == DKIM_RSA_SHA1 ? EVP_sha1() : EVP_sha256(),
                                      NULL)) {
        dkim_bodyhash_free(bh);
        return AUTH_ECRYPTO;
    }
    bh->canon = c;
    bh->limit = limit;
    *outp = bh;
    return AUTH_OK;
}

enum auth_status dkim_bodyhash_update(struct dkim_bodyhash *bh, const void *data, size_t len)
{
    const char *p = data;
    size_t i = 0;

    if (!len)
        return AUTH_OK;
    if (bh->cr_pending) {
        bh->cr_pending = false;
        if (p[0] == '\n') {
            end_line(bh);
            i = 1;
        } else {
            content(bh, "\r", 1);
        }
    }
    while (i < len) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) : len, seg = end - i;

        if (seg && p[end - 1] == '\r') {
            seg--;
            if (!nl)
                bh->cr_pending = true;
        }
        content(bh, p + i, seg);
        if (!nl)
            break;
        end_line(bh);
        i = end + 1;
    }
    return AUTH_OK;
}

enum auth_status dkim_bodyhash_final(struct dkim_bodyhash *bh, unsigned char *md,
                                     size_t *mdlen, uint64_t *canon_len)
{
    unsigned int n = 0;

    if (bh->cr_pending) {
        bh->cr_pending = false;
        content(bh, "\r", 1);
    }
    if (bh->in_line)
        end_line(bh);
    if (bh->canon == DKIM_CANON_SIMPLE && bh->total == 0)
        out(bh, "\r\n", 2);            /* an empty body is one CRLF */
    flush(bh);
    if (!EVP_DigestFinal_ex(bh->md, md, &n))
        return AUTH_ECRYPTO;
    *mdlen = n;
    if (canon_len)
        *canon_len = bh->total;
    return AUTH_OK;
}

void dkim_bodyhash_free(struct dkim_bodyhash *bh)
{
    if (!bh)
        return;
    EVP_MD_CTX_free(bh->md);
    free(bh);
}
