#include "report_cmd.h"
int rpt_cmd_summary(int argc, char **argv) { (void)argc; (void)argv; return EXIT_USAGE; }
