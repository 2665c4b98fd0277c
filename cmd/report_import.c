/* placeholder replaced below */
#include "report_cmd.h"
int rpt_cmd_import(int argc, char **argv) { (void)argc; (void)argv; return EXIT_USAGE; }
int rpt_cmd_summary(int argc, char **argv) { (void)argc; (void)argv; return EXIT_USAGE; }
