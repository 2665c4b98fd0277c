/*
 * test_arc_interop.c - ARC (RFC 8617) against dkimpy (Debian python3-dkim),
 * keys served by a real NSD.
 *
 * Setup makes RSA-2048 keys (two selectors) and an Ed25519 key with
 * build/dkimkeygen, a zone arc-interop.example with them, SPF and DMARC,
 * and starts NSD.  Then: chains sealed by dkimpy (1, 2, 3 hops) pass in
 * `mailctl arc verify`; chains sealed by `mailctl arc seal` pass in dkimpy;
 * mixed chains (dkimpy, mailctl, dkimpy) pass in both after every hop;
 * tampering after the last seal is fail in both; a key that does not
 * match its record stops `arc seal` with exit 2 and nothing written; a
 * chain whose newest seal says cv=fail is passed on unchanged (exit 1);
 * --use-ar seals the gateway's results; `auth` reports arc= with
 * header.oldest-pass and smtp.remote-ip, and --trust-arc separately; a key
 * that cannot be fetched is a fail with temperror in the JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testenv.h"

#define DOMAIN "arc-interop.example"
#define PY "/usr/bin/python3"

static struct test_nsd nsd;
static char dir[256], keys[300], zones[300], tool[512], port[16];

static const char message[] =
    "From: Alice <alice@" DOMAIN ">\r\nTo: list@lists.example\r\n"
    "Subject: ARC interop\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <arc-1@" DOMAIN ">\r\n\r\nHello list,\r\n\r\nthis goes through "
    "several forwarders.\r\n";

static int run(char *const argv[], const char *in, size_t inlen, struct test_out *o)
{
    char resolver[96];
    char *env[] = { resolver, NULL };

    snprintf(resolver, sizeof resolver, "MAILCTL_RESOLVER=%s", nsd.spec);
    return test_run(argv, env, in, inlen, 120, o);
}

static int keygen(const char *sel, const char *alg)
{
    char bin[512];
    char *argv[] = { bin, "--domain", DOMAIN, "--selector", (char *)sel, "--algorithm",
                     (char *)alg, "--out", keys, NULL };
    struct test_out o;
    int rc;

    snprintf(bin, sizeof bin, "%s/dkimkeygen", TEST_BUILD_DIR);
    rc = test_run(argv, NULL, NULL, 0, 120, &o) == 0 && o.status == 0 ? 0 : -1;
    if (rc)
        fprintf(stderr, "keygen %s: %s\n", sel, o.err);
    test_out_free(&o);
    return rc;
}

static int add_key(FILE *z, const char *sel)
{
    char path[512], *txt;
    size_t len;

    snprintf(path, sizeof path, "%s/%s.txt", keys, sel);
    if (!(txt = test_slurp(path, &len)))
        return -1;
    fputs(txt, z);
    free(txt);
    return 0;
}

static int setup(void **state)
{
    char path[512];
    FILE *z;

    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mailctl-arc-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(zones, sizeof zones, "%s/zones", dir);
    mkdir(keys, 0700);
    mkdir(zones, 0755);
    if (keygen("rsa", "rsa") || keygen("other", "rsa") || keygen("ed", "ed25519"))
        return -1;
    snprintf(path, sizeof path, "%s/" DOMAIN ".zone", zones);
    if (!(z = fopen(path, "w")))
        return -1;
    fprintf(z, "$ORIGIN " DOMAIN ".\n$TTL 300\n"
               "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n"
               "ns1 IN A 127.0.0.1\n@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
               "_dmarc IN TXT \"v=DMARC1; p=reject\"\n");
    if (add_key(z, "rsa") || add_key(z, "other") || add_key(z, "ed"))
        return -1;
    fclose(z);
    /* the parent zone, so DMARC's tree walk gets answers, not REFUSED */
    snprintf(path, sizeof path, "%s/example.zone", zones);
    if (!(z = fopen(path, "w")))
        return -1;
    fprintf(z, "$ORIGIN example.\n$TTL 300\n"
               "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n"
               "ns1 IN A 127.0.0.1\n");
    fclose(z);
    if (test_nsd_start(&nsd, zones) != 0)
        return -1;
    snprintf(port, sizeof port, "%d", nsd.port);
    snprintf(tool, sizeof tool, "%s/../tests/interop/dkimpy_arc_tool.py", test_datadir());
    return 0;
}

