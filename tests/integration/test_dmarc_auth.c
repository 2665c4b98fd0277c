/*
 * test_dmarc_auth.c - `mailctl auth` end to end: SPF + DKIM + DMARC on the
 * messages of testdata/messages/dmarc against the test NSD.  Signed copies
 * come from mailctl and from dkimpy (dkimsign, Debian python3-dkim) with the
 * key testdata/keys/dmarc/s1.private published at s1._domainkey.org.dmarctest.
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

#include "testenv.h"

static struct test_nsd nsd;

static int start(void **state)
{
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    test_nsd_stop(&nsd);
    return 0;
}

static json_t *auth_seed(const char *msg, const char *ip, const char *mail_from,
                         int want_exit, const char *resolver, const char *seed)
{
    char path[512];
    snprintf(path, sizeof path, "%s/messages/dmarc/%s", test_datadir(), msg);
    char *argv[] = { (char *)test_mailctl(), "--resolver", (char *)(resolver ? resolver
                     : nsd.spec), "--timeout", "1", "auth", path, "--ip", (char *)ip,
                     "--mail-from", (char *)mail_from, "--helo", "mx.org.dmarctest",
                     "--authserv-id", "mx.test", "--json", seed ? "--seed" : NULL,
                     (char *)seed, NULL };
    struct test_out out;
    json_error_t e;

    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
    if (out.status != want_exit)
        fail_msg("%s: exit %d, want %d\n%s%s", msg, out.status, want_exit, out.out, out.err);
    json_t *doc = json_loads(out.out, 0, &e);
    if (!doc)
        fail_msg("not JSON (%s): %s\n%s", e.text, out.out, out.err);
    test_out_free(&out);
    return doc;
}

static json_t *auth(const char *msg, const char *ip, const char *mail_from, int want_exit,
                    const char *resolver)
{
    return auth_seed(msg, ip, mail_from, want_exit, resolver, NULL);
}

static const char *dm(json_t *doc, const char *k)
{
    return json_string_value(json_object_get(json_object_get(doc, "dmarc"), k));
}

static bool aligned(json_t *doc, const char *method)
{
    return json_is_true(json_object_get(json_object_get(json_object_get(doc, "dmarc"),
                                                        "alignment"), method));
}

static const char *header(json_t *doc)
{
    return json_string_value(json_object_get(doc, "header"));
}

/* The value of "key=" in an Authentication-Results header (unfolded; the
 * value ends at white space, ';' or ')'), "" when absent, "TWICE" when the
 * key appears more than once. */
static void ar_value(const char *header, const char *key, char *out, size_t outlen)
{
    char flat[4096], *p;
    size_t n = 0, klen = strlen(key);

    for (const char *h = header; *h && n + 1 < sizeof flat; h++)
        if (*h != '\r' && *h != '\n')
            flat[n++] = *h == '\t' ? ' ' : *h;
    flat[n] = '\0';
    out[0] = '\0';
    for (p = flat; (p = strstr(p, key)); p += klen) {
        size_t len;
        if (p > flat && p[-1] != ' ' && p[-1] != '(')
            continue;
        if (out[0]) {
            snprintf(out, outlen, "TWICE");
            return;
        }
        len = strcspn(p + klen, " ;)");
        snprintf(out, outlen, "%.*s", (int)len, p + klen);
    }
}

static void dkim_aligned_only(void **state)
{
    static const char *const signed_by[] = { "signed-mailctl.eml", "signed-dkimpy.eml" };

    for (int i = 0; i < 2; i++) {
        json_t *d = auth(signed_by[i], "198.51.100.7", "bounce@nodmarc.dmarctest", 0, NULL);
        assert_string_equal(dm(d, "result"), "pass");
        assert_true(aligned(d, "dkim"));
        assert_false(aligned(d, "spf"));
        assert_string_equal(json_string_value(json_object_get(json_object_get(d, "spf"),
                                                              "result")), "fail");
        assert_non_null(strstr(header(d), "dkim=pass header.d=org.dmarctest header.s=s1"));
        assert_non_null(strstr(header(d), "dmarc=pass"));
        json_decref(d);
    }
}

