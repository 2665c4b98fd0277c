/*
 * auth/ipaddr.h - IP addresses as values: parse, format, reverse names, CIDR.
 *
 * One small value type shared by DNS (A/AAAA, PTR), SPF (ip4/ip6, CIDR
 * matching) and the audit (private/reserved ranges).  No allocation.
 */
#ifndef AUTH_IPADDR_H
#define AUTH_IPADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/status.h"

struct auth_ip {
    int family;              /* AF_INET or AF_INET6 */
    unsigned char b[16];     /* network order; 4 bytes used for AF_INET */
};

/* Longest text form, with NUL (INET6_ADDRSTRLEN). */
#define AUTH_IP_STRLEN 46
/* Longest reverse name: 32 nibbles "x." + "ip6.arpa" + NUL. */
#define AUTH_IP_REVLEN 74

/* Parse a literal IPv4 or IPv6 address (no brackets, no port, no scope).
 * AUTH_OK or AUTH_EINVAL. */
AUTH_MUST_USE
enum auth_status auth_ip_parse(const char *text, struct auth_ip *out);

/* Text form into buf (at least AUTH_IP_STRLEN bytes).  Returns buf. */
const char *auth_ip_format(const struct auth_ip *ip, char *buf, size_t len);

/* The PTR query name: "4.3.2.1.in-addr.arpa" or the ip6.arpa nibble form,
 * without trailing dot, into buf (at least AUTH_IP_REVLEN bytes). */
const char *auth_ip_reverse_name(const struct auth_ip *ip, char *buf, size_t len);

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes the IPv4 address
 * (RFC 7208 5: mapped addresses are evaluated as IPv4).  Others unchanged. */
struct auth_ip auth_ip_unmap(const struct auth_ip *ip);

/* Whether the first prefix bits of a and b agree (families must match;
 * prefix is clamped to the family's width). */
bool auth_ip_prefix_match(const struct auth_ip *a, const struct auth_ip *b,
                          unsigned prefix);

bool auth_ip_equal(const struct auth_ip *a, const struct auth_ip *b);

/* Loopback, private (RFC 1918, ULA), link-local, CGNAT, benchmarking,
 * unspecified, multicast: addresses a mail server on the Internet cannot
 * have.  The documentation prefixes (RFC 5737, RFC 3849) are not included:
 * they are what example zones, and this project's test zones, use. */
bool auth_ip_is_private(const struct auth_ip *ip);

/* The documentation prefixes (RFC 5737: 192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24; RFC 3849: 2001:db8::/32): never routed, so network probes
 * (SMTP, HTTPS) skip them instead of waiting for a timeout. */
bool auth_ip_is_documentation(const struct auth_ip *ip);

#endif
