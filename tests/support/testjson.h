/*
 * testjson.h - looking findings up in mailctl's JSON output, for the
 * integration tests of every command that reports findings.
 */
#ifndef MAILCTL_TESTJSON_H
#define MAILCTL_TESTJSON_H

#include <stdbool.h>

#include <jansson.h>

/* Whether the array doc[key] ("findings", or "problems" for dmarc check)
 * holds a finding with this id and severity, and when needle is not NULL a
 * detail containing needle. */
bool test_has_finding_in(json_t *doc, const char *key, const char *id, const char *sev,
                         const char *needle);
/* The same in doc["findings"]. */
bool test_has_finding(json_t *doc, const char *id, const char *sev, const char *needle);
/* The first finding with this id in doc["findings"] (borrowed), or NULL. */
json_t *test_finding(json_t *doc, const char *id);
/* The severity of the first finding with this id in doc["findings"], or NULL. */
const char *test_finding_severity(json_t *doc, const char *id);

#endif
