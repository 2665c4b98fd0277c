/*
 * test_dnssec_dane.c - dnssec.* and dane.* against a real validating
 * resolver: Debian unbound on loopback, stub for "example." to the test NSD,
 * which serves testdata/zones plus testdata/dnssec/ zones signed at test
 * time with ldns-keygen/ldns-signzone (dnssec-good.example valid,
 * dnssec-bogus.example with its MX changed after signing).  The TLSA
 * records are made from the certificate of a real Postfix started for
 * dnssec-good.example; the probe's chain is matched against them.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "auth/dns.h"
#include "testenv.h"
#include "testjson.h"
#include "testpostfix.h"

static struct test_nsd nsd;
static struct test_postfix pf;
static char dir[256], log_[320], unbound_spec[64];
static pid_t unbound_pid = -1;

/* Copy the zones, add the TLSA records, sign, break the bogus one. */
static int make_zones(void)
{
    const char *src = TEST_DATADIR;

    return test_sh(log_, "mkdir -p %1$s/zones %1$s/keys && cp %2$s/zones/*.zone %1$s/zones/ && "
                   "cp %2$s/dnssec/*.zone %1$s/keys/", dir, src) ||
           test_sh(log_, "cd %1$s/keys && h=$(openssl x509 -in %2$s -noout -pubkey | openssl pkey "
                   "-pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1) && "
                   "{ printf '_25._tcp.mx IN TLSA 3 1 1 %%s\\n_25._tcp.mx2 IN TLSA 3 1 1 %%s\\n' "
                   "$h 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff "
                   ">> dnssec-good.example.zone; }", dir, pf.ca.cert_file) ||
           test_sh(log_, "cd %1$s/keys && for z in dnssec-good.example dnssec-bogus.example; do "
                   "k=$(ldns-keygen -k -a ECDSAP256SHA256 $z) && "
                   "ldns-signzone -f %1$s/zones/$z.zone -o $z $z.zone $k && "
                   "cp $k.ds $z.ds || exit 1; done && "
                   "sed -i 's/\\(IN[[:space:]]*MX[[:space:]]*\\)10 mx.dnssec-bogus/\\120 "
                   "mx.dnssec-bogus/' %1$s/zones/dnssec-bogus.example.zone && "
                   "grep -q 'MX.*20 mx.dnssec-bogus' %1$s/zones/dnssec-bogus.example.zone",
                   dir);
}

static int unbound_start(void)
{
    char conf[320];
    int port = test_free_port();
    FILE *fp;

    snprintf(conf, sizeof conf, "%s/unbound.conf", dir);
    snprintf(unbound_spec, sizeof unbound_spec, "127.0.0.1:%d", port);
    if (!(fp = fopen(conf, "w")))
        return -1;
    fprintf(fp, "server:\n interface: 127.0.0.1\n port: %1$d\n do-ip6: no\n username: \"\"\n"
                " chroot: \"\"\n directory: \"%2$s\"\n pidfile: \"%2$s/unbound.pid\"\n"
                " use-syslog: no\n logfile: \"%2$s/unbound.log\"\n verbosity: 1\n"
                " do-not-query-localhost: no\n module-config: \"validator iterator\"\n"
                " trust-anchor-file: \"%2$s/keys/dnssec-good.example.ds\"\n"
                " trust-anchor-file: \"%2$s/keys/dnssec-bogus.example.ds\"\n"
                " access-control: 127.0.0.0/8 allow\n val-log-level: 2\n"
                "remote-control:\n control-enable: no\n"
                "stub-zone:\n name: \"example.\"\n stub-addr: 127.0.0.1@%3$d\n",
            port, dir, nsd.port);
    fclose(fp);
    unbound_pid = fork();
    if (unbound_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execlp("unbound", "unbound", "-d", "-c", conf, (char *)NULL);
        _exit(127);
    }
    if (unbound_pid < 0)
        return -1;
    /* Ready when it answers a question (polling, up to 15 s). */
    for (int i = 0; i < 150; i++) {
        const char *servers[] = { unbound_spec };
        struct dns_engine_params p = { .servers = servers, .nservers = 1, .timeout_ms = 100,
                                       .attempts = 1, .no_cache = true };
        struct dns_engine *eng = NULL;
        const struct dns_result *r = NULL;
        char err[200];
        bool ok = false;

        if (dns_engine_new(&p, &eng, err, sizeof err) == AUTH_OK &&
            dns_query(eng, "dnssec-good.example", DNS_T_SOA, &r) == AUTH_OK)
            ok = dns_result_status(r) == DNS_DATA;
        dns_engine_free(eng);
        if (ok)
            return 0;
        /* poll interval while unbound comes up (a refused port fails at once) */
        nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
    }
    fprintf(stderr, "unbound did not answer:\n");
    {
        char cmd[800];
        snprintf(cmd, sizeof cmd, "tail -n 20 %s/unbound.log %s >&2", dir, log_);
        if (system(cmd) != 0)
            fprintf(stderr, "(no log)\n");
    }
    return -1;
}

static int start(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/mailctl-dnssec-%d", (int)getpid());
    snprintf(log_, sizeof log_, "%s.log", dir);
    test_sh(NULL, "mkdir -p %s", dir);
    if (test_postfix_start(&pf, "dnssec-good.example") < 0 || make_zones() != 0) {
        fprintf(stderr, "zone signing failed, see %s\n", log_);
        return -1;
    }
    {
        char zones[320];
        snprintf(zones, sizeof zones, "%s/zones", dir);
        if (test_nsd_start(&nsd, zones) < 0)
            return -1;
    }
    return unbound_start();
}

