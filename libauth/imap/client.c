/*
 * client.c - the IMAP client's life: new/free, connect, implicit TLS or
 * STARTTLS (capabilities forgotten and asked again after it), the greeting,
 * login (AUTHENTICATE PLAIN, with SASL-IR when offered, else LOGIN), LOGOUT,
 * capabilities and the getters.
 */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/imap_int.h"

#define DEFAULT_CONNECT_MS  30000u
#define DEFAULT_COMMAND_MS  60000u
#define CRED_MAX            255

const char *imap_failure_name(enum imap_failure f)
{
    static const char *const names[] = { "none", "connect", "tls", "protocol", "timeout",
                                         "auth", "refused", "local" };

    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "none";
}

enum auth_status imap_client_new(const struct imap_params *p, struct imap_client **out,
                                 char *err, size_t errlen)
{
    struct tls_params tp = { .ca_file = p->ca_file, .report_only = p->tls_report_only };
    struct imap_client *c;
    enum auth_status st;

    *out = NULL;
    if (!p->host || !*p->host)
        return auth_fail(err, errlen, AUTH_EINVAL, "no IMAP server given");
    if (!(c = calloc(1, sizeof *c)))
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    c->p = *p;
    if (!c->p.port)
        c->p.port = p->tls == IMAP_TLS_IMPLICIT ? 993 : 143;
    c->connect_ms = p->connect_ms ? p->connect_ms : DEFAULT_CONNECT_MS;
    c->command_ms = p->command_ms ? p->command_ms : DEFAULT_COMMAND_MS;
    if (p->tls != IMAP_TLS_NONE &&
        (st = auth_tls_ctx_new(&tp, &c->tls_ctx, err, errlen)) != AUTH_OK) {
        free(c);
        return st;
    }
    *out = c;
    return AUTH_OK;
}

static void close_conn(struct imap_client *c)
{
    auth_net_close(c->conn, c->usable);
    c->conn = NULL;
    c->usable = false;
}

void imap_client_free(struct imap_client *c)
{
    if (!c)
        return;
    close_conn(c);
    auth_tls_ctx_free(c->tls_ctx);
    auth_tls_facts_clear(&c->facts);
    free(c->inbuf);
    free(c);
}

/* ---------- capabilities ---------- */

static void caps_add(struct imap_client *c, const char *cap, size_t n)
{
    size_t have = strlen(c->caps);

    if (have == 0)
        c->caps[have++] = ' ';
    if (n == 0 || have + n + 2 > sizeof c->caps)
        return;
    for (size_t i = 0; i < n; i++)
        c->caps[have + i] = (char)toupper((unsigned char)cap[i]);
    c->caps[have + n] = ' ';
    c->caps[have + n + 1] = '\0';
}

void imap_caps_from_items(struct imap_client *c, const struct imap_item *it)
{
    c->caps[0] = '\0';
    for (; it; it = it->next)
        if (it->type == IMAP_ITEM_ATOM)
            caps_add(c, it->data, it->len);
}

void imap_caps_from_code(struct imap_client *c, const char *code)
{
    const char *p = code + strlen("CAPABILITY");

    c->caps[0] = '\0';
    while (*p) {
        size_t n;
        p += strspn(p, " ");
        n = strcspn(p, " ");
        caps_add(c, p, n);
        p += n;
    }
}

bool imap_client_has_cap(const struct imap_client *c, const char *cap)
{
    char want[128];
    size_t n = strlen(cap);

    if (n + 3 > sizeof want)
        return false;
    want[0] = ' ';
    for (size_t i = 0; i < n; i++)
        want[i + 1] = (char)toupper((unsigned char)cap[i]);
    want[n + 1] = ' ';
    want[n + 2] = '\0';
    return strstr(c->caps, want) != NULL;
}

static enum auth_status capability(struct imap_client *c)
{
    enum imap_status s = IMAP_ST_NONE;
    enum auth_status st = imap_command(c, "CAPABILITY", NULL, NULL, NULL, NULL, &s, NULL);

    if (st == AUTH_OK && s != IMAP_ST_OK)
        return imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE, "CAPABILITY was refused");
    return st;
}

/* ---------- opening ---------- */

static enum auth_status start_tls(struct imap_client *c)
{
    char err[300];
    enum auth_status st = auth_net_start_tls(c->conn, c->tls_ctx, c->p.host,
                                        auth_tls_now_ms() + c->command_ms, &c->facts, err,
                                        sizeof err);

