/*
 * names.c - domain names, selectors and addresses as the user types them,
 * converted once to A-labels (auth/name.h) before anything else sees them;
 * and names shown to people with their U-label form beside.
 */
#include <string.h>

#include "auth/ipaddr.h"
#include "auth/name.h"
#include "cmd.h"

/* An address literal in any of the forms people type: 192.0.2.1,
 * 2001:db8::1, [2001:db8::1], [192.0.2.1]. */
static bool is_address_literal(const char *arg)
{
    struct auth_ip ip;
    char inner[64];
    size_t n = strlen(arg);

    if (auth_ip_parse(arg, &ip) == AUTH_OK)
        return true;
    if (n < 3 || n - 2 >= sizeof inner || arg[0] != '[' || arg[n - 1] != ']')
        return false;
    memcpy(inner, arg + 1, n - 2);
    inner[n - 2] = '\0';
    return auth_ip_parse(inner, &ip) == AUTH_OK;
}

int cmd_domain_arg(const char *what, const char *arg, char *out, size_t outlen)
{
    char err[160], shown[256];

    if (is_address_literal(arg))
        return cmd_error(EXIT_USAGE, "%s '%s' is an IP address, not a domain name", what,
                         cmd_shown(arg, shown, sizeof shown));
    if (auth_name_to_alabel(arg, out, outlen, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "bad %s '%s': %s", what,
                         cmd_shown(arg, shown, sizeof shown), err);
    return EXIT_OK;
}

int cmd_selector_arg(const char *what, const char *arg, char *out, size_t outlen)
{
    char err[160], shown[256];

    if (auth_selector_to_alabel(arg, out, outlen, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "bad %s '%s': %s", what,
                         cmd_shown(arg, shown, sizeof shown), err);
    return EXIT_OK;
}

int cmd_address_arg(const char *what, const char *arg, char *out, size_t outlen)
{
    const char *at = strrchr(arg, '@');
    char dom[AUTH_NAME_MAX], shown[256];
    size_t local;
    int rc;

    if (!at || at == arg)
        return cmd_error(EXIT_USAGE, "bad %s '%s': want LOCAL@DOMAIN", what,
                         cmd_shown(arg, shown, sizeof shown));
    if ((rc = cmd_domain_arg(what, at + 1, dom, sizeof dom)) != EXIT_OK)
        return rc;
    local = (size_t)(at - arg);
    if (local + 1 + strlen(dom) + 1 > outlen)
        return cmd_error(EXIT_USAGE, "%s is too long", what);
    memcpy(out, arg, local + 1);
    memcpy(out + local + 1, dom, strlen(dom) + 1);
    return EXIT_OK;
}

static bool has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

int cmd_idn_in_identity(const char *what, const char *arg, char *out, size_t outlen)
{
    const char *at = strrchr(arg, '@');
    const char *dom = at ? at + 1 : arg;
    size_t keep = (size_t)(dom - arg);
    int rc;

    if (!has_non_ascii(dom)) {
        if (strlen(arg) + 1 > outlen)
            return cmd_error(EXIT_USAGE, "%s is too long", what);
        memmove(out, arg, strlen(arg) + 1);        /* out may be arg */
        return EXIT_OK;
    }
    if (keep + 1 >= outlen)
        return cmd_error(EXIT_USAGE, "%s is too long", what);
    if ((rc = cmd_domain_arg(what, dom, out + keep, outlen - keep)) != EXIT_OK)
        return rc;
    memmove(out, arg, keep);
    return EXIT_OK;
}

const char *cmd_name_for_people(const char *alabel, char *buf, size_t len)
{
    char u[1024];

    if (!auth_name_to_ulabel(alabel, u, sizeof u) ||
        (size_t)snprintf(buf, len, "%s (%s)", alabel, u) >= len)
        return alabel;
    return buf;
}

/* Outside text for an error line: control bytes, DEL and the C1 controls
 * (as UTF-8) as \xNN, so nothing typed or read can drive the terminal;
 * cut with "..." when long. */
const char *cmd_shown(const char *s, char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    if (len < 8)
        return "";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool c1 = p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
        bool esc = *p < 0x20 || *p == 0x7f || c1;

        if (o + (esc ? 8 : 1) + 4 > len) {
            memcpy(buf + o, "...", 4);
            return buf;
        }
        if (!esc) {
            buf[o++] = (char)*p;
            continue;
        }
        if (c1)
            p++;
        buf[o++] = '\\';
        buf[o++] = 'x';
        buf[o++] = hex[*p >> 4];
        buf[o++] = hex[*p & 15];
    }
    buf[o] = '\0';
    return buf;
}
