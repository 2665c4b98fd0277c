/*
 * mx.c - a domain's MX set with addresses, PTR names and FCrDNS, resolved in
 * four parallel stages (see auth/mx.h).
 */
#include <stdlib.h>
#include <string.h>

#include "auth/mx.h"
#include "core/people.h"

void mx_report_free(struct mx_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nhosts; i++) {
        struct mx_host *h = &r->hosts[i];
        for (size_t j = 0; j < h->naddrs; j++)
            mx_ptr_report_clear(&h->addrs[j]);
        free(h->addrs);
        free(h->host);
        free(h->cname);
        free(h->error);
    }
    free(r->hosts);
    free(r->domain);
    free(r->error);
    free(r);
}

static int host_order(const void *a, const void *b)
{
    const struct mx_host *x = a, *y = b;

    if (x->preference != y->preference)
        return x->preference < y->preference ? -1 : 1;
    return strcmp(x->host, y->host);
}

static enum auth_status add_host(struct mx_report *r, uint16_t pref, const char *name)
{
    struct mx_host *h;

    r->nrecords++;
    if (r->nhosts >= MX_MAX_HOSTS) {
        /* Keep the MX_MAX_HOSTS most preferred, whatever the answer order:
         * they are the ones mail goes to. */
        struct mx_host cand = { .preference = pref, .host = (char *)name };
        size_t worst = 0;
        r->truncated = true;
        for (size_t i = 1; i < r->nhosts; i++)
            if (host_order(&r->hosts[i], &r->hosts[worst]) > 0)
                worst = i;
        if (host_order(&cand, &r->hosts[worst]) >= 0)
            return AUTH_OK;
        free(r->hosts[worst].host);
        r->nhosts--;
        r->hosts[worst] = r->hosts[r->nhosts];
    }
    h = &r->hosts[r->nhosts];
    memset(h, 0, sizeof *h);
    h->preference = pref;
    if (!(h->host = strdup(name)))
        return AUTH_ENOMEM;
    struct auth_ip ip;
    h->ip_literal = auth_ip_parse(name, &ip) == AUTH_OK;
    r->nhosts++;
    return AUTH_OK;
}

/* Stage 1 answers: the MX set, or the implicit MX when there is none. */
static enum auth_status take_mx(struct mx_report *r, const struct dns_result *mx,
                                const struct dns_result *a, const struct dns_result *aaaa)
{
    size_t n = dns_result_count(mx);
    size_t nulls = 0;
    enum auth_status st = AUTH_OK;

    r->mx_status = dns_result_status(mx);
    r->hosts = calloc(n ? (n < MX_MAX_HOSTS ? n : MX_MAX_HOSTS) : 1, sizeof *r->hosts);
    if (!r->hosts)
        return AUTH_ENOMEM;
    if (r->mx_status == DNS_DATA) {
        for (size_t i = 0; i < n && st == AUTH_OK; i++) {
            const struct dns_rr *rr = dns_result_rr(mx, i);
            if (strcmp(rr->u.mx.host, ".") == 0) {
                nulls++;
                continue;
            }
            st = add_host(r, rr->u.mx.preference, rr->u.mx.host);
        }
        r->null_mx = nulls > 0;
        r->null_mixed = nulls > 0 && (r->nhosts > 0 || nulls > 1);
        qsort(r->hosts, r->nhosts, sizeof *r->hosts, host_order);
        return st;
    }
    if (r->mx_status == DNS_NODATA &&
        (dns_result_status(a) == DNS_DATA || dns_result_status(aaaa) == DNS_DATA)) {
        r->implicit = true;
        return add_host(r, 0, r->domain);
    }
    if (r->mx_status != DNS_NODATA && !(r->error = strdup(dns_result_why_for_people(mx))))
        return AUTH_ENOMEM;
    return AUTH_OK;
}

/* Copy one host's A or AAAA answer into address reports. */
static enum auth_status take_addrs(struct mx_host *h, const struct dns_result *res)
{
    size_t n = dns_result_count(res);

    if (!n)
        return AUTH_OK;
    if (h->naddrs + n > MX_MAX_ADDRS)
        n = MX_MAX_ADDRS - h->naddrs;
    struct ptr_report *na = realloc(h->addrs, (h->naddrs + n) * sizeof *na);
    if (!na)
        return AUTH_ENOMEM;
    h->addrs = na;
    for (size_t i = 0; i < n; i++) {
        struct ptr_report *p = &h->addrs[h->naddrs++];
        memset(p, 0, sizeof *p);
        p->addr = dns_result_rr(res, i)->u.addr;
        auth_ip_format(&p->addr, p->address, sizeof p->address);
    }
    return AUTH_OK;
}

static enum auth_status describe_host(struct mx_host *h, const struct dns_result *a)
{
    const char *why = NULL;

    if (dns_result_cname_count(a) && !(h->cname = strdup(dns_result_owner(a))))
        return AUTH_ENOMEM;
    if (h->naddrs)
        return AUTH_OK;
    if (h->ip_literal)
        why = TR("the MX target is an IP address, not a host name");
    else if (dns_status_is_temporary(h->a_status))
        why = dns_result_why_for_people(a);
    else if (h->a_status == DNS_NXDOMAIN)
        why = TR("the host name does not exist (NXDOMAIN)");
    else
        why = TR("the host has no A or AAAA record");
    return (h->error = strdup(why)) ? AUTH_OK : AUTH_ENOMEM;
}

