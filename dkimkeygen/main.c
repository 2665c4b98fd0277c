/*
 * dkimkeygen - generate a DKIM key pair and the DNS record to publish.
 * The same code as `mailctl dkim keygen` (cmd/dkim_keygen.c).
 */
#include <getopt.h>

#include "cmd.h"
#include "dkim_cmd.h"

int main(int argc, char **argv)
{
    cmd_i18n_init();
    cmd_set_program("dkimkeygen");      /* its errors and hints name it, not mailctl */
    cmd_process_init();
    optind = 0;
    return cmd_finish(dkim_keygen_main(argc, argv, "dkimkeygen"));
}
