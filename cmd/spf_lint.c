/*
 * spf_lint.c - `mailctl spf lint DOMAIN [--ip IP]...` (findings of the
 * published policy) and `mailctl spf tree DOMAIN` (the include/redirect tree
 * with lookup counts), text or --json.
 */
#include <stdio.h>
#include <string.h>

#include "auth/name.h"
#include "cmd.h"
#include "spf_cmd.h"
#include "../checks/problems.h"

#define MAX_LINT_IPS 32

static const char *sev_color(enum finding_severity s)
{
    switch (s) {
    case SEV_PASS: return out_green();
    case SEV_WARN:
    case SEV_ERROR: return out_yellow();
    case SEV_FAIL: return out_red();
    default: return out_dim();
    }
}

static void print_indented(const char *label, const char *text)
{
    const char *p = text;
    bool multi = strchr(text, '\n') != NULL || strlen(label) > 0;

    printf("       %s", label);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (multi && (p != text || *label))
            printf("\n         ");
        printf("%s", out_escn(p, n));
        p += n + (nl ? 1 : 0);
    }
    printf("\n");
}

static json_t *findings_json(const struct finding_list *l)
{
    json_t *a = json_array();

    for (size_t i = 0; i < l->count; i++) {
        const struct finding *f = &l->items[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(f->id));
        json_object_set_new(o, "severity", json_string(auth_finding_severity_name(f->severity)));
        json_object_set_new(o, "summary", json_str_or_null(f->summary));
        json_object_set_new(o, "detail", json_str_or_null(f->detail));
        json_object_set_new(o, "fix", json_str_or_null(f->fix));
        json_object_set_new(o, "reference", json_str_or_null(f->reference));
        json_array_append_new(a, o);
    }
    return a;
}

static int parse_domain_args(int argc, char **argv, const char *sub, const char **domain,
                             struct auth_ip *ips, size_t *nips, bool *no_flatten)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"ip", required_argument, NULL, 'i'},
        {"no-flatten", no_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    int opt;

    while ((opt = cmd_getopt(argc, argv, "vq", longopts)) != -1) {
        int g = cmd_global_opt(opt, optarg);
        if (g < 0)
            return -g;
        if (g > 0)
            continue;
        switch (opt) {
        case 'i':
            if (!ips)
                return cmd_usage_error("spf", "--ip is for 'spf lint'");
            if (*nips >= MAX_LINT_IPS)
                return cmd_usage_error("spf", "at most %d --ip options", MAX_LINT_IPS);
            if (auth_ip_parse(optarg, &ips[*nips]) != AUTH_OK)
                return cmd_error(EXIT_USAGE, "bad --ip '%s': not an IPv4 or IPv6 address",
                                 optarg);
            (*nips)++;
            break;
        case 'F': if (no_flatten) *no_flatten = true; break;
        case OPT_HELP: return -1;
        default: return cmd_usage_error("spf", "unknown option for 'spf %s'", sub);
        }
    }
    if (optind + 1 != argc)
        return cmd_usage_error("spf", "spf %s needs exactly one DOMAIN", sub);
    {
        static char alabel[AUTH_NAME_MAX];
        int rc = cmd_domain_arg("domain", argv[optind], alabel, sizeof alabel);
        if (rc != EXIT_OK)
            return rc;
        *domain = alabel;
    }
    return EXIT_OK;
}

/* The linter's problems as the findings of checks/ (the audit's spf.*). */
static enum auth_status lint_findings(struct dns_engine *eng, const char *domain,
                                      const struct spf_lint_params *p, struct finding_list *l,
                                      struct spf_tree **tree, char *err, size_t errlen)
{
    struct spf_problems pl = {0};
    enum auth_status st = spf_lint(eng, domain, p, &pl, tree, err, errlen);

    if (st == AUTH_OK && (st = findings_from_spf(&pl, l)) != AUTH_OK) {
        snprintf(err, errlen, "cannot record a finding: %s", auth_strerror(st));
        spf_tree_free(*tree);
        *tree = NULL;
    }
    spf_problems_clear(&pl);
    return st;
}

