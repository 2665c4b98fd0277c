/*
 * ehlo.c - the extensions an EHLO reply advertises (RFC 5321 4.1.1.1):
 * SIZE (RFC 1870), 8BITMIME (RFC 6152), PIPELINING (RFC 2920),
 * ENHANCEDSTATUSCODES (RFC 2034), SMTPUTF8 (RFC 6531), STARTTLS (RFC 3207)
 * and AUTH (RFC 4954) with its mechanisms.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp/smtp_int.h"

/* Whether the line (n bytes) starts with keyword kw followed by end, ' ' or '='. */
static bool keyword(const char *line, size_t n, const char *kw, const char **rest)
{
    size_t k = strlen(kw);

    if (n < k || strncasecmp(line, kw, k) != 0 || (n > k && line[k] != ' ' && line[k] != '='))
        return false;
    *rest = line + (n > k ? k + 1 : k);
    return true;
}

static unsigned auth_mechs(const char *p, const char *end)
{
    unsigned m = 0;

    while (p < end) {
        size_t n = strcspn(p, " \n");
        if ((size_t)(end - p) < n)
            n = (size_t)(end - p);
        if (n == 5 && strncasecmp(p, "PLAIN", 5) == 0)
            m |= SMTP_AUTH_PLAIN;
        else if (n == 5 && strncasecmp(p, "LOGIN", 5) == 0)
            m |= SMTP_AUTH_LOGIN;
        p += n + 1;
    }
    return m;
}

static unsigned long size_value(const char *p, const char *end)
{
    char num[24];
    size_t n = (size_t)(end - p);
    char *stop;
    unsigned long v;

    if (n == 0 || n >= sizeof num)
        return 0;
    memcpy(num, p, n);
    num[n] = '\0';
    errno = 0;
    v = strtoul(num, &stop, 10);
    return errno || *stop || num[0] == '-' ? 0 : v;
}

void smtp_ehlo_parse(struct smtp_client *c)
{
    const char *t = c->reply.text;
    bool first = true;

    c->ext = 0;
    c->auth_mechs = 0;
    c->size_limit = 0;
    if (t)      /* RFC 5321 4.1.1.1: ehlo-ok-rsp starts with the server's Domain */
        snprintf(c->ehlo_name, sizeof c->ehlo_name, "%.*s", (int)strcspn(t, " \n"), t);
    while (t && *t) {
        size_t n = strcspn(t, "\n");
        const char *rest = NULL, *end = t + n;

        if (!first) {      /* the first line is the server's name and greeting */
            if (keyword(t, n, "SIZE", &rest)) {
                c->ext |= SMTP_EXT_SIZE;
                c->size_limit = size_value(rest, end);
            } else if (keyword(t, n, "8BITMIME", &rest))
                c->ext |= SMTP_EXT_8BITMIME;
            else if (keyword(t, n, "PIPELINING", &rest))
                c->ext |= SMTP_EXT_PIPELINING;
            else if (keyword(t, n, "ENHANCEDSTATUSCODES", &rest))
                c->ext |= SMTP_EXT_ENHANCEDSTATUSCODES;
            else if (keyword(t, n, "SMTPUTF8", &rest))
                c->ext |= SMTP_EXT_SMTPUTF8;
            else if (keyword(t, n, "STARTTLS", &rest))
                c->ext |= SMTP_EXT_STARTTLS;
            else if (keyword(t, n, "AUTH", &rest)) {
                c->ext |= SMTP_EXT_AUTH;
                c->auth_mechs |= auth_mechs(rest, end);
            }
        }
        first = false;
        t = *end ? end + 1 : end;
    }
}

const char *smtp_client_ehlo_name(const struct smtp_client *c)
{
    return c->ehlo_name[0] ? c->ehlo_name : NULL;
}