static void spf_aligned_only(void **state)
{
    json_t *d = auth("plain.eml", "192.0.2.5", "bounce@org.dmarctest", 0, NULL);

    assert_string_equal(dm(d, "result"), "pass");
    assert_true(aligned(d, "spf"));
    assert_false(aligned(d, "dkim"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "dkim"),
                                                          "result")), "none");
    assert_non_null(strstr(header(d), "spf=pass smtp.mailfrom=bounce@org.dmarctest"));
    json_decref(d);
    /* a subdomain's SPF pass aligns under relaxed alignment */
    d = auth("sub.eml", "192.0.2.5", "bounce@org.dmarctest", 0, NULL);
    assert_string_equal(dm(d, "result"), "pass");
    json_decref(d);
}

/* No DMARC record is a definite answer (dmarc=none, exit 1: not proven),
 * never a runtime failure, and alignment is reported as it is. */
static void no_policy_is_none_and_aligned(void **state)
{
    char path[512];
    json_t *d = auth("nopolicy.eml", "192.0.2.5", "bounce@nopolicy.dmarctest", 1, NULL);

    assert_string_equal(dm(d, "result"), "none");
    assert_true(aligned(d, "spf"));
    assert_false(aligned(d, "dkim"));
    assert_non_null(strstr(header(d), "dmarc=none"));
    json_decref(d);
    /* the text rendering says the same */
    snprintf(path, sizeof path, "%s/messages/dmarc/nopolicy.eml", test_datadir());
    char *argv[] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "1", "auth",
                     path, "--ip", "192.0.2.5", "--mail-from", "bounce@nopolicy.dmarctest",
                     "--helo", "mx.org.dmarctest", NULL };
    struct test_out out;
    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.out, "aligned: spf yes, dkim no"));
    test_out_free(&out);
}

static void neither(void **state)
{
    json_t *d = auth("plain.eml", "198.51.100.7", "bounce@nodmarc.dmarctest", 1, NULL);

    assert_string_equal(dm(d, "result"), "fail");
    assert_string_equal(dm(d, "disposition"), "reject");
    assert_non_null(strstr(header(d), "dmarc=fail"));
    assert_non_null(strstr(header(d), "policy.dmarc=reject"));
    json_decref(d);
    /* a tampered copy of a signed message: DKIM fails, DMARC fails */
    d = auth("signed-tampered.eml", "198.51.100.7", "bounce@nodmarc.dmarctest", 1, NULL);
    assert_string_equal(dm(d, "result"), "fail");
    json_decref(d);
}

static void pct_zero(void **state)
{
    json_t *d = auth("pct0.eml", "198.51.100.7", "bounce@nodmarc.dmarctest", 1, NULL);

    assert_string_equal(dm(d, "result"), "fail");
    assert_string_equal(dm(d, "policy"), "reject");
    assert_string_equal(dm(d, "disposition"), "quarantine");   /* RFC 7489 6.3 */
    assert_true(json_is_true(json_object_get(json_object_get(d, "dmarc"), "sampled_out")));
    json_decref(d);
}

/* pct=50: the roll comes from --seed and the Message-ID, so a rerun gives
 * the same verdict, and the seeds spread over both outcomes. */