    c->have_facts = c->facts.version[0] || c->facts.subject[0];
    if (st == AUTH_ETIMEOUT)
        return imap_failed(c, IMAP_FAIL_TIMEOUT, st, "%s", err);
    if (st != AUTH_OK)
        return imap_failed(c, IMAP_FAIL_TLS, AUTH_ETLS, "TLS with %s failed: %s", c->p.host,
                           err);
    c->caps[0] = '\0';             /* forget what was said in clear */
    return AUTH_OK;
}

static enum auth_status greeting(struct imap_client *c)
{
    struct imap_response r;
    enum auth_status st = imap_read_response(c, auth_tls_now_ms() + c->command_ms, &r);

    if (st != AUTH_OK)
        return st;
    snprintf(c->greeting, sizeof c->greeting, "%s", r.text);
    if (r.kind != IMAP_RESP_UNTAGGED ||
        (r.status != IMAP_ST_OK && r.status != IMAP_ST_PREAUTH && r.status != IMAP_ST_BYE))
        st = imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE, "the greeting is not '* OK'");
    else if (r.status == IMAP_ST_BYE)
        st = imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPERM, "the server refused the "
                         "connection: %.200s", r.text);
    else if (r.code && strncasecmp(r.code, "CAPABILITY ", 11) == 0)
        imap_caps_from_code(c, r.code);
    imap_response_clear(&r);
    return st;
}

static enum auth_status starttls(struct imap_client *c)
{
    enum imap_status s = IMAP_ST_NONE;
    enum auth_status st;

    if (!imap_client_has_cap(c, "STARTTLS"))
        return imap_failed(c, IMAP_FAIL_TLS, AUTH_ETLS, "the server does not offer STARTTLS");
    st = imap_command(c, "STARTTLS", NULL, NULL, NULL, NULL, &s, NULL);
    if (st != AUTH_OK)
        return st;
    if (s != IMAP_ST_OK)
        return imap_failed(c, IMAP_FAIL_TLS, AUTH_ETLS, "STARTTLS was refused");
    if (c->inlen)   /* bytes pipelined behind the OK would be injected into TLS */
        return imap_failed(c, IMAP_FAIL_PROTOCOL, AUTH_EPARSE,
                           "server sent %zu unrequested bytes after STARTTLS", c->inlen);
    return start_tls(c);
}

enum auth_status imap_open(struct imap_client *c)
{
    char err[300];
    const char *target = c->p.address ? c->p.address : c->p.host;
    uint64_t deadline = auth_tls_now_ms() + c->connect_ms;
    enum auth_status st;

    if (c->p.addrs)
        st = auth_net_connect_addrs(c->p.addrs, c->p.host ? c->p.host : target, c->p.port, deadline,
                               &c->conn, &c->conn_error, err, sizeof err);
    else
        st = auth_net_connect(c->p.address ? NULL : c->p.eng, target, c->p.port, deadline,
                         &c->conn, &c->conn_error, err, sizeof err);
    if (st != AUTH_OK)
        return imap_failed(c, IMAP_FAIL_CONNECT, st, "%s", err);
    c->usable = true;
    snprintf(c->peer, sizeof c->peer, "%s", auth_net_peer(c->conn));
    if (c->p.tls == IMAP_TLS_IMPLICIT && (st = start_tls(c)) != AUTH_OK)
        return st;
    if ((st = greeting(c)) != AUTH_OK)
        return st;
    if (!c->caps[0] && (st = capability(c)) != AUTH_OK)
        return st;
    if (c->p.tls != IMAP_TLS_IMPLICIT) {
        snprintf(c->caps_plain, sizeof c->caps_plain, "%s", c->caps);
        c->login_before_tls = !imap_client_has_cap(c, "LOGINDISABLED");
    }
    if (c->p.tls == IMAP_TLS_STARTTLS) {
        if ((st = starttls(c)) != AUTH_OK || (st = capability(c)) != AUTH_OK)
            return st;
    }
    return AUTH_OK;
}

/* ---------- login ---------- */

bool imap_quote(char *buf, size_t len, const char *s)
{
    size_t k = 0;

    if (len < 3)
        return false;
    buf[k++] = '"';
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch >= 0x7f || k + 4 > len)
            return false;
        if (ch == '"' || ch == '\\')
            buf[k++] = '\\';
        buf[k++] = (char)ch;
    }
    buf[k++] = '"';
    buf[k] = '\0';
    return true;
}

/* base64("\0user\0password") into out (RFC 4616). */
static bool plain_response(const struct imap_client *c, char *out, size_t len)
{
    unsigned char raw[2 * CRED_MAX + 4];
    size_t u = strlen(c->p.user), pw = strlen(c->p.password);

    if (u > CRED_MAX || pw > CRED_MAX || len < 4 * ((u + pw + 2 + 2) / 3) + 1)
        return false;
    raw[0] = '\0';
    memcpy(raw + 1, c->p.user, u);
    raw[1 + u] = '\0';
    memcpy(raw + 2 + u, c->p.password, pw);
    EVP_EncodeBlock((unsigned char *)out, raw, (int)(u + pw + 2));
    OPENSSL_cleanse(raw, sizeof raw);
    return true;
}

