/*
 * bodyrelaxed.c - relaxed body canonicalisation (RFC 6376 3.4.4) where the
 * clean-run fast path cannot go: the input is cut into spans the
 * canonicalisation leaves unchanged (content, lone spaces between content,
 * CRLF after content), found sixteen bytes at a time with SSE2 (eight with
 * 64-bit words elsewhere).  Long spans are output as they are; where spans
 * are short, because whitespace runs come every few bytes, an SSE2 path
 * collapses the runs of a sixteen-byte window from its masks.  Only line
 * ends, empty lines and whitespace at window or chunk edges go through the
 * state machine.
 */
#include "bodyhash_int.h"

/* Bytes that can change under relaxed canonicalisation: 1 WSP, 2 CR, 3 LF. */
static const unsigned char SPECIAL[256] = { ['\t'] = 1, [' '] = 1, ['\r'] = 2, ['\n'] = 3 };

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
            dkim_bh_flush(bh);
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
            dkim_bh_flush(bh);
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
void dkim_bh_relaxed_update(struct dkim_bodyhash *bh, const unsigned char *p, size_t n)
{
    size_t i = 0;
    struct dkim_bh_retry r = { 0, 0 };

    while (i < n) {
        i = dkim_bh_try_clean_run(bh, &r, p, i, n);
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
            i = relaxed_content(bh, p, i, n, dkim_bh_span_limit(&r, i, n));
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
