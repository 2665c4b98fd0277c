/*
 * eval_mech.c - the SPF mechanisms that query DNS (RFC 7208 5.3-5.7) and
 * the %{p} macro's validated name (5.5, 7.3), with the void-lookup and
 * per-term name limits of 4.6.4.  Address lookups of the MX or PTR names of
 * one term go out as one parallel batch.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "spf/spf_eval_mech.h"
#include "core/people.h"

void spf_env_domain(struct spf_ctx *c, const char *domain)
{
    if (!spf_lower_copy(c->cur_domain, sizeof c->cur_domain, domain))
        c->cur_domain[0] = '\0';
    c->env.domain = domain;
}

void spf_trace_dns(struct spf_ctx *c, unsigned depth, const char *domain,
                   const struct dns_result *r)
{
    struct spf_trace *t = spf_trace_add(c->ev, SPF_TR_DNS, depth, domain);
    size_t n;
    const char **answers;

    if (!t)
        return;
    t->qname = spf_arena_strdup(c->ev, dns_result_qname(r));
    t->qtype = dns_result_qtype(r);
    t->status = dns_result_status(r);
    n = dns_result_count(r);
    if (t->status != DNS_DATA) {
        t->text = spf_arena_strdup(c->ev, dns_result_why_for_people(r));
        return;
    }
    answers = spf_arena_alloc(c->ev, (n ? n : 1) * sizeof *answers);
    if (!answers)
        return;
    for (size_t i = 0; i < n; i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        const char *txt = rr->text ? rr->text : "";
        answers[i] = spf_arena_printable(c->ev, txt, strlen(txt));
    }
    t->answers = answers;
    t->nanswers = n;
}

const struct dns_result *spf_ask(struct spf_ctx *c, unsigned depth, const char *domain,
                                 const char *name, uint16_t type)
{
    const struct dns_result *r = NULL;

    if (dns_query(c->eng, name, type, &r) != AUTH_OK || !r) {
        spf_note(c, depth, domain, TR("the resolver failed (out of memory or I/O error)"));
        return NULL;
    }
    spf_trace_dns(c, depth, domain, r);
    return r;
}

/* The name a/mx/ptr/exists look at: the expanded domain-spec or <domain>.
 * False (no match, RFC 7208 4.3/5) when it is not a usable DNS name. */
static bool target(struct spf_ctx *c, const char *domain, unsigned depth,
                   const struct spf_term *t, char *name, size_t len)
{
    char err[200];

    if (!t->domain_spec) {
        snprintf(name, len, "%s", domain);
        return true;
    }
    spf_env_domain(c, domain);
    if (spf_macro_expand_domain(t->domain_spec, &c->env, name, len, err, sizeof err)
            != AUTH_OK || !spf_name_usable(name)) {
        spf_note(c, depth, domain, TR("target is not a usable DNS name: no match"));
        return false;
    }
    return true;
}

/* A lookup that returned nothing (NXDOMAIN or NODATA), RFC 7208 4.6.4. */
static enum spf_match void_lookup(struct spf_ctx *c, struct spf_outcome *o)
{
    if (++c->ev->voids > c->max_void)
        return spf_fail_with(c, o, M_PERMERROR, "more than 2 void lookups (RFC 7208 4.6.4)");
    return M_NOMATCH;
}

static unsigned prefix_for(const struct spf_ctx *c, const struct spf_term *t)
{
    if (c->env.ip.family == AF_INET)
        return t->cidr4 < 0 ? 32u : (unsigned)t->cidr4;
    return t->cidr6 < 0 ? 128u : (unsigned)t->cidr6;
}

static uint16_t addr_type(const struct spf_ctx *c)
{
    return c->env.ip.family == AF_INET ? DNS_T_A : DNS_T_AAAA;
}

