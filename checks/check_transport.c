/*
 * check_transport.c - MTA-STS (mtasts.*: the TXT record, then the HTTPS
 * policy fetched once per audit by audit_mtasts_state() and every MX host
 * matched against its patterns) and the TLS-RPT record (tlsrpt.*).
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
static enum auth_status check_mtasts_record(struct audit_ctx *ctx, struct finding_list *out);
static bool txt_is_tlsrpt(const char *t, size_t n) { return tlsrpt_is_record(t, n); }

/* How a failed fetch is judged: what the domain got wrong is a fail; what
 * kept us from knowing (timeouts, resets, redirects and oversized answers,
 * which may be a middlebox's doing) is an error. */
static enum finding_severity fetch_severity(enum auth_status st, long http_status)
{
    if (http_status >= 300 && http_status < 400)
        return SEV_ERROR;
    return st == AUTH_ENOTFOUND || st == AUTH_ETLS || st == AUTH_EPERM ? SEV_FAIL : SEV_ERROR;
}

/* Every MX host against the policy's mx patterns (RFC 8461 4.1). */
static enum auth_status mx_against_policy(struct audit_ctx *ctx, const struct mtasts_policy *pol,
                                          struct finding_list *out)
{
    const struct dns_result *mx = NULL;
    size_t bad = 0, n;
    enum finding_severity sev = pol->mode == MTASTS_ENFORCE ? SEV_FAIL : SEV_WARN;
    enum auth_status st = AUTH_OK;

    if (dns_query(ctx->eng, ctx->domain, DNS_T_MX, &mx) != AUTH_OK || !mx)
        return AUTH_ENOMEM;
    if (dns_status_is_temporary(dns_result_status(mx)))
        return audit_dns_error(out, "mtasts.mx-mismatch", ctx->domain, mx);
    n = dns_result_count(mx);
    for (size_t i = 0; i < n && st == AUTH_OK; i++) {
        const char *host = dns_result_rr(mx, i)->u.mx.host;
        bool ok = false;
        for (size_t k = 0; k < pol->nmx && !ok; k++)
            ok = mtasts_mx_match(pol->mx[k], host);
        if (ok || !strcmp(host, ".") || pol->mode == MTASTS_NONE)
            continue;
        bad++;
        st = auth_finding_addf(out, "mtasts.mx-mismatch", sev, "MX host not covered by the "
                          "MTA-STS policy", "add \"mx: HOST\" (or a *.DOMAIN pattern) to "
                          "the policy and change its id", "RFC 8461 4.1",
                          "%s matches no mx: pattern of the %s policy: senders that honour "
                          "it %s", host, mtasts_mode_name(pol->mode),
                          pol->mode == MTASTS_ENFORCE ? TR("will not deliver to it")
                                                      : TR("report failures for it"));
    }
    if (st == AUTH_OK && !bad && n)
        st = auth_finding_addf(out, "mtasts.mx-mismatch", SEV_PASS, "every MX host matches the "
                          "policy", NULL, "RFC 8461 4.1", "%zu MX host%s, %zu pattern%s", n,
                          n == 1 ? "" : "s", pol->nmx, pol->nmx == 1 ? "" : "s");
    return st;
}

/* The policy part: fetched once per audit (shared with the smtp family). */
static enum auth_status check_policy(struct audit_ctx *ctx, struct finding_list *out)
{
    const struct audit_mtasts *m = audit_mtasts_state(ctx);
    char url[DNS_MAX_NAME + 64];
    enum auth_status st;

    if (!m || m->record != MTASTS_REC_OK || !m->fetched)
        return AUTH_OK;
    snprintf(url, sizeof url, "https://mta-sts.%s/.well-known/mta-sts.txt", ctx->domain);
    if (m->skipped)
        return auth_finding_addf(out, "mtasts.policy", SEV_SKIPPED, "MTA-STS policy not fetched",
                            NULL, "RFC 8461 3.3", "%s: %s; --allow-private probes it", url,
                            m->why);
    if (m->fetch_status != AUTH_OK)
        return auth_finding_addf(out, "mtasts.policy",
                            fetch_severity(m->fetch_status, m->fetch.http_status),
                            fetch_severity(m->fetch_status, m->fetch.http_status) == SEV_FAIL
                            ? "MTA-STS policy cannot be fetched"
                            : N_("could not fetch the MTA-STS policy"),
                            "serve the policy as text/plain at that URL over HTTPS with a "
                            "certificate valid for mta-sts.DOMAIN, without redirects",
                            "RFC 8461 3.3", "%s%s%s: %s", url, m->fetch.address[0] ? TR(" at ") : "",
                            m->fetch.address, m->why);
    if (m->parse_status != AUTH_OK) {
        st = auth_finding_addf(out, "mtasts.policy", SEV_FAIL, "MTA-STS policy does not parse",
                          "version: STSv1\nmode: enforce\nmx: MXHOST\nmax_age: 604800",
                          "RFC 8461 3.2", "%s: %s", url, m->why);
        return st == AUTH_OK ? auth_finding_set_evidence(out, m->fetch.body) : st;
    }
    if ((st = audit_add_record(ctx, "mta-sts-policy", m->fetch.body)) != AUTH_OK)
        return st;
    st = auth_finding_addf(out, "mtasts.policy", SEV_PASS, "MTA-STS policy fetched and valid", NULL,
                      "RFC 8461 3.2", "mode %s, max_age %lu, %zu mx pattern%s (from %s)",
                      mtasts_mode_name(m->policy.mode), m->policy.max_age, m->policy.nmx,
                      m->policy.nmx == 1 ? "" : "s", m->fetch.address);
    return st == AUTH_OK ? mx_against_policy(ctx, &m->policy, out) : st;
}

