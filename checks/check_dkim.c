/*
 * check_dkim.c - DKIM keys of a domain (dkim.*).
 *
 * There is no way to list a domain's selectors, so the audit asks the ones
 * named with --selector.  Otherwise it recognises the mail provider from
 * the MX hosts and the SPF record already gathered (dkim_providers.c) and
 * asks that provider's selectors first; only when they hold no key does it
 * ask the long common list (--dkim-discovery common: the list at once).
 * Each batch goes with a random selector: an answer there means a wildcard
 * answers every selector (its records are then not taken for keys).  The "_domainkey has no children" NXDOMAIN shortcut is never
 * used: servers that do not follow RFC 8020 would hide real keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "auth/dkim.h"
#include "dkim_providers.h"
#include "problems.h"

static const char *const common_selectors[] = {
    "selector1", "selector2",                 /* Microsoft 365 */
    "google",                                 /* Google Workspace */
    "k1", "k2", "k3",                         /* Mailchimp / Mandrill */
    "s1", "s2",                               /* SendGrid */
    "default", "mail", "dkim", "smtp", "key1", "key2", "email",
    "fm1", "fm2", "fm3",                      /* Fastmail */
    "protonmail", "protonmail2", "protonmail3",
    "zoho", "mxvault", "mandrill", "cm", "pm", "everlytickey1", "sig1",
};

#define MAX_ASKED 64
#define MX_HOSTS_SEEN 16        /* MX hosts looked at to recognise a provider */

struct asked {
    const char *sel[MAX_ASKED];
    char dated[8][16];          /* storage for dated selectors */
    size_t n;
    char providers[160];        /* recognised from MX and SPF, for the detail */
};

static bool looks_like_key(const struct dns_result *r, const char **txt, size_t *len);

static void add_selector(struct asked *a, const char *sel)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->sel[i], sel))
            return;
    if (a->n < MAX_ASKED)
        a->sel[a->n++] = sel;
}

/* Common selectors plus dated ones for this and the two previous years
 * (of the audit's clock), after those already in a. */
static void default_selectors(struct asked *a, time_t now)
{
    struct tm tm;
    int year;

    for (size_t i = 0; i < sizeof common_selectors / sizeof common_selectors[0]; i++)
        add_selector(a, common_selectors[i]);
    gmtime_r(&now, &tm);
    year = tm.tm_year + 1900;
    for (int k = 0; k < 3; k++) {
        snprintf(a->dated[2 * k], sizeof a->dated[0], "%d", year - k);
        snprintf(a->dated[2 * k + 1], sizeof a->dated[0], "s%d", year - k);
        add_selector(a, a->dated[2 * k]);
        add_selector(a, a->dated[2 * k + 1]);
    }
}

/* The v=spf1 record among TXT answers, or NULL. */
static const char *spf_text(const struct dns_result *txt, char *buf, size_t len)
{
    for (size_t i = 0; i < dns_result_count(txt); i++) {
        const struct dns_rr *rr = dns_result_rr(txt, i);
        if (rr->u.txt.len >= 6 && !strncasecmp((const char *)rr->u.txt.data, "v=spf1", 6) &&
            (rr->u.txt.len == 6 || rr->u.txt.data[6] == ' ')) {
            snprintf(buf, len, "%.*s", (int)rr->u.txt.len, (const char *)rr->u.txt.data);
            return buf;
        }
    }
    return NULL;
}

/* The providers' selectors, from the MX and TXT answers of the snapshot.
 * false while those are still to be gathered. */
