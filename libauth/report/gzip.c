/*
 * gzip.c - gzip (RFC 1952) with zlib, under a hard cap on the bytes it
 * produces: a bomb stops at the cap, having used at most cap bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "report/report_int.h"

enum auth_status report_gunzip(const char *in, size_t len, size_t max, char **out,
                               size_t *outlen, char *err, size_t errlen)
{
    z_stream z;
    size_t cap = len * 4 < 65536 ? 65536 : len * 4, n = 0;
    char *buf;
    int zr;

    if (cap > max + 1)
        cap = max + 1;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    if (!(buf = malloc(cap + 1))) {
        inflateEnd(&z);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    for (;;) {
        size_t room;
        if (n == cap) {
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *p;
            if (ncap <= cap)
                break;   /* at the cap: over it */
            if (!(p = realloc(buf, ncap + 1))) {
                free(buf);
                inflateEnd(&z);
                return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
            }
            buf = p;
            cap = ncap;
        }
        room = cap - n;
        /* zlib counts in uInt: feed at most 1 GiB at a time */
        z.avail_in = (uInt)(len - (size_t)(z.next_in - (const Bytef *)in) > (1u << 30)
                                ? (1u << 30) : len - (size_t)(z.next_in - (const Bytef *)in));
        z.next_out = (Bytef *)buf + n;
        z.avail_out = (uInt)(room > (1u << 30) ? (1u << 30) : room);
        zr = inflate(&z, Z_NO_FLUSH);
        n = (size_t)((char *)z.next_out - buf);
        if (zr == Z_STREAM_END)
            break;
        if (zr != Z_OK && !(zr == Z_BUF_ERROR && n == cap)) {
            free(buf);
            inflateEnd(&z);
            return auth_fail(err, errlen, AUTH_EPARSE, "corrupt gzip data (%s)",
                             z.msg ? z.msg : zr == Z_BUF_ERROR ? "truncated" : "inflate failed");
        }
    }
    inflateEnd(&z);
    if (n > max) {
        free(buf);
        return auth_fail(err, errlen, AUTH_ELIMIT, "more than %zu MiB after decompression",
                         max >> 20);
    }
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return AUTH_OK;
}
