/*
 * test_cli_bounds.c - every numeric option of the real binary at both ends
 * of its range: the largest (and smallest) value accepted goes on to do the
 * work, the first value past either end is bad input (exit 2, a message
 * naming the option, nothing on stdout).  DNS comes from a real NSD on
 * loopback; connections go to closed loopback ports or to a null-MX domain,
 * so no accepted case waits on anything.  Also setup --spf, an enumerated
 * option no other test used: each value, and a bad one refused before any
 * key is written.
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

#include "testenv.h"

static struct test_nsd nsd;
static char dir[256], msg[512];

static int start(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/mailctl-bounds-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(msg, sizeof msg, "%s/messages/dmarc/plain.eml", test_datadir());
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    char cmd[300];

    test_nsd_stop(&nsd);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* One run: env (one "NAME=value" or NULL) and up to 20 arguments after
 * "mailctl --resolver NSD"; "@DIR" stands for a fresh directory, "@MSG" for
 * a test message. */
struct bound {
    const char *env;
    const char *args[20];
    bool accepted;
    const char *says;        /* rejected: in stderr; accepted: never in stderr */
    const char *other;       /* accepted but refused for another reason: that
                                reason is in stderr (exit 2 allowed) */
};

static void check(const struct bound *b, size_t idx)
{
    char *argv[32] = { (char *)test_mailctl(), "--resolver", nsd.spec };
    char *env[] = { (char *)b->env, NULL };
    char out_dir[320];
    struct test_out o;
    int n = 3;

    snprintf(out_dir, sizeof out_dir, "%s/out%zu", dir, idx);
    for (size_t i = 0; b->args[i] && n < 31; i++)
        argv[n++] = !strcmp(b->args[i], "@DIR") ? out_dir
                  : !strcmp(b->args[i], "@MSG") ? msg : (char *)b->args[i];
    argv[n] = NULL;
    assert_int_equal(test_run(argv, b->env ? env : NULL, NULL, 0, 120, &o), 0);
    if (!b->accepted) {
        if (o.status != 2 || !strstr(o.err, b->says) || o.out_len != 0)
            fail_msg("case %zu (%s %s): exit %d, want 2 naming '%s'\nstdout: %s\nstderr: %s",
                     idx, b->args[0], b->args[1], o.status, b->says, o.out, o.err);
    } else if (strstr(o.err, b->says) ||
               (b->other ? !strstr(o.err, b->other) : o.status == 2)) {
        fail_msg("case %zu (%s %s): refused (exit %d)\nstderr: %s", idx, b->args[0],
                 b->args[1], o.status, o.err);
    }
    test_out_free(&o);
}

#define MX(...) { __VA_ARGS__, "mx", "good.example", NULL }
#define CHK(opt, v) { "check-dns", "good.example", "--checks", "spf", opt, v, NULL }
#define AUTH "auth", "@MSG", "--ip", "192.0.2.5", "--mail-from", "b@org.dmarctest", \
             "--helo", "mx.org.dmarctest"
#define SEND(opt, v) { "send-test", "--from", "a@client.example", "--to", \
                       "x@nullmx.sendtest.example", opt, v, NULL }

