/*
 * test_ipaddr.c - IP value parsing, reverse names, CIDR, private ranges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "auth/finding.h"
#include "auth/ipaddr.h"

static struct auth_ip ip(const char *s)
{
    struct auth_ip v;
    assert_int_equal(auth_ip_parse(s, &v), AUTH_OK);
    return v;
}

static void parse_and_format(void **state)
{
    struct auth_ip v;
    char buf[AUTH_IP_STRLEN];

    v = ip("192.0.2.1");
    assert_int_equal(v.family, AF_INET);
    assert_string_equal(auth_ip_format(&v, buf, sizeof buf), "192.0.2.1");
    v = ip("2001:DB8::1");
    assert_int_equal(v.family, AF_INET6);
    assert_string_equal(auth_ip_format(&v, buf, sizeof buf), "2001:db8::1");
    assert_int_equal(auth_ip_parse("256.1.1.1", &v), AUTH_EINVAL);
    assert_int_equal(auth_ip_parse("1.2.3", &v), AUTH_EINVAL);
    assert_int_equal(auth_ip_parse("", &v), AUTH_EINVAL);
    assert_int_equal(auth_ip_parse("[::1]", &v), AUTH_EINVAL);
    assert_int_equal(auth_ip_parse("fe80::1%eth0", &v), AUTH_EINVAL);
}

static void reverse_names(void **state)
{
    char buf[AUTH_IP_REVLEN];
    struct auth_ip v = ip("192.0.2.10");

    assert_string_equal(auth_ip_reverse_name(&v, buf, sizeof buf), "10.2.0.192.in-addr.arpa");
    v = ip("2001:db8::10");
    assert_string_equal(auth_ip_reverse_name(&v, buf, sizeof buf),
        "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

static void cidr(void **state)
{
    struct auth_ip a = ip("192.0.2.130"), net = ip("192.0.2.128"), b;

    assert_true(auth_ip_prefix_match(&a, &net, 25));
    assert_false(auth_ip_prefix_match(&a, &net, 32));
    assert_true(auth_ip_prefix_match(&a, &net, 0));
    assert_false(auth_ip_prefix_match(&a, &net, 99));  /* clamped to /32 */
    b = ip("2001:db8::1");
    assert_false(auth_ip_prefix_match(&a, &b, 0));     /* families differ */
    a = ip("2001:db8:ffff::1");
    assert_true(auth_ip_prefix_match(&a, &b, 32));
    assert_false(auth_ip_prefix_match(&a, &b, 33));
}

static void mapped(void **state)
{
    struct auth_ip m = ip("::ffff:192.0.2.1"), u = auth_ip_unmap(&m), v4 = ip("192.0.2.1");

    assert_int_equal(u.family, AF_INET);
    assert_true(auth_ip_equal(&u, &v4));
    u = auth_ip_unmap(&v4);
    assert_true(auth_ip_equal(&u, &v4));
}

static void private_ranges(void **state)
{
    static const char *const priv[] = { "10.1.2.3", "127.0.0.1", "192.168.1.1", "172.20.0.1",
        "100.64.1.1", "169.254.0.5", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "0.0.0.0" };
    static const char *const pub[] = { "8.8.8.8", "172.32.0.1", "2a00:1450::1", "1.1.1.1" };

    for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++) {
        struct auth_ip v = ip(priv[i]);
        if (!auth_ip_is_private(&v))
            fail_msg("%s should be private", priv[i]);
    }
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++) {
        struct auth_ip v = ip(pub[i]);
        if (auth_ip_is_private(&v))
            fail_msg("%s should be public", pub[i]);
    }
}

static void findings(void **state)
{
    struct finding_list l = { .max = 3 };

    assert_int_equal(auth_finding_add(&l, "spf.all-pass", SEV_FAIL, "+all", NULL, "v=spf1 -all",
                                 "RFC 7208 5.1"), AUTH_OK);
    assert_int_equal(auth_finding_addf(&l, "mx.ipv6", SEV_INFO, "no AAAA", NULL, NULL,
                                  "%d hosts", 2), AUTH_OK);
    assert_int_equal(auth_finding_add(&l, "x.error", SEV_ERROR, "timeout", NULL, NULL, NULL), AUTH_OK);
    assert_int_equal(auth_finding_add(&l, "x.more", SEV_PASS, "", NULL, NULL, NULL), AUTH_ELIMIT);
    assert_string_equal(l.items[1].detail, "2 hosts");
    assert_int_equal(auth_finding_count(&l, SEV_WARN), 1);
    assert_int_equal(auth_finding_count(&l, SEV_INFO), 2);
    assert_int_equal(auth_finding_count(&l, SEV_ERROR), 1);
    assert_int_equal(auth_finding_set_evidence(&l, "TXT \"v=spf1 +all\""), AUTH_OK);
    assert_string_equal(l.items[2].evidence, "TXT \"v=spf1 +all\"");
    assert_int_equal(auth_finding_severity_parse("warn"), SEV_WARN);
    assert_int_equal(auth_finding_severity_parse("bogus"), -1);
    auth_finding_list_clear(&l);
    assert_int_equal(l.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_and_format),
        cmocka_unit_test(reverse_names),
        cmocka_unit_test(cidr),
        cmocka_unit_test(mapped),
        cmocka_unit_test(private_ranges),
        cmocka_unit_test(findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
