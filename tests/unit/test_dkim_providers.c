/*
 * test_dkim_providers.c - the mail provider recognised from MX and SPF
 * (checks/dkim_providers.c), and the DKIM family asking that provider's
 * selectors first, judged from hand-made snapshots (no server): the
 * questions each audit asked are counted by the engine.
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
#include "../checks/dkim_providers.h"
#include "testsnap.h"

#define AUDIT_NOW 1780272000      /* 2026-06-01 */
#define KEY "\"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtestkey\""

static void name_patterns(void **state)
{
    assert_true(dkim_provider_name_matches("mail.protection.outlook.com",
                                           "contoso-com.mail.protection.outlook.com"));
    assert_true(dkim_provider_name_matches("mail.protection.outlook.com",
                                           "Contoso-Com.MAIL.protection.outlook.com."));
    assert_true(dkim_provider_name_matches("aspmx.l.google.com", "aspmx.l.google.com"));
    assert_true(dkim_provider_name_matches("inbound-smtp.*.amazonaws.com",
                                           "inbound-smtp.eu-west-1.amazonaws.com"));
    /* a label boundary, not a string suffix */
    assert_false(dkim_provider_name_matches("mail.protection.outlook.com",
                                            "evilmail.protection.outlook.com"));
    assert_false(dkim_provider_name_matches("mail.protection.outlook.com", "outlook.com"));
    assert_false(dkim_provider_name_matches("inbound-smtp.*.amazonaws.com",
                                            "inbound-smtp.amazonaws.com"));
    assert_false(dkim_provider_name_matches("zoho.com", "notzoho.com"));
}

static size_t match(const char *mx, const char *spf, const struct dkim_provider **p)
{
    const char *hosts[1] = { mx };
    return dkim_providers_match(hosts, mx ? 1 : 0, spf, p, DKIM_PROVIDERS_MAX);
}

static void providers_from_mx_and_spf(void **state)
{
    const struct dkim_provider *p[DKIM_PROVIDERS_MAX];
    const char *sel[64];
    char names[160];
    size_t n;

    assert_int_equal(match("contoso-com.mail.protection.outlook.com", NULL, p), 1);
    assert_string_equal(p[0]->name, "Microsoft 365");
    n = dkim_providers_selectors(p, 1, sel, 64);
    assert_int_equal(n, 2);
    assert_string_equal(sel[0], "selector1");
    assert_string_equal(sel[1], "selector2");

    /* Google's MX, SendGrid and Mailchimp from SPF (with qualifiers and
     * redirect=): every provider once, table order, selectors each once */
    n = match("alt1.aspmx.l.google.com",
              "v=spf1 include:_spf.google.com ~include:sendgrid.net "
              "+include:servers.mcsv.net -all", p);
    assert_int_equal(n, 3);
    dkim_providers_names(p, n, names, sizeof names);
    assert_string_equal(names, "Google Workspace, SendGrid, Mailchimp");
    n = dkim_providers_selectors(p, 3, sel, 64);
    assert_int_equal(n, 1 + 3 + 3);
    assert_string_equal(sel[0], "google");
    assert_string_equal(sel[1], "s1");

    assert_int_equal(match(NULL, "v=spf1 redirect=_spf.yandex.net", p), 1);
    assert_string_equal(p[0]->name, "Yandex 360");
    assert_int_equal(match("mxbiz1.qq.com", NULL, p), 1);
    assert_string_equal(p[0]->name, "Tencent Exmail");
    assert_int_equal(dkim_providers_selectors(p, 1, sel, 64), 0);   /* none documented */
    assert_int_equal(match("in1-smtp.messagingengine.com", NULL, p), 1);
    assert_string_equal(p[0]->name, "Fastmail");
    assert_int_equal(match("mail.protonmail.ch", NULL, p), 1);
    assert_int_equal(match("mx1.qiye.aliyun.com", "v=spf1 include:spf.qiye.aliyun.com -all",
                           p), 1);
    assert_string_equal(p[0]->name, "Alibaba Mail");

    /* nothing known: a mention that is not include: or redirect= is not one */
    assert_int_equal(match("mail.good.test", "v=spf1 a:sendgrid.net -all", p), 0);
    assert_int_equal(match(NULL, NULL, p), 0);
}

