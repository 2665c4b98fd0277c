/*
 * eval.c - check_host() of RFC 7208 4: record selection, term loop,
 * include/redirect recursion, processing limits, explanation (6.2).
 *
 * The mechanisms that query DNS are in eval_mech.c.  Every DNS question goes
 * through the engine and is written to the trace with its typed answer.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "spf/spf_eval_mech.h"
#include "core/people.h"

#define MAX_DEPTH 24          /* hard bound; the lookup limit stops far earlier */
#define MAX_IDENTITY 1024     /* bytes of MAIL FROM / HELO accepted */

static enum spf_result check_host(struct spf_ctx *c, const char *domain, unsigned depth,
                                  bool want_exp, struct spf_outcome *o);

void spf_note(struct spf_ctx *c, unsigned depth, const char *domain, const char *text)
{
    struct spf_trace *t = spf_trace_add(c->ev, SPF_TR_NOTE, depth, domain);
    if (t)
        t->text = spf_arena_strdup(c->ev, text);
}

static void set_reason_v(struct spf_ctx *c, struct spf_outcome *o, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void set_reason_v(struct spf_ctx *c, struct spf_outcome *o, const char *fmt, va_list ap)
{
    char *en, *people;

    if (!auth_text_vpair(&en, &people, fmt, ap)) {
        c->ev->nomem = true;
        return;
    }
    o->reason = spf_arena_strdup(c->ev, en);
    o->reason_for_people = spf_arena_strdup(c->ev, people);
    free(en);
    free(people);
}

void spf_set_reason(struct spf_ctx *c, struct spf_outcome *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_reason_v(c, o, fmt, ap);
    va_end(ap);
}

enum spf_match spf_fail_with(struct spf_ctx *c, struct spf_outcome *o, enum spf_match m,
                             const char *fmt, ...)
{
    va_list ap;

    if (o->reason)
        return m;
    va_start(ap, fmt);
    set_reason_v(c, o, fmt, ap);
    va_end(ap);
    return m;
}

/* A syntax error of domain's record: the parser's message in English inside
 * the header's reason, in the user's language in the text for people. */
static void syntax_reason(struct spf_ctx *c, struct spf_outcome *o, const char *domain,
                          const char *txt, size_t len, const char *err)
{
    static const char *const fmt = N_("%s: syntax error: %s");
    struct spf_record *again = NULL;
    char err_en[300] = "";

    auth_english_begin();
    if (spf_record_parse(txt, len, &again, NULL, err_en, sizeof err_en) == AUTH_OK)
        spf_record_free(again);       /* cannot happen: the same text failed */
    auth_english_end();
    o->reason = spf_arena_printf(c->ev, fmt, domain, err_en);
    o->reason_for_people = spf_arena_printf(c->ev, TR(fmt), domain, err);
}

/* Fetch and select the SPF record of domain. */
static enum spf_result fetch_record(struct spf_ctx *c, const char *domain, unsigned depth,
                                    struct spf_outcome *o, struct spf_record **rec)
{
    const struct dns_result *r = spf_ask(c, depth, domain, domain, DNS_T_TXT);
    const unsigned char *txt = NULL;
    size_t len = 0, n;
    char err[300];
    struct spf_trace *t;

    *rec = NULL;
    if (!r) {
        spf_set_reason(c, o, "%s: the resolver failed fetching the SPF record", domain);
        return SPF_TEMPERROR;
    }
    if (dns_status_is_temporary(dns_result_status(r))) {
        static const char *const fmt = N_("%s: DNS error fetching the SPF record: %s");

        /* the answer's why in English in the one, translated in the other */
        o->reason = spf_arena_printf(c->ev, fmt, domain, dns_result_why(r));
        o->reason_for_people = spf_arena_printf(c->ev, auth_people_text(fmt), domain,
                                                dns_result_why_for_people(r));
        return SPF_TEMPERROR;
    }
    if (dns_result_status(r) == DNS_NXDOMAIN) {
        spf_set_reason(c, o, "%s: no SPF record (the name does not exist)", domain);
        return SPF_NONE;
    }
    if (dns_result_status(r) != DNS_DATA ||
        (n = spf_select_record(r, &txt, &len, NULL)) == 0) {
        spf_set_reason(c, o, "%s: no SPF record (no TXT record starting with v=spf1)", domain);
        return SPF_NONE;
    }
    if (n > 1) {
        spf_set_reason(c, o, "%s: %zu SPF records (exactly one allowed)", domain, n);
        return SPF_PERMERROR;
    }
    t = spf_trace_add(c->ev, SPF_TR_RECORD, depth, domain);
    if (t)
        t->text = spf_arena_printable(c->ev, (const char *)txt, len);
    if (spf_record_parse((const char *)txt, len, rec, NULL, err, sizeof err) != AUTH_OK) {
        syntax_reason(c, o, domain, (const char *)txt, len, err);
        return SPF_PERMERROR;
    }
    return SPF_NEUTRAL;   /* "record found", the caller evaluates it */
}

/* Whether a TXT explanation is printable ASCII (RFC 7208 6.2: US-ASCII). */
static bool exp_text_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    return true;
}

