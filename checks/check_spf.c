/*
 * check_spf.c - the SPF policy (spf.*): the SPF module's linter's problems, and
 * reverse DNS of the single sending addresses the domain's own record
 * names (ip4:a.b.c.d, ip6:x::y without a shorter prefix), which receivers
 * hold to the same PTR rules as --ip addresses.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "audit.h"
#include "auth/mx.h"
#include "auth/spf.h"
#include "problems.h"

#define MAX_DERIVED 16

/* Single addresses of the root record's ip4/ip6 terms, minus those given
 * with --ip (check_ptr judges those). */
static size_t derived_ips(const struct spf_tree *t, const struct audit_options *opt,
                          struct auth_ip *out)
{
    const struct spf_record *rec = spf_node_parsed(spf_tree_root(t));
    size_t n = 0;

    for (size_t i = 0; rec && i < spf_record_count(rec) && n < MAX_DERIVED; i++) {
        const struct spf_term *term = spf_record_term(rec, i);
        bool single = (term->kind == SPF_T_IP4 && (term->cidr4 < 0 || term->cidr4 == 32)) ||
                      (term->kind == SPF_T_IP6 && (term->cidr6 < 0 || term->cidr6 == 128));
        bool given = false;
        if (!single || term->qualifier != SPF_PASS)
            continue;
        for (size_t k = 0; k < opt->nips; k++)
            given |= auth_ip_equal(&opt->ips[k], &term->ip);
        if (!given)
            out[n++] = term->ip;
    }
    return n;
}

static enum auth_status check_derived(struct audit_ctx *ctx, const struct spf_tree *t,
                                      struct finding_list *out)
{
    struct auth_ip ips[MAX_DERIVED];
    struct ptr_report reps[MAX_DERIVED], *ptrs[MAX_DERIVED];
    size_t n = derived_ips(t, ctx->opt, ips);
    enum auth_status st;

    if (!n)
        return AUTH_OK;
    memset(reps, 0, sizeof reps);
    for (size_t i = 0; i < n; i++) {
        reps[i].addr = ips[i];
        auth_ip_format(&ips[i], reps[i].address, sizeof reps[i].address);
        ptrs[i] = &reps[i];
    }
    st = mx_fcrdns_resolve(ctx->eng, ptrs, n);
    for (size_t i = 0; st == AUTH_OK && i < n; i++)
        st = audit_sending_ptr_findings(&reps[i], out);
    for (size_t i = 0; i < n; i++)
        mx_ptr_report_clear(&reps[i]);
    return st;
}

enum auth_status check_spf(struct audit_ctx *ctx, struct finding_list *out)
{
    struct spf_lint_params params = { .ips = ctx->opt->ips, .nips = ctx->opt->nips };
    struct spf_problems pl = {0};
    struct spf_tree *tree = NULL;
    char err[256];
    enum auth_status st = spf_lint(ctx->eng, ctx->domain, &params, &pl, &tree, err, sizeof err);

    if (st == AUTH_OK)
        st = findings_from_spf(&pl, out);
    spf_problems_clear(&pl);
    if (st != AUTH_OK) {
        spf_tree_free(tree);
        return st;
    }
    if (tree && spf_node_record(spf_tree_root(tree)))
        st = audit_add_record(ctx, "spf", spf_node_record(spf_tree_root(tree)));
    if (st == AUTH_OK && tree)
        st = check_derived(ctx, tree, out);
    spf_tree_free(tree);
    return st;
}
