/*
 * check_ptr.c - reverse DNS of the sending addresses given with --ip.
 *
 * Receivers reject or junk mail from addresses without a forward-confirmed
 * PTR, so for sending addresses these are failures (for MX addresses, see
 * check_mx.c, they are warnings).
 */
#include <stdlib.h>

#include "audit.h"
#include "auth/mx.h"

enum auth_status audit_sending_ptr_findings(const struct ptr_report *p, struct finding_list *out)
{
    enum auth_status st = AUTH_OK;

    if (dns_status_is_temporary(p->status))
        return auth_finding_addf(out, "ptr.missing", SEV_ERROR, "PTR lookup failed", NULL, NULL,
                            "%s: %s", p->address, p->error ? p->error : "");
    if (!p->nnames)
        return auth_finding_addf(out, "ptr.missing", SEV_FAIL, "sending address has no PTR record",
                            NULL, "RFC 1912 2.1", "%s: ask the provider of this address "
                            "for a PTR naming your mail host, whose A/AAAA gives %s back",
                            p->address, p->address);
    if (!p->fcrdns)
        st = auth_finding_addf(out, "ptr.fcrdns", SEV_FAIL,
                          "sending address's PTR name does not resolve back to it", NULL, NULL,
                          "%s has PTR %s, whose addresses do not include %s", p->address,
                          p->names[0].name, p->address);
    else
        st = auth_finding_addf(out, "ptr.fcrdns", SEV_PASS, "sending address forward-confirms",
                          NULL, NULL, "%s <-> %s", p->address, p->names[0].name);
    for (size_t n = 0; st == AUTH_OK && n < p->nnames; n++)
        if (mx_ptr_name_is_generic(p->names[n].name, &p->addr))
            st = auth_finding_addf(out, "ptr.generic", SEV_WARN, "PTR name looks dynamic or generic",
                              NULL, NULL, "%s has PTR %s", p->address, p->names[n].name);
    return st;
}

enum auth_status check_ptr(struct audit_ctx *ctx, struct finding_list *out)
{
    size_t n = ctx->opt->nips;
    struct ptr_report *reps, **ptrs;
    enum auth_status st;

    if (!n)
        return AUTH_OK;
    reps = calloc(n, sizeof *reps);
    ptrs = calloc(n, sizeof *ptrs);
    if (!reps || !ptrs) {
        free(reps);
        free(ptrs);
        return AUTH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        reps[i].addr = ctx->opt->ips[i];
        auth_ip_format(&reps[i].addr, reps[i].address, sizeof reps[i].address);
        ptrs[i] = &reps[i];
    }
    st = mx_fcrdns_resolve(ctx->eng, ptrs, n);
    for (size_t i = 0; st == AUTH_OK && i < n; i++)
        st = audit_sending_ptr_findings(&reps[i], out);
    for (size_t i = 0; i < n; i++)
        mx_ptr_report_clear(&reps[i]);
    free(reps);
    free(ptrs);
    return st;
}
