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
        seen_in = seen_in || !out;
        seen_out = seen_out || out;
        json_decref(a);
        json_decref(b);
    }
    assert_true(seen_in && seen_out);
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
        cmocka_unit_test(sp_versus_np),
        cmocka_unit_test(public_suffix_domain),
        cmocka_unit_test(bad_from),
        cmocka_unit_test(timeout_is_temperror),
        cmocka_unit_test(no_policy_is_none_and_aligned),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
