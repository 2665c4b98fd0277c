/*
 * test_spf_cli.c - `mailctl spf check|lint|tree` end to end against a real
 * NSD serving testdata/zones (spf-tests.example and the reverse zones),
 * through the production resolver.
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
#include "testjson.h"

static struct test_nsd nsd;

static int start(void **state)
{
    (void)state;
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    (void)state;
    test_nsd_stop(&nsd);
    return 0;
}

static void run(struct test_out *out, const char *const *args)
{
    char *argv[16] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "1" };
    int n = 5;

    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, out), 0);
}

static json_t *json_of(const struct test_out *out)
{
    json_error_t e;
    json_t *doc = json_loads(out->out, 0, &e);

    if (!doc)
        fail_msg("stdout is not JSON (%s): %s\nstderr: %s", e.text, out->out, out->err);
    return doc;
}

struct check_case {
    const char *ip, *mail_from, *helo;
    const char *result, *mechanism, *explanation;
    int lookups;        /* -1: not checked */
    int exit_code;
};

static const struct check_case cases[] = {
    {"192.0.2.20", "a@spf-tests.example", NULL, "pass", "mx", NULL, 1, 0},
    {"198.51.100.9", "a@spf-tests.example", NULL, "pass",
     "include:provider.spf-tests.example", NULL, 2, 0},
    {"2001:db8:100::1", "a@spf-tests.example", NULL, "pass",
     "include:provider.spf-tests.example", NULL, 2, 0},
    {"203.0.113.9", "a@spf-tests.example", NULL, "fail", "-all", NULL, 2, 1},
    {"::ffff:192.0.2.20", "a@spf-tests.example", NULL, "pass", "mx", NULL, 1, 0},
    {"192.0.2.99", "Joe@exp.spf-tests.example", NULL, "fail", "-all",
     "192.0.2.99 is not one of exp.spf-tests.example's designated mail servers (Joe).", 0, 1},
    {"192.0.2.11", "x@split.spf-tests.example", NULL, "pass", "ip4:192.0.2.11", NULL, 0, 0},
    {"192.0.2.30", "", "host.spf-tests.example", "pass", "a", NULL, 1, 0},
    {"192.0.2.31", "", "host.spf-tests.example", "fail", "-all", NULL, 1, 1},
    {"192.0.2.10", "x@ptr.spf-tests.example", NULL, "pass", "ptr:good.example", NULL, 1, 0},
    {"192.0.2.77", "x@ptr.spf-tests.example", NULL, "neutral", "?all", NULL, 1, 1},
    {"203.0.113.5", "x@over.spf-tests.example", NULL, "permerror", NULL, NULL, 11, 1},
    {"203.0.113.1", "x@over.spf-tests.example", NULL, "pass", "include:p1.spf-tests.example",
     NULL, 3, 0},
    {"192.0.2.10", "x@void.spf-tests.example", NULL, "permerror", NULL, NULL, 3, 1},
    {"192.0.2.20", "x@bigmx.spf-tests.example", NULL, "permerror", NULL, NULL, 1, 1},
    {"192.0.2.1", "x@loop1.spf-tests.example", NULL, "permerror", NULL, NULL, 11, 1},
    {"192.0.2.1", "x@multi.spf-tests.example", NULL, "permerror", NULL, NULL, 0, 1},
    {"192.0.2.1", "x@syntax.spf-tests.example", NULL, "permerror", NULL, NULL, 0, 1},
    {"192.0.2.1", "x@noinc.spf-tests.example", NULL, "permerror", NULL, NULL, 1, 1},
    {"192.0.2.1", "x@parked.spf-tests.example", NULL, "none", NULL, NULL, 0, 1},
    {"192.0.2.1", "x@nonexistent.spf-tests.example", NULL, "none", NULL, NULL, 0, 1},
    {"192.0.2.1", "x@neutral.spf-tests.example", NULL, "neutral", NULL, NULL, 0, 1},
    {"192.0.2.10", "x@redir.spf-tests.example", NULL, "pass", "ip4:192.0.2.10", NULL, 1, 0},
    {"192.0.2.1", "x@temp.spf-tests.example", NULL, "temperror", NULL, NULL, 1, 3},
    {"192.0.2.1", "x@bad..name.example", NULL, "none", NULL, NULL, 0, 1},
    /* /32 and /128 match the one address, not its neighbour */
    {"192.0.2.10", "x@cidrmax.spf-tests.example", NULL, "pass", "ip4:192.0.2.10/32", NULL, 0, 0},
    {"192.0.2.11", "x@cidrmax.spf-tests.example", NULL, "fail", "-all", NULL, 0, 1},
    {"2001:db8::10", "x@cidrmax.spf-tests.example", NULL, "pass", "ip6:2001:db8::10/128", NULL,
     0, 0},
    {"2001:db8::11", "x@cidrmax.spf-tests.example", NULL, "fail", "-all", NULL, 0, 1},
    /* %{o} is the sender's domain, %{d} the one being checked: both in the
     * name o-inner builds, reached by include, by redirect, and directly */
    {"192.0.2.1", "x@o-inc.spf-tests.example", NULL, "pass", "include:o-inner.spf-tests.example",
     NULL, 2, 0},
    {"192.0.2.1", "x@o-redir.spf-tests.example", NULL, "pass",
     "exists:%{o}.%{d}.o-ok.spf-tests.example", NULL, 2, 0},
    {"192.0.2.1", "x@o-inner.spf-tests.example", NULL, "fail", "-all", NULL, 1, 1},
};