/* RFC 7208 6.2: fetch, check and expand the explanation; any problem means
 * "as if no exp= was given". */
static void explain(struct spf_ctx *c, const struct spf_record *rec, const char *domain,
                    unsigned depth, struct spf_outcome *o)
{
    const struct spf_term *exp = spf_record_exp(rec);
    char name[SPF_MAX_MACRO_OUT], text[SPF_MAX_MACRO_OUT], err[200];
    const struct dns_result *r;
    const struct dns_rr *rr;

    if (!exp || c->no_exp)
        return;
    spf_env_domain(c, domain);
    if (spf_macro_expand_domain(exp->domain_spec, &c->env, name, sizeof name, err,
                                sizeof err) != AUTH_OK || !spf_name_usable(name)) {
        spf_note(c, depth, domain, TR("exp= target does not expand to a usable name: ignored"));
        return;
    }
    r = spf_ask(c, depth, domain, name, DNS_T_TXT);
    if (!r || dns_result_status(r) != DNS_DATA || dns_result_count(r) != 1) {
        spf_note(c, depth, domain, TR("exp= needs exactly one TXT record: ignored"));
        return;
    }
    rr = dns_result_rr(r, 0);
    if (!exp_text_ok(rr->u.txt.data, rr->u.txt.len) ||
        spf_macro_expand((const char *)rr->u.txt.data, rr->u.txt.len, &c->env, true, text,
                         sizeof text, NULL, err, sizeof err) != AUTH_OK) {
        spf_note(c, depth, domain, TR("explanation text is not a valid explanation-string: ignored"));
        return;
    }
    o->explanation = spf_arena_strdup(c->ev, text);
}

static void trace_term(struct spf_ctx *c, unsigned depth, const char *domain,
                       const struct spf_term *t, const char *outcome)
{
    struct spf_trace *e = spf_trace_add(c->ev, SPF_TR_TERM, depth, domain);
    if (e) {
        e->text = spf_arena_strdup(c->ev, t->text);
        e->outcome = outcome;
    }
}

/* include / redirect target: expand and check it. */
static bool target_name(struct spf_ctx *c, const char *domain, const struct spf_term *t,
                        char *name, size_t len)
{
    char err[200];

    spf_env_domain(c, domain);
    return spf_macro_expand_domain(t->domain_spec, &c->env, name, len, err,
                                   sizeof err) == AUTH_OK && spf_domain_valid(name);
}

static enum spf_match eval_include(struct spf_ctx *c, const char *domain, unsigned depth,
                                   const struct spf_term *t, struct spf_outcome *o)
{
    char name[SPF_MAX_MACRO_OUT];
    struct spf_outcome inner = {0};
    enum spf_result r;

    if (!target_name(c, domain, t, name, sizeof name))
        return spf_fail_with(c, o, M_PERMERROR, "include target is not a valid domain name");
    r = check_host(c, name, depth + 1, false, &inner);
    switch (r) {
    case SPF_PASS:
        return M_MATCH;
    case SPF_FAIL:
    case SPF_SOFTFAIL:
    case SPF_NEUTRAL:
        return M_NOMATCH;
    case SPF_TEMPERROR:
        o->reason = inner.reason;
        o->reason_for_people = inner.reason_for_people;
        return M_TEMPERROR;
    case SPF_NONE:
        spf_set_reason(c, o, "include:%s has no SPF record", name);
        return M_PERMERROR;
    default:
        o->reason = inner.reason;
        o->reason_for_people = inner.reason_for_people;
        return M_PERMERROR;
    }
}

/* Count a DNS-querying term; false when over the limit. */
static bool count_lookup(struct spf_ctx *c)
{
    return ++c->ev->lookups <= c->max_lookups;
}

/* The reason when count_lookup() said no: the limit in force, which the
 * caller may have set below or above the RFC's 10. */
static void lookup_limit_reason(struct spf_ctx *c, struct spf_outcome *o)
{
    spf_set_reason(c, o, "more than %u DNS-querying terms (RFC 7208 4.6.4)", c->max_lookups);
}

