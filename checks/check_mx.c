/*
 * check_mx.c - mx.* findings, and ptr.* for the MX hosts' addresses.
 *
 * One mx_lookup() (four parallel stages) gives everything: the MX set,
 * every host's addresses, their PTR names and forward confirmation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "audit.h"
#include "auth/mx.h"

#define REF_5321 "RFC 5321 5.1"

static enum auth_status presence(const struct mx_report *r, struct finding_list *out)
{
    char fix[512];

    if (dns_status_is_temporary(r->mx_status))
        return auth_finding_addf(out, "mx.present", SEV_ERROR, "MX lookup failed", NULL, NULL,
                            "%s", r->error ? r->error : dns_status_name(r->mx_status));
    if (r->null_mx)
        return auth_finding_add(out, r->null_mixed ? "mx.null-mixed" : "mx.null",
                           r->null_mixed ? SEV_FAIL : SEV_INFO,
                           r->null_mixed ? "a null MX is mixed with other MX records"
                                         : N_("null MX: this domain receives no mail"),
                           r->null_mixed ? "RFC 7505 section 3: a null MX must be the only "
                                           "MX record; senders may treat the domain as "
                                           "undeliverable" : NULL,
                           NULL, "RFC 7505");
    if (r->implicit)
        return auth_finding_add(out, "mx.present", SEV_WARN,
                           "no MX records: mail goes to the domain's own address",
                           "Without MX records senders fall back to the A/AAAA of the domain "
                           "itself (implicit MX). Publish an explicit MX.",
                           (snprintf(fix, sizeof fix, "%s. 3600 IN MX 10 %s.", r->domain,
                                     r->domain), fix), REF_5321);
    if (!r->nhosts)
        return auth_finding_add(out, "mx.present", SEV_FAIL,
                           r->mx_status == DNS_NXDOMAIN ? "the domain does not exist"
                                                        : N_("no MX records and no address"),
                           "Mail to this domain cannot be delivered. If the domain sends "
                           "but never receives mail, publish a null MX (RFC 7505).",
                           (snprintf(fix, sizeof fix, "%s. 3600 IN MX 0 .", r->domain), fix),
                           REF_5321);
    return auth_finding_addf(out, "mx.present", SEV_PASS, "MX records published", NULL, REF_5321,
                        "%zu MX host%s", r->nhosts, r->nhosts == 1 ? "" : "s");
}

static bool listed_before(const struct mx_report *r, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(r->hosts[j].host, r->hosts[i].host) == 0)
            return true;
    return false;
}

static enum auth_status host_findings(const struct mx_report *r, size_t i,
                                      struct finding_list *out)
{
    const struct mx_host *h = &r->hosts[i];
    enum auth_status st = AUTH_OK;

    for (size_t j = 0; j < i; j++)
        if (strcmp(r->hosts[j].host, h->host) == 0)
            return auth_finding_addf(out, "mx.duplicate", SEV_INFO, "MX host listed twice", NULL,
                                NULL, "%s appears at preference %u and %u", h->host,
                                r->hosts[j].preference, h->preference);
    if (h->ip_literal)
        return auth_finding_addf(out, "mx.target-ip-literal", SEV_FAIL,
                            "MX target is an IP address", NULL, "RFC 5321 5.1",
                            "MX %u %s: an MX must name a host; senders look the name up "
                            "as a domain and fail", h->preference, h->host);
    if (h->cname)
        st = auth_finding_addf(out, "mx.target-cname", SEV_WARN, "MX target is an alias (CNAME)",
                          NULL, "RFC 2181 10.3", "%s is a CNAME for %s; name %s in the MX "
                          "record instead", h->host, h->cname, h->cname);
    if (st != AUTH_OK || h->naddrs)
        return st;
    if (dns_status_is_temporary(h->a_status))
        return auth_finding_addf(out, "mx.target-unresolvable", SEV_ERROR,
                            "could not resolve an MX host", NULL, NULL, "%s: %s", h->host,
                            h->error ? h->error : dns_status_name(h->a_status));
    return auth_finding_addf(out, "mx.target-unresolvable", SEV_FAIL, "MX host has no address",
                        NULL, REF_5321, "%s: %s", h->host, h->error ? h->error : "");
}

static enum auth_status address_findings(const struct mx_host *h, struct finding_list *out,
                                         bool allow_private)
{
    enum auth_status st = AUTH_OK;

    for (size_t k = 0; k < h->naddrs && st == AUTH_OK; k++) {
        const struct ptr_report *p = &h->addrs[k];
        if (auth_ip_is_private(&p->addr) && !allow_private)
            st = auth_finding_addf(out, "mx.target-private", SEV_FAIL,
                              "MX host resolves to a private or reserved address", NULL, NULL,
                              "%s has address %s, which is not reachable from the Internet",
                              h->host, p->address);
        if (st != AUTH_OK)
            break;
        if (auth_ip_is_private(&p->addr) && !allow_private)
            continue;       /* its PTR means nothing outside the private network */
        if (dns_status_is_temporary(p->status))
            st = auth_finding_addf(out, "ptr.missing", SEV_ERROR, "PTR lookup failed", NULL, NULL,
                              "%s (%s): %s", p->address, h->host, p->error ? p->error : "");
        else if (!p->nnames)
            st = auth_finding_addf(out, "ptr.missing", SEV_WARN, "MX address has no PTR record",
                              NULL, "RFC 1912 2.1", "%s (%s): ask the address's owner for "
                              "a PTR naming %s", p->address, h->host, h->host);
        else if (!p->fcrdns)
            st = auth_finding_addf(out, "ptr.fcrdns", SEV_WARN,
                              "MX address's PTR name does not resolve back to it", NULL, NULL,
                              "%s has PTR %s, whose addresses do not include %s", p->address,
                              p->names[0].name, p->address);
        for (size_t n = 0; st == AUTH_OK && n < p->nnames; n++)
            if (mx_ptr_name_is_generic(p->names[n].name, &p->addr))
                st = auth_finding_addf(out, "ptr.generic", SEV_WARN,
                                  "PTR name looks dynamic or generic", NULL, NULL,
                                  "%s has PTR %s", p->address, p->names[n].name);
    }
    return st;
}

