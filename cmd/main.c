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
    {"arc", cmd_arc, "ARC (RFC 8617): validate a message's chain, seal it as a forwarder"},
    {"auth", cmd_auth, "SPF + DKIM + DMARC verdict on a received message, as Authentication-Results"},
    {"check-dns", cmd_check_dns, "the deliverability audit of one or many domains"},
    {"dkim", cmd_dkim, "DKIM keys, records, signing and verification"},
    {"dmarc", cmd_dmarc, "DMARC policy: discovery (tree walk, PSL or both), record and lint"},
    {"fleet", cmd_fleet, "the check-dns results of a fleet: verdicts, findings, worst, changes"},
    {"mx", cmd_mx, "MX hosts with addresses, PTR names and forward-confirmation"},
    {"ports", cmd_ports, "probe a mail host's ports: state, banner, TLS, AUTH before TLS"},
    {"ptr", cmd_ptr, "PTR names of an address and whether each forward-confirms"},
    {"report", cmd_report, "DMARC aggregate/failure reports and TLS-RPT: parse, import, summary"},
    {"send-test", cmd_send_test, "deliver a test message and show the SMTP transcript"},
    {"setup", cmd_setup, "every DNS record a new mail domain needs, with a new DKIM key"},
    {"spf", cmd_spf, "SPF: check_host() with a trace, lint a policy, draw its include tree"},
};

static void usage(FILE *fp)
{
    fprintf(fp,
        "usage: mailctl [--resolver HOST[:PORT]]... [--timeout SEC] [--json] [--no-color]\n"
        "               [--ca-file FILE] [--dns-record FILE|--dns-replay FILE] [-v|-q]\n"
        "               COMMAND [ARGS...]\n\n"
        "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp,
        "\nenvironment: MAILCTL_RESOLVER (HOST[:PORT],...), MAILCTL_DNS_TIMEOUT (seconds)\n"
        "exit codes: 0 ok, 1 problem found, 2 usage or bad input, 3 runtime failure\n"
        "`mailctl COMMAND --help` describes each command.\n");
}

static int dispatch(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int opt;

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
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[optind], commands[i].name) == 0) {
            char **sub = argv + optind;
            int subc = argc - optind;
            optind = 0;             /* reset getopt for the subcommand */
            cmd_set_command(commands[i].name);
            return commands[i].run(subc, sub);
        }
    }
    return cmd_usage_error(NULL, "unknown command '%s'", argv[optind]);
}

int main(int argc, char **argv)
{
    cmd_process_init();
    return cmd_finish(dispatch(argc, argv));
}