int spf_lint_cmd(int argc, char **argv)
{
    struct auth_ip ips[MAX_LINT_IPS];
    struct spf_lint_params p = { .ips = ips };
    struct finding_list l = {0};
    struct dns_engine *eng = NULL;
    struct spf_tree *tree = NULL;
    const char *domain = NULL;
    char err[256];
    int rc = parse_domain_args(argc, argv, "lint", &domain, ips, &p.nips, &p.no_flatten);

    if (rc < 0) {
        fputs(_("usage: mailctl spf lint DOMAIN [--ip IP]... [--no-flatten] [--json]\n\n"
                "Problems of DOMAIN's published SPF policy (ids spf.* of the check\n"
                "catalog), each with the record to publish as its fix where one can be\n"
                "derived; --ip checks that those addresses pass.\n"
                "\nexamples:\n"
                "  mailctl spf lint example.com\n"
                "  mailctl spf lint example.com --ip 192.0.2.25 --json\n"), stdout);
        return EXIT_OK;
    }
    if (rc != EXIT_OK || (rc = cmd_dns_engine(&eng)) != EXIT_OK)
        return rc;
    if (lint_findings(eng, domain, &p, &l, &tree, err, sizeof err) != AUTH_OK) {
        auth_finding_list_clear(&l);
        dns_engine_free(eng);
        return cmd_error(EXIT_RUNTIME, "spf lint %s: %s", domain, err);
    }
    rc = auth_finding_count(&l, SEV_FAIL) || auth_finding_count(&l, SEV_ERROR) ? EXIT_PROBLEM : EXIT_OK;
    if (g_opts.json) {
        json_t *o = json_object(), *sum = json_object();
        json_object_set_new(o, "domain", json_string(spf_node_domain(spf_tree_root(tree))));
        json_object_set_new(o, "ok", json_boolean(rc == EXIT_OK));
        json_object_set_new(o, "record", json_str_or_null(spf_node_record(spf_tree_root(tree))));
        json_object_set_new(o, "lookups", json_integer(spf_tree_lookups(tree)));
        json_object_set_new(o, "lookups_at_least", json_boolean(spf_tree_lookups_at_least(tree)));
        json_object_set_new(o, "void_lookups", json_integer(spf_tree_void_lookups(tree)));
        for (int s = SEV_PASS; s <= SEV_ERROR; s++) {
            size_t n = 0;
            for (size_t i = 0; i < l.count; i++)
                n += l.items[i].severity == (enum finding_severity)s;
            json_object_set_new(sum, auth_finding_severity_name((enum finding_severity)s),
                                json_integer((json_int_t)n));
        }
        json_object_set_new(o, "summary", sum);
        json_object_set_new(o, "findings", findings_json(&l));
        if (out_json(o) != EXIT_OK)
            rc = EXIT_RUNTIME;
    } else {
        printf(_("SPF lint of %s: %s%u%s lookups%s\n"),
               out_esc(spf_node_domain(spf_tree_root(tree))),
               spf_tree_lookups_at_least(tree) ? _("at least ") : "", spf_tree_lookups(tree),
               "", spf_node_record(spf_tree_root(tree)) ? "" : _(" (no record)"));
        for (size_t i = 0; i < l.count; i++) {
            const struct finding *f = &l.items[i];
            if (f->severity == SEV_PASS && g_opts.verbose < 0)
                continue;
            printf("  %s%-5s%s %-24s %s\n", sev_color(f->severity),
                   auth_finding_severity_name(f->severity), out_reset(), f->id, out_esc(f->summary));
            if (f->detail && f->severity != SEV_PASS)
                print_indented("", f->detail);
            if (f->fix)
                print_indented(_("fix: "), f->fix);
        }
    }
    auth_finding_list_clear(&l);
    spf_tree_free(tree);
    dns_engine_free(eng);
    return rc;
}

static json_t *node_json(const struct spf_node *n)
{
    json_t *o = json_object(), *kids = json_array();

    json_object_set_new(o, "domain", json_string(spf_node_domain(n)));
    json_object_set_new(o, "via", json_str_or_null(spf_node_via(n)));
    json_object_set_new(o, "status", json_string(spf_node_status_name(spf_node_status(n))));
    json_object_set_new(o, "record", json_str_or_null(spf_node_record(n)));
    json_object_set_new(o, "error", json_str_or_null(spf_node_error(n)));
    json_object_set_new(o, "lookups", json_integer(spf_node_lookups(n)));
    json_object_set_new(o, "subtree_lookups", json_integer(spf_node_subtree_lookups(n)));
    json_object_set_new(o, "running_total", json_integer(spf_node_running_total(n)));
    json_object_set_new(o, "redirect_ignored", json_boolean(spf_node_ignored(n)));
    for (size_t i = 0; i < spf_node_child_count(n); i++)
        json_array_append_new(kids, node_json(spf_node_child(n, i)));
    json_object_set_new(o, "children", kids);
    return o;
}