static void check_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct check_case *c = &cases[i];
        const char *args[] = { "spf", "check", "--json", "--ip", c->ip, "--mail-from",
                               c->mail_from, c->helo ? "--helo" : NULL, c->helo, NULL };
        struct test_out out;
        json_t *doc, *trace;

        run(&out, args);
        doc = json_of(&out);
        if (strcmp(json_string_value(json_object_get(doc, "result")), c->result) != 0)
            fail_msg("case %zu (%s %s): result %s, want %s\n%s", i, c->ip, c->mail_from,
                     json_string_value(json_object_get(doc, "result")), c->result, out.out);
        if (c->mechanism)
            assert_string_equal(json_string_value(json_object_get(doc, "mechanism")),
                                c->mechanism);
        else
            assert_true(json_is_null(json_object_get(doc, "mechanism")));
        if (c->explanation)
            assert_string_equal(json_string_value(json_object_get(doc, "explanation")),
                                c->explanation);
        else
            assert_true(json_is_null(json_object_get(doc, "explanation")));
        if (c->lookups >= 0 &&
            json_integer_value(json_object_get(doc, "lookups")) != c->lookups)
            fail_msg("case %zu: lookups %lld, want %d", i,
                     (long long)json_integer_value(json_object_get(doc, "lookups")), c->lookups);
        assert_true(json_is_integer(json_object_get(doc, "void_lookups")));
        assert_true(json_is_string(json_object_get(doc, "domain")));
        trace = json_object_get(doc, "trace");
        assert_true(json_is_array(trace));
        if (strcmp(c->result, "none") != 0 || strstr(c->mail_from, ".."))
            assert_true(json_array_size(trace) > 0);
        if (out.status != c->exit_code)
            fail_msg("case %zu: exit %d, want %d", i, out.status, c->exit_code);
        json_decref(doc);
        test_out_free(&out);
    }
}

static void check_text_and_usage(void **state)
{
    struct test_out out;
    const char *text[] = { "spf", "check", "--ip", "192.0.2.99", "--mail-from",
                           "a@exp.spf-tests.example", NULL };
    const char *noip[] = { "spf", "check", "--mail-from", "a@b.example", NULL };
    const char *badip[] = { "spf", "check", "--ip", "300.1.1.1", "--mail-from", "a@b.example",
                            NULL };
    const char *nosub[] = { "spf", "frobnicate", NULL };
    (void)state;
    run(&out, text);
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.out, "SPF fail"));
    assert_non_null(strstr(out.out, "explanation: 192.0.2.99 is not one of"));
    assert_non_null(strstr(out.out, "TXT? why.spf-tests.example"));
    test_out_free(&out);
    run(&out, noip);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "--ip"));
    test_out_free(&out);
    run(&out, badip);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "300.1.1.1"));
    test_out_free(&out);
    run(&out, nosub);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
}

