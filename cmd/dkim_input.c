/*
 * dkim_input.c - read a message for signing or verifying: the header block
 * is gathered (bounded) and parsed, then the body is passed on in chunks
 * and never held whole.  From a stdio stream, or from a file descriptor
 * with plain read(2) (verifying many small files: no stdio buffer, no
 * fstat, one read for a small message and one to see its end).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dkim_cmd.h"

#define CHUNK 65536
/* Room left after the body octets read with the header, reused for the
 * rest of the body when at least this big (else a CHUNK is allocated). */
#define MIN_TAIL 4096

/* Up to cap octets into dst: the count, 0 at the end; *bad set on error. */
static size_t read_some(struct msg_input *in, char *dst, size_t cap, bool *bad)
{
    ssize_t n;

    if (in->fp) {
        size_t got = fread(dst, 1, cap, in->fp);
        *bad = got == 0 && ferror(in->fp);
        in->eof = feof(in->fp) != 0;
        return got;
    }
    do
        n = read(in->fd, dst, cap);
    while (n < 0 && errno == EINTR);
    *bad = n < 0;
    in->eof = n == 0;
    return n > 0 ? (size_t)n : 0;
}

static int read_headers(struct msg_input *in)
{
    size_t max = MSG_DEFAULT_MAX_BYTES + 2;
    enum auth_status st = AUTH_ENOTFOUND;

    while (st == AUTH_ENOTFOUND) {
        size_t n;
        bool bad;
        if (in->len == in->cap) {
            char *nb;
            if (in->cap >= max) {
                snprintf(in->err, sizeof in->err, "header block is over %u octets",
                         MSG_DEFAULT_MAX_BYTES);
                return -1;
            }
            in->cap = in->cap ? in->cap * 2 : CHUNK;
            nb = realloc(in->buf, in->cap);
            if (!nb) {
                snprintf(in->err, sizeof in->err, "out of memory");
                return -1;
            }
            in->buf = nb;
        }
        n = read_some(in, in->buf + in->len, in->cap - in->len, &bad);
        in->len += n;
        st = auth_msg_header_end(in->buf, in->len, &in->hdr_len, &in->body_off);
        if (st == AUTH_ENOTFOUND && n == 0) {
            if (bad) {
                snprintf(in->err, sizeof in->err, "read error");
                return -1;
            }
            in->hdr_len = in->body_off = in->len;  /* headers only, no body */
            break;
        }
    }
    if (auth_msg_headers_parse(in->buf, in->hdr_len, NULL, &in->hdrs, in->err,
                          sizeof in->err) != AUTH_OK)
        return -1;
    return 0;
}

int msg_input_read(FILE *fp, struct msg_input *in)
{
    memset(in, 0, sizeof *in);
    in->fp = fp;
    in->fd = -1;
    return read_headers(in);
}

int msg_input_read_fd(int fd, struct msg_input *in)
{
    char *buf = in->buf;
    size_t cap = in->cap;

    memset(in, 0, sizeof *in);
    in->buf = buf;
    in->cap = cap;
    in->fd = fd;
    return read_headers(in);
}

int msg_input_body(struct msg_input *in, void (*fn)(void *ctx, const char *p, size_t n),
                   void *ctx)
{
    char *chunk = NULL;
    size_t n, cap;
    bool bad = false;

    if (in->len > in->body_off)
        fn(ctx, in->buf + in->body_off, in->len - in->body_off);
    if (in->eof)
        return 0;
    /* The header fields stay in buf[0, hdr_len) (the parsed headers point
     * there); what follows has been passed on and may be overwritten. */
    cap = in->cap - in->body_off;
    if (cap < MIN_TAIL) {
        if (!(chunk = malloc(CHUNK)))
            return -1;
        cap = CHUNK;
    }
    while ((n = read_some(in, chunk ? chunk : in->buf + in->body_off, cap, &bad)) > 0)
        fn(ctx, chunk ? chunk : in->buf + in->body_off, n);
    free(chunk);
    return bad ? -1 : 0;
}

void msg_input_release(struct msg_input *in)
{
    auth_msg_headers_free(in->hdrs);
    in->hdrs = NULL;
    in->len = in->hdr_len = in->body_off = 0;
    in->fd = -1;
}

void msg_input_free(struct msg_input *in)
{
    auth_msg_headers_free(in->hdrs);
    free(in->buf);
    memset(in, 0, sizeof *in);
    in->fd = -1;
}