static bool provider_selectors(struct audit_ctx *ctx, struct asked *a)
{
    const struct dkim_provider *p[DKIM_PROVIDERS_MAX];
    const char *hosts[MX_HOSTS_SEEN], *sel[MAX_ASKED];
    struct dns_batch *b = dns_batch_new(ctx->eng);
    const struct dns_result *mx, *txt;
    char spf[2048];
    size_t nh = 0, np, ns;
    bool ready;

    if (!b)
        return true;                     /* no memory: the common list, as before */
    dns_batch_add(b, ctx->domain, DNS_T_MX);
    dns_batch_add(b, ctx->domain, DNS_T_TXT);
    ready = dns_batch_wait(b) == AUTH_OK;
    mx = dns_batch_result(b, 0);
    txt = dns_batch_result(b, 1);
    /* a placeholder of the gather stage: asked after this pass, which is
     * then judged again (auth/dns.h, deferred mode) */
    if (ready && (dns_result_deferred(mx) || dns_result_deferred(txt))) {
        dns_batch_free(b);
        return false;
    }
    for (size_t i = 0; ready && i < dns_result_count(mx) && nh < MX_HOSTS_SEEN; i++)
        hosts[nh++] = dns_result_rr(mx, i)->u.mx.host;
    np = ready ? dkim_providers_match(hosts, nh, spf_text(txt, spf, sizeof spf), p,
                                      DKIM_PROVIDERS_MAX) : 0;
    ns = dkim_providers_selectors(p, np, sel, MAX_ASKED);
    for (size_t i = 0; i < ns; i++)
        add_selector(a, sel[i]);
    dkim_providers_names(p, np, a->providers, sizeof a->providers);
    dns_batch_free(b);
    return true;
}

/* Whether the selectors in a hold a key that is not the wildcard's.
 * *ready is false while their answers are still to be gathered. */
static bool any_key(struct audit_ctx *ctx, const struct asked *a, bool *ready)
{
    struct dns_batch *b = dns_batch_new(ctx->eng);
    const char *txt, *wild = NULL;
    size_t len, wild_len = 0;
    char name[400];
    bool found = false;

    *ready = true;
    if (!b)
        return false;
    for (size_t i = 0; i <= a->n; i++) {
        snprintf(name, sizeof name, "%s._domainkey.%s", i < a->n ? a->sel[i] : ctx->wild_label,
                 ctx->domain);
        dns_batch_add(b, name, DNS_T_TXT);
    }
    if (dns_batch_wait(b) == AUTH_OK) {
        for (size_t i = 0; i <= a->n; i++)
            *ready &= !dns_result_deferred(dns_batch_result(b, i));
        if (looks_like_key(dns_batch_result(b, a->n), &wild, &wild_len) && !*ready)
            wild = NULL;
        for (size_t i = 0; *ready && i < a->n && !found; i++)
            found = looks_like_key(dns_batch_result(b, i), &txt, &len) &&
                    !(wild && len == wild_len && !memcmp(txt, wild, len));
    }
    dns_batch_free(b);
    return found;
}

/* What to ask without --selector: the providers' selectors when they hold
 * a key, else those and the common list.  false while the answers this
 * choice rests on are still to be gathered (the pass is judged again). */
static bool choose_selectors(struct audit_ctx *ctx, struct asked *a)
{
    bool ready;

    if (!ctx->opt->dkim_all_selectors) {
        if (!provider_selectors(ctx, a))
            return false;
        if (a->n && (any_key(ctx, a, &ready) || !ready))
            return ready;
    }
    default_selectors(a, ctx->now);
    return true;
}

static bool looks_like_key(const struct dns_result *r, const char **txt, size_t *len)
{
    for (size_t i = 0; i < dns_result_count(r); i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        const char *t = (const char *)rr->u.txt.data;
        if ((rr->u.txt.len >= 7 && !strncmp(t, "v=DKIM1", 7)) || strstr(t, "p=")) {
            *txt = t;
            *len = rr->u.txt.len;
            return true;
        }
    }
    return false;
}

struct key_seen {
    size_t found, temp;
    const char *wild;
    size_t wild_len;
    char failed[240];          /* the selectors whose query failed, for the detail */
};

/* Name a selector whose query failed (the list ends in "..." when full). */
static void note_failed(struct key_seen *ks, const char *sel, const struct dns_result *r)
{
    size_t used = strlen(ks->failed);

    if (used + strlen(sel) + 40 >= sizeof ks->failed) {
        if (!strstr(ks->failed, "..."))
            snprintf(ks->failed + used, sizeof ks->failed - used, ", ...");
        return;
    }
    snprintf(ks->failed + used, sizeof ks->failed - used, "%s%s (%s)", used ? ", " : "",
             sel, dns_status_name(dns_result_status(r)));
}

static enum auth_status one_selector(struct audit_ctx *ctx, const char *sel,
                                     const struct dns_result *r, struct key_seen *ks,
                                     struct finding_list *out, bool named)
{
    const char *txt;
    size_t len;
    char key[300];

