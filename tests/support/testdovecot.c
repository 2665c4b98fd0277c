/*
 * testdovecot.c - a real Dovecot on loopback for tests (see testdovecot.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testdovecot.h"
#include "testenv.h"

static int write_users(const struct test_dovecot *dv, const struct test_dovecot_params *p)
{
    char path[320];
    FILE *fp;

    snprintf(path, sizeof path, "%s/users", dv->dir);
    if (!(fp = fopen(path, "w")))
        return -1;
    for (size_t i = 0; i < p->nusers; i++) {
        const struct test_dovecot_user *u = &p->users[i];
        fprintf(fp, "%s:{PLAIN}%s:%u:%u::%s\n", u->name, u->password, u->uid, u->gid,
                u->home);
    }
    return fclose(fp) == 0 ? 0 : -1;
}

static void listener(FILE *fp, const char *name, int port, bool ssl)
{
    fprintf(fp, "  inet_listener %s {\n    address = 127.0.0.1\n    port = %d\n%s  }\n",
            name, port, ssl ? "    ssl = yes\n" : "");
}

static int write_conf(const struct test_dovecot *dv, const struct test_dovecot_params *p)
{
    FILE *fp = fopen(dv->conf, "w");
    unsigned low = 1;

    if (!fp)
        return -1;
    fprintf(fp,
        "# throwaway test config (tests/support/testdovecot.c)\n"
        "base_dir = %1$s/run\nstate_dir = %1$s/state\n"
        "log_path = %2$s\ninfo_log_path = %2$s\n"
        "listen = 127.0.0.1\nprotocols = imap pop3\n"
        "ssl = %3$s\n"
        "disable_plaintext_auth = %4$s\nauth_mechanisms = plain login\n"
        "first_valid_uid = %5$u\nfirst_valid_gid = %5$u\n"
        "mail_location = %6$s\n"
        "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN %1$s/users\n}\n"
        "userdb {\n  driver = passwd-file\n  args = %1$s/users\n}\n",
        dv->dir, dv->log,
        /* "required" also refuses login before TLS from 127.0.0.1, which
           Dovecot otherwise counts as a secured (local) connection */
        p->ca && !p->no_tls ? (p->plaintext_auth ? "yes" : "required") : "no",
        p->plaintext_auth ? "no" : "yes", low,
        p->mail_location ? p->mail_location : "maildir:~");
    if (p->ca && !p->no_tls)
        fprintf(fp, "ssl_cert = <%s\nssl_key = <%s\n", p->ca->cert_file, p->ca->key_file);
    fprintf(fp, "namespace inbox {\n  inbox = yes\n");
    if (p->junk_folder)
        fprintf(fp, "  mailbox \"%s\" {\n    special_use = \\Junk\n    auto = create\n  }\n",
                p->junk_folder);
    fprintf(fp, "}\nservice imap-login {\n");
    listener(fp, "imap", dv->imap_port, false);
    listener(fp, "imaps", dv->imaps_port, true);
    fprintf(fp, "}\nservice pop3-login {\n");
    listener(fp, "pop3", dv->pop3_port, false);
    listener(fp, "pop3s", dv->pop3s_port, true);
    fprintf(fp, "}\n");
    if (p->auth_socket)
        fprintf(fp, "service auth {\n  unix_listener %s {\n    mode = 0666\n  }\n}\n",
                dv->auth_socket);
    return fclose(fp) == 0 ? 0 : -1;
}

static int pick_ports(struct test_dovecot *dv, const struct test_dovecot_params *p)
{
    int *ports[] = { &dv->imap_port, &dv->imaps_port, &dv->pop3_port, &dv->pop3s_port };
    bool want[] = { p->imap, p->imaps, p->pop3, p->pop3s };

    for (size_t i = 0; i < 4; i++) {
        *ports[i] = 0;
        if (!want[i])
            continue;
        for (int tries = 0; tries < 20; tries++) {
            int port = test_free_port();
            bool dup = false;
            for (size_t j = 0; j < i; j++)
                dup |= *ports[j] == port;
            if (port > 0 && !dup) {
                *ports[i] = port;
                break;
            }
        }
        if (!*ports[i])
            return -1;
    }
    return 0;
}

static int spawn(struct test_dovecot *dv)
{
    pid_t parent = getpid(), child = fork();

    if (child < 0)
        return -1;
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        execl("/usr/sbin/dovecot", "dovecot", "-F", "-c", dv->conf, (char *)NULL);
        _exit(127);
    }
    dv->pid = child;
    return 0;
}

static int wait_ready(const struct test_dovecot *dv)
{
    return (dv->imap_port && test_wait_greeting(dv->imap_port, "* OK", 20) < 0) ||
           (dv->imaps_port && test_wait_greeting(dv->imaps_port, NULL, 20) < 0) ||
           (dv->pop3_port && test_wait_greeting(dv->pop3_port, "+OK", 20) < 0) ||
           (dv->pop3s_port && test_wait_greeting(dv->pop3s_port, NULL, 20) < 0) ? -1 : 0;
}

int test_dovecot_start(struct test_dovecot *dv, const struct test_dovecot_params *p)
{
    char tmpl[] = "/tmp/mailctl-dovecot-XXXXXX";

    memset(dv, 0, sizeof *dv);
    if (access("/usr/sbin/dovecot", X_OK) != 0) {
        fprintf(stderr, "test_dovecot_start: no /usr/sbin/dovecot (install dovecot-imapd)\n");
        return -1;
    }
    if (!mkdtemp(tmpl))
        return -1;
    snprintf(dv->dir, sizeof dv->dir, "%s", tmpl);
    snprintf(dv->conf, sizeof dv->conf, "%s/dovecot.conf", dv->dir);
    snprintf(dv->log, sizeof dv->log, "%s/dovecot.log", dv->dir);
    snprintf(dv->auth_socket, sizeof dv->auth_socket, "%s/auth", dv->dir);
    if ((p->no_tls || !p->ca) && (p->imaps || p->pop3s)) {
        fprintf(stderr, "test_dovecot_start: imaps/pop3s need a certificate and TLS\n");
        return -1;
    }
    if (pick_ports(dv, p) < 0 || write_users(dv, p) < 0 || write_conf(dv, p) < 0 ||
        test_sh(NULL, "chmod 755 %s", dv->dir) != 0 || spawn(dv) < 0) {
        fprintf(stderr, "test_dovecot_start: set-up of %s failed\n", dv->dir);
        return -1;
    }
    dv->running = true;
    if (wait_ready(dv) < 0) {
        fprintf(stderr, "test_dovecot_start: Dovecot did not answer; log:\n");
        test_sh(NULL, "tail -20 %s >&2", dv->log);
        return -1;
    }
    return 0;
}

void test_dovecot_stop(struct test_dovecot *dv)
{
    if (dv->running) {
        test_sh(NULL, "doveadm -c %s stop", dv->conf);
        /* the master exits once its children have; bounded, then forced */
        for (int i = 0; i < 100 && waitpid(dv->pid, NULL, WNOHANG) == 0; i++)
            nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
        if (kill(dv->pid, 0) == 0) {
            kill(dv->pid, SIGKILL);
            waitpid(dv->pid, NULL, 0);
        }
    }
    if (dv->dir[0])
        test_sh(NULL, "rm -rf %s", dv->dir);
    dv->running = false;
}
