/*
 * test_idn.c - internationalised domain names end to end: German, Chinese
 * and Cyrillic names typed as U-labels in argv, in --file lists and in
 * message headers reach DNS, DKIM and DMARC as A-labels (the test NSD
 * serves only the xn-- zones of testdata/zones), and people see both forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "testenv.h"

#define DE_U "b\xc3\xbc" "cher.example"                    /* bücher.example */
#define DE_A "xn--bcher-kva.example"
#define ZH_U "\xe4\xbe\x8b\xe5\xad\x90.\xe6\xb5\x8b\xe8\xaf\x95"  /* 例子.测试 */
#define ZH_A "xn--fsqu00a.xn--0zwm56d"
#define RU_U "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80." \
             "\xd0\xb8\xd1\x81\xd0\xbf\xd1\x8b\xd1\x82\xd0\xb0\xd0\xbd\xd0\xb8\xd0\xb5"
#define RU_A "xn--e1afmkfd.xn--80akhbyknj4f"

static struct test_nsd nsd;
static char tmp[128];

static int start(void **state)
{
    snprintf(tmp, sizeof tmp, "/tmp/mailctl-idn-XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    char cmd[200];

    test_nsd_stop(&nsd);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* mailctl --resolver NSD ARGS (NULL-terminated list); stdin optional. */
static void run(struct test_out *out, const char *stdin_data, const char *const *args)
{
    char *argv[32] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "2" };
    int n = 5;

    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    assert_int_equal(test_run(argv, NULL, stdin_data, stdin_data ? strlen(stdin_data) : 0, 60,
                              out), 0);
}

static json_t *json_of(const struct test_out *out)
{
    json_error_t e;
    json_t *doc = json_loads(out->out, 0, &e);

    if (!doc)
        fail_msg("stdout is not JSON (%s): %s\nstderr: %s", e.text, out->out, out->err);
    return doc;
}

static bool all_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* mx: asked as A-labels, whatever the case; text shows both forms. */
static void mx_of_u_labels(void **state)
{
    struct test_out out;
    json_t *doc;

    run(&out, NULL, (const char *[]){ "mx", "B\xc3\x9c" "CHER.example", "--json", NULL });
    if (out.status != 0)
        fail_msg("exit %d: %s%s", out.status, out.out, out.err);
    doc = json_of(&out);
    assert_string_equal(json_string_value(json_object_get(doc, "domain")), DE_A);
    assert_string_equal(json_string_value(json_object_get(json_array_get(
        json_object_get(doc, "hosts"), 0), "host")), "mail." DE_A);
    json_decref(doc);
    test_out_free(&out);
    run(&out, NULL, (const char *[]){ "mx", ZH_U, NULL });
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, ZH_A " (" ZH_U ")"));
    test_out_free(&out);
}

/* check-dns from argv and from a --file list: every name audited as its
 * A-label, fixes and records in the same form as the DMARC section. */
static void check_dns_argv_and_list(void **state)
{
    char list[256];
    struct test_out out;
    FILE *fp;
    const char *want[] = { RU_A, DE_A, ZH_A };
    size_t n = 0;

    snprintf(list, sizeof list, "%s/domains.txt", tmp);
    assert_non_null(fp = fopen(list, "w"));
    fputs("# customers\n" RU_U "\n" DE_U "\n", fp);
    fclose(fp);
    run(&out, NULL, (const char *[]){ "check-dns", "--no-smtp", "--json", "--file", list, ZH_U,
                                      NULL });
    if (out.status != 0)
        fail_msg("exit %d: %s%s", out.status, out.out, out.err);
    assert_true(all_ascii(out.out));
    for (char *line = strtok(out.out, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t e;
        json_t *doc = json_loads(line, 0, &e);

        assert_non_null(doc);
        assert_true(n < 3);
        assert_string_equal(json_string_value(json_object_get(doc, "domain")), want[n]);
        assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "pass");
        json_decref(doc);
        n++;
    }
    assert_int_equal(n, 3);
    test_out_free(&out);
}

/* dkim sign --domain U-label writes d= as the A-label, and mailctl's own
 * verifier finds the key published there. */
