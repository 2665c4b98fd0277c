/*
 * test_verdicts_cli.c - verdicts that must not mislead and bad input that
 * must be exit 2, end to end: build/mailctl (and, for two library limits,
 * libauth directly) against the test NSD serving testdata/zones.
 *
 * Covered: l= signatures report the unsigned body octets and auth warns
 * about them; s= that cannot be a DNS name is permerror; --timeout and
 * MAILCTL_DNS_TIMEOUT refuse nan/inf; the SPF lookup limit in force is
 * the one reported; the DMARC pct roll has no hidden randomness; the
 * shared argument checks (domains, selectors, hosts, option values,
 * MAILCTL_RESOLVER, --file/--expect/--checks, key paths); the DKIM audit
 * names the selectors whose query failed; a long MX list says it is cut;
 * dkim sign refuses what it cannot sign honestly.
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
#include <jansson.h>

#include "auth/dmarc.h"
#include "auth/dns.h"
#include "auth/spf.h"
#include "testenv.h"

static struct test_nsd nsd;
static char dir[256];

static int start(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/mailctl-verdicts-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    test_nsd_stop(&nsd);
    return test_rmtree(dir);
}

/* mailctl ARGS... (NULL-terminated) with env (may be NULL) and stdin;
 * --resolver NSD first unless no_resolver. */
static void run_env(struct test_out *o, char *const *env, const char *in, bool no_resolver, ...)
{
    char *argv[40] = { (char *)test_mailctl() };
    int n = 1;
    va_list ap;
    const char *a;

    if (!no_resolver) {
        argv[n++] = "--resolver";
        argv[n++] = nsd.spec;
        argv[n++] = "--timeout";
        argv[n++] = "2";
    }
    va_start(ap, no_resolver);
    while ((a = va_arg(ap, const char *)) && n < 39)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    assert_int_equal(test_run(argv, env, in, in ? strlen(in) : 0, 60, o), 0);
}
#define RUN(o, ...) run_env(o, NULL, NULL, false, __VA_ARGS__, (const char *)NULL)

static json_t *json_of(const struct test_out *o)
{
    json_error_t e;
    json_t *doc = json_loads(o->out, 0, &e);

    if (!doc)
        fail_msg("stdout is not JSON (%s): %s\nstderr: %s", e.text, o->out, o->err);
    return doc;
}

/* Exit 2, one line on stderr that contains want. */
/* Exit 2, want in the first line of stderr (a "Try --help" hint may follow)
 * and no second complaint after it. */
static void expect_usage(struct test_out *o, const char *want)
{
    const char *e = o->err, *nl;

    while (!strncmp(e, "mailctl: warning:", 17) && strchr(e, '\n'))
        e = strchr(e, '\n') + 1;          /* e.g. a readable key file: not the error */
    nl = strchr(e, '\n');
    if (o->status != 2 || !strstr(e, want) || !nl || strstr(e, want) > nl)
        fail_msg("want exit 2 and '%s' first, got %d\nstdout: %s\nstderr: %s", want,
                 o->status, o->out, o->err);
    if (nl[1] && strncmp(nl + 1, "Try '", 5) != 0)
        fail_msg("more than one message: %s", o->err);
    test_out_free(o);
}

static const char *key_path(void)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/keys/dmarc/s1.private", test_datadir());
    return p;
}

static const char *msg_path(void)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/messages/dmarc/plain.eml", test_datadir());
    return p;
}

/* plain.eml signed with l= by mailctl, then extra appended; path out. */
static void signed_with_l(const char *extra, const char *name, char *path, size_t len)
{
    struct test_out o;
    size_t n;
    char *text;

    RUN(&o, "dkim", "sign", "--domain", "org.dmarctest", "--selector", "s1", "--key",
        key_path(), "--body-length", msg_path());
    if (o.status != 0)
        fail_msg("sign: %s", o.err);
    n = o.out_len + strlen(extra);
    text = malloc(n + 1);
    assert_non_null(text);
    memcpy(text, o.out, o.out_len);
    memcpy(text + o.out_len, extra, strlen(extra) + 1);
    snprintf(path, len, "%s/%s", dir, name);
    assert_int_equal(test_spit(path, text, n), 0);
    free(text);
    test_out_free(&o);
}