static void pct_reproducible(void **state)
{
    bool seen_in = false, seen_out = false;
    char v[64];

    for (int seed = 0; seed < 12; seed++) {
        char s[16];
        snprintf(s, sizeof s, "%d", seed);
        json_t *a = auth_seed("pct50.eml", "198.51.100.7", "bounce@nodmarc.dmarctest", 1, NULL, s);
        json_t *b = auth_seed("pct50.eml", "198.51.100.7", "bounce@nodmarc.dmarctest", 1, NULL, s);
        json_t *da = json_object_get(a, "dmarc");
        json_int_t roll = json_integer_value(json_object_get(da, "pct_roll"));
        bool out = json_is_true(json_object_get(da, "sampled_out"));

        assert_true(roll >= 0 && roll < 100);
        assert_int_equal(roll, json_integer_value(json_object_get(json_object_get(b, "dmarc"),
                                                                  "pct_roll")));
        assert_string_equal(dm(a, "disposition"), dm(b, "disposition"));
        assert_int_equal(out, roll >= 50);
        assert_string_equal(dm(a, "disposition"), out ? "quarantine" : "reject");
        ar_value(header(a), "policy.dmarc=", v, sizeof v);
        assert_string_equal(v, out ? "quarantine" : "reject");
        seen_in = seen_in || !out;
        seen_out = seen_out || out;
        json_decref(a);
        json_decref(b);
    }
    assert_true(seen_in && seen_out);
}

/* auth's text output: the Authentication-Results header it prints. */
static char *ar_text(const char *msg, const char *ip, const char *mail_from, const char *seed)
{
    char path[512];
    snprintf(path, sizeof path, "%s/messages/dmarc/%s", test_datadir(), msg);
    char *argv[] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "1", "auth",
                     path, "--ip", (char *)ip, "--mail-from", (char *)mail_from, "--helo",
                     "mx.org.dmarctest", "--authserv-id", "mx.test", seed ? "--seed" : NULL,
                     (char *)seed, NULL };
    struct test_out out;
    char *end, *h;

    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
    assert_true(strncmp(out.out, "Authentication-Results: mx.test;", 32) == 0);
    end = strstr(out.out, "\n\n");
    assert_non_null(end);
    h = strndup(out.out, (size_t)(end - out.out));
    test_out_free(&out);
    return h;
}

/* policy.dmarc= in the header is the disposition applied, not the policy
 * published: quarantine when pct=0 samples a p=reject message out, none
 * when t=y lowers p=quarantine, reject when nothing lowers p=reject; the
 * comment's dis= agrees; a pass carries no policy.dmarc.  Checked in the
 * header of the text output and in the JSON's header field. */
static void ar_header_shows_disposition(void **state)
{
    static const struct { const char *msg, *mail_from, *ip, *dmarc, *policy, *dis; } c[] = {
        { "pct0.eml", "bounce@nodmarc.dmarctest", "198.51.100.7", "fail", "reject",
          "quarantine" },
        { "testing.eml", "bounce@nodmarc.dmarctest", "198.51.100.7", "fail", "quarantine",
          "none" },
        { "plain.eml", "bounce@nodmarc.dmarctest", "198.51.100.7", "fail", "reject", "reject" },
        { "plain.eml", "bounce@org.dmarctest", "192.0.2.5", "pass", "reject", NULL },
    };
    char v[128];

    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *h = ar_text(c[i].msg, c[i].ip, c[i].mail_from, NULL);
        json_t *d = auth(c[i].msg, c[i].ip, c[i].mail_from, c[i].dis ? 1 : 0, NULL);

        assert_string_equal(dm(d, "policy"), c[i].policy);
        assert_string_equal(h, header(d));              /* one header, two renderings */
        ar_value(h, "dmarc=", v, sizeof v);
        assert_string_equal(v, c[i].dmarc);
        ar_value(h, "policy.dmarc=", v, sizeof v);
        if (strcmp(v, c[i].dis ? c[i].dis : ""))
            fail_msg("%s: policy.dmarc=%s, want %s\n%s", c[i].msg, v,
                     c[i].dis ? c[i].dis : "(none)", h);
        if (c[i].dis) {
            assert_string_equal(dm(d, "disposition"), c[i].dis);
            ar_value(h, "dis=", v, sizeof v);
            assert_string_equal(v, c[i].dis);
        }
        json_decref(d);
        free(h);
    }
}

