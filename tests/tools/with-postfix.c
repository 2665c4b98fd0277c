/*
 * with-postfix.c - run a command with the project's test Postfix (and, with
 * -n or -z, the test NSD) on loopback:
 *
 *     with-postfix [-d DOMAIN] [-n | -z ZONEDIR] -- COMMAND [ARGS...]
 *
 * Postfix (tests/support/testpostfix.h) takes mail for DOMAIN (default
 * sendtest.example) over STARTTLS and implicit TLS with a certificate of a
 * test CA made for the run, and delivers it to a Maildir.  COMMAND gets:
 *   MAILCTL_TEST_SMTP      127.0.0.1:PORT (smtpd with STARTTLS)
 *   MAILCTL_TEST_SMTPS     127.0.0.1:PORT (implicit TLS)
 *   MAILCTL_TEST_CA        the test CA (PEM), for --ca-file
 *   MAILCTL_TEST_MAILBOX   the Maildir's new/ directory
 *   MAILCTL_RESOLVER       the test NSD, with -n (testdata/zones) or -z
 * With -i also a Dovecot serving the same Maildir over IMAPS (user
 * postmaster@DOMAIN), and Postfix adds an Authentication-Results field at
 * delivery (header_checks, authserv-id demo-receiver.DOMAIN) so that
 * `send-test --check-imap` has a receiver's verdict to report:
 *   MAILCTL_TEST_IMAPS     127.0.0.1:PORT (IMAP over TLS, test CA)
 *   MAILCTL_TEST_IMAP_USER postmaster@DOMAIN
 *   MAILCTL_IMAP_PASSWORD  its password
 * Everything is stopped when the command ends, whatever its outcome.  Used
 * by `make demo`.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testdovecot.h"
#include "testenv.h"
#include "testpostfix.h"

static int usage(void)
{
    fprintf(stderr, "usage: with-postfix [-d DOMAIN] [-i] [-n | -z ZONEDIR] -- COMMAND "
            "[ARGS...]\n");
    return 2;
}

static int run(char **argv)
{
    int wst = 0;
    pid_t pid;

    signal(SIGINT, SIG_IGN);
    pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &wst, 0) < 0)
        return 3;
    return WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
}

/* header_checks adding the "receiver's" verdict, in dir; extra main.cf. */
static int demo_receiver(const char *domain, const char *dir, char *extra, size_t len)
{
    char path[300];
    FILE *fp;

    snprintf(path, sizeof path, "%s/header_checks", dir);
    if (!(fp = fopen(path, "w")))
        return -1;
    fprintf(fp, "/^Message-ID:/ PREPEND Authentication-Results: demo-receiver.%s;"
                " spf=pass smtp.mailfrom=%s (demo: set by with-postfix header_checks);"
                " dkim=pass header.d=%s; dmarc=pass header.from=%s\n",
            domain, domain, domain, domain);
    if (fclose(fp) != 0)
        return -1;
    snprintf(extra, len, "header_checks = regexp:%s", path);
    return 0;
}

/* Dovecot with IMAPS on the Postfix Maildir of domain. */
static int start_imap(struct test_dovecot *dv, const struct test_postfix *pf,
                      const char *domain, char *user, size_t ulen)
{
    char home[400];
    struct test_dovecot_params p = {
        .user = user, .password = "demo-imap-password", .home = home,
        .cert_file = pf->ca.cert_file, .key_file = pf->ca.key_file, .imaps = true,
    };
    char spec[64];

    snprintf(user, ulen, "postmaster@%s", domain);
    snprintf(home, sizeof home, "%s/mail/%s", pf->dir, domain);
    if (test_sh(NULL, "mkdir -p %1$s/cur %1$s/new %1$s/tmp && chown -R postfix:postfix "
                "%1$s", home) != 0 || test_dovecot_start(dv, &p) < 0)
        return -1;
    snprintf(spec, sizeof spec, "127.0.0.1:%d", dv->imaps_port);
    setenv("MAILCTL_TEST_IMAPS", spec, 1);
    setenv("MAILCTL_TEST_IMAP_USER", user, 1);
    setenv("MAILCTL_IMAP_PASSWORD", p.password, 1);
    return 0;
}

int main(int argc, char **argv)
{
    const char *domain = "sendtest.example", *zones = NULL;
    bool with_nsd = false, with_imap = false;
    struct test_nsd nsd;
    struct test_postfix pf;
    struct test_dovecot dv = {0};
    char extra[400] = "", user[200], tmpl[] = "/tmp/mailctl-with-postfix-XXXXXX";
    int i = 1, rc;

    while (i < argc && strcmp(argv[i], "--") != 0) {
        if (!strcmp(argv[i], "-n")) {
            with_nsd = true;
            i++;
        } else if (!strcmp(argv[i], "-i")) {
            with_imap = true;
            i++;
        } else if (i + 1 < argc && !strcmp(argv[i], "-d")) {
            domain = argv[i + 1];
            i += 2;
        } else if (i + 1 < argc && !strcmp(argv[i], "-z")) {
            with_nsd = true;
            zones = argv[i + 1];
            i += 2;
        } else {
            return usage();
        }
    }
    if (i < argc)
        i++;
    if (i >= argc)
        return usage();
    if (with_nsd) {
        if (test_nsd_start(&nsd, zones) < 0)
            return 3;
        setenv("MAILCTL_RESOLVER", nsd.spec, 1);
    }
    if (with_imap && (!mkdtemp(tmpl) || demo_receiver(domain, tmpl, extra, sizeof extra) < 0))
        return 3;
    if (test_postfix_start_opts(&pf, domain, &(struct test_postfix_opts){
                                    .main_cf_extra = extra[0] ? extra : NULL }) < 0 ||
        (with_imap && start_imap(&dv, &pf, domain, user, sizeof user) < 0)) {
        test_dovecot_stop(&dv);
        test_postfix_stop(&pf);
        if (with_nsd)
            test_nsd_stop(&nsd);
        return 3;
    }
    setenv("MAILCTL_TEST_SMTP", pf.spec, 1);
    setenv("MAILCTL_TEST_SMTPS", pf.smtps_spec, 1);
    setenv("MAILCTL_TEST_CA", pf.ca.ca_file, 1);
    setenv("MAILCTL_TEST_MAILBOX", pf.mailbox, 1);
    rc = run(argv + i);
    test_dovecot_stop(&dv);
    test_postfix_stop(&pf);
    if (with_imap)
        test_sh(NULL, "rm -rf %s", tmpl);
    if (with_nsd)
        test_nsd_stop(&nsd);
    return rc;
}
