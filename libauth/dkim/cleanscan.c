/*
 * cleanscan.c - how far the body canonicalisations leave the input as it is.
 *
 * Most of a large body is "clean": lines of content ending in CRLF with at
 * most single spaces between words (base64 and quoted-printable parts are
 * always so).  Both canonicalisations (RFC 6376 3.4.3, 3.4.4) pass such
 * bytes through unchanged, so bodyhash.c can hash them straight from the
 * caller's buffer.  This file finds the clean prefix 64 bytes at a time
 * from bit masks, without data-dependent branches inside a block.  That
 * matters beyond the scan's own cost: SHA-256 rounds form one long
 * dependency chain that leaves most execution units idle, and a
 * branch-free scan of the next piece runs in those units while the hash of
 * the previous one is still in flight.
 *
 * A byte is dirty (the state machine in bodyhash.c must see it) when it is
 * a bare LF (becomes CRLF), a CR at the start of a line (an empty line, may
 * be trailing), and under relaxed also a tab, a space next to other
 * whitespace, and a space before CR or LF (trailing, or before a bare CR).
 * Bodies read from Unix files end their lines in LF alone, and
 * format=flowed text (RFC 3676) ends most lines in one space; for them the
 * DKIM_CLEAN_EDITS flavour takes as clean a bare LF and, relaxed, one space
 * before a line end with content before it, which the caller edits as it
 * copies (CR added, space dropped).  A CR not before an LF is content to
 * both canonicalisations and passes in either flavour.
 */
#include <string.h>

#include "dkim_int.h"

#define BLOCK 64

struct block_masks {
    uint64_t sp, ht, cr, lf;   /* bit k: byte k of the block is that byte */
};

#if defined(__SSE2__)
#include <emmintrin.h>

static inline uint64_t eq_mask(__m128i v, char c)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

static inline void classify(const unsigned char *p, struct block_masks *m)
{
    m->sp = m->ht = m->cr = m->lf = 0;
    for (unsigned k = 0; k < BLOCK; k += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
        m->sp |= eq_mask(v, ' ') << k;
        m->ht |= eq_mask(v, '\t') << k;
        m->cr |= eq_mask(v, '\r') << k;
        m->lf |= eq_mask(v, '\n') << k;
    }
}
#else
static inline void classify(const unsigned char *p, struct block_masks *m)
{
    m->sp = m->ht = m->cr = m->lf = 0;
    for (unsigned k = 0; k < BLOCK; k++) {
        m->sp |= (uint64_t)(p[k] == ' ') << k;
        m->ht |= (uint64_t)(p[k] == '\t') << k;
        m->cr |= (uint64_t)(p[k] == '\r') << k;
        m->lf |= (uint64_t)(p[k] == '\n') << k;
    }
}
#endif

/* 1 when c is a or b, else 0: a bit for a neighbouring byte. */
static inline uint64_t is(unsigned char c, char a, char b)
{
    return (uint64_t)(c == (unsigned char)a || c == (unsigned char)b);
}

static inline uint64_t is_byte(unsigned char c, char a)
{
    return is(c, a, a);
}

