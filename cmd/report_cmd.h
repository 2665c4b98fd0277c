/*
 * report_cmd.h - what the files of `mailctl report` share.
 */
#ifndef MAILCTL_REPORT_CMD_H
#define MAILCTL_REPORT_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "auth/report.h"
#include "cmd.h"

int rpt_cmd_parse(int argc, char **argv);
int rpt_cmd_import(int argc, char **argv);
int rpt_cmd_summary(int argc, char **argv);

/* Read a whole file ("-": stdin) of at most max bytes.  0 with *buf
 * (malloc'd, NUL-terminated); 1 when larger than max (nothing kept);
 * -1 on an I/O error (errno set). */
int rpt_read_file(const char *path, size_t max, char **buf, size_t *len);

/* One report as the JSON of ../shared/cli.md ("report parse"). */
json_t *rpt_json(const struct report *r, const char *file);

/* s with control bytes replaced, for a terminal (static buffer per call
 * slot: up to 8 in one printf). */
const char *rpt_safe(const char *s);

/* The database path: --db, else MAILCTL_DB, else
 * ~/.local/share/mailctl/reports.db (directories created).  NULL after
 * printing why when there is none. */
const char *rpt_db_path(const char *opt);

#endif
