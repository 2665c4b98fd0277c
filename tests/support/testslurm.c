/*
 * testslurm.c - a throwaway single-node Slurm cluster (see testslurm.h).
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testenv.h"
#include "testslurm.h"

#define START_TIMEOUT_S 60

static void wait_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Start argv in the foreground with stdout and stderr to DIR/log. */
static pid_t spawn(struct test_slurm *s, const char *log, char *const argv[])
{
    pid_t parent = getpid(), pid = fork();

    if (pid == 0) {
        char path[400];
        FILE *fp;

        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        snprintf(path, sizeof path, "%s/%s", s->dir, log);
        if (!(fp = fopen(path, "w")))
            _exit(127);
        dup2(fileno(fp), 1);
        dup2(fileno(fp), 2);
        setenv("SLURM_CONF", s->conf, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Run argv to its end; its exit status, or -1. */
static int run_quiet(char *const argv[], const char *conf)
{
    pid_t pid = fork();
    int st;

    if (pid == 0) {
        int fd = open("/dev/null", 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (conf)
            setenv("SLURM_CONF", conf, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_conf(struct test_slurm *s)
{
    char host[64], *dot;
    int ctld = test_free_port(), slurmd = test_free_port();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    FILE *fp;

    while (slurmd == ctld)
        slurmd = test_free_port();
    if (ctld < 0 || slurmd < 0 || gethostname(host, sizeof host) != 0)
        return -1;
    host[sizeof host - 1] = '\0';
    if ((dot = strchr(host, '.')))
        *dot = '\0';
    if (!(fp = fopen(s->conf, "w")))
        return -1;
    fprintf(fp,
            "ClusterName=mailctltest\nSlurmctldHost=%s(127.0.0.1)\nSlurmUser=root\n"
            "SlurmdUser=root\nSlurmctldPort=%d\nSlurmdPort=%d\nAuthType=auth/munge\n"
            "CredType=cred/munge\nAuthInfo=socket=%s/munge.sock\n"
            "StateSaveLocation=%s/state\nSlurmdSpoolDir=%s/spool\n"
            "SlurmctldPidFile=%s/slurmctld.pid\nSlurmdPidFile=%s/slurmd.pid\n"
            "SlurmctldLogFile=%s/slurmctld.log\nSlurmdLogFile=%s/slurmd.log\n"
            "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
            "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nReturnToService=2\n"
            "MpiDefault=none\nJobCompType=jobcomp/none\n"
            "AccountingStorageType=accounting_storage/none\n"
            "JobAcctGatherType=jobacct_gather/none\nSwitchType=switch/none\n"
            "NodeName=%s NodeAddr=127.0.0.1 CPUs=%ld RealMemory=1000 State=UNKNOWN\n"
            "PartitionName=main Nodes=%s Default=YES MaxTime=INFINITE State=UP\n",
            host, ctld, slurmd, s->dir, s->dir, s->dir, s->dir, s->dir, s->dir, s->dir, host,
            cpus > 0 ? cpus : 1, host);
    return fclose(fp) == 0 ? 0 : -1;
}

/* Poll until `sinfo` shows the node idle (or the deadline). */
static int wait_idle(struct test_slurm *s)
{
    char *argv[] = { "/usr/bin/sinfo", "-h", "-o", "%t", NULL };
    char *env[] = { s->env_conf, NULL };

    for (int i = 0; i < START_TIMEOUT_S * 10; i++) {
        struct test_out out;
        bool idle = false;

        if (test_run(argv, env, NULL, 0, 10, &out) == 0) {
            idle = out.status == 0 && !strncmp(out.out, "idle", 4);
            test_out_free(&out);
        }
        if (idle)
            return 0;
        wait_ms(100);
    }
    return -1;
}

int test_slurm_start(struct test_slurm *s)
{
    char tmpl[] = "/tmp/mailctl-slurm-XXXXXX", key[300], path[300];

    memset(s, 0, sizeof *s);
    if (!mkdtemp(tmpl))
        return -1;
    chmod(tmpl, 0755);              /* munged wants its socket directory searchable */
    snprintf(s->dir, sizeof s->dir, "%s", tmpl);
    snprintf(s->conf, sizeof s->conf, "%s/slurm.conf", s->dir);
    snprintf(s->env_conf, sizeof s->env_conf, "SLURM_CONF=%s", s->conf);
    snprintf(path, sizeof path, "%s/state", s->dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/spool", s->dir);
    mkdir(path, 0700);
    snprintf(key, sizeof key, "--keyfile=%s/munge.key", s->dir);
    {
        char *argv[] = { "mungekey", "--create", key, NULL };
        if (run_quiet(argv, NULL) != 0 || write_conf(s) < 0) {
            fprintf(stderr, "slurm: cannot create the munge key or slurm.conf\n");
            test_slurm_stop(s);
            return -1;
        }
    }
    {
        char sock[300], keyf[300], log[300], pid[300], seed[300];
        snprintf(sock, sizeof sock, "--socket=%s/munge.sock", s->dir);
        snprintf(keyf, sizeof keyf, "--key-file=%s/munge.key", s->dir);
        snprintf(log, sizeof log, "--log-file=%s/munged.log", s->dir);
        snprintf(pid, sizeof pid, "--pid-file=%s/munged.pid", s->dir);
        snprintf(seed, sizeof seed, "--seed-file=%s/munged.seed", s->dir);
        char *argv[] = { "munged", "-F", "-f", sock, keyf, log, pid, seed, NULL };
        s->munged = spawn(s, "munged.out", argv);
    }
    {
        char *ctld[] = { "slurmctld", "-D", "-f", s->conf, NULL };
        char *d[] = { "slurmd", "-D", "-f", s->conf, NULL };
        s->slurmctld = spawn(s, "slurmctld.out", ctld);
        s->slurmd = spawn(s, "slurmd.out", d);
    }
    if (s->munged < 0 || s->slurmctld < 0 || s->slurmd < 0 || wait_idle(s) < 0) {
        fprintf(stderr, "slurm: the node did not come up idle in %d s\n", START_TIMEOUT_S);
        test_slurm_stop(s);
        return -1;
    }
    return 0;
}

static void stop_pid(pid_t *pid)
{
    int st;

    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(*pid, &st, WNOHANG) == *pid) {
            *pid = 0;
            return;
        }
        wait_ms(50);
    }
    kill(*pid, SIGKILL);
    waitpid(*pid, &st, 0);
    *pid = 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    return remove(p);
}

void test_slurm_stop(struct test_slurm *s)
{
    if (s->slurmctld > 0) {
        char *argv[] = { "scancel", "--full", "--user=root", NULL };
        run_quiet(argv, s->conf);
    }
    stop_pid(&s->slurmd);
    stop_pid(&s->slurmctld);
    stop_pid(&s->munged);
    if (s->dir[0] && !getenv("MAILCTL_KEEP_SLURM"))
        nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    s->dir[0] = '\0';
}
