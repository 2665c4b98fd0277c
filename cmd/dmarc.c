/*
 * dmarc.c - `mailctl dmarc check DOMAIN [--dmarc-discovery treewalk|psl|both]`:
 * fetch, parse and lint a domain's DMARC policy, showing where it was found
 * and how.  `both` runs the RFC 9989 tree walk and the RFC 7489 PSL method
 * side by side and lists where they disagree.
 *
 * Exit: 0 a usable policy with no finding at fail; 1 a fail finding (no
 * policy, unusable or multiple records, invalid values); 2 bad input; 3 the
 * lookup failed (timeout, SERVFAIL...).
 */
#include <string.h>

#include "auth/dmarc.h"
#include "auth/name.h"
#include "cmd.h"
#include "dmarc_out.h"
#include "../checks/problems.h"

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl dmarc check DOMAIN [--dmarc-discovery treewalk|psl|both] [--json]\n\n"
        "Fetch, parse and lint DOMAIN's DMARC policy.  Discovery is the RFC 9989\n"
        "DNS tree walk by default; psl is the RFC 7489 organizational domain from\n"
        "the Public Suffix List; both runs the two and reports where they differ.\n"
        "exit: 0 policy fine, 1 problem found, 2 bad input, 3 DNS failure\n"
        "\nexamples:\n"
        "  mailctl dmarc check example.com\n"
        "  mailctl dmarc check mail.example.co.uk --dmarc-discovery both --json\n"));
}

/* The linter's problems as the findings of checks/ (the audit's dmarc.*). */
static enum auth_status lint_findings(struct dns_engine *eng,
                                      const struct dmarc_policy_info *pi,
                                      struct finding_list *fl)
{
    struct dmarc_lint_problems pl = {0};
    enum auth_status st = dmarc_lint(eng, pi, &pl);

    if (st == AUTH_OK)
        st = findings_from_dmarc(pi, &pl, fl);
    dmarc_lint_problems_clear(&pl);
    return st;
}

/* One discovery + lint; *code gets the exit code it implies. */
static json_t *check_one(struct dns_engine *eng, const char *domain,
                         enum dmarc_discovery method, struct dmarc_policy_info **pi_out,
                         struct finding_list *fl, int *code)
{
    char err[256];
    struct dmarc_policy_info *pi = NULL;

    if (dmarc_discover(eng, domain, method, &pi, err, sizeof err) != AUTH_OK) {
        *code = cmd_error(EXIT_USAGE, "%s", err);
        return NULL;
    }
    if (lint_findings(eng, pi, fl) != AUTH_OK) {
        dmarc_policy_info_free(pi);
        *code = cmd_error(EXIT_RUNTIME, "out of memory");
        return NULL;
    }
    if (pi->found == DMARC_FOUND_TEMPERROR)
        *code = EXIT_RUNTIME;
    else
        *code = auth_finding_count(fl, SEV_FAIL) ? EXIT_PROBLEM : EXIT_OK;
    *pi_out = pi;
    return dmarc_json_policy(pi, fl);
}

static void add_diff(json_t *diffs, const char *what, const char *a, const char *b)
{
    if (strcmp(a ? a : "", b ? b : "") == 0)
        return;
    json_array_append_new(diffs, json_pack("{s:s, s:o, s:o}", "field", what,
                                           "treewalk", json_str_or_null(a),
                                           "psl", json_str_or_null(b)));
}

/* Where the RFC 9989 and RFC 7489 answers differ. */
static json_t *disagreements(const struct dmarc_policy_info *tw,
                             const struct dmarc_policy_info *pl)
{
    json_t *d = json_array();

    add_diff(d, "result", dmarc_found_name(tw->found), dmarc_found_name(pl->found));
    add_diff(d, "policy_domain", tw->policy_domain, pl->policy_domain);
    add_diff(d, "org_domain", tw->org_domain, pl->org_domain);
    add_diff(d, "policy", tw->record ? dmarc_policy_name(tw->policy) : NULL,
             pl->record ? dmarc_policy_name(pl->policy) : NULL);
    add_diff(d, "record", tw->record ? tw->record->text : NULL,
             pl->record ? pl->record->text : NULL);
    return d;
}

