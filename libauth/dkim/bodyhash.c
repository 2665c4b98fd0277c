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
 * Speed (relaxed): the input is cut into spans the canonicalisation leaves
 * unchanged (content, lone spaces between content, CRLF after content),
 * found sixteen bytes at a time with SSE2 (eight with 64-bit words
 * elsewhere).  Long spans are output as they are (hashed in place from the
 * caller's buffer when long enough); where spans are short, because
 * whitespace runs come every few bytes, an SSE2 fast path collapses the
 * runs of a sixteen-byte window from its masks.  Only line ends, empty
 * lines and whitespace at window or chunk edges go through the state
 * machine.  tests/unit/test_dkim_parse.c checks the result against a plain
 * line-by-line reference, and fuzz_dkim_canon that chunking does not change
 * the hash.
 */
#include <stdlib.h>
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
    bool edit_runs;            /* fast path: copy runs with edits (cleanscan.c) */
    unsigned unedited;         /* pieces in a row that needed no edit */
    size_t buflen;
    unsigned char buf[BH_BUF];
};

/* Bytes that can change under relaxed canonicalisation: 1 WSP, 2 CR, 3 LF. */
static const unsigned char SPECIAL[256] = { ['\t'] = 1, [' '] = 1, ['\r'] = 2, ['\n'] = 3 };

#define BH_DIRECT 2048         /* spans this long are hashed in place */

/* The one place canonical bytes reach the digest: on this thread, or
 * handed to the hashing thread once it runs. */
static void digest(struct dkim_bodyhash *bh, const void *p, size_t n)
{
    if (bh->pipe)
        hashpipe_write(bh->pipe, p, n);
    else
        EVP_DigestUpdate(bh->md, p, n);
}

/* Hash the buffered canonical output, up to the l= limit; everything
 * counts in total. */
static void flush(struct dkim_bodyhash *bh)
{
    uint64_t room = bh->limit - bh->hashed;
    size_t take = (uint64_t)bh->buflen < room ? bh->buflen : (size_t)room;

    if (take)
        digest(bh, bh->buf, take);
    bh->hashed += take;
    bh->total += bh->buflen;
    bh->buflen = 0;
}

/* A long span straight from the input, after what is buffered. */
static void out_direct(struct dkim_bodyhash *bh, const char *p, size_t n)
{
    uint64_t room;
    size_t take;

    flush(bh);
    room = bh->limit - bh->hashed;
    take = (uint64_t)n < room ? n : (size_t)room;
    if (take)
        digest(bh, p, take);
    bh->hashed += take;
    bh->total += n;
}

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
        out_direct(bh, p, n);
        return;
    }
    if (sizeof bh->buf - bh->buflen < n)
        flush(bh);
    copy_short(bh->buf + bh->buflen, p, n);
    bh->buflen += n;
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

/* Line content (no line end in it); relaxed: after any pending space. */
static void content(struct dkim_bodyhash *bh, const char *p, size_t n)
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

/*
 * The clean-run fast path (cleanscan.c): from p[i], the bytes the
 * canonicalisation leaves as they are go to the hash straight from the
 * input, BH_PIECE at a time, so that the branch-free scan of one piece
 * runs while SHA-256 still works on the one before.  Bodies whose lines
 * end in a bare LF or (relaxed) in a space are copied with those edits
 * and hashed a piece at a time the same way.  Taken only when nothing is pending (no
 * empty lines held back, no whitespace waiting for content).  Returns
 * where the run ends.
 */
#define BH_PIECE 256

/* A run of the DKIM_CLEAN_EDITS flavour, copied a line at a time: each
 * line end becomes CRLF and, relaxed, a space before it goes.  Returns
 * whether anything changed. */
static bool out_edited(struct dkim_bodyhash *bh, const unsigned char *q, size_t len)
{
    bool relaxed = bh->canon == DKIM_CANON_RELAXED, edited = false;
    unsigned char *o;

    if (sizeof bh->buf - bh->buflen < 2 * len + 2)
        flush(bh);                             /* room for a CR per byte, at worst */
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
    flush(bh);                                 /* hashed beside the next scan */
    return edited;
}

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
                out_direct(bh, (const char *)p + i, len);
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

/* When to try the fast path again: at once after a run, further and
 * further away while tries find dirt at once (text with whitespace runs
 * every few bytes), so that failed scans cost little. */
struct retry {
    size_t at;
    unsigned misses;
};

/* Where the state machine's spans stop so that the fast path can take
 * over again: not before the next try, and not before a piece's length. */
static size_t span_limit(const struct retry *r, size_t i, size_t n)
{
    size_t lim = r->at > i + BH_PIECE ? r->at : i + BH_PIECE;

    return lim < n ? lim : n;
}

static size_t try_clean_run(struct dkim_bodyhash *bh, struct retry *r, const unsigned char *p,
                            size_t i, size_t n)
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

