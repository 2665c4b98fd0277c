/*
 * test_transport.c - the audit's transport checks against real servers on
 * loopback: NSD serving testdata/zones/smtp-tests.example.zone; Postfix
 * variants (STARTTLS with a test-CA certificate, no STARTTLS, an expired
 * certificate, TLS 1.0 only); nginx (Debian nginx-light) serving MTA-STS
 * policies over HTTPS with the test CA (nginx rather than openssl s_server
 * because one server must answer per Host name and redirect); the
 * scripted hostile SMTP server; DNSBL answers from NSD.  Every server is
 * started on a free port by the group setup and always stopped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "testenv.h"
#include "testjson.h"
#include "testpostfix.h"

#define Z ".smtp-tests.example"

static struct test_nsd nsd;
static struct test_ca ca;
static char dir[256], expired_cert[320], expired_key[320];
static struct test_postfix pf_ok, pf_plain, pf_expired, pf_tls10;
static pid_t nginx_pid = -1;
static int https_port;

static const char *const policies[][2] = {
    { "pol-ok", "version: STSv1\r\nmode: enforce\r\nmx: mx.pol-ok" Z "\r\nmax_age: 86400\r\n" },
    { "pol-testing", "version: STSv1\nmode: testing\nmx: mx.pol-testing" Z "\nmax_age: 86400\n" },
    { "pol-enforce", "version: STSv1\nmode: enforce\nmx: *.elsewhere.example\nmax_age: 86400\n" },
    { "enforce", "version: STSv1\nmode: enforce\nmx: mail.enforce" Z "\nmax_age: 86400\n" },
    { "pol-bad", "version: STSv2\nmode: sometimes\n" },
};

static int write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    if (!fp)
        return -1;
    fputs(text, fp);
    return fclose(fp);
}

/* nginx: one server block per policy host, all on one port. */
static int nginx_start(void)
{
    char conf[400], www[400], path[600], log[320];
    FILE *fp;

    https_port = test_free_port();
    snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
    snprintf(log, sizeof log, "%s/nginx-error.log", dir);
    if (!(fp = fopen(conf, "w")))
        return -1;
    fprintf(fp, "daemon off;\nmaster_process off;\npid %1$s/nginx.pid;\nerror_log %2$s;\n"
                "events {}\nhttp {\n access_log off;\n types { text/plain txt; }\n"
                " default_type application/octet-stream;\n"
                " client_body_temp_path %1$s/t1; proxy_temp_path %1$s/t2;\n"
                " fastcgi_temp_path %1$s/t3; uwsgi_temp_path %1$s/t4; scgi_temp_path %1$s/t5;\n"
                " ssl_certificate %3$s; ssl_certificate_key %4$s;\n",
            dir, log, ca.cert_file, ca.key_file);
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
        fprintf(fp, " server { listen 127.0.0.1:%d ssl; server_name mta-sts.%s" Z ";\n"
                    "  root %s/www/%s; }\n", https_port, policies[i][0], dir, policies[i][0]);
    fprintf(fp, " server { listen 127.0.0.1:%1$d ssl; server_name mta-sts.pol-missing" Z ";\n"
                "  root %2$s/www/empty; }\n"
                " server { listen 127.0.0.1:%1$d ssl; server_name mta-sts.pol-big" Z ";\n"
                "  root %2$s/www/pol-big; }\n"
                " server { listen 127.0.0.1:%1$d ssl; server_name mta-sts.pol-redirect" Z ";\n"
                "  location / { return 301 https://policy.elsewhere.example/mta-sts.txt; } }\n"
                "}\n", https_port, dir);
    fclose(fp);
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
        snprintf(www, sizeof www, "%s/www/%s/.well-known", dir, policies[i][0]);
        test_sh(NULL, "mkdir -p %s", www);
        snprintf(path, sizeof path, "%s/mta-sts.txt", www);
        if (write_file(path, policies[i][1]) < 0)
            return -1;
    }
    /* 10 MiB of a valid-looking policy line, and an empty site (404) */
    if (test_sh(NULL, "mkdir -p %1$s/www/empty %1$s/www/pol-big/.well-known && "
                "{ head -c 10485760 /dev/zero | tr '\\0' 'x' > %1$s/www/pol-big/.well-known/"
                "mta-sts.txt; }", dir) != 0)
        return -1;
    nginx_pid = fork();
    if (nginx_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execlp("nginx", "nginx", "-e", log, "-p", dir, "-c", conf, (char *)NULL);
        _exit(127);
    }
    if (nginx_pid < 0 || test_wait_banner(https_port, true, 15) < 0) {
        fprintf(stderr, "nginx did not start\n");
        test_sh(NULL, "cat %s >&2", log);
        return -1;
    }
    return 0;
}