static int stop(void **state)
{
    if (unbound_pid > 0) {
        kill(unbound_pid, SIGTERM);
        waitpid(unbound_pid, NULL, 0);
    }
    test_nsd_stop(&nsd);
    test_postfix_stop(&pf);
    test_sh(NULL, "rm -rf %s %s", dir, log_);
    return 0;
}

static json_t *audit(const char *resolver, int want_exit, const char *checks, const char *domain)
{
    char port[16];
    char *argv[] = { (char *)test_mailctl(), "--resolver", (char *)resolver, "--timeout", "2",
                     "--ca-file", pf.ca.ca_file, "check-dns", "--json", "--allow-private",
                     "--smtp-port", port, "--checks", (char *)checks, (char *)domain, NULL };
    struct test_out out;
    json_t *doc;

    snprintf(port, sizeof port, "%d", pf.port);
    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
    if (out.status != want_exit)
        fail_msg("%s: exit %d, want %d\n%s\n%s", domain, out.status, want_exit, out.out, out.err);
    doc = json_loads(out.out, 0, NULL);
    assert_non_null(doc);
    test_out_free(&out);
    return doc;
}

static void expect(json_t *doc, const char *id, const char *sev, const char *needle)
{
    if (test_has_finding(doc, id, sev, needle))
        return;
    fail_msg("want %s %s %s in %s", id, sev, needle ? needle : "", json_dumps(doc, JSON_INDENT(1)));
}

static void signed_zone_validates(void **state)
{
    json_t *d = audit(unbound_spec, 0, "dnssec", "dnssec-good.example");

    expect(d, "dnssec.unsigned", "pass", NULL);
    expect(d, "dnssec.bogus", "pass", NULL);
    json_decref(d);
}

static void bogus_zone_fails(void **state)
{
    json_t *d = audit(unbound_spec, 1, "dnssec", "dnssec-bogus.example");

    expect(d, "dnssec.bogus", "fail", "MX");
    json_decref(d);
}

/* The bogus verdict depends on a second query with CD=1: a recorded run
 * replays to the same findings with no resolver at all. */
static void bogus_replays(void **state)
{
    char tape[] = "/tmp/mailctl-dnssec-tape-XXXXXX", spec[64];
    int fd = mkstemp(tape);
    struct test_out rec, rep;
    json_t *a, *b;

    assert_true(fd >= 0);
    close(fd);
    {
        char *argv[] = { (char *)test_mailctl(), "--resolver", unbound_spec, "--dns-record",
                         tape, "check-dns", "--json", "--checks", "dnssec",
                         "dnssec-bogus.example", NULL };
        assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &rec), 0);
    }
    snprintf(spec, sizeof spec, "127.0.0.1:%d", test_free_port());
    {
        char *argv[] = { (char *)test_mailctl(), "--resolver", spec, "--timeout", "0.3",
                         "--dns-replay", tape, "check-dns", "--json", "--checks", "dnssec",
                         "dnssec-bogus.example", NULL };
        assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &rep), 0);
    }
    unlink(tape);
    assert_int_equal(rec.status, 1);
    assert_int_equal(rep.status, 1);
    a = json_loads(rec.out, 0, NULL);
    b = json_loads(rep.out, 0, NULL);
    assert_non_null(a);
    assert_non_null(b);
    expect(b, "dnssec.bogus", "fail", "MX");
    assert_true(json_equal(json_object_get(a, "findings"), json_object_get(b, "findings")));
    json_decref(a);
    json_decref(b);
    test_out_free(&rec);
    test_out_free(&rep);
}

static void unvalidated_is_info(void **state)
{
    json_t *d = audit(nsd.spec, 0, "dnssec", "dnssec-good.example");   /* NSD: no AD */

    expect(d, "dnssec.unsigned", "info", "DNSKEY");
    json_decref(d);
    d = audit(unbound_spec, 0, "dnssec", "good.example");              /* not signed */
    expect(d, "dnssec.unsigned", "info", NULL);
    json_decref(d);
}

static void dane_against_the_probe(void **state)
{
    json_t *d = audit(unbound_spec, 1, "smtp", "dnssec-good.example");

    expect(d, "dane.tlsa-mismatch", "pass", "_25._tcp.mx.dnssec-good.example");
    expect(d, "dane.tlsa-mismatch", "fail", "_25._tcp.mx2.dnssec-good.example");
    /* the certificate names mx, not mx2: under DANE that is a fail */
    expect(d, "smtp.cert-invalid", "fail", "mx2.dnssec-good.example");
    expect(d, "smtp.cert-invalid", "pass", "mx.dnssec-good.example");
    json_decref(d);
    /* without validation the TLSA records do not count */
    d = audit(nsd.spec, 0, "smtp", "dnssec-good.example");
    expect(d, "dane.tlsa-mismatch", "info", "not authenticated");
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signed_zone_validates),
        cmocka_unit_test(bogus_zone_fails),
        cmocka_unit_test(bogus_replays),
        cmocka_unit_test(unvalidated_is_info),
        cmocka_unit_test(dane_against_the_probe),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
