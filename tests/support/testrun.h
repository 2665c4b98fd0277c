/*
 * testrun.h - run a program as test_run() does, but with the conditions
 * the file-safety tests need: a working directory, stdout sent to a file
 * or device (/dev/full), stdin from a file (/dev/zero), and resource limits
 * set in the child (RLIMIT_FSIZE, RLIMIT_NOFILE).  stdout and stderr are
 * captured through files; the child is killed by SIGALRM after timeout_s,
 * which shows as status 128+SIGALRM (a hang is a failure, not a wait).
 */
#ifndef MAILCTL_TESTRUN_H
#define MAILCTL_TESTRUN_H

#include "testenv.h"

struct test_run_opts {
    const char *cwd;          /* NULL: unchanged */
    const char *stdout_path;  /* NULL: captured into out->out */
    const char *stdin_path;   /* NULL: /dev/null */
    long fsize_limit;         /* > 0: RLIMIT_FSIZE in bytes */
    long nofile_limit;        /* > 0: RLIMIT_NOFILE */
    int timeout_s;            /* 0: 60 */
};

/* Returns 0 (out filled as by test_run) or -1. */
int test_run_opts(const struct test_run_opts *o, char *const argv[], struct test_out *out);

#endif
