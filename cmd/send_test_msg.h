/*
 * send_test_msg.h - the test message `mailctl send-test` sends: headers
 * (From, To, Subject, Date, Message-ID, a unique token), body.
 */
#ifndef MAILCTL_SEND_TEST_MSG_H
#define MAILCTL_SEND_TEST_MSG_H

#include <stddef.h>

struct st_message {
    char token[48];          /* "mailctl-<32 hex>" */
    char message_id[320];    /* "<token@domain>" */
    char *text;              /* the whole message, CRLF line ends (malloc) */
    size_t len;
};

#define ST_BODY_MAX (10u * 1024 * 1024)

/* Build the message.  body may be NULL (a default text naming the token).
 * Returns 0, or -1 with err set (subject with CR/LF, out of memory). */
int st_message_build(struct st_message *m, const char *from, const char *const *to,
                     size_t nto, const char *subject, const char *body, size_t bodylen,
                     char *err, size_t errlen);
void st_message_free(struct st_message *m);

/* Sign with DKIM: prepend a DKIM-Signature made with the private key at
 * key_path for d=domain s=selector.  Returns 0, or -1 with err set. */
int st_message_sign(struct st_message *m, const char *key_path, const char *domain,
                    const char *selector, char *err, size_t errlen);

/* Read a whole file (at most max bytes) into *out (malloc, NUL-terminated).
 * Returns 0 or -1 with err set. */
int st_read_file(const char *path, size_t max, char **out, size_t *len,
                 char *err, size_t errlen);

#endif
