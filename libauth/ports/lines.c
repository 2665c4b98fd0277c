/*
 * lines.c - line-protocol probes for POP3 (RFC 1939 greeting, RFC 2449
 * CAPA, RFC 2595 STLS) and ManageSieve (RFC 5804: capabilities in the
 * greeting, STARTTLS), on libauth/net.  Lines are bounded (512 octets) and
 * so is their number; every read has the probe's deadline.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ports/ports_int.h"

#define LINE_MAX_LEN   512
#define MAX_LINES      64

struct lines {
    struct net_conn *c;
    char buf[4096];
    size_t len;
    uint64_t deadline;
    char *err;
    size_t errlen;
};

/* One line (without CRLF) into line.  AUTH_OK, or the failure. */
static enum auth_status read_line(struct lines *l, char *line, size_t cap)
{
    for (;;) {
        char *nl = memchr(l->buf, '\n', l->len);
        size_t got = 0, n;
        enum auth_status st;

        if (nl) {
            n = (size_t)(nl - l->buf);
            if (n >= cap || n > LINE_MAX_LEN)
                return auth_fail(l->err, l->errlen, AUTH_ELIMIT, "a line over %d octets",
                                 LINE_MAX_LEN);
            memcpy(line, l->buf, n);
            line[n && line[n - 1] == '\r' ? n - 1 : n] = '\0';
            memmove(l->buf, nl + 1, l->len - n - 1);
            l->len -= n + 1;
            return AUTH_OK;
        }
        if (l->len > LINE_MAX_LEN)
            return auth_fail(l->err, l->errlen, AUTH_ELIMIT, "a line over %d octets",
                             LINE_MAX_LEN);
        st = auth_net_read(l->c, l->buf + l->len, sizeof l->buf - l->len, &got, l->deadline,
                      l->err, l->errlen);
        if (st != AUTH_OK)
            return st;
        l->len += got;
    }
}

static enum auth_status send_line(struct lines *l, const char *s)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%s\r\n", s);

    return auth_net_write(l->c, buf, (size_t)n, l->deadline, l->err, l->errlen);
}

static enum auth_status start_tls(struct lines *l, const struct probe_job *j,
                                  struct tls_ctx *ctx)
{
    enum auth_status st = auth_net_start_tls(l->c, ctx, j->p->host, l->deadline, &j->out->tls,
                                        l->err, l->errlen);

    j->out->tls_done = st == AUTH_OK;
    return st;
}

/* POP3: greeting, CAPA (STLS, USER, SASL before TLS), STLS. */
static enum auth_status pop3(struct lines *l, const struct probe_job *j, struct tls_ctx *ctx)
{
    struct port_probe *o = j->out;
    char line[LINE_MAX_LEN + 1];
    enum auth_status st;
    int n = 0;

    if ((st = read_line(l, line, sizeof line)) != AUTH_OK)
        return st;
    ports_set_banner(o, line, strlen(line));
    if (strncmp(line, "+OK", 3) != 0)
        return auth_fail(l->err, l->errlen, AUTH_EPARSE, "not a POP3 greeting");
    if ((st = send_line(l, "CAPA")) != AUTH_OK || (st = read_line(l, line, sizeof line)) !=
        AUTH_OK)
        return st;
    if (strncmp(line, "+OK", 3) == 0) {
        while ((st = read_line(l, line, sizeof line)) == AUTH_OK && strcmp(line, ".") != 0 &&
               ++n < MAX_LINES) {
            if (strcasecmp(line, "STLS") == 0)
                o->starttls_offered = true;
            if (!o->implicit_tls && (strcasecmp(line, "USER") == 0 ||
                                     strncasecmp(line, "SASL ", 5) == 0))
                o->auth_before_tls = true;
        }
        if (st != AUTH_OK)
            return st;
    }
    if (o->implicit_tls || !o->starttls_offered)
        return AUTH_OK;
    if ((st = send_line(l, "STLS")) != AUTH_OK || (st = read_line(l, line, sizeof line)) !=
        AUTH_OK)
        return st;
    if (strncmp(line, "+OK", 3) != 0)
        return auth_fail(l->err, l->errlen, AUTH_ETLS, "STLS refused");
    return start_tls(l, j, ctx);
}

/* ManageSieve: capability lines then OK; STARTTLS. */
static enum auth_status sieve(struct lines *l, const struct probe_job *j, struct tls_ctx *ctx)
{
    struct port_probe *o = j->out;
    char line[LINE_MAX_LEN + 1];
    enum auth_status st;

    for (int n = 0; n < MAX_LINES; n++) {
        if ((st = read_line(l, line, sizeof line)) != AUTH_OK)
            return st;
        if (strncasecmp(line, "\"IMPLEMENTATION\"", 16) == 0)
            ports_set_banner(o, line, strlen(line));
        else if (strncasecmp(line, "\"STARTTLS\"", 10) == 0)
            o->starttls_offered = true;
        else if (strncasecmp(line, "\"SASL\"", 6) == 0 && strlen(line) > 9)
            o->auth_before_tls = true;
        else if (strncasecmp(line, "OK", 2) == 0)
            break;
        else if (strncasecmp(line, "NO", 2) == 0 || strncasecmp(line, "BYE", 3) == 0)
            return auth_fail(l->err, l->errlen, AUTH_EPERM, "server refused: %.100s", line);
    }
    if (!o->starttls_offered)
        return AUTH_OK;
    if ((st = send_line(l, "STARTTLS")) != AUTH_OK || (st = read_line(l, line, sizeof line)) !=
        AUTH_OK)
        return st;
    if (strncasecmp(line, "OK", 2) != 0)
        return auth_fail(l->err, l->errlen, AUTH_ETLS, "STARTTLS refused");
    return start_tls(l, j, ctx);
}

void ports_probe_lines(struct probe_job *j)
{
    struct port_probe *o = j->out;
    struct tls_params tp = { .ca_file = j->p->ca_file, .report_only = true };
    struct tls_ctx *ctx = NULL;
    struct lines l = { .err = o->error, .errlen = sizeof o->error };
    enum net_connect_error why;
    enum auth_status st;

    l.deadline = auth_tls_now_ms() + j->p->timeout_ms;
    if (auth_tls_ctx_new(&tp, &ctx, o->error, sizeof o->error) != AUTH_OK) {
        o->state = PORT_ERROR;
        return;
    }
    st = auth_net_connect_addrs(j->addrs, j->p->host, o->probed_port, l.deadline, &l.c, &why,
                           o->error, sizeof o->error);
    if (st != AUTH_OK) {
        o->state = ports_state_of(why);
        auth_tls_ctx_free(ctx);
        return;
    }
    o->state = PORT_OPEN;
    if (o->implicit_tls && (st = start_tls(&l, j, ctx)) != AUTH_OK)
        o->auth_before_tls = false;
    else
        st = j->proto == PROTO_POP3 ? pop3(&l, j, ctx) : sieve(&l, j, ctx);
    if (st == AUTH_ETIMEOUT && !o->banner[0] && !o->tls_done)
        o->state = PORT_SILENT;          /* accepted, then not a word in time */
    if (st == AUTH_OK)
        o->error[0] = '\0';
    auth_net_close(l.c, st == AUTH_OK);
    auth_tls_ctx_free(ctx);
}