enum auth_status check_mtasts(struct audit_ctx *ctx, struct finding_list *out)
{
    char name[300];
    struct dns_batch *b = dns_batch_new(ctx->eng);
    enum auth_status st;

    /* One stage for the record and the MX set the policy is matched
     * against; later lookups are answered from the engine's cache. */
    if (!b)
        return AUTH_ENOMEM;
    dns_batch_add(b, under(name, sizeof name, "_mta-sts", ctx->domain), DNS_T_TXT);
    dns_batch_add(b, ctx->domain, DNS_T_MX);
    st = dns_batch_wait(b);
    dns_batch_free(b);
    if (st == AUTH_OK)
        st = check_mtasts_record(ctx, out);

    return st == AUTH_OK ? check_policy(ctx, out) : st;
}

static enum auth_status check_mtasts_record(struct audit_ctx *ctx, struct finding_list *out)
{
    char name[300], err[256];
    const struct dns_rr *recs[MAX_SEEN];
    const struct dns_result *res = NULL;
    struct mtasts_record rec;
    size_t n = audit_txt_matching(ctx->eng, under(name, sizeof name, "_mta-sts", ctx->domain),
                                  txt_is_mtasts, recs, MAX_SEEN, &res);

    if (res && dns_status_is_temporary(dns_result_status(res)))
        return audit_dns_error(out, "mtasts.missing", name, res);
    if (!n) {
        char fix[700];
        snprintf(fix, sizeof fix, "%s. 3600 IN TXT \"v=STSv1; id=1\"\nand a policy at "
                 "https://mta-sts.%s/.well-known/mta-sts.txt:\n"
                 "version: STSv1\nmode: testing\nmx: YOUR-MX-HOST\nmax_age: 86400",
                 name, ctx->domain);
        return auth_finding_addf(out, "mtasts.missing", SEV_INFO, "no MTA-STS policy", fix,
                            "RFC 8461", "%s has no v=STSv1 record: senders cannot require "
                            "TLS when delivering to this domain", name);
    }
    if (n > 1)
        return auth_finding_addf(out, "mtasts.multiple", SEV_FAIL, "more than one MTA-STS record",
                            NULL, "RFC 8461 3.1", "%s has %zu v=STSv1 records; senders "
                            "ignore the policy", name, n);
    if (audit_add_record(ctx, "mta-sts", (const char *)recs[0]->u.txt.data) != AUTH_OK)
        return AUTH_ENOMEM;
    if (mtasts_record_parse((const char *)recs[0]->u.txt.data, recs[0]->u.txt.len, &rec,
                            err, sizeof err) != AUTH_OK) {
        enum auth_status st = auth_finding_addf(out, "mtasts.record", SEV_FAIL,
                                           "MTA-STS record does not parse", NULL,
                                           "RFC 8461 3.1", "%s: %s", name, err);
        return st == AUTH_OK ? auth_finding_set_evidence(out, (const char *)recs[0]->u.txt.data)
                             : st;
    }
    return auth_finding_addf(out, "mtasts.missing", SEV_PASS, "MTA-STS record published", NULL,
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
        return auth_finding_addf(out, "tlsrpt.missing", SEV_INFO, "no TLS reporting record", fix,
                            "RFC 8460", "%s has no v=TLSRPTv1 record: senders cannot tell "
                            "you when TLS to your MX fails", name);
    }
    if (n > 1)
        return auth_finding_addf(out, "tlsrpt.syntax", SEV_FAIL, "more than one TLS-RPT record",
                            NULL, "RFC 8460 3", "%s has %zu v=TLSRPTv1 records; senders "
                            "ignore them all", name, n);
    if (audit_add_record(ctx, "tlsrpt", (const char *)recs[0]->u.txt.data) != AUTH_OK)
        return AUTH_ENOMEM;
    if (tlsrpt_record_parse((const char *)recs[0]->u.txt.data, recs[0]->u.txt.len, &rec,
                            err, sizeof err) != AUTH_OK) {
        st = auth_finding_addf(out, "tlsrpt.syntax", SEV_FAIL, "TLS-RPT record is invalid", NULL,
                          "RFC 8460 3", "%s: %s", name, err);
        return st == AUTH_OK ? auth_finding_set_evidence(out, (const char *)recs[0]->u.txt.data)
                             : st;
    }
    return auth_finding_addf(out, "tlsrpt.missing", SEV_PASS, "TLS reporting record published",
                        NULL, "RFC 8460", "reports to %s%s", rec.rua[0],
                        rec.nrua > 1 ? TR(" and more") : "");
}
