/*
 * dkim_input.c - read a message for signing or verifying: the header block
 * is gathered (bounded) and parsed, then the body is passed on in chunks
 * and never held whole.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dkim_cmd.h"

#define CHUNK 65536

int msg_input_read(FILE *fp, struct msg_input *in)
{
    size_t cap = 0, max = MSG_DEFAULT_MAX_BYTES + 2;
    enum auth_status st = AUTH_ENOTFOUND;

    memset(in, 0, sizeof *in);
    in->fp = fp;
    while (st == AUTH_ENOTFOUND) {
        size_t n;
        if (in->len == cap) {
            char *nb;
            if (cap >= max) {
                snprintf(in->err, sizeof in->err, "header block is over %u octets",
                         MSG_DEFAULT_MAX_BYTES);
                return -1;
            }
            cap = cap ? cap * 2 : CHUNK;
            nb = realloc(in->buf, cap);
            if (!nb) {
                snprintf(in->err, sizeof in->err, "out of memory");
                return -1;
            }
            in->buf = nb;
        }
        n = fread(in->buf + in->len, 1, cap - in->len, fp);
        in->len += n;
        st = msg_header_end(in->buf, in->len, &in->hdr_len, &in->body_off);
        if (st == AUTH_ENOTFOUND && n == 0) {
            if (ferror(fp)) {
                snprintf(in->err, sizeof in->err, "read error");
                return -1;
            }
            in->hdr_len = in->body_off = in->len;  /* headers only, no body */
            break;
        }
    }
    if (msg_headers_parse(in->buf, in->hdr_len, NULL, &in->hdrs, in->err,
                          sizeof in->err) != AUTH_OK)
        return -1;
    return 0;
}

int msg_input_body(struct msg_input *in, void (*fn)(void *ctx, const char *p, size_t n),
                   void *ctx)
{
    char *chunk;
    size_t n;

    if (in->len > in->body_off)
        fn(ctx, in->buf + in->body_off, in->len - in->body_off);
    if (feof(in->fp))
        return 0;
    chunk = malloc(CHUNK);
    if (!chunk)
        return -1;
    while ((n = fread(chunk, 1, CHUNK, in->fp)) > 0)
        fn(ctx, chunk, n);
    free(chunk);
    return ferror(in->fp) ? -1 : 0;
}

void msg_input_free(struct msg_input *in)
{
    msg_headers_free(in->hdrs);
    free(in->buf);
    memset(in, 0, sizeof *in);
}
