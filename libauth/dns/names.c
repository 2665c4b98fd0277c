/*
 * names.c - the small value helpers of the DNS engine: status and type
 * names, the user-input name check, server specs ("HOST[:PORT]") and
 * socket addresses.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_internal.h"

const char *dns_status_name(enum dns_status st)
{
    switch (st) {
    case DNS_DATA: return "data";
    case DNS_NODATA: return "nodata";
    case DNS_NXDOMAIN: return "nxdomain";
    case DNS_SERVFAIL: return "servfail";
    case DNS_REFUSED: return "refused";
    case DNS_TIMEOUT: return "timeout";
    case DNS_MALFORMED: return "malformed";
    case DNS_ERROR: return "error";
    }
    return "error";
}

bool dns_status_is_temporary(enum dns_status st)
{
    return st == DNS_SERVFAIL || st == DNS_REFUSED || st == DNS_TIMEOUT ||
           st == DNS_MALFORMED || st == DNS_ERROR;
}

const char *dns_type_name(uint16_t type)
{
    static _Thread_local char buf[16];

    switch (type) {
    case DNS_T_A: return "A";
    case DNS_T_NS: return "NS";
    case DNS_T_CNAME: return "CNAME";
    case DNS_T_SOA: return "SOA";
    case DNS_T_PTR: return "PTR";
    case DNS_T_MX: return "MX";
    case DNS_T_TXT: return "TXT";
    case DNS_T_AAAA: return "AAAA";
    case DNS_T_SPF: return "SPF";
    case DNS_T_TLSA: return "TLSA";
    case DNS_T_DS: return "DS";
    case DNS_T_DNSKEY: return "DNSKEY";
    case DNS_T_CAA: return "CAA";
    }
    snprintf(buf, sizeof buf, "TYPE%u", (unsigned)type);
    return buf;
}

/* Lengths always; characters: control bytes, DEL and '\\' (which would
 * start a presentation-form escape) never, a space only when allowed. */
static enum auth_status check_name(const char *name, bool allow_space, char *err,
                                   size_t errlen)
{
    size_t len, label = 0;
    const char *start = name;

    if (!name || !*name)
        return auth_fail(err, errlen, AUTH_EINVAL, "empty domain name");
    if (strcmp(name, ".") == 0)
        return AUTH_OK;
    len = strlen(name);
    if (name[len - 1] == '.')
        len--;
    if (len > DNS_MAX_NAME)
        return auth_fail(err, errlen, AUTH_EINVAL,
                         "domain name is %zu octets, over %d", len, DNS_MAX_NAME);
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (i == len || c == '.') {
            if (label == 0)
                return auth_fail(err, errlen, AUTH_EINVAL,
                                 "empty label in domain name '%s'", name);
            if (label > DNS_MAX_LABEL)
                return auth_fail(err, errlen, AUTH_EINVAL,
                                 "label '%.20s...' is %zu octets, over %d",
                                 start, label, DNS_MAX_LABEL);
            label = 0;
            start = name + i + 1;
            continue;
        }
        if (c < ' ' || (c == ' ' && !allow_space) || c == 0x7f || c == '\\')
            return auth_fail(err, errlen, AUTH_EINVAL,
                             "character 0x%02x not allowed in domain name", c);
        label++;
    }
    return AUTH_OK;
}

enum auth_status dns_name_check(const char *name, char *err, size_t errlen)
{
    return check_name(name, false, err, errlen);
}

/* A name computed by a protocol (an SPF macro expansion) may hold any octet
 * in a label (RFC 2181 11); the OpenSPF suite asks one with spaces. */
enum auth_status dns_name_check_query(const char *name, char *err, size_t errlen)
{
    return check_name(name, true, err, errlen);
}

bool dns_name_normalise(const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);

    if (n > 1 && name[n - 1] == '.')
        n--;
    if (n + 1 > len)
        return false;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)name[i]);
    buf[n] = '\0';
    return true;
}

/* "53" -> 53; false unless 1..65535 and all digits. */
static bool parse_port(const char *s, in_port_t *out)
{
    char *end;
    unsigned long v;

    if (!*s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v == 0 || v > 65535)
        return false;
    *out = htons((uint16_t)v);
    return true;
}

enum auth_status dns_server_parse(const char *spec, struct sockaddr_storage *ss,
                                  char *err, size_t errlen)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port = NULL;
    size_t hlen;
    in_port_t p = htons(53);

    memset(ss, 0, sizeof *ss);
    if (!spec || !*spec)
        return auth_fail(err, errlen, AUTH_EINVAL, "empty resolver address");
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close)
            return auth_fail(err, errlen, AUTH_EINVAL,
                             "resolver '%s': missing ']'", spec);
        hlen = (size_t)(close - spec - 1);
        spec++;
        if (close[1] == ':')
            port = close + 2;
        else if (close[1])
            return auth_fail(err, errlen, AUTH_EINVAL,
                             "resolver '%s': junk after ']'", spec - 1);
    } else {
        const char *colon = strchr(spec, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL;             /* bare IPv6, no port */
        hlen = colon ? (size_t)(colon - spec) : strlen(spec);
        if (colon)
            port = colon + 1;
    }
    if (hlen == 0 || hlen >= sizeof host)
        return auth_fail(err, errlen, AUTH_EINVAL,
                         "resolver '%s': not an IP address", spec);
    memcpy(host, spec, hlen);
    host[hlen] = '\0';
    if (port && !parse_port(port, &p))
        return auth_fail(err, errlen, AUTH_EINVAL,
                         "resolver '%s': port must be 1..65535", spec);
    {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
            s4->sin_family = AF_INET;
            s4->sin_port = p;
            return AUTH_OK;
        }
        memset(ss, 0, sizeof *ss);
        if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
            s6->sin6_family = AF_INET6;
            s6->sin6_port = p;
            return AUTH_OK;
        }
    }
    memset(ss, 0, sizeof *ss);
    return auth_fail(err, errlen, AUTH_EINVAL,
                     "resolver '%s': '%s' is not an IP address", spec, host);
}

void dns_server_format(const struct sockaddr_storage *ss, char *buf, size_t len)
{
    char a[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        snprintf(buf, len, "%s:%u", a, (unsigned)ntohs(s4->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        snprintf(buf, len, "[%s]:%u", a, (unsigned)ntohs(s6->sin6_port));
    } else {
        snprintf(buf, len, "(none)");
    }
}

socklen_t dns_sockaddr_len(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                     : (socklen_t)sizeof(struct sockaddr_in);
}

bool dns_sockaddr_equal(const struct sockaddr_storage *a,
                        const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a;
        const struct sockaddr_in *y = (const struct sockaddr_in *)b;
        return x->sin_port == y->sin_port &&
               x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
    return false;
}
