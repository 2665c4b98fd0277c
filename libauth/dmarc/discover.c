/*
 * discover.c - DMARC policy discovery for an author domain, by the DNS Tree
 * Walk (RFC 9989 4.10.1) or by the RFC 7489 6.6.3 method (author domain,
 * then the PSL Organizational Domain), with the evidence of every query.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/finding.h"
#include "core/people.h"
#include "dmarc/walk.h"


struct disc {
    struct dmarc_policy_info *pi;
    bool oom;
};

static void set_error(struct disc *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct disc *d, const char *fmt, ...)
{
    va_list ap;

    free(d->pi->error);
    free(d->pi->error_for_people);
    va_start(ap, fmt);
    if (!auth_text_vpair(&d->pi->error, &d->pi->error_for_people, fmt, ap))
        d->oom = true;
    va_end(ap);
}

/* The failed query's why: in English in pi->error, translated in
 * pi->error_for_people. */
static void set_error_dns(struct disc *d, const char *name, const struct dns_result *res)
{
    static const char *const fmt = N_("DNS query for _dmarc.%s failed: %s");
    struct dmarc_policy_info *pi = d->pi;

    free(pi->error);
    free(pi->error_for_people);
    if (asprintf(&pi->error, fmt, name, dns_result_why(res)) < 0)
        pi->error = NULL;
    if (asprintf(&pi->error_for_people, auth_people_text(fmt), name,
                 dns_result_why_for_people(res)) < 0)
        pi->error_for_people = NULL;
    if (!pi->error || !pi->error_for_people)
        d->oom = true;
}

static void add_step(struct disc *d, const char *domain, enum dns_status st, size_t ndmarc,
                     const char *note)
{
    struct dmarc_policy_info *pi = d->pi;
    struct dmarc_step *s = realloc(pi->steps, (pi->nsteps + 1) * sizeof *s);
    char q[DNS_MAX_NAME + 16];

    if (!s) {
        d->oom = true;
        return;
    }
    pi->steps = s;
    s += pi->nsteps++;
    snprintf(q, sizeof q, "_dmarc.%s", domain);
    s->name = dmarc_strdup(q, &d->oom);
    s->status = st;
    s->ndmarc = ndmarc;
    s->note = dmarc_strdup(note, &d->oom);
}

/* Take the record at a level as the applied one (moves ownership). */
static void apply_record(struct disc *d, struct walk_level *lv, bool psd)
{
    struct dmarc_policy_info *pi = d->pi;

    pi->policy_domain = dmarc_strdup(lv->name, &d->oom);
    pi->inherited = strcmp(lv->name, pi->domain) != 0;
    pi->psd_policy = psd;
    if (lv->rec->usable) {
        pi->found = DMARC_FOUND;
        pi->record = lv->rec;
    } else {
        pi->found = DMARC_FOUND_PERMERROR;
        pi->invalid = lv->rec;
        set_error(d, "the DMARC record at _dmarc.%s is unusable: invalid p/sp/np and no "
                  "valid rua", lv->name);
    }
    lv->rec = NULL;
}

static void steps_from_walk(struct disc *d, const struct walk *w)
{
    for (size_t i = 0; i < w->n; i++) {
        const struct walk_level *lv = &w->lv[i];
        const char *note = NULL;
        char buf[160];
        if (i >= w->used)
            note = TR("answer not used: the walk stopped earlier");
        else if ((int)i == w->temp_at)
            note = TR("temporary DNS failure: the walk cannot go on");
        else if (lv->ndmarc > 1)
            note = TR("several DMARC records: all discarded (RFC 9989 4.10 step 2)");
        else if (lv->rec && (lv->rec->psd == 'y' || lv->rec->psd == 'n')) {
            snprintf(buf, sizeof buf, TR("psd=%c: the walk stops here"), lv->rec->psd);
            note = buf;
        } else if (lv->rec)
            note = TR("DMARC record found");
        add_step(d, lv->name, lv->status, lv->ndmarc, note);
    }
}

