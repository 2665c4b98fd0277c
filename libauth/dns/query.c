/*
 * query.c - the wire form of one query, built with ldns: RD=1, class IN,
 * the given ID, and an EDNS0 OPT record advertising a 1232-byte buffer
 * (the DNS flag day 2020 size: no IP fragmentation) unless edns is false.
 * AD=1 asks a validating resolver to report whether the answer is
 * authenticated (RFC 6840 5.7: without AD or DO it leaves AD clear); CD=1
 * when cd is true, so a validating resolver answers even bogus data (the
 * audit's way to tell a DNSSEC failure from a broken server).
 */
#include <stdlib.h>

#include <ldns/ldns.h>

#include "dns/dns_internal.h"

enum auth_status dns_query_wire(const char *name, uint16_t type, uint16_t id,
                                bool edns, bool cd, uint8_t **out, size_t *outlen)
{
    ldns_rdf *qname = NULL;
    ldns_pkt *pkt;
    ldns_status st;

    *out = NULL;
    *outlen = 0;
    if (ldns_str2rdf_dname(&qname, name) != LDNS_STATUS_OK)
        return AUTH_EINVAL;
    pkt = ldns_pkt_query_new(qname, (ldns_rr_type)type, LDNS_RR_CLASS_IN, LDNS_RD);
    if (!pkt) {
        ldns_rdf_deep_free(qname);
        return AUTH_ENOMEM;
    }
    ldns_pkt_set_id(pkt, id);
    ldns_pkt_set_ad(pkt, true);
    ldns_pkt_set_cd(pkt, cd);
    if (edns)
        ldns_pkt_set_edns_udp_size(pkt, DNS_EDNS_BUFSIZE);
    st = ldns_pkt2wire(out, pkt, outlen);
    ldns_pkt_free(pkt);
    return st == LDNS_STATUS_OK ? AUTH_OK : AUTH_ENOMEM;
}
