/*
 * send_test_imap.h - `mailctl send-test --check-imap URL`: after delivery,
 * find the test message in the recipient's mailbox (and junk folder) over
 * IMAP by its token, and report where it landed, how long it took and the
 * receiver's verdict from its Authentication-Results headers.
 */
#ifndef MAILCTL_SEND_TEST_IMAP_H
#define MAILCTL_SEND_TEST_IMAP_H

#include <stdbool.h>

#include "auth/imap.h"
#include "cmd.h"

/* Option values, far from send-test's own. */
enum { O_IMAP_URL = OPT_GLOBAL_LAST + 100, O_IMAP_PASSFILE, O_IMAP_WAIT };

#define ST_IMAP_LONGOPTS                                                   \
    {"check-imap", required_argument, NULL, O_IMAP_URL},                  \
    {"imap-password-file", required_argument, NULL, O_IMAP_PASSFILE},     \
    {"wait", required_argument, NULL, O_IMAP_WAIT}

#define ST_IMAP_USAGE                                                          \
    "         [--check-imap imaps://USER@HOST[:PORT]/[MAILBOX]\n"                \
    "          [--imap-password-file F] [--wait SECONDS]]\n"

struct st_imap {
    const char *url, *password_file;
    int wait_s;                  /* -1: not given (120) */
    /* from the URL */
    char user[256], host[256], mailbox[512];
    int port;
    enum imap_tls_mode tls;
    char *password;
};

/* Handle one of the options above: 1 when it was one (applied), 0 when
 * not, -EXIT_USAGE after printing the error. */
int st_imap_option(struct st_imap *im, int opt, const char *arg);

/* Before sending: parse the URL, read the password (--imap-password-file
 * or MAILCTL_IMAP_PASSWORD).  Returns EXIT_OK or an exit code (message
 * printed).  Does nothing when --check-imap was not given. */
int st_imap_prepare(struct st_imap *im, bool allow_plaintext);

/* Whether --check-imap was given. */
bool st_imap_wanted(const struct st_imap *im);

/* After delivery: poll for the message with token, print the report (text
 * mode) and return the "arrival" JSON object (always, for --json);
 * *rc gets the exit code: 0 arrived with dmarc=pass outside junk, 1
 * arrived failing or in junk, 3 not found in time or IMAP failed. */
json_t *st_imap_arrival(const struct st_imap *im, const char *token, bool allow_plaintext,
                        int *rc);

void st_imap_free(struct st_imap *im);

#endif
