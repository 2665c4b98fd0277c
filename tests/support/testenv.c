/*
 * testenv.c - start/stop a real NSD, run the real CLI (see testenv.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "testenv.h"

extern char **environ;

const char *test_datadir(void)
{
    return TEST_DATADIR;
}

const char *test_mailctl(void)
{
    const char *env = getenv("MAILCTL_BIN");
    static char path[512];

    if (env && *env)
        return env;
    snprintf(path, sizeof path, "%s/mailctl", TEST_BUILD_DIR);
    return path;
}

/* Bind TCP on an ephemeral port, then check UDP on the same port is free. */
int test_free_port(void)
{
    for (int tries = 0; tries < 50; tries++) {
        struct sockaddr_in sa = { .sin_family = AF_INET };
        socklen_t len = sizeof sa;
        int t = socket(AF_INET, SOCK_STREAM, 0), u, port;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (t < 0 || bind(t, (struct sockaddr *)&sa, sizeof sa) < 0 ||
            getsockname(t, (struct sockaddr *)&sa, &len) < 0) {
            if (t >= 0)
                close(t);
            return -1;
        }
        port = ntohs(sa.sin_port);
        u = socket(AF_INET, SOCK_DGRAM, 0);
        if (u >= 0 && bind(u, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(u);
            close(t);
            return port;
        }
        if (u >= 0)
            close(u);
        close(t);
    }
    return -1;
}

/* Write the NSD config: every NAME.zone in zones_dir becomes zone NAME. */
static int write_conf(struct test_nsd *nsd, const char *zones_dir)
{
    char path[512];
    FILE *fp;
    DIR *d;
    struct dirent *de;

    snprintf(path, sizeof path, "%s/nsd.conf", nsd->dir);
    fp = fopen(path, "w");
    if (!fp)
        return -1;
    fprintf(fp,
        "server:\n  ip-address: 127.0.0.1\n  ip-address: ::1\n  port: %d\n"
        "  username: \"\"\n  chroot: \"\"\n  database: \"\"\n  zonesdir: \"%s\"\n"
        "  pidfile: \"%s/nsd.pid\"\n  zonelistfile: \"%s/zone.list\"\n"
        "  xfrdfile: \"%s/xfrd.state\"\n  xfrdir: \"%s\"\n  logfile: \"%s/nsd.log\"\n"
        "  server-count: 1\n  verbosity: 1\n  hide-version: yes\n"
        "  tcp-count: 256\n  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\n\nremote-control:\n  control-enable: no\n\n",
        nsd->port, zones_dir, nsd->dir, nsd->dir, nsd->dir, nsd->dir, nsd->dir);
    d = opendir(zones_dir);
    if (!d) {
        fclose(fp);
        return -1;
    }
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n > 5 && strcmp(de->d_name + n - 5, ".zone") == 0)
            fprintf(fp, "zone:\n  name: \"%.*s\"\n  zonefile: \"%s\"\n\n",
                    (int)(n - 5), de->d_name, de->d_name);
    }
    closedir(d);
    return fclose(fp) == 0 ? 0 : -1;
}

/* One SOA query for the root of the first zone; any answer means up. */
static bool nsd_answers(int port)
{
    ldns_resolver *res = ldns_resolver_new();
    ldns_rdf *ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "127.0.0.1");
    ldns_rdf *q = ldns_dname_new_frm_str("nsd-probe.invalid.");
    ldns_pkt *p = NULL;
    bool up = false;

    if (res && ns && q && ldns_resolver_push_nameserver(res, ns) == LDNS_STATUS_OK) {
        struct timeval tv = { 0, 200000 };
        ldns_resolver_set_port(res, (uint16_t)port);
        ldns_resolver_set_timeout(res, tv);
        ldns_resolver_set_retry(res, 1);
        ldns_resolver_set_recursive(res, false);
        up = ldns_resolver_send(&p, res, q, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0)
             == LDNS_STATUS_OK && p;
    }
    ldns_pkt_free(p);
    ldns_rdf_deep_free(q);
    ldns_rdf_deep_free(ns);
    ldns_resolver_deep_free(res);
    return up;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[512];

    if (!d)
        return;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void dump_log(const struct test_nsd *nsd)
{
    char path[512], line[512];
    FILE *fp;

    snprintf(path, sizeof path, "%s/nsd.log", nsd->dir);
    fp = fopen(path, "r");
    if (!fp)
        return;
    while (fgets(line, sizeof line, fp))
        fprintf(stderr, "nsd: %s", line);
    fclose(fp);
}

