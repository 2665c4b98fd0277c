/*
 * spf.c - `mailctl spf check|lint|tree`: dispatch, and `spf check`
 * (RFC 7208 check_host() with its trace), text or --json.
 */
#include <stdio.h>
#include <string.h>

#include "auth/spf.h"
#include "auth/name.h"
#include "cmd.h"
#include "spf_cmd.h"

static void spf_usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl spf check --ip IP --mail-from ADDR [--helo NAME] [--receiver NAME]\n"
        "       mailctl spf lint DOMAIN [--ip IP]... [--no-flatten]\n"
        "       mailctl spf tree DOMAIN\n"
        "  check  RFC 7208 check_host(): result, explanation, matching mechanism,\n"
        "         lookup counts and the trace of every term and DNS answer.\n"
        "         An empty --mail-from is the null reverse-path: the HELO name is checked.\n"
        "  lint   problems of the published policy (ids spf.* of the check catalog)\n"
        "  tree   the include/redirect tree with lookup counts per node\n"
        "common: --json --resolver HOST[:PORT] --timeout SEC --no-color -v -q\n"
        "exit: check 0 pass, 1 any other result, 3 temperror; lint/tree 0 clean,\n"
        "      1 problems found; 2 bad input\n"
        "\nexamples:\n"
        "  mailctl spf check --ip 192.0.2.25 --mail-from user@example.com\n"
        "  mailctl spf lint example.com --ip 192.0.2.25\n"
        "  mailctl spf tree example.com\n"));
}

int spf_result_exit(enum spf_result r)
{
    if (r == SPF_PASS)
        return EXIT_OK;
    return r == SPF_TEMPERROR ? EXIT_RUNTIME : EXIT_PROBLEM;
}

const char *spf_result_color(enum spf_result r)
{
    switch (r) {
    case SPF_PASS: return out_green();
    case SPF_FAIL:
    case SPF_PERMERROR: return out_red();
    default: return out_yellow();
    }
}

static json_t *trace_json(const struct spf_trace *t)
{
    json_t *o = json_object();

    json_object_set_new(o, "type", json_string(spf_trace_kind_name(t->kind)));
    json_object_set_new(o, "depth", json_integer(t->depth));
    json_object_set_new(o, "domain", json_str_or_null(t->domain));
    switch (t->kind) {
    case SPF_TR_RECORD:
        json_object_set_new(o, "record", json_str_or_null(t->text));
        break;
    case SPF_TR_TERM:
        json_object_set_new(o, "term", json_str_or_null(t->text));
        json_object_set_new(o, "result", json_str_or_null(t->outcome));
        break;
    case SPF_TR_DNS: {
        json_t *a = json_array();
        json_object_set_new(o, "query", json_str_or_null(t->qname));
        json_object_set_new(o, "qtype", json_string(dns_type_name(t->qtype)));
        json_object_set_new(o, "status", json_string(dns_status_name(t->status)));
        for (size_t i = 0; i < t->nanswers; i++)
            json_array_append_new(a, json_str_or_null(t->answers[i]));
        json_object_set_new(o, "answers", a);
        if (t->text)
            json_object_set_new(o, "error", json_string(t->text));
        break;
    }
    case SPF_TR_NOTE:
        json_object_set_new(o, "note", json_str_or_null(t->text));
        break;
    case SPF_TR_RESULT:
        json_object_set_new(o, "result", json_str_or_null(t->outcome));
        break;
    default:
        break;
    }
    return o;
}

json_t *spf_eval_json(const struct spf_eval *ev)
{
    json_t *o = json_object(), *tr = json_array();

    json_object_set_new(o, "result", json_string(spf_result_name(spf_eval_result(ev))));
    json_object_set_new(o, "explanation", json_str_or_null(spf_eval_explanation(ev)));
    json_object_set_new(o, "mechanism", json_str_or_null(spf_eval_mechanism(ev)));
    json_object_set_new(o, "mechanism_domain", json_str_or_null(spf_eval_mechanism_domain(ev)));
    json_object_set_new(o, "domain", json_str_or_null(spf_eval_domain(ev)));
    json_object_set_new(o, "identity", json_str_or_null(spf_eval_identity(ev)));
    json_object_set_new(o, "reason", json_str_or_null(spf_eval_reason(ev)));
    json_object_set_new(o, "lookups", json_integer(spf_eval_lookups(ev)));
    json_object_set_new(o, "void_lookups", json_integer(spf_eval_void_lookups(ev)));
    for (size_t i = 0; i < spf_eval_trace_count(ev); i++)
        json_array_append_new(tr, trace_json(spf_eval_trace(ev, i)));
    json_object_set_new(o, "trace", tr);
    json_object_set_new(o, "trace_truncated", json_boolean(spf_eval_trace_truncated(ev)));
    return o;
}

static void print_trace(const struct spf_trace *t)
{
    int ind = 2 + 2 * (int)t->depth;

    switch (t->kind) {
    case SPF_TR_CHECK:
        printf("%*scheck_host(%s)\n", ind, "", out_esc(t->domain));
        break;
    case SPF_TR_RECORD:
        printf(_("%*s  record: %s\n"), ind, "", out_esc(t->text));
        break;
    case SPF_TR_TERM:
        printf("%*s  %-40s %s\n", ind, "", out_esc(t->text), out_esc(t->outcome));
        break;
    case SPF_TR_DNS:
        printf("%*s  %s? %s ", ind, "", dns_type_name(t->qtype), out_esc(t->qname));
        if (t->text && t->status != DNS_DATA) {    /* why it has no data: names the status */
            printf("%s%s%s\n", out_dim(), out_esc(t->text), out_reset());
            break;
        }
        printf("%s:", dns_status_name(t->status));
        for (size_t i = 0; i < t->nanswers && i < 12; i++)
            printf(" %s", out_esc(t->answers[i]));
        if (t->nanswers > 12)
            printf(" ...(%zu)", t->nanswers);
        putchar('\n');
        break;
    case SPF_TR_NOTE:
        printf(_("%*s  note: %s\n"), ind, "", out_esc(t->text));
        break;
    case SPF_TR_RESULT:
        printf("%*s=> %s\n", ind, "", out_esc(t->outcome));
        break;
    }
}

