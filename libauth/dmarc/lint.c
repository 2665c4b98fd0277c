/*
 * lint.c - what a discovered DMARC policy shows, as typed problems (enum
 * dmarc_lint_kind of auth/dmarc.h), so `dmarc check` and the check-dns
 * audit render them the same way (the checks layer names the findings).
 * External report destinations are checked for their _report._dmarc
 * authorisation (RFC 7489 7.1, RFC 9989 11.6) and for a mail route (MX or
 * address, no null MX), all in one batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc_int.h"

#define LINT_MAX_DEST 16           /* external destination domains checked */

void dmarc_lint_problems_clear(struct dmarc_lint_problems *l)
{
    for (size_t i = 0; l && i < l->count; i++) {
        free(l->items[i].text);
        free(l->items[i].dest);
        free(l->items[i].name);
    }
    if (!l)
        return;
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}

/* Append a problem of kind; *p gets it (zeroed but for the kind). */
static enum auth_status add(struct dmarc_lint_problems *l, enum dmarc_lint_kind kind,
                            struct dmarc_lint_problem **p)
{
    if (l->count >= DMARC_LINT_MAX)
        return AUTH_ELIMIT;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct dmarc_lint_problem *n = realloc(l->items, cap * sizeof *n);
        if (!n)
            return AUTH_ENOMEM;
        l->items = n;
        l->cap = cap;
    }
    *p = &l->items[l->count++];
    memset(*p, 0, sizeof **p);
    (*p)->kind = kind;
    return AUTH_OK;
}

static enum auth_status add_kind(struct dmarc_lint_problems *l, enum dmarc_lint_kind kind)
{
    struct dmarc_lint_problem *p;

    return add(l, kind, &p);
}

/* Copy s into *field; AUTH_ENOMEM when that fails. */
static enum auth_status set(char **field, const char *s)
{
    return s && !(*field = strdup(s)) ? AUTH_ENOMEM : AUTH_OK;
}

static enum auth_status lint_problems(const struct dmarc_record *r,
                                      struct dmarc_lint_problems *out)
{
    enum auth_status st = AUTH_OK;
    struct dmarc_lint_problem *p;

    for (size_t i = 0; i < r->nproblems && st == AUTH_OK; i++)
        if ((st = add(out, DMARC_LINT_RECORD, &p)) == AUTH_OK)
            p->index = i;
    return st;
}

