/*
 * generic.c - does a PTR name look like an ISP's generic pool name?
 *
 * Receivers (and their blocklists) treat "host-192-0-2-77.dynamic.isp.net"
 * as a residential address.  Two signals: the name carries the address's
 * octets (in order or reversed, any separator), or a label contains one of
 * the words ISPs use for pools.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/mx.h"

static bool has_pool_word(const char *name)
{
    static const char *const words[] = {
        "dhcp", "dyn", "dynamic", "pool", "dsl", "adsl", "xdsl", "cable", "ppp",
        "pppoe", "dialup", "dial", "client", "broadband", "residential", "cust",
        "customer", "unassigned", "nat", "static-ip", "ip-", "host-",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const char *p = name;
        size_t n = strlen(words[i]);
        while ((p = strstr(p, words[i]))) {
            bool start = p == name || !isalpha((unsigned char)p[-1]);
            bool end = !isalpha((unsigned char)p[n]) || words[i][n - 1] == '-';
            if (start && end)
                return true;
            p++;
        }
    }
    return false;
}

/* Keep digits only, turning every run of non-digits into one '.'. */
static void digits_only(const char *in, char *out, size_t len)
{
    size_t o = 0;
    bool sep = false;

    for (; *in && o + 2 < len; in++) {
        if (isdigit((unsigned char)*in)) {
            if (sep && o)
                out[o++] = '.';
            out[o++] = *in;
            sep = false;
        } else {
            sep = true;
        }
    }
    out[o] = '\0';
}

static bool embeds_ipv4(const char *name, const struct auth_ip *ip)
{
    char digits[512], fwd[20], rev[20];

    if (ip->family != AF_INET)
        return false;
    digits_only(name, digits, sizeof digits);
    snprintf(fwd, sizeof fwd, "%u.%u.%u.%u", ip->b[0], ip->b[1], ip->b[2], ip->b[3]);
    snprintf(rev, sizeof rev, "%u.%u.%u.%u", ip->b[3], ip->b[2], ip->b[1], ip->b[0]);
    return strstr(digits, fwd) || strstr(digits, rev);
}

bool mx_ptr_name_is_generic(const char *name, const struct auth_ip *ip)
{
    char lower[256];
    size_t i;

    for (i = 0; name[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    lower[i] = '\0';
    return embeds_ipv4(lower, ip) || has_pool_word(lower);
}