static bool any_addr_matches(const struct spf_ctx *c, const struct dns_result *r,
                             unsigned prefix)
{
    for (size_t i = 0; i < dns_result_count(r); i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        if ((rr->type == DNS_T_A || rr->type == DNS_T_AAAA) &&
            rr->u.addr.family == c->env.ip.family &&
            auth_ip_prefix_match(&rr->u.addr, &c->env.ip, prefix))
            return true;
    }
    return false;
}

static enum spf_match temp(struct spf_ctx *c, struct spf_outcome *o,
                           const struct dns_result *r)
{
    static const char *const fmt = N_("DNS error: %s");

    if (!r)
        return spf_fail_with(c, o, M_TEMPERROR, "the resolver failed");
    if (!o->reason) {
        /* the answer's why in English in the one, translated in the other */
        o->reason = spf_arena_printf(c->ev, fmt, dns_result_why(r));
        o->reason_for_people = spf_arena_printf(c->ev, auth_people_text(fmt),
                                                dns_result_why_for_people(r));
    }
    return M_TEMPERROR;
}

enum spf_match spf_eval_a(struct spf_ctx *c, const char *domain, unsigned depth,
                          const struct spf_term *t, struct spf_outcome *o)
{
    char name[SPF_MAX_MACRO_OUT];
    const struct dns_result *r;

    if (!target(c, domain, depth, t, name, sizeof name))
        return M_NOMATCH;
    r = spf_ask(c, depth, domain, name, addr_type(c));
    if (!r || dns_status_is_temporary(dns_result_status(r)))
        return temp(c, o, r);
    if (dns_result_status(r) != DNS_DATA)
        return void_lookup(c, o);
    return any_addr_matches(c, r, prefix_for(c, t)) ? M_MATCH : M_NOMATCH;
}

enum spf_match spf_eval_exists(struct spf_ctx *c, const char *domain, unsigned depth,
                               const struct spf_term *t, struct spf_outcome *o)
{
    char name[SPF_MAX_MACRO_OUT];
    const struct dns_result *r;

    if (!target(c, domain, depth, t, name, sizeof name))
        return M_NOMATCH;
    r = spf_ask(c, depth, domain, name, DNS_T_A);   /* always A (RFC 7208 5.7) */
    if (!r || dns_status_is_temporary(dns_result_status(r)))
        return temp(c, o, r);
    if (dns_result_status(r) != DNS_DATA)
        return void_lookup(c, o);
    return M_MATCH;
}

enum spf_match spf_eval_mx(struct spf_ctx *c, const char *domain, unsigned depth,
                           const struct spf_term *t, struct spf_outcome *o)
{
    char name[SPF_MAX_MACRO_OUT];
    const struct dns_result *r;
    struct dns_batch *b;
    size_t n, asked = 0;
    enum spf_match m = M_NOMATCH;
    bool tempfail = false;

    if (!target(c, domain, depth, t, name, sizeof name))
        return M_NOMATCH;
    r = spf_ask(c, depth, domain, name, DNS_T_MX);
    if (!r || dns_status_is_temporary(dns_result_status(r)))
        return temp(c, o, r);
    if (dns_result_status(r) != DNS_DATA)
        return void_lookup(c, o);
    n = dns_result_count(r);
    if (n > SPF_MAX_MX_NAMES)
        return spf_fail_with(c, o, M_PERMERROR,
                             "mx: more than 10 MX names (RFC 7208 4.6.4)");
    b = dns_batch_new(c->eng);
    if (!b)
        return temp(c, o, NULL);
    for (size_t i = 0; i < n; i++) {
        const char *host = dns_result_rr(r, i)->u.mx.host;
        if (host && spf_name_usable(host)) {   /* skips the null MX "." */
            dns_batch_add(b, host, addr_type(c));
            asked++;
        }
    }
    if (asked && dns_batch_wait(b) != AUTH_OK) {
        dns_batch_free(b);
        return temp(c, o, NULL);
    }
    for (size_t i = 0; i < asked && m == M_NOMATCH; i++) {
        const struct dns_result *a = dns_batch_result(b, i);
        spf_trace_dns(c, depth, domain, a);
        if (dns_status_is_temporary(dns_result_status(a)))
            tempfail = true;
        else if (dns_result_status(a) == DNS_DATA && any_addr_matches(c, a, prefix_for(c, t)))
            m = M_MATCH;
    }
    dns_batch_free(b);
    if (m == M_NOMATCH && tempfail)
        return temp(c, o, NULL);
    return m;
}