static enum spf_match eval_term(struct spf_ctx *c, const char *domain, unsigned depth,
                                const struct spf_term *t, struct spf_outcome *o)
{
    if (spf_term_kind_queries_dns(t->kind) && !count_lookup(c)) {
        if (!o->reason)
            lookup_limit_reason(c, o);
        return M_PERMERROR;
    }
    switch (t->kind) {
    case SPF_T_ALL: return M_MATCH;
    case SPF_T_IP4:
    case SPF_T_IP6:
        if (t->ip.family != c->env.ip.family)
            return M_NOMATCH;
        return auth_ip_prefix_match(&t->ip, &c->env.ip, (unsigned)(t->kind == SPF_T_IP4
                   ? (t->cidr4 < 0 ? 32 : t->cidr4) : (t->cidr6 < 0 ? 128 : t->cidr6)))
               ? M_MATCH : M_NOMATCH;
    case SPF_T_INCLUDE: return eval_include(c, domain, depth, t, o);
    case SPF_T_A: return spf_eval_a(c, domain, depth, t, o);
    case SPF_T_MX: return spf_eval_mx(c, domain, depth, t, o);
    case SPF_T_PTR: return spf_eval_ptr(c, domain, depth, t, o);
    case SPF_T_EXISTS: return spf_eval_exists(c, domain, depth, t, o);
    default: return M_NOMATCH;   /* modifiers are not terms of the loop */
    }
}

static const char *match_name(enum spf_match m)
{
    switch (m) {
    case M_MATCH: return "match";
    case M_NOMATCH: return "no match";
    case M_TEMPERROR: return "temperror";
    default: return "permerror";
    }
}

static enum spf_result eval_redirect(struct spf_ctx *c, const char *domain, unsigned depth,
                                     const struct spf_term *t, bool want_exp,
                                     struct spf_outcome *o)
{
    char name[SPF_MAX_MACRO_OUT];
    enum spf_result r;

    if (!count_lookup(c)) {
        trace_term(c, depth, domain, t, "permerror");
        lookup_limit_reason(c, o);
        return SPF_PERMERROR;
    }
    if (!target_name(c, domain, t, name, sizeof name)) {
        trace_term(c, depth, domain, t, "permerror");
        spf_set_reason(c, o, "redirect target is not a valid domain name");
        return SPF_PERMERROR;
    }
    trace_term(c, depth, domain, t, "follow");
    r = check_host(c, name, depth + 1, want_exp, o);
    if (r == SPF_NONE) {
        spf_set_reason(c, o, "redirect=%s has no SPF record", name);
        return SPF_PERMERROR;
    }
    return r;
}

/* Evaluate the terms of a parsed record (RFC 7208 4.6.2, 6.1). */
static enum spf_result eval_record(struct spf_ctx *c, const struct spf_record *rec,
                                   const char *domain, unsigned depth, bool want_exp,
                                   struct spf_outcome *o)
{
    for (size_t i = 0; i < spf_record_count(rec); i++) {
        const struct spf_term *t = spf_record_term(rec, i);
        enum spf_match m;

        if (t->kind >= SPF_T_REDIRECT)
            continue;
        m = eval_term(c, domain, depth, t, o);
        trace_term(c, depth, domain, t, match_name(m));
        if (m == M_TEMPERROR)
            return SPF_TEMPERROR;
        if (m == M_PERMERROR)
            return SPF_PERMERROR;
        if (m == M_MATCH) {
            o->mechanism = spf_arena_strdup(c->ev, t->text);
            o->mech_domain = spf_arena_strdup(c->ev, domain);
            if (t->qualifier == SPF_FAIL && want_exp)
                explain(c, rec, domain, depth, o);
            return t->qualifier;
        }
    }
    if (spf_record_redirect(rec))
        return eval_redirect(c, domain, depth, spf_record_redirect(rec), want_exp, o);
    spf_set_reason(c, o, "%s: no mechanism matched (default neutral)", domain);
    return SPF_NEUTRAL;
}

static enum spf_result check_host(struct spf_ctx *c, const char *domain, unsigned depth,
                                  bool want_exp, struct spf_outcome *o)
{
    struct spf_record *rec = NULL;
    enum spf_result r;
    struct spf_trace *t = spf_trace_add(c->ev, SPF_TR_CHECK, depth, domain);

    (void)t;
    if (depth > MAX_DEPTH) {
        spf_set_reason(c, o, "include/redirect nesting too deep");
        r = SPF_PERMERROR;
    } else {
        r = fetch_record(c, domain, depth, o, &rec);
        if (rec)
            r = eval_record(c, rec, domain, depth, want_exp, o);
    }
    spf_record_free(rec);
    t = spf_trace_add(c->ev, SPF_TR_RESULT, depth, domain);
    if (t)
        t->outcome = spf_result_name(r);
    return r;
}

