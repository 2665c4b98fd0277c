/*
 * dkim_cmd.h - the pieces of `mailctl dkim` shared between its files and
 * the standalone dkimkeygen program.
 */
#ifndef MAILCTL_DKIM_CMD_H
#define MAILCTL_DKIM_CMD_H

#include <stdio.h>

#include "auth/dkim.h"
#include "auth/message.h"

/* `dkim keygen` / dkimkeygen: prog is the name used in messages. */
int dkim_keygen_main(int argc, char **argv, const char *prog);
/* The key pair and its files: dkim_keyfiles_stage() in auth/dkim.h, shared
 * with `mailctl setup`. */

int dkim_sign_main(int argc, char **argv);
int dkim_verify_main(int argc, char **argv);
int dkim_record_main(int argc, char **argv);

/* A message read up to the end of its header block. */
struct msg_input {
    FILE *fp;              /* the stream, or NULL when reading fd */
    int fd;
    bool eof;              /* the last read found the end */
    char *buf;             /* header block plus the body octets read with it */
    size_t len, cap;
    size_t hdr_len, body_off;
    struct msg_headers *hdrs;
    char err[200];
};

/* Read and parse the header block of fp.  0 on success, else -1 with
 * in->err set (unparseable or over the bounds). */
int msg_input_read(FILE *fp, struct msg_input *in);
/* The same from a file descriptor (read(2), no stdio); fd stays open.  in
 * is zeroed, or an input given back with msg_input_release() whose buffer
 * is used again (many messages in a row without an allocation each). */
int msg_input_read_fd(int fd, struct msg_input *in);
/* Free what msg_input_read_fd made except the buffer (msg_input_free
 * frees that too). */
void msg_input_release(struct msg_input *in);
/* Call fn on the body in chunks (what was read with the header, then the
 * rest of fp).  0, or -1 on a read error. */
int msg_input_body(struct msg_input *in, void (*fn)(void *ctx, const char *p, size_t n),
                   void *ctx);
void msg_input_free(struct msg_input *in);

#endif
