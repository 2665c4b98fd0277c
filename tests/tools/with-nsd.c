/*
 * with-nsd.c - run a command with the project's test NSD serving a zone
 * directory (default testdata/zones) on a free loopback port:
 *
 *     with-nsd [-z ZONEDIR] -- COMMAND [ARGS...]
 *
 * MAILCTL_RESOLVER is set to the server for COMMAND; NSD is stopped when the
 * command ends, whatever its outcome.  Used by `make demo` and benches.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testenv.h"

int main(int argc, char **argv)
{
    const char *zones = NULL;
    struct test_nsd nsd;
    int i = 1, wst = 0;
    pid_t pid;

    if (i + 1 < argc && strcmp(argv[i], "-z") == 0) {
        zones = argv[i + 1];
        i += 2;
    }
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (i >= argc) {
        fprintf(stderr, "usage: with-nsd [-z ZONEDIR] -- COMMAND [ARGS...]\n");
        return 2;
    }
    if (test_nsd_start(&nsd, zones) < 0)
        return 3;
    setenv("MAILCTL_RESOLVER", nsd.spec, 1);
    signal(SIGINT, SIG_IGN);
    pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        execvp(argv[i], argv + i);
        perror(argv[i]);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, &wst, 0);
    test_nsd_stop(&nsd);
    if (pid < 0)
        return 3;
    return WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
}