static void dkim_sign_and_verify(void **state)
{
    char key[512], signed_path[256];
    const char *msg = "From: =?UTF-8?B?5byg5LiJ?= <zhang@" ZH_U ">\r\nTo: b@example.net\r\n"
                      "Subject: test\r\n\r\nHello.\r\n";
    struct test_out out;
    FILE *fp;
    json_t *doc, *sig;

    snprintf(key, sizeof key, "%s/keys/dmarc/s1.private", test_datadir());
    run(&out, msg, (const char *[]){ "dkim", "sign", "--domain", ZH_U, "--selector", "s1",
                                     "--key", key, NULL });
    if (out.status != 0)
        fail_msg("sign: exit %d: %s", out.status, out.err);
    assert_non_null(strstr(out.out, "d=" ZH_A ";"));
    snprintf(signed_path, sizeof signed_path, "%s/signed.eml", tmp);
    assert_non_null(fp = fopen(signed_path, "w"));
    fputs(out.out, fp);
    fclose(fp);
    test_out_free(&out);
    run(&out, NULL, (const char *[]){ "dkim", "verify", "--json", signed_path, NULL });
    if (out.status != 0)
        fail_msg("verify: exit %d: %s%s", out.status, out.out, out.err);
    doc = json_of(&out);
    sig = json_array_get(json_object_get(doc, "signatures"), 0);
    assert_string_equal(json_string_value(json_object_get(sig, "result")), "pass");
    assert_string_equal(json_string_value(json_object_get(sig, "domain")), ZH_A);
    json_decref(doc);
    test_out_free(&out);
    /* auth: From in UTF-8 (RFC 6532), DKIM aligned, SPF for a U-label
     * MAIL FROM typed in argv */
    run(&out, NULL, (const char *[]){ "auth", signed_path, "--ip", "192.0.2.10", "--mail-from",
                                      "bounce@" ZH_U, "--helo", "mail." ZH_U, "--json", NULL });
    if (out.status != 0)
        fail_msg("auth: exit %d: %s%s", out.status, out.out, out.err);
    doc = json_of(&out);
    json_t *dm = json_object_get(doc, "dmarc");
    assert_string_equal(json_string_value(json_object_get(dm, "result")), "pass");
    assert_string_equal(json_string_value(json_object_get(dm, "domain")), ZH_A);
    assert_true(json_is_true(json_object_get(json_object_get(dm, "alignment"), "dkim")));
    assert_true(json_is_true(json_object_get(json_object_get(dm, "alignment"), "spf")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "spf"),
                                                          "result")), "pass");
    json_decref(doc);
    test_out_free(&out);
}

/* keygen and setup: the record names and file names are A-labels. */
static void keygen_and_setup_names(void **state)
{
    struct test_out out;
    char dir[256];

    snprintf(dir, sizeof dir, "%s/keys", tmp);
    run(&out, NULL, (const char *[]){ "dkim", "keygen", "--domain", RU_U, "--selector", "k1",
                                      "--out", dir, "--algorithm", "ed25519", NULL });
    if (out.status != 0)
        fail_msg("keygen: exit %d: %s", out.status, out.err);
    assert_non_null(strstr(out.out, "DKIM key k1 for " RU_A));
    test_out_free(&out);
    run(&out, NULL, (const char *[]){ "setup", DE_U, "--mail-host", "mail." DE_U, "--ip",
                                      "192.0.2.10", "--selector", "s9", "--out", dir, NULL });
    if (out.status != 0)
        fail_msg("setup: exit %d: %s", out.status, out.err);
    assert_non_null(strstr(out.out, "mail." DE_A "."));
    assert_null(strstr(out.out, DE_U));
    test_out_free(&out);
}

/* Names that do not convert, and addresses where a name belongs, are bad
 * input named in one line. */
static void bad_names_are_usage_errors(void **state)
{
    const char *bad[] = { "xn--zz.example", "a\xe2\x98\x83_..example", ".", "192.0.2.1",
                          "2001:db8::1", "[2001:db8::1]", "caf\xc3.example", NULL };
    struct test_out out;

    for (size_t i = 0; bad[i]; i++) {
        run(&out, NULL, (const char *[]){ "mx", bad[i], NULL });
        if (out.status != 2)
            fail_msg("mx '%s': exit %d, want 2: %s", bad[i], out.status, out.err);
        assert_non_null(strstr(out.err, "mailctl: "));
        assert_true(strchr(out.err, '\n') == out.err + out.err_len - 1);   /* one line */
        test_out_free(&out);
        run(&out, NULL, (const char *[]){ "check-dns", "--no-smtp", bad[i], NULL });
        if (out.status != 2)
            fail_msg("check-dns '%s': exit %d, want 2: %s", bad[i], out.status, out.err);
        test_out_free(&out);
    }
    run(&out, NULL, (const char *[]){ "dkim", "sign", "--domain", "a b", "--selector", "s1",
                                      "--key", "/nonexistent", NULL });
    assert_int_equal(out.status, 2);
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mx_of_u_labels),
        cmocka_unit_test(check_dns_argv_and_list),
        cmocka_unit_test(dkim_sign_and_verify),
        cmocka_unit_test(keygen_and_setup_names),
        cmocka_unit_test(bad_names_are_usage_errors),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
