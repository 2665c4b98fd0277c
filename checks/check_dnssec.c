/*
 * check_dnssec.c - the dnssec family: whether the validating resolver
 * authenticated the zone's answers (AD bit on SOA, MX, DNSKEY asked in one
 * stage), and when it answers SERVFAIL, whether the same question with the
 * CD bit (checking disabled) gets data: the classic sign of DNSSEC-bogus
 * data rather than a broken server (dnssec.bogus).  An unsigned zone, or a
 * resolver that does not validate, is only noted (dnssec.unsigned).
 */
#include <stdio.h>

#include "audit.h"

static const uint16_t asked[] = { DNS_T_SOA, DNS_T_MX, DNS_T_DNSKEY };
#define NASKED (sizeof asked / sizeof asked[0])

/* The SERVFAILed questions asked again with CD=1 (the snapshot's second
 * engine).  Returns the number answered without a temporary failure; the
 * first such type into *which. */
static size_t ask_with_cd(struct audit_ctx *ctx, const struct dns_result *const *res,
                          uint16_t *which, enum auth_status *st)
{
    struct dns_batch *b;
    size_t idx[NASKED], answered = 0;

    if (!(b = dns_batch_new(ctx->eng_cd))) {
        *st = AUTH_ENOMEM;
        return 0;
    }
    for (size_t i = 0; i < NASKED; i++)
        if (dns_result_status(res[i]) == DNS_SERVFAIL)
            idx[i] = dns_batch_add(b, ctx->domain, asked[i]);
    *st = dns_batch_wait(b);
    for (size_t i = 0; *st == AUTH_OK && i < NASKED; i++) {
        if (dns_result_status(res[i]) != DNS_SERVFAIL)
            continue;
        if (!dns_status_is_temporary(dns_result_status(dns_batch_result(b, idx[i]))) &&
            !answered++)
            *which = asked[i];
    }
    dns_batch_free(b);
    return answered;
}

static enum auth_status judge_servfail(struct audit_ctx *ctx, const struct dns_result *const *res,
                                       size_t servfail, struct finding_list *out)
{
    uint16_t which = 0;
    enum auth_status st = AUTH_OK;
    size_t bogus = ask_with_cd(ctx, res, &which, &st);

    if (st != AUTH_OK)
        return st;
    if (!bogus) {
        for (size_t i = 0; i < NASKED; i++)
            if (dns_result_status(res[i]) == DNS_SERVFAIL)
                return audit_dns_error(out, "dnssec.bogus", ctx->domain, res[i]);
    }
    return auth_finding_addf(out, "dnssec.bogus", SEV_FAIL, "DNSSEC validation fails",
                        "re-sign the zone (expired or broken RRSIGs) or fix the DS record at "
                        "the parent so it matches a published DNSKEY", "RFC 4035 5.5",
                        "the validating resolver answers SERVFAIL for %s %s (%zu of %zu "
                        "questions) but gives the data with checking disabled (CD): the "
                        "signatures do not validate, and validating senders cannot reach "
                        "the domain", ctx->domain, dns_type_name(which), servfail,
                        (size_t)NASKED);
}

enum auth_status check_dnssec(struct audit_ctx *ctx, struct finding_list *out)
{
    struct dns_batch *b = dns_batch_new(ctx->eng);
    const struct dns_result *res[NASKED];
    size_t idx[NASKED], servfail = 0, ad = 0;
    bool dnskey;
    enum auth_status st;

    if (!b)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < NASKED; i++)
        idx[i] = dns_batch_add(b, ctx->domain, asked[i]);
    st = dns_batch_wait(b);
    for (size_t i = 0; i < NASKED && st == AUTH_OK; i++) {
        res[i] = dns_batch_result(b, idx[i]);
        servfail += dns_result_status(res[i]) == DNS_SERVFAIL;
        ad += dns_result_ad(res[i]);
    }
    dns_batch_free(b);     /* results live in the engine */
    if (st != AUTH_OK)
        return st;
    if (servfail)
        return judge_servfail(ctx, res, servfail, out);
    for (size_t i = 0; i < NASKED; i++)
        if (dns_status_is_temporary(dns_result_status(res[i])))
            return audit_dns_error(out, "dnssec.unsigned", ctx->domain, res[i]);
    dnskey = dns_result_status(res[2]) == DNS_DATA;
    if (ad == NASKED) {
        st = auth_finding_addf(out, "dnssec.unsigned", SEV_PASS, "zone signed and validated", NULL,
                          "RFC 4033", "the validating resolver authenticated %s (AD bit)",
                          ctx->domain);
        return st == AUTH_OK ? auth_finding_addf(out, "dnssec.bogus", SEV_PASS, "signatures "
                                            "validate", NULL, "RFC 4035", "SOA, MX and DNSKEY "
                                            "answers authenticated") : st;
    }
    return auth_finding_addf(out, "dnssec.unsigned", SEV_INFO, dnskey ? "DNSSEC not validated"
                        : N_("zone not signed"), dnskey ? "publish the DS record at the parent "
                        "(or check that the resolver validates)" : N_("sign the zone and "
                        "publish its DS at the parent: DANE needs DNSSEC"),
                        "RFC 4033", dnskey ? "%s publishes DNSKEY but the answers are not "
                        "authenticated (no AD bit): no chain of trust, or the resolver does "
                        "not validate" : N_("%s has no DNSKEY and its answers are not "
                        "authenticated (no AD bit from the resolver)"), ctx->domain);
}
