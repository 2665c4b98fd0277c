/*
 * check.c - setup_params_check(): refuse, before any key is generated, a
 * domain or host that is no sensible public name, an address no mail
 * server can have, and a report address that could smuggle text into a
 * record.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/dns.h"
#include "auth/ipaddr.h"
#include "auth/smtp.h"
#include "setup/setup_int.h"
#include "core/people.h"

/* Top-level labels that never lead to the public DNS (RFC 6761, 6762). */
static bool special_tld(const char *tld)
{
    static const char *const names[] = { "localhost", "local", "invalid", "arpa" };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(tld, names[i]) == 0)
            return true;
    return false;
}

/* what: "--mail-host" for messages.  min_labels: 2 for hosts, 1 for a
 * selector; a host must also be reachable from the Internet by name. */
static enum auth_status name_check(const char *what, const char *name, size_t min_labels,
                                   char *err, size_t errlen)
{
    enum auth_status st = dns_ldh_name_check(what, name, min_labels, NULL, err, errlen);
    size_t len;
    const char *tld;
    char t[64];

    if (st != AUTH_OK || min_labels < 2)
        return st;
    len = strlen(name);
    if (name[len - 1] == '.')
        len--;
    for (tld = name + len; tld > name && tld[-1] != '.'; tld--)
        ;
    if (strspn(tld, "0123456789.") >= (size_t)(name + len - tld))
        return auth_fail(err, errlen, AUTH_EINVAL, "%s '%.80s': looks like an IP address, "
                         "want a name", what, name);
    snprintf(t, sizeof t, "%.*s", (int)(name + len - tld), tld);
    if (special_tld(t))
        return auth_fail(err, errlen, AUTH_EINVAL, "%s '%.80s': .%s names are not "
                         "reachable from the Internet", what, name, t);
    return AUTH_OK;
}

/* Unspecified, multicast, IPv4 class E and broadcast: never a host. */
static bool unusable(const struct auth_ip *ip)
{
    static const unsigned char zero[16];

    if (ip->family == AF_INET)
        return ip->b[0] == 0 || ip->b[0] >= 224;
    return memcmp(ip->b, zero, 16) == 0 || ip->b[0] == 0xff;
}

enum auth_status setup_ip_check(const char *what, const char *text, struct auth_ip *out,
                                char *err, size_t errlen)
{
    if (!text || auth_ip_parse(text, out) != AUTH_OK)
        return auth_fail(err, errlen, AUTH_EINVAL, "%s '%.60s': not an IP address", what,
                         text ? text : "");
    *out = auth_ip_unmap(out);
    if (unusable(out))
        return auth_fail(err, errlen, AUTH_EINVAL, "%s '%.60s': unspecified, multicast or "
                         "broadcast; a mail server needs a unicast address", what, text);
    return AUTH_OK;
}

/* "mailto:a@b" or "a@b" into addr (without the scheme). */
enum auth_status setup_rua_address(const char *rua, char *addr, size_t len,
                                   char *err, size_t errlen)
{
    char why[200];

    if (strncasecmp(rua, "mailto:", 7) == 0)
        rua += 7;
    if (smtp_address_check(rua, false, false, why, sizeof why) != AUTH_OK ||
        strpbrk(rua, ",;!\"\\"))
        return auth_fail(err, errlen, AUTH_EINVAL, "--dmarc-rua '%.80s': %s", rua,
                         strpbrk(rua, ",;!\"\\") ? TR("one plain address, no ',;!' or quotes")
                                                 : why);
    if (snprintf(addr, len, "%s", rua) >= (int)len)
        return auth_fail(err, errlen, AUTH_EINVAL, "--dmarc-rua is too long");
    return name_check("--dmarc-rua domain", strrchr(rua, '@') + 1, 2, err, errlen);
}

enum auth_status setup_params_check(const struct setup_params *p, char *err, size_t errlen)
{
    struct auth_ip a, b;
    char addr[SMTP_PATH_MAX];
    enum auth_status st;

    if ((st = name_check("domain", p->domain, 2, err, errlen)) != AUTH_OK ||
        (st = name_check("--mail-host", p->mail_host, 2, err, errlen)) != AUTH_OK ||
        (st = name_check("--selector", p->selector, 1, err, errlen)) != AUTH_OK ||
        (st = setup_ip_check("--ip", p->ip, &a, err, errlen)) != AUTH_OK)
        return st;
    if (p->ipv6) {
        if ((st = setup_ip_check("--ipv6", p->ipv6, &b, err, errlen)) != AUTH_OK)
            return st;
        if (b.family != AF_INET6)
            return auth_fail(err, errlen, AUTH_EINVAL, "--ipv6 '%.60s': not an IPv6 address",
                             p->ipv6);
        if (a.family == AF_INET6)
            return auth_fail(err, errlen, AUTH_EINVAL, "--ip and --ipv6 are both IPv6: give "
                             "the IPv4 address with --ip");
    }
    if (p->dmarc_rua &&
        (st = setup_rua_address(p->dmarc_rua, addr, sizeof addr, err, errlen)) != AUTH_OK)
        return st;
    return AUTH_OK;
}