static enum auth_status login_command(struct imap_client *c, char *line, size_t len,
                                      char *shown, size_t slen, char *cont, size_t clen)
{
    char quser[2 * CRED_MAX + 3], qpass[2 * CRED_MAX + 3], b64[4 * CRED_MAX];

    cont[0] = '\0';
    if (imap_client_has_cap(c, "AUTH=PLAIN")) {
        if (!plain_response(c, b64, sizeof b64))
            return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_EINVAL, "user or password too long");
        if (imap_client_has_cap(c, "SASL-IR"))
            snprintf(line, len, "AUTHENTICATE PLAIN %s", b64);
        else {
            snprintf(line, len, "AUTHENTICATE PLAIN");
            snprintf(cont, clen, "%s", b64);
        }
        snprintf(shown, slen, "AUTHENTICATE PLAIN%s", cont[0] ? "" : " ***");
        OPENSSL_cleanse(b64, sizeof b64);
        return AUTH_OK;
    }
    if (imap_client_has_cap(c, "LOGINDISABLED"))
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_EPERM,
                           "the server offers neither AUTH=PLAIN nor LOGIN");
    if (!imap_quote(quser, sizeof quser, c->p.user) ||
        !imap_quote(qpass, sizeof qpass, c->p.password))
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_EINVAL, "LOGIN needs a printable ASCII "
                           "user and password of at most %d octets", CRED_MAX);
    snprintf(line, len, "LOGIN %s %s", quser, qpass);
    snprintf(shown, slen, "LOGIN %s ***", quser);
    OPENSSL_cleanse(qpass, sizeof qpass);
    return AUTH_OK;
}

enum auth_status imap_login(struct imap_client *c)
{
    char line[4 * CRED_MAX + 64], shown[2 * CRED_MAX + 64], cont[4 * CRED_MAX];
    char *text = NULL;
    enum imap_status s = IMAP_ST_NONE;
    enum auth_status st;

    if (!c->p.user || !c->p.password)
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_EINVAL, "no user or password");
    if (!auth_net_tls_active(c->conn) && !c->p.allow_plaintext_auth)
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_EPERM, "refusing to send the password "
                           "without TLS (allow it explicitly to do so)");
    if ((st = login_command(c, line, sizeof line, shown, sizeof shown, cont,
                            sizeof cont)) != AUTH_OK)
        return st;
    c->caps[0] = '\0';     /* the OK usually lists the new capabilities */
    st = imap_command(c, line, shown, cont[0] ? cont : NULL, NULL, NULL, &s, &text);
    OPENSSL_cleanse(line, sizeof line);
    OPENSSL_cleanse(cont, sizeof cont);
    if (st == AUTH_OK && s != IMAP_ST_OK)
        st = imap_failed(c, IMAP_FAIL_AUTH, AUTH_EPERM, "login refused: %s %.200s",
                         imap_status_name(s), text ? text : "");
    free(text);
    if (st == AUTH_OK && !c->caps[0])
        st = capability(c);
    return st;
}

enum auth_status imap_logout(struct imap_client *c)
{
    enum imap_status s = IMAP_ST_NONE;
    enum auth_status st = AUTH_EPARSE;

    if (c->conn && c->usable) {
        c->logging_out = true;
        st = imap_command(c, "LOGOUT", NULL, NULL, NULL, NULL, &s, NULL);
        if (st == AUTH_OK && s != IMAP_ST_OK)
            st = AUTH_EPARSE;
    }
    close_conn(c);
    return st;
}

/* ---------- getters ---------- */

enum imap_failure imap_client_failure(const struct imap_client *c) { return c->failure; }
enum net_connect_error imap_client_connect_error(const struct imap_client *c)
{
    return c->conn_error;
}
const char *imap_client_why(const struct imap_client *c) { return c->why; }
const char *imap_client_greeting(const struct imap_client *c) { return c->greeting; }
const char *imap_client_caps_before_tls(const struct imap_client *c)
{
    return c->caps_plain + strspn(c->caps_plain, " ");
}
bool imap_client_login_before_tls(const struct imap_client *c) { return c->login_before_tls; }
const struct tls_facts *imap_client_tls(const struct imap_client *c)
{
    return c->have_facts ? &c->facts : NULL;
}
bool imap_client_tls_active(const struct imap_client *c) { return auth_net_tls_active(c->conn); }
const char *imap_client_peer(const struct imap_client *c) { return c->peer; }