/* While a deferring engine has not yet asked for a host's addresses, ask
 * the PTR of the addresses the MX answer's additional section gave for it
 * (hints): they are usually the host's own, and then stage 3 finds its
 * answers already there, a round trip earlier.  Only what the host's own
 * A/AAAA answers say is judged; a wrong hint costs one unused question. */
static void ask_ptr_ahead(struct dns_engine *eng, const struct dns_result *mx,
                          const struct mx_host *h, const struct dns_result *a)
{
    struct auth_ip hint[DNS_MAX_HINT_ADDRS];
    size_t n;
    struct dns_batch *b;

    if (!mx || !dns_result_deferred(a) ||
        !(n = dns_result_hint_addrs(mx, h->host, hint, DNS_MAX_HINT_ADDRS)) ||
        !(b = dns_batch_new(eng)))
        return;
    for (size_t i = 0; i < n; i++) {
        char rev[AUTH_IP_REVLEN];
        auth_ip_reverse_name(&hint[i], rev, sizeof rev);
        dns_batch_add(b, rev, DNS_T_PTR);
    }
    /* deferred: nothing is sent now, and nothing to read back */
    auth_status_ignore(dns_batch_wait(b));
    dns_batch_free(b);
}

/* Stage 2: every host's A and AAAA at once. */
static enum auth_status resolve_hosts(struct dns_engine *eng, struct mx_report *r,
                                      const struct dns_result *mx)
{
    struct dns_batch *b = dns_batch_new(eng);
    enum auth_status st;

    if (!b)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < r->nhosts; i++) {
        dns_batch_add(b, r->hosts[i].host, DNS_T_A);
        dns_batch_add(b, r->hosts[i].host, DNS_T_AAAA);
    }
    st = dns_batch_wait(b);
    for (size_t i = 0; st == AUTH_OK && i < r->nhosts; i++) {
        struct mx_host *h = &r->hosts[i];
        const struct dns_result *a = dns_batch_result(b, 2 * i);
        const struct dns_result *aaaa = dns_batch_result(b, 2 * i + 1);
        h->a_status = dns_result_status(a);
        h->aaaa_status = dns_result_status(aaaa);
        if (!h->ip_literal)
            ask_ptr_ahead(eng, mx, h, a);
        if (h->ip_literal) {
            st = describe_host(h, a);   /* never use its addresses: senders won't */
            continue;
        }
        st = take_addrs(h, a);
        if (st == AUTH_OK)
            st = take_addrs(h, aaaa);
        if (st == AUTH_OK)
            st = describe_host(h, dns_status_is_temporary(h->a_status) ? a :
                               (h->a_status == DNS_DATA ? a : aaaa));
    }
    dns_batch_free(b);
    return st;
}

/* Stages 3 and 4: PTRs and forward confirmation of every address. */
static enum auth_status resolve_ptrs(struct dns_engine *eng, struct mx_report *r)
{
    size_t n = 0, k = 0;
    struct ptr_report **all;
    enum auth_status st;

    for (size_t i = 0; i < r->nhosts; i++)
        n += r->hosts[i].naddrs;
    if (!n)
        return AUTH_OK;
    all = calloc(n, sizeof *all);
    if (!all)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < r->nhosts; i++)
        for (size_t j = 0; j < r->hosts[i].naddrs; j++)
            all[k++] = &r->hosts[i].addrs[j];
    st = mx_fcrdns_resolve_known(eng, all, n, r);
    free(all);
    return st;
}

enum auth_status mx_lookup(struct dns_engine *eng, const char *domain,
                           struct mx_report **out, char *err, size_t errlen)
{
    struct mx_report *r;
    struct dns_batch *b;
    const struct dns_result *mx = NULL;
    enum auth_status st;

    *out = NULL;
    if (dns_name_check(domain, err, errlen) != AUTH_OK)
        return AUTH_EINVAL;
    r = calloc(1, sizeof *r);
    if (!r || !(r->domain = strdup(domain)) || !(b = dns_batch_new(eng))) {
        mx_report_free(r);
        return AUTH_ENOMEM;
    }
    /* The apex addresses go in the same stage: they are the implicit MX. */
    dns_batch_add(b, domain, DNS_T_MX);
    dns_batch_add(b, domain, DNS_T_A);
    dns_batch_add(b, domain, DNS_T_AAAA);
    st = dns_batch_wait(b);
    if (st == AUTH_OK)
        st = take_mx(r, mx = dns_batch_result(b, 0), dns_batch_result(b, 1),
                     dns_batch_result(b, 2));
    dns_batch_free(b);          /* the results stay the engine's */
    if (st == AUTH_OK)
        st = resolve_hosts(eng, r, mx);
    if (st == AUTH_OK)
        st = resolve_ptrs(eng, r);
    if (st != AUTH_OK) {
        mx_report_free(r);
        return auth_fail(err, errlen, st, "%s", auth_strerror(st));
    }
    *out = r;
    return AUTH_OK;
}
