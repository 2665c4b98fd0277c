/*
 * hostile.c - start and stop tests/servers/hostile_dns.py (see hostile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.h"
#include "testenv.h"

/* Read the first line (the port) within ~10 s. */
static int read_port(int fd)
{
    char line[32];
    size_t len = 0;

    while (len < sizeof line - 1) {
        struct pollfd pf = { fd, POLLIN, 0 };
        ssize_t n;

        if (poll(&pf, 1, 10000) <= 0)
            return -1;
        n = read(fd, line + len, 1);
        if (n <= 0)
            return -1;
        if (line[len] == '\n') {
            char *end;
            long port;
            line[len] = '\0';
            errno = 0;
            port = strtol(line, &end, 10);
            if (errno || *end || port <= 0 || port > 65535)
                return -1;
            return (int)port;
        }
        len++;
    }
    return -1;
}

int test_hostile_start(struct test_hostile *h, const char *cases_dir)
{
    char script[512], cases[512];
    int pfd[2];
    pid_t parent = getpid();

    memset(h, 0, sizeof *h);
    snprintf(script, sizeof script, "%s/../tests/servers/hostile_dns.py", test_datadir());
    snprintf(cases, sizeof cases, "%s", cases_dir ? cases_dir : "");
    if (!cases_dir)
        snprintf(cases, sizeof cases, "%s/hostile", test_datadir());
    if (pipe(pfd) < 0)
        return -1;
    h->pid = fork();
    if (h->pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (h->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(pfd[1], STDOUT_FILENO);
        close(pfd[0]);
        close(pfd[1]);
        /* Debian's python3 (python3-dnslib), not whatever is first in PATH */
        execl("/usr/bin/python3", "python3", script, cases, (char *)NULL);
        execlp("python3", "python3", script, cases, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    h->port = read_port(pfd[0]);
    close(pfd[0]);
    if (h->port < 0) {
        fprintf(stderr, "test_hostile_start: %s did not print its port\n", script);
        test_hostile_stop(h);
        return -1;
    }
    snprintf(h->spec, sizeof h->spec, "127.0.0.1:%d", h->port);
    return 0;
}

void test_hostile_stop(struct test_hostile *h)
{
    if (h->pid > 0) {
        kill(h->pid, SIGKILL);
        waitpid(h->pid, NULL, 0);
    }
    h->pid = 0;
}
