/*
 * testpostfix.c - test CA and a real Postfix on loopback (see testpostfix.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testenv.h"
#include "testpostfix.h"

#define SLOT_ROOT  "/tmp/mailctl-postfix"
#define NSLOTS     8

int test_sh(const char *log, const char *fmt, ...)
{
    char cmd[4096];
    size_t n;
    va_list ap;
    int st;

    va_start(ap, fmt);
    n = (size_t)vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n + 40 + (log ? strlen(log) : 10) >= sizeof cmd)
        return -1;
    snprintf(cmd + n, sizeof cmd - n, " >>%s 2>&1", log ? log : "/dev/null");
    st = system(cmd);
    return st == -1 ? -1 : WEXITSTATUS(st);
}

int test_ca_make(struct test_ca *ca, const char *dir, const char *const *names)
{
    char san[1024] = "", log[300];
    size_t n = 0;

    memset(ca, 0, sizeof *ca);
    snprintf(ca->dir, sizeof ca->dir, "%s", dir);
    snprintf(ca->ca_file, sizeof ca->ca_file, "%s/ca.pem", dir);
    snprintf(ca->cert_file, sizeof ca->cert_file, "%s/server.pem", dir);
    snprintf(ca->key_file, sizeof ca->key_file, "%s/server.key", dir);
    snprintf(ca->wrong_ca_file, sizeof ca->wrong_ca_file, "%s/wrong-ca.pem", dir);
    snprintf(log, sizeof log, "%s/openssl.log", dir);
    mkdir(dir, 0755);
    for (size_t i = 0; names && names[i]; i++)
        n += (size_t)snprintf(san + n, sizeof san - n, "DNS:%s,", names[i]);
    snprintf(san + n, sizeof san - n, "DNS:localhost,IP:127.0.0.1");
    if (test_sh(log, "cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key "
                "-out ca.pem -days 30 -subj '/CN=mailctl test CA'", dir) != 0 ||
        test_sh(log, "cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout wrong-ca.key "
                "-out wrong-ca.pem -days 30 -subj '/CN=mailctl unrelated CA'", dir) != 0 ||
        test_sh(log, "cd %s && openssl req -newkey rsa:2048 -nodes -keyout server.key "
                "-out server.csr -subj '/CN=%s'", dir, names && names[0] ? names[0] : "localhost") != 0 ||
        test_sh(log, "cd %s && printf 'subjectAltName=%s\\nbasicConstraints=CA:FALSE\\n"
                "extendedKeyUsage=serverAuth\\n' > ext.cnf && openssl x509 -req -in server.csr "
                "-CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 30 "
                "-extfile ext.cnf", dir, san) != 0) {
        fprintf(stderr, "test_ca_make: openssl failed, see %s\n", log);
        return -1;
    }
    return 0;
}

int test_ca_issue(const struct test_ca *ca, const char *cert_file, const char *key_file,
                  const char *const *names, bool expired)
{
    char san[1024] = "", log[300];
    size_t n = 0;

    snprintf(log, sizeof log, "%s/openssl.log", ca->dir);
    for (size_t i = 0; names[i]; i++)
        n += (size_t)snprintf(san + n, sizeof san - n, "%sDNS:%s", i ? "," : "", names[i]);
    if (test_sh(log, "cd %s && openssl req -newkey rsa:2048 -nodes -keyout %s -out %s.csr "
                "-subj '/CN=%s'", ca->dir, key_file, cert_file, names[0]) != 0 ||
        test_sh(log, "cd %s && printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n' > %s.ext && %s openssl x509 -req -in %s.csr "
                "-CA ca.pem -CAkey ca.key -CAcreateserial -out %s -days 30 -extfile %s.ext",
                ca->dir, san, cert_file, expired ? "faketime -f -60d" : "", cert_file,
                cert_file, cert_file) != 0) {
        fprintf(stderr, "test_ca_issue: openssl failed, see %s\n", log);
        return -1;
    }
    return 0;
}

/* Make sure /etc/postfix/main.cf lists every slot directory (once). */
static int list_slots(void)
{
    const char *path = "/etc/postfix/main.cf";
    char want[1024] = "alternate_config_directories =", line[2048];
    size_t n = strlen(want);
    int lock = open(SLOT_ROOT "/main.cf.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    FILE *fp;
    bool found = false;

    for (int i = 0; i < NSLOTS; i++)
        n += (size_t)snprintf(want + n, sizeof want - n, " %s/slot%d", SLOT_ROOT, i);
    if (lock < 0 || flock(lock, LOCK_EX) < 0)
        return -1;
    if (access(path, F_OK) != 0 &&
        test_sh(NULL, "cp /etc/postfix/main.cf.proto %s", path) != 0) {
        close(lock);
        return -1;
    }
    if ((fp = fopen(path, "r"))) {
        while (fgets(line, sizeof line, fp))
            if (strstr(line, SLOT_ROOT "/slot0") && strstr(line, "alternate_config_directories"))
                found = true;
        fclose(fp);
    }
    if (!found) {
        /* Keep any directories someone else listed: Postfix takes the last
         * assignment, so extend the value with $alternate_config_directories. */
        fp = fopen(path, "a");
        if (!fp) {
            close(lock);
            return -1;
        }
        fprintf(fp, "\n# mailctl tests (tests/support/testpostfix.c)\n"
                    "%s $alternate_config_directories\n", want);
        fclose(fp);
    }
    close(lock);
    return 0;
}

/* Take the first free slot: lock it for the life of this process's use. */
static int take_slot(struct test_postfix *pf)
{
    char lockpath[300];

    mkdir(SLOT_ROOT, 0755);
    for (int i = 0; i < NSLOTS; i++) {
        int fd;
        snprintf(lockpath, sizeof lockpath, "%s/slot%d.lock", SLOT_ROOT, i);
        fd = open(lockpath, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            snprintf(pf->dir, sizeof pf->dir, "%s/slot%d", SLOT_ROOT, i);
            pf->lock_fd = fd;
            /* A run that crashed may have left its Postfix behind. */
            if (access(pf->dir, F_OK) == 0) {
                test_sh(NULL, "postfix -c %s stop", pf->dir);
                test_sh(NULL, "rm -rf %s", pf->dir);
            }
            return mkdir(pf->dir, 0755) == 0 ? 0 : -1;
        }
        close(fd);
    }
    fprintf(stderr, "test_postfix_start: all %d slots busy\n", NSLOTS);
    return -1;
}

static int write_main_cf(const struct test_postfix *pf, const struct passwd *pw,
                         const struct test_postfix_opts *o)
{
    char path[320];
    FILE *fp;

    snprintf(path, sizeof path, "%s/main.cf", pf->dir);
    if (!(fp = fopen(path, "w")))
        return -1;
    fprintf(fp,
        "compatibility_level = 3.6\n"
        "queue_directory = %1$s/queue\ndata_directory = %1$s/data\n"
        "command_directory = /usr/sbin\ndaemon_directory = /usr/lib/postfix/sbin\n"
        "mail_owner = postfix\nsetgid_group = postdrop\n"
        "maillog_file = %1$s/maillog\nmaillog_file_prefixes = %1$s\n"
        "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
        "myhostname = mx.%2$s\nmydestination =\nmynetworks = 127.0.0.0/8\n"
        "alias_maps =\nalias_database =\nsmtpd_banner = $myhostname ESMTP mailctl-test\n"
        "virtual_mailbox_domains = %2$s, implicit.%2$s\nvirtual_mailbox_base = %1$s/mail\n"
        "virtual_mailbox_maps = static:%2$s/\n"
        "virtual_uid_maps = static:%3$u\nvirtual_gid_maps = static:%4$u\n"
        "smtpd_tls_cert_file = %5$s\nsmtpd_tls_key_file = %6$s\n"
        "smtpd_tls_security_level = may\n"
        "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
        "smtputf8_enable = yes\n",
        pf->dir, pf->domain, (unsigned)pw->pw_uid, (unsigned)pw->pw_gid,
        o && o->cert_file ? o->cert_file : pf->ca.cert_file,
        o && o->key_file ? o->key_file : pf->ca.key_file);
    if (o && o->main_cf_extra)
        fprintf(fp, "%s\n", o->main_cf_extra);
    return fclose(fp) == 0 ? 0 : -1;
}

/* Debian's master.cf: the smtp inet line bound to our ports, an smtps
 * line, and nothing chrooted (the throwaway queue has no chroot files). */
static int write_master_cf(const struct test_postfix *pf)
{
    char path[320], line[1024];
    FILE *in = fopen("/etc/postfix/master.cf", "r"), *out;

    snprintf(path, sizeof path, "%s/master.cf", pf->dir);
    if (!in || !(out = fopen(path, "w"))) {
        if (in)
            fclose(in);
        return -1;
    }
    while (fgets(line, sizeof line, in)) {
        char f[7][64];
        int nf = 0;
        char *p = line;

        if (strncmp(line, "smtp ", 5) == 0 && strstr(line, " inet ")) {
            fprintf(out, "127.0.0.1:%d inet n - n - - smtpd\n"
                         "127.0.0.1:%d inet n - n - - smtpd -o smtpd_tls_wrappermode=yes\n",
                    pf->port, pf->smtps_port);
            for (int k = 2; k < 2 + pf->extra_addresses; k++)
                fprintf(out, "127.0.0.%d:%d inet n - n - - smtpd -o syslog_name=postfix/a%d\n",
                        k, pf->port, k);
            if (pf->submission_port)
                fprintf(out, "127.0.0.1:%d inet n - n - - smtpd\n"
                             "  -o smtpd_tls_security_level=encrypt\n"
                             "  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_sasl_type=dovecot\n"
                             "  -o smtpd_sasl_path=%s\n  -o smtpd_tls_auth_only=yes\n"
                             "  -o smtpd_sasl_authenticated_header=yes\n"
                             "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\n"
                             "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n",
                        pf->submission_port, pf->sasl_path);
            continue;
        }
        if (line[0] == '#' || line[0] == ' ' || line[0] == '\t' || line[0] == '\n') {
            fputs(line, out);
            continue;
        }
        /* Service line: rewrite the chroot column (5th) to n. */
        while (nf < 7 && *p) {
            size_t k = strcspn(p, " \t\n");
            snprintf(f[nf++], sizeof f[0], "%.*s", (int)k, p);
            p += k;
            p += strspn(p, " \t");
            if (*p == '\n')
                p++;
        }
        if (nf == 7) {
            fprintf(out, "%s %s %s %s n %s %s %s", f[0], f[1], f[2], f[3], f[5], f[6], p);
            if (!strchr(p, '\n'))
                fputc('\n', out);
        } else {
            fputs(line, out);
        }
    }
    fclose(in);
    return fclose(out) == 0 ? 0 : -1;
}

int test_wait_greeting(int port, const char *prefix, int timeout_s)
{
    struct timespec start, now;

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        char buf[64];
        bool ok = false;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            struct pollfd p = { .fd = fd, .events = POLLIN };
            ssize_t n;
            ok = !prefix || (poll(&p, 1, 2000) == 1 &&
                             (n = read(fd, buf, sizeof buf)) >= (ssize_t)strlen(prefix) &&
                             memcmp(buf, prefix, strlen(prefix)) == 0);
        }
        if (fd >= 0)
            close(fd);
        if (ok)
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= timeout_s)
            return -1;
        /* poll interval while the server comes up */
        nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
    }
}

