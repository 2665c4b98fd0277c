/*
 * main.c - mailctl: global options, then dispatch to one file per command.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

/* Sorted by name.  A command is added by adding a file and a line here. */
static const struct command commands[] = {
    {"arc", cmd_arc, N_("ARC (RFC 8617): validate a message's chain, seal it as a forwarder")},
    {"auth", cmd_auth, N_("SPF + DKIM + DMARC verdict on a received message, as Authentication-Results")},
    {"check-dns", cmd_check_dns, N_("the deliverability audit of one or many domains")},
    {"dkim", cmd_dkim, N_("DKIM keys, records, signing and verification")},
    {"dmarc", cmd_dmarc, N_("DMARC policy: discovery (tree walk, PSL or both), record and lint")},
    {"fleet", cmd_fleet, N_("the check-dns results of a fleet: verdicts, findings, worst, changes")},
    {"mx", cmd_mx, N_("MX hosts with addresses, PTR names and forward-confirmation")},
    {"ports", cmd_ports, N_("probe a mail host's ports: state, banner, TLS, AUTH before TLS")},
    {"ptr", cmd_ptr, N_("PTR names of an address and whether each forward-confirms")},
    {"report", cmd_report, N_("DMARC aggregate/failure reports and TLS-RPT: parse, import, summary")},
    {"send-test", cmd_send_test, N_("deliver a test message and show the SMTP transcript")},
    {"setup", cmd_setup, N_("every DNS record a new mail domain needs, with a new DKIM key")},
    {"spf", cmd_spf, N_("SPF: check_host() with a trace, lint a policy, draw its include tree")},
};

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl [--resolver HOST[:PORT]]... [--timeout SEC] [--json] [--no-color]\n"
        "               [--ca-file FILE] [--dns-record FILE|--dns-replay FILE] [-v|-q]\n"
        "               COMMAND [ARGS...]\n\n"
        "commands:\n"));
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
    fprintf(fp, _(
        "\nenvironment: MAILCTL_RESOLVER (HOST[:PORT],...), MAILCTL_DNS_TIMEOUT (seconds)\n"
        "exit codes: 0 ok, 1 problem found, 2 usage or bad input, 3 runtime failure\n"
        "`mailctl COMMAND --help` describes each command.\n"));
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    const char *names[sizeof commands / sizeof commands[0]];
    const char *hint;

    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        names[i] = commands[i].name;
    hint = cmd_nearest(name, names, sizeof names / sizeof names[0]);
    if (hint)
        return cmd_usage_error(NULL, "unknown command '%s'; did you mean %s?", name, hint);
    return cmd_usage_error(NULL, "unknown command '%s'", name);
}

/* Hidden, for the man page test and shell completion: `--list-commands`
 * prints "NAME<TAB>SUMMARY" lines; `--list-options` the global options;
 * `--list-options COMMAND [SUB]` that command's own table (cli_meta.c). */
static int list_meta(int argc, char **argv, const struct option *globals)
{
    const struct command *c;

    if (strcmp(argv[1], "--list-commands") == 0) {
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            printf("%s\t%s\n", commands[i].name, commands[i].summary);
        return EXIT_OK;
    }
    cmd_set_value_lister(check_dns_list_values);
    cmd_set_list_mode(argc - 2, argv + 2);
    if (argc < 3) {
        optind = 0;
        cmd_getopt(argc, argv, "vqhV", globals);   /* prints, exits */
    }
    if (!(c = find_command(argv[2])))
        return unknown_command(argv[2]);
    optind = 0;
    cmd_set_command(c->name);
    c->run(argc - 2, argv + 2);
    /* Reached only when the command never called cmd_getopt. */
    return cmd_error(EXIT_RUNTIME, "%s does not parse its options with cmd_getopt", argv[2]);
}

static int dispatch(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    const struct command *cmd;

    cmd_i18n_init();
    if (argc >= 2 && (strcmp(argv[1], "--list-options") == 0 ||
                      strcmp(argv[1], "--list-commands") == 0))
        return list_meta(argc, argv, longopts);
    /* '+' stops at the first non-option: the command name. */
    while ((opt = cmd_getopt(argc, argv, "+vqhV", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (opt) {
        case 'h':
        case OPT_HELP: usage(stdout); return EXIT_OK;
        case 'V': printf("mailctl %s\n", MAILCTL_VERSION); return EXIT_OK;
        default: return cmd_usage_error(NULL, "unknown option");
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if ((cmd = find_command(argv[optind]))) {
        char **sub = argv + optind;
        int subc = argc - optind;
        optind = 0;             /* reset getopt for the subcommand */
        cmd_set_command(cmd->name);
        return cmd->run(subc, sub);
    }
    return unknown_command(argv[optind]);
}

int main(int argc, char **argv)
{
    cmd_process_init();
    return cmd_finish(dispatch(argc, argv));
}
