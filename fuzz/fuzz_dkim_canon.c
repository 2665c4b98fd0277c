/* fuzz_dkim_canon.c - header and body canonicalisation on arbitrary bytes:
 * the body hash must not depend on how the body is chunked, nor on whether
 * a hashing thread takes over part-way. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim.h"

static void hash(enum dkim_canon c, const uint8_t *d, size_t n, size_t chunk,
                 unsigned char *md, uint64_t limit, uint64_t pipe_after)
{
    struct dkim_bodyhash *bh;
    size_t mdlen;

    if (dkim_bodyhash_new(c, DKIM_RSA_SHA256, limit, &bh) != AUTH_OK)
        abort();
    dkim_bodyhash_set_pipeline(bh, pipe_after);
    /* only crashes and sanitizer reports count: the statuses are not asked */
    for (size_t i = 0; i < n; i += chunk)
        auth_status_ignore(dkim_bodyhash_update(bh, d + i, n - i < chunk ? n - i : chunk));
    auth_status_ignore(dkim_bodyhash_final(bh, md, &mdlen, NULL));
    dkim_bodyhash_free(bh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char a[64], b[64];
    enum dkim_canon c;
    size_t chunk, cap = 2 * size + 3, n;
    uint64_t limit, pipe_after;
    char *out;

    if (size < 2)
        return 0;
    c = data[0] & 1 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
    chunk = (size_t)(data[0] >> 1) % 17 + 1;
    limit = data[1] & 1 ? (uint64_t)-1 : data[1];
    pipe_after = data[1] & 2 ? (uint64_t)(data[1] >> 2) * 8 + 1 : 0;
    data += 2;
    size -= 2;
    hash(c, data, size, size ? size : 1, a, limit, 0);
    hash(c, data, size, chunk, b, limit, pipe_after);
    if (memcmp(a, b, 32) != 0)
        __builtin_trap();
    out = malloc(cap);
    n = dkim_canon_header(c, (const char *)data, size, true, out, cap);
    if (n > cap)
        __builtin_trap();
    free(out);
    return 0;
}