/* Append s (n bytes) to buf at *len, as far as it fits (cap includes the NUL). */
static void append(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    size_t room = *len < cap ? cap - 1 - *len : 0;

    if (n > room)
        n = room;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

/* The record to publish for the quarantine step: the published record with
 * its p= tag (or none, for a defaulted p) set to quarantine, every other tag
 * kept; a bare "v=DMARC1; p=quarantine" when the record holds bytes a zone
 * file line cannot carry as is. */
static void quarantine_record(const struct dmarc_record *r, char *out, size_t cap)
{
    const char *t = r->text, *end = t + strlen(t);
    size_t len = 0;
    bool have_p = false;

    out[0] = '\0';
    for (const char *c = t; c < end; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
            t = end;                   /* unprintable: the minimal record */
    while (t < end) {
        const char *semi = memchr(t, ';', (size_t)(end - t)), *e = semi ? semi : end;
        while (t < e && (*t == ' ' || *t == '\t'))
            t++;
        const char *te = e;
        while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
            te--;
        const char *eq = memchr(t, '=', (size_t)(te - t));
        size_t nlen = eq ? (size_t)(eq - t) : 0;
        while (nlen && (t[nlen - 1] == ' ' || t[nlen - 1] == '\t'))
            nlen--;
        if (te > t) {
            bool is_p = nlen == 1 && (t[0] == 'p' || t[0] == 'P');
            if (len)
                append(out, cap, &len, "; ", 2);
            if (is_p)
                append(out, cap, &len, "p=quarantine", 12);
            else
                append(out, cap, &len, t, (size_t)(te - t));
            have_p = have_p || is_p;
        }
        t = semi ? semi + 1 : end;
    }
    if (!have_p) {                     /* p absent: right after v=DMARC1 */
        char rest[2048];
        const char *semi = strchr(out, ';');
        snprintf(rest, sizeof rest, "%s", semi ? semi : "");
        len = 0;
        out[0] = '\0';
        append(out, cap, &len, "v=DMARC1; p=quarantine", 22);
        append(out, cap, &len, rest, strlen(rest));
    }
}

static enum auth_status lint_policy_none(const struct dmarc_record *r,
                                        struct dmarc_lint_problems *out)
{
    struct dmarc_lint_problem *p;
    char value[2048];
    enum auth_status st = add(out, DMARC_LINT_POLICY_NONE, &p);

    if (st != AUTH_OK)
        return st;
    quarantine_record(r, value, sizeof value);
    return set(&p->text, value);
}

static enum auth_status lint_policy(const struct dmarc_policy_info *pi,
                                    const struct dmarc_record *r,
                                    struct dmarc_lint_problems *out)
{
    enum auth_status st = AUTH_OK;

    if (r->p_defaulted || r->p == DMARC_POLICY_NONE) {
        st = lint_policy_none(r, out);
    } else {
        if (st == AUTH_OK && r->sp == DMARC_POLICY_NONE)
            st = add_kind(out, DMARC_LINT_SP_NONE);
        if (st == AUTH_OK && r->np == DMARC_POLICY_NONE)
            st = add_kind(out, DMARC_LINT_NP_NONE);
        if (st == AUTH_OK && r->testing)
            st = add_kind(out, DMARC_LINT_TESTING);
        if (st == AUTH_OK && r->pct_set && r->pct < 100)
            st = add_kind(out, DMARC_LINT_PCT);
    }
    if (st == AUTH_OK && r->nrua == 0)
        st = add_kind(out, DMARC_LINT_NO_RUA);
    if (st == AUTH_OK && pi->inherited)
        st = add_kind(out, DMARC_LINT_INHERITED);
    return st;
}

struct dest {
    const char *domain;
    size_t auth_idx, mx_idx, a_idx, aaaa_idx;
    bool checked;
};

static bool is_external(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                        const char *domain)
{
    char org[DNS_MAX_NAME + 1];
    const char *mine = pi->org_domain ? pi->org_domain : pi->policy_domain;

    if (strcmp(domain, pi->policy_domain) == 0)
        return false;
    if (dmarc_org_domain(eng, pi->method, domain, org, sizeof org) != AUTH_OK)
        return true;
    return strcmp(org, mine) != 0;
}

/* Distinct mailto: domains of rua and ruf. */
static size_t collect_dests(const struct dmarc_record *r, struct dest *d)
{
    size_t n = 0;

    for (int list = 0; list < 2; list++) {
        const struct dmarc_uri *u = list ? r->ruf : r->rua;
        size_t cnt = list ? r->nruf : r->nrua;
        for (size_t i = 0; i < cnt && n < LINT_MAX_DEST; i++) {
            bool dup = false;
            if (!u[i].valid || !u[i].domain)
                continue;
            for (size_t k = 0; k < n; k++)
                dup = dup || strcmp(d[k].domain, u[i].domain) == 0;
            if (!dup)
                d[n++].domain = u[i].domain;
        }
    }
    return n;
}

static bool has_dmarc_txt(const struct dns_result *res)
{
    if (dns_result_status(res) != DNS_DATA)
        return false;
    for (size_t i = 0; i < dns_result_count(res); i++) {
        const struct dns_rr *rr = dns_result_rr(res, i);
        if (rr->type == DNS_T_TXT && dmarc_is_record((const char *)rr->u.txt.data,
                                                     rr->u.txt.len))
            return true;
    }
    return false;
}

/* A problem about destination d; its name and text copied when given. */
static enum auth_status add_dest(struct dmarc_lint_problems *out, enum dmarc_lint_kind kind,
                                 const struct dest *d, const char *name, const char *text,
                                 enum dns_status status)
{
    struct dmarc_lint_problem *p;
    enum auth_status st = add(out, kind, &p);

    if (st != AUTH_OK)
        return st;
    p->status = status;
    if ((st = set(&p->dest, d->domain)) == AUTH_OK && (st = set(&p->name, name)) == AUTH_OK)
        st = set(&p->text, text);
    return st;
}

/* Whether the destination can receive mail: no null MX, and an MX or an
 * address.  Nothing when its MX question failed. */
static enum auth_status judge_route(const struct dest *d, const struct dns_batch *b,
                                    struct dmarc_lint_problems *out)
{
    const struct dns_result *mx = dns_batch_result(b, d->mx_idx);
    enum dns_status ms = dns_result_status(mx);
    bool null_mx = false, has_mx = false, addr;

    if (dns_status_is_temporary(ms))
        return AUTH_OK;
    for (size_t i = 0; ms == DNS_DATA && i < dns_result_count(mx); i++) {
        const struct dns_rr *rr = dns_result_rr(mx, i);
        if (rr->type != DNS_T_MX)
            continue;
        has_mx = true;
        null_mx = null_mx || strcmp(rr->u.mx.host, ".") == 0;
    }
    addr = dns_result_status(dns_batch_result(b, d->a_idx)) == DNS_DATA ||
           dns_result_status(dns_batch_result(b, d->aaaa_idx)) == DNS_DATA;
    if (!null_mx && (has_mx || addr))
        return AUTH_OK;
    return add_dest(out, null_mx ? DMARC_LINT_RUA_NULL_MX : ms == DNS_NXDOMAIN
                    ? DMARC_LINT_RUA_NO_DOMAIN : DMARC_LINT_RUA_NO_ROUTE, d, NULL, NULL, ms);
}

static enum auth_status judge_dest(const struct dest *d, const struct dns_batch *b,
                                   struct dmarc_lint_problems *out)
{
    enum auth_status st = AUTH_OK;
    const struct dns_result *ar = dns_batch_result(b, d->auth_idx);
    enum dns_status as = dns_result_status(ar);

    if (dns_status_is_temporary(as))
        st = add_dest(out, DMARC_LINT_RUA_AUTH_ERROR, d, dns_result_qname(ar),
                      dns_result_why_for_people(ar), as);
    else if (!has_dmarc_txt(ar))
        st = add_dest(out, DMARC_LINT_RUA_UNAUTHORIZED, d, dns_result_qname(ar), NULL, as);
    return st == AUTH_OK ? judge_route(d, b, out) : st;
}

static enum auth_status lint_dests(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                                   const struct dmarc_record *r,
                                   struct dmarc_lint_problems *out)
{
    struct dest d[LINT_MAX_DEST];
    size_t n = collect_dests(r, d);
    struct dns_batch *b;
    enum auth_status st;

    if (n == 0)
        return AUTH_OK;
    b = dns_batch_new(eng);
    if (!b)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char q[DNS_MAX_NAME * 2 + 32];
        d[i].checked = is_external(eng, pi, d[i].domain);
        if (!d[i].checked)
            continue;
        snprintf(q, sizeof q, "%s._report._dmarc.%s", pi->policy_domain, d[i].domain);
        d[i].auth_idx = dns_batch_add(b, q, DNS_T_TXT);
        d[i].mx_idx = dns_batch_add(b, d[i].domain, DNS_T_MX);
        d[i].a_idx = dns_batch_add(b, d[i].domain, DNS_T_A);
        d[i].aaaa_idx = dns_batch_add(b, d[i].domain, DNS_T_AAAA);
    }
    st = dns_batch_wait(b);
    for (size_t i = 0; i < n && st == AUTH_OK; i++)
        if (d[i].checked)
            st = judge_dest(&d[i], b, out);
    dns_batch_free(b);
    return st;
}

enum auth_status dmarc_lint(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                            struct dmarc_lint_problems *out)
{
    const struct dmarc_record *r = pi->record ? pi->record : pi->invalid;
    enum auth_status st = AUTH_OK;

    switch (pi->found) {
    case DMARC_FOUND_NONE:
        return add_kind(out, DMARC_LINT_MISSING);
    case DMARC_FOUND_TEMPERROR:
        return add_kind(out, DMARC_LINT_LOOKUP_FAILED);
    default:
        break;
    }
    if (pi->multiple)
        st = add_kind(out, DMARC_LINT_MULTIPLE);
    if (st == AUTH_OK && pi->found == DMARC_FOUND && !pi->inherited)
        st = add_kind(out, DMARC_LINT_PUBLISHED);
    if (st == AUTH_OK && r)
        st = lint_problems(r, out);
    if (st == AUTH_OK && pi->record)
        st = lint_policy(pi, pi->record, out);
    if (st == AUTH_OK && r)
        st = lint_dests(eng, pi, r, out);
    return st;
}