/*
 * Where relaxed canonicalisation may change the input: the first SP, HT,
 * CR or LF at or after i, skipping a SP followed by a content byte (a lone
 * SP stays as it is).  Sixteen bytes at a time with SSE2, eight with plain
 * 64-bit words elsewhere; returns n when there is none.
 */
#if defined(__SSE2__)
#include <emmintrin.h>

static inline unsigned candidates(const unsigned char *p, unsigned *width)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
    __m128i any = _mm_or_si128(_mm_or_si128(sp, _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))),
                               _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
    unsigned s = (unsigned)_mm_movemask_epi8(sp), a = (unsigned)_mm_movemask_epi8(any);

    *width = 16;
    return a & ~(s & ~(a >> 1) & 0x7fffu);
}
#define BH_WINDOW 16
#define BH_SHIFT 0
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* High bit of each byte of x that is zero (exact, no carries between bytes). */
static inline uint64_t zero_bytes(uint64_t x)
{
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
    return ~(((x & low7) + low7) | x | low7);
}

static inline uint64_t candidates(const unsigned char *p, unsigned *width)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t w, sp, any;

    memcpy(&w, p, 8);
    sp = zero_bytes(w ^ (ones * ' '));
    any = sp | zero_bytes(w ^ (ones * '\t')) | zero_bytes(w ^ (ones * '\r')) |
          zero_bytes(w ^ (ones * '\n'));
    *width = 8;
    return any & ~(sp & ~(any >> 8) & 0x0080808080808080ull);
}
#define BH_WINDOW 8
#define BH_SHIFT 3
#endif

static size_t next_change(const unsigned char *p, size_t i, size_t n)
{
#ifdef BH_WINDOW
    while (i + BH_WINDOW <= n) {
        unsigned w;
        uint64_t m = candidates(p + i, &w);
        if (m)
            return i + ((size_t)__builtin_ctzll(m) >> BH_SHIFT);
        i += w;
    }
#endif
    for (; i < n; i++)
        if (SPECIAL[p[i]] && !(p[i] == ' ' && i + 1 < n && !SPECIAL[p[i + 1]]))
            return i;
    return n;
}

/* End of the span starting at content byte p[s] that relaxed
 * canonicalisation leaves unchanged: it runs on over lone spaces, over a
 * CRLF that ends a line with content, and over a CR that is content. */
static size_t unchanged_span(const unsigned char *p, size_t s, size_t n)
{
    size_t i = s;

    for (;;) {
        i = next_change(p, i + 1, n);
        if (i + 1 >= n || p[i] != '\r')
            return i;
        if (p[i + 1] != '\n')
            continue;                  /* a bare CR: content */
        if (p[i - 1] == '\n')
            return i;                  /* an empty line: held back */
        i++;                           /* CRLF after content: kept */
    }
}

/* Copy the unchanged spans from content byte p[i] on, each whitespace run
 * between two of them reduced to one SP; returns where they end. */
static size_t relaxed_spans(struct dkim_bodyhash *bh, const unsigned char *p, size_t i,
                            size_t n)
{
    for (;;) {
        size_t s = i, k;

        if (sizeof bh->buf - bh->buflen < 32)
            flush(bh);
        i = unchanged_span(p, s, n);
        if (i - s <= 16 && s + 16 <= n) {
            memcpy(bh->buf + bh->buflen, p + s, 16);   /* one fixed-size move */
            bh->buflen += i - s;
        } else {
            out(bh, (const char *)p + s, i - s);
        }
        if (i == n || SPECIAL[p[i]] != 1)
            return i;
        for (k = i + 1; k < n && SPECIAL[p[k]] == 1; k++)
            ;
        if (k == n || SPECIAL[p[k]])
            return i;                  /* trailing, or the chunk ends: the caller */
        bh->buf[bh->buflen++] = ' ';
        i = k;
    }
}

#if defined(__SSE2__)
/* Copy n <= 16 bytes: one fixed 16-byte move when 16 can be read (o always
 * has the slack). */
static inline void copy_upto16(unsigned char *o, const unsigned char *src, size_t n,
                               bool can_read16)
{
    if (can_read16)
        memcpy(o, src, 16);
    else
        memcpy(o, src, n);
}

/*
 * The SSE2 fast path for the middle of a line: from content byte p[i] on,
 * sixteen bytes at a time, copies content and lone spaces as they are and
 * turns every inner whitespace run into one SP, all from the window's
 * masks.  It stops where the state machine is needed: at a CR or LF, at a
 * whitespace run that may be trailing (it touches the CR/LF) or fills a
 * window, and within sixteen bytes of the chunk's end.  Returns where it
 * stopped; what comes before is output.
 */
