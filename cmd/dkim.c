/*
 * dkim.c - `mailctl dkim keygen|sign|verify|record`: dispatch to the
 * subcommand files.
 */
#include <string.h>

#include "cmd.h"
#include "dkim_cmd.h"

static void usage(FILE *fp)
{
    fprintf(fp,
        "usage: mailctl dkim keygen --domain D --selector S [--algorithm rsa|ed25519]\n"
        "                           [--bits 1024..4096] [--out DIR] [--force] [--from-key FILE]\n"
        "       mailctl dkim sign --domain D --selector S --key FILE [--algorithm A]\n"
        "                         [--canon H/B] [--headers LIST] [FILE...]\n"
        "       mailctl dkim verify [FILE...]\n"
        "       mailctl dkim record DOMAIN --selector S\n");
}

int cmd_dkim(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "keygen"))
        return dkim_keygen_main(argc - 1, argv + 1, "mailctl dkim keygen");
    if (!strcmp(argv[1], "sign"))
        return dkim_sign_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "verify"))
        return dkim_verify_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "record"))
        return dkim_record_main(argc - 1, argv + 1);
    return cmd_usage_error("dkim", "unknown dkim subcommand '%s'", argv[1]);
}
