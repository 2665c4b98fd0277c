/*
 * auth.c - SMTP AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN.  Refused
 * over a connection without TLS unless the caller allowed it.  The
 * transcript sees "***" in place of every credential line.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_int.h"

/* base64 of len bytes into out (room for 4*ceil(len/3)+1). */
static void b64(const unsigned char *in, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/* Send a credential line (masked in the transcript), wipe it, read the reply. */
static enum auth_status secret_line(struct smtp_client *c, char *line, const char *shown)
{
    enum auth_status st = smtp_conn_command(c, line, shown, c->t.command_ms);

    OPENSSL_cleanse(line, strlen(line));
    if (st != AUTH_OK)
        return st;
    return smtp_conn_reply(c, c->t.command_ms, false);
}

static enum auth_status auth_plain(struct smtp_client *c)
{
    unsigned char raw[2 + 255 + 255];
    char line[16 + 4 * (sizeof raw / 3 + 1) + 1];
    size_t ul = strlen(c->p.user), pl = strlen(c->p.password), n = 0;
    enum auth_status st;

    raw[n++] = '\0';                        /* no authorisation identity */
    memcpy(raw + n, c->p.user, ul);
    n += ul;
    raw[n++] = '\0';
    memcpy(raw + n, c->p.password, pl);
    n += pl;
    memcpy(line, "AUTH PLAIN ", 11);
    b64(raw, n, line + 11);
    OPENSSL_cleanse(raw, sizeof raw);
    st = secret_line(c, line, "AUTH PLAIN ***");
    return st;
}

static enum auth_status auth_login(struct smtp_client *c)
{
    char line[4 * (255 / 3 + 1) + 1];
    enum auth_status st;

    if (smtp_conn_command(c, "AUTH LOGIN", NULL, c->t.command_ms) != AUTH_OK ||
        smtp_conn_reply(c, c->t.command_ms, false) != AUTH_OK)
        return c->status;
    if (c->reply.code != 334)
        return AUTH_OK;                     /* judged by the caller */
    b64((const unsigned char *)c->p.user, strlen(c->p.user), line);
    st = secret_line(c, line, "***");
    if (st != AUTH_OK || c->reply.code != 334)
        return st;
    b64((const unsigned char *)c->p.password, strlen(c->p.password), line);
    return secret_line(c, line, "***");
}

enum auth_status smtp_auth_run(struct smtp_client *c)
{
    unsigned usable = c->auth_mechs & (c->p.auth_mechs ? c->p.auth_mechs : ~0u);
    enum auth_status st;

    if (!auth_net_tls_active(c->conn) && !c->p.allow_plaintext_auth)
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EPERM,
                           "refusing to send the password over an unencrypted connection");
    if (!(c->ext & SMTP_EXT_AUTH))
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EPERM, "server does not offer AUTH");
    if (usable & SMTP_AUTH_PLAIN)
        st = auth_plain(c);
    else if (usable & SMTP_AUTH_LOGIN)
        st = auth_login(c);
    else if (c->p.auth_mechs)
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EPERM,
                           "server does not offer the AUTH mechanism asked for");
    else
        return smtp_failed(c, SMTP_FAIL_LOCAL, AUTH_EPERM,
                           "server offers no AUTH mechanism mailctl supports (PLAIN, LOGIN)");
    if (st != AUTH_OK)
        return st;
    if (c->reply.code != 235)
        return smtp_reply_failed(c, "AUTH");
    return AUTH_OK;
}