static size_t relaxed_fast(struct dkim_bodyhash *bh, const unsigned char *p, size_t i,
                           size_t n)
{
    const __m128i sp = _mm_set1_epi8(' '), ht = _mm_set1_epi8('\t');
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');

    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i s = _mm_cmpeq_epi8(v, sp);
        unsigned S = (unsigned)_mm_movemask_epi8(s);
        unsigned W = (unsigned)_mm_movemask_epi8(_mm_or_si128(s, _mm_cmpeq_epi8(v, ht)));
        unsigned E = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, cr),
                                                              _mm_cmpeq_epi8(v, lf)));
        unsigned lim = E ? (unsigned)__builtin_ctz(E) : 16, cur = 0;
        unsigned runs = W & ((1u << lim) - 1);
        unsigned char *o;

        if (sizeof bh->buf - bh->buflen < 64)
            flush(bh);
        o = bh->buf + bh->buflen;
        while (runs) {
            unsigned r = (unsigned)__builtin_ctz(runs);
            unsigned len = (unsigned)__builtin_ctz(~(W >> r));
            if (r + len >= lim) {      /* trailing, or on into the next window */
                if (r == 0) {
                    bh->buflen = (size_t)(o - bh->buf);
                    return i;
                }
                lim = r;
                break;
            }
            if (len == 1 && (S >> r & 1)) {
                runs &= runs - 1;      /* a lone SP stays */
                continue;
            }
            copy_upto16(o, p + i + cur, r - cur, i + cur + 16 <= n);
            o += r - cur;
            *o++ = ' ';
            cur = r + len;
            runs &= ~0u << cur;
        }
        copy_upto16(o, p + i + cur, lim - cur, i + cur + 16 <= n);
        o += lim - cur;
        bh->buflen = (size_t)(o - bh->buf);
        i += lim;
        if (lim < 16 && (E >> lim & 1))
            return i;                  /* at a CR or LF */
    }
    return i;
}
#else
static size_t relaxed_fast(struct dkim_bodyhash *bh, const unsigned char *p, size_t i,
                           size_t n)
{
    (void)bh;
    (void)p;
    (void)n;
    return i;
}
#endif

/* From content byte p[i]: a long unchanged span (plain text) is output as
 * it is, hashed in place when long enough; text with whitespace runs every
 * few bytes goes through the window-at-a-time fast path. */
static size_t relaxed_content(struct dkim_bodyhash *bh, const unsigned char *p, size_t i,
                              size_t n, size_t lim)
{
    size_t j = unchanged_span(p, i, lim);

    if (j - i >= 64) {
        out(bh, (const char *)p + i, j - i);
        return j;
    }
    i = relaxed_fast(bh, p, i, n);
    if (i < n && !SPECIAL[p[i]])
        i = relaxed_spans(bh, p, i, n);
    return i;
}

/* Relaxed canonicalisation (RFC 6376 3.4.4) of one chunk. */
static void relaxed_update(struct dkim_bodyhash *bh, const unsigned char *p, size_t n)
{
    size_t i = 0;
    struct retry r = { 0, 0 };

    while (i < n) {
        i = try_clean_run(bh, &r, p, i, n);
        if (i == n)
            break;
        switch (SPECIAL[p[i]]) {
        case 0:                        /* content: copy unchanged spans */
            if (!bh->in_line)
                begin_content(bh);
            if (bh->wsp_pending) {
                out(bh, " ", 1);
                bh->wsp_pending = false;
            }
            i = relaxed_content(bh, p, i, n, span_limit(&r, i, n));
            bh->in_line = p[i - 1] != '\n';
            break;
        case 1:                        /* a whitespace run: one SP, maybe */
            while (i < n && SPECIAL[p[i]] == 1)
                i++;
            bh->wsp_pending = true;
            break;
        case 3:                        /* bare LF */
            end_line(bh);
            i++;
            break;
        default:                       /* CR: line end, content, or unknown yet */
            if (i + 1 == n) {
                bh->cr_pending = true;
                i++;
            } else if (p[i + 1] == '\n') {
                end_line(bh);
                i += 2;
            } else {
                content(bh, "\r", 1);
                i++;
            }
        }
    }
}

/* Simple canonicalisation: only line ends change (bare LF becomes CRLF,
 * trailing empty lines are held back). */
static void simple_update(struct dkim_bodyhash *bh, const unsigned char *p, size_t n)
{
    size_t i = 0;
    struct retry r = { 0, 0 };

    while (i < n) {
        const unsigned char *nl;
        size_t end, seg;

        i = try_clean_run(bh, &r, p, i, n);
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
    bh->pipe_after = DKIM_BODYHASH_PIPELINE_AFTER;
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
        relaxed_update(bh, p + i, len - i);
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
    flush(bh);
    if (bh->canon == DKIM_CANON_SIMPLE && bh->total == 0) {
        out(bh, "\r\n", 2);            /* an empty body is one CRLF */
        flush(bh);
    }
    if (bh->pipe) {
        bool ok = hashpipe_finish(bh->pipe);
        bh->pipe = NULL;
        if (!ok)
            return AUTH_ECRYPTO;
    }
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
    if (bh->pipe)
        hashpipe_finish(bh->pipe);
    EVP_MD_CTX_free(bh->md);
    free(bh);
}

void dkim_bodyhash_set_pipeline(struct dkim_bodyhash *bh, uint64_t after)
{
    bh->pipe_after = after;
}
