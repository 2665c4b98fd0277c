/*
 * idle.c - IDLE (RFC 2177): wait in the selected mailbox for the server to
 * announce new messages, without polling.  The wait itself is not a
 * command timeout: no bytes for wait_ms is the normal end, after which
 * DONE closes the command like any other (within command_ms).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap_int.h"

static bool is_change(const struct imap_response *r)
{
    return r->kind == IMAP_RESP_UNTAGGED && r->has_number && r->name &&
           (strcmp(r->name, "EXISTS") == 0 || strcmp(r->name, "RECENT") == 0);
}

/* Parse one response out of what has arrived: 1 parsed, 0 more needed, -1 failure. */
static int next_response(struct imap_client *c, struct imap_response *r)
{
    size_t used = 0;
    char why[300];
    enum auth_status st;

    if (!c->inlen)
        return 0;
    st = imap_response_parse(c->inbuf, c->inlen, c->p.literal_max, r, &used, why, sizeof why);
    if (st != AUTH_OK) {
        auth_status_ignore(imap_failed(c, IMAP_FAIL_PROTOCOL, st, "bad response: %s", why));   /* recorded in c; -1 reports it */
        return -1;
    }
    if (!used)
        return 0;
    c->bytes_in += used;
    memmove(c->inbuf, c->inbuf + used, c->inlen - used);
    c->inlen -= used;
    return 1;
}

/* Read responses until one arrives that stop() accepts, or deadline.
 * timeout_ok: running out of time is the normal end (returns AUTH_OK
 * with *timed_out). */
static enum auth_status wait_for(struct imap_client *c, uint64_t deadline, bool timeout_ok,
                                 const char *tag, bool *changed, bool *timed_out,
                                 enum imap_status *tagged)
{
    char why[300];

    for (;;) {
        struct imap_response r;
        int got = next_response(c, &r);
        if (got < 0)
            return AUTH_EPARSE;
        if (got > 0) {
            bool done = false;
            if (is_change(&r))
                *changed = true;
            if (r.kind == IMAP_RESP_UNTAGGED && r.status == IMAP_ST_BYE) {
                imap_response_clear(&r);
                return imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE, "the server said BYE");
            }
            if (r.kind == IMAP_RESP_TAGGED && strcmp(r.tag, tag) == 0) {
                *tagged = r.status;
                done = true;
            } else if (r.kind == IMAP_RESP_CONTINUE && !*tagged) {
                *tagged = IMAP_ST_NONE;
                done = !timeout_ok;   /* the go-ahead to idle */
            }
            imap_response_clear(&r);
            if (done || (timeout_ok && *changed))
                return AUTH_OK;
            continue;
        }
        enum auth_status st = imap_fill(c, deadline, why, sizeof why);
        if (st == AUTH_ETIMEOUT && timeout_ok) {
            *timed_out = true;
            return AUTH_OK;
        }
        if (st == AUTH_ETIMEOUT)
            return imap_failed(c, IMAP_FAIL_TIMEOUT, st, "no response to IDLE in time");
        if (st != AUTH_OK)
            return imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE, "%s", why);
    }
}

enum auth_status imap_idle(struct imap_client *c, unsigned wait_ms, bool *changed)
{
    char tag[16], line[32];
    bool timed_out = false;
    enum imap_status tagged = IMAP_ST_NONE;
    enum auth_status st;

    *changed = false;
    if (!imap_client_has_cap(c, "IDLE"))
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_EPERM, "the server does not offer IDLE");
    if (!c->conn || !c->usable)
        return imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE, "not connected");
    snprintf(tag, sizeof tag, "m%u", ++c->tagno);
    snprintf(line, sizeof line, "%s IDLE", tag);
    if ((st = imap_send_line(c, line, auth_tls_now_ms() + c->command_ms)) != AUTH_OK)
        return st;
    /* the continuation ("+ idling"), or a tagged NO/BAD */
    if ((st = wait_for(c, auth_tls_now_ms() + c->command_ms, false, tag, changed, &timed_out,
                       &tagged)) != AUTH_OK)
        return st;
    if (tagged != IMAP_ST_NONE)
        return imap_failed(c, IMAP_FAIL_NO, AUTH_EPERM, "IDLE refused: %s",
                           imap_status_name(tagged));
    if (!*changed &&
        (st = wait_for(c, auth_tls_now_ms() + wait_ms, true, tag, changed, &timed_out, &tagged)) !=
            AUTH_OK)
        return st;
    if (tagged != IMAP_ST_NONE)   /* the server ended IDLE by itself */
        return tagged == IMAP_ST_OK ? AUTH_OK
                                    : imap_failed(c, IMAP_FAIL_NO, AUTH_EPARSE, "IDLE ended with %s",
                                                  imap_status_name(tagged));
    if ((st = imap_send_line(c, "DONE", auth_tls_now_ms() + c->command_ms)) != AUTH_OK)
        return st;
    tagged = IMAP_ST_NONE;
    while (tagged == IMAP_ST_NONE)
        if ((st = wait_for(c, auth_tls_now_ms() + c->command_ms, false, tag, changed, &timed_out,
                           &tagged)) != AUTH_OK)
            return st;
    return tagged == IMAP_ST_OK ? AUTH_OK
                                : imap_failed(c, IMAP_FAIL_NO, AUTH_EPARSE, "IDLE ended with %s",
                                              imap_status_name(tagged));
}
