/*
 * testdovecot.c - a real Dovecot with a throwaway config (see testdovecot.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "testdovecot.h"
#include "testenv.h"
#include "testpostfix.h"

/* The user owns the auth socket and the mail: the postfix user, so that
 * Postfix's smtpd can ask and a Maildir shared with the test Postfix works. */
static int write_conf(const struct test_dovecot *dv, const struct test_dovecot_params *p,
                      const struct passwd *pw)
{
    struct group *gr = getgrgid(pw->pw_gid);
    FILE *fp = fopen(dv->conf, "w");

    if (!fp || !gr) {
        if (fp)
            fclose(fp);
        return -1;
    }
    fprintf(fp,
        "# mailctl tests (tests/support/testdovecot.c): throwaway, nothing shared\n"
        "base_dir = %1$s/run\nstate_dir = %1$s/state\n"
        "log_path = %2$s\ninfo_log_path = %2$s\ndebug_log_path = %2$s\n"
        "listen = 127.0.0.1\nprotocols = %3$s\n"
        "auth_mechanisms = plain login\nauth_failure_delay = 0\nauth_verbose = yes\n"
        "first_valid_uid = %4$u\nfirst_valid_gid = %5$u\n"
        "mail_location = maildir:~\n"
        "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN %1$s/passwd\n}\n"
        "userdb {\n  driver = passwd-file\n  args = %1$s/passwd\n}\n"
        "service auth {\n  unix_listener %6$s {\n    mode = 0660\n    user = %7$s\n"
        "    group = %8$s\n  }\n}\n",
        dv->dir, dv->log, p->imaps ? "imap" : "none", (unsigned)pw->pw_uid,
        (unsigned)pw->pw_gid, dv->auth_socket, pw->pw_name,
        gr->gr_name);
    if (p->imaps)
        fprintf(fp,
            "ssl = required\nssl_cert = <%s\nssl_key = <%s\n"
            "service imap-login {\n  inet_listener imap {\n    port = 0\n  }\n"
            "  inet_listener imaps {\n    address = 127.0.0.1\n    port = %d\n"
            "    ssl = yes\n  }\n}\n",
            p->cert_file, p->key_file, dv->imaps_port);
    else
        fprintf(fp, "ssl = no\n");
    return fclose(fp) == 0 ? 0 : -1;
}

static int write_passwd(const struct test_dovecot *dv, const struct test_dovecot_params *p,
                        const struct passwd *pw)
{
    char path[320], home[400];
    FILE *fp;

    snprintf(path, sizeof path, "%s/passwd", dv->dir);
    snprintf(home, sizeof home, "%s/home", dv->dir);
    if (!(fp = fopen(path, "w")))
        return -1;
    fprintf(fp, "%s:{PLAIN}%s:%u:%u::%s\n", p->user, p->password, (unsigned)pw->pw_uid,
            (unsigned)pw->pw_gid, p->home ? p->home : home);
    /* Dovecot's auth process runs as user dovecot: it must read the file. */
    if (fclose(fp) != 0 || chmod(path, 0644) != 0)
        return -1;
    return p->home ? 0 : test_sh(NULL, "mkdir -p %s && chown %u:%u %s", home,
                                 (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, home);
}

/* Whether the auth socket accepts a connection. */
static bool socket_answers(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok;

    if (strlen(path) >= sizeof sa.sun_path) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static int wait_ready(const struct test_dovecot *dv, int timeout_s)
{
    struct timespec start, now;

    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!socket_answers(dv->auth_socket)) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= timeout_s)
            return -1;
        /* poll interval while Dovecot comes up */
        nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
    }
    return dv->imaps_port ? test_wait_banner(dv->imaps_port, true, timeout_s) : 0;
}

int test_dovecot_start(struct test_dovecot *dv, const struct test_dovecot_params *p)
{
    struct passwd *pw = getpwnam("postfix");
    char tmpl[] = "/tmp/mailctl-dovecot-XXXXXX";

    memset(dv, 0, sizeof *dv);
    if (!pw || !p->user || !p->password || (p->imaps && (!p->cert_file || !p->key_file))) {
        fprintf(stderr, "test_dovecot_start: %s\n", pw ? "user, password (and for imaps "
                "a certificate) are required" : "no postfix user to run the mail as");
        return -1;
    }
    if (!mkdtemp(tmpl))
        return -1;
    snprintf(dv->dir, sizeof dv->dir, "%s", tmpl);
    snprintf(dv->conf, sizeof dv->conf, "%s/dovecot.conf", dv->dir);
    snprintf(dv->auth_socket, sizeof dv->auth_socket, "%s/auth-client", dv->dir);
    snprintf(dv->log, sizeof dv->log, "%s/dovecot.log", dv->dir);
    if (p->imaps && (dv->imaps_port = test_free_port()) < 0)
        return -1;
    /* Postfix's smtpd (user postfix) must reach the socket in DIR. */
    if (chmod(dv->dir, 0755) != 0 || write_conf(dv, p, pw) < 0 || write_passwd(dv, p, pw) < 0) {
        fprintf(stderr, "test_dovecot_start: set-up of %s failed\n", dv->dir);
        return -1;
    }
    if (test_sh(dv->log, "dovecot -c %s", dv->conf) != 0) {
        fprintf(stderr, "test_dovecot_start: dovecot did not start:\n");
        test_sh("/dev/stderr", "tail -20 %s", dv->log);
        return -1;
    }
    dv->running = true;
    if (wait_ready(dv, 20) < 0) {
        fprintf(stderr, "test_dovecot_start: not ready after 20 s:\n");
        test_sh("/dev/stderr", "tail -20 %s", dv->log);
        return -1;
    }
    return 0;
}

void test_dovecot_stop(struct test_dovecot *dv)
{
    char pidfile[320];

    if (dv->running) {
        snprintf(pidfile, sizeof pidfile, "%s/run/master.pid", dv->dir);
        if (test_sh(NULL, "doveadm -c %s stop", dv->conf) != 0)
            test_sh(NULL, "test -s %1$s && kill $(cat %1$s)", pidfile);
    }
    if (dv->dir[0])
        test_sh(NULL, "rm -rf %s", dv->dir);
    dv->running = false;
    dv->dir[0] = '\0';
}
