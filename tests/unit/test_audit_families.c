/*
 * test_audit_families.c - the audit's families judged from hand-made
 * snapshots (tests/support/testsnap.h): no server, no network; every answer
 * comes from the snapshot, and a question it lacks is a DNS error.
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

#include "../checks/audit.h"
#include "testsnap.h"

/* A fixed clock: 2026-06-01, so the dated DKIM selectors are 2024..2026. */
#define AUDIT_NOW 1780272000

struct judged {
    struct audit_result *r;
    char tape_path[64];
};

/* Judge domain with only the families of only, from the snapshot text. */
static struct audit_result *judge(const char *domain, const char *only, const char *snapshot)
{
    char err[256];
    struct dns_tape *tape = test_snapshot_open(snapshot);
    struct dns_engine_params dp = { .tape = tape };
    struct audit_options opt = { .no_smtp = true, .only = only, .now = AUDIT_NOW, .dns = &dp };
    struct audit_result *r = NULL;

    assert_non_null(tape);
    assert_int_equal(audit_run(domain, &opt, &r, err, sizeof err), AUTH_OK);
    assert_int_equal(dns_tape_close(tape, err, sizeof err), AUTH_OK);
    return r;
}

static const struct finding *find(const struct audit_result *r, const char *id,
                                  enum finding_severity sev)
{
    for (size_t i = 0; i < r->findings.count; i++)
        if (!strcmp(r->findings.items[i].id, id) && r->findings.items[i].severity == sev)
            return &r->findings.items[i];
    return NULL;
}

static void expect(const struct audit_result *r, const char *id, enum finding_severity sev)
{
    if (!find(r, id, sev)) {
        for (size_t i = 0; i < r->findings.count; i++)
            fprintf(stderr, "  have %s %d: %s (%s)\n", r->findings.items[i].id,
                    r->findings.items[i].severity, r->findings.items[i].summary,
                    r->findings.items[i].detail ? r->findings.items[i].detail : "");
        fail_msg("%s: no %s with severity %d", r->domain, id, sev);
    }
}

static const char mx_snapshot[] =
    "good.test. 300 IN MX 10 mail.good.test.\n"
    "mail.good.test. 300 IN A 198.51.100.10\n"
    "mail.good.test. AAAA nodata\n"
    "10.100.51.198.in-addr.arpa. 300 IN PTR mail.good.test.\n";

static void mx_family_from_snapshot(void **state)
{
    struct audit_result *r = judge("good.test", "mx", mx_snapshot);

    expect(r, "mx.present", SEV_PASS);
    expect(r, "mx.ipv6", SEV_INFO);
    assert_null(find(r, "ptr.missing", SEV_WARN));
    assert_null(find(r, "ptr.fcrdns", SEV_WARN));       /* PTR name resolves back */
    assert_int_equal(r->nrecords, 1);
    assert_string_equal(r->records[0].value, "10 mail.good.test");
    /* MX, then the host's addresses, then the PTR, then nothing new: the
     * forward confirmation is already in the snapshot */
    assert_true(r->rounds >= 3 && r->rounds <= 5);
    audit_result_free(r);
}

static void mx_family_missing_ptr(void **state)
{
    struct audit_result *r = judge("good.test", "mx",
        "good.test. 300 IN MX 10 mail.good.test.\n"
        "mail.good.test. 300 IN A 198.51.100.10\n"
        "mail.good.test. AAAA nodata\n"
        "10.100.51.198.in-addr.arpa. PTR nxdomain\n");

    expect(r, "mx.present", SEV_PASS);
    expect(r, "ptr.missing", SEV_WARN);
    audit_result_free(r);
}

static void mx_family_no_mx_no_address(void **state)
{
    struct audit_result *r = judge("gone.test", "mx",
        "gone.test. MX nxdomain\n"
        "gone.test. A nxdomain\n"
        "gone.test. AAAA nxdomain\n");

    expect(r, "mx.present", SEV_FAIL);
    audit_result_free(r);
}

static void spf_family_from_snapshot(void **state)
{
    struct audit_result *r = judge("good.test", "spf",
        "good.test. 300 IN TXT \"v=spf1 include:_spf.mail.test -all\"\n"
        "_spf.mail.test. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n");

    expect(r, "spf.missing", SEV_PASS);
    expect(r, "spf.lookup-limit", SEV_PASS);
    audit_result_free(r);

    r = judge("bare.test", "spf", "bare.test. TXT nodata\n");
    expect(r, "spf.missing", SEV_FAIL);
    audit_result_free(r);
}

static void dmarc_family_from_snapshot(void **state)
{
    struct audit_result *r = judge("good.test", "dmarc",
        "_dmarc.good.test. 300 IN TXT \"v=DMARC1; p=none; rua=mailto:d@good.test\"\n"
        "_dmarc.test. TXT nxdomain\n");

    expect(r, "dmarc.policy-none", SEV_WARN);
    audit_result_free(r);
}

/* A question the snapshot cannot answer is an error, never "missing". */
static void unanswered_is_an_error(void **state)
{
    struct audit_result *r = judge("good.test", "spf", "");

    expect(r, "spf.include-error", SEV_ERROR);
    audit_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mx_family_from_snapshot),
        cmocka_unit_test(mx_family_missing_ptr),
        cmocka_unit_test(mx_family_no_mx_no_address),
        cmocka_unit_test(spf_family_from_snapshot),
        cmocka_unit_test(dmarc_family_from_snapshot),
        cmocka_unit_test(unanswered_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