int test_wait_banner(int port, bool implicit_tls, int timeout_s)
{
    return test_wait_greeting(port, implicit_tls ? NULL : "220", timeout_s);
}

static void dump_maillog(const struct test_postfix *pf)
{
    test_sh("/dev/stderr", "tail -20 %s", pf->maillog);   /* test_sh redirects: log there */
}

int test_postfix_start_opts(struct test_postfix *pf, const char *domain,
                            const struct test_postfix_opts *o)
{
    struct passwd *pw = getpwnam("postfix");
    char cadir[320], mx[160], implicit[160];
    const char *names[] = { mx, implicit, NULL };

    memset(pf, 0, sizeof *pf);
    pf->lock_fd = -1;
    snprintf(pf->domain, sizeof pf->domain, "%s", domain);
    pf->extra_addresses = o && o->extra_addresses > 0 ?
                          (o->extra_addresses > 8 ? 8 : o->extra_addresses) : 0;
    snprintf(mx, sizeof mx, "mx.%s", domain);
    snprintf(implicit, sizeof implicit, "implicit.%s", domain);
    if (!pw) {
        fprintf(stderr, "test_postfix_start: no postfix user (is Debian postfix installed?)\n");
        return -1;
    }
    if (take_slot(pf) < 0 || list_slots() < 0)
        return -1;
    snprintf(cadir, sizeof cadir, "%s/ca", pf->dir);
    snprintf(pf->maillog, sizeof pf->maillog, "%s/maillog", pf->dir);
    snprintf(pf->mailbox, sizeof pf->mailbox, "%s/mail/%s/new", pf->dir, domain);
    pf->port = test_free_port();
    do
        pf->smtps_port = test_free_port();
    while (pf->smtps_port == pf->port);
    if (o && o->sasl_path) {
        snprintf(pf->sasl_path, sizeof pf->sasl_path, "%s", o->sasl_path);
        do
            pf->submission_port = test_free_port();
        while (pf->submission_port == pf->port || pf->submission_port == pf->smtps_port);
        snprintf(pf->submission_spec, sizeof pf->submission_spec, "127.0.0.1:%d",
                 pf->submission_port);
    }
    snprintf(pf->spec, sizeof pf->spec, "127.0.0.1:%d", pf->port);
    snprintf(pf->smtps_spec, sizeof pf->smtps_spec, "127.0.0.1:%d", pf->smtps_port);
    if (o && o->ca)
        pf->ca = *o->ca;
    if (pf->port < 0 || pf->smtps_port < 0 ||
        (!(o && o->ca) && test_ca_make(&pf->ca, cadir, names) < 0) ||
        write_main_cf(pf, pw, o) < 0 || write_master_cf(pf) < 0 ||
        test_sh(NULL, "mkdir -p %1$s/queue %1$s/data %1$s/mail && chown postfix:postfix "
                "%1$s/data %1$s/mail", pf->dir) != 0) {
        fprintf(stderr, "test_postfix_start: set-up of %s failed\n", pf->dir);
        return -1;
    }
    if (test_sh(pf->maillog, "postfix -c %s start", pf->dir) != 0) {
        fprintf(stderr, "test_postfix_start: postfix start failed:\n");
        dump_maillog(pf);
        return -1;
    }
    pf->running = true;
    if (test_wait_banner(pf->port, false, 20) < 0 ||
        test_wait_banner(pf->smtps_port, true, 20) < 0 ||
        (pf->submission_port && test_wait_banner(pf->submission_port, false, 20) < 0)) {
        fprintf(stderr, "test_postfix_start: no banner on port %d\n", pf->port);
        dump_maillog(pf);
        return -1;
    }
    return 0;
}