static void print_node(const struct spf_node *n, char *prefix, size_t plen, bool last, bool root)
{
    enum spf_node_status st = spf_node_status(n);
    size_t len = strlen(prefix);

    if (root)
        printf("%s%s%s", out_bold(), out_esc(spf_node_domain(n)), out_reset());
    else
        printf("%s%s %s -> %s%s%s", prefix, last ? "`--" : "|--", out_esc(spf_node_via(n)), out_bold(),
               out_esc(spf_node_domain(n)), out_reset());
    if (st == SPF_NODE_OK)
        printf(_("  %s[%u lookups, subtree %u, running total %u]%s\n"), out_dim(),
               spf_node_lookups(n), spf_node_subtree_lookups(n), spf_node_running_total(n),
               out_reset());
    else
        printf("  %s%s: %s%s\n", out_red(), spf_node_status_name(st),
               out_esc(spf_node_error(n)), out_reset());
    if (spf_node_record(n))
        printf("%s%s    %s\n", prefix, root ? "" : (last ? "   " : "|  "), out_esc(spf_node_record(n)));
    if (!root && len + 4 < plen)
        memcpy(prefix + len, last ? "    " : "|   ", 5);
    for (size_t i = 0; i < spf_node_child_count(n); i++)
        print_node(spf_node_child(n, i), prefix, plen, i + 1 == spf_node_child_count(n), false);
    prefix[len] = '\0';
}

/* Whether any node has an error that makes evaluation fail (macro targets
 * are only unknown, not errors). */
static bool tree_has_error(const struct spf_node *n)
{
    enum spf_node_status st = spf_node_status(n);

    if (st != SPF_NODE_OK && st != SPF_NODE_MACRO)
        return true;
    for (size_t i = 0; i < spf_node_child_count(n); i++)
        if (tree_has_error(spf_node_child(n, i)))
            return true;
    return false;
}

int spf_tree_cmd(int argc, char **argv)
{
    struct dns_engine *eng = NULL;
    struct spf_tree *tree = NULL;
    const char *domain = NULL;
    char err[256], prefix[256] = "";
    int rc = parse_domain_args(argc, argv, "tree", &domain, NULL, NULL, NULL);

    if (rc < 0) {
        fputs(_("usage: mailctl spf tree DOMAIN [--json]\n\n"
                "DOMAIN's include/redirect tree with the DNS lookups of each node, of\n"
                "its subtree and the running total against the limit of 10.\n"
                "\nexamples:\n"
                "  mailctl spf tree example.com\n"
                "  mailctl spf tree example.com --json\n"), stdout);
        return EXIT_OK;
    }
    if (rc != EXIT_OK || (rc = cmd_dns_engine(&eng)) != EXIT_OK)
        return rc;
    if (spf_tree_build(eng, domain, &tree, err, sizeof err) != AUTH_OK) {
        dns_engine_free(eng);
        return cmd_error(EXIT_RUNTIME, "spf tree %s: %s", domain, err);
    }
    rc = !tree_has_error(spf_tree_root(tree)) &&
         spf_tree_lookups(tree) <= SPF_MAX_LOOKUPS ? EXIT_OK : EXIT_PROBLEM;
    if (g_opts.json) {
        json_t *o = json_object();
        json_object_set_new(o, "domain", json_string(spf_node_domain(spf_tree_root(tree))));
        json_object_set_new(o, "lookups", json_integer(spf_tree_lookups(tree)));
        json_object_set_new(o, "lookups_at_least", json_boolean(spf_tree_lookups_at_least(tree)));
        json_object_set_new(o, "void_lookups", json_integer(spf_tree_void_lookups(tree)));
        json_object_set_new(o, "tree", node_json(spf_tree_root(tree)));
        if (out_json(o) != EXIT_OK)
            rc = EXIT_RUNTIME;
    } else {
        print_node(spf_tree_root(tree), prefix, sizeof prefix, true, true);
        printf(_("total: %s%u of 10 DNS lookups%s\n"),
               spf_tree_lookups_at_least(tree) ? _("at least ") : "", spf_tree_lookups(tree),
               spf_tree_lookups(tree) > SPF_MAX_LOOKUPS ? _(" (over the limit: permerror)") : "");
    }
    spf_tree_free(tree);
    dns_engine_free(eng);
    return rc;
}
