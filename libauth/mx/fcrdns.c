/*
 * fcrdns.c - PTR names of addresses and forward confirmation, in two stages:
 * every PTR query at once, then every forward A/AAAA query of every name at
 * once.  A name forward-confirms when its addresses include the address it
 * was found for (the same family only).
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <strings.h>

#include "auth/mx.h"

void mx_ptr_report_clear(struct ptr_report *r)
{
    for (size_t i = 0; i < r->nnames; i++)
        free(r->names[i].name);
    free(r->names);
    free(r->error);
    r->names = NULL;
    r->nnames = 0;
    r->error = NULL;
    r->fcrdns = false;
}

void mx_ptr_report_free(struct ptr_report *r)
{
    if (!r)
        return;
    mx_ptr_report_clear(r);
    free(r);
}

/* Copy the PTR answer of one address into its report. */
static enum auth_status take_names(struct ptr_report *rep, const struct dns_result *res)
{
    size_t n = dns_result_count(res);

    rep->status = dns_result_status(res);
    if (rep->status != DNS_DATA && rep->status != DNS_NODATA &&
        rep->status != DNS_NXDOMAIN && !(rep->error = strdup(dns_result_why_for_people(res))))
        return AUTH_ENOMEM;
    if (n > PTR_MAX_NAMES)
        n = PTR_MAX_NAMES;
    if (!n)
        return AUTH_OK;
    rep->names = calloc(n, sizeof *rep->names);
    if (!rep->names)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        rep->names[i].name = strdup(dns_result_rr(res, i)->u.name);
        if (!rep->names[i].name)
            return AUTH_ENOMEM;
        rep->nnames++;
    }
    return AUTH_OK;
}

static bool result_has_addr(const struct dns_result *res, const struct auth_ip *ip)
{
    for (size_t i = 0; i < dns_result_count(res); i++)
        if (auth_ip_equal(&dns_result_rr(res, i)->u.addr, ip))
            return true;
    return false;
}

static enum auth_status ask_ptrs(struct dns_engine *eng, struct ptr_report *const *reps,
                                 size_t n)
{
    struct dns_batch *b = dns_batch_new(eng);
    enum auth_status st;

    if (!b)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char rev[AUTH_IP_REVLEN];
        auth_ip_reverse_name(&reps[i]->addr, rev, sizeof rev);
        dns_batch_add(b, rev, DNS_T_PTR);
    }
    st = dns_batch_wait(b);
    for (size_t i = 0; st == AUTH_OK && i < n; i++)
        st = take_names(reps[i], dns_batch_result(b, i));
    dns_batch_free(b);
    return st;
}

/* A host of the MX report whose A/AAAA answers are already known. */
static const struct mx_host *known_host(const struct mx_report *known, const char *name)
{
    for (size_t i = 0; known && i < known->nhosts; i++) {
        const struct mx_host *h = &known->hosts[i];
        if (!h->ip_literal && !h->cname && !strcasecmp(h->host, name) &&
            !dns_status_is_temporary(h->a_status) && !dns_status_is_temporary(h->aaaa_status))
            return h;
    }
    return NULL;
}

static bool host_has_addr(const struct mx_host *h, const struct auth_ip *ip)
{
    for (size_t i = 0; i < h->naddrs; i++)
        if (auth_ip_equal(&h->addrs[i].addr, ip))
            return true;
    return false;
}

static void confirm(struct ptr_report *rep, struct ptr_name *pn, enum dns_status st, bool has)
{
    pn->forward = st;
    pn->fcrdns = has;
    if (has)
        rep->fcrdns = true;
}

/* Forward lookups of every PTR name, in one batch.  A name that is one of
 * the known MX hosts is confirmed from the addresses already resolved: the
 * usual case (an MX address whose PTR names the MX host) costs no query and
 * no round trip. */
static enum auth_status confirm_names(struct dns_engine *eng, struct ptr_report *const *reps,
                                      size_t n, const struct mx_report *known)
{
    struct dns_batch *b = dns_batch_new(eng);
    enum auth_status st;
    size_t k = 0;

    if (!b)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < reps[i]->nnames; j++)
            if (!known_host(known, reps[i]->names[j].name))
                dns_batch_add(b, reps[i]->names[j].name,
                              reps[i]->addr.family == AF_INET ? DNS_T_A : DNS_T_AAAA);
    st = dns_batch_count(b) ? dns_batch_wait(b) : AUTH_OK;
    for (size_t i = 0; st == AUTH_OK && i < n; i++) {
        for (size_t j = 0; j < reps[i]->nnames; j++) {
            struct ptr_name *pn = &reps[i]->names[j];
            const struct mx_host *h = known_host(known, pn->name);
            if (h) {
                confirm(reps[i], pn, reps[i]->addr.family == AF_INET ? h->a_status
                                                                     : h->aaaa_status,
                        host_has_addr(h, &reps[i]->addr));
            } else {
                const struct dns_result *res = dns_batch_result(b, k++);
                confirm(reps[i], pn, dns_result_status(res),
                        result_has_addr(res, &reps[i]->addr));
            }
        }
    }
    dns_batch_free(b);
    return st;
}

enum auth_status mx_fcrdns_resolve_known(struct dns_engine *eng, struct ptr_report *const *reps,
                                      size_t n, const struct mx_report *known)
{
    enum auth_status st;

    if (!n)
        return AUTH_OK;
    st = ask_ptrs(eng, reps, n);
    return st == AUTH_OK ? confirm_names(eng, reps, n, known) : st;
}

enum auth_status mx_fcrdns_resolve(struct dns_engine *eng, struct ptr_report *const *reps,
                                size_t n)
{
    return mx_fcrdns_resolve_known(eng, reps, n, NULL);
}

enum auth_status mx_ptr_lookup(struct dns_engine *eng, const struct auth_ip *ip,
                            struct ptr_report **out)
{
    struct ptr_report *r = calloc(1, sizeof *r);
    enum auth_status st;

    *out = NULL;
    if (!r)
        return AUTH_ENOMEM;
    r->addr = *ip;
    auth_ip_format(ip, r->address, sizeof r->address);
    st = mx_fcrdns_resolve(eng, &r, 1);
    if (st != AUTH_OK) {
        mx_ptr_report_free(r);
        return st;
    }
    *out = r;
    return AUTH_OK;
}
