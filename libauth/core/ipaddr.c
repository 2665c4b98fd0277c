/*
 * ipaddr.c - IP address values (see auth/ipaddr.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "auth/ipaddr.h"

enum auth_status auth_ip_parse(const char *text, struct auth_ip *out)
{
    memset(out, 0, sizeof *out);
    if (!text || !*text)
        return AUTH_EINVAL;
    if (inet_pton(AF_INET, text, out->b) == 1) {
        out->family = AF_INET;
        return AUTH_OK;
    }
    if (inet_pton(AF_INET6, text, out->b) == 1) {
        out->family = AF_INET6;
        return AUTH_OK;
    }
    return AUTH_EINVAL;
}

const char *auth_ip_format(const struct auth_ip *ip, char *buf, size_t len)
{
    if (!inet_ntop(ip->family, ip->b, buf, (socklen_t)len) && len)
        buf[0] = '\0';
    return buf;
}

const char *auth_ip_reverse_name(const struct auth_ip *ip, char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    if (len < AUTH_IP_REVLEN) {
        if (len)
            buf[0] = '\0';
        return buf;
    }
    if (ip->family == AF_INET) {
        snprintf(buf, len, "%u.%u.%u.%u.in-addr.arpa",
                 ip->b[3], ip->b[2], ip->b[1], ip->b[0]);
        return buf;
    }
    for (int i = 15; i >= 0; i--) {
        buf[o++] = hex[ip->b[i] & 0xf];
        buf[o++] = '.';
        buf[o++] = hex[ip->b[i] >> 4];
        buf[o++] = '.';
    }
    memcpy(buf + o, "ip6.arpa", sizeof "ip6.arpa");
    return buf;
}

struct auth_ip auth_ip_unmap(const struct auth_ip *ip)
{
    static const unsigned char mapped[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};
    struct auth_ip v4;

    if (ip->family != AF_INET6 || memcmp(ip->b, mapped, 12) != 0)
        return *ip;
    memset(&v4, 0, sizeof v4);
    v4.family = AF_INET;
    memcpy(v4.b, ip->b + 12, 4);
    return v4;
}

bool auth_ip_prefix_match(const struct auth_ip *a, const struct auth_ip *b,
                          unsigned prefix)
{
    unsigned width = a->family == AF_INET ? 32 : 128;
    unsigned full, rest;

    if (a->family != b->family)
        return false;
    if (prefix > width)
        prefix = width;
    full = prefix / 8;
    rest = prefix % 8;
    if (memcmp(a->b, b->b, full) != 0)
        return false;
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if ((a->b[full] & mask) != (b->b[full] & mask))
            return false;
    }
    return true;
}

bool auth_ip_equal(const struct auth_ip *a, const struct auth_ip *b)
{
    return auth_ip_prefix_match(a, b, 128);
}

struct range { const char *net; unsigned prefix; };

static bool in_ranges(const struct auth_ip *ip, const struct range *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct auth_ip net;
        if (auth_ip_parse(r[i].net, &net) == AUTH_OK &&
            auth_ip_prefix_match(ip, &net, r[i].prefix))
            return true;
    }
    return false;
}

bool auth_ip_is_private(const struct auth_ip *ip)
{
    static const struct range v4[] = {
        {"0.0.0.0", 8}, {"10.0.0.0", 8}, {"100.64.0.0", 10}, {"127.0.0.0", 8},
        {"169.254.0.0", 16}, {"172.16.0.0", 12}, {"192.0.0.0", 24},
        {"192.168.0.0", 16}, {"198.18.0.0", 15}, {"224.0.0.0", 3},
    };
    static const struct range v6[] = {
        {"::", 127}, {"::1", 128}, {"fc00::", 7}, {"fe80::", 10},
        {"ff00::", 8}, {"100::", 64},
    };
    struct auth_ip u = auth_ip_unmap(ip);

    if (u.family == AF_INET)
        return in_ranges(&u, v4, sizeof v4 / sizeof v4[0]);
    return in_ranges(&u, v6, sizeof v6 / sizeof v6[0]);
}

bool auth_ip_is_documentation(const struct auth_ip *ip)
{
    static const struct range v4[] = {
        {"192.0.2.0", 24}, {"198.51.100.0", 24}, {"203.0.113.0", 24},
    };
    static const struct range v6[] = { {"2001:db8::", 32} };
    struct auth_ip u = auth_ip_unmap(ip);

    if (u.family == AF_INET)
        return in_ranges(&u, v4, sizeof v4 / sizeof v4[0]);
    return in_ranges(&u, v6, sizeof v6 / sizeof v6[0]);
}
