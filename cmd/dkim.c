/*
 * dkim.c - `mailctl dkim keygen|sign|verify|record`: dispatch to the
 * subcommand files.
 */
#include <string.h>

#include "cmd.h"
#include "dkim_cmd.h"

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl dkim keygen --domain D --selector S [--algorithm rsa|ed25519]\n"
        "                           [--bits 1024..4096] [--out DIR] [--force] [--from-key FILE]\n"
        "       mailctl dkim sign --domain D --selector S --key FILE [--algorithm A]\n"
        "                         [--canon H/B] [--headers LIST] [FILE...]\n"
        "       mailctl dkim verify [FILE...]\n"
        "       mailctl dkim record DOMAIN --selector S\n"
        "\nexamples:\n"
        "  mailctl dkim keygen --domain example.com --selector mail --out /etc/dkim\n"
        "  mailctl dkim sign --domain example.com --selector mail --key /etc/dkim/mail.private msg.eml\n"
        "  mailctl dkim verify signed.eml\n"));
}

static int keygen_main(int argc, char **argv)
{
    return dkim_keygen_main(argc, argv, "mailctl dkim keygen");
}

int cmd_dkim(int argc, char **argv)
{
    static const struct cmd_sub subs[] = {
        {"keygen", keygen_main},
        {"record", dkim_record_main},
        {"sign", dkim_sign_main},
        {"verify", dkim_verify_main},
    };

    if (argc < 2 && !cmd_list_mode()) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return EXIT_OK;
    }
    return cmd_run_sub("dkim", subs, sizeof subs / sizeof subs[0], argc, argv);
}
