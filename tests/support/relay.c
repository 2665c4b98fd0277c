/*
 * relay.c - run build/tools/dns-relay for a test (see relay.h): its port is
 * read from its first line of output with poll (no sleeping), it dies with
 * the test (PR_SET_PDEATHSIG, and EOF on its stdin), and is always reaped.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relay.h"

static int read_port(int fd)
{
    char buf[32];
    size_t n = 0;

    while (n + 1 < sizeof buf) {
        struct pollfd p = { fd, POLLIN, 0 };
        ssize_t k;
        if (poll(&p, 1, 10000) <= 0)
            return -1;
        k = read(fd, buf + n, 1);
        if (k <= 0)
            return -1;
        if (buf[n] == '\n')
            break;
        n++;
    }
    buf[n] = '\0';
    return (int)strtol(buf, NULL, 10);
}

int test_relay_start(struct test_relay *r, const char *upstream, unsigned delay_ms,
                     const char *const *drops)
{
    return test_relay_start_logged(r, upstream, delay_ms, drops, NULL);
}

int test_relay_start_logged(struct test_relay *r, const char *upstream, unsigned delay_ms,
                            const char *const *drops, const char *log_path)
{
    char path[512], delay[16];
    char *argv[48];
    int in[2], out[2], n = 0;
    pid_t parent = getpid();

    memset(r, 0, sizeof *r);
    snprintf(path, sizeof path, "%s/tools/dns-relay", TEST_BUILD_DIR);
    snprintf(delay, sizeof delay, "%u", delay_ms);
    argv[n++] = path;
    argv[n++] = "--upstream";
    argv[n++] = (char *)upstream;
    argv[n++] = "--delay-ms";
    argv[n++] = delay;
    for (size_t i = 0; drops && drops[i] && n < 44; i++) {
        argv[n++] = "--drop";
        argv[n++] = (char *)drops[i];
    }
    if (log_path) {
        argv[n++] = "--log";
        argv[n++] = (char *)log_path;
    }
    argv[n] = NULL;
    if (pipe(in) < 0 || pipe(out) < 0)
        return -1;
    r->pid = fork();
    if (r->pid < 0)
        return -1;
    if (r->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        close(in[1]);
        close(out[0]);
        execv(path, argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    r->stdin_fd = in[1];
    r->port = read_port(out[0]);
    close(out[0]);
    if (r->port <= 0) {
        fprintf(stderr, "test_relay_start: %s did not start\n", path);
        test_relay_stop(r);
        return -1;
    }
    snprintf(r->spec, sizeof r->spec, "127.0.0.1:%d", r->port);
    return 0;
}

void test_relay_stop(struct test_relay *r)
{
    if (r->stdin_fd > 0)
        close(r->stdin_fd);
    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        waitpid(r->pid, NULL, 0);
    }
    r->pid = 0;
    r->stdin_fd = 0;
}
