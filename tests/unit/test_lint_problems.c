/*
 * test_lint_problems.c - finding ids have one home: the library's linters
 * return problem kinds (DKIM keys here, linted from record text without
 * DNS), and checks/ maps kinds to ids, severities, summaries and fixes
 * (SPF and DMARC from hand-made problems).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../checks/problems.h"

/* RFC 8463 appendix A's Ed25519 public key. */
#define ED_KEY "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static void dkim_kinds(const char *txt, const enum dkim_key_problem_kind *want, size_t n)
{
    struct dkim_key_problems pl = {0};

    assert_int_equal(dkim_key_lint(txt, strlen(txt), &pl), AUTH_OK);
    assert_int_equal(pl.count, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pl.items[i].kind, want[i]);
    dkim_key_problems_clear(&pl);
}

static void dkim_key_problem_kinds(void **state)
{
    static const enum dkim_key_problem_kind ed[] = {
        DKIM_KEYP_ED25519, DKIM_KEYP_TESTING, DKIM_KEYP_NO_SHA256,
    };
    static const enum dkim_key_problem_kind revoked[] = { DKIM_KEYP_REVOKED };
    static const enum dkim_key_problem_kind bad[] = { DKIM_KEYP_SYNTAX };
    struct dkim_key_problems pl = {0};

    dkim_kinds("v=DKIM1; k=ed25519; t=y; h=sha1; " ED_KEY, ed, 3);
    dkim_kinds("v=DKIM1; p=", revoked, 1);
    dkim_kinds("v=DKIM1; k=nosuch; p=AAAA", bad, 1);
    assert_int_equal(dkim_key_lint("k=nosuch; p=AAAA", 16, &pl), AUTH_OK);
    assert_non_null(pl.error);                     /* the parser's reason is kept */
    assert_true(pl.error[0] != '\0');
    dkim_key_problems_clear(&pl);
}

static void dkim_ids_in_checks(void **state)
{
    const char *txt = "v=DKIM1; k=ed25519; t=y; h=sha1; " ED_KEY;
    struct finding_list l = {0};

    assert_int_equal(findings_dkim_key("s1", "example.com", txt, strlen(txt), &l), AUTH_OK);
    assert_int_equal(l.count, 3);
    assert_string_equal(l.items[0].id, "dkim.key-weak");
    assert_int_equal(l.items[0].severity, SEV_PASS);
    assert_string_equal(l.items[1].id, "dkim.key-testing");
    assert_int_equal(l.items[1].severity, SEV_WARN);
    assert_string_equal(l.items[2].id, "dkim.key-hash");
    assert_int_equal(l.items[2].severity, SEV_FAIL);
    assert_string_equal(l.items[2].detail,
                        "s1._domainkey.example.com: rsa-sha256 signatures cannot use this key");
    auth_finding_list_clear(&l);
}

static void spf_ids_in_checks(void **state)
{
    struct spf_problem items[] = {
        { .kind = SPF_PROB_ALL_PASS, .domain = "example.com", .term = "+all",
          .record = "v=spf1 mx ~all" },
        { .kind = SPF_PROB_LOOKUPS_NEAR, .domain = "example.com", .number = 9,
          .at_least = true },
        { .kind = SPF_PROB_INCLUDE_ERROR, .domain = "x.example", .text = "SERVFAIL" },
    };
    struct spf_problems pl = { .items = items, .count = 3 };
    struct finding_list l = {0};

    assert_int_equal(findings_from_spf(&pl, &l), AUTH_OK);
    assert_int_equal(l.count, 3);
    assert_string_equal(l.items[0].id, "spf.all-pass");
    assert_int_equal(l.items[0].severity, SEV_FAIL);
    assert_string_equal(l.items[0].summary,
                        "example.com: '+all' lets every host on the internet pass");
    assert_string_equal(l.items[0].fix, "example.com. TXT \"v=spf1 mx ~all\"");
    assert_string_equal(l.items[1].id, "spf.lookup-limit");
    assert_int_equal(l.items[1].severity, SEV_WARN);
    assert_string_equal(l.items[1].summary, "example.com: at least 9 of 10 DNS lookups used");
    assert_string_equal(l.items[2].id, "spf.include-error");
    assert_int_equal(l.items[2].severity, SEV_ERROR);
    assert_string_equal(l.items[2].detail, "SERVFAIL");   /* at the root: no "reached by" */
    auth_finding_list_clear(&l);
}

static void dmarc_ids_in_checks(void **state)
{
    struct dmarc_policy_info pi = { .domain = "example.com",
                                    .policy_domain = "example.com" };
    struct dmarc_lint_problem items[] = {
        { .kind = DMARC_LINT_NO_RUA },
        { .kind = DMARC_LINT_RUA_UNAUTHORIZED, .dest = "reports.example",
          .name = "example.com._report._dmarc.reports.example", .status = DNS_NXDOMAIN },
        { .kind = DMARC_LINT_RUA_NULL_MX, .dest = "reports.example" },
    };
    struct dmarc_lint_problems pl = { .items = items, .count = 3 };
    struct finding_list l = {0};

    assert_int_equal(findings_from_dmarc(&pi, &pl, &l), AUTH_OK);
    assert_int_equal(l.count, 3);
    assert_string_equal(l.items[0].id, "dmarc.no-rua");
    assert_string_equal(l.items[1].id, "dmarc.rua-unauthorized");
    assert_int_equal(l.items[1].severity, SEV_WARN);
    assert_string_equal(l.items[1].fix,
                        "example.com._report._dmarc.reports.example. TXT \"v=DMARC1\"");
    assert_string_equal(l.items[2].id, "dmarc.rua-undeliverable");
    assert_string_equal(l.items[2].detail, "reports.example has a null MX (RFC 7505)");
    auth_finding_list_clear(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dkim_key_problem_kinds),
        cmocka_unit_test(dkim_ids_in_checks),
        cmocka_unit_test(spf_ids_in_checks),
        cmocka_unit_test(dmarc_ids_in_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