static int start(void **state)
{
    const char *names[] = { "mx.ok" Z, "mx.nostarttls" Z, "mx.expired" Z, "mx.tls10" Z,
                            "mx.twoaddr" Z, "mx.hostile" Z, "mx.pol-ok" Z, "mta-sts.pol-ok" Z,
                            "mta-sts.pol-testing" Z, "mta-sts.pol-enforce" Z,
                            "mta-sts.enforce" Z, "mta-sts.pol-bad" Z, "mta-sts.pol-missing" Z,
                            "mta-sts.pol-big" Z, "mta-sts.pol-redirect" Z, NULL };
    const char *exp_names[] = { "mx.expired" Z, NULL };
    struct test_postfix_opts o = { .ca = &ca };
    struct test_postfix_opts o_plain = { .ca = &ca, .main_cf_extra =
                                         "smtpd_tls_security_level = none" };
    struct test_postfix_opts o_exp = { .ca = &ca, .cert_file = expired_cert,
                                       .key_file = expired_key };
    struct test_postfix_opts o_10 = { .ca = &ca, .main_cf_extra =
        "smtpd_tls_protocols = !SSLv2, !SSLv3, !TLSv1.1, !TLSv1.2, !TLSv1.3\n"
        "smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1.1, !TLSv1.2, !TLSv1.3\n"
        "tls_medium_cipherlist = DEFAULT:@SECLEVEL=0" };

    snprintf(dir, sizeof dir, "/tmp/mailctl-transport-%d", (int)getpid());
    snprintf(expired_cert, sizeof expired_cert, "%s/expired.pem", dir);
    snprintf(expired_key, sizeof expired_key, "%s/expired.key", dir);
    if (test_nsd_start(&nsd, NULL) < 0 || test_ca_make(&ca, dir, names) < 0 ||
        test_ca_issue(&ca, expired_cert, expired_key, exp_names, true) < 0)
        return -1;
    if (test_postfix_start_opts(&pf_ok, "ok" Z, &o) < 0 ||
        test_postfix_start_opts(&pf_plain, "nostarttls" Z, &o_plain) < 0 ||
        test_postfix_start_opts(&pf_expired, "expired" Z, &o_exp) < 0 ||
        test_postfix_start_opts(&pf_tls10, "tls10" Z, &o_10) < 0)
        return -1;
    return nginx_start();
}

static int stop(void **state)
{
    if (nginx_pid > 0) {
        kill(nginx_pid, SIGTERM);
        waitpid(nginx_pid, NULL, 0);
    }
    test_postfix_stop(&pf_ok);
    test_postfix_stop(&pf_plain);
    test_postfix_stop(&pf_expired);
    test_postfix_stop(&pf_tls10);
    test_nsd_stop(&nsd);
    if (dir[0])
        test_sh(NULL, "rm -rf %s", dir);
    return 0;
}

/* mailctl --resolver NSD --timeout 2 --ca-file CA check-dns --json
 * --allow-private --https-port P --smtp-port PORT ARGS... */
static json_t *audit(int smtp_port, int want_exit, ...)
{
    char sp[16], hp[16];
    char *argv[40] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "2",
                       "--ca-file", ca.ca_file, "check-dns", "--json", "--allow-private",
                       "--smtp-port", sp, "--https-port", hp };
    int n = 14;
    struct test_out out;
    json_error_t e;
    json_t *doc;
    va_list ap;
    const char *a;

    snprintf(sp, sizeof sp, "%d", smtp_port);
    snprintf(hp, sizeof hp, "%d", https_port);
    va_start(ap, want_exit);
    while ((a = va_arg(ap, const char *)) && n < 39)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
    if (want_exit >= 0 && out.status != want_exit)
        fail_msg("exit %d, want %d\n%s\n%s", out.status, want_exit, out.out, out.err);
    doc = json_loads(out.out, 0, &e);
    if (!doc)
        fail_msg("not JSON: %s\n%s", out.out, out.err);
    test_out_free(&out);
    return doc;
}

