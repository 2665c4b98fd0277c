/*
 * codec.c - byte-level decoding: base64 and quoted-printable (MIME
 * transfer encodings of attached reports) and UTF-8 validation/repair
 * (reporters that write Latin-1 into a document that says UTF-8).
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;   /* '-' '_': URL-safe alphabet seen in the wild */
    if (c == '/' || c == '_') return 63;
    return -1;
}

char *report_base64_decode(const char *in, size_t len, size_t max, size_t *outlen)
{
    size_t cap = len / 4 * 3 + 3, n = 0;
    unsigned acc = 0;
    int bits = 0;
    char *out;

    if (cap > max + 3)
        cap = max + 3;
    if (!(out = malloc(cap + 1)))
        return NULL;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (in[i] == '=')
            break;
        if (v < 0)
            continue;   /* line ends, spaces: skipped as RFC 2045 6.8 says */
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap || n >= max) {
                free(out);
                return NULL;
            }
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[n] = '\0';
    *outlen = n;
    return out;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

char *report_qp_decode(const char *in, size_t len, size_t *outlen)
{
    char *out = malloc(len + 1);
    size_t n = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (in[i] != '=') {
            out[n++] = in[i];
            continue;
        }
        if (i + 1 < len && in[i + 1] == '\n') {          /* soft line break */
            i += 1;
        } else if (i + 2 < len && in[i + 1] == '\r' && in[i + 2] == '\n') {
            i += 2;
        } else if (i + 2 < len && hex_value((unsigned char)in[i + 1]) >= 0 &&
                   hex_value((unsigned char)in[i + 2]) >= 0) {
            out[n++] = (char)(hex_value((unsigned char)in[i + 1]) * 16 +
                              hex_value((unsigned char)in[i + 2]));
            i += 2;
        } else {
            out[n++] = '=';
        }
    }
    out[n] = '\0';
    *outlen = n;
    return out;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
size_t report_utf8_seq(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    size_t n;
    unsigned min;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) { n = 2; min = 0x80; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 3; min = 0x800; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; min = 0x10000; cp = c & 0x07; }
    else return 0;
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

bool report_utf8_valid(const char *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)buf;

    for (size_t i = 0; i < len;) {
        uint64_t w;
        /* reports are nearly all ASCII: eight bytes at a time while so */
        if (len - i >= 8 && (memcpy(&w, p + i, 8), !(w & 0x8080808080808080u))) {
            i += 8;
            continue;
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = report_utf8_seq(p + i, len - i);
        if (!n)
            return false;
        i += n;
    }
    return true;
}

char *report_utf8_repair(const char *buf, size_t len, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)buf;
    char *out;
    size_t n = 0;

    if (len > (SIZE_MAX - 1) / 3 || !(out = malloc(len * 3 + 1)))
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t k = report_utf8_seq(p + i, len - i);
        if (k) {
            memcpy(out + n, p + i, k);
            n += k;
            i += k;
        } else {
            memcpy(out + n, "\xef\xbf\xbd", 3);   /* U+FFFD */
            n += 3;
            i++;
        }
    }
    out[n] = '\0';
    *outlen = n;
    return out;
}