/* The dirty bytes of the block at p, given the bytes either side. */
static inline uint64_t dirty(const unsigned char *p, unsigned char prev, unsigned char next,
                             unsigned flags)
{
    struct block_masks m;
    uint64_t lf_before, d;

    classify(p, &m);
    lf_before = m.lf << 1 | is_byte(prev, '\n');
    if (flags & DKIM_CLEAN_EDITS) {
        /* a CR or LF right after an LF (an empty line) */
        d = (m.lf | m.cr) & lf_before;
    } else {
        /* an LF not after CR; a CR right after an LF (an empty line) */
        uint64_t cr_before = m.cr << 1 | is_byte(prev, '\r');
        d = (m.lf & ~cr_before) | (m.cr & lf_before);
    }
    if (flags & DKIM_CLEAN_RELAXED) {
        uint64_t w = m.sp | m.ht, eol = m.cr | m.lf;
        uint64_t w_near = w << 1 | is(prev, ' ', '\t') | w >> 1 | is(next, ' ', '\t') << 63;
        uint64_t eol_after = eol >> 1 | is(next, '\r', '\n') << 63;

        /* a tab; a space next to whitespace; a space before a line end
         * (with edits: only one that would leave the line empty) */
        if (flags & DKIM_CLEAN_EDITS)
            eol_after &= lf_before;
        d |= m.ht | (m.sp & (w_near | eol_after));
    }
    return d;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_PATH 1

/*
 * Whether the block at p (p[-1] and p[64] readable) may be passed through:
 * a quick and conservative answer (a bare CR or a control byte next to a
 * space also make it "no"; dirty() then decides), in about forty AVX2
 * instructions.  Each byte is compared with the one before (x) and the one
 * after (z) from overlapping loads.
 */
__attribute__((target("avx2"), always_inline)) static inline bool
quick_clean_avx2(const unsigned char *p, unsigned flags)
{
    const __m256i cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
    const __m256i sp = _mm256_set1_epi8(' '), ht = _mm256_set1_epi8('\t');
    __m256i bad = _mm256_setzero_si256();

    for (unsigned k = 0; k < BLOCK; k += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(p + k - 1));
        __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(p + k));
        __m256i x_lf = _mm256_cmpeq_epi8(x, lf), y_cr = _mm256_cmpeq_epi8(y, cr);
        __m256i y_lf = _mm256_cmpeq_epi8(y, lf);

        if (flags & DKIM_CLEAN_EDITS) {
            /* a CR or LF right after an LF */
            bad = _mm256_or_si256(bad, _mm256_and_si256(_mm256_or_si256(y_lf, y_cr), x_lf));
        } else {
            /* LF not after CR (and CR not before LF); CR after LF */
            bad = _mm256_or_si256(bad, _mm256_xor_si256(y_lf, _mm256_cmpeq_epi8(x, cr)));
            bad = _mm256_or_si256(bad, _mm256_and_si256(y_cr, x_lf));
        }
        if (flags & DKIM_CLEAN_RELAXED) {
            __m256i z = _mm256_loadu_si256((const __m256i *)(const void *)(p + k + 1));
            __m256i z_low = _mm256_cmpeq_epi8(_mm256_min_epu8(z, sp), z);
            __m256i y_low = _mm256_cmpeq_epi8(_mm256_min_epu8(y, sp), y);

            /* a tab; a space before or after a byte <= SP (with edits: a
             * space after LF before a byte <= SP, or next to SP or tab) */
            bad = _mm256_or_si256(bad, _mm256_cmpeq_epi8(y, ht));
            if (flags & DKIM_CLEAN_EDITS) {
                __m256i z_w = _mm256_or_si256(_mm256_cmpeq_epi8(z, sp), _mm256_cmpeq_epi8(z, ht));
                __m256i y_sp = _mm256_cmpeq_epi8(y, sp);

                z_low = _mm256_and_si256(z_low, x_lf);
                bad = _mm256_or_si256(bad, _mm256_and_si256(y_sp, _mm256_or_si256(z_low, z_w)));
                bad = _mm256_or_si256(bad, _mm256_and_si256(_mm256_cmpeq_epi8(x, sp), y_sp));
            } else {
                bad = _mm256_or_si256(bad, _mm256_and_si256(_mm256_cmpeq_epi8(y, sp), z_low));
                bad = _mm256_or_si256(bad, _mm256_and_si256(_mm256_cmpeq_epi8(x, sp), y_low));
            }
        }
    }
    return _mm256_testz_si256(bad, bad);
}

/* From block p[i] (i > 0) on, past the blocks quick_clean_avx2 passes, up
 * to stop and while the byte after a block is in reach; one loop per
 * flavour so that the flags are constants inside it. */
#define QUICK_RUN(name, flags)                                                              \
    __attribute__((target("avx2"))) static size_t name(const unsigned char *p, size_t i,    \
                                                       size_t stop, size_t n)               \
    {                                                                                       \
        while (i + BLOCK < n && i < stop && quick_clean_avx2(p + i, flags))                 \
            i += BLOCK;                                                                     \
        return i;                                                                           \
    }
QUICK_RUN(quick_run_simple, 0)
QUICK_RUN(quick_run_relaxed, DKIM_CLEAN_RELAXED)
QUICK_RUN(quick_run_simple_edits, DKIM_CLEAN_EDITS)
QUICK_RUN(quick_run_relaxed_edits, DKIM_CLEAN_RELAXED | DKIM_CLEAN_EDITS)

static size_t quick_run(const unsigned char *p, size_t i, size_t stop, size_t n, unsigned flags)
{
    switch (flags) {
    case 0:
        return quick_run_simple(p, i, stop, n);
    case DKIM_CLEAN_RELAXED:
        return quick_run_relaxed(p, i, stop, n);
    case DKIM_CLEAN_EDITS:
        return quick_run_simple_edits(p, i, stop, n);
    default:
        return quick_run_relaxed_edits(p, i, stop, n);
    }
}

static bool have_avx2(void)
{
    return __builtin_cpu_supports("avx2");
}
#endif

size_t dkim_clean_prefix(const unsigned char *p, size_t i, size_t n, unsigned char prev,
                         unsigned flags, size_t max)
{
    size_t start = i, stop = n - i > max ? i + max : n;
#ifdef HAVE_AVX2_PATH
    bool quick = have_avx2();
#endif

    /* Whole blocks only, each with the byte after it in reach. */
    while (i + BLOCK < n && i < stop) {
        uint64_t d;
#ifdef HAVE_AVX2_PATH
        if (quick && i > 0) {
            i = quick_run(p, i, stop, n, flags);
            if (i + BLOCK >= n || i >= stop)
                break;
        }
#endif
        d = dirty(p + i, i ? p[i - 1] : prev, p[i + BLOCK], flags);
        if (d) {
            i += (size_t)__builtin_ctzll(d);
            break;
        }
        i += BLOCK;
    }
    /* Never stop between the CR and LF of a line end (the state machine
     * would take the LF for a bare one), nor after a space before a line
     * end (it would be passed on as content). */
    if (i > start && p[i - 1] == '\r' && i < n && p[i] == '\n')
        i--;
    if (i > start && p[i - 1] == ' ' && i < n && (p[i] == '\r' || p[i] == '\n'))
        i--;
    return i;
}