static void expect(json_t *doc, const char *id, const char *sev, const char *needle)
{
    if (!test_has_finding(doc, id, sev, needle)) {
        char *dump = json_dumps(json_object_get(doc, "findings"), JSON_INDENT(1));
        fail_msg("want %s %s%s%s in\n%s", id, sev, needle ? " with " : "", needle ? needle : "",
                 dump);
    }
}

static void smtp_good_server(void **state)
{
    json_t *d = audit(pf_ok.port, 0, "--checks", "smtp", "ok" Z, NULL);

    expect(d, "smtp.unreachable", "pass", "127.0.0.1");
    expect(d, "smtp.starttls-missing", "pass", NULL);
    expect(d, "smtp.tls-handshake", "pass", NULL);
    expect(d, "smtp.tls-version", "pass", "TLSv1.3");
    expect(d, "smtp.cert-invalid", "pass", NULL);
    expect(d, "smtp.cert-expiring", "pass", "days left");
    /* 127.0.0.1's PTR (testdata/zones/127.in-addr.arpa.zone) is not the name
     * Postfix gives itself */
    expect(d, "smtp.banner-mismatch", "info", "PTR says loopback.ptr-name.example");
    json_decref(d);
}

static void smtp_variants(void **state)
{
    json_t *d = audit(pf_plain.port, 0, "--checks", "smtp", "nostarttls" Z, NULL);
    expect(d, "smtp.starttls-missing", "warn", NULL);
    assert_false(test_has_finding(d, "smtp.tls-handshake", "pass", NULL));
    json_decref(d);

    d = audit(pf_expired.port, 1, "--checks", "smtp", "expired" Z, NULL);
    expect(d, "smtp.cert-expiring", "fail", "ago");
    expect(d, "smtp.cert-invalid", "info", "expired");
    json_decref(d);

    d = audit(pf_ok.port, 0, "--checks", "smtp", "wrongname" Z, NULL);
    expect(d, "smtp.cert-invalid", "info", "mail.wrongname");
    json_decref(d);

    d = audit(pf_tls10.port, 0, "--checks", "smtp", "tls10" Z, NULL);
    expect(d, "smtp.tls-version", "warn", "TLSv1,");
    json_decref(d);

    /* no --ca-file trust: the test CA is unknown to the system store */
    d = audit(pf_ok.port, 0, "--checks", "smtp", "--ca-file", ca.wrong_ca_file, "ok" Z, NULL);
    expect(d, "smtp.cert-invalid", "info", NULL);
    json_decref(d);
}

static void smtp_refused_is_error(void **state)
{
    json_t *d = audit(pf_ok.port, 3, "--checks", "smtp", "twoaddr" Z, NULL);

    expect(d, "smtp.unreachable", "pass", "127.0.0.1");
    expect(d, "smtp.unreachable", "error", "refused");
    json_decref(d);
}

static void smtp_private_needs_flag(void **state)
{
    char *argv[] = { (char *)test_mailctl(), "--resolver", nsd.spec, "check-dns", "--json",
                     "--checks", "smtp", "ok" Z, NULL };
    struct test_out out;
    json_t *d;

    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    d = json_loads(out.out, 0, NULL);
    assert_non_null(d);
    expect(d, "smtp.unreachable", "skipped", "--allow-private");
    json_decref(d);
    test_out_free(&out);
}

