/*
 * testdovecot.h - a real Dovecot (Debian dovecot-imapd, dovecot-pop3d) for
 * integration tests: IMAP/IMAPS/POP3/POP3S listeners on 127.0.0.1, each
 * wanted one on its own free port, passwd-file users, a mail location
 * (typically the test Postfix's virtual Maildir, for a deliver-then-read
 * round trip), optionally a SASL auth socket for Postfix (smtpd_sasl_type =
 * dovecot).
 *
 * test_dovecot_start() writes a throwaway config in a fresh directory
 * (base_dir, state_dir, log in it), runs `dovecot -F -c CONF` as a child
 * that dies with the test (PR_SET_PDEATHSIG), and polls every wanted port
 * until it answers (no blind sleep).  test_dovecot_stop() runs `doveadm -c
 * CONF stop`, reaps the child and removes the directory; always call it
 * (cmocka group teardown).
 */
#ifndef MAILCTL_TESTDOVECOT_H
#define MAILCTL_TESTDOVECOT_H

#include <stdbool.h>
#include <stddef.h>

#include "testpostfix.h"

struct test_dovecot_user {
    const char *name;          /* login name ("user@example.test" is fine) */
    const char *password;      /* stored {PLAIN} in the passwd-file */
    unsigned uid, gid;         /* the mail files' owner (e.g. the postfix uid) */
    const char *home;          /* the user's home; mail_location "maildir:~" uses it */
};

struct test_dovecot_params {
    bool imap, imaps, pop3, pop3s;       /* listeners wanted */
    bool plaintext_auth;                 /* allow LOGIN/USER before STARTTLS; else
                                            ssl = required (also on loopback) */
    bool no_tls;                         /* ssl = no: plain listeners without
                                            STARTTLS/STLS (imaps/pop3s not allowed) */
    const struct test_dovecot_user *users;
    size_t nusers;
    const char *mail_location;           /* NULL: "maildir:~" */
    const char *junk_folder;             /* a mailbox made with special_use \Junk, or NULL */
    const struct test_ca *ca;            /* certificate to serve (required for TLS) */
    bool auth_socket;                    /* a unix auth listener for Postfix SASL */
};

struct test_dovecot {
    char dir[256];
    char conf[300];
    char log[300];
    char auth_socket[300];               /* when asked: its path */
    int imap_port, imaps_port, pop3_port, pop3s_port;   /* 0: not listening */
    int pid;
    bool running;
};

/* Start Dovecot.  Returns 0 or -1 (message and log tail on stderr). */
int test_dovecot_start(struct test_dovecot *dv, const struct test_dovecot_params *p);
void test_dovecot_stop(struct test_dovecot *dv);

#endif
