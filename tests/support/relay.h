/*
 * relay.h - start build/tools/dns-relay in front of a test DNS server: a
 * fixed delay on every answer (round trips made visible) and questions that
 * are never answered (a resolver timing out on exactly those).
 */
#ifndef MAILCTL_RELAY_H
#define MAILCTL_RELAY_H

#include <sys/types.h>

struct test_relay {
    pid_t pid;
    int port;
    int stdin_fd;             /* closing it stops the relay */
    char spec[64];            /* "127.0.0.1:PORT" */
};

/* upstream: "127.0.0.1:PORT"; drops: NULL-terminated names, may be NULL.
 * Returns 0 or -1 (message on stderr). */
int test_relay_start(struct test_relay *r, const char *upstream, unsigned delay_ms,
                     const char *const *drops);
/* The same, and every question received is appended to log_path as a line
 * "NAME TYPE" (TYPE a number, "+cd" when asked with CD=1), in arrival order,
 * so a test can count how often each question was asked. */
int test_relay_start_logged(struct test_relay *r, const char *upstream, unsigned delay_ms,
                            const char *const *drops, const char *log_path);
void test_relay_stop(struct test_relay *r);

#endif
