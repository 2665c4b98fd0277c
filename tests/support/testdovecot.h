/*
 * testdovecot.h - a real Dovecot (Debian dovecot-core, dovecot-imapd for
 * IMAP) for integration tests: SASL for the test Postfix's submission
 * service, and IMAP over TLS for mail read-back tests.
 *
 * test_dovecot_start() writes a throwaway config in its own directory (no
 * include of /etc/dovecot), with one passwd-file user, and runs
 * `dovecot -c CONF`:
 *   - base_dir, state_dir and the log (DIR/dovecot.log) under DIR;
 *   - passdb and userdb: passwd-file DIR/passwd, one line
 *     "USER:{PLAIN}PASSWORD:UID:GID::HOME", mail_location = maildir:~;
 *   - auth_mechanisms = plain login, auth_failure_delay = 0 (tests stay fast),
 *     auth_verbose = yes (the log says "Password mismatch" for a wrong one);
 *   - an auth socket DIR/auth-client for Postfix (smtpd_sasl_type = dovecot,
 *     smtpd_sasl_path = that path), owned by the postfix user, mode 0660;
 *   - with imaps set: protocols = imap, an imaps listener on 127.0.0.1 at a
 *     free port with the given certificate (plain imap disabled); else no
 *     protocol at all (auth only).
 * It polls until the auth socket accepts connections (and the imaps port
 * does); it never sleeps blindly.  test_dovecot_stop() always runs
 * `doveadm -c CONF stop`, kills what is left and removes DIR.
 * Needs root (as the test Postfix does).
 */
#ifndef MAILCTL_TESTDOVECOT_H
#define MAILCTL_TESTDOVECOT_H

#include <stdbool.h>

struct test_dovecot_params {
    const char *user;          /* the passwd-file user (required) */
    const char *password;      /* its password (required) */
    const char *home;          /* its home = Maildir; NULL: DIR/home */
    const char *cert_file;     /* TLS certificate chain (PEM); required with imaps */
    const char *key_file;      /* its key */
    bool imaps;                /* IMAP over TLS on a free port */
};

struct test_dovecot {
    char dir[256];             /* throwaway directory */
    char conf[300];            /* DIR/dovecot.conf */
    char auth_socket[300];     /* DIR/auth-client: smtpd_sasl_path for Postfix */
    char log[300];             /* DIR/dovecot.log */
    int imaps_port;            /* 0 without imaps */
    bool running;
};

/* Start Dovecot.  Returns 0, or -1 with a message and the log's tail on
 * stderr (call test_dovecot_stop() either way). */
int test_dovecot_start(struct test_dovecot *dv, const struct test_dovecot_params *p);
void test_dovecot_stop(struct test_dovecot *dv);

#endif
