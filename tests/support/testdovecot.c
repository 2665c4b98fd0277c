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
static void listener(FILE *fp, const char *name, int port, bool ssl)
{
    fprintf(fp, "  inet_listener %s {\n    address = 127.0.0.1\n    port = %d\n%s  }\n",
            name, port, ssl ? "    ssl = yes\n" : "");
}

/* TLS, the listeners and the junk folder. */
static void write_services(FILE *fp, const struct test_dovecot *dv,
                           const struct test_dovecot_params *p)
{
    bool tls = !p->no_tls && p->cert_file;

    if (tls)
        fprintf(fp, "ssl = %s\nssl_cert = <%s\nssl_key = <%s\n",
                p->plaintext_auth ? "yes" : "required", p->cert_file, p->key_file);
    else
        fprintf(fp, "ssl = no\n");
    fprintf(fp, "disable_plaintext_auth = %s\n", p->plaintext_auth ? "no" : "yes");
    fprintf(fp, "service imap-login {\n");
    listener(fp, "imap", dv->imap_port, false);
    listener(fp, "imaps", dv->imaps_port, true);
    fprintf(fp, "}\nservice pop3-login {\n");
    listener(fp, "pop3", dv->pop3_port, false);
    listener(fp, "pop3s", dv->pop3s_port, true);
    fprintf(fp, "}\nnamespace inbox {\n  inbox = yes\n");
    if (p->junk_folder)
        fprintf(fp, "  mailbox \"%s\" {\n    special_use = \\Junk\n    auto = create\n  }\n",
                p->junk_folder);
    fprintf(fp, "}\n");
}

static int write_conf(const struct test_dovecot *dv, const struct test_dovecot_params *p,
                      const struct passwd *pw)
{
    bool imap = dv->imap_port || dv->imaps_port, pop3 = dv->pop3_port || dv->pop3s_port;
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
        "mail_location = %9$s\n"
        "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN %1$s/passwd\n}\n"
        "userdb {\n  driver = passwd-file\n  args = %1$s/passwd\n}\n"
        "service auth {\n  unix_listener %6$s {\n    mode = 0660\n    user = %7$s\n"
        "    group = %8$s\n  }\n}\n",
        dv->dir, dv->log, imap && pop3 ? "imap pop3" : imap ? "imap" : pop3 ? "pop3" : "none",
        (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, dv->auth_socket, pw->pw_name, gr->gr_name,
        p->mail_location ? p->mail_location : "maildir:~");
    write_services(fp, dv, p);
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
    for (size_t i = 0; i < p->nusers; i++) {
        const struct test_dovecot_user *u = &p->users[i];
        fprintf(fp, "%s:{PLAIN}%s:%u:%u::%s\n", u->name, u->password,
                u->uid ? u->uid : (unsigned)pw->pw_uid, u->gid ? u->gid : (unsigned)pw->pw_gid,
                u->home);
    }
    /* Dovecot's auth process runs as user dovecot: it must read the file. */
    if (fclose(fp) != 0 || chmod(path, 0644) != 0)
        return -1;
    return p->home ? 0 : test_sh(NULL, "mkdir -p %s && chown %u:%u %s", home,
                                 (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, home);
}

/* A distinct free port for each listener asked for. */
static int pick_ports(struct test_dovecot *dv, const struct test_dovecot_params *p)
{
    int *ports[] = { &dv->imaps_port, &dv->imap_port, &dv->pop3_port, &dv->pop3s_port };
    bool want[] = { p->imaps, p->imap, p->pop3, p->pop3s };

    for (size_t i = 0; i < 4; i++) {
        for (int tries = 0; want[i] && tries < 20 && !*ports[i]; tries++) {
            int port = test_free_port();
            bool dup = port <= 0;
            for (size_t j = 0; j < i; j++)
                dup |= *ports[j] == port;
            if (!dup)
                *ports[i] = port;
        }
        if (want[i] && !*ports[i])
            return -1;
    }
    return 0;
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
    return (dv->imaps_port && test_wait_greeting(dv->imaps_port, NULL, timeout_s) < 0) ||
           (dv->pop3s_port && test_wait_greeting(dv->pop3s_port, NULL, timeout_s) < 0) ||
           (dv->imap_port && test_wait_greeting(dv->imap_port, "* OK", timeout_s) < 0) ||
           (dv->pop3_port && test_wait_greeting(dv->pop3_port, "+OK", timeout_s) < 0) ? -1 : 0;
}

int test_dovecot_start(struct test_dovecot *dv, const struct test_dovecot_params *p)
{
    struct passwd *pw = getpwnam("postfix");
    char tmpl[] = "/tmp/mailctl-dovecot-XXXXXX";

    memset(dv, 0, sizeof *dv);
    if (!pw || !p->user || !p->password ||
        ((p->imaps || p->pop3s || ((p->imap || p->pop3) && !p->no_tls)) &&
         (!p->cert_file || !p->key_file || p->no_tls))) {
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
    if (pick_ports(dv, p) < 0)
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
