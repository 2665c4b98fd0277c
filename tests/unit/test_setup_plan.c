/*
 * test_setup_plan.c - libauth/setup: the records of a new mail domain as
 * data, their zone-file form (TXT split at 255 octets), the MTA-STS policy
 * (parsed back with libauth's own parser), and bad input refused with a
 * reason naming the argument.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/mtasts.h"
#include "auth/setup.h"

static const struct setup_params base = {
    .domain = "Example.COM.", .mail_host = "mail.example.com", .ip = "192.0.2.25",
    .ipv6 = "2001:db8::25", .selector = "s1", .dkim_record = "v=DKIM1; k=rsa; p=QUJD",
    .mta_sts_id = "20260101", .key_file = "/keys/s1.private",
};

static struct setup_plan *plan_of(const struct setup_params *p)
{
    struct setup_plan *pl = NULL;
    char err[300] = "";

    if (setup_plan_new(p, &pl, err, sizeof err) != AUTH_OK)
        fail_msg("setup_plan_new: %s", err);
    return pl;
}

/* The one record of type at name, or NULL. */
static const struct setup_record *find(const struct setup_plan *pl, const char *name,
                                       const char *type)
{
    const struct setup_record *hit = NULL;

    for (size_t i = 0; i < setup_plan_nrecords(pl); i++) {
        const struct setup_record *r = setup_plan_record(pl, i);
        if (!strcmp(r->name, name) && !strcmp(r->type, type)) {
            assert_null(hit);
            hit = r;
        }
    }
    return hit;
}

static const char *value(const struct setup_plan *pl, const char *name, const char *type)
{
    const struct setup_record *r = find(pl, name, type);

    if (!r)
        fail_msg("no %s record at %s", type, name);
    return r->value;
}