int test_postfix_start(struct test_postfix *pf, const char *domain)
{
    return test_postfix_start_opts(pf, domain, NULL);
}

int test_postfix_start_sasl(struct test_postfix *pf, const char *domain, const char *sasl_path)
{
    struct test_postfix_opts o = { .sasl_path = sasl_path };

    return test_postfix_start_opts(pf, domain, &o);
}

void test_postfix_stop(struct test_postfix *pf)
{
    if (pf->dir[0]) {
        test_sh(NULL, "postfix -c %s stop", pf->dir);
        test_sh(NULL, "rm -rf %s", pf->dir);
    }
    if (pf->lock_fd >= 0)
        close(pf->lock_fd);
    pf->lock_fd = -1;
    pf->running = false;
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    size_t n;

    if (!fp)
        return NULL;
    buf = malloc(1024 * 1024 + 1);
    if (buf) {
        n = fread(buf, 1, 1024 * 1024, fp);
        buf[n] = '\0';
    }
    fclose(fp);
    return buf;
}

int test_postfix_wait_message(const struct test_postfix *pf, const char *needle,
                              int timeout_s, char **content)
{
    *content = NULL;
    for (int i = 0; i < timeout_s * 20; i++) {
        DIR *d = opendir(pf->mailbox);
        struct dirent *de;
        char path[700];

        while (d && (de = readdir(d))) {
            char *text;
            if (de->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", pf->mailbox, de->d_name);
            text = slurp(path);
            if (text && strstr(text, needle)) {
                closedir(d);
                *content = text;
                return 0;
            }
            free(text);
        }
        if (d)
            closedir(d);
        /* poll interval: delivery is asynchronous after the 250 */
        nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
    }
    return -1;
}

int test_server_spawn(char *const argv[], int *pid, int *port)
{
    int fds[2];
    pid_t parent = getpid(), child;
    char buf[32];
    size_t n = 0;
    struct pollfd p;

    if (pipe(fds) < 0)
        return -1;
    child = fork();
    if (child < 0)
        return -1;
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    p.fd = fds[0];
    p.events = POLLIN;
    while (n < sizeof buf - 1 && !memchr(buf, '\n', n) && poll(&p, 1, 15000) == 1) {
        ssize_t r = read(fds[0], buf + n, sizeof buf - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fds[0]);
    buf[n] = '\0';
    *pid = child;
    *port = (int)strtol(buf, NULL, 10);
    if (*port <= 0 || *port > 65535) {
        fprintf(stderr, "test_server_spawn: %s printed no port\n", argv[0]);
        test_server_kill(child);
        return -1;
    }
    return 0;
}

void test_server_kill(int pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

int test_server_wait(int pid, int timeout_s)
{
    struct pollfd p = { .fd = pidfd_open((pid_t)pid, 0), .events = POLLIN };
    int rc = 0;

    if (p.fd < 0)
        return -1;
    if (poll(&p, 1, timeout_s * 1000) != 1)
        rc = -1;
    close(p.fd);
    if (rc)
        kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return rc;
}

/* Lines of the log holding needle. */
static long log_count(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "r");
    char line[2048];
    long n = 0;

    if (!fp)
        return 0;
    while (fgets(line, sizeof line, fp))
        n += strstr(line, needle) != NULL;
    fclose(fp);
    return n;
}

long test_postfix_connections(const struct test_postfix *pf, int timeout_s)
{
    static const char lost[] = "lost connection after CONNECT";
    long before = log_count(pf->maillog, lost);
    struct timespec end, now;

    if (test_wait_banner(pf->port, false, timeout_s) < 0)    /* the marker */
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout_s;
    for (;;) {
        struct pollfd none = { .fd = -1 };
        long l = log_count(pf->maillog, lost);
        long c = log_count(pf->maillog, ": connect from ");
        /* the marker logged, and every session so far ended (smtpd logs
         * each in its own process, so lines of sessions interleave) */
        if (l > before && c == log_count(pf->maillog, ": disconnect from "))
            return c - l;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > end.tv_sec)
            return -1;
        poll(&none, 0, 20);               /* poll the log, not a blind wait */
    }
}
