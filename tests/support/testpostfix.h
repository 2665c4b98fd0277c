/*
 * testpostfix.h - a real Postfix (Debian postfix) for integration tests, and
 * the test certificate authority its TLS uses.
 *
 * test_ca_make() makes, with the openssl command, a CA and a server
 * certificate signed by it (SANs: the given DNS names, localhost and
 * 127.0.0.1), plus a second unrelated CA for verification-failure tests.
 *
 * test_postfix_start() runs Postfix on 127.0.0.1 with a throwaway config
 * directory (one of a fixed set of slots under /tmp/mailctl-postfix, each
 * listed once in /etc/postfix/main.cf's alternate_config_directories and
 * held with a lock while in use, so parallel tests never share one):
 * smtpd with STARTTLS on one free port, smtps (implicit TLS) on another,
 * mail for DOMAIN delivered by virtual(8) to MAILBASE/DOMAIN/ as a Maildir.
 * It polls until the banner answers (no blind sleep).  test_postfix_stop()
 * always runs `postfix -c D stop` and removes the directory.
 */
#ifndef MAILCTL_TESTPOSTFIX_H
#define MAILCTL_TESTPOSTFIX_H

#include <stdbool.h>
#include <stddef.h>

struct test_ca {
    char dir[256];
    char ca_file[320];        /* the test CA (PEM) */
    char cert_file[320];      /* server certificate chain (PEM) */
    char key_file[320];       /* its key */
    char wrong_ca_file[320];  /* a CA that signed nothing here */
};

/* Make the CA and a server certificate for names (NULL-terminated) in dir
 * (created if missing).  Returns 0 or -1 (message on stderr). */
int test_ca_make(struct test_ca *ca, const char *dir, const char *const *names);

/* Issue another server certificate from ca for names (NULL-terminated;
 * the first is the CN) into cert_file/key_file.  expired: valid from 60 to
 * 30 days ago (made with faketime, Debian faketime).  0 or -1. */
int test_ca_issue(const struct test_ca *ca, const char *cert_file, const char *key_file,
                  const char *const *names, bool expired);

/* Variants of the test Postfix (all optional). */
struct test_postfix_opts {
    const struct test_ca *ca;      /* use this CA's server certificate instead of a
                                      new CA (so several servers share one --ca-file) */
    const char *cert_file;         /* with key_file: this certificate instead */
    const char *key_file;
    const char *main_cf_extra;     /* lines appended to main.cf (last one wins) */
    const char *sasl_path;         /* a Dovecot auth socket: also run the SASL
                                      submission service (test_postfix_start_sasl) */
    int extra_addresses;           /* also listen (smtpd + STARTTLS, same port) on
                                      127.0.0.2 .. 127.0.0.(1+N), N <= 8, each
                                      logging as postfix/aK (K = 2..) */
};

struct test_postfix {
    char dir[256];            /* config dir D */
    char domain[128];
    char mailbox[400];        /* D/mail/DOMAIN/new */
    char maillog[300];
    int port;                 /* smtpd + STARTTLS */
    int smtps_port;           /* implicit TLS */
    char spec[64];            /* "127.0.0.1:PORT" */
    char smtps_spec[64];
    int submission_port;      /* SASL submission (test_postfix_start_sasl), else 0 */
    char submission_spec[64];
    char sasl_path[300];
    struct test_ca ca;
    int lock_fd;
    bool running;
    int extra_addresses;
};

/* Start Postfix for domain.  Returns 0 or -1 (message and log on stderr). */
int test_postfix_start(struct test_postfix *pf, const char *domain);
/* The same plus a submission service on another free port (submission_port,
 * submission_spec) that offers AUTH through Dovecot SASL (smtpd_sasl_type =
 * dovecot, smtpd_sasl_path = sasl_path: a Dovecot auth socket, e.g.
 * test_dovecot's auth_socket), only after STARTTLS (smtpd_tls_auth_only),
 * accepts mail only from authenticated clients, and records the user in the
 * Received header ("Authenticated sender: USER"). */
int test_postfix_start_sasl(struct test_postfix *pf, const char *domain, const char *sasl_path);
/* The same with variants; o may be NULL. */
int test_postfix_start_opts(struct test_postfix *pf, const char *domain,
                            const struct test_postfix_opts *o);
void test_postfix_stop(struct test_postfix *pf);

/* Wait (polling, up to timeout_s) for a delivered message containing needle
 * in pf->mailbox; *content gets it (malloc, NUL-terminated).  0 or -1. */
int test_postfix_wait_message(const struct test_postfix *pf, const char *needle,
                              int timeout_s, char **content);

/* SMTP connections the server has logged, after a marker connection of
 * its own (connect, read the banner, close) shows in the log: every
 * connection made before the call is counted (its "connect from" is logged
 * before the marker's), markers and banner waits excluded.  Polls up to
 * timeout_s.  Take the difference of two calls.  -1 on timeout. */
long test_postfix_connections(const struct test_postfix *pf, int timeout_s);

/* Run a shell command line, output appended to log (may be NULL: /dev/null).
 * Returns its exit status or -1. */
int test_sh(const char *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Connect to 127.0.0.1:port and read until "220" arrives, polling up to
 * timeout_s.  implicit_tls: only check that the port accepts connections.
 * 0 when it answered, -1 otherwise. */
int test_wait_banner(int port, bool implicit_tls, int timeout_s);
/* Connect to 127.0.0.1:port and read until the reply starts with prefix
 * ("220", "* OK", "+OK"; NULL: only connect), polling up to timeout_s.
 * 0 when it answered, -1 otherwise. */
int test_wait_greeting(int port, const char *prefix, int timeout_s);

/* Start a helper server program (argv[0] a path, NULL-terminated) that
 * prints its TCP port on the first line of stdout; waits up to 15 s for it.
 * The child dies with the test (PR_SET_PDEATHSIG).  Returns 0 with *pid and
 * *port, or -1. */
int test_server_spawn(char *const argv[], int *pid, int *port);
/* SIGKILL and reap. */
void test_server_kill(int pid);
/* Wait up to timeout_s for a server that stops by itself (one that serves a
 * single connection) to exit, and reap it: after this, whatever it wrote is
 * complete.  0 when it exited; -1 on timeout (then it is killed). */
int test_server_wait(int pid, int timeout_s);

#endif
