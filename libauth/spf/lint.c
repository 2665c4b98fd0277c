/*
 * lint.c - findings about a published SPF policy (ids spf.* of checks.md),
 * from the include/redirect tree: record selection and syntax at every
 * node, the lookup and void limits counted over the whole tree whatever the
 * sender, MX name limits, loops, qualifiers of "all", ptr, ignored redirect,
 * terms after "all", string and record sizes, the obsolete type 99, and
 * optionally whether given addresses pass.  Each finding has a summary, a
 * detail and, where one can be derived, the record to publish as `fix`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf_tree_internal.h"

#define REF "RFC 7208"

struct lint {
    struct finding_list *out;
    struct spf_tree *t;
    bool macro_reported;
    enum auth_status st;       /* first failure to record a finding */
};

/* Keep the first failure to add a finding: spf_lint returns it.  A full
 * list (AUTH_ELIMIT) is the list's bound doing its job, not a failure. */
static void kept(struct lint *L, enum auth_status st)
{
    if (st != AUTH_OK && st != AUTH_ELIMIT && L->st == AUTH_OK)
        L->st = st;
}

/* Rebuild a record from its terms: drop those for which skip() is true,
 * and optionally move "all" after every other mechanism. */
static char *rebuild(const struct spf_record *rec, bool (*skip)(const struct spf_term *),
                     const char *all_replacement, bool all_last)
{
    size_t cap = strlen(spf_record_text(rec)) + 32, len = 6;
    char *out = malloc(cap);
    const struct spf_term *all = NULL;

    if (!out)
        return NULL;
    memcpy(out, "v=spf1", 7);
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < spf_record_count(rec); i++) {
            const struct spf_term *t = spf_record_term(rec, i);
            const char *text = t->text;
            bool is_mod = t->kind >= SPF_T_REDIRECT;
            /* pass 0: mechanisms (all in place unless all_last),
             * pass 1: all (when all_last), pass 2: modifiers */
            if (skip && skip(t))
                continue;
            if (t->kind == SPF_T_ALL) {
                if (!all)
                    all = t;
                if (t != all || pass != (all_last ? 1 : 0))
                    continue;
                if (all_replacement)
                    text = all_replacement;
            } else if (pass != (is_mod ? 2 : 0)) {
                continue;
            }
            if (len + strlen(text) + 2 > cap)
                continue;
            out[len++] = ' ';
            memcpy(out + len, text, strlen(text) + 1);
            len += strlen(text);
        }
    }
    return out;
}

static bool skip_ptr(const struct spf_term *t) { return t->kind == SPF_T_PTR; }
static bool skip_redirect(const struct spf_term *t) { return t->kind == SPF_T_REDIRECT; }

static char *zone_fix(const char *domain, const char *record)
{
    size_t n = strlen(domain) + strlen(record) + 64;
    char *out = record ? malloc(n + strlen(record) / 255 * 3) : NULL;
    size_t len = 0, rl = strlen(record);

    if (!out)
        return NULL;
    len += (size_t)snprintf(out, n, "%s. TXT", domain);
    for (size_t off = 0; off < rl; off += 255) {
        size_t k = rl - off > 255 ? 255 : rl - off;
        out[len++] = ' ';
        out[len++] = '"';
        memcpy(out + len, record + off, k);
        len += k;
        out[len++] = '"';
    }
    out[len] = '\0';
    return out;
}

static void add_fix(struct lint *L, const char *id, enum finding_severity sev,
                    const char *summary, const char *detail, const char *domain,
                    char *record, const char *ref)
{
    char *fix = record ? zone_fix(domain, record) : NULL;

    kept(L, finding_add(L->out, id, sev, summary, detail, fix, ref));
    free(fix);
    free(record);
}

static void lint_sizes(struct lint *L, const struct spf_node *n)
{
    char summary[300];
    size_t len = strlen(n->record);

    for (size_t i = 0; i < n->nstrings; i++)
        if (n->strlens[i] > 255) {
            snprintf(summary, sizeof summary, "%s: a TXT string of %zu bytes (over 255)",
                     n->domain, n->strlens[i]);
            kept(L, finding_add(L->out, "spf.record-size", SEV_WARN, summary,
                        "A TXT character-string holds at most 255 bytes; split the record "
                        "into several strings.", NULL, REF " 3.3"));
            break;
        }
    if (len > 450) {
        snprintf(summary, sizeof summary, "%s: SPF record of %zu bytes (over 450)", n->domain,
                 len);
        kept(L, finding_add(L->out, "spf.record-size", SEV_WARN, summary,
                    "Records over 450 bytes risk UDP truncation and TCP fallback "
                    "(RFC 7208 3.4); move addresses into an included record.",
                    NULL, REF " 3.4"));
    }
}

