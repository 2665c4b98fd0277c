/*
 * arc.c - `mailctl arc verify|seal`: dispatch to the subcommand files.
 */
#include <string.h>

#include "arc_cmd.h"
#include "cmd.h"

static void usage(FILE *fp)
{
    fprintf(fp,
        "usage: mailctl arc verify [--json] [FILE]\n"
        "       mailctl arc seal [FILE] --domain D --selector S --key FILE\n"
        "                        [--authserv-id ID] --ip IP --mail-from ADDR --helo NAME\n"
        "                        [--algorithm rsa-sha256|ed25519-sha256] [--headers LIST]\n"
        "                        [--use-ar] [--timestamp T]\n");
}

int cmd_arc(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "verify"))
        return arc_verify_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "seal"))
        return arc_seal_main(argc - 1, argv + 1);
    return cmd_usage_error("arc", "unknown arc subcommand '%s'", argv[1]);
}