static int teardown(void **state)
{
    char cmd[512];

    (void)state;
    test_nsd_stop(&nsd);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *path_of(const char *name)
{
    static char p[4][512];
    static int k;

    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* `mailctl arc seal` of in into out with key SEL; returns the exit code. */
static int mailctl_seal(const char *in, const char *out, const char *sel, const char *key_sel,
                        struct test_out *keep)
{
    char key[512];
    char *argv[] = { (char *)test_mailctl(), "arc", "seal", (char *)in, "--domain", DOMAIN,
                     "--selector", (char *)sel, "--key", key, "--ip", "192.0.2.7",
                     "--mail-from", "alice@" DOMAIN, "--helo", "mx." DOMAIN,
                     "--authserv-id", "fwd.example", NULL };
    struct test_out o;
    int st;

    snprintf(key, sizeof key, "%s/%s.private", keys, key_sel);
    assert_int_equal(run(argv, NULL, 0, &o), 0);
    st = o.status;
    if (st == 0)
        assert_int_equal(test_spit(out, o.out, o.out_len), 0);
    if (keep)
        *keep = o;
    else
        test_out_free(&o);
    return st;
}

static void dkimpy_seal(const char *in, const char *out)
{
    char key[512], *msg;
    char *argv[] = { PY, tool, "seal", port, "rsa", DOMAIN, key, "dkimpy.example", NULL };
    struct test_out o;
    size_t len;

    snprintf(key, sizeof key, "%s/rsa.private", keys);
    msg = test_slurp(in, &len);
    assert_non_null(msg);
    assert_int_equal(run(argv, msg, len, &o), 0);
    if (o.status)
        fprintf(stderr, "dkimpy seal: %s\n", o.err);
    assert_int_equal(o.status, 0);
    assert_int_equal(test_spit(out, o.out, o.out_len), 0);
    test_out_free(&o);
    free(msg);
}

/* `mailctl --json arc verify`: exit code; *out the JSON (malloc). */
static int mailctl_verify(const char *path, char **out)
{
    char *argv[] = { (char *)test_mailctl(), "--json", "arc", "verify", (char *)path, NULL };
    struct test_out o;
    int st;

    assert_int_equal(run(argv, NULL, 0, &o), 0);
    st = o.status;
    *out = strdup(o.out);
    test_out_free(&o);
    return st;
}

/* dkimpy's arc_verify: 0 when the chain passes. */
static int dkimpy_verify(const char *path)
{
    char *argv[] = { PY, tool, "verify", port, (char *)path, NULL };
    struct test_out o;
    int st;

    assert_int_equal(run(argv, NULL, 0, &o), 0);
    st = o.status;
    if (st)
        fprintf(stderr, "dkimpy verify: %s%s\n", o.out, o.err);
    test_out_free(&o);
    return st;
}

static void expect_pass_both(const char *path, int sets)
{
    char *json = NULL, want[64];
    int st = mailctl_verify(path, &json);

    if (st)
        fprintf(stderr, "mailctl arc verify %s: %s\n", path, json);
    assert_int_equal(st, 0);
    assert_non_null(strstr(json, "\"result\": \"pass\""));
    assert_non_null(strstr(json, "\"oldest_pass\": 1"));
    snprintf(want, sizeof want, "\"instance\": %d", sets);
    assert_non_null(strstr(json, want));
    snprintf(want, sizeof want, "\"instance\": %d", sets + 1);
    assert_null(strstr(json, want));
    free(json);
    assert_int_equal(dkimpy_verify(path), 0);
}

static void write_base(const char *path)
{
    assert_int_equal(test_spit(path, message, sizeof message - 1), 0);
}

static void test_dkimpy_chains(void **state)
{
    char in[512], out[512];

    (void)state;
    snprintf(in, sizeof in, "%s", path_of("d0.eml"));
    write_base(in);
    for (int hop = 1; hop <= 3; hop++) {
        snprintf(out, sizeof out, "%s/d%d.eml", dir, hop);
        dkimpy_seal(in, out);
        expect_pass_both(out, hop);
        snprintf(in, sizeof in, "%s", out);
    }
}

static void test_mailctl_chains(void **state)
{
    char in[512], out[512];

    (void)state;
    snprintf(in, sizeof in, "%s", path_of("m0.eml"));
    write_base(in);
    for (int hop = 1; hop <= 3; hop++) {
        snprintf(out, sizeof out, "%s/m%d.eml", dir, hop);
        assert_int_equal(mailctl_seal(in, out, "rsa", "rsa", NULL), 0);
        expect_pass_both(out, hop);
        snprintf(in, sizeof in, "%s", out);
    }
}

/* dkimpy, then mailctl, then dkimpy: each verifies the other's seals. */
static void test_mixed(void **state)
{
    (void)state;
    write_base(path_of("x0.eml"));
    dkimpy_seal(path_of("x0.eml"), path_of("x1.eml"));
    expect_pass_both(path_of("x1.eml"), 1);
    assert_int_equal(mailctl_seal(path_of("x1.eml"), path_of("x2.eml"), "rsa", "rsa", NULL), 0);
    expect_pass_both(path_of("x2.eml"), 2);
    dkimpy_seal(path_of("x2.eml"), path_of("x3.eml"));
    expect_pass_both(path_of("x3.eml"), 3);
}

static void tamper(const char *in, const char *out, const char *from, const char *to)
{
    size_t len;
    char *m = test_slurp(in, &len), *at, *t;

    assert_non_null(m);
    at = strstr(m, from);
    if (!at)
        fprintf(stderr, "'%s' not in %s:\n%s\n", from, in, m);
    assert_non_null(at);
    t = malloc(len + strlen(to) + 1);
    memcpy(t, m, (size_t)(at - m));
    memcpy(t + (at - m), to, strlen(to));
    memcpy(t + (at - m) + strlen(to), at + strlen(from), len - (size_t)(at - m) - strlen(from));
    assert_int_equal(test_spit(out, t, len - strlen(from) + strlen(to)), 0);
    free(t);
    free(m);
}

static void expect_fail_both(const char *path, const char *why)
{
    char *json = NULL;

    assert_int_equal(mailctl_verify(path, &json), 1);
    assert_non_null(strstr(json, "\"result\": \"fail\""));
    if (!strstr(json, why))
        fprintf(stderr, "%s\n", json);
    assert_non_null(strstr(json, why));
    free(json);
    assert_int_equal(dkimpy_verify(path), 1);
}

/* Changes after the last seal, whoever sealed last. */
static void test_tampered(void **state)
{
    (void)state;
    write_base(path_of("t0.eml"));
    dkimpy_seal(path_of("t0.eml"), path_of("t1.eml"));
    assert_int_equal(mailctl_seal(path_of("t1.eml"), path_of("t2.eml"), "rsa", "rsa", NULL), 0);
    tamper(path_of("t2.eml"), path_of("t2-body.eml"), "several", "sev3ral");
    expect_fail_both(path_of("t2-body.eml"), "body hash mismatch");
    tamper(path_of("t2.eml"), path_of("t2-subj.eml"), "Subject: ARC", "Subject: arc");
    expect_fail_both(path_of("t2-subj.eml"), "ARC-Message-Signature i=2");
    tamper(path_of("t2.eml"), path_of("t2-aar.eml"), "i=1; hop1.dkimpy.example",
           "i=1;  hop1.dkimpy.example; x=y");
    expect_fail_both(path_of("t2-aar.eml"), "ARC-Seal i=");
    dkimpy_seal(path_of("t2.eml"), path_of("t3.eml"));
    tamper(path_of("t3.eml"), path_of("t3-body.eml"), "Hello list", "Hello lost");
    expect_fail_both(path_of("t3-body.eml"), "body hash mismatch");
}

/* A failed chain is sealed once with cv=fail, then never again. */
static void test_cv_fail(void **state)
{
    struct test_out o;
    size_t a, b;
    char *in, *json = NULL;

    (void)state;
    write_base(path_of("f0.eml"));
    assert_int_equal(mailctl_seal(path_of("f0.eml"), path_of("f1.eml"), "rsa", "rsa", NULL), 0);
    tamper(path_of("f1.eml"), path_of("f1-bad.eml"), "several", "many");
    assert_int_equal(mailctl_seal(path_of("f1-bad.eml"), path_of("f2.eml"), "rsa", "rsa", NULL), 0);
    assert_int_equal(mailctl_verify(path_of("f2.eml"), &json), 1);
    assert_non_null(strstr(json, "says cv=fail"));
    free(json);
    assert_int_equal(dkimpy_verify(path_of("f2.eml")), 1);
    assert_int_equal(mailctl_seal(path_of("f2.eml"), path_of("f3.eml"), "rsa", "rsa", &o), 1);
    in = test_slurp(path_of("f2.eml"), &a);
    b = o.out_len;
    assert_int_equal(a, b);
    assert_memory_equal(in, o.out, a);
    free(in);
    test_out_free(&o);
}

/* A key that is not the one published: exit 2, nothing on stdout. */
static void test_key_mismatch(void **state)
{
    struct test_out o;

    (void)state;
    write_base(path_of("k0.eml"));
    assert_int_equal(mailctl_seal(path_of("k0.eml"), path_of("k1.eml"), "rsa", "other", &o), 2);
    assert_int_equal(o.out_len, 0);
    assert_non_null(strstr(o.err, "does not match"));
    test_out_free(&o);
    assert_int_equal(mailctl_seal(path_of("k0.eml"), path_of("k1.eml"), "nosuch", "rsa", &o), 2);
    assert_int_equal(o.out_len, 0);
    test_out_free(&o);
}

/* Ed25519 seals (RFC 8617 registry; dkimpy 1.1.4 takes RSA only). */
static void test_ed25519(void **state)
{
    char *json = NULL;

    (void)state;
    write_base(path_of("e0.eml"));
    assert_int_equal(mailctl_seal(path_of("e0.eml"), path_of("e1.eml"), "ed", "ed", NULL), 0);
    assert_int_equal(mailctl_seal(path_of("e1.eml"), path_of("e2.eml"), "rsa", "rsa", NULL), 0);
    assert_int_equal(mailctl_verify(path_of("e2.eml"), &json), 0);
    assert_non_null(strstr(json, "\"result\": \"pass\""));
    assert_non_null(strstr(json, "\"selector\": \"ed\""));
    free(json);
}

/* --use-ar seals what the gateway's Authentication-Results say. */
static void test_use_ar(void **state)
{
    char key[512];
    static const char ar[] = "Authentication-Results: gw.example; spf=pass "
                             "smtp.mailfrom=alice@" DOMAIN "\r\n";
    char *msg = malloc(sizeof ar + sizeof message), *argv[] = {
        (char *)test_mailctl(), "arc", "seal", path_of("u0.eml"), "--use-ar",
        "--authserv-id", "gw.example", "--domain", DOMAIN, "--selector", "rsa", "--key", key,
        "--timestamp", "1700000000", "--headers", "from,to,subject", NULL };
    struct test_out o;

    (void)state;
    snprintf(key, sizeof key, "%s/rsa.private", keys);
    snprintf(msg, sizeof ar + sizeof message, "%s%s", ar, message);
    assert_int_equal(test_spit(argv[3], msg, strlen(msg)), 0);
    assert_int_equal(run(argv, NULL, 0, &o), 0);
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(o.out, "ARC-Authentication-Results: i=1; gw.example; spf=pass"));
    assert_non_null(strstr(o.out, "t=1700000000"));
    assert_non_null(strstr(o.out, "h=from:to:subject;"));
    assert_int_equal(test_spit(path_of("u1.eml"), o.out, o.out_len), 0);
    test_out_free(&o);
    expect_pass_both(path_of("u1.eml"), 1);
    argv[6] = "other.example";
    assert_int_equal(run(argv, NULL, 0, &o), 0);
    assert_int_equal(o.status, 2);
    assert_int_equal(o.out_len, 0);
    test_out_free(&o);
    free(msg);
}

/* auth: arc= with its properties; --trust-arc on the side. */
static void test_auth(void **state)
{
    char *argv[] = { (char *)test_mailctl(), "auth", path_of("m2.eml"), "--ip", "198.51.100.9",
                     "--mail-from", "alice@" DOMAIN, "--helo", "mx." DOMAIN, "--json",
                     "--trust-arc", "nobody.example," DOMAIN, NULL };
    struct test_out o;

    (void)state;
    assert_int_equal(run(argv, NULL, 0, &o), 0);
    if (!strstr(o.out, "\"aar_dmarc\": \"pass\""))
        fprintf(stderr, "%s\n", o.out);
    assert_non_null(strstr(o.out, "arc=pass header.oldest-pass=1"));
    assert_non_null(strstr(o.out, "smtp.remote-ip=198.51.100.9"));
    assert_non_null(strstr(o.out, "\"arc\": {"));
    assert_non_null(strstr(o.out, "\"sealer\": \"" DOMAIN "\""));
    assert_non_null(strstr(o.out, "\"aar_dmarc\": \"pass\""));
    assert_non_null(strstr(o.out, "\"local_override\": true"));
    /* dmarc= is this hop's own verdict: the forwarder's IP is not in SPF */
    assert_non_null(strstr(o.out, "dmarc=fail"));
    test_out_free(&o);
}

/* A key that cannot be fetched: fail, with temperror in the JSON. */
static void test_key_temperror(void **state)
{
    char *json = NULL;

    (void)state;
    tamper(path_of("m1.eml"), path_of("m1-temp.eml"), "cv=none; d=" DOMAIN,
           "cv=none; d=not-served.test");
    assert_int_equal(mailctl_verify(path_of("m1-temp.eml"), &json), 1);
    assert_non_null(strstr(json, "\"temperror\": true"));
    assert_non_null(strstr(json, "temperror:"));
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkimpy_chains),
        cmocka_unit_test(test_mailctl_chains),
        cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_cv_fail),
        cmocka_unit_test(test_key_mismatch),
        cmocka_unit_test(test_ed25519),
        cmocka_unit_test(test_use_ar),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_key_temperror),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