static void discover_treewalk(struct disc *d, struct walk *w)
{
    struct dmarc_policy_info *pi = d->pi;
    const char *org = walk_org(w, true);
    int at;

    pi->org_domain = dmarc_strdup(org, &d->oom);
    if (w->temp_at >= 0) {
        pi->found = DMARC_FOUND_TEMPERROR;
        set_error_dns(d, w->lv[w->temp_at].name, w->lv[w->temp_at].res);
        return;
    }
    for (size_t i = 0; i < w->used; i++)
        pi->multiple = pi->multiple || w->lv[i].ndmarc > 1;
    if (w->used && w->lv[0].rec) {
        apply_record(d, &w->lv[0], w->lv[0].rec->psd == 'y');
        return;
    }
    at = walk_find(w, org);
    if (at > 0 && w->lv[at].rec) {
        apply_record(d, &w->lv[at], false);
        return;
    }
    for (size_t i = 1; i < w->used; i++) {
        if (w->lv[i].rec && w->lv[i].rec->psd == 'y') {
            apply_record(d, &w->lv[i], true);
            return;
        }
    }
    if (pi->multiple) {
        pi->found = DMARC_FOUND_PERMERROR;
        for (size_t i = 0; i < w->used; i++)
            if (w->lv[i].ndmarc > 1) {
                set_error(d, "%zu DMARC records at _dmarc.%s: all are discarded and no "
                          "other policy applies", w->lv[i].ndmarc, w->lv[i].name);
                break;
            }
        return;
    }
    pi->found = DMARC_FOUND_NONE;
}

/* RFC 7489 6.6.3: the author domain, then (when its set is empty) the
 * Organizational Domain; both asked in one batch. */
static void discover_psl(struct disc *d, struct walk_level *lv, size_t n)
{
    struct dmarc_policy_info *pi = d->pi;

    for (size_t i = 0; i < n; i++) {
        add_step(d, lv[i].name, lv[i].status, lv[i].ndmarc,
                 lv[i].ndmarc > 1 ? "several DMARC records: DMARC does not apply "
                 "(RFC 7489 6.6.3)" : lv[i].rec ? "DMARC record found" : NULL);
        if (dns_status_is_temporary(lv[i].status)) {
            pi->found = DMARC_FOUND_TEMPERROR;
            set_error_dns(d, lv[i].name, lv[i].res);
            return;
        }
        if (lv[i].ndmarc > 1) {
            pi->multiple = true;
            pi->found = DMARC_FOUND_PERMERROR;
            set_error(d, "%zu DMARC records at _dmarc.%s: DMARC does not apply",
                      lv[i].ndmarc, lv[i].name);
            return;
        }
        if (lv[i].rec) {
            apply_record(d, &lv[i], false);
            return;
        }
    }
    pi->found = DMARC_FOUND_NONE;
}

/* p, or sp/np for a subdomain (9989 4.10.1, 7489 6.6.3 step 4). */
static void choose_policy(struct dmarc_policy_info *pi)
{
    const struct dmarc_record *r = pi->record;

    pi->policy_tag = "p";
    if (!r)
        return;
    pi->policy = r->p_defaulted ? DMARC_POLICY_NONE : r->p;
    if (!pi->inherited || r->p_defaulted)
        return;
    if (pi->domain_exists == 0 && r->np != DMARC_POLICY_UNSET) {
        pi->policy = r->np;
        pi->policy_tag = "np";
    } else if (r->sp != DMARC_POLICY_UNSET) {
        pi->policy = r->sp;
        pi->policy_tag = "sp";
    }
}

