/*
 * profile.c - `check-dns --profile NAME`: published sender requirements
 * mapped to the audit's finding ids.
 *
 * Each requirement of a profile names the finding ids that prove or refute
 * it.  Its verdict is the worst of those findings (fail > error > warn >
 * pass); a requirement DNS cannot prove (spam rate, one-click unsubscribe,
 * outbound TLS, per-message alignment) is reported as `skipped` with the
 * reason, never as pass.  The profile findings are appended to the audit's,
 * with ids "profile.REQUIREMENT".
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"

#define MAX_IDS 12

struct requirement {
    const char *id;            /* profile.X */
    const char *what;          /* the requirement, as the receiver states it */
    const char *ids[MAX_IDS];  /* findings that decide it; empty: not provable */
    const char *why_not;       /* for requirements DNS cannot prove */
    bool needs_ip;             /* only decidable with --ip */
};

struct profile {
    const char *name, *title;
    struct requirement reqs[12];
};

#define SPF_IDS {"spf.missing", "spf.multiple", "spf.syntax", "spf.lookup-limit", \
                 "spf.void-limit", "spf.include-no-record", "spf.include-error", "spf.loop", \
                 "spf.all-pass", "spf.ip-not-authorized"}
#define DKIM_IDS {"dkim.not-found", "dkim.key-syntax", "dkim.key-weak", "dkim.key-hash"}
#define DMARC_IDS {"dmarc.missing", "dmarc.multiple", "dmarc.syntax"}
#define PTR_IDS {"ptr.missing", "ptr.fcrdns"}
#define NOT_DNS_SPAM N_("the spam rate is measured by the receiver (Postmaster Tools): DNS cannot show it")
#define NOT_DNS_UNSUB N_("one-click unsubscribe (RFC 8058) is a header of each marketing message")
#define NOT_DNS_ALIGN N_("alignment is a property of each message: check one with `mailctl auth`")
#define NOT_DNS_TLS N_("outbound TLS is a property of the sending servers, not of DNS")

static const struct profile profiles[] = {
    {"gmail-bulk", "Gmail bulk sender requirements (2024)", {
        {"profile.spf", N_("SPF published and valid"), SPF_IDS, NULL, false},
        {"profile.dkim", N_("DKIM signing with a key of 1024 bits or more"), DKIM_IDS, NULL, false},
        {"profile.dmarc", N_("a DMARC policy (p=none at least)"), DMARC_IDS, NULL, false},
        {"profile.ptr", N_("sending IPs with forward-confirmed reverse DNS"), PTR_IDS, NULL, true},
        {"profile.alignment", N_("From domain aligned with SPF or DKIM"), {NULL}, NOT_DNS_ALIGN, false},
        {"profile.tls", N_("TLS for transmitting email"), {NULL}, NOT_DNS_TLS, false},
        {"profile.spam-rate", N_("spam rate below 0.3%"), {NULL}, NOT_DNS_SPAM, false},
        {"profile.unsubscribe", N_("one-click unsubscribe"), {NULL}, NOT_DNS_UNSUB, false},
    }},
    {"yahoo-bulk", "Yahoo sender requirements (2024)", {
        {"profile.spf", N_("SPF published and valid"), SPF_IDS, NULL, false},
        {"profile.dkim", N_("DKIM signing"), DKIM_IDS, NULL, false},
        {"profile.dmarc", N_("a DMARC policy (p=none at least)"), DMARC_IDS, NULL, false},
        {"profile.ptr", N_("sending IPs with valid reverse DNS"), PTR_IDS, NULL, true},
        {"profile.alignment", N_("From domain aligned with SPF or DKIM"), {NULL}, NOT_DNS_ALIGN, false},
        {"profile.spam-rate", N_("spam rate below 0.3%"), {NULL}, NOT_DNS_SPAM, false},
        {"profile.unsubscribe", N_("one-click unsubscribe"), {NULL}, NOT_DNS_UNSUB, false},
    }},
    {"outlook-bulk", "Outlook.com high-volume sender requirements (2025)", {
        {"profile.spf", N_("SPF published and passing"), SPF_IDS, NULL, false},
        {"profile.dkim", N_("DKIM signing"), DKIM_IDS, NULL, false},
        {"profile.dmarc", N_("a DMARC policy (p=none at least)"), DMARC_IDS, NULL, false},
        {"profile.alignment", N_("From domain aligned with SPF or DKIM"), {NULL}, NOT_DNS_ALIGN, false},
        {"profile.unsubscribe", N_("a working unsubscribe link"), {NULL}, NOT_DNS_UNSUB, false},
    }},
    {"parked", "a domain that sends and receives no mail", {
        {"profile.null-mx", N_("a null MX (RFC 7505)"), {"mx.null", "mx.present"}, NULL, false},
        {"profile.spf", N_("SPF that authorises nobody: v=spf1 -all"), {NULL}, NULL, false},
        {"profile.dmarc", N_("DMARC p=reject"), {"dmarc.missing", "dmarc.policy-none"}, NULL, false},
    }},
};

