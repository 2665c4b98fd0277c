/*
 * imap_int.h - internals shared by the files of libauth/imap: the client
 * structure and its I/O layer (commands out, whole responses in, through
 * the bounded parser, within a deadline per command).
 */
#ifndef LIBAUTH_IMAP_INT_H
#define LIBAUTH_IMAP_INT_H

#include "auth/imap.h"

#define IMAP_INBUF_MAX (IMAP_RESPONSE_MAX + IMAP_LINE_MAX)

struct imap_client {
    struct imap_params p;
    unsigned connect_ms, command_ms;
    struct tls_ctx *tls_ctx;
    struct net_conn *conn;
    struct tls_facts facts;
    bool have_facts;
    bool usable;                /* the connection can still carry LOGOUT */
    bool logging_out;           /* BYE is expected */

    char *inbuf;
    size_t inlen, incap;
    uint64_t bytes_in;          /* bytes of responses parsed so far */
    unsigned tagno;

    char caps[2048];            /* " CAP1 CAP2 ... " (upper case, spaces around) */
    char caps_plain[2048];      /* what was offered before TLS */
    bool login_before_tls;
    char greeting[512];
    char peer[64];

    enum imap_failure failure;
    enum net_connect_error conn_error;
    char why[400];
};

/* Called for each untagged or continuation response of a command; returns
 * AUTH_OK to go on, or a failure (already recorded with imap_failed). */
typedef enum auth_status (*imap_handler_fn)(struct imap_client *c,
                                            const struct imap_response *r, void *arg);

/* Record a failure of kind f with status st and a reason.  Returns st. */
AUTH_MUST_USE
enum auth_status imap_failed(struct imap_client *c, enum imap_failure f, enum auth_status st,
                             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Send "TAG line" and read responses until the tagged one, all within the
 * command timeout.  shown: what the transcript gets instead of line (secrets
 * masked), or NULL.  cont: the line to send when the server asks to go on
 * ("+"), or NULL (then a continuation is a protocol failure).  handler
 * (may be NULL) sees untagged data.  *status gets the tagged status and
 * *text (may be NULL) a copy of its text (caller frees).  Returns AUTH_OK
 * when the tagged response came (whatever its status). */
AUTH_MUST_USE
enum auth_status imap_command(struct imap_client *c, const char *line, const char *shown,
                              const char *cont, imap_handler_fn handler, void *arg,
                              enum imap_status *status, char **text);

/* Read one response within the deadline (the greeting). */
AUTH_MUST_USE
enum auth_status imap_read_response(struct imap_client *c, uint64_t deadline_ms,
                                    struct imap_response *r);

/* Note the capabilities listed by items (a CAPABILITY response) or by a
 * response code "CAPABILITY ...". */
void imap_caps_from_items(struct imap_client *c, const struct imap_item *it);
void imap_caps_from_code(struct imap_client *c, const char *code);

/* A command whose NO means "no such thing" (AUTH_ENOTFOUND), BAD a
 * protocol failure; what names it in the reason. */
enum auth_status imap_simple_command(struct imap_client *c, const char *line, imap_handler_fn h,
                                     void *arg, const char *what);
/* A UID SEARCH command line; the UIDs found (malloc'd, may be NULL). */
enum auth_status imap_uid_search_line(struct imap_client *c, const char *line, uint32_t **uids,
                                      size_t *n);

/* Read more bytes within deadline (AUTH_ETIMEOUT when none came; nothing
 * is recorded as a failure: IDLE waits like this). */
enum auth_status imap_fill(struct imap_client *c, uint64_t deadline, char *why, size_t wl);
/* Send one raw line (no tag) within deadline: IDLE's DONE. */
enum auth_status imap_send_line(struct imap_client *c, const char *line, uint64_t deadline);

/* Append s as an IMAP quoted string to buf; false when it does not fit or
 * holds a byte a quoted string cannot carry (CR, LF, NUL, 8-bit). */
bool imap_quote(char *buf, size_t len, const char *s);

#endif
