/*
 * send.c - one mail transaction as states of the client: MAIL FROM (with
 * SIZE, BODY=8BITMIME and SMTPUTF8 parameters as offered and needed), RCPT
 * TO for each recipient (MAIL and RCPTs pipelined when the server offers
 * PIPELINING, RFC 2920), DATA, the dot-stuffed payload, the final reply;
 * then QUIT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_int.h"

static enum auth_status write_mail(struct smtp_client *c, size_t payload)
{
    char line[SMTP_PATH_MAX + 128];
    size_t n;

    n = (size_t)snprintf(line, sizeof line, "MAIL FROM:<%s>", c->from);
    if ((c->ext & SMTP_EXT_SIZE) && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, " SIZE=%zu", payload);
    if ((c->ext & SMTP_EXT_8BITMIME) && smtp_has_8bit(c->msg, c->msglen) && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, " BODY=8BITMIME");
    if ((c->ext & SMTP_EXT_SMTPUTF8) && n < sizeof line) {
        bool utf8 = smtp_has_8bit(c->from, strlen(c->from));
        for (size_t i = 0; i < c->nrcpts; i++)
            utf8 = utf8 || smtp_has_8bit(c->rcpts[i], strlen(c->rcpts[i]));
        if (utf8)
            snprintf(line + n, sizeof line - n, " SMTPUTF8");
    }
    return smtp_conn_command(c, line, NULL, c->t.mail_ms);
}

static enum auth_status write_rcpt(struct smtp_client *c, size_t i)
{
    char line[SMTP_PATH_MAX + 16];

    snprintf(line, sizeof line, "RCPT TO:<%s>", c->rcpts[i]);
    return smtp_conn_command(c, line, NULL, c->t.rcpt_ms);
}

static enum smtp_state st_mail(struct smtp_client *c)
{
    bool pipe = c->ext & SMTP_EXT_PIPELINING;

    if (write_mail(c, c->msglen) != AUTH_OK)
        return ST_FAILED;
    c->rcpt_next = 0;
    c->rcpt_replies = 0;
    if (pipe)
        for (; c->rcpt_next < c->nrcpts; c->rcpt_next++)
            if (write_rcpt(c, c->rcpt_next) != AUTH_OK)
                return ST_FAILED;
    if (smtp_conn_reply(c, c->t.mail_ms, pipe && c->nrcpts > 0) != AUTH_OK)
        return ST_FAILED;
    if (c->reply.code != 250) {
        /* the failure is recorded in c; ST_FAILED follows */
        auth_status_ignore(smtp_reply_failed(c, "MAIL FROM"));
        return ST_FAILED;
    }
    return ST_RCPT;
}

static enum smtp_state st_rcpt(struct smtp_client *c)
{
    while (c->rcpt_replies < c->nrcpts) {
        size_t i = c->rcpt_replies;
        if (c->rcpt_next == i) {
            if (write_rcpt(c, i) != AUTH_OK)
                return ST_FAILED;
            c->rcpt_next++;
        }
        if (smtp_conn_reply(c, c->t.rcpt_ms, c->rcpt_next > i + 1) != AUTH_OK)
            return ST_FAILED;
        c->rcpt_replies++;
        if (c->reply.code != 250 && c->reply.code != 251) {
            char what[SMTP_PATH_MAX + 16];
            snprintf(what, sizeof what, "RCPT TO:<%s>", c->rcpts[i]);
            /* the failure is recorded in c; ST_FAILED follows */
            auth_status_ignore(smtp_reply_failed(c, what));
            return ST_FAILED;
        }
    }
    return ST_DATA;
}

static enum smtp_state st_data(struct smtp_client *c)
{
    if (smtp_conn_command(c, "DATA", NULL, c->t.data_init_ms) != AUTH_OK ||
        smtp_conn_reply(c, c->t.data_init_ms, false) != AUTH_OK)
        return ST_FAILED;
    if (c->reply.code != 354) {
        /* the failure is recorded in c; ST_FAILED follows */
        auth_status_ignore(smtp_reply_failed(c, "DATA"));
        return ST_FAILED;
    }
    return ST_BODY;
}

static enum smtp_state st_body(struct smtp_client *c)
{
    char *payload;
    size_t len;
    enum auth_status st = smtp_dot_stuff(c->msg, c->msglen, &payload, &len);