/* The ids of the lint findings at or above warn, for one domain. */
static json_t *lint(const char *domain, struct test_out *out, const char *ip)
{
    const char *args[] = { "spf", "lint", domain, "--json", ip ? "--ip" : NULL, ip, NULL };
    run(out, args);
    return json_of(out);
}

static bool has_finding(json_t *doc, const char *id, const char *severity)
{
    return test_has_finding(doc, id, severity, NULL);
}

static void lint_findings(void **state)
{
    static const struct { const char *domain, *id, *severity; } want[] = {
        {"over.spf-tests.example", "spf.lookup-limit", "fail"},
        {"spf-tests.example", "spf.lookup-limit", "pass"},
        {"loop1.spf-tests.example", "spf.loop", "fail"},
        {"multi.spf-tests.example", "spf.multiple", "fail"},
        {"syntax.spf-tests.example", "spf.syntax", "fail"},
        {"plusall.spf-tests.example", "spf.all-pass", "fail"},
        {"neutral.spf-tests.example", "spf.all-neutral", "warn"},
        {"ptr.spf-tests.example", "spf.ptr-used", "warn"},
        {"afterall.spf-tests.example", "spf.redirect-ignored", "warn"},
        {"afterall.spf-tests.example", "spf.after-all", "warn"},
        {"macro.spf-tests.example", "spf.macro-count", "info"},
        {"void.spf-tests.example", "spf.void-limit", "fail"},
        {"bigmx.spf-tests.example", "spf.mx-names-limit", "fail"},
        {"noinc.spf-tests.example", "spf.include-no-record", "fail"},
        {"temp.spf-tests.example", "spf.include-error", "error"},
        {"parked.spf-tests.example", "spf.missing", "fail"},
        {"nonexistent.spf-tests.example", "spf.missing", "fail"},
        {"spf-tests.example", "spf.missing", "pass"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct test_out out;
        json_t *doc = lint(want[i].domain, &out, NULL);
        if (!has_finding(doc, want[i].id, want[i].severity))
            fail_msg("%s: no %s finding %s\n%s", want[i].domain, want[i].severity, want[i].id,
                     out.out);
        json_decref(doc);
        test_out_free(&out);
    }
}

/* --receiver is %{r} in an explanation; without it %{r} is "unknown"
 * (RFC 7208 7.3).  --no-flatten: the lookup-limit finding offers no
 * flattened record; without it, it does. */
static void receiver_and_no_flatten(void **state)
{
    const char *with[] = { "spf", "check", "--json", "--ip", "192.0.2.99", "--mail-from",
                           "a@expr.spf-tests.example", "--receiver", "mx.receiver.example",
                           NULL };
    const char *without[] = { "spf", "check", "--json", "--ip", "192.0.2.99", "--mail-from",
                              "a@expr.spf-tests.example", NULL };
    const char *nf[] = { "spf", "lint", "over.spf-tests.example", "--json", "--no-flatten",
                         NULL };
    struct test_out out;
    json_t *doc, *f;

    (void)state;
    run(&out, with);
    doc = json_of(&out);
    assert_string_equal(json_string_value(json_object_get(doc, "explanation")),
                        "192.0.2.99 refused by mx.receiver.example");
    json_decref(doc);
    test_out_free(&out);
    run(&out, without);
    doc = json_of(&out);
    assert_string_equal(json_string_value(json_object_get(doc, "explanation")),
                        "192.0.2.99 refused by unknown");
    json_decref(doc);
    test_out_free(&out);
    run(&out, nf);
    doc = json_of(&out);
    f = test_finding(doc, "spf.lookup-limit");
    assert_non_null(f);
    assert_string_equal(test_finding_severity(doc, "spf.lookup-limit"), "fail");
    assert_true(json_is_null(json_object_get(f, "fix")));
    json_decref(doc);
    test_out_free(&out);
    doc = lint("over.spf-tests.example", &out, NULL);
    f = test_finding(doc, "spf.lookup-limit");
    assert_non_null(f);
    assert_true(json_is_string(json_object_get(f, "fix")));
    json_decref(doc);
    test_out_free(&out);
}

/* A name that does not exist (NXDOMAIN) has no SPF record as surely as one
 * without TXT: spf.missing, exit 1, in JSON and text, and the summary says
 * which of the two it is. */
static void lint_nxdomain(void **state)
{
    const char *text[] = { "spf", "lint", "nonexistent.spf-tests.example", NULL };
    struct test_out out;
    json_t *doc, *f;

    (void)state;
    doc = lint("nonexistent.spf-tests.example", &out, NULL);
    assert_int_equal(out.status, 1);
    assert_true(json_is_null(json_object_get(doc, "record")));
    f = test_finding(doc, "spf.missing");
    assert_non_null(f);
    assert_non_null(strstr(json_string_value(json_object_get(f, "summary")),
                           "the name does not exist"));
    assert_non_null(strstr(json_string_value(json_object_get(f, "fix")), "v=spf1 -all"));
    json_decref(doc);
    test_out_free(&out);
    doc = lint("parked.spf-tests.example", &out, NULL);
    f = test_finding(doc, "spf.missing");
    assert_non_null(f);
    assert_null(strstr(json_string_value(json_object_get(f, "summary")), "does not exist"));
    json_decref(doc);
    test_out_free(&out);
    run(&out, text);
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.out, "spf.missing"));
    assert_non_null(strstr(out.out, "does not exist"));
    test_out_free(&out);
}