static void lint_qualifiers(struct lint *L, const struct spf_node *n, bool root)
{
    const struct spf_record *rec = n->rec;
    const struct spf_term *all = spf_record_all(rec);
    char summary[300];

    if (all && all->qualifier == SPF_PASS) {
        snprintf(summary, sizeof summary, "%s: '%s' lets every host on the internet pass",
                 n->domain, all->text);
        add_fix(L, "spf.all-pass", SEV_FAIL, summary,
                "A pass-qualified all authorises any sender; end the record with ~all or -all.",
                n->domain, rebuild(rec, NULL, "~all", false), REF " 5.1");
    }
    if (root && ((all && all->qualifier == SPF_NEUTRAL) ||
                 (!all && !spf_record_redirect(rec)))) {
        snprintf(summary, sizeof summary, "%s: %s", n->domain,
                 all ? "'?all' gives neutral to every unlisted host"
                     : "no 'all' and no redirect: unlisted hosts get neutral");
        char *fix = all ? rebuild(rec, NULL, "~all", false) : NULL;
        if (!all && (fix = rebuild(rec, NULL, NULL, false))) {
            char *f2 = malloc(strlen(fix) + 6);
            if (f2)
                snprintf(f2, strlen(fix) + 6, "%s ~all", fix);
            free(fix);
            fix = f2;
        }
        add_fix(L, "spf.all-neutral", SEV_WARN, summary,
                "Neutral is treated like no policy; end the record with ~all (or -all once "
                "every sender is listed).", n->domain, fix, REF " 4.7");
    }
    if (all && spf_record_redirect(rec)) {
        snprintf(summary, sizeof summary, "%s: redirect= is ignored because the record has "
                 "'all'", n->domain);
        add_fix(L, "spf.redirect-ignored", SEV_WARN, summary,
                "RFC 7208 6.1: redirect is used only when no mechanism matches, and 'all' "
                "always matches.", n->domain, rebuild(rec, skip_redirect, NULL, false),
                REF " 6.1");
    }
    for (size_t i = 0; all && i < spf_record_count(rec); i++)
        if (n->info[i].after_all) {
            snprintf(summary, sizeof summary, "%s: '%s' comes after '%s' and is never "
                     "evaluated", n->domain, spf_record_term(rec, i)->text, all->text);
            add_fix(L, "spf.after-all", SEV_WARN, summary,
                    "Mechanisms are evaluated left to right and 'all' always matches.",
                    n->domain, rebuild(rec, NULL, NULL, true), REF " 5.1");
            break;
        }
}

static void lint_terms(struct lint *L, const struct spf_node *n)
{
    const struct spf_record *rec = n->rec;
    char summary[400];

    for (size_t i = 0; i < spf_record_count(rec); i++) {
        const struct spf_term *t = spf_record_term(rec, i);
        const struct dns_result *mx = n->info[i].mx;
        if (t->kind == SPF_T_PTR) {
            snprintf(summary, sizeof summary, "%s: '%s' uses the ptr mechanism", n->domain,
                     t->text);
            add_fix(L, "spf.ptr-used", SEV_WARN, summary,
                    "RFC 7208 5.5: ptr is slow, unreliable and SHOULD NOT be used; list the "
                    "sending addresses with ip4:/ip6: or a instead.",
                    n->domain, rebuild(rec, skip_ptr, NULL, false), REF " 5.5");
        }
        if (mx && dns_result_status(mx) == DNS_DATA &&
            dns_result_count(mx) > SPF_MAX_MX_NAMES) {
            snprintf(summary, sizeof summary, "%s: '%s' yields %zu MX names (more than 10 is "
                     "a permerror)", n->domain, t->text, dns_result_count(mx));
            kept(L, finding_add(L->out, "spf.mx-names-limit", SEV_FAIL, summary,
                        "Replace the mx term with ip4:/ip6: terms for the mail hosts.",
                        NULL, REF " 4.6.4"));
        }
        if (t->has_macro && spf_term_kind_queries_dns(t->kind) && !L->macro_reported) {
            L->macro_reported = true;
            snprintf(summary, sizeof summary, "lookup count depends on macros ('%s' in %s): "
                     "at least %u", t->text, n->domain, L->t->total);
            kept(L, finding_add(L->out, "spf.macro-count", SEV_INFO, summary,
                        "Terms with macros are expanded per message; their targets cannot be "
                        "counted in advance, so the count is a lower bound.", NULL,
                        REF " 4.6.4"));
        }
    }
}

