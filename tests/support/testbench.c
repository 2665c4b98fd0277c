/*
 * testbench.c - see testbench.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testbench.h"

double test_now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int test_run_measured(char *const argv[], const char *out, double *wall, long *maxrss_kb)
{
    double t0 = test_now_s();
    struct rusage ru;
    int st;
    pid_t pid = fork();

    if (pid == 0) {
        int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600)
                     : open("/dev/null", O_WRONLY);
        if (fd < 0 || dup2(fd, 1) < 0)
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
        return -1;
    *wall = test_now_s() - t0;
    if (maxrss_kb)
        *maxrss_kb = ru.ru_maxrss;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

long test_jsonl_count(const char *path, long *queries)
{
    FILE *fp = fopen(path, "r");
    static char buf[1 << 20];
    long n = 0;

    *queries = 0;
    if (!fp)
        return -1;
    while (fgets(buf, sizeof buf, fp)) {
        json_t *doc = json_loads(buf, 0, NULL);
        *queries += (long)json_integer_value(json_object_get(doc, "queries"));
        json_decref(doc);
        n++;
    }
    fclose(fp);
    return n;
}
