/*
 * testenv.h - real servers and the real CLI for integration tests.
 *
 * test_nsd_start() runs NSD (Debian nsd) in the foreground on 127.0.0.1 and
 * ::1 at a free high port with a throwaway config serving every
 * testdata/zones/NAME.zone as zone NAME, and waits until it answers (it
 * polls with a real query; it never sleeps blindly).  The child gets
 * PR_SET_PDEATHSIG so it dies with the test even on a crash, and
 * test_nsd_stop() kills and reaps it and removes the directory.
 *
 * test_run() runs a program (normally build/mailctl) with arguments and
 * optional extra environment, capturing stdout, stderr and the exit code.
 */
#ifndef MAILCTL_TESTENV_H
#define MAILCTL_TESTENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct test_nsd {
    pid_t pid;
    int port;
    char dir[256];            /* throwaway directory */
    char spec[64];            /* "127.0.0.1:PORT" for --resolver */
    char spec6[64];           /* "[::1]:PORT" */
};

/* zones_dir: NULL for testdata/zones.  Returns 0 or -1 (message on stderr). */
int test_nsd_start(struct test_nsd *nsd, const char *zones_dir);
void test_nsd_stop(struct test_nsd *nsd);

struct test_out {
    int status;               /* exit code, or 128+signal */
    char *out;                /* NUL-terminated stdout (malloc) */
    size_t out_len;
    char *err;                /* NUL-terminated stderr (malloc) */
    size_t err_len;
};

/* Run argv (argv[0] is the program path; NULL-terminated) with env_extra
 * ("NAME=value" strings, NULL-terminated, may be NULL) added to the current
 * environment; stdin_data (may be NULL) is written to its stdin.  Kills the
 * child after timeout_s seconds.  Returns 0 or -1. */
int test_run(char *const argv[], char *const env_extra[], const char *stdin_data,
             size_t stdin_len, int timeout_s, struct test_out *out);
void test_out_free(struct test_out *out);

/* Path of build/mailctl (MAILCTL_BIN from the environment, else
 * TEST_BUILD_DIR/mailctl). */
const char *test_mailctl(void);
/* Absolute path of testdata/ (compiled in). */
const char *test_datadir(void);

/* A free TCP+UDP port on 127.0.0.1 (bound then released). */
int test_free_port(void);

/* The whole file, NUL-terminated (malloc), its length in *len; NULL when
 * it cannot be read. */
char *test_slurp(const char *path, size_t *len);
/* Write len bytes to path (created or truncated); 0 or -1. */
int test_spit(const char *path, const void *data, size_t len);
/* Remove dir and everything below it (symlinks not followed); 0 or -1. */
int test_rmtree(const char *dir);

#endif