static void numeric_options(void **state)
{
    static const struct bound b[] = {
        /* global --timeout SEC: (0, 3600], finite */
        { NULL, MX("--timeout", "3600"), true, "bad --timeout", NULL },
        { NULL, MX("--timeout", "0.001"), true, "bad --timeout", NULL },
        { NULL, MX("--timeout", "3600.001"), false, "bad --timeout", NULL },
        { NULL, MX("--timeout", "0"), false, "bad --timeout", NULL },
        { NULL, MX("--timeout", "-1"), false, "bad --timeout", NULL },
        { NULL, MX("--timeout", "nan"), false, "bad --timeout", NULL },
        { NULL, MX("--timeout", "inf"), false, "bad --timeout", NULL },
        { "MAILCTL_DNS_TIMEOUT=3600", { "mx", "good.example", NULL }, true,
          "MAILCTL_DNS_TIMEOUT", NULL },
        { "MAILCTL_DNS_TIMEOUT=3601", { "mx", "good.example", NULL }, false,
          "MAILCTL_DNS_TIMEOUT", NULL },
        { "MAILCTL_DNS_TIMEOUT=nan", { "mx", "good.example", NULL }, false,
          "MAILCTL_DNS_TIMEOUT", NULL },
        /* check-dns --jobs 1..256, --smtp-port/--https-port 1..65535 */
        { NULL, CHK("--jobs", "1"), true, "--jobs", NULL },
        { NULL, CHK("--jobs", "256"), true, "--jobs", NULL },
        { NULL, CHK("--jobs", "0"), false, "--jobs", NULL },
        { NULL, CHK("--jobs", "257"), false, "--jobs", NULL },
        { NULL, CHK("--smtp-port", "1"), true, "bad port", NULL },
        { NULL, CHK("--smtp-port", "65535"), true, "bad port", NULL },
        { NULL, CHK("--smtp-port", "0"), false, "bad port", NULL },
        { NULL, CHK("--smtp-port", "65536"), false, "bad port", NULL },
        { NULL, CHK("--https-port", "65535"), true, "bad port", NULL },
        { NULL, CHK("--https-port", "65536"), false, "bad port", NULL },
        /* dkim keygen / setup --bits 1024..4096 */
        { NULL, { "dkim", "keygen", "--domain", "bounds.example", "--selector", "k1",
                  "--bits", "1024", "--out", "@DIR", NULL }, true, "bad --bits", NULL },
        { NULL, { "dkim", "keygen", "--domain", "bounds.example", "--selector", "k2",
                  "--bits", "4096", "--out", "@DIR", NULL }, true, "bad --bits", NULL },
        { NULL, { "dkim", "keygen", "--domain", "bounds.example", "--selector", "k3",
                  "--bits", "1023", "--out", "@DIR", NULL }, false, "bad --bits", NULL },
        { NULL, { "dkim", "keygen", "--domain", "bounds.example", "--selector", "k4",
                  "--bits", "4097", "--out", "@DIR", NULL }, false, "bad --bits", NULL },
        { NULL, { "setup", "good.example", "--mail-host", "mail.good.example", "--ip",
                  "192.0.2.10", "--selector", "s1", "--out", "@DIR", "--bits", "1024",
                  NULL }, true, "bad --bits", NULL },
        { NULL, { "setup", "good.example", "--mail-host", "mail.good.example", "--ip",
                  "192.0.2.10", "--selector", "s1", "--out", "@DIR", "--bits", "1023",
                  NULL }, false, "bad --bits", NULL },
        { NULL, { "setup", "good.example", "--mail-host", "mail.good.example", "--ip",
                  "192.0.2.10", "--selector", "s1", "--out", "@DIR", "--bits", "4097",
                  NULL }, false, "bad --bits", NULL },
        /* send-test --port 1..65535 (to a null MX: exit 1 once accepted),
         * --server HOST:PORT, --wait 0..86400 */
        { NULL, SEND("--port", "1"), true, "bad --port", NULL },
        { NULL, SEND("--port", "65535"), true, "bad --port", NULL },
        { NULL, SEND("--port", "0"), false, "bad --port", NULL },
        { NULL, SEND("--port", "65536"), false, "bad --port", NULL },
        { NULL, SEND("--server", "127.0.0.1:65535"), true, "bad --server", NULL },
        { NULL, SEND("--server", "127.0.0.1:65536"), false, "bad --server", NULL },
        { NULL, SEND("--server", "127.0.0.1:0"), false, "bad --server", NULL },
        { NULL, SEND("--server", "[::1]:65536"), false, "bad --server", NULL },
        { NULL, SEND("--wait", "86400"), true, "bad --wait", "go with --check-imap" },
        { NULL, SEND("--wait", "0"), true, "bad --wait", "go with --check-imap" },
        { NULL, SEND("--wait", "86401"), false, "bad --wait", NULL },
        { NULL, SEND("--wait", "-1"), false, "bad --wait", NULL },
        /* auth --seed: any unsigned long */
        { NULL, { AUTH, "--seed", "18446744073709551615", NULL }, true, "--seed", NULL },
        { NULL, { AUTH, "--seed", "0", NULL }, true, "--seed", NULL },
        { NULL, { AUTH, "--seed", "18446744073709551616", NULL }, false, "--seed", NULL },
        { NULL, { AUTH, "--seed", "-1", NULL }, false, "--seed", NULL },
    };

    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        check(&b[i], i);
}

static void setup_spf_modes(void **state)
{
    static const struct { const char *mode, *want, *not; } c[] = {
        { "mx", "\"v=spf1 mx -all\"", "ip4:" },
        { "ip", "\"v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all\"", " mx " },
    };
    char out_dir[320], key[400];
    struct test_out o;

    for (size_t i = 0; i < 3; i++) {
        const char *mode = i < 2 ? c[i].mode : "a";
        char *argv[] = { (char *)test_mailctl(), "--resolver", nsd.spec, "setup", "good.example",
                         "--mail-host", "mail.good.example", "--ip", "192.0.2.10", "--ipv6",
                         "2001:db8::10", "--out", out_dir, "--spf", (char *)mode, NULL };

        snprintf(out_dir, sizeof out_dir, "%s/spf-%s", dir, mode);
        snprintf(key, sizeof key, "%s/mail.private", out_dir);
        assert_int_equal(test_run(argv, NULL, NULL, 0, 120, &o), 0);
        if (i < 2) {
            if (o.status != 0 || !strstr(o.out, c[i].want))
                fail_msg("--spf %s: exit %d, want %s in\n%s%s", mode, o.status, c[i].want,
                         o.out, o.err);
            assert_null(strstr(strstr(o.out, "v=spf1"), c[i].not));
            assert_int_equal(access(key, F_OK), 0);
        } else {
            assert_int_equal(o.status, 2);
            assert_non_null(strstr(o.err, "--spf"));
            assert_int_not_equal(access(key, F_OK), 0);     /* nothing written */
        }
        test_out_free(&o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numeric_options),
        cmocka_unit_test(setup_spf_modes),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