/* One try on a fresh free port: 0 when it answers, 1 when it exited at
 * once (its port was taken between test_free_port() and its bind: another
 * process's outgoing socket may land there), -1 otherwise. */
static int nsd_launch(struct test_nsd *nsd, const char *zones_dir, bool last)
{
    char conf[512];
    pid_t parent = getpid();

    if ((nsd->port = test_free_port()) < 0 || write_conf(nsd, zones_dir) < 0) {
        fprintf(stderr, "test_nsd_start: set-up failed: %s\n", strerror(errno));
        return -1;
    }
    snprintf(conf, sizeof conf, "%s/nsd.conf", nsd->dir);
    snprintf(nsd->spec, sizeof nsd->spec, "127.0.0.1:%d", nsd->port);
    snprintf(nsd->spec6, sizeof nsd->spec6, "[::1]:%d", nsd->port);
    nsd->pid = fork();
    if (nsd->pid < 0)
        return -1;
    if (nsd->pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
        }
        setpgid(0, 0);
        execlp("nsd", "nsd", "-d", "-c", conf, (char *)NULL);
        execl("/usr/sbin/nsd", "nsd", "-d", "-c", conf, (char *)NULL);
        _exit(127);
    }
    /* Poll until it answers, giving up after ~10 s or if it died. */
    for (int i = 0; i < 200; i++) {
        int wst;
        if (waitpid(nsd->pid, &wst, WNOHANG) == nsd->pid) {
            nsd->pid = 0;
            if (!last)
                return 1;
            fprintf(stderr, "test_nsd_start: nsd exited (status %d)\n", wst);
            dump_log(nsd);
            return -1;
        }
        if (nsd_answers(nsd->port))
            return 0;
    }
    fprintf(stderr, "test_nsd_start: nsd did not answer on port %d\n", nsd->port);
    dump_log(nsd);
    test_nsd_stop(nsd);
    return -1;
}

int test_nsd_start(struct test_nsd *nsd, const char *zones_dir)
{
    char zd[512];
    int rc = 1;

    memset(nsd, 0, sizeof *nsd);
    if (!zones_dir) {
        snprintf(zd, sizeof zd, "%s/zones", test_datadir());
        zones_dir = zd;
    }
    snprintf(nsd->dir, sizeof nsd->dir, "/tmp/mailctl-nsd-XXXXXX");
    if (!mkdtemp(nsd->dir)) {
        fprintf(stderr, "test_nsd_start: set-up failed: %s\n", strerror(errno));
        return -1;
    }
    for (int tries = 0; rc == 1 && tries < 5; tries++)
        rc = nsd_launch(nsd, zones_dir, tries == 4);
    return rc;
}

void test_nsd_stop(struct test_nsd *nsd)
{
    if (nsd->pid > 0) {
        kill(nsd->pid, SIGTERM);
        for (int i = 0; i < 100; i++) {
            struct timespec ts = { 0, 20 * 1000 * 1000 };
            if (waitpid(nsd->pid, NULL, WNOHANG) == nsd->pid) {
                nsd->pid = 0;
                break;
            }
            nanosleep(&ts, NULL);   /* bounded wait for the reap, not sync */
        }
        if (nsd->pid > 0) {
            kill(nsd->pid, SIGKILL);
            waitpid(nsd->pid, NULL, 0);
            nsd->pid = 0;
        }
    }
    if (nsd->dir[0])
        remove_dir(nsd->dir);
    nsd->dir[0] = '\0';
}

/* Read from both pipes until EOF, writing stdin data as the child takes it. */
struct capture { int fd; char *buf; size_t len, cap; };

