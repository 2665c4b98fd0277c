/*
 * dmarc_out.h - rendering DMARC policies and verdicts (text and JSON),
 * shared by `mailctl dmarc` and `mailctl auth`.
 */
#ifndef MAILCTL_DMARC_OUT_H
#define MAILCTL_DMARC_OUT_H

#include <jansson.h>

#include "auth/dmarc.h"
#include "auth/finding.h"

/* "found", "none", "temperror", "permerror". */
const char *dmarc_found_name(enum dmarc_found f);
/* The `dmarc check` JSON object (cli.md keys plus discovery evidence);
 * fl may be NULL (no "problems" findings then, only record problems). */
json_t *dmarc_json_policy(const struct dmarc_policy_info *pi, const struct finding_list *fl);
/* Human text of the same. */
void dmarc_print_policy(const struct dmarc_policy_info *pi, const struct finding_list *fl);
void dmarc_print_disagreements(json_t *diffs);
/* findings as JSON objects {id, severity, summary, detail, fix, reference, evidence} */
json_t *dmarc_json_findings(const struct finding_list *fl);

#endif