static void lint_node_status(struct lint *L, const struct spf_node *n)
{
    char summary[400];
    const char *via = n->via ? n->via : "";

    switch (n->status) {
    case SPF_NODE_SYNTAX:
        snprintf(summary, sizeof summary, "%s: SPF record does not parse (permerror)",
                 n->domain);
        kept(L, finding_addf(L->out, "spf.syntax", SEV_FAIL, summary, NULL, REF " 4.6",
                     "%s\nrecord: %s", n->error, n->record ? n->record : ""));
        break;
    case SPF_NODE_MULTIPLE:
        snprintf(summary, sizeof summary, "%s: more than one SPF record (permerror)",
                 n->domain);
        kept(L, finding_addf(L->out, "spf.multiple", SEV_FAIL, summary, NULL, REF " 4.5",
                     "%s; merge them into one TXT record.", n->error));
        break;
    case SPF_NODE_NONE:
    case SPF_NODE_NXDOMAIN:
    case SPF_NODE_BAD_NAME:
        if (!n->parent)
            break;
        snprintf(summary, sizeof summary, "'%s' in %s: target has no SPF record (permerror)",
                 via, n->parent->domain);
        kept(L, finding_addf(L->out, "spf.include-no-record", SEV_FAIL, summary, NULL, REF " 5.2",
                     "%s: %s. Every evaluation reaching this term ends in permerror; remove "
                     "it or fix the target.", n->domain, n->error));
        break;
    case SPF_NODE_DNS_ERROR:
        snprintf(summary, sizeof summary, "%s: SPF record could not be fetched (temperror)",
                 n->domain);
        kept(L, finding_addf(L->out, "spf.include-error", SEV_ERROR, summary, NULL, REF " 4.4",
                     "%s%s%s", n->error, n->parent ? "; reached by " : "", via));
        break;
    case SPF_NODE_LOOP:
        snprintf(summary, sizeof summary, "'%s' in %s: include/redirect loop", via,
                 n->parent ? n->parent->domain : "");
        kept(L, finding_addf(L->out, "spf.loop", SEV_FAIL, summary, NULL, REF " 4.6.4",
                     "%s is already on the path from the root; evaluation would exceed the "
                     "lookup limit (permerror).", n->domain));
        break;
    default:
        break;
    }
}

static void lint_node(struct lint *L, const struct spf_node *n)
{
    lint_node_status(L, n);
    if (n->status == SPF_NODE_OK) {
        lint_sizes(L, n);
        lint_qualifiers(L, n, n->parent == NULL);
        lint_terms(L, n);
    } else if (n->status == SPF_NODE_MULTIPLE || n->status == SPF_NODE_SYNTAX) {
        if (n->record)
            lint_sizes(L, n);
    }
    for (size_t i = 0; i < n->nchildren; i++)
        lint_node(L, n->children[i]);
}

static void lint_missing(struct lint *L, const struct spf_node *root)
{
    const struct dns_result *mx = L->t->root_mx;
    bool has_mx = mx && dns_result_status(mx) == DNS_DATA && dns_result_count(mx) > 0 &&
                  strcmp(dns_result_rr(mx, 0)->u.mx.host, ".") != 0;
    char summary[300];
    char *rec = strdup(has_mx ? "v=spf1 mx -all" : "v=spf1 -all");

    snprintf(summary, sizeof summary, "%s: no SPF record%s", root->domain,
             root->status == SPF_NODE_NXDOMAIN ? " (the name does not exist)" : "");
    add_fix(L, "spf.missing", SEV_FAIL, summary,
            has_mx ? "Receivers get 'none' and cannot tell forged mail from real. The fix "
                     "authorises the MX hosts; list every other sending service too."
                   : "The domain has no MX: if it sends no mail, publish 'v=spf1 -all' so "
                     "forged mail fails.", root->domain, rec, REF " 4.5");
}


static void lint_lookups(struct lint *L, bool flatten)
{
    unsigned n = L->t->total;
    char summary[300];
    const char *least = L->t->at_least ? "at least " : "";

    if (n > SPF_MAX_LOOKUPS) {
        char *fix = flatten ? spf_flatten(L->t) : NULL;
        snprintf(summary, sizeof summary, "%s: %s%u DNS-querying terms across the include "
                 "tree (limit 10)", L->t->root->domain, least, n);
        kept(L, finding_addf(L->out, "spf.lookup-limit", SEV_FAIL, summary, fix, REF " 4.6.4",
                     "Evaluations that reach the 11th lookup end in permerror, whatever the "
                     "sender's address. %s", fix
                     ? "The fix is a flattened policy with the same result for every address "
                       "(includes replaced by the addresses they list today, in order): it "
                       "needs maintenance, re-generate it whenever an included provider "
                       "changes its addresses."
                     : "No flattened record with the same result fits in 10 lookups (an "
                       "include whose record holds non-pass terms, ptr, exists or macros "
                       "cannot be merged): remove includes that are not needed or list "
                       "addresses directly."));
        free(fix);
    } else if (n >= 9) {
        snprintf(summary, sizeof summary, "%s: %s%u of 10 DNS lookups used", L->t->root->domain,
                 least, n);
        kept(L, finding_add(L->out, "spf.lookup-limit", SEV_WARN, summary,
                    "Close to the limit: one more include at any provider breaks the policy.",
                    NULL, REF " 4.6.4"));
    } else {
        snprintf(summary, sizeof summary, "%s: %s%u of 10 DNS lookups used", L->t->root->domain,
                 least, n);
        kept(L, finding_add(L->out, "spf.lookup-limit", SEV_PASS, summary, NULL, NULL,
                            REF " 4.6.4"));
    }
    if (L->t->voids > SPF_MAX_VOID) {
        snprintf(summary, sizeof summary, "%s: %u terms point at names with no data (limit 2 "
                 "void lookups)", L->t->root->domain, L->t->voids);
        kept(L, finding_add(L->out, "spf.void-limit", SEV_FAIL, summary,
                    "Evaluations reaching the third empty answer end in permerror; remove "
                    "terms naming hosts or domains that no longer exist.", NULL,
                    REF " 4.6.4"));
    }
}