static void mtasts_policies(void **state)
{
    json_t *d = audit(pf_ok.port, 0, "--checks", "mtasts", "pol-ok" Z, NULL);
    expect(d, "mtasts.policy", "pass", "mode enforce");
    expect(d, "mtasts.mx-mismatch", "pass", NULL);
    json_decref(d);

    d = audit(pf_ok.port, 0, "--checks", "mtasts", "pol-testing" Z, NULL);
    expect(d, "mtasts.mx-mismatch", "warn", "other.pol-testing");
    json_decref(d);

    d = audit(pf_ok.port, 1, "--checks", "mtasts", "pol-enforce" Z, NULL);
    expect(d, "mtasts.mx-mismatch", "fail", "other.pol-enforce");
    json_decref(d);

    d = audit(pf_ok.port, 1, "--checks", "mtasts", "pol-bad" Z, NULL);
    expect(d, "mtasts.policy", "fail", NULL);
    json_decref(d);

    d = audit(pf_ok.port, 1, "--checks", "mtasts", "pol-missing" Z, NULL);
    expect(d, "mtasts.policy", "fail", "HTTP 404");
    json_decref(d);

    d = audit(pf_ok.port, 1, "--checks", "mtasts", "pol-nohost" Z, NULL);
    expect(d, "mtasts.policy", "fail", "no address");
    json_decref(d);
}

static void mtasts_hostile_policy_server(void **state)
{
    json_t *d = audit(pf_ok.port, 3, "--checks", "mtasts", "pol-big" Z, NULL);
    expect(d, "mtasts.policy", "error", "larger than 65536");
    json_decref(d);

    d = audit(pf_ok.port, 3, "--checks", "mtasts", "pol-redirect" Z, NULL);
    expect(d, "mtasts.policy", "error", "redirect");
    json_decref(d);
}

static void enforce_makes_cert_fail(void **state)
{
    json_t *d = audit(pf_ok.port, 1, "--checks", "smtp,mtasts", "enforce" Z, NULL);

    expect(d, "mtasts.policy", "pass", "mode enforce");
    expect(d, "smtp.cert-invalid", "fail", "enforce");
    json_decref(d);
}

/* Each hostile behaviour: an error finding, within the timeout, no hang. */
static void smtp_hostile(void **state)
{
    static const char *const hows[] = { "long-line", "endless", "stall", "garbage",
                                        "421-banner", "drop-tls" };

    for (size_t i = 0; i < sizeof hows / sizeof hows[0]; i++) {
        char script[400];
        char *argv[] = { "/usr/bin/python3", script, (char *)hows[i], NULL };
        int pid, port;
        json_t *d;

        snprintf(script, sizeof script, "%s/../tests/servers/hostile_smtp.py", test_datadir());
        assert_int_equal(test_server_spawn(argv, &pid, &port), 0);
        d = audit(port, 3, "--checks", "smtp", "hostile" Z, NULL);
        if (!test_has_finding(d, "smtp.unreachable", "error", NULL) &&
            !test_has_finding(d, "smtp.tls-handshake", "error", NULL))
            fail_msg("%s: no error finding: %s", hows[i], json_dumps(d, 0));
        json_decref(d);
        test_server_kill(pid);
    }
}

static void dnsbl_answers(void **state)
{
    json_t *d = audit(pf_ok.port, 1, "--checks", "dnsbl", "--dnsbl", "bl" Z, "--ip", "127.0.0.3",
                      "ok" Z, NULL);
    expect(d, "dnsbl.listed", "fail", "listed for the test");
    expect(d, "dnsbl.listed", "pass", "127.0.0.3");
    json_decref(d);

    d = audit(pf_ok.port, 3, "--checks", "dnsbl", "--dnsbl", "refused" Z, "ok" Z, NULL);
    expect(d, "dnsbl.listed", "error", "127.255.255.254");
    json_decref(d);

    d = audit(pf_ok.port, 3, "--checks", "dnsbl", "--dnsbl", "bad" Z, "ok" Z, NULL);
    expect(d, "dnsbl.listed", "error", "only 127.0.0.0/8");
    json_decref(d);

    /* none by default: no list is asked */
    d = audit(pf_ok.port, 0, "--checks", "dnsbl", "ok" Z, NULL);
    assert_int_equal(json_array_size(json_object_get(d, "findings")), 0);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(smtp_good_server),
        cmocka_unit_test(smtp_variants),
        cmocka_unit_test(smtp_refused_is_error),
        cmocka_unit_test(smtp_private_needs_flag),
        cmocka_unit_test(mtasts_policies),
        cmocka_unit_test(mtasts_hostile_policy_server),
        cmocka_unit_test(enforce_makes_cert_fail),
        cmocka_unit_test(smtp_hostile),
        cmocka_unit_test(dnsbl_answers),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
