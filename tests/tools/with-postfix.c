/*
 * with-postfix.c - run a command with the project's test Postfix (and, with
 * -n or -z, the test NSD) on loopback:
 *
 *     with-postfix [-d DOMAIN] [-n | -z ZONEDIR] -- COMMAND [ARGS...]
 *
 * Postfix (tests/support/testpostfix.h) takes mail for DOMAIN (default
 * sendtest.example) over STARTTLS and implicit TLS with a certificate of a
 * test CA made for the run, and delivers it to a Maildir.  COMMAND gets:
 *   MAILCTL_TEST_SMTP      127.0.0.1:PORT (smtpd with STARTTLS)
 *   MAILCTL_TEST_SMTPS     127.0.0.1:PORT (implicit TLS)
 *   MAILCTL_TEST_CA        the test CA (PEM), for --ca-file
 *   MAILCTL_TEST_MAILBOX   the Maildir's new/ directory
 *   MAILCTL_RESOLVER       the test NSD, with -n (testdata/zones) or -z
 * Everything is stopped when the command ends, whatever its outcome.  Used
 * by `make demo`.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testenv.h"
#include "testpostfix.h"

static int usage(void)
{
    fprintf(stderr, "usage: with-postfix [-d DOMAIN] [-n | -z ZONEDIR] -- COMMAND [ARGS...]\n");
    return 2;
}

static int run(char **argv)
{
    int wst = 0;
    pid_t pid;

    signal(SIGINT, SIG_IGN);
    pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &wst, 0) < 0)
        return 3;
    return WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
}

int main(int argc, char **argv)
{
    const char *domain = "sendtest.example", *zones = NULL;
    bool with_nsd = false;
    struct test_nsd nsd;
    struct test_postfix pf;
    int i = 1, rc;

    while (i < argc && strcmp(argv[i], "--") != 0) {
        if (!strcmp(argv[i], "-n")) {
            with_nsd = true;
            i++;
        } else if (i + 1 < argc && !strcmp(argv[i], "-d")) {
            domain = argv[i + 1];
            i += 2;
        } else if (i + 1 < argc && !strcmp(argv[i], "-z")) {
            with_nsd = true;
            zones = argv[i + 1];
            i += 2;
        } else {
            return usage();
        }
    }
    if (i < argc)
        i++;
    if (i >= argc)
        return usage();
    if (with_nsd) {
        if (test_nsd_start(&nsd, zones) < 0)
            return 3;
        setenv("MAILCTL_RESOLVER", nsd.spec, 1);
    }
    if (test_postfix_start(&pf, domain) < 0) {
        test_postfix_stop(&pf);
        if (with_nsd)
            test_nsd_stop(&nsd);
        return 3;
    }
    setenv("MAILCTL_TEST_SMTP", pf.spec, 1);
    setenv("MAILCTL_TEST_SMTPS", pf.smtps_spec, 1);
    setenv("MAILCTL_TEST_CA", pf.ca.ca_file, 1);
    setenv("MAILCTL_TEST_MAILBOX", pf.mailbox, 1);
    rc = run(argv + i);
    test_postfix_stop(&pf);
    if (with_nsd)
        test_nsd_stop(&nsd);
    return rc;
}