/* --quiet (and -q after the command): auth prints the header and nothing
 * else, exit code unchanged; without it the DMARC summary follows. */
static void quiet_prints_only_the_header(void **state)
{
    char path[512];
    struct test_out out;

    snprintf(path, sizeof path, "%s/messages/dmarc/pct0.eml", test_datadir());
    for (int i = 0; i < 3; i++) {
        char *argv[] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "1",
                         "auth", path, "--ip", "198.51.100.7", "--mail-from",
                         "bounce@nodmarc.dmarctest", "--helo", "mx.org.dmarctest",
                         "--authserv-id", "mx.test", i == 0 ? "--quiet" : i == 1 ? "-q" : NULL, NULL };
        char *h = ar_text("pct0.eml", "198.51.100.7", "bounce@nodmarc.dmarctest", NULL);

        assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
        assert_int_equal(out.status, 1);
        assert_true(strncmp(out.out, "Authentication-Results: ", 24) == 0);
        if (i < 2) {
            assert_null(strstr(out.out, "DMARC fail"));
            assert_int_equal(out.out_len, strlen(h) + 1);     /* the header and its newline */
            assert_memory_equal(out.out, h, strlen(h));
        } else {
            assert_non_null(strstr(out.out, "DMARC fail"));
        }
        free(h);
        test_out_free(&out);
    }
}

static void sp_versus_np(void **state)
{
    json_t *d = auth("sub.eml", "198.51.100.7", "bounce@nodmarc.dmarctest", 1, NULL);
    assert_string_equal(dm(d, "policy"), "quarantine");        /* sp, inherited */
    assert_true(json_is_true(json_object_get(json_object_get(d, "dmarc"), "inherited")));
    assert_string_equal(dm(d, "policy_domain"), "org.dmarctest");
    json_decref(d);
    d = auth("nxsub.eml", "198.51.100.7", "bounce@nodmarc.dmarctest", 1, NULL);
    assert_string_equal(dm(d, "policy"), "reject");            /* np: NXDOMAIN */
    assert_string_equal(dm(d, "policy_tag"), "np");
    json_decref(d);
}

static void public_suffix_domain(void **state)
{
    json_t *d = auth("psd.eml", "198.51.100.7", "bounce@nodmarc.dmarctest", 1, NULL);

    assert_string_equal(dm(d, "policy_domain"), "co.uk");
    assert_string_equal(dm(d, "policy"), "quarantine");
    json_decref(d);
}

static void bad_from(void **state)
{
    json_t *d = auth("two-from.eml", "192.0.2.5", "bounce@org.dmarctest", 1, NULL);
    assert_string_equal(dm(d, "result"), "permerror");
    assert_non_null(strstr(dm(d, "reason"), "2 From header fields"));
    json_decref(d);
    d = auth("two-addr.eml", "192.0.2.5", "bounce@org.dmarctest", 1, NULL);
    assert_string_equal(dm(d, "result"), "permerror");
    assert_non_null(strstr(dm(d, "reason"), "2 addresses"));
    json_decref(d);
}

static void timeout_is_temperror(void **state)
{
    char spec[64];

    snprintf(spec, sizeof spec, "127.0.0.1:%d", test_free_port());
    json_t *d = auth("plain.eml", "192.0.2.5", "bounce@org.dmarctest", 3, spec);
    assert_string_equal(dm(d, "result"), "temperror");
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dkim_aligned_only),
        cmocka_unit_test(spf_aligned_only),
        cmocka_unit_test(neither),
        cmocka_unit_test(pct_zero),
        cmocka_unit_test(pct_reproducible),
        cmocka_unit_test(ar_header_shows_disposition),
        cmocka_unit_test(quiet_prints_only_the_header),
        cmocka_unit_test(sp_versus_np),
        cmocka_unit_test(public_suffix_domain),
        cmocka_unit_test(bad_from),
        cmocka_unit_test(timeout_is_temperror),
        cmocka_unit_test(no_policy_is_none_and_aligned),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