/* Find the validated names of the client address once (RFC 7208 5.5):
 * PTR names (first 10) whose A/AAAA records include the address. */
static enum dns_status validate_ptr(struct spf_ctx *c, unsigned depth, const char *domain)
{
    char rev[AUTH_IP_REVLEN];
    const struct dns_result *r;
    struct dns_batch *b;
    size_t n, asked = 0;
    const char *names[SPF_MAX_PTR_NAMES];

    c->ptr_done = true;
    c->nptr = 0;
    auth_ip_reverse_name(&c->env.ip, rev, sizeof rev);
    r = spf_ask(c, depth, domain, rev, DNS_T_PTR);
    if (!r)
        return DNS_ERROR;
    if (dns_result_status(r) != DNS_DATA)
        return dns_result_status(r);
    n = dns_result_count(r);
    if (n > SPF_MAX_PTR_NAMES)
        spf_note(c, depth, domain, TR("more than 10 PTR names: only the first 10 are checked"));
    b = dns_batch_new(c->eng);
    if (!b)
        return DNS_ERROR;
    for (size_t i = 0; i < n && asked < SPF_MAX_PTR_NAMES; i++) {
        const char *nm = dns_result_rr(r, i)->u.name;
        if (nm && spf_name_usable(nm)) {
            names[asked++] = nm;
            dns_batch_add(b, nm, addr_type(c));
        }
    }
    if (asked && dns_batch_wait(b) != AUTH_OK) {
        dns_batch_free(b);
        return DNS_ERROR;
    }
    for (size_t i = 0; i < asked; i++) {
        const struct dns_result *a = dns_batch_result(b, i);
        spf_trace_dns(c, depth, domain, a);
        /* a DNS error here skips that name (RFC 7208 5.5) */
        if (dns_result_status(a) == DNS_DATA && any_addr_matches(c, a, 128) &&
            spf_lower_copy(c->ptr_names[c->nptr], sizeof c->ptr_names[0], names[i]))
            c->nptr++;
    }
    dns_batch_free(b);
    return DNS_DATA;
}

enum spf_match spf_eval_ptr(struct spf_ctx *c, const char *domain, unsigned depth,
                            const struct spf_term *t, struct spf_outcome *o)
{
    char name[SPF_MAX_MACRO_OUT];
    enum dns_status st;

    if (!target(c, domain, depth, t, name, sizeof name))
        return M_NOMATCH;
    st = validate_ptr(c, depth, domain);
    if (st == DNS_NXDOMAIN || st == DNS_NODATA)
        return void_lookup(c, o);
    /* a DNS error on the PTR lookup: no match (RFC 7208 5.5) */
    for (size_t i = 0; i < c->nptr; i++)
        if (spf_name_within(c->ptr_names[i], name))
            return M_MATCH;
    return M_NOMATCH;
}

const char *spf_ptr_macro(void *arg)
{
    struct spf_ctx *c = arg;
    const char *domain = c->env.domain ? c->env.domain : "";

    if (!c->ptr_done)
        validate_ptr(c, 0, domain);
    /* prefer the domain itself or a subdomain of it (RFC 7208 7.3) */
    for (size_t i = 0; i < c->nptr; i++)
        if (spf_name_within(c->ptr_names[i], domain))
            return c->ptr_names[i];
    return c->nptr ? c->ptr_names[0] : "unknown";
}