/* "  mechanism:   " with the value column at 15 display columns. */
static void label(const char *text)
{
    fputs("  ", stdout);
    cmd_print_padded(stdout, text, 13);
}

static void print_eval(const struct spf_eval *ev)
{
    enum spf_result r = spf_eval_result(ev);

    printf(_("SPF %s%s%s for %s identity %s\n"), spf_result_color(r), spf_result_name(r),
           out_reset(), spf_eval_identity(ev), out_esc(spf_eval_domain(ev)));
    /* labels padded by display width: translations differ in length */
    if (spf_eval_mechanism(ev)) {
        label(_("mechanism:"));
        printf(_("%s (in %s)\n"), out_esc(spf_eval_mechanism(ev)),
               out_esc(spf_eval_mechanism_domain(ev)));
    }
    if (spf_eval_explanation(ev)) {
        label(_("explanation:"));
        printf("%s\n", out_esc(spf_eval_explanation(ev)));
    }
    if (spf_eval_reason(ev)) {
        label(_("reason:"));
        printf("%s\n", out_esc(spf_eval_reason_for_people(ev)));
    }
    label(_("lookups:"));
    printf(_("%u of 10, void lookups %u of 2\n"), spf_eval_lookups(ev),
           spf_eval_void_lookups(ev));
    if (g_opts.verbose < 0)
        return;
    printf("%s\n", _("trace:"));
    for (size_t i = 0; i < spf_eval_trace_count(ev); i++)
        print_trace(spf_eval_trace(ev, i));
}

static int spf_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"ip", required_argument, NULL, 'i'},
        {"mail-from", required_argument, NULL, 'm'},
        {"helo", required_argument, NULL, 'H'},
        {"receiver", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    struct spf_request req = {0};
    const char *ip = NULL;
    bool have_from = false;
    struct dns_engine *eng = NULL;
    struct spf_eval *ev = NULL;
    char err[256], from_a[1024], helo_a[1024];
    int opt, rc;

    while ((opt = cmd_getopt(argc, argv, "+vq", longopts)) != -1) {
        int g = cmd_global_opt(opt, optarg);
        if (g < 0)
            return -g;
        if (g > 0)
            continue;
        switch (opt) {
        case 'i': ip = optarg; break;
        case 'm': req.mail_from = optarg; have_from = true; break;
        case 'H': req.helo = optarg; break;
        case 'r': req.receiver = optarg; break;
        case OPT_HELP: spf_usage(stdout); return EXIT_OK;
        default: return cmd_usage_error("spf", "unknown option for 'spf check'");
        }
    }
    if (optind < argc)
        return cmd_usage_error("spf", "unexpected argument '%s'", argv[optind]);
    if (!ip)
        return cmd_usage_error("spf", "spf check needs --ip IP");
    if (auth_ip_parse(ip, &req.ip) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "bad --ip '%s': not an IPv4 or IPv6 address", ip);
    if (req.mail_from && *req.mail_from &&
        (rc = cmd_idn_in_identity("--mail-from", req.mail_from, from_a, sizeof from_a)) != EXIT_OK)
        return rc;
    if (req.helo && *req.helo &&
        (rc = cmd_idn_in_identity("--helo", req.helo, helo_a, sizeof helo_a)) != EXIT_OK)
        return rc;
    if (req.mail_from && *req.mail_from)
        req.mail_from = from_a;
    if (req.helo && *req.helo)
        req.helo = helo_a;
    if (!have_from && !req.helo)
        return cmd_usage_error("spf", "spf check needs --mail-from ADDR (or --helo NAME)");
    if ((!req.mail_from || !*req.mail_from) && (!req.helo || !*req.helo))
        return cmd_usage_error("spf", "an empty --mail-from checks the HELO name: give --helo");
    rc = cmd_dns_engine(&eng);
    if (rc != EXIT_OK)
        return rc;
    if (spf_check_host(eng, &req, &ev, err, sizeof err) != AUTH_OK) {
        dns_engine_free(eng);
        return cmd_error(EXIT_USAGE, "spf check: %s", err);
    }
    rc = spf_result_exit(spf_eval_result(ev));
    if (g_opts.json) {
        if (out_json(spf_eval_json(ev)) != EXIT_OK)
            rc = EXIT_RUNTIME;
    } else {
        print_eval(ev);
    }
    spf_eval_free(ev);
    dns_engine_free(eng);
    return rc;
}

int cmd_spf(int argc, char **argv)
{
    static const struct cmd_sub subs[] = {
        {"check", spf_check},
        {"lint", spf_lint_cmd},
        {"tree", spf_tree_cmd},
    };
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (cmd_list_mode() && !sub)
        return cmd_run_sub("spf", subs, sizeof subs / sizeof subs[0], argc, argv);
    if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
        strcmp(sub, "help") == 0) {
        spf_usage(sub ? stdout : stderr);
        return sub ? EXIT_OK : EXIT_USAGE;
    }
    return cmd_run_sub("spf", subs, sizeof subs / sizeof subs[0], argc, argv);
}
