/*
 * check_ports.c - the ports family (only with --ports): the port checklist
 * of libauth/ports (25, 465, 587, 993, 995, 110, 143) run against every
 * address of every MX host, with the host name for certificate checks.
 * Addresses are chosen as the smtp family does: documentation addresses
 * are never touched, private and loopback ones only with --allow-private
 * (each skipped one is a ports.not-probed finding).  Findings keep the ids
 * of `mailctl ports`, each detail naming the host and address.  The probes
 * are made by the pool (probes.h), every address at once; findings keep
 * the order of the MX report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth/mx.h"
#include "auth/ports.h"
#include "probes.h"
#include "problems.h"

#define MAX_PORT_TARGETS 16     /* addresses probed per domain */

/* Copy the findings of one address into out, the detail saying which
 * (host and addr NULL: as they are). */
static enum auth_status copy_findings(const struct finding_list *in, const char *host,
                                      const char *addr, struct finding_list *out)
{
    enum auth_status st = AUTH_OK;
    char detail[1200];

    for (size_t i = 0; st == AUTH_OK && i < in->count; i++) {
        const struct finding *f = &in->items[i];
        const char *d = f->detail;
        if (host) {
            snprintf(detail, sizeof detail, "%s [%s]%s%s", host, addr, f->detail ? ": " : "",
                     f->detail ? f->detail : "");
            d = detail;
        }
        st = auth_finding_add(out, f->id, f->severity, f->summary, d, f->fix, f->reference);
        if (st == AUTH_OK && f->evidence)
            st = auth_finding_set_evidence(out, f->evidence);
    }
    return st;
}

/* The findings of one probed address; *pending when its probe is not made
 * yet. */
static enum auth_status probe_address(struct audit_ctx *ctx, const char *host,
                                      const char *addr, struct finding_list *out, bool *pending)
{
    const struct audit_probe *pr = audit_want_probe(ctx, PROBE_PORTS, host, addr, 0);
    struct finding_list l = {0};
    enum auth_status st;

    if (!pr) {
        *pending = true;
        return AUTH_OK;
    }
    if (pr->u.ports.st != AUTH_OK)
        return pr->u.ports.st == AUTH_ENOMEM ? AUTH_ENOMEM
               : auth_finding_addf(out, "ports.not-probed", SEV_ERROR, "ports not probed", NULL,
                              NULL, "%s [%s]: %s", host, addr, pr->u.ports.err);
    st = findings_from_ports(&pr->u.ports.rep, &l);
    if (st == AUTH_OK)
        st = copy_findings(&l, host, addr, out);
    auth_finding_list_clear(&l);
    return st;
}

/* Whether host i repeats an earlier host of the report. */
static bool listed_before(const struct mx_report *mx, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (!strcmp(mx->hosts[j].host, mx->hosts[i].host))
            return true;
    return false;
}

/* Address k of host h: skipped (documentation, private without
 * --allow-private, over the count) or its probe's findings. */
static enum auth_status one_address(struct audit_ctx *ctx, const struct mx_host *h, size_t k,
                                    size_t *probed, struct finding_list *out, bool *pending)
{
    const struct ptr_report *a = &h->addrs[k];
    bool priv = auth_ip_is_private(&a->addr), doc = auth_ip_is_documentation(&a->addr);

    if (doc || (priv && !ctx->opt->allow_private))
        return auth_finding_addf(out, "ports.not-probed", SEV_SKIPPED, "MX address not probed",
                            NULL, NULL, "%s [%s] is a %s address%s", h->host, a->address,
                            priv ? TR("private or loopback") : TR("documentation"),
                            priv ? TR(" (--allow-private probes it)") : "");
    if ((*probed)++ >= MAX_PORT_TARGETS)
        return auth_finding_addf(out, "ports.not-probed", SEV_SKIPPED, "MX address not probed",
                            NULL, NULL, "%s [%s]: more than %d addresses", h->host, a->address,
                            MAX_PORT_TARGETS);
    return probe_address(ctx, h->host, a->address, out, pending);
}

/* Every address at once (the pool runs them together): a filtered port
 * costs one timeout per domain, not one per address. */
static enum auth_status probe_all(struct audit_ctx *ctx, const struct mx_report *mx,
                                  struct finding_list *out)
{
    size_t probed = 0;
    bool pending = false;
    enum auth_status st = AUTH_OK;

    for (size_t i = 0; st == AUTH_OK && i < mx->nhosts; i++)
        for (size_t k = 0; st == AUTH_OK && !listed_before(mx, i) && k < mx->hosts[i].naddrs; k++)
            st = one_address(ctx, &mx->hosts[i], k, &probed, out, &pending);
    return st;                    /* when pending, the pass is judged again */
}

enum auth_status check_ports(struct audit_ctx *ctx, struct finding_list *out)
{
    struct mx_report *mx = NULL;
    char err[256];
    enum auth_status st;

    if (!ctx->opt->ports)
        return AUTH_OK;          /* probing ports is asked for, never done unasked */
    st = mx_lookup(ctx->eng, ctx->domain, &mx, err, sizeof err);
    if (st != AUTH_OK)
        return st == AUTH_ENOMEM ? st : auth_finding_addf(out, "ports.not-probed", SEV_ERROR,
                                                     "MX lookup failed", NULL, NULL, "%s", err);
    if (dns_status_is_temporary(mx->mx_status) || mx->null_mx || !mx->nhosts)
        st = auth_finding_addf(out, "ports.not-probed",
                          dns_status_is_temporary(mx->mx_status) ? SEV_ERROR : SEV_SKIPPED,
                          "no MX to probe", NULL, NULL, "%s", mx->null_mx ? TR("null MX")
                          : mx->error ? mx->error : TR("no MX host"));
    else
        st = probe_all(ctx, mx, out);
    mx_report_free(mx);
    return st;
}
