/*
 * test_imap_arrival.c - `mailctl send-test --check-imap` end to end with
 * real parts: a real Postfix on 127.0.0.1 delivers into a virtual Maildir
 * (header_checks PREPENDs an Authentication-Results field chosen by the
 * sender, so the verdict the receiver "gave" is known; junk@ is routed to
 * the .Junk folder), a real Dovecot serves the same Maildir over IMAPS and
 * IMAP+STARTTLS, and mailctl finds the message by its token and reports
 * folder, time, verdict and hops.  Also a mailbox of 10,000 messages
 * (generated here) searched without fetching any body.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "testdovecot.h"
#include "testenv.h"
#include "testpostfix.h"

#define DOMAIN "arrival.test"
#define PASSWORD "s3cret-imap-pw"
#define BIG_COUNT 10000

static struct test_postfix pf;
static struct test_dovecot dv;
static char work[256], imaps_url[300], starttls_url[300], big_url[300], pwfile[320];

static int write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    if (!fp)
        return -1;
    fputs(text, fp);
    return fclose(fp);
}

/* header_checks: the Authentication-Results the "receiver" adds depends on
 * the sender; virtual maps: junk@ into .Junk, big@ into its own Maildir. */
static int write_postfix_extras(char *extra, size_t len)
{
    char hc[320];

    snprintf(hc, sizeof hc, "%s/header_checks", work);
    if (write_file(hc,
        "/^From:.*<pass@arrival\\.test>/ PREPEND Authentication-Results: mx.arrival.test;"
        " spf=pass smtp.mailfrom=pass@arrival.test; dkim=pass header.d=arrival.test;"
        " dmarc=pass header.from=arrival.test\n"
        "/^From:.*<fail@arrival\\.test>/ PREPEND Authentication-Results: mx.arrival.test;"
        " spf=softfail smtp.mailfrom=fail@arrival.test; dkim=none;"
        " dmarc=fail (p=reject) header.from=arrival.test\n"
        "/^Subject: mailctl send-test/ PREPEND X-Spam-Score: 0.3\n") < 0)
        return -1;
    snprintf(extra, len, "header_checks = regexp:%s\n"
             "virtual_mailbox_maps = inline:{ junk@%s=%s/.Junk/, big@%s=big/ }, static:%s/\n",
             hc, DOMAIN, DOMAIN, DOMAIN, DOMAIN);
    return 0;
}

/* BIG_COUNT messages in big/cur, written directly (no delivery needed). */
static int make_big_mailbox(const char *home)
{
    char path[600];

    if (test_sh(NULL, "mkdir -p %1$s/cur %1$s/new %1$s/tmp", home) != 0)
        return -1;
    for (int i = 0; i < BIG_COUNT; i++) {
        FILE *fp;
        snprintf(path, sizeof path, "%s/cur/1700000000.M%dP1.test:2,S", home, i);
        if (!(fp = fopen(path, "w")))
            return -1;
        fprintf(fp, "From: <bulk@arrival.test>\r\nTo: <big@arrival.test>\r\n"
                    "Subject: filler %d\r\nX-Mailctl-Token: filler-%d\r\n\r\n"
                    "A body mailctl must never fetch (%d).\r\n", i, i, i);
        fclose(fp);
    }
    return 0;
}

static int start(void **state)
{
    char extra[1024], home[400], bighome[400], tmpl[] = "/tmp/mailctl-arrival-XXXXXX";

    if (!mkdtemp(tmpl))
        return -1;
    snprintf(work, sizeof work, "%s", tmpl);
    snprintf(pwfile, sizeof pwfile, "%s/imap-password", work);
    if (write_postfix_extras(extra, sizeof extra) < 0 || write_file(pwfile, PASSWORD "\n") < 0)
        return -1;
    if (test_postfix_start_opts(&pf, DOMAIN, &(struct test_postfix_opts){ .main_cf_extra = extra })
        < 0)
        return -1;
    snprintf(home, sizeof home, "%s/mail/%s", pf.dir, DOMAIN);
    snprintf(bighome, sizeof bighome, "%s/mail/big", pf.dir);
    if (test_sh(NULL, "mkdir -p %1$s/cur %1$s/new %1$s/tmp %1$s/.Archive/cur %1$s/.Archive/new "
                "%1$s/.Archive/tmp", home) != 0 || make_big_mailbox(bighome) < 0 ||
        test_sh(NULL, "chown -R postfix:postfix %s/mail", pf.dir) != 0)
        return -1;
    {
        const struct test_dovecot_user big = { "big@" DOMAIN, PASSWORD, 0, 0, bighome };
        struct test_dovecot_params p = {
            .user = "box@" DOMAIN, .password = PASSWORD, .home = home,
            .cert_file = pf.ca.cert_file, .key_file = pf.ca.key_file,
            .imaps = true, .imap = true, .users = &big, .nusers = 1, .junk_folder = "Junk",
        };
        if (test_dovecot_start(&dv, &p) < 0)
            return -1;
    }
    snprintf(imaps_url, sizeof imaps_url, "imaps://box%%40%s@127.0.0.1:%d/", DOMAIN,
             dv.imaps_port);
    snprintf(starttls_url, sizeof starttls_url, "imap://box@%s@127.0.0.1:%d/INBOX", DOMAIN,
             dv.imap_port);
    snprintf(big_url, sizeof big_url, "imaps://big%%40%s@127.0.0.1:%d/", DOMAIN, dv.imaps_port);
    return 0;
}

