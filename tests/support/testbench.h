/*
 * testbench.h - what the fleet-scale benches share: a monotonic clock,
 * running mailctl to its end with its stdout in a file (wall time, peak
 * RSS), and reading back a check-dns JSON-lines file.
 */
#ifndef MAILCTL_TESTBENCH_H
#define MAILCTL_TESTBENCH_H

/* Seconds on the monotonic clock. */
double test_now_s(void);
/* Run argv to its end with stdout into out (created; NULL: /dev/null).
 * *wall gets the seconds, *maxrss_kb (may be NULL) the child's peak RSS.
 * Returns the exit status (128+signal), or -1 when it could not run. */
int test_run_measured(char *const argv[], const char *out, double *wall, long *maxrss_kb);
/* Lines of a JSON-lines file and the sum of their "queries"; -1 when the
 * file cannot be read. */
long test_jsonl_count(const char *path, long *queries);

#endif
