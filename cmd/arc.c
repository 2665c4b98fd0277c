/*
 * arc.c - `mailctl arc verify|seal`: dispatch to the subcommand files.
 */
#include <string.h>

#include "arc_cmd.h"
#include "cmd.h"

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl arc verify [--json] [FILE]\n"
        "       mailctl arc seal [FILE] --domain D --selector S --key FILE\n"
        "                        [--authserv-id ID] --ip IP --mail-from ADDR --helo NAME\n"
        "                        [--algorithm rsa-sha256|ed25519-sha256] [--headers LIST]\n"
        "                        [--use-ar] [--timestamp T]\n"
        "\nexamples:\n"
        "  mailctl arc verify forwarded.eml\n"
        "  mailctl arc seal msg.eml --domain lists.example.org --selector arc --key arc.private \\\n"
        "      --ip 192.0.2.25 --mail-from bounce@example.com --helo mx.example.com\n"));
}

int cmd_arc(int argc, char **argv)
{
    static const struct cmd_sub subs[] = {
        {"seal", arc_seal_main},
        {"verify", arc_verify_main},
    };

    if (argc < 2 && !cmd_list_mode()) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return EXIT_OK;
    }
    return cmd_run_sub("arc", subs, sizeof subs / sizeof subs[0], argc, argv);
}