enum auth_status dmarc_discover(struct dns_engine *eng, const char *domain,
                                enum dmarc_discovery method,
                                struct dmarc_policy_info **out,
                                char *err, size_t errlen)
{
    char norm[DNS_MAX_NAME + 1], org[DNS_MAX_NAME + 1];
    struct disc d = { 0 };
    struct walk w;
    struct dns_batch *b;
    size_t exist_idx;
    enum auth_status st;

    *out = NULL;
    st = dmarc_domain_normalize(domain, norm, sizeof norm);
    if (st != AUTH_OK)
        return auth_fail(err, errlen, st == AUTH_ENOMEM ? st : AUTH_EINVAL,
                         "'%s' is not a valid domain name", domain);
    d.pi = calloc(1, sizeof *d.pi);
    b = dns_batch_new(eng);
    if (!d.pi || !b) {
        free(d.pi);
        dns_batch_free(b);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    d.pi->domain = dmarc_strdup(norm, &d.oom);
    d.pi->method = method;
    d.pi->domain_exists = -1;
    d.pi->policy_tag = "p";
    if (method == DMARC_DISCOVERY_PSL) {
        st = dmarc_psl_org_domain(norm, org, sizeof org, NULL);
        if (st != AUTH_OK)
            snprintf(org, sizeof org, "%s", norm);
        memset(&w, 0, sizeof w);
        w.temp_at = -1;
        snprintf(w.start, sizeof w.start, "%s", norm);
        snprintf(w.lv[w.n++].name, sizeof w.lv[0].name, "%s", norm);
        if (strcmp(org, norm) != 0)
            snprintf(w.lv[w.n++].name, sizeof w.lv[0].name, "%s", org);
        d.pi->org_domain = dmarc_strdup(org, &d.oom);
    } else {
        walk_init(&w, norm, false);
    }
    walk_add(&w, b);
    exist_idx = dns_batch_add(b, norm, DNS_T_A);
    st = dns_batch_wait(b);
    if (st == AUTH_OK)
        st = method == DMARC_DISCOVERY_PSL ? AUTH_OK : walk_read(&w, b);
    if (st == AUTH_OK && method == DMARC_DISCOVERY_PSL) {
        for (size_t i = 0; i < w.n && st == AUTH_OK; i++) {
            w.lv[i].res = dns_batch_result(b, w.lv[i].idx);
            w.lv[i].status = dns_result_status(w.lv[i].res);
            st = dmarc_records_at(w.lv[i].res, &w.lv[i].ndmarc, &w.lv[i].rec);
        }
    }
    if (st == AUTH_OK) {
        enum dns_status es = dns_result_status(dns_batch_result(b, exist_idx));
        d.pi->domain_exists = es == DNS_NXDOMAIN ? 0 : dns_status_is_temporary(es) ? -1 : 1;
        if (method == DMARC_DISCOVERY_PSL)
            discover_psl(&d, w.lv, w.n);
        else {
            steps_from_walk(&d, &w);
            discover_treewalk(&d, &w);
        }
        choose_policy(d.pi);
    }
    walk_clear(&w);
    dns_batch_free(b);
    if (st == AUTH_OK && d.oom)
        st = AUTH_ENOMEM;
    if (st != AUTH_OK) {
        dmarc_policy_info_free(d.pi);
        return auth_fail(err, errlen, st, "DMARC discovery for %s: %s", norm,
                         auth_strerror(st));
    }
    *out = d.pi;
    return AUTH_OK;
}

void dmarc_policy_info_free(struct dmarc_policy_info *pi)
{
    if (!pi)
        return;
    free(pi->domain);
    free(pi->policy_domain);
    free(pi->org_domain);
    dmarc_record_free(pi->record);
    dmarc_record_free(pi->invalid);
    for (size_t i = 0; i < pi->nsteps; i++) {
        free(pi->steps[i].name);
        free(pi->steps[i].note);
    }
    free(pi->steps);
    free(pi->error);
    free(pi->error_for_people);
    free(pi);
}

enum auth_status dmarc_org_domain(struct dns_engine *eng, enum dmarc_discovery method,
                                  const char *name, char *out, size_t outlen)
{
    char norm[DNS_MAX_NAME + 1];
    struct walk w;
    struct dns_batch *b;
    enum auth_status st;

    if (method == DMARC_DISCOVERY_PSL)
        return dmarc_psl_org_domain(name, out, outlen, NULL);
    st = dmarc_domain_normalize(name, norm, sizeof norm);
    if (st != AUTH_OK)
        return st;
    b = dns_batch_new(eng);
    if (!b)
        return AUTH_ENOMEM;
    walk_init(&w, norm, false);
    walk_add(&w, b);
    st = dns_batch_wait(b);
    if (st == AUTH_OK)
        st = walk_read(&w, b);
    if (st == AUTH_OK && w.temp_at >= 0)
        st = AUTH_ETEMP;
    if (st == AUTH_OK) {
        const char *org = walk_org(&w, true);
        if (strlen(org) >= outlen)
            st = AUTH_EINVAL;
        else
            memcpy(out, org, strlen(org) + 1);
    }
    walk_clear(&w);
    dns_batch_free(b);
    return st;
}
