/*
 * check_transport.c - the DNS side of transport security: the MTA-STS TXT
 * record (mtasts.*) and the TLS-RPT record (tlsrpt.*).  Fetching and
 * judging the MTA-STS policy over HTTPS belongs to the transport probes.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "auth/mtasts.h"

#define MAX_SEEN 8

/* The name "PREFIX.DOMAIN" into buf. */
static const char *under(char *buf, size_t len, const char *prefix, const char *domain)
{
    snprintf(buf, len, "%s.%s", prefix, domain);
    return buf;
}

static bool txt_is_mtasts(const char *t, size_t n) { return mtasts_is_record(t, n); }
static bool txt_is_tlsrpt(const char *t, size_t n) { return tlsrpt_is_record(t, n); }

enum auth_status check_mtasts(struct audit_ctx *ctx, struct finding_list *out)
{
    char name[300], err[256];
    const struct dns_rr *recs[MAX_SEEN];
    const struct dns_result *res = NULL;
    struct mtasts_record rec;
    size_t n = audit_txt_matching(ctx->eng, under(name, sizeof name, "_mta-sts", ctx->domain),
                                  txt_is_mtasts, recs, MAX_SEEN, &res);

    if (res && dns_status_is_temporary(dns_result_status(res)))
        return audit_dns_error(out, "mtasts.missing", name, res);
    if (!n)
        return finding_addf(out, "mtasts.missing", SEV_INFO, "no MTA-STS policy",
                            "_mta-sts.DOMAIN TXT \"v=STSv1; id=20260101\" plus a policy at "
                            "https://mta-sts.DOMAIN/.well-known/mta-sts.txt", "RFC 8461",
                            "%s has no v=STSv1 record: senders cannot require TLS when "
                            "delivering to this domain", name);
    if (n > 1)
        return finding_addf(out, "mtasts.multiple", SEV_FAIL, "more than one MTA-STS record",
                            NULL, "RFC 8461 3.1", "%s has %zu v=STSv1 records; senders "
                            "ignore the policy", name, n);
    audit_add_record(ctx, "mta-sts", (const char *)recs[0]->u.txt.data);
    if (mtasts_record_parse((const char *)recs[0]->u.txt.data, recs[0]->u.txt.len, &rec,
                            err, sizeof err) != AUTH_OK) {
        enum auth_status st = finding_addf(out, "mtasts.record", SEV_FAIL,
                                           "MTA-STS record does not parse", NULL,
                                           "RFC 8461 3.1", "%s: %s", name, err);
        return st == AUTH_OK ? finding_set_evidence(out, (const char *)recs[0]->u.txt.data)
                             : st;
    }
    return finding_addf(out, "mtasts.missing", SEV_PASS, "MTA-STS record published", NULL,
                        "RFC 8461", "policy id %s", rec.id);
}

enum auth_status check_tlsrpt(struct audit_ctx *ctx, struct finding_list *out)
{
    char name[300], err[256];
    const struct dns_rr *recs[MAX_SEEN];
    const struct dns_result *res = NULL;
    struct tlsrpt_record rec;
    enum auth_status st;
    size_t n = audit_txt_matching(ctx->eng, under(name, sizeof name, "_smtp._tls", ctx->domain),
                                  txt_is_tlsrpt, recs, MAX_SEEN, &res);

    if (res && dns_status_is_temporary(dns_result_status(res)))
        return audit_dns_error(out, "tlsrpt.missing", name, res);
    if (!n) {
        char fix[400];
        snprintf(fix, sizeof fix, "%s. 3600 IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@%s\"",
                 name, ctx->domain);
        return finding_addf(out, "tlsrpt.missing", SEV_INFO, "no TLS reporting record", fix,
                            "RFC 8460", "%s has no v=TLSRPTv1 record: senders cannot tell "
                            "you when TLS to your MX fails", name);
    }
    if (n > 1)
        return finding_addf(out, "tlsrpt.syntax", SEV_FAIL, "more than one TLS-RPT record",
                            NULL, "RFC 8460 3", "%s has %zu v=TLSRPTv1 records; senders "
                            "ignore them all", name, n);
    audit_add_record(ctx, "tlsrpt", (const char *)recs[0]->u.txt.data);
    if (tlsrpt_record_parse((const char *)recs[0]->u.txt.data, recs[0]->u.txt.len, &rec,
                            err, sizeof err) != AUTH_OK) {
        st = finding_addf(out, "tlsrpt.syntax", SEV_FAIL, "TLS-RPT record is invalid", NULL,
                          "RFC 8460 3", "%s: %s", name, err);
        return st == AUTH_OK ? finding_set_evidence(out, (const char *)recs[0]->u.txt.data)
                             : st;
    }
    return finding_addf(out, "tlsrpt.missing", SEV_PASS, "TLS reporting record published",
                        NULL, "RFC 8460", "reports to %s%s", rec.rua[0],
                        rec.nrua > 1 ? " and more" : "");
}
