/*
 * test_send_test.c - `mailctl send-test` end to end against real parts: a
 * real Postfix on 127.0.0.1 (STARTTLS and implicit TLS with a test-CA
 * certificate, virtual delivery to a Maildir), a real NSD for direct MX
 * delivery, a real aiosmtpd submission server for AUTH, and a scripted
 * hostile SMTP server (tests/servers/hostile_smtp.py) for bad peers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "testenv.h"
#include "testpostfix.h"

#define DOMAIN "sendtest.example"
#define PY "/usr/bin/python3"

static struct test_postfix pf;
static struct test_nsd nsd;
static char servers_dir[300];

static int start(void **state)
{
    snprintf(servers_dir, sizeof servers_dir, "%s/../tests/servers", test_datadir());
    if (test_nsd_start(&nsd, NULL) < 0)
        return -1;
    if (test_postfix_start(&pf, DOMAIN) < 0) {
        test_postfix_stop(&pf);
        test_nsd_stop(&nsd);
        return -1;
    }
    return 0;
}

static int stop(void **state)
{
    test_postfix_stop(&pf);
    test_nsd_stop(&nsd);
    return 0;
}

/* Run mailctl with up to 16 arguments (NULL-terminated list). */
static void mailctl(struct test_out *out, char *const env[], ...)
{
    char *argv[40] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "3" };
    int n = 5;
    va_list ap;
    const char *a;

    va_start(ap, env);
    while ((a = va_arg(ap, const char *)) && n < 38)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    assert_int_equal(test_run(argv, env, NULL, 0, 60, out), 0);
}

static json_t *json_of(const struct test_out *out)
{
    json_error_t e;
    json_t *doc = json_loads(out->out, 0, &e);

    if (!doc)
        fail_msg("stdout is not JSON (%s): %s\nstderr: %s", e.text, out->out, out->err);
    return doc;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The delivered message with this token, read from the Maildir. */
static char *delivered(const char *token)
{
    char *msg = NULL;

    if (test_postfix_wait_message(&pf, token, 15, &msg) < 0)
        fail_msg("no message with %s in %s", token, pf.mailbox);
    return msg;
}

static void starttls_verified_delivery(void **state)
{
    struct test_out out;
    json_t *doc, *tls, *tr;
    char *msg;
    bool saw_starttls = false;
    size_t ehlos = 0;

    mailctl(&out, NULL, "--ca-file", pf.ca.ca_file, "send-test", "--from",
            "sender@client.example", "--to", "joe@" DOMAIN, "--server", pf.spec,
            "--subject", "round trip", "--json", NULL);
    if (out.status != 0)
        fail_msg("exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    assert_true(json_is_true(json_object_get(doc, "delivered")));
    assert_string_equal(jstr(doc, "server"), "127.0.0.1");
    assert_int_equal(json_integer_value(json_object_get(doc, "port")), pf.port);
    tls = json_object_get(doc, "tls");
    assert_true(json_is_true(json_object_get(tls, "verified")));
    assert_non_null(strstr(jstr(tls, "version"), "TLSv1."));
    assert_true(strlen(jstr(tls, "cipher")) > 0);
    assert_non_null(jstr(doc, "queue_id"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "reply"), "code")),
                     250);
    assert_string_equal(jstr(json_object_get(doc, "reply"), "enhanced"), "2.0.0");
    tr = json_object_get(doc, "transcript");
    for (size_t i = 0; i < json_array_size(tr); i++) {
        const char *line = jstr(json_array_get(tr, i), "line");
        if (!strcmp(line, "STARTTLS"))
            saw_starttls = true;
        if (!strncmp(line, "EHLO ", 5))
            ehlos++;
    }
    assert_true(saw_starttls);
    assert_int_equal(ehlos, 2);      /* extensions asked again after TLS */
    msg = delivered(jstr(doc, "token"));
    assert_non_null(strstr(msg, "Subject: round trip"));
    assert_non_null(strstr(msg, "X-Mailctl-Token: "));
    assert_non_null(strstr(msg, jstr(doc, "message_id")));
    assert_non_null(strstr(msg, "This is a test message sent by mailctl send-test."));
    /* Postfix logged the queue id we parsed from its reply. */
    free(msg);
    json_decref(doc);
    test_out_free(&out);
}