static void lint_flatten_and_fix(void **state)
{
    struct test_out out;
    json_t *doc = lint("over.spf-tests.example", &out, NULL), *f;
    size_t i;
    bool seen = false;
    (void)state;
    assert_int_equal(out.status, 1);
    assert_int_equal(json_integer_value(json_object_get(doc, "lookups")), 12);
    json_array_foreach(json_object_get(doc, "findings"), i, f) {
        const char *fix = json_string_value(json_object_get(f, "fix"));
        if (strcmp(json_string_value(json_object_get(f, "id")), "spf.lookup-limit") != 0)
            continue;
        seen = true;
        assert_non_null(fix);
        assert_non_null(strstr(fix, "over.spf-tests.example. TXT \"v=spf1 "));
        assert_non_null(strstr(fix, "ip4:203.0.113.4"));
        assert_non_null(strstr(fix, "ip4:192.0.2.20"));
        assert_non_null(strstr(fix, "ip6:2001:db8::20"));
        assert_null(strstr(fix, "include:"));
        assert_non_null(strstr(json_string_value(json_object_get(f, "detail")), "maintenance"));
    }
    assert_true(seen);
    json_decref(doc);
    test_out_free(&out);
    doc = lint("parked.spf-tests.example", &out, NULL);
    f = json_array_get(json_object_get(doc, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "fix")),
                        "parked.spf-tests.example. TXT \"v=spf1 -all\"");
    json_decref(doc);
    test_out_free(&out);
    doc = lint("spf-tests.example", &out, "203.0.113.50");
    assert_true(has_finding(doc, "spf.ip-not-authorized", "fail"));
    assert_int_equal(out.status, 1);
    json_decref(doc);
    test_out_free(&out);
    doc = lint("spf-tests.example", &out, "192.0.2.20");
    assert_true(has_finding(doc, "spf.ip-not-authorized", "pass"));
    assert_int_equal(out.status, 0);
    json_decref(doc);
    test_out_free(&out);
}

/* The fix of the domain's spf.lookup-limit finding (malloc'd), NULL when
 * the finding has none; fails when there is no such finding. */
static char *lookup_limit_fix(const char *domain, char **detail)
{
    struct test_out out;
    json_t *doc = lint(domain, &out, NULL), *f = test_finding(doc, "spf.lookup-limit");
    const char *fix;
    char *copy;

    if (!f)
        fail_msg("%s: no spf.lookup-limit finding\n%s", domain, out.out);
    fix = json_string_value(json_object_get(f, "fix"));
    copy = fix ? strdup(fix) : NULL;
    if (detail)
        *detail = strdup(json_string_value(json_object_get(f, "detail")));
    json_decref(doc);
    test_out_free(&out);
    return copy;
}