const char *audit_profile_names(void)
{
    return "gmail-bulk, yahoo-bulk, outlook-bulk, parked";
}

static const struct profile *find_profile(const char *name)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (!strcmp(profiles[i].name, name))
            return &profiles[i];
    return NULL;
}

bool audit_profile_exists(const char *name)
{
    return find_profile(name) != NULL;
}

static const char *record(const struct audit_result *r, const char *key)
{
    for (size_t i = 0; i < r->nrecords; i++)
        if (!strcmp(r->records[i].key, key))
            return r->records[i].value;
    return NULL;
}

/* Worst severity among the findings with the requirement's ids, and the
 * first such finding's id for the detail; -1 when none was produced. */
static int worst(const struct audit_result *r, const struct requirement *q, const char **which)
{
    static const int rank[] = { [SEV_PASS] = 1, [SEV_INFO] = 1, [SEV_WARN] = 2,
                                [SEV_ERROR] = 3, [SEV_FAIL] = 4, [SEV_SKIPPED] = 0 };
    int best = -1, best_rank = 0;

    for (size_t i = 0; i < r->findings.count; i++) {
        const struct finding *f = &r->findings.items[i];
        for (size_t k = 0; k < MAX_IDS && q->ids[k]; k++) {
            if (strcmp(f->id, q->ids[k]) || rank[f->severity] <= best_rank)
                continue;
            best_rank = rank[f->severity];
            best = f->severity == SEV_INFO ? SEV_PASS : (int)f->severity;
            *which = f->id;
        }
    }
    return best;
}

/* The parked profile's SPF requirement is about the record text itself. */
static enum auth_status parked_spf(struct audit_result *r, const struct requirement *q)
{
    const char *spf = record(r, "spf");
    bool ok = spf && !strcmp(spf, "v=spf1 -all");

    return auth_finding_addf(&r->findings, q->id, ok ? SEV_PASS : SEV_FAIL, q->what,
                        ok ? NULL : "v=spf1 -all", "RFC 7208",
                        "published: %s", spf ? spf : "(no SPF record)");
}

static enum auth_status one(struct audit_result *r, const struct audit_options *opt,
                            const struct requirement *q)
{
    const char *which = NULL;
    int sev;

    if (!q->ids[0] && q->why_not)
        return auth_finding_add(&r->findings, q->id, SEV_SKIPPED, q->what, q->why_not, NULL, NULL);
    if (!q->ids[0])
        return parked_spf(r, q);
    if (q->needs_ip && !opt->nips)
        return auth_finding_add(&r->findings, q->id, SEV_SKIPPED, q->what,
                           "name the sending addresses with --ip to check this", NULL, NULL);
    sev = worst(r, q, &which);
    if (sev < 0)
        return auth_finding_add(&r->findings, q->id, SEV_SKIPPED, q->what,
                           "the checks that decide it did not run (see --checks)", NULL, NULL);
    return auth_finding_addf(&r->findings, q->id, (enum finding_severity)sev, q->what, NULL, NULL,
                        "decided by %s", which);
}

enum auth_status audit_apply_profile(struct audit_result *r, const struct audit_options *opt,
                                     const char *name)
{
    const struct profile *p = find_profile(name);
    enum auth_status st = AUTH_OK;

    if (!p)
        return AUTH_EINVAL;
    for (size_t i = 0; st == AUTH_OK && i < 12 && p->reqs[i].id; i++)
        st = one(r, opt, &p->reqs[i]);
    return st;
}