static void implicit_tls_delivery(void **state)
{
    struct test_out out;
    json_t *doc;
    char *msg;

    mailctl(&out, NULL, "--ca-file", pf.ca.ca_file, "send-test", "--from",
            "sender@client.example", "--to", "ann@" DOMAIN, "--server", pf.smtps_spec,
            "--tls", "implicit", "--json", NULL);
    if (out.status != 0)
        fail_msg("exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    assert_true(json_is_true(json_object_get(json_object_get(doc, "tls"), "verified")));
    msg = delivered(jstr(doc, "token"));
    assert_non_null(strstr(msg, "To: <ann@" DOMAIN ">"));
    free(msg);
    json_decref(doc);
    test_out_free(&out);
}

static void ssl_cert_file_env_and_dot_stuffing(void **state)
{
    struct test_out out;
    char env[400], body[400], *msg;
    char *const envs[] = { env, NULL };
    FILE *fp;
    json_t *doc;

    snprintf(env, sizeof env, "SSL_CERT_FILE=%s", pf.ca.ca_file);
    snprintf(body, sizeof body, "%s/body.txt", pf.ca.dir);
    fp = fopen(body, "w");
    assert_non_null(fp);
    fputs("first line\n.leading dot\n.\n..two dots\nlast line\n", fp);
    fclose(fp);
    mailctl(&out, envs, "send-test", "--from", "sender@client.example", "--to",
            "dot@" DOMAIN, "--server", pf.spec, "--body-file", body, "--json", NULL);
    if (out.status != 0)
        fail_msg("exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    msg = delivered(jstr(doc, "token"));
    /* Postfix removed the stuffing: the body arrives as written. */
    assert_non_null(strstr(msg, "\nfirst line\n.leading dot\n.\n..two dots\nlast line\n"));
    free(msg);
    json_decref(doc);
    test_out_free(&out);
}

static void wrong_ca_fails_verification(void **state)
{
    struct test_out out;

    mailctl(&out, NULL, "--ca-file", pf.ca.wrong_ca_file, "send-test", "--from",
            "sender@client.example", "--to", "joe@" DOMAIN, "--server", pf.spec, NULL);
    assert_int_equal(out.status, 3);
    assert_non_null(strstr(out.err, "certificate verify failed"));
    assert_null(strstr(out.out, "MAIL FROM"));     /* nothing sent in clear or otherwise */
    test_out_free(&out);
}

static void direct_mx_delivery(void **state)
{
    struct test_out out;
    char port[16], *msg;
    json_t *doc;

    snprintf(port, sizeof port, "%d", pf.port);
    mailctl(&out, NULL, "--ca-file", pf.ca.ca_file, "send-test", "--from",
            "sender@client.example", "--to", "mx@" DOMAIN, "--port", port, "--json", NULL);
    if (out.status != 0)
        fail_msg("exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    assert_string_equal(jstr(doc, "server"), "mx." DOMAIN);    /* verified by MX name */
    assert_string_equal(jstr(doc, "address"), "127.0.0.1");
    assert_true(json_is_true(json_object_get(json_object_get(doc, "tls"), "verified")));
    msg = delivered(jstr(doc, "token"));
    free(msg);
    json_decref(doc);
    test_out_free(&out);

    /* No MX: the domain's own address (RFC 5321 5.1). */
    mailctl(&out, NULL, "--ca-file", pf.ca.ca_file, "send-test", "--from",
            "sender@client.example", "--to", "imp@implicit." DOMAIN, "--port", port, "--json",
            NULL);
    if (out.status != 0)
        fail_msg("exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    assert_string_equal(jstr(doc, "server"), "implicit." DOMAIN);
    json_decref(doc);
    test_out_free(&out);
}

/* --server NAME: the relay's name is resolved through mailctl's own DNS
 * engine (--resolver), and its certificate verified against that name; a
 * name with no address fails with a reason naming it. */
static void relay_by_name(void **state)
{
    struct test_out out;
    char server[64];
    json_t *doc;

    snprintf(server, sizeof server, "mx.%s:%d", DOMAIN, pf.port);
    mailctl(&out, NULL, "--ca-file", pf.ca.ca_file, "send-test", "--from",
            "sender@client.example", "--to", "joe@" DOMAIN, "--server", server, "--json", NULL);
    if (out.status != 0)
        fail_msg("exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    assert_true(json_is_true(json_object_get(doc, "delivered")));
    assert_string_equal(jstr(doc, "server"), "mx." DOMAIN);
    assert_string_equal(jstr(doc, "address"), "127.0.0.1");
    assert_true(json_is_true(json_object_get(json_object_get(doc, "tls"), "verified")));
    free(delivered(jstr(doc, "token")));
    json_decref(doc);
    test_out_free(&out);

    snprintf(server, sizeof server, "nowhere.%s:%d", DOMAIN, pf.port);
    mailctl(&out, NULL, "--ca-file", pf.ca.ca_file, "send-test", "--from",
            "sender@client.example", "--to", "joe@" DOMAIN, "--server", server, NULL);
    assert_int_not_equal(out.status, 0);
    if (!strstr(out.out, "nowhere." DOMAIN) && !strstr(out.err, "nowhere." DOMAIN))
        fail_msg("no mention of the name: %s %s", out.out, out.err);
    test_out_free(&out);
}

static void null_mx_refused(void **state)
{
    struct test_out out;

    mailctl(&out, NULL, "send-test", "--from", "sender@client.example", "--to",
            "x@nullmx." DOMAIN, NULL);
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.err, "null MX"));
    test_out_free(&out);
}

static void bad_input_refused_before_connecting(void **state)
{
    static const char *const bad_to[] = {
        "a\r\nRCPT TO:<evil@x>@" DOMAIN, "lf\n@" DOMAIN,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@" DOMAIN,
        "j\xc3\xb6rg@" DOMAIN, "no-at-sign", "<x@" DOMAIN ">",
    };
    struct test_out out;

    for (size_t i = 0; i < sizeof bad_to / sizeof bad_to[0]; i++) {
        /* A port nobody listens on: a connection attempt would give 3, not 2. */
        mailctl(&out, NULL, "send-test", "--from", "s@client.example", "--to", bad_to[i],
                "--server", "127.0.0.1:1", NULL);
        if (out.status != 2)
            fail_msg("'%s': exit %d, stderr %s", bad_to[i], out.status, out.err);
        assert_non_null(strstr(out.err, "bad --to"));
        assert_string_equal(out.out, "");
        test_out_free(&out);
    }
    mailctl(&out, NULL, "send-test", "--from", "s@client.example", "--to", "x@" DOMAIN,
            "--server", "127.0.0.1:1", "--subject", "two\r\nBcc: lines", NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
    mailctl(&out, NULL, "send-test", "--from", "s@client.example", "--to", "x@" DOMAIN,
            "--server", "127.0.0.1:1", "--user", "u", "--tls", "none", NULL);
    assert_int_equal(out.status, 2);       /* password in clear needs --allow-plaintext-auth */
    test_out_free(&out);
}

static void connection_refused(void **state)
{
    struct test_out out;
    char spec[32];

    snprintf(spec, sizeof spec, "127.0.0.1:%d", test_free_port());
    mailctl(&out, NULL, "send-test", "--from", "s@client.example", "--to", "x@" DOMAIN,
            "--server", spec, "--json", NULL);
    assert_int_equal(out.status, 3);
    assert_non_null(strstr(out.err, "refused"));
    test_out_free(&out);
}

/* Signed with --dkim-key, delivered, and the delivered copy verifies with
 * mailctl's own verifier against the key in the test zone. */
static void dkim_signed_delivery(void **state)
{
    struct test_out out;
    char key[400], file[400], *msg;
    json_t *doc;
    FILE *fp;

    snprintf(key, sizeof key, "%s/keys/sendtest-st1.private", test_datadir());
    mailctl(&out, NULL, "--ca-file", pf.ca.ca_file, "send-test", "--from",
            "sender@" DOMAIN, "--to", "dkim@" DOMAIN, "--server", pf.spec,
            "--dkim-key", key, "--selector", "st1", "--json", NULL);
    if (out.status != 0)
        fail_msg("exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    msg = delivered(jstr(doc, "token"));
    assert_non_null(strstr(msg, "DKIM-Signature: "));
    assert_non_null(strstr(msg, "d=" DOMAIN));
    snprintf(file, sizeof file, "%s/delivered.eml", pf.ca.dir);
    fp = fopen(file, "w");
    assert_non_null(fp);
    fputs(msg, fp);
    fclose(fp);
    free(msg);
    json_decref(doc);
    test_out_free(&out);
    mailctl(&out, NULL, "dkim", "verify", file, "--json", NULL);
    if (out.status != 0)
        fail_msg("dkim verify: exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    assert_string_equal(jstr(doc, "result"), "pass");
    json_decref(doc);
    test_out_free(&out);
}

/* ---------- AUTH against aiosmtpd ---------- */

static void auth_right_and_wrong_password(void **state)
{
    char outdir[400], pwfile[400], spec[32], env[64], path[500];
    json_t *doc;
    char *argv[] = { PY, path, pf.ca.cert_file, pf.ca.key_file, "alice", "s3cret-Pw!",
                     outdir, NULL };
    char *const envs[] = { env, NULL };
    int pid, port;
    struct test_out out;
    FILE *fp;

    snprintf(path, sizeof path, "%s/auth_smtp.py", servers_dir);
    snprintf(outdir, sizeof outdir, "%s/auth-out", pf.ca.dir);
    snprintf(pwfile, sizeof pwfile, "%s/pw", pf.ca.dir);
    test_sh(NULL, "mkdir -p %s", outdir);
    fp = fopen(pwfile, "w");
    assert_non_null(fp);
    fputs("s3cret-Pw!\n", fp);
    fclose(fp);
    assert_int_equal(test_server_spawn(argv, &pid, &port), 0);
    snprintf(spec, sizeof spec, "127.0.0.1:%d", port);

    mailctl(&out, NULL, "--ca-file", pf.ca.ca_file, "send-test", "--from", "alice@client.example",
            "--to", "bob@elsewhere.example", "--server", spec, "--user", "alice",
            "--password-file", pwfile, NULL);
    if (out.status != 0)
        fail_msg("exit %d: %s %s", out.status, out.out, out.err);
    assert_non_null(strstr(out.out, "AUTH PLAIN ***"));
    assert_null(strstr(out.out, "s3cret"));
    assert_null(strstr(out.out, "czNjcmV0"));     /* base64 of the password's start */
    assert_non_null(strstr(out.out, "queued as AUTHQ1"));
    snprintf(path, sizeof path, "%s/1.eml", outdir);
    assert_int_equal(access(path, R_OK), 0);
    test_out_free(&out);

    snprintf(env, sizeof env, "MAILCTL_PASSWORD=wrong-Pw-123");
    snprintf(path, sizeof path, "%s/auth_smtp.py", servers_dir);
    mailctl(&out, envs, "--ca-file", pf.ca.ca_file, "send-test", "--from",
            "alice@client.example", "--to", "bob@elsewhere.example", "--server", spec,
            "--user", "alice", "--json", NULL);
    assert_int_equal(out.status, 1);
    doc = json_of(&out);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "reply"), "code")),
                     535);
    json_decref(doc);
    assert_null(strstr(out.out, "wrong-Pw"));
    assert_null(strstr(out.err, "wrong-Pw"));
    assert_null(strstr(out.out, "d3JvbmctUHc"));  /* base64 of "wrong-Pw" */
    assert_non_null(strstr(out.out, "AUTH PLAIN ***"));
    test_out_free(&out);
    test_server_kill(pid);
}

/* ---------- hostile peers ---------- */

struct hostile_case {
    const char *behaviour;
    const char *tls;
    const char *expect;      /* in stderr */
};

static void hostile_peers(void **state)
{
    static const struct hostile_case cases[] = {
        {"long-line", "none", "longer than 2048"},
        {"endless", "none", "more than 128 lines"},
        {"stall-data", "none", "no complete reply"},
        {"421-banner", "none", "421"},
        {"421-ehlo", "none", "421"},
        {"421-starttls", "starttls", "421"},
        {"421-mail", "none", "421"},
        {"421-rcpt", "none", "421"},
        {"421-data", "none", "421"},
        {"421-dot", "none", "421"},
        {"bad-tls", "starttls", "TLS"},
        {"close-mid-reply", "none", "closed by the server in the middle of a reply"},
        {"inject", "starttls", "unrequested bytes"},
        {"garbage", "none", "bad reply"},
    };
    char path[500];

    snprintf(path, sizeof path, "%s/hostile_smtp.py", servers_dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = { PY, path, (char *)cases[i].behaviour, NULL };
        struct test_out out;
        struct timespec t0, t1;
        char spec[32];
        int pid, port;
        double secs;

        assert_int_equal(test_server_spawn(argv, &pid, &port), 0);
        snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        mailctl(&out, NULL, "--timeout", "2", "send-test", "--from", "s@client.example",
                "--to", "x@" DOMAIN, "--server", spec, "--tls", cases[i].tls, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        test_server_kill(pid);
        if (out.status != 3 || !strstr(out.err, cases[i].expect))
            fail_msg("%s: exit %d, stderr: %s", cases[i].behaviour, out.status, out.err);
        if (secs > 8.0)
            fail_msg("%s: took %.1f s (timeouts are 2 s)", cases[i].behaviour, secs);
        test_out_free(&out);
    }
}

/* --tls opportunistic: STARTTLS offered but the handshake fails; one retry
 * in plain text on a new connection delivers, and says so. */
static void opportunistic_retries_in_plain_text(void **state)
{
    char path[500], spec[32];
    char *argv[] = { PY, path, "bad-tls-then-plain", NULL };
    struct test_out out;
    json_t *doc, *tr;
    size_t banners = 0;
    int pid, port;

    snprintf(path, sizeof path, "%s/hostile_smtp.py", servers_dir);
    assert_int_equal(test_server_spawn(argv, &pid, &port), 0);
    snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
    mailctl(&out, NULL, "--timeout", "3", "send-test", "--from", "s@client.example", "--to",
            "x@" DOMAIN, "--server", spec, "--tls", "opportunistic", "--json", NULL);
    test_server_kill(pid);
    if (out.status != 0)
        fail_msg("exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    assert_true(json_is_true(json_object_get(doc, "delivered")));
    assert_non_null(jstr(doc, "tls_fallback"));
    assert_true(json_is_null(json_object_get(doc, "tls")));
    assert_string_equal(jstr(doc, "queue_id"), "HOSTILE1");
    tr = json_object_get(doc, "transcript");
    for (size_t i = 0; i < json_array_size(tr); i++)
        if (!strncmp(jstr(json_array_get(tr, i), "line"), "220 hostile.test", 16))
            banners++;
    assert_int_equal(banners, 2);              /* two connections */
    json_decref(doc);
    test_out_free(&out);

    /* Text mode says it too; starttls (the default) does not retry. */
    assert_int_equal(test_server_spawn(argv, &pid, &port), 0);
    snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
    mailctl(&out, NULL, "--timeout", "3", "send-test", "--from", "s@client.example", "--to",
            "x@" DOMAIN, "--server", spec, "--tls", "opportunistic", NULL);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "retried in plain text"));
    test_out_free(&out);
    test_server_kill(pid);
    assert_int_equal(test_server_spawn(argv, &pid, &port), 0);
    snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
    mailctl(&out, NULL, "--timeout", "3", "send-test", "--from", "s@client.example", "--to",
            "x@" DOMAIN, "--server", spec, "--tls", "starttls", NULL);
    test_server_kill(pid);
    assert_int_equal(out.status, 3);
    assert_non_null(strstr(out.err, "TLS"));
    assert_null(strstr(out.out, "retrying"));
    assert_null(strstr(out.out, "MAIL FROM"));
    test_out_free(&out);
}

/* The whole of a small file (a server's log), or NULL when absent. */
static char *read_log(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf = calloc(1, 65537);
    size_t n = 0;

    if (!fp || !buf) {
        if (fp)
            fclose(fp);
        free(buf);
        return NULL;
    }
    n = fread(buf, 1, 65536, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* The default --tls starttls against a server that does not offer STARTTLS
 * (in its EHLO reply, or because it only speaks HELO): mailctl stops after
 * the greeting, exit 3, naming the reason.  Checked from the server's side:
 * nothing after EHLO/HELO arrived, so no MAIL FROM and no AUTH (the
 * password) went out in clear text.  --tls opportunistic against the same
 * server does send, which shows the server would have taken the mail. */
static void starttls_not_offered_stops_before_mail(void **state)
{
    static const char *const behaviours[] = { "no-starttls", "helo-only" };
    char path[500], log[400], pwfile[400], spec[32];
    struct test_out out;
    FILE *fp;

    snprintf(path, sizeof path, "%s/hostile_smtp.py", servers_dir);
    snprintf(pwfile, sizeof pwfile, "%s/pw-clear", pf.ca.dir);
    fp = fopen(pwfile, "w");
    assert_non_null(fp);
    fputs("clear-Text-Pw\n", fp);
    fclose(fp);
    for (size_t i = 0; i < 2; i++) {
        for (int with_auth = 0; with_auth < 2; with_auth++) {
            char *argv[] = { PY, path, (char *)behaviours[i], log, NULL };
            char *seen;
            int pid, port;

            snprintf(log, sizeof log, "%s/%s-%d.log", pf.ca.dir, behaviours[i], with_auth);
            unlink(log);
            assert_int_equal(test_server_spawn(argv, &pid, &port), 0);
            snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
            if (with_auth)
                mailctl(&out, NULL, "--timeout", "3", "send-test", "--from", "s@client.example",
                        "--to", "x@" DOMAIN, "--server", spec, "--user", "alice",
                        "--password-file", pwfile, NULL);
            else
                mailctl(&out, NULL, "--timeout", "3", "send-test", "--from", "s@client.example",
                        "--to", "x@" DOMAIN, "--server", spec, NULL);
            assert_int_equal(test_server_wait(pid, 15), 0);
            seen = read_log(log);
            if (!seen)
                seen = strdup("");
            if (strstr(seen, "MAIL FROM") || strstr(seen, "AUTH") || strstr(seen, "RCPT") ||
                strstr(seen, "DATA") || strstr(seen, "clear-Text"))
                fail_msg("%s: the server received in clear text:\n%s", behaviours[i], seen);
            if (out.status != 3 || !strstr(out.err, "does not offer STARTTLS"))
                fail_msg("%s: exit %d, stderr: %s", behaviours[i], out.status, out.err);
            assert_true(strstr(seen, "EHLO ") || strstr(seen, "HELO "));
            assert_null(strstr(out.out, "MAIL FROM"));
            assert_null(strstr(out.out, "clear-Text"));
            assert_null(strstr(out.err, "clear-Text"));
            free(seen);
            test_out_free(&out);
        }
    }

    /* The control: opportunistic mode sends to the very same server. */
    {
        char *argv[] = { PY, path, "no-starttls", log, NULL };
        char *seen;
        int pid, port;

        snprintf(log, sizeof log, "%s/no-starttls-opportunistic.log", pf.ca.dir);
        unlink(log);
        assert_int_equal(test_server_spawn(argv, &pid, &port), 0);
        snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
        mailctl(&out, NULL, "--timeout", "3", "send-test", "--from", "s@client.example",
                "--to", "x@" DOMAIN, "--server", spec, "--tls", "opportunistic", NULL);
        assert_int_equal(test_server_wait(pid, 15), 0);
        if (out.status != 0)
            fail_msg("opportunistic: exit %d: %s %s", out.status, out.out, out.err);
        seen = read_log(log);
        assert_non_null(seen);
        assert_non_null(strstr(seen, "MAIL FROM:<s@client.example>"));
        free(seen);
        test_out_free(&out);
    }
}

/* --smtputf8: a non-ASCII address goes out with the SMTPUTF8 parameter to
 * a server that offers it (the real Postfix: delivered), and is refused
 * before MAIL FROM by one that does not (the scripted server's log). */
static void smtputf8_both_sides(void **state)
{
    char path[500], log[400], spec[32];
    char *argv[] = { PY, path, "no-starttls", log, NULL };
    struct test_out out;
    json_t *doc, *tr;
    bool param = false;
    char *seen;
    int pid, port;

    mailctl(&out, NULL, "--ca-file", pf.ca.ca_file, "send-test", "--from",
            "sender@client.example", "--to", "j\xc3\xb6rg@" DOMAIN, "--server", pf.spec,
            "--smtputf8", "--json", NULL);
    if (out.status != 0)
        fail_msg("exit %d: %s %s", out.status, out.out, out.err);
    doc = json_of(&out);
    tr = json_object_get(doc, "transcript");
    for (size_t i = 0; i < json_array_size(tr); i++) {
        const char *line = jstr(json_array_get(tr, i), "line");
        if (!strncmp(line, "MAIL FROM:", 10) && strstr(line, " SMTPUTF8"))
            param = true;
    }
    assert_true(param);
    free(delivered(jstr(doc, "token")));
    json_decref(doc);
    test_out_free(&out);

    snprintf(path, sizeof path, "%s/hostile_smtp.py", servers_dir);
    snprintf(log, sizeof log, "%s/no-smtputf8.log", pf.ca.dir);
    unlink(log);
    assert_int_equal(test_server_spawn(argv, &pid, &port), 0);
    snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
    mailctl(&out, NULL, "--timeout", "3", "send-test", "--from", "s@client.example", "--to",
            "j\xc3\xb6rg@" DOMAIN, "--server", spec, "--tls", "none", "--smtputf8", NULL);
    assert_int_equal(test_server_wait(pid, 15), 0);
    seen = read_log(log);
    assert_non_null(seen);
    if (strstr(seen, "MAIL FROM"))
        fail_msg("MAIL FROM sent to a server without SMTPUTF8:\n%s", seen);
    assert_int_not_equal(out.status, 0);
    assert_int_not_equal(out.status, 2);
    assert_non_null(strstr(out.err, "does not offer SMTPUTF8"));
    free(seen);
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starttls_verified_delivery),
        cmocka_unit_test(implicit_tls_delivery),
        cmocka_unit_test(ssl_cert_file_env_and_dot_stuffing),
        cmocka_unit_test(wrong_ca_fails_verification),
        cmocka_unit_test(direct_mx_delivery),
        cmocka_unit_test(relay_by_name),
        cmocka_unit_test(null_mx_refused),
        cmocka_unit_test(bad_input_refused_before_connecting),
        cmocka_unit_test(connection_refused),
        cmocka_unit_test(dkim_signed_delivery),
        cmocka_unit_test(auth_right_and_wrong_password),
        cmocka_unit_test(hostile_peers),
        cmocka_unit_test(opportunistic_retries_in_plain_text),
        cmocka_unit_test(starttls_not_offered_stops_before_mail),
        cmocka_unit_test(smtputf8_both_sides),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