static int stop(void **state)
{
    test_dovecot_stop(&dv);
    test_postfix_stop(&pf);
    if (work[0])
        test_sh(NULL, "rm -rf %s", work);
    return 0;
}

/* send-test through the test Postfix, then --check-imap; extra args after. */
static void send_check(struct test_out *out, char *const env[], const char *from,
                       const char *to, const char *url, ...)
{
    char *argv[40] = { (char *)test_mailctl(), "send-test", "--server", pf.spec,
                       "--ca-file", pf.ca.ca_file, "--from", (char *)from, "--to", (char *)to,
                       "--check-imap", (char *)url };
    int n = 12;
    va_list ap;
    const char *a;

    va_start(ap, url);
    while ((a = va_arg(ap, const char *)) && n < 38)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    assert_int_equal(test_run(argv, env, NULL, 0, 90, out), 0);
}

static json_t *arrival_of(const struct test_out *out, json_t **doc)
{
    json_error_t e;

    *doc = json_loads(out->out, 0, &e);
    if (!*doc)
        fail_msg("stdout is not JSON (%s): %s\nstderr: %s", e.text, out->out, out->err);
    return json_object_get(*doc, "arrival");
}

static const char *jpath(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    return json_string_value(b ? json_object_get(v, b) : v);
}

static void arrives_in_inbox_with_pass(void **state)
{
    struct test_out out;
    json_t *doc, *arr, *hops;

    send_check(&out, NULL, "pass@" DOMAIN, "box@" DOMAIN, imaps_url, "--imap-password-file",
               pwfile, "--wait", "30", "--json", NULL);
    arr = arrival_of(&out, &doc);
    if (out.status != 0) {
        char *a = json_dumps(arr, JSON_INDENT(1));
        fail_msg("exit %d\n%s\n%s", out.status, a, out.err);
    }
    assert_true(json_is_true(json_object_get(arr, "found")));
    assert_string_equal(jpath(arr, "folder", NULL), "INBOX");
    assert_false(json_is_true(json_object_get(arr, "junk")));
    assert_string_equal(jpath(arr, "junk_folder", NULL), "Junk");
    assert_true(json_real_value(json_object_get(arr, "seconds")) < 30.0);
    assert_string_equal(jpath(arr, "auth_results", "authserv_id"), "mx.arrival.test");
    assert_string_equal(jpath(arr, "auth_results", "spf"), "pass");
    assert_string_equal(jpath(arr, "auth_results", "dkim"), "pass");
    assert_string_equal(jpath(arr, "auth_results", "dmarc"), "pass");
    hops = json_object_get(json_object_get(arr, "headers"), "received");
    assert_true(json_array_size(hops) >= 1);
    assert_non_null(strstr(json_string_value(json_array_get(hops, 0)), "mx.arrival.test"));
    assert_string_equal(jpath(json_array_get(json_object_get(json_object_get(arr, "headers"),
                                                             "spam"), 0), "value", NULL), "0.3");
    assert_true(json_is_true(json_object_get(json_object_get(arr, "tls"), "verified")));
    /* the password never shows; the transcript masks it */
    assert_null(strstr(out.out, PASSWORD));
    assert_null(strstr(out.err, PASSWORD));
    assert_non_null(strstr(out.out, "***"));
    json_decref(doc);
    test_out_free(&out);
}

static void arrives_failing_dmarc(void **state)
{
    char *env[] = { "MAILCTL_IMAP_PASSWORD=" PASSWORD, NULL };
    struct test_out out;

    send_check(&out, env, "fail@" DOMAIN, "box@" DOMAIN, imaps_url, "--wait", "30", NULL);
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.out, "arrived"));
    assert_non_null(strstr(out.out, "spf=softfail dkim=none dmarc=fail"));
    assert_non_null(strstr(out.out, "mx.arrival.test"));
    test_out_free(&out);
}