static int capture_more(struct capture *c)
{
    char tmp[65536];
    ssize_t n = read(c->fd, tmp, sizeof tmp);

    if (n <= 0) {
        close(c->fd);
        c->fd = -1;
        return 0;
    }
    if (c->len + (size_t)n + 1 > c->cap) {
        size_t cap = (c->cap ? c->cap * 2 : 65536) + (size_t)n;
        char *nb = realloc(c->buf, cap);
        if (!nb)
            return -1;
        c->buf = nb;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, tmp, (size_t)n);
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    return 0;
}

static char **merged_env(char *const extra[])
{
    size_t n = 0, m = 0;
    char **env;

    while (environ[n])
        n++;
    while (extra && extra[m])
        m++;
    env = calloc(n + m + 1, sizeof *env);
    if (!env)
        return NULL;
    for (size_t i = 0; i < m; i++)
        env[i] = extra[i];
    for (size_t i = 0, k = m; i < n; i++) {
        /* extra wins: skip environ entries it overrides */
        const char *eq = strchr(environ[i], '=');
        size_t keylen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        bool dup = false;
        for (size_t j = 0; j < m; j++)
            if (!strncmp(extra[j], environ[i], keylen) && extra[j][keylen] == '=')
                dup = true;
        if (!dup)
            env[k++] = environ[i];
    }
    return env;
}

int test_run(char *const argv[], char *const env_extra[], const char *stdin_data,
             size_t stdin_len, int timeout_s, struct test_out *out)
{
    int po[2], pe[2], pi[2], wst = 0;
    struct capture co = {0}, ce = {0};
    char **env = merged_env(env_extra);
    size_t written = 0;
    time_t deadline = time(NULL) + timeout_s;
    pid_t pid;

    memset(out, 0, sizeof *out);
    if (!env || pipe(po) < 0 || pipe(pe) < 0 || pipe(pi) < 0)
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(pi[0], STDIN_FILENO);
        dup2(po[1], STDOUT_FILENO);
        dup2(pe[1], STDERR_FILENO);
        close(pi[1]); close(po[0]); close(pe[0]);
        execve(argv[0], argv, env);
        _exit(127);
    }
    free(env);
    close(pi[0]); close(po[1]); close(pe[1]);
    signal(SIGPIPE, SIG_IGN);
    fcntl(pi[1], F_SETFL, O_NONBLOCK);
    if (!stdin_data || !stdin_len) {
        close(pi[1]);
        pi[1] = -1;
    }
    co.fd = po[0];
    ce.fd = pe[0];
    while (co.fd >= 0 || ce.fd >= 0) {
        struct pollfd pf[3] = {{co.fd, POLLIN, 0}, {ce.fd, POLLIN, 0}, {pi[1], POLLOUT, 0}};
        int left = (int)(deadline - time(NULL));
        if (left <= 0 || poll(pf, 3, left * 1000) == 0) {
            kill(pid, SIGKILL);
            fprintf(stderr, "test_run: %s timed out after %d s\n", argv[0], timeout_s);
            break;
        }
        if (pf[0].revents && capture_more(&co) < 0)
            break;
        if (pf[1].revents && capture_more(&ce) < 0)
            break;
        if (pi[1] >= 0 && pf[2].revents) {
            ssize_t n = write(pi[1], stdin_data + written, stdin_len - written);
            if (n > 0)
                written += (size_t)n;
            if (n < 0 || written == stdin_len) {
                close(pi[1]);
                pi[1] = -1;
            }
        }
    }
    if (pi[1] >= 0) close(pi[1]);
    if (co.fd >= 0) close(co.fd);
    if (ce.fd >= 0) close(ce.fd);
    waitpid(pid, &wst, 0);
    out->status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
    out->out = co.buf ? co.buf : strdup("");
    out->out_len = co.len;
    out->err = ce.buf ? ce.buf : strdup("");
    out->err_len = ce.len;
    return 0;
}

void test_out_free(struct test_out *out)
{
    free(out->out);
    free(out->err);
    memset(out, 0, sizeof *out);
}

char *test_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0) {
        fclose(fp);
        return NULL;
    }
    rewind(fp);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

int test_spit(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    int ok;

    if (!fp)
        return -1;
    ok = fwrite(data, 1, len, fp) == len;
    return fclose(fp) == 0 && ok ? 0 : -1;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

int test_rmtree(const char *dir)
{
    return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