static json_int_t unsigned_bytes(json_t *sigs)
{
    return json_integer_value(json_object_get(json_array_get(sigs, 0), "unsigned_body_bytes"));
}

/* ---- 11: l= ---------------------------------------------------------- */

static void l_appended_is_reported(void **state)
{
    char path[512];
    struct test_out o;
    json_t *doc, *w;

    signed_with_l("\nP.S. Wire the money to account 12345.\n", "l-appended.eml", path,
                  sizeof path);
    RUN(&o, "dkim", "verify", "--json", path);
    doc = json_of(&o);
    assert_string_equal(json_string_value(json_object_get(doc, "result")), "pass");
    assert_true(unsigned_bytes(json_object_get(doc, "signatures")) > 30);
    json_decref(doc);
    test_out_free(&o);

    RUN(&o, "dkim", "verify", path);
    assert_non_null(strstr(o.out, "body octets unsigned"));
    test_out_free(&o);

    RUN(&o, "auth", path, "--ip", "192.0.2.5", "--mail-from", "bounce@org.dmarctest",
        "--helo", "mx.org.dmarctest", "--authserv-id", "mx.test", "--json");
    doc = json_of(&o);
    assert_true(unsigned_bytes(json_object_get(json_object_get(doc, "dkim"),
                                               "signatures")) > 30);
    w = json_object_get(doc, "warnings");
    assert_int_equal(json_array_size(w), 1);
    assert_non_null(strstr(json_string_value(json_array_get(w, 0)), "unsigned"));
    json_decref(doc);
    test_out_free(&o);

    RUN(&o, "auth", path, "--ip", "192.0.2.5", "--mail-from", "bounce@org.dmarctest",
        "--helo", "mx.org.dmarctest", "--authserv-id", "mx.test");
    assert_non_null(strstr(o.out, "warning:"));
    test_out_free(&o);
}

static void l_whole_body_is_quiet(void **state)
{
    char path[512];
    struct test_out o;
    json_t *doc;

    signed_with_l("", "l-whole.eml", path, sizeof path);
    RUN(&o, "auth", path, "--ip", "192.0.2.5", "--mail-from", "bounce@org.dmarctest",
        "--helo", "mx.org.dmarctest", "--authserv-id", "mx.test", "--json");
    doc = json_of(&o);
    assert_int_equal(unsigned_bytes(json_object_get(json_object_get(doc, "dkim"),
                                                    "signatures")), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "warnings")), 0);
    json_decref(doc);
    test_out_free(&o);
}

/* ---- 12: s= that cannot be a DNS name --------------------------------- */

static void verify_with_selector(const char *sel, const char *want)
{
    char path[512], *text, *s1, *out;
    size_t len;
    struct test_out o;
    json_t *doc;
    FILE *fp;

    signed_with_l("", "sel.eml", path, sizeof path);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    text = calloc(1, 1 << 16);
    assert_non_null(text);
    len = fread(text, 1, (1 << 16) - 1, fp);
    fclose(fp);
    s1 = strstr(text, "s=s1;");
    assert_non_null(s1);
    out = malloc(len + strlen(sel) + 1);
    assert_non_null(out);
    snprintf(out, len + strlen(sel) + 1, "%.*ss=%s;%s", (int)(s1 - text), text, sel, s1 + 5);
    assert_int_equal(test_spit(path, out, strlen(out)), 0);
    RUN(&o, "dkim", "verify", "--json", path);
    doc = json_of(&o);
    assert_string_equal(json_string_value(json_object_get(json_array_get(
        json_object_get(doc, "signatures"), 0), "result")), want);
    if (!strcmp(want, "permerror"))
        assert_int_equal(o.status, 1);     /* a definite answer, not "try again" */
    json_decref(doc);
    test_out_free(&o);
    free(text);
    free(out);
}

static void selector_not_a_dns_name_is_permerror(void **state)
{
    char sel[301];

    memset(sel, 'a', 300);
    sel[300] = '\0';
    verify_with_selector(sel, "permerror");
    verify_with_selector("a..b", "permerror");
    memset(sel, 'a', 63);           /* the longest label is a lookup: no key there */
    sel[63] = '\0';
    verify_with_selector(sel, "permerror");
}

