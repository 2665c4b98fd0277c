/*
 * with-postfix-mx.c - run a command with a real Postfix (the test one, see
 * tests/support/testpostfix.h) accepting mail for DOMAIN on a free loopback
 * port, with STARTTLS and a certificate for mx.DOMAIN from a throwaway CA:
 *
 *     with-postfix-mx DOMAIN -- COMMAND [ARGS...]
 *
 * COMMAND gets MAILCTL_DEMO_SMTP_PORT (the port) and MAILCTL_DEMO_CA_FILE
 * (the CA to trust).  Postfix is stopped when the command ends, whatever its
 * outcome.  Used by `make demo` for the audit's SMTP/TLS part.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testpostfix.h"

int main(int argc, char **argv)
{
    struct test_postfix pf;
    char port[16];
    int wst = 0;
    pid_t pid;

    if (argc < 4 || strcmp(argv[2], "--") != 0) {
        fprintf(stderr, "usage: with-postfix-mx DOMAIN -- COMMAND [ARGS...]\n");
        return 2;
    }
    if (test_postfix_start(&pf, argv[1]) < 0) {
        test_postfix_stop(&pf);
        return 3;
    }
    snprintf(port, sizeof port, "%d", pf.port);
    setenv("MAILCTL_DEMO_SMTP_PORT", port, 1);
    setenv("MAILCTL_DEMO_CA_FILE", pf.ca.ca_file, 1);
    signal(SIGINT, SIG_IGN);
    pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        execvp(argv[3], argv + 3);
        perror(argv[3]);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, &wst, 0);
    test_postfix_stop(&pf);
    if (pid < 0)
        return 3;
    return WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
}
