/*
 * smtp_int.h - internals shared by the files of libauth/smtp: the client
 * structure, its states, and the I/O layer (plain or TLS, with deadlines).
 */
#ifndef LIBAUTH_SMTP_INT_H
#define LIBAUTH_SMTP_INT_H

#include "auth/net.h"
#include "auth/smtp.h"
#include "auth/tls.h"

/* States of the client.  smtp_open() walks CONNECT..READY, smtp_send()
 * MAIL..READY, smtp_quit() QUIT..CLOSED; any failure goes to FAILED. */
enum smtp_state {
    ST_CONNECT, ST_TLS_IMPLICIT, ST_BANNER, ST_EHLO, ST_HELO, ST_STARTTLS,
    ST_TLS_HANDSHAKE, ST_EHLO_TLS, ST_AUTH, ST_READY,
    ST_MAIL, ST_RCPT, ST_DATA, ST_BODY, ST_DOT,
    ST_QUIT, ST_CLOSED, ST_FAILED, ST_COUNT
};

#define SMTP_INBUF (SMTP_REPLY_MAX + SMTP_LINE_MAX)

struct smtp_client {
    struct smtp_params p;
    struct smtp_timeouts t;           /* defaults applied, capped */
    enum smtp_state state;
    struct net_conn *conn;            /* NULL before the connect and after close */
    bool usable;                      /* the connection can still carry QUIT */
    struct tls_ctx *tls_ctx;
    struct tls_facts facts;
    bool have_facts;

    char inbuf[SMTP_INBUF];
    size_t inlen;
    struct smtp_reply reply;          /* the last one */
    char *banner;
    char ehlo_name[256];          /* the name the EHLO reply gives itself */

    unsigned ext, auth_mechs;
    unsigned long size_limit;

    enum smtp_failure failure;
    enum smtp_connect_error conn_error;
    enum auth_status status;
    char why[320];
    char peer[64];
    uint16_t port;
    char helo[80];

    /* the transaction in progress (borrowed from smtp_send's caller) */
    const char *from;
    const char *const *rcpts;
    size_t nrcpts, rcpt_next, rcpt_replies;
    const char *msg;
    size_t msglen;
};

/* Record a failure of kind f with status st and a reason; state FAILED.
 * Returns st. */
AUTH_MUST_USE
enum auth_status smtp_failed(struct smtp_client *c, enum smtp_failure f,
                             enum auth_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Connect to the server (params.address or every address of params.host in
 * turn) within the connect timeout; sets fd, peer, port. */
AUTH_MUST_USE
enum auth_status smtp_conn_connect(struct smtp_client *c);
/* Start TLS on the connection (implicit or after STARTTLS). */
AUTH_MUST_USE
enum auth_status smtp_conn_tls(struct smtp_client *c);
/* Send one command line (CRLF added).  shown: what the transcript gets
 * instead of line (secrets masked), or NULL for line itself. */
AUTH_MUST_USE
enum auth_status smtp_conn_command(struct smtp_client *c, const char *line,
                                   const char *shown, unsigned timeout_ms);
/* Send raw bytes (the DATA payload) in blocks, each within timeout_ms. */
AUTH_MUST_USE
enum auth_status smtp_conn_write_raw(struct smtp_client *c, const char *buf, size_t len,
                                     unsigned timeout_ms);
/* Read one reply into c->reply within timeout_ms.  more_expected: further
 * replies (pipelining) may follow in the buffer; otherwise bytes after the
 * reply are a protocol failure. */
AUTH_MUST_USE
enum auth_status smtp_conn_reply(struct smtp_client *c, unsigned timeout_ms,
                                 bool more_expected);
/* Close socket and TLS session. */
void smtp_conn_close(struct smtp_client *c);

/* Fail with the kind the last reply's code implies (4xx/5xx/unexpected). */
AUTH_MUST_USE
enum auth_status smtp_reply_failed(struct smtp_client *c, const char *what);

/* Parse the EHLO reply in c->reply into ext, auth_mechs, size_limit. */
void smtp_ehlo_parse(struct smtp_client *c);
/* The AUTH exchange (ST_AUTH). */
AUTH_MUST_USE
enum auth_status smtp_auth_run(struct smtp_client *c);

#endif
