/*
 * bodyhash_int.h - the body hash's state and output, shared by the files
 * of the streaming body canonicaliser: bodyhash.c (API, output, simple
 * canonicalisation), bodyclean.c (the clean-run fast path) and
 * bodyrelaxed.c (the relaxed state machine).  Not public.
 */
#ifndef AUTH_DKIM_BODYHASH_INT_H
#define AUTH_DKIM_BODYHASH_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "dkim_int.h"

#define BH_BUF 16384

struct dkim_bodyhash {
    EVP_MD_CTX *md;
    enum dkim_canon canon;
    uint64_t limit, hashed, total;
    uint64_t seen, pipe_after;     /* input octets so far; when to look at the pipe */
    uint64_t passed;               /* input octets the fast path hashed in place */
    struct hashpipe *pipe;         /* the hashing thread, once started */
    uint64_t blank_lines;      /* empty lines held back */
    bool in_line;              /* current line has emitted content */
    bool wsp_pending;          /* relaxed: whitespace seen, not yet emitted */
    bool cr_pending;           /* chunk ended with CR */
    bool failed;               /* sticky: a digest update failed */
    bool edit_runs;            /* fast path: copy runs with edits (cleanscan.c) */
    unsigned unedited;         /* pieces in a row that needed no edit */
    size_t buflen;
    unsigned char buf[BH_BUF];
};

#define BH_DIRECT 2048         /* spans this long are hashed in place */

/* Hash the buffered canonical output (up to the l= limit). */
void dkim_bh_flush(struct dkim_bodyhash *bh);
/* A long span straight from the input, after what is buffered. */
void dkim_bh_out_direct(struct dkim_bodyhash *bh, const char *p, size_t n);

/* memcpy of a short length known only at run time: compilers inline it
 * as `rep movs`, whose start-up costs more than copying a line of text;
 * fixed-size moves that overlap at the end cost a few cycles.  Neither
 * reads nor writes outside the n bytes. */
static inline void copy_short(unsigned char *o, const char *src, size_t n)
{
    if (n >= 32) {
        for (size_t k = 0; k + 32 < n; k += 32)
            memcpy(o + k, src + k, 32);
        memcpy(o + n - 32, src + n - 32, 32);
    } else if (n >= 16) {
        memcpy(o, src, 16);
        memcpy(o + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
        memcpy(o, src, 8);
        memcpy(o + n - 8, src + n - 8, 8);
    } else {
        for (size_t k = 0; k < n; k++)
            o[k] = (unsigned char)src[k];
    }
}

/* Canonical output. */
static inline void out(struct dkim_bodyhash *bh, const char *p, size_t n)
{
    if (n >= BH_DIRECT) {
        dkim_bh_out_direct(bh, p, n);
        return;
    }
    if (sizeof bh->buf - bh->buflen < n)
        dkim_bh_flush(bh);
    copy_short(bh->buf + bh->buflen, p, n);
    bh->buflen += n;
}

/* Start a line's content: release the empty lines held back. */
static inline void begin_content(struct dkim_bodyhash *bh)
{
    if (bh->in_line)
        return;
    for (; bh->blank_lines; bh->blank_lines--)
        out(bh, "\r\n", 2);
    bh->in_line = true;
}

static inline void end_line(struct dkim_bodyhash *bh)
{
    if (bh->in_line) {
        out(bh, "\r\n", 2);
        bh->in_line = false;
    } else {
        bh->blank_lines++;
    }
    bh->wsp_pending = false;
}

/* Line content (no line end in it); relaxed: after any pending space. */
static inline void content(struct dkim_bodyhash *bh, const char *p, size_t n)
{
    if (!n)
        return;
    begin_content(bh);
    if (bh->wsp_pending) {
        out(bh, " ", 1);
        bh->wsp_pending = false;
    }
    out(bh, p, n);
}

/* The clean-run fast path (bodyclean.c).  struct dkim_bh_retry: when to
 * try it again within a chunk; start each chunk at { 0, 0 }. */
struct dkim_bh_retry {
    size_t at;
    unsigned misses;
};
/* From p[i]: take what the fast path can (nothing when state is pending or
 * a try is not due); returns where the caller goes on. */
size_t dkim_bh_try_clean_run(struct dkim_bodyhash *bh, struct dkim_bh_retry *r,
                             const unsigned char *p, size_t i, size_t n);
/* Where the state machine's spans should stop so that the fast path can
 * take over again. */
size_t dkim_bh_span_limit(const struct dkim_bh_retry *r, size_t i, size_t n);

/* Relaxed canonicalisation (RFC 6376 3.4.4) of one chunk (bodyrelaxed.c). */
void dkim_bh_relaxed_update(struct dkim_bodyhash *bh, const unsigned char *p, size_t n);

#endif
