/*
 * dkim_problems.c - dkim.* findings from the DKIM key linter's problems,
 * each detail naming the record (selector._domainkey.domain); and the
 * findings of `mailctl dkim record` about one selector's answer.
 */
#include <stdio.h>
#include <string.h>

#include "problems.h"

#define REF "RFC 6376 3.6.1"

static enum auth_status strength(const char *where, const struct dkim_key_problem *p,
                                 struct finding_list *out)
{
    switch (p->kind) {
    case DKIM_KEYP_REVOKED:
        return auth_finding_addf(out, "dkim.key-revoked", SEV_INFO, "key is revoked (empty p=)",
                            NULL, REF, "%s publishes an empty p=: signatures with this "
                            "selector cannot verify", where);
    case DKIM_KEYP_ED25519:
        return auth_finding_addf(out, "dkim.key-weak", SEV_PASS, "Ed25519 key", NULL, "RFC 8463",
                            "%s: Ed25519 (note: some verifiers do not support it yet; "
                            "publish an RSA key beside it)", where);
    case DKIM_KEYP_RSA_WEAK:
        return auth_finding_addf(out, "dkim.key-weak", SEV_FAIL, "RSA key under 1024 bits",
                            "mailctl dkim keygen --bits 2048", "RFC 8301 3.2",
                            "%s: %u-bit RSA; verifiers must reject it", where, p->bits);
    case DKIM_KEYP_RSA_SHORT:
        return auth_finding_addf(out, "dkim.key-weak", SEV_WARN, "RSA key under 2048 bits",
                            "mailctl dkim keygen --bits 2048", "RFC 8301 3.2",
                            "%s: %u-bit RSA; 2048 bits is the recommended size", where,
                            p->bits);
    default:                           /* DKIM_KEYP_RSA_OK */
        return auth_finding_addf(out, "dkim.key-weak", SEV_PASS, "RSA key size is fine", NULL,
                            "RFC 8301 3.2", "%s: %u-bit RSA", where, p->bits);
    }
}

static enum auth_status one(const char *where, const struct dkim_key_problems *pl,
                            const struct dkim_key_problem *p, struct finding_list *out)
{
    switch (p->kind) {
    case DKIM_KEYP_SYNTAX:
        return auth_finding_addf(out, "dkim.key-syntax", SEV_FAIL, "key record does not parse",
                            NULL, REF, "%s: %s", where, pl->error ? pl->error : "");
    case DKIM_KEYP_TESTING:
        return auth_finding_addf(out, "dkim.key-testing", SEV_WARN, "key is in testing mode "
                            "(t=y)", NULL, REF, "%s: verifiers may treat failures as passes; "
                            "remove t=y once signing works", where);
    case DKIM_KEYP_NO_SHA256:
        return auth_finding_addf(out, "dkim.key-hash", SEV_FAIL, "key h= excludes sha256", NULL,
                            "RFC 8301 3.1", "%s: rsa-sha256 signatures cannot use this key",
                            where);
    default:
        return strength(where, p, out);
    }
}

enum auth_status findings_from_dkim_key(const char *selector, const char *domain,
                                        const struct dkim_key_problems *pl,
                                        struct finding_list *out)
{
    char where[300];
    enum auth_status st = AUTH_OK;

    snprintf(where, sizeof where, "%s._domainkey.%s", selector, domain);
    for (size_t i = 0; st == AUTH_OK && i < pl->count; i++)
        st = one(where, pl, &pl->items[i], out);
    return st;
}

enum auth_status findings_dkim_key(const char *selector, const char *domain, const char *txt,
                                   size_t len, struct finding_list *out)
{
    struct dkim_key_problems pl = {0};
    enum auth_status st = dkim_key_lint(txt, len, &pl);

    if (st == AUTH_OK)
        st = findings_from_dkim_key(selector, domain, &pl, out);
    dkim_key_problems_clear(&pl);
    return st;
}

const struct dns_rr *checks_dkim_key_rr(const struct dns_result *r)
{
    for (size_t i = 0; r && i < dns_result_count(r); i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        if (memmem(rr->u.txt.data, rr->u.txt.len, "p=", 2))
            return rr;
    }
    return r && dns_result_count(r) ? dns_result_rr(r, 0) : NULL;
}

enum auth_status findings_dkim_record(const char *domain, const char *selector,
                                      const struct dns_result *r,
                                      const struct dns_result *wild, struct finding_list *fl)
{
    enum dns_status ds = dns_result_status(r);
    const struct dns_rr *rr = ds == DNS_DATA ? checks_dkim_key_rr(r) : NULL;
    enum auth_status st;

    if (ds == DNS_NXDOMAIN || ds == DNS_NODATA || (ds == DNS_DATA && !rr))
        st = auth_finding_addf(fl, "dkim.not-found", SEV_FAIL, "no DKIM key at the selector",
                          "mailctl dkim keygen --domain D --selector S", "RFC 6376 3.6.2.1",
                          "%s._domainkey.%s: %s", selector, domain, dns_status_name(ds));
    else if (ds != DNS_DATA)
        st = auth_finding_addf(fl, "dkim.not-found", SEV_ERROR, "key lookup failed", NULL,
                          "RFC 6376 3.6.2.1", "%s", dns_result_why_for_people(r));
    else
        st = findings_dkim_key(selector, domain, (const char *)rr->u.txt.data, rr->u.txt.len,
                               fl);
    if (st == AUTH_OK && wild && dns_result_status(wild) == DNS_DATA && checks_dkim_key_rr(wild))
        st = auth_finding_addf(fl, "dkim.wildcard", SEV_WARN, "a wildcard answers every selector",
                          NULL, "RFC 6376 3.6.2.1", "a random selector under _domainkey.%s "
                          "has a key", domain);
    return st;
}
