/*
 * bodyclean.c - the clean-run fast path of the body hash (its scan is in
 * cleanscan.c).  From p[i], the bytes the canonicalisation leaves as they
 * are go to the hash straight from the caller's buffer, BH_PIECE at a
 * time, so that the branch-free scan of one piece runs while SHA-256 still
 * works on the one before.  Bodies whose lines end in a bare LF or
 * (relaxed) in one space are copied with those edits and hashed a piece at
 * a time the same way.  Taken only when nothing is pending: no empty lines
 * held back, no whitespace waiting for content.
 */
#include "bodyhash_int.h"

#define BH_PIECE 256

/* A run of the DKIM_CLEAN_EDITS flavour, copied a line at a time: each
 * line end becomes CRLF and, relaxed, a space before it goes.  Returns
 * whether anything changed. */
static bool out_edited(struct dkim_bodyhash *bh, const unsigned char *q, size_t len)
{
    bool relaxed = bh->canon == DKIM_CANON_RELAXED, edited = false;
    unsigned char *o;

    if (sizeof bh->buf - bh->buflen < 2 * len + 2)
        dkim_bh_flush(bh);                     /* room for a CR per byte, at worst */
    o = bh->buf + bh->buflen;
    while (len) {
        const unsigned char *nl = memchr(q, '\n', len);
        size_t seg = nl ? (size_t)(nl - q) : len, keep = seg;

        if (nl) {
            if (keep && q[keep - 1] == '\r')
                keep--;
            else
                edited = true;                 /* a bare LF */
            if (relaxed && keep && q[keep - 1] == ' ') {
                keep--;
                edited = true;                 /* a trailing space */
            }
        }
        copy_short(o, (const char *)q, keep);
        o += keep;
        if (!nl)
            break;
        *o++ = '\r';
        *o++ = '\n';
        q += seg + 1;
        len -= seg + 1;
    }
    bh->buflen = (size_t)(o - bh->buf);
    dkim_bh_flush(bh);                         /* hashed beside the next scan */
    return edited;
}

/* The run from p[i], in pieces; returns where it ends. */
static size_t clean_run(struct dkim_bodyhash *bh, const unsigned char *p, size_t i, size_t n)
{
    unsigned char prev = bh->in_line ? 'x' : '\n';   /* stands for p[-1] */
    size_t start = i, len;

    do {
        unsigned flags = (bh->canon == DKIM_CANON_RELAXED ? DKIM_CLEAN_RELAXED : 0) |
                         (bh->edit_runs ? DKIM_CLEAN_EDITS : 0);

        len = dkim_clean_prefix(p, i, n, prev, flags, BH_PIECE) - i;
        if (bh->edit_runs) {
            /* a kilobyte with nothing to edit: back to hashing in place */
            if (out_edited(bh, p + i, len) || len < BH_PIECE - 64)
                bh->unedited = 0;
            else if (++bh->unedited == 4)
                bh->edit_runs = false;
        } else {
            bh->passed += len;                 /* copied runs count as work */
            if (len >= 64)
                dkim_bh_out_direct(bh, (const char *)p + i, len);
            else
                out(bh, (const char *)p + i, len);
        }
        i += len;
    } while (len);
    if (i > start)
        bh->in_line = p[i - 1] != '\n';
    return i;
}

/* A run hashed in place stopped at p[j]: when what stopped it is what
 * edited runs take (a bare LF, a space before a line end), take those
 * from here on.  Returns whether the flavour changed. */
static bool guess_edits(struct dkim_bodyhash *bh, const unsigned char *p, size_t j, size_t n)
{
    bool bare_lf, trailing_sp;

    if (bh->edit_runs || !j)
        return false;
    bare_lf = p[j] == '\n' && p[j - 1] != '\r';
    trailing_sp = bh->canon == DKIM_CANON_RELAXED && p[j] == ' ' && j + 1 < n &&
                  (p[j + 1] == '\r' || p[j + 1] == '\n');
    bh->edit_runs = bare_lf || trailing_sp;
    bh->unedited = 0;
    return bh->edit_runs;
}

/* Where the state machine's spans stop so that the fast path can take
 * over again: not before the next try, and not before a piece's length. */
size_t dkim_bh_span_limit(const struct dkim_bh_retry *r, size_t i, size_t n)
{
    size_t lim = r->at > i + BH_PIECE ? r->at : i + BH_PIECE;

    return lim < n ? lim : n;
}

/* A try: at once after a run, further and further away while tries find
 * dirt at once (text with whitespace runs every few bytes), so that failed
 * scans cost little. */
size_t dkim_bh_try_clean_run(struct dkim_bodyhash *bh, struct dkim_bh_retry *r,
                             const unsigned char *p, size_t i, size_t n)
{
    size_t j;
    bool switched;

    if (i < r->at || bh->blank_lines || bh->wsp_pending)
        return i;
    j = clean_run(bh, p, i, n);
    switched = j < n && guess_edits(bh, p, j, n);
    if (j - i >= 64 || switched) {
        r->misses = 0;
        r->at = j;
    } else {
        r->misses += r->misses < 6;
        r->at = j + ((size_t)64 << r->misses);
    }
    return j;
}
