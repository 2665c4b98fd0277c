/*
 * spf_problems.c - spf.* findings from the SPF linter's problems: each
 * kind's id, severity, summary, detail, reference, and the zone-file line
 * to publish as fix where the problem carries a record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"

#define REF "RFC 7208"

/* Evidence text for a format: an unset field prints as nothing. */
static const char *str(const char *s)
{
    return s ? s : "";
}

/* Keep the first failure to add a finding; a full list (AUTH_ELIMIT) is
 * the list's bound doing its job, not a failure. */
static void kept(enum auth_status *first, enum auth_status st)
{
    if (st != AUTH_OK && st != AUTH_ELIMIT && *first == AUTH_OK)
        *first = st;
}

/* "DOMAIN. TXT" and the record in strings of at most 255 bytes. */
static char *zone_fix(const char *domain, const char *record)
{
    size_t rl = record ? strlen(record) : 0, n = strlen(domain) + rl + 64;
    char *out = record ? malloc(n + rl / 255 * 3) : NULL;
    size_t len = 0;

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

/* A finding whose fix publishes record at domain (none when NULL). */
static enum auth_status add_rec(struct finding_list *out, const char *domain,
                                const char *record, const char *id, enum finding_severity sev,
                                const char *summary, const char *detail, const char *ref)
{
    char *fix = record ? zone_fix(domain, record) : NULL;
    enum auth_status st = auth_finding_add(out, id, sev, summary, detail, fix, ref);

    free(fix);
    return st;
}

/* A finding whose fix publishes the problem's record. */
static enum auth_status add_fix(struct finding_list *out, const struct spf_problem *p,
                                const char *id, enum finding_severity sev,
                                const char *summary, const char *detail, const char *ref)
{
    return add_rec(out, p->domain, p->record, id, sev, summary, detail, ref);
}

static enum auth_status sizes(const struct spf_problem *p, struct finding_list *out)
{
    char summary[300];

    if (p->kind == SPF_PROB_STRING_SIZE) {
        snprintf(summary, sizeof summary, TR("%s: a TXT string of %u bytes (over 255)"),
                 p->domain, p->number);
        return auth_finding_add(out, "spf.record-size", SEV_WARN, summary,
                           "A TXT character-string holds at most 255 bytes; split the record "
                           "into several strings.", NULL, REF " 3.3");
    }
    snprintf(summary, sizeof summary, TR("%s: SPF record of %u bytes (over 450)"), p->domain,
             p->number);
    return auth_finding_add(out, "spf.record-size", SEV_WARN, summary,
                       "Records over 450 bytes risk UDP truncation and TCP fallback "
                       "(RFC 7208 3.4); move addresses into an included record.",
                       NULL, REF " 3.4");
}

static enum auth_status all_neutral(const struct spf_problem *p, struct finding_list *out)
{
    char summary[300];

    snprintf(summary, sizeof summary, p->kind == SPF_PROB_ALL_NEUTRAL
             ? TR("%s: '?all' gives neutral to every unlisted host")
             : TR("%s: no 'all' and no redirect: unlisted hosts get neutral"), p->domain);
    return add_fix(out, p, "spf.all-neutral", SEV_WARN, summary,
                   N_("Neutral is treated like no policy; end the record with ~all (or -all "
                      "once every sender is listed)."), REF " 4.7");
}

static enum auth_status qualifiers(const struct spf_problem *p, struct finding_list *out)
{
    char summary[300];

    switch (p->kind) {
    case SPF_PROB_ALL_PASS:
        snprintf(summary, sizeof summary, TR("%s: '%s' lets every host on the internet pass"),
                 p->domain, str(p->term));
        return add_fix(out, p, "spf.all-pass", SEV_FAIL, summary,
                       N_("A pass-qualified all authorises any sender; end the record with "
                          "~all or -all."), REF " 5.1");
    case SPF_PROB_REDIRECT_IGNORED:
        snprintf(summary, sizeof summary, TR("%s: redirect= is ignored because the record "
                 "has 'all'"), p->domain);
        return add_fix(out, p, "spf.redirect-ignored", SEV_WARN, summary,
                       N_("RFC 7208 6.1: redirect is used only when no mechanism matches, "
                          "and 'all' always matches."), REF " 6.1");
    default:                           /* SPF_PROB_AFTER_ALL */
        snprintf(summary, sizeof summary, TR("%s: '%s' comes after '%s' and is never "
                 "evaluated"), p->domain, str(p->term), str(p->other));
        return add_fix(out, p, "spf.after-all", SEV_WARN, summary,
                       N_("Mechanisms are evaluated left to right and 'all' always matches."),
                       REF " 5.1");
    }
}

static enum auth_status terms(const struct spf_problem *p, struct finding_list *out)
{
    char summary[400];

    switch (p->kind) {
    case SPF_PROB_PTR_USED:
        snprintf(summary, sizeof summary, TR("%s: '%s' uses the ptr mechanism"), p->domain,
                 str(p->term));
        return add_fix(out, p, "spf.ptr-used", SEV_WARN, summary,
                       N_("RFC 7208 5.5: ptr is slow, unreliable and SHOULD NOT be used; "
                          "list the sending addresses with ip4:/ip6: or a instead."), REF " 5.5");
    case SPF_PROB_MX_NAMES:
        snprintf(summary, sizeof summary, TR("%s: '%s' yields %u MX names (more than 10 "
                 "is a permerror)"), p->domain, str(p->term), p->number);
        return auth_finding_add(out, "spf.mx-names-limit", SEV_FAIL, summary,
                           "Replace the mx term with ip4:/ip6: terms for the mail hosts.",
                           NULL, REF " 4.6.4");
    default:                           /* SPF_PROB_MACRO_COUNT */
        snprintf(summary, sizeof summary, TR("lookup count depends on macros ('%s' in %s): "
                 "at least %u"), str(p->term), p->domain, p->number);
        return auth_finding_add(out, "spf.macro-count", SEV_INFO, summary,
                           "Terms with macros are expanded per message; their targets cannot "
                           "be counted in advance, so the count is a lower bound.", NULL,
                           REF " 4.6.4");
    }
}

static enum auth_status record_errors(const struct spf_problem *p, struct finding_list *out)
{
    char summary[400];

    switch (p->kind) {
    case SPF_PROB_SYNTAX:
        snprintf(summary, sizeof summary, TR("%s: SPF record does not parse (permerror)"),
                 p->domain);
        return auth_finding_addf(out, "spf.syntax", SEV_FAIL, summary, NULL, REF " 4.6",
                            "%s\nrecord: %s", str(p->text), str(p->published));
    default:                           /* SPF_PROB_MULTIPLE */
        snprintf(summary, sizeof summary, TR("%s: more than one SPF record (permerror)"),
                 p->domain);
        return auth_finding_addf(out, "spf.multiple", SEV_FAIL, summary, NULL, REF " 4.5",
                            "%s; merge them into one TXT record.", str(p->text));
    }
}

static enum auth_status target_errors(const struct spf_problem *p, struct finding_list *out)
{
    char summary[400];

    switch (p->kind) {
    case SPF_PROB_INCLUDE_NO_RECORD:
        snprintf(summary, sizeof summary, TR("'%s' in %s: target has no SPF record "
                 "(permerror)"), str(p->term), str(p->other));
        return auth_finding_addf(out, "spf.include-no-record", SEV_FAIL, summary, NULL,
                            REF " 5.2", "%s: %s. Every evaluation reaching this term ends in "
                            "permerror; remove it or fix the target.", p->domain,
                            str(p->text));
    case SPF_PROB_INCLUDE_ERROR:
        snprintf(summary, sizeof summary, TR("%s: SPF record could not be fetched "
                 "(temperror)"), p->domain);
        return auth_finding_addf(out, "spf.include-error", SEV_ERROR, summary, NULL, REF " 4.4",
                            "%s%s%s", str(p->text), p->other ? TR("; reached by ") : "",
                            str(p->term));
    default:                           /* SPF_PROB_LOOP */
        snprintf(summary, sizeof summary, TR("'%s' in %s: include/redirect loop"),
                 str(p->term), p->other ? p->other : "");
        return auth_finding_addf(out, "spf.loop", SEV_FAIL, summary, NULL, REF " 4.6.4",
                            "%s is already on the path from the root; evaluation would "
                            "exceed the lookup limit (permerror).", p->domain);
    }
}

static enum auth_status presence(const struct spf_problem *p, struct finding_list *out)
{
    char summary[300];

    if (p->kind == SPF_PROB_PUBLISHED) {
        snprintf(summary, sizeof summary, TR("%s publishes an SPF record"), p->domain);
        return auth_finding_add(out, "spf.missing", SEV_PASS, summary, p->published, NULL,
                           REF " 4.5");
    }
    snprintf(summary, sizeof summary, p->nxdomain
             ? TR("%s: no SPF record (the name does not exist)") : TR("%s: no SPF record"),
             p->domain);
    return add_rec(out, p->domain, p->has_mx ? "v=spf1 mx -all" : "v=spf1 -all",
                   "spf.missing", SEV_FAIL, summary,
                   p->has_mx ? N_("Receivers get 'none' and cannot tell forged mail from "
                                  "real. The fix authorises the MX hosts; list every other "
                                  "sending service too.")
                             : N_("The domain has no MX: if it sends no mail, publish "
                                  "'v=spf1 -all' so forged mail fails."), REF " 4.5");
}

static enum auth_status lookups_over(const struct spf_problem *p, struct finding_list *out)
{
    char summary[300];

    snprintf(summary, sizeof summary, p->at_least
             ? TR("%s: at least %u DNS-querying terms across the include tree (limit 10)")
             : TR("%s: %u DNS-querying terms across the include tree (limit 10)"),
             p->domain, p->number);
    return auth_finding_addf(out, "spf.lookup-limit", SEV_FAIL, summary, p->record, REF " 4.6.4",
                        "Evaluations that reach the 11th lookup end in permerror, whatever "
                        "the sender's address. %s", p->record
                        ? TR("The fix is a flattened policy with the same result for every "
                          "address (includes replaced by the addresses they list today, in "
                          "order): it needs maintenance, re-generate it whenever an included "
                          "provider changes its addresses.")
                        : TR("No flattened record with the same result fits in 10 lookups (an "
                          "include whose record holds non-pass terms, ptr, exists or macros "
                          "cannot be merged): remove includes that are not needed or list "
                          "addresses directly."));
}

static enum auth_status lookups(const struct spf_problem *p, struct finding_list *out)
{
    char summary[300];

    if (p->kind == SPF_PROB_LOOKUPS_OVER)
        return lookups_over(p, out);
    if (p->kind == SPF_PROB_VOID_LIMIT) {
        snprintf(summary, sizeof summary, TR("%s: %u terms point at names with no data "
                 "(limit 2 void lookups)"), p->domain, p->number);
        return auth_finding_add(out, "spf.void-limit", SEV_FAIL, summary,
                           "Evaluations reaching the third empty answer end in permerror; "
                           "remove terms naming hosts or domains that no longer exist.", NULL,
                           REF " 4.6.4");
    }
    snprintf(summary, sizeof summary, p->at_least ? TR("%s: at least %u of 10 DNS lookups used")
             : TR("%s: %u of 10 DNS lookups used"), p->domain, p->number);
    if (p->kind == SPF_PROB_LOOKUPS_NEAR)
        return auth_finding_add(out, "spf.lookup-limit", SEV_WARN, summary,
                           "Close to the limit: one more include at any provider breaks the "
                           "policy.", NULL, REF " 4.6.4");
    return auth_finding_add(out, "spf.lookup-limit", SEV_PASS, summary, NULL, NULL, REF " 4.6.4");
}

static enum auth_status type99(const struct spf_problem *p, struct finding_list *out)
{
    char summary[300];

    snprintf(summary, sizeof summary, TR("%s publishes the obsolete SPF RR type (99)"),
             p->domain);
    return auth_finding_add(out, "spf.type99", SEV_INFO, summary,
                       "RFC 7208 3.1 removed type 99; only the TXT record is used. Remove "
                       "the type 99 record so the two cannot drift apart.", NULL, REF " 3.1");
}

static enum auth_status address(const struct spf_problem *p, struct finding_list *out)
{
    char summary[400], ip[AUTH_IP_STRLEN];

    auth_ip_format(&p->ip, ip, sizeof ip);
    if (p->kind == SPF_PROB_IP_PASS) {
        snprintf(summary, sizeof summary, TR("%s gets pass (%s)"), ip, p->term ? p->term : "");
        return auth_finding_add(out, "spf.ip-not-authorized", SEV_PASS, summary, NULL, NULL,
                           REF " 4.6");
    }
    snprintf(summary, sizeof summary, TR("%s is not authorised: SPF %s"), ip,
             spf_result_name(p->result));
    return auth_finding_addf(out, "spf.ip-not-authorized", SEV_FAIL, summary, NULL, REF " 4.6",
                        "check_host(%s, %s): %s%s%s", ip, str(p->other),
                        spf_result_name(p->result), p->text ? ": " : "",
                        p->text ? p->text : "");
}

static enum auth_status one(const struct spf_problem *p, struct finding_list *out)
{
    switch (p->kind) {
    case SPF_PROB_MISSING:
    case SPF_PROB_PUBLISHED:
        return presence(p, out);
    case SPF_PROB_SYNTAX:
    case SPF_PROB_MULTIPLE:
        return record_errors(p, out);
    case SPF_PROB_INCLUDE_NO_RECORD:
    case SPF_PROB_INCLUDE_ERROR:
    case SPF_PROB_LOOP:
        return target_errors(p, out);
    case SPF_PROB_STRING_SIZE:
    case SPF_PROB_RECORD_SIZE:
        return sizes(p, out);
    case SPF_PROB_ALL_NEUTRAL:
    case SPF_PROB_NO_ALL:
        return all_neutral(p, out);
    case SPF_PROB_ALL_PASS:
    case SPF_PROB_REDIRECT_IGNORED:
    case SPF_PROB_AFTER_ALL:
        return qualifiers(p, out);
    case SPF_PROB_PTR_USED:
    case SPF_PROB_MX_NAMES:
    case SPF_PROB_MACRO_COUNT:
        return terms(p, out);
    case SPF_PROB_LOOKUPS_OVER:
    case SPF_PROB_LOOKUPS_NEAR:
    case SPF_PROB_LOOKUPS_OK:
    case SPF_PROB_VOID_LIMIT:
        return lookups(p, out);
    case SPF_PROB_TYPE99:
        return type99(p, out);
    default:
        return address(p, out);
    }
}

enum auth_status findings_from_spf(const struct spf_problems *pl, struct finding_list *out)
{
    enum auth_status first = AUTH_OK;

    for (size_t i = 0; i < pl->count; i++)
        kept(&first, one(&pl->items[i], out));
    return first;
}
