/*
 * spf_lint.c - `mailctl spf lint DOMAIN` and `mailctl spf tree DOMAIN`.
 */
#include "cmd.h"
#include "spf_cmd.h"

int spf_lint_cmd(int argc, char **argv)
{
    (void)argc; (void)argv;
    return cmd_error(EXIT_RUNTIME, "spf lint: not yet");
}

int spf_tree_cmd(int argc, char **argv)
{
    (void)argc; (void)argv;
    return cmd_error(EXIT_RUNTIME, "spf tree: not yet");
}