/* Judge only the dkim family of domain from the snapshot. */
static struct audit_result *judge(const char *domain, const char *snapshot, bool all)
{
    char err[256];
    struct dns_tape *tape = test_snapshot_open(snapshot);
    struct dns_engine_params dp = { .tape = tape };
    struct audit_options opt = { .no_smtp = true, .only = "dkim", .now = AUDIT_NOW,
                                 .dkim_all_selectors = all, .dns = &dp };
    struct audit_result *r = NULL;

    assert_non_null(tape);
    assert_int_equal(audit_run(domain, &opt, &r, err, sizeof err), AUTH_OK);
    assert_int_equal(dns_tape_close(tape, err, sizeof err), AUTH_OK);
    return r;
}

static bool has(const struct audit_result *r, const char *id, enum finding_severity sev,
                const char *detail_part)
{
    for (size_t i = 0; i < r->findings.count; i++)
        if (!strcmp(r->findings.items[i].id, id) && r->findings.items[i].severity == sev &&
            (!detail_part || (r->findings.items[i].detail &&
                              strstr(r->findings.items[i].detail, detail_part))))
            return true;
    return false;
}

static const char m365[] =
    "m365.test. 300 IN MX 0 m365-test.mail.protection.outlook.com.\n"
    "m365.test. 300 IN TXT \"v=spf1 include:spf.protection.outlook.com -all\"\n"
    "selector1._domainkey.m365.test. 300 IN TXT " KEY "\n"
    "selector2._domainkey.m365.test. TXT nxdomain\n";

static void provider_selectors_first(void **state)
{
    struct audit_result *r = judge("m365.test", m365, false);

    assert_true(has(r, "dkim.not-found", SEV_PASS, "1 selector with a key"));
    /* MX and TXT, then selector1, selector2 and the wildcard probe: 5,
     * where the common list costs 35 */
    assert_int_equal(r->questions, 5);
    audit_result_free(r);

    r = judge("m365.test", m365, true);            /* --dkim-discovery common */
    assert_true(has(r, "dkim.not-found", SEV_PASS, "1 selector with a key"));
    assert_int_equal(r->questions, 35);            /* 28 common, 6 dated, the wildcard */
    audit_result_free(r);
}

static void common_list_when_provider_has_none(void **state)
{
    /* Google's MX, but the key is at "default": the provider's selector
     * finds nothing, so the common list is asked, and finds it */
    struct audit_result *r = judge("moved.test",
        "moved.test. 300 IN MX 1 smtp.google.com.\n"
        "moved.test. TXT nodata\n"
        "google._domainkey.moved.test. TXT nxdomain\n"
        "default._domainkey.moved.test. 300 IN TXT " KEY "\n", false);

    assert_true(has(r, "dkim.not-found", SEV_PASS, "1 selector with a key"));
    assert_true(r->questions > 30);
    audit_result_free(r);
}

static void unknown_provider_asks_common_list(void **state)
{
    struct audit_result *r = judge("own.test",
        "own.test. 300 IN MX 10 mail.own.test.\n"
        "own.test. 300 IN TXT \"v=spf1 mx -all\"\n"
        "mail._domainkey.own.test. 300 IN TXT " KEY "\n", false);

    assert_true(has(r, "dkim.not-found", SEV_PASS, NULL));
    assert_true(r->questions > 30);
    audit_result_free(r);
}

static void provider_named_when_nothing_found(void **state)
{
    struct audit_result *r = judge("ses.test",
        "ses.test. MX nodata\n"
        "ses.test. 300 IN TXT \"v=spf1 include:amazonses.com -all\"\n", false);

    /* every selector question fails in the snapshot (not in it), so: */
    assert_true(has(r, "dkim.not-found", SEV_ERROR, NULL));
    audit_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(name_patterns),
        cmocka_unit_test(providers_from_mx_and_spf),
        cmocka_unit_test(provider_selectors_first),
        cmocka_unit_test(common_list_when_provider_has_none),
        cmocka_unit_test(unknown_provider_asks_common_list),
        cmocka_unit_test(provider_named_when_nothing_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