static void every_record_of_a_new_domain(void **state)
{
    struct setup_plan *pl = plan_of(&base);
    const struct setup_record *ptr4, *ptr6;
    bool outside = false;

    assert_string_equal(setup_plan_domain(pl), "example.com");
    assert_string_equal(value(pl, "example.com", "MX"), "10 mail.example.com");
    assert_string_equal(value(pl, "mail.example.com", "A"), "192.0.2.25");
    assert_string_equal(value(pl, "mail.example.com", "AAAA"), "2001:db8::25");
    assert_string_equal(value(pl, "example.com", "TXT"),
                        "v=spf1 ip4:192.0.2.25 ip6:2001:db8::25 -all");
    assert_string_equal(value(pl, "s1._domainkey.example.com", "TXT"), base.dkim_record);
    assert_string_equal(value(pl, "_dmarc.example.com", "TXT"),
                        "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com");
    assert_string_equal(value(pl, "_smtp._tls.example.com", "TXT"),
                        "v=TLSRPTv1; rua=mailto:tls-reports@example.com");
    assert_string_equal(value(pl, "_mta-sts.example.com", "TXT"), "v=STSv1; id=20260101");
    assert_string_equal(value(pl, "mta-sts.example.com", "CNAME"), "mail.example.com");
    ptr4 = find(pl, "25.2.0.192.in-addr.arpa", "PTR");
    ptr6 = find(pl, "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                "PTR");
    assert_non_null(ptr4);
    assert_non_null(ptr6);
    assert_true(ptr4->outside_zone && ptr6->outside_zone);
    assert_string_equal(ptr4->value, "mail.example.com");
    assert_false(find(pl, "example.com", "MX")->outside_zone);
    /* The zone's records first, the outside ones after. */
    for (size_t i = 0; i < setup_plan_nrecords(pl); i++) {
        if (outside)
            assert_true(setup_plan_record(pl, i)->outside_zone);
        outside = setup_plan_record(pl, i)->outside_zone;
    }
    setup_plan_free(pl);
}

static void checklist_names_what_dns_cannot_do(void **state)
{
    struct setup_plan *pl = plan_of(&base);
    bool ptr = false, ports = false, out25 = false, quarantine = false, reject = false;

    for (size_t i = 0; i < setup_plan_nchecklist(pl); i++) {
        const char *c = setup_plan_checklist(pl, i);
        ptr |= strstr(c, "192.0.2.25") && strstr(c, "PTR");
        ports |= strstr(c, "25") && strstr(c, "587") && strstr(c, "465") && strstr(c, "993");
        out25 |= strstr(c, "outbound TCP port 25") != NULL;
        quarantine |= strstr(c, "p=quarantine") != NULL;
        reject |= strstr(c, "p=reject") != NULL;
        assert_null(strstr(c, "private or loopback"));   /* documentation addresses */
    }
    assert_true(ptr && ports && out25 && quarantine && reject);
    setup_plan_free(pl);
}

static void mta_sts_policy_parses(void **state)
{
    struct setup_plan *pl = plan_of(&base);
    const char *text = setup_plan_mta_sts_policy(pl);
    struct mtasts_policy pol;
    char err[200];

    if (mtasts_policy_parse(text, strlen(text), &pol, err, sizeof err) != AUTH_OK)
        fail_msg("policy does not parse: %s\n%s", err, text);
    assert_int_equal(pol.mode, MTASTS_TESTING);
    assert_int_equal(pol.nmx, 1);
    assert_true(mtasts_mx_match(pol.mx[0], "mail.example.com"));
    mtasts_policy_clear(&pol);
    assert_string_equal(setup_plan_mta_sts_url(pl),
                        "https://mta-sts.example.com/.well-known/mta-sts.txt");
    setup_plan_free(pl);
}

static void variants(void **state)
{
    struct setup_params p = base;
    struct setup_plan *pl;
    const struct setup_record *a;
    bool auth_item = false, lab = false;

    p.ipv6 = NULL;
    p.ip = "10.1.2.3";
    p.spf = SETUP_SPF_MX;
    p.mail_host = "mx1.provider.example";
    p.dmarc_rua = "mailto:agg@reports.example";
    pl = plan_of(&p);
    assert_string_equal(value(pl, "example.com", "TXT"), "v=spf1 mx -all");
    a = find(pl, "mx1.provider.example", "A");
    assert_non_null(a);
    assert_true(a->outside_zone);           /* the host's own zone */
    assert_null(find(pl, "mx1.provider.example", "AAAA"));
    assert_string_equal(value(pl, "_dmarc.example.com", "TXT"),
                        "v=DMARC1; p=none; rua=mailto:agg@reports.example");
    assert_true(find(pl, "example.com._report._dmarc.reports.example", "TXT")->outside_zone);
    for (size_t i = 0; i < setup_plan_nchecklist(pl); i++) {
        auth_item |= strstr(setup_plan_checklist(pl, i), "_report._dmarc") != NULL;
        lab |= strstr(setup_plan_checklist(pl, i), "10.1.2.3 is a private") != NULL;
    }
    assert_true(auth_item && lab);
    setup_plan_free(pl);

    p = base;                                 /* IPv6 only */
    p.ip = "2001:db8::7";
    p.ipv6 = NULL;
    pl = plan_of(&p);
    assert_string_equal(value(pl, "example.com", "TXT"), "v=spf1 ip6:2001:db8::7 -all");
    assert_null(find(pl, "mail.example.com", "A"));
    setup_plan_free(pl);
}

static void bad_input(void **state)
{
    static const struct { const char *field, *value, *why; } cases[] = {
        {"domain", "exa mple.com", "domain 'exa mple.com'"},
        {"domain", "com", "not a name under"},
        {"domain", "192.0.2.1", "looks like an IP"},
        {"domain", "a..b", "domain"},
        {"mail_host", "localhost", "--mail-host"},
        {"mail_host", "mail.lan.local", ".local"},
        {"mail_host", "-bad.example.com", "label '-bad'"},
        {"ip", "192.0.2.300", "--ip '192.0.2.300': not an IP"},
        {"ip", "224.0.0.1", "multicast"},
        {"ip", "::", "unspecified"},
        {"ipv6", "192.0.2.9", "not an IPv6"},
        {"dmarc_rua", "a@b.example,c@d.example", "one plain address"},
        {"dmarc_rua", "mailto:x\r\n@b.example", "--dmarc-rua"},
        {"selector", "", "--selector is missing"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct setup_params p = base;
        struct setup_plan *pl = NULL;
        char err[300] = "";

        if (!strcmp(cases[i].field, "domain")) p.domain = cases[i].value;
        if (!strcmp(cases[i].field, "mail_host")) p.mail_host = cases[i].value;
        if (!strcmp(cases[i].field, "ip")) p.ip = cases[i].value;
        if (!strcmp(cases[i].field, "ipv6")) { p.ip = "192.0.2.1"; p.ipv6 = cases[i].value; }
        if (!strcmp(cases[i].field, "dmarc_rua")) p.dmarc_rua = cases[i].value;
        if (!strcmp(cases[i].field, "selector")) p.selector = cases[i].value;
        assert_int_equal(setup_params_check(&p, err, sizeof err), AUTH_EINVAL);
        if (!strstr(err, cases[i].why))
            fail_msg("'%s': error '%s' lacks '%s'", cases[i].value, err, cases[i].why);
        assert_int_equal(setup_plan_new(&p, &pl, err, sizeof err), AUTH_EINVAL);
        assert_null(pl);
    }
}

/* TXT split into strings of at most 255 octets that join back to the value. */
static void zone_text_splits_txt(void **state)
{
    char big[700], joined[700] = "", *line, *p;
    struct setup_record r = { .name = "s._domainkey.example.com", .type = "TXT",
                              .value = big, .ttl = 3600 };
    size_t n = 0, strings = 0;

    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('A' + i % 26);
    big[sizeof big - 1] = '\0';
    big[300] = '"';
    line = setup_record_zone_text(&r);
    assert_non_null(line);
    assert_int_equal(strncmp(line, "s._domainkey.example.com.\t3600\tIN\tTXT\t\"", 39), 0);
    for (p = strchr(line, '"'); p && *p == '"'; strings++) {
        size_t len = 0;
        for (p++; *p && *p != '"'; p++, len++) {
            if (*p == '\\')
                p++;
            joined[n++] = *p;
        }
        assert_true(len <= 255);
        p++;
        if (*p == ' ')
            p++;
    }
    joined[n] = '\0';
    assert_string_equal(joined, big);
    assert_int_equal(strings, 3);
    free(line);

    r = (struct setup_record){ .name = "example.com", .type = "MX", .value = "10 mail.example.com",
                               .ttl = 300 };
    line = setup_record_zone_text(&r);
    assert_string_equal(line, "example.com.\t300\tIN\tMX\t10 mail.example.com.\n");
    free(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_record_of_a_new_domain),
        cmocka_unit_test(checklist_names_what_dns_cannot_do),
        cmocka_unit_test(mta_sts_policy_parses),
        cmocka_unit_test(variants),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(zone_text_splits_txt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
