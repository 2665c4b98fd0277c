/*
 * check_dns.h - pieces of `mailctl check-dns` shared by its files.
 */
#ifndef MAILCTL_CHECK_DNS_H
#define MAILCTL_CHECK_DNS_H

#include "../checks/audit.h"
#include "cmd.h"

enum report_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_JUNIT, FORMAT_EXPECT };

/* Text report grouped by area, with marks and fixes. */
void report_text(const struct audit_result *r, enum finding_severity gate);
/* The JSON object of ../shared/cli.md for one domain. */
json_t *report_json(const struct audit_result *r, enum finding_severity gate);
/* JUnit XML for several domains: one testsuite per domain, one testcase per
 * finding id, failures for findings at or above the gate. */
void report_junit(struct audit_result *const *results, size_t n, enum finding_severity gate);

/* The non-pass findings as --expect lines "DOMAIN ID SEVERITY". */
void report_expect(const struct audit_result *r);

/* Whether the result passes the gate: 0 pass, 1 something at or above the
 * gate, 3 inconclusive (an error finding and nothing at the gate). */
int report_exit(const struct audit_result *r, enum finding_severity gate);

/* --expect FILE: lines "DOMAIN ID SEVERITY" (# comments) pin the non-pass
 * findings.  Read when the option is parsed, so a bad file stops the run
 * before any audit: EXIT_OK with *out, or EXIT_USAGE (message printed:
 * unreadable, not text, a line or the file over its bound, a bad line). */
struct expect_pins;
int expect_load(const char *path, struct expect_pins **out);
/* 0 when the findings match exactly, 1 when one appeared or disappeared
 * (each difference printed to stderr). */
int expect_compare(struct expect_pins *pins, struct audit_result *const *results, size_t n);
void expect_free(struct expect_pins *pins);

#endif