static void lands_in_junk(void **state)
{
    struct test_out out;
    json_t *doc, *arr;

    send_check(&out, NULL, "pass@" DOMAIN, "junk@" DOMAIN, imaps_url, "--imap-password-file",
               pwfile, "--wait", "30", "--json", NULL);
    arr = arrival_of(&out, &doc);
    assert_int_equal(out.status, 1);
    assert_string_equal(jpath(arr, "folder", NULL), "Junk");
    assert_true(json_is_true(json_object_get(arr, "junk")));
    assert_string_equal(jpath(arr, "auth_results", "dmarc"), "pass");
    json_decref(doc);
    test_out_free(&out);
}

static void starttls_url_works(void **state)
{
    struct test_out out;

    send_check(&out, NULL, "pass@" DOMAIN, "box@" DOMAIN, starttls_url, "--imap-password-file",
               pwfile, "--wait", "30", "-v", NULL);
    if (out.status != 0)
        fail_msg("exit %d\n%s\n%s", out.status, out.out, out.err);
    assert_non_null(strstr(out.out, "STARTTLS"));
    assert_non_null(strstr(out.out, "AUTHENTICATE PLAIN ***"));
    assert_null(strstr(out.out, PASSWORD));
    test_out_free(&out);
}

static void never_arrives_in_time(void **state)
{
    char url[320];
    struct test_out out;
    struct timespec t0, t1;

    snprintf(url, sizeof url, "imaps://box%%40%s@127.0.0.1:%d/Archive", DOMAIN, dv.imaps_port);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    send_check(&out, NULL, "pass@" DOMAIN, "box@" DOMAIN, url, "--imap-password-file", pwfile,
               "--wait", "2", NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(out.status, 3);
    assert_non_null(strstr(out.out, "did not arrive in Archive or Junk within 2 s"));
    assert_true(t1.tv_sec - t0.tv_sec < 15);
    test_out_free(&out);
}

static void wrong_password_and_bad_url(void **state)
{
    char *env[] = { "MAILCTL_IMAP_PASSWORD=not-the-password", NULL };
    struct test_out out;

    send_check(&out, env, "pass@" DOMAIN, "box@" DOMAIN, imaps_url, "--wait", "5", NULL);
    assert_int_equal(out.status, 3);
    assert_non_null(strstr(out.out, "login refused"));
    assert_null(strstr(out.out, "not-the-password"));
    test_out_free(&out);
    /* refused before anything is sent */
    send_check(&out, env, "pass@" DOMAIN, "box@" DOMAIN, "pop3://x@y/", NULL);
    assert_int_equal(out.status, 2);
    assert_null(strstr(out.out, "delivered"));
    test_out_free(&out);
    send_check(&out, NULL, "pass@" DOMAIN, "box@" DOMAIN, imaps_url, NULL);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "MAILCTL_IMAP_PASSWORD"));
    test_out_free(&out);
}

static void big_mailbox_searched_not_fetched(void **state)
{
    struct test_out out;
    json_t *doc, *arr, *tr, *line;
    size_t i, fetches = 0;

    send_check(&out, NULL, "pass@" DOMAIN, "big@" DOMAIN, big_url, "--imap-password-file",
               pwfile, "--wait", "60", "--json", NULL);
    arr = arrival_of(&out, &doc);
    if (out.status != 0)
        fail_msg("exit %d\n%s", out.status, out.err);
    assert_string_equal(jpath(arr, "folder", NULL), "INBOX");
    tr = json_object_get(arr, "transcript");
    json_array_foreach(tr, i, line) {
        const char *l = jpath(line, "line", NULL);
        if (strcmp(jpath(line, "dir", NULL), "C") == 0 && strstr(l, "FETCH")) {
            fetches++;
            assert_non_null(strstr(l, "(BODY.PEEK[HEADER])"));
        }
        assert_null(strstr(l, "A body mailctl must never fetch"));
    }
    assert_int_equal(fetches, 1);
    print_message("10,000-message mailbox: found after %.2f s\n",
                  json_real_value(json_object_get(arr, "seconds")));
    json_decref(doc);
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arrives_in_inbox_with_pass),
        cmocka_unit_test(arrives_failing_dmarc),
        cmocka_unit_test(lands_in_junk),
        cmocka_unit_test(starttls_url_works),
        cmocka_unit_test(never_arrives_in_time),
        cmocka_unit_test(wrong_password_and_bad_url),
        cmocka_unit_test(big_mailbox_searched_not_fetched),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