static void lint_ips(struct lint *L, const struct spf_lint_params *p)
{
    char from[DNS_MAX_NAME + 16], err[200], summary[400], ip[AUTH_IP_STRLEN];

    snprintf(from, sizeof from, "postmaster@%s", L->t->root->domain);
    for (size_t i = 0; i < p->nips; i++) {
        struct spf_request req = { .ip = p->ips[i], .mail_from = from, .no_explanation = true };
        struct spf_eval *ev = NULL;

        auth_ip_format(&p->ips[i], ip, sizeof ip);
        if (spf_check_host(L->t->eng, &req, &ev, err, sizeof err) != AUTH_OK)
            continue;
        if (spf_eval_result(ev) == SPF_PASS) {
            snprintf(summary, sizeof summary, "%s gets pass (%s)", ip,
                     spf_eval_mechanism(ev) ? spf_eval_mechanism(ev) : "");
            kept(L, finding_add(L->out, "spf.ip-not-authorized", SEV_PASS, summary, NULL, NULL,
                        REF " 4.6"));
        } else {
            snprintf(summary, sizeof summary, "%s is not authorised: SPF %s", ip,
                     spf_result_name(spf_eval_result(ev)));
            kept(L, finding_addf(L->out, "spf.ip-not-authorized", SEV_FAIL, summary, NULL, REF " 4.6",
                         "check_host(%s, %s): %s%s%s", ip, from,
                         spf_result_name(spf_eval_result(ev)),
                         spf_eval_reason(ev) ? ": " : "",
                         spf_eval_reason(ev) ? spf_eval_reason(ev) : ""));
        }
        spf_eval_free(ev);
    }
}

enum auth_status spf_lint(struct dns_engine *eng, const char *domain,
                          const struct spf_lint_params *params, struct finding_list *out,
                          struct spf_tree **tree_out, char *err, size_t errlen)
{
    struct spf_tree *t = NULL;
    struct lint L = { out, NULL, false, AUTH_OK };
    enum auth_status st;

    if (tree_out)
        *tree_out = NULL;
    st = spf_tree_build(eng, domain, &t, err, errlen);
    if (st != AUTH_OK)
        return st;
    L.t = t;
    if (t->root->status == SPF_NODE_NONE || t->root->status == SPF_NODE_NXDOMAIN) {
        lint_missing(&L, t->root);
    } else {
        if (t->root->status == SPF_NODE_OK) {
            char summary[300];
            snprintf(summary, sizeof summary, "%s publishes an SPF record", t->root->domain);
            kept(&L, finding_add(L.out, "spf.missing", SEV_PASS, summary, t->root->record, NULL,
                                 REF " 4.5"));
        }
        lint_node(&L, t->root);
        if (t->root->status == SPF_NODE_OK)
            lint_lookups(&L, !(params && params->no_flatten));
    }
    if (t->type99) {
        char summary[300];
        snprintf(summary, sizeof summary, "%s publishes the obsolete SPF RR type (99)",
                 t->root->domain);
        kept(&L, finding_add(L.out, "spf.type99", SEV_INFO, summary,
                    "RFC 7208 3.1 removed type 99; only the TXT record is used. Remove the "
                    "type 99 record so the two cannot drift apart.", NULL, REF " 3.1"));
    }
    if (params && params->nips)
        lint_ips(&L, params);
    if (tree_out && L.st == AUTH_OK)
        *tree_out = t;
    else
        spf_tree_free(t);
    if (L.st != AUTH_OK)
        return auth_fail(err, errlen, L.st, "cannot record a finding: %s", auth_strerror(L.st));
    return AUTH_OK;
}
