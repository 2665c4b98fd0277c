/*
 * auth/mx.h - where a domain receives mail, and who its addresses say they are.
 *
 * mx_lookup() resolves a domain's MX set (RFC 5321 5.1: implicit MX on the
 * domain's own A/AAAA when there is no MX; RFC 7505 null MX), every host's
 * addresses, the PTR names of every address and whether each name resolves
 * back to that address (forward-confirmed reverse DNS).  All lookups of one
 * stage go out together: MX + apex addresses, then all host addresses, then
 * all PTRs, then all forward checks; four round trips whatever the size.
 *
 * mx_ptr_lookup() does the last two stages for one address.
 *
 * The report structs are read-only views owned by the report; free with
 * mx_report_free() / mx_ptr_report_free().  Nothing here prints.
 */
#ifndef AUTH_MX_H
#define AUTH_MX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dns.h"
#include "auth/ipaddr.h"
#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

/* Bounds: hostile zones cannot make a lookup unbounded. */
#define MX_MAX_HOSTS      64
#define MX_MAX_ADDRS      32    /* per host */
#define PTR_MAX_NAMES     16    /* per address */

/* One PTR name of an address and whether it forward-confirms. */
struct ptr_name {
    char *name;
    bool fcrdns;                  /* the name's A/AAAA include the address */
    enum dns_status forward;      /* status of the forward lookup */
};

/* An address with its reverse names. */
struct ptr_report {
    struct auth_ip addr;
    char address[AUTH_IP_STRLEN];
    enum dns_status status;       /* of the PTR query */
    size_t nnames;
    struct ptr_name *names;
    bool fcrdns;                  /* at least one name forward-confirms */
    char *error;                  /* why the PTR query failed, or NULL */
};

struct mx_host {
    uint16_t preference;
    char *host;
    char *cname;                  /* the host is an alias for this, or NULL */
    bool ip_literal;              /* the target is an address string */
    enum dns_status a_status, aaaa_status;
    size_t naddrs;
    struct ptr_report *addrs;
    char *error;                  /* no address, lookup failed..., or NULL */
};

struct mx_report {
    char *domain;
    enum dns_status mx_status;    /* of the MX query itself */
    bool null_mx;                 /* "0 ." (RFC 7505) */
    bool null_mixed;              /* a null MX alongside other MX records */
    bool implicit;                /* no MX: the domain's own addresses */
    size_t nhosts;
    struct mx_host *hosts;        /* by preference, then name */
    bool truncated;               /* more hosts than MX_MAX_HOSTS: the most
                                     preferred MX_MAX_HOSTS are kept */
    size_t nrecords;              /* MX hosts in the answer (null MX aside),
                                     nhosts of them kept */
    char *error;                  /* why the MX query failed, or NULL */
};

/* Resolve everything for domain.  AUTH_OK (the report may still carry DNS
 * failures per host; check mx_status), AUTH_EINVAL (bad name, err says why),
 * AUTH_ENOMEM, AUTH_EIO.  The caller frees *out with mx_report_free(). */
AUTH_MUST_USE
enum auth_status mx_lookup(struct dns_engine *eng, const char *domain,
                           struct mx_report **out, char *err, size_t errlen);
void mx_report_free(struct mx_report *r);

/* PTR names of one address and their forward confirmation.  AUTH_OK,
 * AUTH_ENOMEM, AUTH_EIO.  Free with mx_ptr_report_free(). */
AUTH_MUST_USE
enum auth_status mx_ptr_lookup(struct dns_engine *eng, const struct auth_ip *ip,
                            struct ptr_report **out);
void mx_ptr_report_free(struct ptr_report *r);

/* Fill the PTR names and forward confirmation of n address reports (their
 * addr/address fields set) in two parallel stages.  Used by mx_lookup,
 * mx_ptr_lookup and the audit's sending-IP checks. */
AUTH_MUST_USE
enum auth_status mx_fcrdns_resolve(struct dns_engine *eng, struct ptr_report *const *reps,
                                size_t n);
/* The same, but a PTR name that is one of known's MX hosts is confirmed
 * from the addresses known already resolved (no query): mx_lookup's last
 * stage costs nothing when every MX address's PTR names its MX host. */
struct mx_report;
AUTH_MUST_USE
enum auth_status mx_fcrdns_resolve_known(struct dns_engine *eng, struct ptr_report *const *reps,
                                      size_t n, const struct mx_report *known);

/* Whether a PTR name looks dynamic/generic (an ISP pool name rather than a
 * mail server's own): it embeds the address's digits, or has a label such
 * as dhcp, dyn, dynamic, pool, dsl, cable, ppp, dialup, client, broadband. */
bool mx_ptr_name_is_generic(const char *name, const struct auth_ip *ip);

/* Release what mx_fcrdns_resolve allocated inside one report (not the report). */
void mx_ptr_report_clear(struct ptr_report *r);

AUTH_API_END

#endif
