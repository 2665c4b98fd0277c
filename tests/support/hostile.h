/*
 * hostile.h - the scripted hostile DNS server for engine tests.
 *
 * test_hostile_start() runs tests/servers/hostile_dns.py (Debian python3
 * with python3-dnslib) on 127.0.0.1, reads the port it prints on its first
 * line (waiting with poll, never sleeping), and fills spec with
 * "127.0.0.1:PORT".  The child gets PR_SET_PDEATHSIG so it dies with the
 * test; test_hostile_stop() kills and reaps it.  Scenarios are the
 * testdata/hostile/NAME.case files (format in the script's docstring); ask
 * for "NAME.hostile.test" to get scenario NAME.
 */
#ifndef MAILCTL_HOSTILE_H
#define MAILCTL_HOSTILE_H

#include <sys/types.h>

struct test_hostile {
    pid_t pid;
    int port;
    char spec[64];
};

/* cases_dir: NULL for testdata/hostile.  Returns 0 or -1 (message on stderr). */
int test_hostile_start(struct test_hostile *h, const char *cases_dir);
void test_hostile_stop(struct test_hostile *h);

#endif