    if (st != AUTH_OK) {
        /* the failure is recorded in c; ST_FAILED follows */
        auth_status_ignore(smtp_failed(c, SMTP_FAIL_LOCAL, st, "cannot prepare the message: %s",
                    auth_strerror(st)));
        return ST_FAILED;
    }
    st = smtp_conn_write_raw(c, payload, len, c->t.data_block_ms);
    free(payload);
    if (st != AUTH_OK)
        return ST_FAILED;
    if (c->p.transcript) {
        char note[96];
        int n = snprintf(note, sizeof note, "[message: %zu bytes]", c->msglen);
        c->p.transcript(c->p.transcript_arg, 'C', note, (size_t)n);
        c->p.transcript(c->p.transcript_arg, 'C', ".", 1);
    }
    return ST_DOT;
}

static enum smtp_state st_dot(struct smtp_client *c)
{
    if (smtp_conn_reply(c, c->t.data_term_ms, false) != AUTH_OK)
        return ST_FAILED;
    if (c->reply.code != 250) {
        /* the failure is recorded in c; ST_FAILED follows */
        auth_status_ignore(smtp_reply_failed(c, "end of DATA"));
        return ST_FAILED;
    }
    return ST_READY;
}

typedef enum smtp_state (*step_fn)(struct smtp_client *c);

static const step_fn send_steps[ST_COUNT] = {
    [ST_MAIL] = st_mail,
    [ST_RCPT] = st_rcpt,
    [ST_DATA] = st_data,
    [ST_BODY] = st_body,
    [ST_DOT] = st_dot,
};

enum auth_status smtp_send(struct smtp_client *c, const char *from,
                           const char *const *rcpts, size_t nrcpts,
                           const char *msg, size_t msglen)
{
    char err[200];

    if (c->state != ST_READY)
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EINVAL, "the session is not ready");
    if (nrcpts == 0 || nrcpts > SMTP_MAX_RCPTS)
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EINVAL, "between 1 and %d recipients",
                           SMTP_MAX_RCPTS);
    if (smtp_address_check(from, true, true, err, sizeof err) != AUTH_OK)
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EINVAL, "sender: %s", err);
    for (size_t i = 0; i < nrcpts; i++)
        if (smtp_address_check(rcpts[i], false, true, err, sizeof err) != AUTH_OK)
            return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EINVAL, "recipient: %s", err);
    if (smtp_has_8bit(from, strlen(from)) && !(c->ext & SMTP_EXT_SMTPUTF8))
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EPERM,
                           "non-ASCII address but the server does not offer SMTPUTF8");
    for (size_t i = 0; i < nrcpts; i++)
        if (smtp_has_8bit(rcpts[i], strlen(rcpts[i])) && !(c->ext & SMTP_EXT_SMTPUTF8))
            return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EPERM,
                               "non-ASCII address but the server does not offer SMTPUTF8");
    if (c->size_limit && msglen > c->size_limit)
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EPERM,
                           "message is %zu bytes; the server accepts at most %lu",
                           msglen, c->size_limit);
    c->from = from;
    c->rcpts = rcpts;
    c->nrcpts = nrcpts;
    c->msg = msg;
    c->msglen = msglen;
    c->state = ST_MAIL;
    while (c->state != ST_READY && c->state != ST_FAILED) {
        enum smtp_state next = send_steps[c->state](c);
        c->state = c->state == ST_FAILED ? ST_FAILED : next;
    }
    c->from = NULL;
    c->rcpts = NULL;
    c->msg = NULL;
    return c->state == ST_READY ? AUTH_OK : c->status;
}

enum auth_status smtp_quit(struct smtp_client *c)
{
    enum auth_status st = AUTH_EIO;

    if (c->usable && c->conn) {
        unsigned t = c->t.command_ms < 10000 ? c->t.command_ms : 10000;
        struct smtp_reply keep = c->reply;       /* the reply the caller reports */
        char why[sizeof c->why];
        enum smtp_failure f = c->failure;
        enum auth_status s0 = c->status;

        memcpy(why, c->why, sizeof why);
        memset(&c->reply, 0, sizeof c->reply);
        c->state = ST_QUIT;
        if (smtp_conn_command(c, "QUIT", NULL, t) == AUTH_OK &&
            smtp_conn_reply(c, t, false) == AUTH_OK && c->reply.code == 221)
            st = AUTH_OK;
        smtp_reply_clear(&c->reply);
        c->reply = keep;
        c->failure = f;
        c->status = s0;
        memcpy(c->why, why, sizeof why);
    }
    smtp_conn_close(c);
    c->state = ST_CLOSED;
    return st;
}
