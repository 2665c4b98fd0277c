/*
 * test_send_auth.c - `mailctl send-test --user` against a real submission
 * service: Postfix's smtpd with Dovecot SASL (a real Dovecot auth server with
 * a passwd-file user), STARTTLS verified with the test CA, AUTH only after
 * TLS.  AUTH PLAIN and AUTH LOGIN, each with the right password (exit 0,
 * delivered, Postfix records the authenticated user) and a wrong one (exit
 * 1, a clear 535 error); the secret never appears on stdout or stderr, in
 * clear or in base64.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "testdovecot.h"
#include "testenv.h"
#include "testpostfix.h"

#define DOMAIN   "sendauth.example"
#define USER     "alice"
#define PASSWORD "Dove-s3cret-Pw!"
#define WRONG    "Wrong-guess-Pw9"

static struct test_dovecot dv;
static struct test_postfix pf;
static char pwfile[400], wrongfile[400];

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static int start(void **state)
{
    const struct test_dovecot_params dp = { .user = USER, .password = PASSWORD };

    if (test_dovecot_start(&dv, &dp) < 0) {
        test_dovecot_stop(&dv);
        return -1;
    }
    if (test_postfix_start_sasl(&pf, DOMAIN, dv.auth_socket) < 0) {
        test_postfix_stop(&pf);
        test_dovecot_stop(&dv);
        return -1;
    }
    snprintf(pwfile, sizeof pwfile, "%s/pw", pf.ca.dir);
    snprintf(wrongfile, sizeof wrongfile, "%s/wrong", pf.ca.dir);
    write_file(pwfile, PASSWORD "\n");
    write_file(wrongfile, WRONG "\n");
    return 0;
}

static int stop(void **state)
{
    test_postfix_stop(&pf);
    test_dovecot_stop(&dv);
    return 0;
}

/* send-test to the submission port as USER with the password in file. */
static void send(struct test_out *out, const char *mech, const char *file, const char *to,
                 bool json)
{
    char *argv[] = { (char *)test_mailctl(), "--ca-file", pf.ca.ca_file, "--timeout", "10",
                     "send-test", "--from", USER "@" DOMAIN, "--to", (char *)to, "--server",
                     pf.submission_spec, "--user", USER, "--password-file", (char *)file,
                     "--auth-mech", (char *)mech, json ? "--json" : NULL, NULL };

    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, out), 0);
}

/* Neither the secret nor its base64 (also in the PLAIN "\0user\0pw" form). */
static void no_secret(const struct test_out *out, const char *pw, const char *const b64[])
{
    assert_null(strstr(out->out, pw));
    assert_null(strstr(out->err, pw));
    for (size_t i = 0; b64[i]; i++) {
        assert_null(strstr(out->out, b64[i]));
        assert_null(strstr(out->err, b64[i]));
    }
}

/* base64 fragments: "Dove-s3cret" and the PLAIN blob "\0alice\0Dove-s3cret-Pw!". */
static const char *const right_b64[] = { "RG92ZS1zM2NyZXQ", "AGFsaWNlAERvdmUt", NULL };
static const char *const wrong_b64[] = { "V3JvbmctZ3Vlc3M", "AGFsaWNlAFdyb25n", NULL };

static void right_password(const char *mech, const char *to, const char *shown)
{
    struct test_out out;
    char *msg;

    send(&out, mech, pwfile, to, false);
    if (out.status != 0)
        fail_msg("%s: exit %d: %s %s", mech, out.status, out.out, out.err);
    assert_non_null(strstr(out.out, shown));
    assert_non_null(strstr(out.out, "235"));
    no_secret(&out, PASSWORD, right_b64);
    if (test_postfix_wait_message(&pf, to, 15, &msg) < 0)
        fail_msg("no message to %s in %s", to, pf.mailbox);
    /* Postfix says who authenticated: the SASL login really happened. */
    assert_non_null(strstr(msg, "Authenticated sender: " USER));
    free(msg);
    test_out_free(&out);
}

static void wrong_password(const char *mech, const char *shown)
{
    struct test_out out;
    json_t *doc, *reply;
    json_error_t e;

    send(&out, mech, wrongfile, "nobody@" DOMAIN, true);
    assert_int_equal(out.status, 1);
    doc = json_loads(out.out, 0, &e);
    if (!doc)
        fail_msg("not JSON: %s", out.out);
    assert_false(json_is_true(json_object_get(doc, "delivered")));
    reply = json_object_get(doc, "reply");
    assert_int_equal(json_integer_value(json_object_get(reply, "code")), 535);
    assert_non_null(strstr(out.out, shown));
    assert_null(strstr(out.out, "MAIL FROM"));     /* nothing sent after the failure */
    assert_non_null(strstr(out.err, "AUTH: server replied 535"));
    no_secret(&out, WRONG, wrong_b64);
    /* Refused for the password itself, not for a broken set-up. */
    assert_int_equal(test_sh(NULL, "grep -q 'Password mismatch' %s", dv.log), 0);
    json_decref(doc);
    test_out_free(&out);
}

static void auth_plain_right(void **state)
{
    right_password("plain", "plain@" DOMAIN, "C: AUTH PLAIN ***");
}

static void auth_login_right(void **state)
{
    right_password("login", "login@" DOMAIN, "C: AUTH LOGIN");
}

static void auth_plain_wrong(void **state) { wrong_password("plain", "AUTH PLAIN ***"); }
static void auth_login_wrong(void **state) { wrong_password("login", "AUTH LOGIN"); }

/* Without AUTH the submission service takes nothing. */
static void unauthenticated_refused(void **state)
{
    char *argv[] = { (char *)test_mailctl(), "--ca-file", pf.ca.ca_file, "--timeout", "10",
                     "send-test", "--from", USER "@" DOMAIN, "--to", "x@" DOMAIN, "--server",
                     pf.submission_spec, NULL };
    struct test_out out;

    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.err, "replied 5"));
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auth_plain_right),
        cmocka_unit_test(auth_login_right),
        cmocka_unit_test(auth_plain_wrong),
        cmocka_unit_test(auth_login_wrong),
        cmocka_unit_test(unauthenticated_refused),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
