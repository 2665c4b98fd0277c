/*
 * report_names.c - what DNS adds to the summary: each source's PTR name
 * and forward confirmation (every address at once through the DNS engine,
 * cached in the database for a week), its registrable domain, and the
 * fix for each fixable source checked against the published records.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dmarc.h"
#include "auth/ipaddr.h"
#include "auth/mx.h"
#include "report_summary.h"

#define PTR_CACHE_AGE (7 * 86400)
#define TYPE_TXT 16

static void set_group(struct rs_source *s)
{
    bool suffix;

    if (!s->ptr[0] || dmarc_psl_org_domain(s->ptr, s->group, sizeof s->group, &suffix) != AUTH_OK)
        s->group[0] = '\0';
}

static void from_cache(struct rs_source *s, struct report_db *db, bool *cached)
{
    char names[1024];
    bool fc = false;

    *cached = db && report_db_ptr_get(db, s->db->ip, PTR_CACHE_AGE, names, sizeof names, &fc) ==
                  AUTH_OK;
    if (!*cached)
        return;
    names[strcspn(names, " ")] = '\0';
    snprintf(s->ptr, sizeof s->ptr, "%.255s", names);
    s->fcrdns = fc;
}

static void lookup_ptrs(struct rs_summary *s, struct report_db *db, struct dns_engine *eng)
{
    size_t total = 0, n = 0;
    struct ptr_report *reps, **ptrs;
    struct rs_source **owners;

    for (size_t i = 0; i < s->ndomains; i++)
        total += s->domains[i].nsources;
    reps = calloc(total ? total : 1, sizeof *reps);
    ptrs = calloc(total ? total : 1, sizeof *ptrs);
    owners = calloc(total ? total : 1, sizeof *owners);
    if (!reps || !ptrs || !owners)
        goto out;
    for (size_t i = 0; i < s->ndomains; i++)
        for (size_t k = 0; k < s->domains[i].nsources; k++) {
            struct rs_source *x = &s->domains[i].sources[k];
            bool cached;
            from_cache(x, db, &cached);
            if (cached || !eng || auth_ip_parse(x->db->ip, &reps[n].addr) != AUTH_OK)
                continue;
            auth_ip_format(&reps[n].addr, reps[n].address, sizeof reps[n].address);
            ptrs[n] = &reps[n];
            owners[n++] = x;
        }
    if (n && mx_fcrdns_resolve(eng, ptrs, n) == AUTH_OK) {
        s->dns_used = true;
        for (size_t i = 0; i < n; i++) {
            struct rs_source *x = owners[i];
            if (reps[i].nnames)
                snprintf(x->ptr, sizeof x->ptr, "%s", reps[i].names[0].name);
            x->fcrdns = reps[i].fcrdns;
            /* a failed lookup is not cached: the next summary asks again */
            if (db && !dns_status_is_temporary(reps[i].status))
                auth_status_ignore(report_db_ptr_put(db, x->db->ip, x->ptr, x->fcrdns));   /* a name cache: missing it costs a lookup */
        }
    }
out:
    for (size_t i = 0; i < n; i++)
        mx_ptr_report_clear(&reps[i]);
    free(reps);
    free(ptrs);
    free(owners);
    for (size_t i = 0; i < s->ndomains; i++)
        for (size_t k = 0; k < s->domains[i].nsources; k++) {
            struct rs_source *x = &s->domains[i].sources[k];
            struct auth_ip ip;
            set_group(x);
            x->generic = x->ptr[0] && auth_ip_parse(x->db->ip, &ip) == AUTH_OK &&
                         mx_ptr_name_is_generic(x->ptr, &ip);
        }
}

/* The TXT record at name starting with prefix ("v=spf1", "v=DKIM1" or ""),
 * copied to out; false when none (or no engine). */
static bool txt_at(struct dns_engine *eng, const char *name, const char *prefix, char *out,
                   size_t len)
{
    const struct dns_result *r;

    out[0] = '\0';
    if (!eng || dns_query(eng, name, TYPE_TXT, &r) != AUTH_OK || dns_result_status(r) != DNS_DATA)
        return false;
    for (size_t i = 0; i < dns_result_count(r); i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        if (strncasecmp((const char *)rr->u.txt.data, prefix, strlen(prefix)) == 0) {
            snprintf(out, len, "%.*s", (int)rr->u.txt.len, (const char *)rr->u.txt.data);
            return true;
        }
    }
    return false;
}

