/*
 * message.c - what is checked and transformed before anything is sent:
 * envelope addresses (bounds of RFC 5321 4.5.3.1, no characters that could
 * inject commands) and the DATA payload (CRLF line ends, dot-stuffing,
 * terminator).
 */
#include <stdlib.h>
#include <string.h>

#include "auth/smtp.h"

bool smtp_has_8bit(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

enum auth_status smtp_address_check(const char *addr, bool allow_empty, bool utf8_ok,
                                    char *err, size_t errlen)
{
    const char *at;
    size_t len;

    if (!addr)
        return auth_fail(err, errlen, AUTH_EINVAL, "no address");
    len = strlen(addr);
    if (len == 0)
        return allow_empty ? AUTH_OK : auth_fail(err, errlen, AUTH_EINVAL, "empty address");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)addr[i];
        if (c == '\r' || c == '\n')
            return auth_fail(err, errlen, AUTH_EINVAL, "address contains CR or LF");
        if (c < 0x20 || c == 0x7f)
            return auth_fail(err, errlen, AUTH_EINVAL,
                             "address contains control character 0x%02x", c);
        if (c == ' ' || c == '<' || c == '>')
            return auth_fail(err, errlen, AUTH_EINVAL, "address contains '%c'", c);
        if (c >= 0x80 && !utf8_ok)
            return auth_fail(err, errlen, AUTH_EINVAL,
                             "address has non-ASCII characters (needs SMTPUTF8)");
    }
    if (len > SMTP_PATH_MAX - 2)
        return auth_fail(err, errlen, AUTH_EINVAL, "address is %zu octets, over %d", len,
                         SMTP_PATH_MAX - 2);
    at = strrchr(addr, '@');
    if (!at || at == addr || !at[1])
        return auth_fail(err, errlen, AUTH_EINVAL, "address '%s' is not local@domain", addr);
    if ((size_t)(at - addr) > SMTP_LOCAL_MAX)
        return auth_fail(err, errlen, AUTH_EINVAL, "local part is %zu octets, over %d",
                         (size_t)(at - addr), SMTP_LOCAL_MAX);
    if (strlen(at + 1) > SMTP_DOMAIN_MAX)
        return auth_fail(err, errlen, AUTH_EINVAL, "domain is over %d octets", SMTP_DOMAIN_MAX);
    if (memchr(addr, '@', (size_t)(at - addr)) && addr[0] != '"')
        return auth_fail(err, errlen, AUTH_EINVAL, "address has more than one '@'");
    return AUTH_OK;
}

enum auth_status smtp_dot_stuff(const char *msg, size_t len, char **out, size_t *outlen)
{
    char *buf;
    size_t n = 0;
    bool bol = true;

    *out = NULL;
    *outlen = 0;
    if (len > SMTP_MESSAGE_MAX)
        return AUTH_ELIMIT;
    /* Worst case: every byte a bare LF ("\n" -> "\r\n") or a line start '.'
     * (doubled): 2 per input byte, plus CRLF and ".\r\n". */
    buf = malloc(2 * len + 6);
    if (!buf)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        char c = msg[i];
        if (c == '\r' || c == '\n') {
            buf[n++] = '\r';
            buf[n++] = '\n';
            if (c == '\r' && i + 1 < len && msg[i + 1] == '\n')
                i++;
            bol = true;
            continue;
        }
        if (bol && c == '.')
            buf[n++] = '.';
        buf[n++] = c;
        bol = false;
    }
    if (!bol) {
        buf[n++] = '\r';
        buf[n++] = '\n';
    }
    memcpy(buf + n, ".\r\n", 3);
    n += 3;
    *out = buf;
    *outlen = n;
    return AUTH_OK;
}