static int run_check(const char *domain, int mode)
{
    struct dns_engine *eng = NULL;
    struct dmarc_policy_info *pi = NULL, *pi2 = NULL;
    struct finding_list fl = { 0 }, fl2 = { 0 };
    int code = cmd_dns_engine(&eng), code2 = EXIT_OK;
    json_t *doc = NULL, *doc2 = NULL;

    if (code != EXIT_OK)
        return code;
    doc = check_one(eng, domain, mode == 1 ? DMARC_DISCOVERY_PSL : DMARC_DISCOVERY_TREEWALK,
                    &pi, &fl, &code);
    if (doc && mode == 2)
        doc2 = check_one(eng, domain, DMARC_DISCOVERY_PSL, &pi2, &fl2, &code2);
    if (doc && (mode != 2 || doc2)) {
        json_t *diffs = mode == 2 ? disagreements(pi, pi2) : NULL;
        if (g_opts.json) {
            if (mode == 2) {
                json_object_set_new(doc, "psl", doc2);
                json_object_set(doc, "disagreements", diffs);
                doc2 = NULL;
            }
            if (out_json(doc) != EXIT_OK)
                code = EXIT_RUNTIME;
            doc = NULL;
        } else {
            dmarc_print_policy(pi, &fl);
            if (mode == 2) {
                printf("\n");
                dmarc_print_policy(pi2, &fl2);
                dmarc_print_disagreements(diffs);
            }
        }
        json_decref(diffs);
        if (code2 > code && code != EXIT_RUNTIME)
            code = code2;
    }
    json_decref(doc);
    json_decref(doc2);
    dmarc_policy_info_free(pi);
    dmarc_policy_info_free(pi2);
    auth_finding_list_clear(&fl);
    auth_finding_list_clear(&fl2);
    dns_engine_free(eng);
    return code;
}

enum { OPT_DISCOVERY = OPT_GLOBAL_LAST + 1 };

int cmd_dmarc(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"dmarc-discovery", required_argument, NULL, OPT_DISCOVERY},
        {NULL, 0, NULL, 0},
    };
    int opt, mode = 0;

    while ((opt = cmd_getopt(argc, argv, "+vqh", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (opt) {
        case 'h':
        case OPT_HELP: usage(stdout); return EXIT_OK;
        case OPT_DISCOVERY:
            if (strcmp(optarg, "treewalk") == 0)
                mode = 0;
            else if (strcmp(optarg, "psl") == 0)
                mode = 1;
            else if (strcmp(optarg, "both") == 0)
                mode = 2;
            else
                return cmd_usage_error("dmarc", "--dmarc-discovery takes treewalk, psl or "
                                       "both, not '%s'", optarg);
            break;
        default: return cmd_usage_error("dmarc", "unknown option");
        }
    }
    if (optind >= argc || strcmp(argv[optind], "check") != 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    optind++;
    /* options may also follow the domain */
    const char *domain = NULL;
    while (optind < argc) {
        if (argv[optind][0] != '-' && !domain) {
            domain = argv[optind++];
            continue;
        }
        if ((opt = cmd_getopt(argc, argv, "+vqh", longopts)) == -1)
            break;
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (opt == OPT_DISCOVERY) {
            mode = strcmp(optarg, "psl") == 0 ? 1 : strcmp(optarg, "both") == 0 ? 2
                 : strcmp(optarg, "treewalk") == 0 ? 0 : -1;
            if (mode < 0)
                return cmd_usage_error("dmarc", "--dmarc-discovery takes treewalk, psl or "
                                       "both, not '%s'", optarg);
        } else if (opt == 'h' || opt == OPT_HELP) {
            usage(stdout);
            return EXIT_OK;
        } else if (r == 0) {
            return cmd_usage_error("dmarc", "unknown option");
        }
    }
    if (!domain || optind < argc)
        return cmd_usage_error("dmarc", "dmarc check takes exactly one DOMAIN");
    char alabel[AUTH_NAME_MAX];
    int rc = cmd_domain_arg("domain", domain, alabel, sizeof alabel);
    return rc == EXIT_OK ? run_check(alabel, mode) : rc;
}
