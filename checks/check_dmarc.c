/*
 * check_dmarc.c - the DMARC policy of the domain (dmarc.*): discovery by the
 * RFC 9989 tree walk (default) or the RFC 7489 public-suffix method, then
 * the DMARC module's linter, its problems rendered by dmarc_problems.c.
 */
#include <string.h>

#include "audit.h"
#include "auth/dmarc.h"
#include "problems.h"

enum auth_status check_dmarc(struct audit_ctx *ctx, struct finding_list *out)
{
    enum dmarc_discovery method = ctx->opt->dmarc_discovery &&
                                  !strcmp(ctx->opt->dmarc_discovery, "psl")
                                  ? DMARC_DISCOVERY_PSL : DMARC_DISCOVERY_TREEWALK;
    struct dmarc_policy_info *pi = NULL;
    char err[256];
    enum auth_status st = dmarc_discover(ctx->eng, ctx->domain, method, &pi, err, sizeof err);

    if (st != AUTH_OK)
        return st;
    if (pi->record && pi->record->text)
        st = audit_add_record(ctx, "dmarc", pi->record->text);
    if (st == AUTH_OK) {
        struct dmarc_lint_problems pl = {0};
        st = dmarc_lint(ctx->eng, pi, &pl);
        if (st == AUTH_OK)
            st = findings_from_dmarc(pi, &pl, out);
        dmarc_lint_problems_clear(&pl);
    }
    dmarc_policy_info_free(pi);
    return st;
}
