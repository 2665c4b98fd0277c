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
 *
 * Speed (docs/dkim-body-hash.md): what the canonicalisation leaves as it is
 * is hashed in place by the clean-run fast path (bodyclean.c); the rest goes
 * through the state machines (simple here, relaxed in bodyrelaxed.c); a
 * large body that needs much of that work is hashed on a second thread
 * (hashpipe.c).  tests/unit/test_dkim_parse.c checks the result against a
 * plain line-by-line reference, and fuzz_dkim_canon that chunking and the
 * thread do not change the hash.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bodyhash_int.h"

/* The one place canonical bytes reach the digest: on this thread, or
 * handed to the hashing thread once it runs. */
static void digest(struct dkim_bodyhash *bh, const void *p, size_t n)
{
    if (bh->pipe)
        hashpipe_write(bh->pipe, p, n);
    else if (!EVP_DigestUpdate(bh->md, p, n))
        bh->failed = true;
}

/* Everything counts in total; what is past the l= limit is not hashed. */
void dkim_bh_flush(struct dkim_bodyhash *bh)
{
    uint64_t room = bh->limit - bh->hashed;
    size_t take = (uint64_t)bh->buflen < room ? bh->buflen : (size_t)room;

    if (take)
        digest(bh, bh->buf, take);
    bh->hashed += take;
    bh->total += bh->buflen;
    bh->buflen = 0;
}

void dkim_bh_out_direct(struct dkim_bodyhash *bh, const char *p, size_t n)
{
    uint64_t room;
    size_t take;

    dkim_bh_flush(bh);
    room = bh->limit - bh->hashed;
    take = (uint64_t)n < room ? n : (size_t)room;
    if (take)
        digest(bh, p, take);
    bh->hashed += take;
    bh->total += n;
}

/* Simple canonicalisation: only line ends change (bare LF becomes CRLF,
 * trailing empty lines are held back). */
static void simple_update(struct dkim_bodyhash *bh, const unsigned char *p, size_t n)
{
    size_t i = 0;
    struct dkim_bh_retry r = { 0, 0 };

    while (i < n) {
        const unsigned char *nl;
        size_t end, seg;

        i = dkim_bh_try_clean_run(bh, &r, p, i, n);
        if (i == n)
            break;
        nl = memchr(p + i, '\n', n - i);
        end = nl ? (size_t)(nl - p) : n;
        seg = end - i;

        if (seg && p[end - 1] == '\r') {
            seg--;
            if (!nl)
                bh->cr_pending = true;
        }
        content(bh, (const char *)p + i, seg);
        if (!nl)
            break;
        end_line(bh);
        i = end + 1;
    }
}

enum auth_status dkim_bodyhash_new(enum dkim_canon c, enum dkim_alg a, uint64_t limit,
                                   struct dkim_bodyhash **outp)
{
    /* Not calloc: the output buffer (most of the struct) needs no zeroing,
     * and zeroing it would cost a small message more than its hash. */
    struct dkim_bodyhash *bh = malloc(sizeof *bh);

    *outp = NULL;
    if (!bh)
        return AUTH_ENOMEM;
    memset(bh, 0, offsetof(struct dkim_bodyhash, buf));
    bh->md = EVP_MD_CTX_new();
    if (!bh->md || !EVP_DigestInit_ex(bh->md, dkim_md(a),
                                      NULL)) {
        dkim_bodyhash_free(bh);
        return AUTH_ECRYPTO;
    }
    bh->canon = c;
    bh->limit = limit;
    bh->pipe_after = 0;                /* no thread unless the caller asks */
    *outp = bh;
    return AUTH_OK;
}

/*
 * Past pipe_after octets, decide once whether hashing moves to a second
 * thread.  When the fast path took nearly all of the body so far, this
 * thread already hashes at close to SHA-256 speed (the scan runs beside
 * the hash) and handing bytes over would only add copies and wake-ups;
 * when the state machine did much of the work (whitespace runs, LF-only
 * lines), overlapping it with the hash on another core pays.
 */
static void maybe_start_pipe(struct dkim_bodyhash *bh)
{
    if (bh->passed < bh->seen - bh->seen / 16)
        bh->pipe = hashpipe_start(bh->md);
    bh->pipe_after = 0;                /* decided (or not possible): once */
}

enum auth_status dkim_bodyhash_update(struct dkim_bodyhash *bh, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i = 0;

    if (!len)
        return AUTH_OK;
    if (bh->pipe_after && bh->seen >= bh->pipe_after)
        maybe_start_pipe(bh);          /* on what came before this chunk */
    bh->seen += len;
    if (bh->cr_pending) {
        bh->cr_pending = false;
        if (p[0] == '\n') {
            end_line(bh);
            i = 1;
        } else {
            content(bh, "\r", 1);
        }
    }
    if (bh->canon == DKIM_CANON_SIMPLE)
        simple_update(bh, p + i, len - i);
    else
        dkim_bh_relaxed_update(bh, p + i, len - i);
    return bh->failed ? AUTH_ECRYPTO : AUTH_OK;
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
    dkim_bh_flush(bh);
    if (bh->canon == DKIM_CANON_SIMPLE && bh->total == 0) {
        out(bh, "\r\n", 2);            /* an empty body is one CRLF */
        dkim_bh_flush(bh);
    }
    if (bh->pipe) {
        bool ok = hashpipe_finish(bh->pipe);
        bh->pipe = NULL;
        if (!ok)
            return AUTH_ECRYPTO;
    }
    if (bh->failed || !EVP_DigestFinal_ex(bh->md, md, &n))
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
    if (bh->pipe)
        hashpipe_finish(bh->pipe);
    EVP_MD_CTX_free(bh->md);
    free(bh);
}

void dkim_bodyhash_set_pipeline(struct dkim_bodyhash *bh, uint64_t after)
{
    bh->pipe_after = after;
}