static enum auth_status ipv6_finding(const struct mx_report *r, struct finding_list *out)
{
    for (size_t i = 0; i < r->nhosts; i++)
        for (size_t k = 0; k < r->hosts[i].naddrs; k++)
            if (r->hosts[i].addrs[k].addr.family == AF_INET6)
                return AUTH_OK;
    return auth_finding_add(out, "mx.ipv6", SEV_INFO, "no MX host has an IPv6 address",
                       "Senders on IPv6-only networks cannot reach this domain directly.",
                       NULL, NULL);
}

static enum auth_status keep_records(struct audit_ctx *ctx, const struct mx_report *r)
{
    char line[300];
    enum auth_status st = AUTH_OK;

    for (size_t i = 0; i < r->nhosts && st == AUTH_OK; i++) {
        snprintf(line, sizeof line, "%u %s", r->hosts[i].preference, r->hosts[i].host);
        st = audit_add_record(ctx, "mx", line);
    }
    return st;
}

/* The lookups behind the MX family's findings: each query, its status and
 * the records (ptr lookups are named in each ptr finding's detail). */
static char *evidence(const struct mx_report *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    if (!fp)
        return NULL;
    fprintf(fp, "MX %s: %s", r->domain, dns_status_name(r->mx_status));
    for (size_t i = 0; i < r->nhosts; i++)
        fprintf(fp, "%s%u %s", i ? ", " : " ", r->hosts[i].preference, r->hosts[i].host);
    for (size_t i = 0; i < r->nhosts; i++) {
        const struct mx_host *h = &r->hosts[i];
        fprintf(fp, "\nA/AAAA %s: %s/%s", h->host, dns_status_name(h->a_status),
                dns_status_name(h->aaaa_status));
        if (h->cname)
            fprintf(fp, " (CNAME to %s)", h->cname);
        for (size_t k = 0; k < h->naddrs; k++)
            fprintf(fp, "%s%s", k ? ", " : " ", h->addrs[k].address);
    }
    fclose(fp);
    return buf;
}

static enum auth_status attach_evidence(struct finding_list *out, size_t from,
                                        const struct mx_report *r)
{
    char *ev;

    if (from == out->count)
        return AUTH_OK;
    if (!(ev = evidence(r)))
        return AUTH_ENOMEM;
    for (size_t i = from; i < out->count; i++) {
        if (out->items[i].evidence)
            continue;
        if (!(out->items[i].evidence = strdup(ev))) {
            free(ev);
            return AUTH_ENOMEM;
        }
    }
    free(ev);
    return AUTH_OK;
}

enum auth_status check_mx(struct audit_ctx *ctx, struct finding_list *out)
{
    size_t first = out->count;
    struct mx_report *r = NULL;
    char err[256];
    enum auth_status st = mx_lookup(ctx->eng, ctx->domain, &r, err, sizeof err);

    if (st != AUTH_OK)
        return st;
    st = presence(r, out);
    for (size_t i = 0; st == AUTH_OK && i < r->nhosts; i++) {
        st = host_findings(r, i, out);
        if (st == AUTH_OK && !listed_before(r, i))
            st = address_findings(&r->hosts[i], out, ctx->opt->allow_private);
    }
    if (st == AUTH_OK && r->nhosts && !r->null_mx)
        st = ipv6_finding(r, out);
    if (st == AUTH_OK)
        st = keep_records(ctx, r);
    if (st == AUTH_OK)
        st = attach_evidence(out, first, r);
    mx_report_free(r);
    return st;
}
