/*
 * client.c - the SMTP client's session set-up as an explicit state machine:
 * connect, (implicit TLS), banner, EHLO or HELO, STARTTLS, TLS, EHLO again,
 * AUTH, ready.  Each state is one function that does its step and returns
 * the next state; smtp_open() runs them until READY or FAILED.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "smtp/smtp_int.h"

static unsigned pick(unsigned v, unsigned def, unsigned cap)
{
    v = v ? v : def;
    return cap && v > cap ? cap : v;
}

static void apply_timeouts(struct smtp_client *c)
{
    const struct smtp_timeouts *in = &c->p.timeouts;
    unsigned cap = in->cap_ms;

    c->t.connect_ms = pick(in->connect_ms, 30000, cap);
    c->t.greeting_ms = pick(in->greeting_ms, 300000, cap);
    c->t.tls_ms = pick(in->tls_ms, 60000, cap);
    c->t.command_ms = pick(in->command_ms, 300000, cap);
    c->t.mail_ms = pick(in->mail_ms, 300000, cap);
    c->t.rcpt_ms = pick(in->rcpt_ms, 300000, cap);
    c->t.data_init_ms = pick(in->data_init_ms, 120000, cap);
    c->t.data_block_ms = pick(in->data_block_ms, 180000, cap);
    c->t.data_term_ms = pick(in->data_term_ms, 600000, cap);
}

enum auth_status smtp_client_new(const struct smtp_params *p, struct smtp_client **out,
                                 char *err, size_t errlen)
{
    struct smtp_client *c;
    struct tls_params tp = {0};
    enum auth_status st;

    *out = NULL;
    if (!p || (!p->host && !p->address && !p->addrs))
        return auth_fail(err, errlen, AUTH_EINVAL, "no server given");
    if (p->user && !p->password)
        return auth_fail(err, errlen, AUTH_EINVAL, "AUTH user without a password");
    if ((p->user && strlen(p->user) > 255) || (p->password && strlen(p->password) > 255))
        return auth_fail(err, errlen, AUTH_EINVAL, "AUTH user or password over 255 octets");
    if (p->helo_name && strlen(p->helo_name) > 255)
        return auth_fail(err, errlen, AUTH_EINVAL, "HELO name over 255 octets");
    c = calloc(1, sizeof *c);
    if (!c)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    c->p = *p;
    c->port = p->port ? p->port : p->tls == SMTP_TLS_IMPLICIT ? 465 : 25;
    apply_timeouts(c);
    if (p->tls != SMTP_TLS_NONE) {
        tp.ca_file = p->ca_file;
        tp.report_only = p->tls_report_only || p->tls == SMTP_TLS_OPPORTUNISTIC;
        tp.min_version = p->tls_min_version;
        tp.legacy = p->tls_legacy;
        st = auth_tls_ctx_new(&tp, &c->tls_ctx, err, errlen);
        if (st != AUTH_OK) {
            free(c);
            return st;
        }
    }
    *out = c;
    return AUTH_OK;
}

void smtp_client_free(struct smtp_client *c)
{
    if (!c)
        return;
    c->usable = false;
    smtp_conn_close(c);
    auth_tls_ctx_free(c->tls_ctx);
    auth_tls_facts_clear(&c->facts);
    smtp_reply_clear(&c->reply);
    free(c->banner);
    free(c);
}

enum auth_status smtp_reply_failed(struct smtp_client *c, const char *what)
{
    const struct smtp_reply *r = &c->reply;
    int shown = (int)strcspn(r->text ? r->text : "", "\n");
    enum smtp_failure f = r->code >= 500 ? SMTP_FAIL_REPLY_PERM
                        : r->code >= 400 ? SMTP_FAIL_REPLY_TEMP : SMTP_FAIL_PROTOCOL;
    enum auth_status st = f == SMTP_FAIL_REPLY_PERM ? AUTH_EPERM
                        : f == SMTP_FAIL_REPLY_TEMP ? AUTH_ETEMP : AUTH_EPARSE;

    return smtp_failed(c, f, st, "%s: server replied %d%s%s %.*s", what, r->code,
                       r->enhanced[0] ? " " : "", r->enhanced, shown > 200 ? 200 : shown,
                       r->text ? r->text : "");
}

/* "[192.0.2.1]" / "[IPv6:2001:db8::1]" of our end, RFC 5321 4.1.3. */
static void default_helo(struct smtp_client *c)
{
    int family = 0;
    const char *a;

    if (c->p.helo_name) {
        snprintf(c->helo, sizeof c->helo, "%s", c->p.helo_name);
        return;
    }
    snprintf(c->helo, sizeof c->helo, "localhost");
    a = auth_net_local(c->conn, &family);
    if (family == AF_INET)
        snprintf(c->helo, sizeof c->helo, "[%s]", a);
    else if (family == AF_INET6)
        snprintf(c->helo, sizeof c->helo, "[IPv6:%s]", a);
}