/* ---- 13: timeouts, SPF limit, DMARC pct -------------------------------- */

static void timeout_must_be_finite(void **state)
{
    struct test_out o;
    char *nan_env[] = { "MAILCTL_DNS_TIMEOUT=nan", NULL };

    RUN(&o, "--timeout", "nan", "mx", "good.example");
    expect_usage(&o, "--timeout 'nan'");
    RUN(&o, "--timeout", "inf", "mx", "good.example");
    expect_usage(&o, "--timeout 'inf'");
    RUN(&o, "--timeout", "3600.001", "mx", "good.example");
    expect_usage(&o, "--timeout");
    RUN(&o, "--timeout", "3600", "mx", "good.example");
    assert_int_equal(o.status, 0);
    test_out_free(&o);
    run_env(&o, nan_env, NULL, true, "--resolver", nsd.spec, "mx", "good.example",
            (const char *)NULL);
    expect_usage(&o, "MAILCTL_DNS_TIMEOUT 'nan'");
}

static struct dns_engine *engine(void)
{
    const char *servers[] = { nsd.spec };
    struct dns_engine_params p = { .servers = servers, .nservers = 1 };
    struct dns_engine *eng;
    char err[200];

    assert_int_equal(dns_engine_new(&p, &eng, err, sizeof err), AUTH_OK);
    return eng;
}

static void spf_limit_reported_is_the_one_in_force(void **state)
{
    struct dns_engine *eng = engine();
    struct spf_request rq = { .mail_from = "a@over.spf-tests.example", .helo = "x.example",
                              .max_lookups = 2, .no_explanation = true };
    struct spf_eval *ev;

    assert_int_equal(auth_ip_parse("192.0.2.200", &rq.ip), AUTH_OK);
    assert_int_equal(spf_check_host(eng, &rq, &ev, NULL, 0), AUTH_OK);
    assert_int_equal(spf_eval_result(ev), SPF_PERMERROR);
    if (!strstr(spf_eval_reason(ev), "more than 2 "))
        fail_msg("reason: %s", spf_eval_reason(ev));
    spf_eval_free(ev);
    dns_engine_free(eng);
}

static void dmarc_pct_without_roll_is_deterministic(void **state)
{
    struct dns_engine *eng = engine();
    struct dmarc_policy_info *pi;
    struct dmarc_eval_params p = { .spf_domain = "elsewhere.example", .pct_roll = -1 };
    char err[200];

    assert_int_equal(dmarc_discover(eng, "pct50.dmarctest", DMARC_DISCOVERY_TREEWALK, &pi,
                                    err, sizeof err), AUTH_OK);
    for (int i = 0; i < 40; i++) {      /* rand() % 100 would differ within 40 draws */
        struct dmarc_eval *ev;
        assert_int_equal(dmarc_evaluate(eng, pi, &p, &ev), AUTH_OK);
        assert_int_equal(ev->result, DMARC_RESULT_FAIL);
        assert_false(ev->sampled_out);          /* taken as roll 0: inside pct=50 */
        assert_int_equal(ev->disposition, DMARC_POLICY_REJECT);
        dmarc_eval_free(ev);
    }
    dmarc_policy_info_free(pi);
    dns_engine_free(eng);
}

/* ---- 14: bad input is exit 2 ------------------------------------------ */