    if (dns_status_is_temporary(dns_result_status(r))) {
        ks->temp++;
        note_failed(ks, sel, r);
        return named ? audit_dns_error(out, "dkim.not-found", dns_result_qname(r), r) : AUTH_OK;
    }
    if (!looks_like_key(r, &txt, &len)) {
        if (!named)
            return AUTH_OK;
        return auth_finding_addf(out, "dkim.not-found", SEV_FAIL, "no DKIM key at the named selector",
                            NULL, "RFC 6376 3.6.2", "%s: %s", dns_result_qname(r),
                            dns_status_name(dns_result_status(r)));
    }
    if (ks->wild && len == ks->wild_len && !memcmp(txt, ks->wild, len) && !named)
        return AUTH_OK;     /* the wildcard's answer, not a key of this selector */
    ks->found++;
    snprintf(key, sizeof key, "dkim.%s", sel);
    if (audit_add_record(ctx, key, txt) != AUTH_OK)
        return AUTH_ENOMEM;
    return findings_dkim_key(sel, ctx->domain, txt, len, out);
}

enum auth_status check_dkim(struct audit_ctx *ctx, struct finding_list *out)
{
    struct asked a = {0};
    struct key_seen ks = {0};
    char name[400];
    bool named = ctx->opt->nselectors > 0;
    struct dns_batch *b = dns_batch_new(ctx->eng);
    enum auth_status st;

    if (!b)
        return AUTH_ENOMEM;
    if (named)
        for (size_t i = 0; i < ctx->opt->nselectors && a.n < MAX_ASKED; i++)
            a.sel[a.n++] = ctx->opt->selectors[i];
    else if (!choose_selectors(ctx, &a)) {
        dns_batch_free(b);
        return AUTH_OK;          /* MX, SPF or the provider's answers come next pass */
    }
    for (size_t i = 0; i < a.n; i++) {
        snprintf(name, sizeof name, "%s._domainkey.%s", a.sel[i], ctx->domain);
        dns_batch_add(b, name, DNS_T_TXT);
    }
    snprintf(name, sizeof name, "%s._domainkey.%s", ctx->wild_label, ctx->domain);
    dns_batch_add(b, name, DNS_T_TXT);
    st = dns_batch_wait(b);
    if (st == AUTH_OK && looks_like_key(dns_batch_result(b, a.n), &ks.wild, &ks.wild_len))
        st = auth_finding_addf(out, "dkim.wildcard", SEV_WARN, "a wildcard answers every selector",
                          NULL, "RFC 6376 3.6.2.1", "%s returned a key record: every "
                          "selector appears to exist, so a mistyped selector still verifies "
                          "against the wildcard key", name);
    for (size_t i = 0; st == AUTH_OK && i < a.n; i++)
        st = one_selector(ctx, a.sel[i], dns_batch_result(b, i), &ks, out, named);
    if (st == AUTH_OK && !named && !ks.found)
        st = ks.temp ? auth_finding_addf(out, "dkim.not-found", SEV_ERROR,
                                    "could not look up DKIM selectors", NULL, NULL,
                                    "%zu of %zu selector queries failed: %s", ks.temp, a.n,
                                    ks.failed)
                     : a.providers[0]
                     ? auth_finding_addf(out, "dkim.not-found", SEV_WARN,
                                    "no DKIM key at any common selector", NULL,
                                    "RFC 6376 3.6.2", "asked %zu selectors under _domainkey.%s "
                                    "(those of %s first); name yours with --selector", a.n,
                                    ctx->domain, a.providers)
                     : auth_finding_addf(out, "dkim.not-found", SEV_WARN,
                                    "no DKIM key at any common selector", NULL,
                                    "RFC 6376 3.6.2", "asked %zu common selectors under "
                                    "_domainkey.%s; name yours with --selector", a.n,
                                    ctx->domain);
    else if (st == AUTH_OK && ks.found)
        st = auth_finding_addf(out, "dkim.not-found", SEV_PASS, "DKIM key published", NULL, NULL,
                          ks.found == 1 ? N_("%zu selector with a key%s%s")
                          : N_("%zu selectors with a key%s%s"), ks.found,
                          ks.temp ? TR("; queries that failed: ") : "", ks.failed);
    dns_batch_free(b);
    return st;
}