static enum smtp_state st_connect(struct smtp_client *c)
{
    if (smtp_conn_connect(c) != AUTH_OK)
        return ST_FAILED;
    default_helo(c);
    return c->p.tls == SMTP_TLS_IMPLICIT ? ST_TLS_IMPLICIT : ST_BANNER;
}

static enum smtp_state st_tls(struct smtp_client *c)
{
    enum smtp_state next = c->state == ST_TLS_IMPLICIT ? ST_BANNER : ST_EHLO_TLS;

    if (smtp_conn_tls(c) != AUTH_OK)
        return ST_FAILED;
    if (next == ST_EHLO_TLS) {    /* RFC 3207 4.2: forget what was learnt in clear */
        c->ext = 0;
        c->auth_mechs = 0;
        c->size_limit = 0;
    }
    return next;
}

static enum smtp_state st_banner(struct smtp_client *c)
{
    if (smtp_conn_reply(c, c->t.greeting_ms, false) != AUTH_OK)
        return ST_FAILED;
    if (c->reply.code != 220) {
        /* the failure is recorded in c; ST_FAILED follows */
        auth_status_ignore(smtp_reply_failed(c, "banner"));
        return ST_FAILED;
    }
    free(c->banner);
    c->banner = strdup(c->reply.text);
    return ST_EHLO;
}

/* After EHLO/HELO: STARTTLS when the mode wants it, else AUTH. */
static enum smtp_state after_hello(struct smtp_client *c)
{
    bool offered = c->ext & SMTP_EXT_STARTTLS;

    if (auth_net_tls_active(c->conn) || c->p.tls == SMTP_TLS_NONE || c->p.tls == SMTP_TLS_IMPLICIT)
        return ST_AUTH;
    if (offered)
        return ST_STARTTLS;
    if (c->p.tls == SMTP_TLS_OPPORTUNISTIC)
        return ST_AUTH;
    /* the failure is recorded in c; ST_FAILED follows */
    auth_status_ignore(smtp_failed(c, SMTP_FAIL_TLS, AUTH_ETLS, "server does not offer STARTTLS"));
    return ST_FAILED;
}

static enum smtp_state st_ehlo(struct smtp_client *c)
{
    char line[300];

    snprintf(line, sizeof line, "EHLO %s", c->helo);
    if (smtp_conn_command(c, line, NULL, c->t.command_ms) != AUTH_OK ||
        smtp_conn_reply(c, c->t.command_ms, false) != AUTH_OK)
        return ST_FAILED;
    if (c->reply.code == 250) {
        smtp_ehlo_parse(c);
        return c->state == ST_EHLO_TLS ? ST_AUTH : after_hello(c);
    }
    if (c->reply.code >= 500 && c->state == ST_EHLO && c->reply.code != 554)
        return ST_HELO;           /* an old server: RFC 5321 3.2 */
    /* the failure is recorded in c; ST_FAILED follows */
    auth_status_ignore(smtp_reply_failed(c, "EHLO"));
    return ST_FAILED;
}

static enum smtp_state st_helo(struct smtp_client *c)
{
    char line[300];

    snprintf(line, sizeof line, "HELO %s", c->helo);
    if (smtp_conn_command(c, line, NULL, c->t.command_ms) != AUTH_OK ||
        smtp_conn_reply(c, c->t.command_ms, false) != AUTH_OK)
        return ST_FAILED;
    if (c->reply.code != 250) {
        /* the failure is recorded in c; ST_FAILED follows */
        auth_status_ignore(smtp_reply_failed(c, "HELO"));
        return ST_FAILED;
    }
    c->ext = 0;
    return after_hello(c);
}

