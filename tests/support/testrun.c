/*
 * testrun.c - test_run_opts(): see testrun.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testrun.h"

static char *slurp_fd(int fd, size_t *len)
{
    struct stat st;
    char *buf;
    ssize_t n;
    size_t got = 0;

    *len = 0;
    if (fstat(fd, &st) < 0 || !(buf = malloc((size_t)st.st_size + 1)))
        return NULL;
    lseek(fd, 0, SEEK_SET);
    while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    *len = got;
    return buf;
}

static void child(const struct test_run_opts *o, char *const argv[], int out_fd, int err_fd)
{
    int in = open(o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY);

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (in < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
        _exit(126);
    if (o->stdout_path) {
        int fd = open(o->stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
            _exit(126);
    } else if (dup2(out_fd, STDOUT_FILENO) < 0) {
        _exit(126);
    }
    if (o->cwd && chdir(o->cwd) < 0)
        _exit(126);
    if (o->fsize_limit > 0) {
        struct rlimit rl = { (rlim_t)o->fsize_limit, (rlim_t)o->fsize_limit };
        if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
            _exit(126);
    }
    if (o->nofile_limit > 0) {
        struct rlimit rl = { (rlim_t)o->nofile_limit, (rlim_t)o->nofile_limit };
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            _exit(126);
    }
    signal(SIGXFSZ, SIG_DFL);       /* what a shell gives the program */
    signal(SIGPIPE, SIG_DFL);
    alarm((unsigned)(o->timeout_s ? o->timeout_s : 60));
    execv(argv[0], argv);
    _exit(127);
}

int test_run_opts(const struct test_run_opts *o, char *const argv[], struct test_out *out)
{
    FILE *fo = tmpfile(), *fe = tmpfile();
    int wst = 0;
    pid_t pid;

    memset(out, 0, sizeof *out);
    if (!fo || !fe)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        child(o, argv, fileno(fo), fileno(fe));
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;
    out->status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
    out->out = slurp_fd(fileno(fo), &out->out_len);
    out->err = slurp_fd(fileno(fe), &out->err_len);
    fclose(fo);
    fclose(fe);
    return out->out && out->err ? 0 : -1;
}
