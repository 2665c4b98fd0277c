/*
 * spf_cmd.h - shared between the files of `mailctl spf`.
 */
#ifndef MAILCTL_SPF_CMD_H
#define MAILCTL_SPF_CMD_H

#include <jansson.h>

#include "auth/spf.h"

/* spf lint / spf tree (spf_lint.c); argv[0] is the subcommand name. */
int spf_lint_cmd(int argc, char **argv);
int spf_tree_cmd(int argc, char **argv);
/* Exit code for a check_host() result: 0 pass, 3 temperror, else 1. */
int spf_result_exit(enum spf_result r);
const char *spf_result_color(enum spf_result r);
/* The `spf check` JSON object of ../shared/cli.md (new reference). */
json_t *spf_eval_json(const struct spf_eval *ev);

#endif