/* The flattened policy is exact: order kept, an include that excepts an
 * address from its own range kept, an include's qualifier carried. */
static void flatten_keeps_the_result(void **state)
{
    char *fix = lookup_limit_fix("shadow.spf-tests.example", NULL);

    (void)state;
    assert_non_null(fix);
    assert_non_null(strstr(fix, "shadow.spf-tests.example. TXT \"v=spf1 -ip4:192.0.2.66 "
                                "ip4:192.0.2.20 ip6:2001:db8::20 ip4:203.0.113.1 "));
    assert_non_null(strstr(fix, " ?ip4:192.0.2.30 ?ip6:2001:db8:77::/48 "
                                "include:shp.spf-tests.example -all\""));
    assert_null(strstr(fix, "203.0.113.0/24"));
    free(fix);
}

/* Longer than 450 bytes: the run of pass ip terms moves to _spfN records
 * in place, after the -ip4 it must not overtake. */
static void flatten_chains_long_runs(void **state)
{
    char *fix = lookup_limit_fix("bigflat.spf-tests.example", NULL);

    (void)state;
    assert_non_null(fix);
    assert_non_null(strstr(fix, "_spf1.bigflat.spf-tests.example. TXT \"v=spf1 "
                                "ip4:198.18.0.0/24 "));
    assert_non_null(strstr(fix, "_spf2.bigflat.spf-tests.example. TXT \"v=spf1 "));
    assert_non_null(strstr(fix, "bigflat.spf-tests.example. TXT \"v=spf1 -ip4:192.0.2.67 "
                                "include:_spf1.bigflat.spf-tests.example "
                                "include:_spf2.bigflat.spf-tests.example ~all\""));
    free(fix);
}

/* No exact flattening within 10 lookups: no fix rather than a wrong one. */
static void flatten_offers_nothing_wrong(void **state)
{
    char *detail = NULL, *fix = lookup_limit_fix("stuck.spf-tests.example", &detail);

    (void)state;
    assert_null(fix);
    assert_non_null(strstr(detail, "same result"));
    free(detail);
}

static void tree_json(void **state)
{
    const char *args[] = { "spf", "tree", "over.spf-tests.example", "--json", NULL };
    const char *text[] = { "spf", "tree", "loop1.spf-tests.example", NULL };
    struct test_out out;
    json_t *doc, *root, *kids, *k3;
    (void)state;
    run(&out, args);
    doc = json_of(&out);
    assert_int_equal(json_integer_value(json_object_get(doc, "lookups")), 12);
    root = json_object_get(doc, "tree");
    assert_int_equal(json_integer_value(json_object_get(root, "lookups")), 4);
    assert_int_equal(json_integer_value(json_object_get(root, "subtree_lookups")), 12);
    kids = json_object_get(root, "children");
    assert_int_equal(json_array_size(kids), 4);
    k3 = json_array_get(kids, 3);
    assert_string_equal(json_string_value(json_object_get(k3, "domain")), "p4.spf-tests.example");
    assert_string_equal(json_string_value(json_object_get(k3, "via")),
                        "include:p4.spf-tests.example");
    assert_int_equal(json_integer_value(json_object_get(k3, "lookups")), 2);
    assert_int_equal(json_integer_value(json_object_get(k3, "running_total")), 12);
    assert_int_equal(out.status, 1);
    json_decref(doc);
    test_out_free(&out);
    run(&out, text);
    assert_non_null(strstr(out.out, "loop:"));
    assert_int_equal(out.status, 1);
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_table),
        cmocka_unit_test(check_text_and_usage),
        cmocka_unit_test(lint_findings),
        cmocka_unit_test(lint_nxdomain),
        cmocka_unit_test(receiver_and_no_flatten),
        cmocka_unit_test(lint_flatten_and_fix),
        cmocka_unit_test(flatten_keeps_the_result),
        cmocka_unit_test(flatten_chains_long_runs),
        cmocka_unit_test(flatten_offers_nothing_wrong),
        cmocka_unit_test(tree_json),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