static void bad_domain_arguments(void **state)
{
    struct test_out o;

    RUN(&o, "spf", "lint", ".");
    expect_usage(&o, "'.'");
    RUN(&o, "spf", "tree", ".");
    expect_usage(&o, "'.'");
    RUN(&o, "check-dns", ".");
    expect_usage(&o, "'.'");
    RUN(&o, "check-dns", "2001:db8::1");
    expect_usage(&o, "'2001:db8::1' is an IP address");
    RUN(&o, "mx", "192.0.2.1");
    expect_usage(&o, "'192.0.2.1' is an IP address");
    RUN(&o, "dmarc", "check", "2001:db8::1");
    expect_usage(&o, "'2001:db8::1'");
    RUN(&o, "mx", "alice@good.example");
    expect_usage(&o, "'@'");
    RUN(&o, "check-dns", "--selector", "", "good.example");
    expect_usage(&o, "--selector ''");
    RUN(&o, "dkim", "record", "good.example", "--selector", "a;b");
    expect_usage(&o, "';'");
    /* the largest accepted: a 63-octet label is a name, looked up */
    RUN(&o, "mx", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example");
    assert_int_not_equal(o.status, 2);
    test_out_free(&o);
    RUN(&o, "mx", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example");
    expect_usage(&o, "over 63");
}

static void bad_authserv_id(void **state)
{
    struct test_out o;

    RUN(&o, "auth", msg_path(), "--ip", "192.0.2.5", "--mail-from", "bounce@org.dmarctest",
        "--helo", "mx.org.dmarctest", "--authserv-id", "a\r\nb");
    expect_usage(&o, "--authserv-id");
}

static void dangling_symlink_at_key_path(void **state)
{
    char out[400], link_path[500];
    struct test_out o;

    snprintf(out, sizeof out, "%s/keys-link", dir);
    assert_int_equal(mkdir(out, 0700), 0);
    snprintf(link_path, sizeof link_path, "%s/s.private", out);
    assert_int_equal(symlink("/nonexistent/target", link_path), 0);
    RUN(&o, "dkim", "keygen", "--domain", "example.com", "--selector", "s", "--out", out);
    expect_usage(&o, "symbolic link");
}

/* ---- 15: messages that named the wrong thing --------------------------- */

static void file_and_expect_directories(void **state)
{
    struct test_out o;

    RUN(&o, "check-dns", "--file", dir);
    expect_usage(&o, "Is a directory");
    RUN(&o, "check-dns", "--checks", "spf", "--expect", dir, "good.example");
    expect_usage(&o, "Is a directory");
    RUN(&o, "check-dns", "--checks", "", "good.example");
    expect_usage(&o, "--checks");
}

static void resolver_env_is_named(void **state)
{
    struct test_out o;
    char *garbage[] = { "MAILCTL_RESOLVER=garbage", NULL };
    char *commas[] = { "MAILCTL_RESOLVER=,,,", NULL };

    run_env(&o, garbage, NULL, true, "mx", "good.example", (const char *)NULL);
    assert_null(strstr(o.err, "--resolver"));
    expect_usage(&o, "MAILCTL_RESOLVER 'garbage'");
    run_env(&o, commas, NULL, true, "mx", "good.example", (const char *)NULL);
    expect_usage(&o, "MAILCTL_RESOLVER is set but names no resolver");
}

static void missing_option_value_is_one_line(void **state)
{
    struct test_out o;

    RUN(&o, "auth", msg_path(), "--helo", "x.example", "--ip");
    expect_usage(&o, "option '--ip' needs a value");
    RUN(&o, "check-dns", "good.example", "--no-such-option");
    expect_usage(&o, "unknown option '--no-such-option'");
    RUN(&o, "dkim", "sign", "-d");
    expect_usage(&o, "option '-d' needs a value");
}

static void failed_selector_queries_are_named(void **state)
{
    char spec[64];
    struct test_out o;
    char *argv[] = { (char *)test_mailctl(), "--resolver", spec, "--timeout", "0.3",
                     "check-dns", "--checks", "dkim", "good.example", "--json", NULL };
    json_t *doc;
    const char *detail = NULL;
    size_t i;
    json_t *f;

    snprintf(spec, sizeof spec, "127.0.0.1:%d", test_free_port());   /* nobody there */
    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &o), 0);
    doc = json_of(&o);
    json_array_foreach(json_object_get(json_array_get(json_object_get(doc, "domains"), 0),
                                       "findings"), i, f)
        if (!strcmp(json_string_value(json_object_get(f, "id")), "dkim.not-found"))
            detail = json_string_value(json_object_get(f, "detail"));
    if (!detail)
        detail = strstr(o.out, "selector queries failed");
    assert_non_null(detail);
    if (!strstr(detail, "default (") && !strstr(detail, "selector1 ("))
        fail_msg("the failed selectors are not named: %s", detail);
    json_decref(doc);
    test_out_free(&o);
}

