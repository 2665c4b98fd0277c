/*
 * testdovecot.h - a real Dovecot (Debian dovecot-core, dovecot-imapd,
 * dovecot-pop3d) for integration tests: SASL for the test Postfix's
 * submission service, and IMAP/IMAPS/POP3/POP3S listeners for mail
 * read-back (send-test --check-imap) and port-probe tests.
 *
 * test_dovecot_start() writes a throwaway config in its own directory (no
 * include of /etc/dovecot) and runs `dovecot -c CONF`:
 *   - base_dir, state_dir and the log (DIR/dovecot.log) under DIR;
 *   - passdb and userdb: passwd-file DIR/passwd, one line per user
 *     "USER:{PLAIN}PASSWORD:UID:GID::HOME", mail_location = maildir:~ (or
 *     params.mail_location);
 *   - auth_mechanisms = plain login, auth_failure_delay = 0 (tests stay fast),
 *     auth_verbose = yes (the log says "Password mismatch" for a wrong one);
 *   - an auth socket DIR/auth-client for Postfix (smtpd_sasl_type = dovecot,
 *     smtpd_sasl_path = that path), owned by the postfix user, mode 0660;
 *   - each listener asked for (imaps, imap, pop3s, pop3) on 127.0.0.1 at its
 *     own free port; TLS with the given certificate unless no_tls;
 *     ssl = required unless plaintext_auth (note: Dovecot counts a connection
 *     from 127.0.0.1 to 127.0.0.1 as secured and offers login before
 *     STARTTLS on it all the same);
 *   - optionally a mailbox with special_use \Junk (RFC 6154), auto-created.
 * It polls until the auth socket and every listener answer; it never sleeps
 * blindly.  test_dovecot_stop() always runs `doveadm -c CONF stop`, kills
 * what is left and removes DIR.  Needs root (as the test Postfix does).
 */
#ifndef MAILCTL_TESTDOVECOT_H
#define MAILCTL_TESTDOVECOT_H

#include <stdbool.h>
#include <stddef.h>

/* One more passwd-file user; uid/gid 0 mean the postfix user's. */
struct test_dovecot_user {
    const char *name;
    const char *password;
    unsigned uid, gid;
    const char *home;          /* its Maildir with mail_location maildir:~ */
};

struct test_dovecot_params {
    const char *user;          /* the first passwd-file user (required) */
    const char *password;      /* its password (required) */
    const char *home;          /* its home = Maildir; NULL: DIR/home */
    const char *cert_file;     /* TLS certificate chain (PEM); required with TLS */
    const char *key_file;      /* its key */
    bool imaps;                /* IMAP over TLS on a free port */
    bool imap, pop3, pop3s;    /* more listeners, each on its own free port */
    bool no_tls;               /* ssl = no: imap/pop3 without STARTTLS/STLS */
    bool plaintext_auth;       /* disable_plaintext_auth = no, ssl = yes */
    const struct test_dovecot_user *users;   /* more users (may be NULL) */
    size_t nusers;
    const char *mail_location; /* NULL: maildir:~ */
    const char *junk_folder;   /* a mailbox with special_use \Junk, or NULL */
};

struct test_dovecot {
    char dir[256];             /* throwaway directory */
    char conf[300];            /* DIR/dovecot.conf */
    char auth_socket[300];     /* DIR/auth-client: smtpd_sasl_path for Postfix */
    char log[300];             /* DIR/dovecot.log */
    int imaps_port;            /* 0 when not listening */
    int imap_port, pop3_port, pop3s_port;
    bool running;
};

/* Start Dovecot.  Returns 0, or -1 with a message and the log's tail on
 * stderr (call test_dovecot_stop() either way). */
int test_dovecot_start(struct test_dovecot *dv, const struct test_dovecot_params *p);
void test_dovecot_stop(struct test_dovecot *dv);

#endif