/* Split the identity into the macro environment (RFC 7208 2.4, 4.3). */
static bool setup_identity(struct spf_ctx *c, const struct spf_request *req,
                           char *domain, size_t dlen)
{
    const char *mf = req->mail_from && *req->mail_from ? req->mail_from : NULL;
    const char *helo = req->helo ? req->helo : "";
    const char *at, *dom;

    if (strlen(helo) >= sizeof c->helo || (mf && strlen(mf) >= MAX_IDENTITY))
        return false;
    memcpy(c->helo, helo, strlen(helo) + 1);
    if (mf) {
        at = strrchr(mf, '@');
        dom = at ? at + 1 : mf;
        if (at && at > mf) {
            memcpy(c->local, mf, (size_t)(at - mf));
            c->local[at - mf] = '\0';
        } else {
            memcpy(c->local, "postmaster", 11);
        }
        c->ev->identity = "mailfrom";
    } else {
        dom = helo;
        memcpy(c->local, "postmaster", 11);
        c->ev->identity = "helo";
    }
    if (strlen(dom) >= dlen || strlen(dom) >= sizeof c->sender_domain)
        return false;
    memcpy(c->sender_domain, dom, strlen(dom) + 1);
    memcpy(domain, dom, strlen(dom) + 1);
    while (*domain && domain[strlen(domain) - 1] == '.')
        domain[strlen(domain) - 1] = '\0';
    snprintf(c->sender, sizeof c->sender, "%s@%s", c->local, c->sender_domain);
    return true;
}

enum auth_status spf_check_host(struct dns_engine *eng, const struct spf_request *req,
                                struct spf_eval **out, char *err, size_t errlen)
{
    struct spf_ctx *c;
    struct spf_eval *ev;
    struct spf_outcome o = {0};
    char domain[MAX_IDENTITY + 1];

    *out = NULL;
    if ((!req->mail_from || !*req->mail_from) && (!req->helo || !*req->helo))
        return auth_fail(err, errlen, AUTH_EINVAL, "need a MAIL FROM address or a HELO name");
    if (req->ip.family != AF_INET && req->ip.family != AF_INET6)
        return auth_fail(err, errlen, AUTH_EINVAL, "no client IP address");
    c = calloc(1, sizeof *c);
    ev = calloc(1, sizeof *ev);
    if (!c || !ev) {
        free(c);
        free(ev);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    c->eng = eng;
    c->ev = ev;
    c->max_lookups = req->max_lookups ? req->max_lookups : SPF_MAX_LOOKUPS;
    c->max_void = req->max_void ? req->max_void : SPF_MAX_VOID;
    c->no_exp = req->no_explanation;
    if (!setup_identity(c, req, domain, sizeof domain)) {
        free(c);
        spf_eval_free(ev);
        return auth_fail(err, errlen, AUTH_EINVAL, "identity too long");
    }
    c->env.sender = c->sender;
    c->env.local = c->local;
    c->env.sender_domain = c->sender_domain;
    c->env.helo = c->helo;
    c->env.receiver = req->receiver;
    c->env.timestamp = req->timestamp ? req->timestamp : (long long)time(NULL);
    c->env.ip = auth_ip_unmap(&req->ip);
    c->env.ptr_name = spf_ptr_macro;
    c->env.ptr_arg = c;
    ev->domain = spf_arena_strdup(ev, domain);
    if (!spf_domain_valid(domain) || domain[0] == '[') {
        ev->result = SPF_NONE;
        struct spf_outcome bad = { 0 };

        spf_set_reason(c, &bad, "'%s' is not a valid domain name with at least two labels "
                       "(RFC 7208 4.3)", domain);
        ev->reason = bad.reason;
        ev->reason_for_people = bad.reason_for_people;
        spf_note(c, 0, domain, ev->reason_for_people);
    } else {
        ev->result = check_host(c, domain, 0, true, &o);
        ev->explanation = ev->result == SPF_FAIL ? o.explanation : NULL;
        if (ev->result != SPF_TEMPERROR && ev->result != SPF_PERMERROR &&
            ev->result != SPF_NONE) {
            ev->mechanism = o.mechanism;
            ev->mech_domain = o.mech_domain;
        }
        if (ev->result == SPF_TEMPERROR || ev->result == SPF_PERMERROR ||
            ev->result == SPF_NONE || (ev->result == SPF_NEUTRAL && !o.mechanism)) {
            ev->reason = o.reason;
            ev->reason_for_people = o.reason_for_people;
        }
    }
    free(c);
    if (ev->nomem) {
        spf_eval_free(ev);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    *out = ev;
    return AUTH_OK;
}