static void long_mx_list_says_it_is_cut(void **state)
{
    struct test_out o;
    json_t *doc, *hosts;

    RUN(&o, "mx", "many.mxcases.example", "--json");
    doc = json_of(&o);
    hosts = json_object_get(doc, "hosts");
    assert_int_equal(json_array_size(hosts), 64);
    assert_true(json_is_true(json_object_get(doc, "truncated")));
    assert_int_equal(json_integer_value(json_object_get(doc, "mx_records")), 400);
    /* the most preferred are kept, whatever the answer order */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hosts, 0),
                                                        "preference")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hosts, 63),
                                                        "preference")), 64);
    json_decref(doc);
    test_out_free(&o);
    RUN(&o, "mx", "many.mxcases.example");
    assert_non_null(strstr(o.out, "336 more MX hosts not shown"));
    test_out_free(&o);
    RUN(&o, "mx", "order.mxcases.example", "--json");     /* a short list is not cut */
    doc = json_of(&o);
    assert_true(json_is_false(json_object_get(doc, "truncated")));
    json_decref(doc);
    test_out_free(&o);
}

static void ports_bracketed_address(void **state)
{
    char map[200];
    int port = test_free_port();
    struct test_out o;

    snprintf(map, sizeof map, "25=%d,465=%d,587=%d,993=%d,995=%d,110=%d,143=%d", port, port,
             port, port, port, port, port);
    RUN(&o, "ports", "[::1]", "--port-map", map);
    if (o.status == 2 || o.status == 3 || !strstr(o.out, "25 smtp"))
        fail_msg("exit %d\nstdout: %s\nstderr: %s", o.status, o.out, o.err);
    test_out_free(&o);
}

/* ---- 18: dkim sign ------------------------------------------------------ */

static void sign_refuses(void **state)
{
    char empty[400];
    struct test_out o;

    snprintf(empty, sizeof empty, "%s/empty.eml", dir);
    assert_int_equal(test_spit(empty, "", 0), 0);
    RUN(&o, "dkim", "sign", "--domain", "org.dmarctest", "--selector", "s1", "--key",
        key_path(), empty);
    assert_int_equal(o.out_len, 0);
    expect_usage(&o, "no From");
    run_env(&o, NULL, "Subject: no sender\n\nbody\n", false, "dkim", "sign", "--domain",
            "org.dmarctest", "--selector", "s1", "--key", key_path(), (const char *)NULL);
    expect_usage(&o, "no From");
    RUN(&o, "dkim", "sign", "--domain", "org.dmarctest", "--selector", "s1", "--key",
        key_path(), "--headers", "from,x y", msg_path());
    expect_usage(&o, "'x y'");
    RUN(&o, "dkim", "sign", "--domain", "org.dmarctest", "--selector", "s1", "--key",
        key_path(), "--algorithm", "ed25519-sha256", msg_path());
    assert_null(strstr(o.err, "plain.eml"));
    expect_usage(&o, key_path());
    RUN(&o, "dkim", "sign", "--domain", "org.dmarctest", "--selector", "s1", "--key",
        key_path(), msg_path(), msg_path());
    assert_int_equal(o.out_len, 0);
    expect_usage(&o, "one message");
    /* both separators give the same h= */
    RUN(&o, "dkim", "sign", "--domain", "org.dmarctest", "--selector", "s1", "--key",
        key_path(), "--headers", "from,to:subject", msg_path());
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(o.out, "h=from:to:subject;"));
    test_out_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(l_appended_is_reported),
        cmocka_unit_test(l_whole_body_is_quiet),
        cmocka_unit_test(selector_not_a_dns_name_is_permerror),
        cmocka_unit_test(timeout_must_be_finite),
        cmocka_unit_test(spf_limit_reported_is_the_one_in_force),
        cmocka_unit_test(dmarc_pct_without_roll_is_deterministic),
        cmocka_unit_test(bad_domain_arguments),
        cmocka_unit_test(bad_authserv_id),
        cmocka_unit_test(dangling_symlink_at_key_path),
        cmocka_unit_test(file_and_expect_directories),
        cmocka_unit_test(resolver_env_is_named),
        cmocka_unit_test(missing_option_value_is_one_line),
        cmocka_unit_test(failed_selector_queries_are_named),
        cmocka_unit_test(long_mx_list_says_it_is_cut),
        cmocka_unit_test(ports_bracketed_address),
        cmocka_unit_test(sign_refuses),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