static enum smtp_state st_starttls(struct smtp_client *c)
{
    /* more_expected false: bytes after the 220 would be read as if they came
     * over TLS (the STARTTLS injection flaw); refuse them. */
    if (smtp_conn_command(c, "STARTTLS", NULL, c->t.command_ms) != AUTH_OK ||
        smtp_conn_reply(c, c->t.command_ms, false) != AUTH_OK)
        return ST_FAILED;
    if (c->reply.code == 220)
        return ST_TLS_HANDSHAKE;
    if (c->reply.code == 421)
        auth_status_ignore(smtp_reply_failed(c, "STARTTLS"));
    else
        auth_status_ignore(smtp_failed(c, SMTP_FAIL_TLS, AUTH_ETLS, "STARTTLS refused: %d %s",
                                       c->reply.code, c->reply.text));
    return ST_FAILED;
}

static enum smtp_state st_auth(struct smtp_client *c)
{
    if (!c->p.user)
        return ST_READY;
    return smtp_auth_run(c) == AUTH_OK ? ST_READY : ST_FAILED;
}

typedef enum smtp_state (*step_fn)(struct smtp_client *c);

static const step_fn open_steps[ST_COUNT] = {
    [ST_CONNECT] = st_connect,
    [ST_TLS_IMPLICIT] = st_tls,
    [ST_BANNER] = st_banner,
    [ST_EHLO] = st_ehlo,
    [ST_HELO] = st_helo,
    [ST_STARTTLS] = st_starttls,
    [ST_TLS_HANDSHAKE] = st_tls,
    [ST_EHLO_TLS] = st_ehlo,
    [ST_AUTH] = st_auth,
};

enum auth_status smtp_open(struct smtp_client *c)
{
    if (c->conn || c->state != ST_CONNECT)
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EINVAL, "smtp_open called twice");
    c->failure = SMTP_FAIL_NONE;
    c->why[0] = '\0';
    while (c->state != ST_READY && c->state != ST_FAILED) {
        enum smtp_state next = open_steps[c->state](c);
        c->state = c->state == ST_FAILED ? ST_FAILED : next;
    }
    return c->state == ST_READY ? AUTH_OK : c->status;
}

enum smtp_failure smtp_client_failure(const struct smtp_client *c) { return c->failure; }
enum smtp_connect_error smtp_client_connect_error(const struct smtp_client *c)
{
    return c->conn_error;
}
const char *smtp_client_why(const struct smtp_client *c) { return c->why; }
const struct smtp_reply *smtp_client_last_reply(const struct smtp_client *c)
{
    return c->reply.code ? &c->reply : NULL;
}
const char *smtp_client_banner(const struct smtp_client *c) { return c->banner; }
const struct tls_facts *smtp_client_tls(const struct smtp_client *c)
{
    return c->have_facts ? &c->facts : NULL;
}
bool smtp_client_tls_active(const struct smtp_client *c) { return auth_net_tls_active(c->conn); }
unsigned smtp_client_extensions(const struct smtp_client *c) { return c->ext; }
unsigned smtp_client_auth_mechs(const struct smtp_client *c) { return c->auth_mechs; }
unsigned long smtp_client_size_limit(const struct smtp_client *c) { return c->size_limit; }
const char *smtp_client_peer(const struct smtp_client *c) { return c->peer; }
uint16_t smtp_client_port(const struct smtp_client *c) { return c->port; }

const char *smtp_failure_name(enum smtp_failure f)
{
    switch (f) {
    case SMTP_FAIL_NONE: return "none";
    case SMTP_FAIL_CONNECT: return "connect";
    case SMTP_FAIL_TLS: return "tls";
    case SMTP_FAIL_PROTOCOL: return "protocol";
    case SMTP_FAIL_TIMEOUT: return "timeout";
    case SMTP_FAIL_REPLY_TEMP: return "temporary";
    case SMTP_FAIL_REPLY_PERM: return "permanent";
    case SMTP_FAIL_LOCAL: return "local";
    }
    return "unknown";
}

const char *smtp_connect_error_name(enum smtp_connect_error e)
{
    switch (e) {
    case SMTP_CONN_OK: return "ok";
    case SMTP_CONN_RESOLVE: return "resolve";
    case SMTP_CONN_REFUSED: return "refused";
    case SMTP_CONN_TIMEOUT: return "timeout";
    case SMTP_CONN_UNREACHABLE: return "unreachable";
    case SMTP_CONN_OTHER: return "other";
    }
    return "unknown";
}
