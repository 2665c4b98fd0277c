/*
 * send_test_arrival.h - the arrival report of `send-test --check-imap`:
 * what the IMAP poll saw (folder, time, TLS, transcript) and what the
 * delivered message's headers say (the receiver's Authentication-Results
 * verdict, Received hops, spam-score headers), as text and as the
 * "arrival" JSON object.
 */
#ifndef MAILCTL_SEND_TEST_ARRIVAL_H
#define MAILCTL_SEND_TEST_ARRIVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/tls.h"
#include "cmd.h"

struct arrival_line { char dir; char *text; };

struct arrival {
    const char *host, *mailbox;
    int port;
    bool live;                   /* print transcript lines as they come */
    bool found, in_junk;
    char folder[512], junk_folder[512];
    double seconds;
    unsigned polls;
    char error[400];
    bool tls;
    char tls_version[16], tls_cipher[64];
    bool tls_verified;
    /* from the headers */
    char authserv_id[256], spf[32], dkim[32], dmarc[32];
    json_t *auth_results;        /* parsed fields, or NULL */
    json_t *headers;             /* {"received": [...], "spam": [...], ...} or NULL */
    struct arrival_line *lines;
    size_t nlines;
};

void arrival_init(struct arrival *a, const char *host, int port, const char *mailbox,
                  bool live);
/* imap_transcript_fn: keeps (and with live prints) each line. */
void arrival_transcript(void *arg, char dir, const char *line, size_t len);
void arrival_error(struct arrival *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arrival_note_tls(struct arrival *a, const struct tls_facts *f, bool active);
void arrival_set_junk_folder(struct arrival *a, const char *name);
/* The message was found in folder; hdr is its header block. */
void arrival_found(struct arrival *a, const char *folder, const char *hdr, size_t len);
/* 0 arrived outside junk with dmarc=pass, 1 arrived otherwise, 3 not found. */
int arrival_exit_code(const struct arrival *a);
void arrival_print(const struct arrival *a);
/* The "arrival" object (new reference). */
json_t *arrival_json(const struct arrival *a);
void arrival_free(struct arrival *a);

#endif