static void add_fix(struct rs_source *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_fix(struct rs_source *s, const char *fmt, ...)
{
    va_list ap;

    if (s->nfix >= RS_MAX_NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(s->fix[s->nfix++], sizeof s->fix[0], fmt, ap);
    va_end(ap);
}

static void fix_dkim_other(struct rs_source *s, const char *dom, struct dns_engine *eng)
{
    const struct reportdb_source *x = s->db;
    char name[600], theirs[600], txt[64];
    const char *sel = x->dkim_other_selector;

    if (!sel[0]) {
        add_fix(s, T_("have the sender sign with d=%s (its DKIM selector for you is not in the "
                "reports)"), dom);
        return;
    }
    snprintf(name, sizeof name, "%s._domainkey.%s", sel, dom);
    snprintf(theirs, sizeof theirs, "%s._domainkey.%s", sel, x->dkim_other);
    if (txt_at(eng, name, "v=DKIM1", txt, sizeof txt) || txt_at(eng, name, "", txt, sizeof txt))
        add_fix(s, T_("%s is already published: have the sender sign with d=%s"), name, dom);
    else if (txt_at(eng, theirs, "", txt, sizeof txt))
        add_fix(s, T_("publish %s. CNAME %s. (that key exists) and have the sender sign with d=%s"),
                name, theirs, dom);
    else
        add_fix(s, T_("publish the sender's DKIM key at %s and have it sign with d=%s%s"), name, dom,
                eng ? T_(" (not published yet)") : "");
}

static void fix_spf_other(struct rs_source *s, const char *dom, struct dns_engine *eng)
{
    const struct reportdb_source *x = s->db;
    char spf[1024], inc[300];

    if (!txt_at(eng, x->spf_other, "v=spf1", spf, sizeof spf)) {
        add_fix(s, T_("use a return-path (MAIL FROM) domain under %s for this sender, with an SPF "
                "record that authorises it"), dom);
        return;
    }
    snprintf(inc, sizeof inc, "include:%s", x->spf_other);
    add_fix(s, T_("use a return-path under %s (e.g. bounces.%s) with the TXT record "
            "\"v=spf1 %s -all\" and set it as the sender's MAIL FROM domain"), dom, dom, inc);
}

static void fix_own(struct rs_source *s, const struct rs_domain *d, struct dns_engine *eng)
{
    const char *dom = d->db->domain, *sel = NULL;
    char name[600], txt[64];

    for (size_t i = 0; i < d->nsources && !sel; i++)
        if (d->sources[i].db->dkim_own_selector[0])
            sel = d->sources[i].db->dkim_own_selector;
    if (s->db->dkim_aligned < s->db->messages && s->db->spf_aligned) {
        if (sel) {
            snprintf(name, sizeof name, "%s._domainkey.%s", sel, dom);
            add_fix(s, T_("sign this host's mail with DKIM: selector %s (%s) %s"), sel, name,
                    txt_at(eng, name, "", txt, sizeof txt)
                    ? T_("is published and verifies elsewhere") : T_("verifies elsewhere"));
        } else {
            add_fix(s, T_("sign this host's mail with DKIM for %s (mailctl dkim keygen, then "
                    "publish the record)"), dom);
        }
    }
    if (s->status == RS_OWN_UNAUTH)
        add_fix(s, T_("add this address to %s's SPF record (ip4:/ip6:%s) and sign with DKIM"),
                dom, s->db->ip);
}

void rs_name_sources(struct rs_summary *s, struct report_db *db, struct dns_engine *eng)
{
    lookup_ptrs(s, db, eng);
    rs_judge(s);
    for (size_t i = 0; i < s->ndomains; i++) {
        struct rs_domain *d = &s->domains[i];
        for (size_t k = 0; k < d->nsources; k++) {
            struct rs_source *x = &d->sources[k];
            if (x->status == RS_ALIGNED || x->status == RS_SPOOFING)
                continue;
            if (x->db->dkim_pass_other)
                fix_dkim_other(x, d->db->domain, eng);
            if (x->db->spf_pass_other)
                fix_spf_other(x, d->db->domain, eng);
            fix_own(x, d, eng);
        }
    }
}
