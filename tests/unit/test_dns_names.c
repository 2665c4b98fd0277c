/*
 * test_dns_names.c - user-input name checks, resolver specs, resolv.conf,
 * status and type names.
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

#include <netinet/in.h>

#include "dns/dns_internal.h"

static void test_name_check(void **state)
{
    char err[256], name[300];

    assert_int_equal(dns_name_check("example.com", err, sizeof err), AUTH_OK);
    assert_int_equal(dns_name_check("example.com.", err, sizeof err), AUTH_OK);
    assert_int_equal(dns_name_check("_dmarc.Example.COM", err, sizeof err), AUTH_OK);
    assert_int_equal(dns_name_check(".", err, sizeof err), AUTH_OK);
    assert_int_equal(dns_name_check("", err, sizeof err), AUTH_EINVAL);
    assert_string_equal(err, "empty domain name");
    assert_int_equal(dns_name_check("a..b", err, sizeof err), AUTH_EINVAL);
    assert_non_null(strstr(err, "empty label"));
    assert_int_equal(dns_name_check(".a", err, sizeof err), AUTH_EINVAL);
    assert_int_equal(dns_name_check("a.b..", err, sizeof err), AUTH_EINVAL);
    assert_int_equal(dns_name_check("a b.com", err, sizeof err), AUTH_EINVAL);
    assert_non_null(strstr(err, "0x20"));
    assert_int_equal(dns_name_check("a\\046b.com", err, sizeof err), AUTH_EINVAL);
    /* names the engine is asked may hold a space (RFC 2181 11), never a
     * control byte or an escape */
    assert_int_equal(dns_name_check_query("a b.com", err, sizeof err), AUTH_OK);
    assert_int_equal(dns_name_check_query("a\tb.com", err, sizeof err), AUTH_EINVAL);
    assert_int_equal(dns_name_check_query("a\\046b.com", err, sizeof err), AUTH_EINVAL);
    assert_int_equal(dns_name_check_query("a..b", err, sizeof err), AUTH_EINVAL);

    memset(name, 'a', 63);
    memcpy(name + 63, ".com", 5);
    assert_int_equal(dns_name_check(name, err, sizeof err), AUTH_OK);
    memset(name, 'a', 64);
    memcpy(name + 64, ".com", 5);
    assert_int_equal(dns_name_check(name, err, sizeof err), AUTH_EINVAL);
    assert_non_null(strstr(err, "64 octets, over 63"));

    /* 253 octets is the most; 254 is too long (with or without the dot) */
    for (int i = 0; i < 253; i++)
        name[i] = (i % 2) ? '.' : 'a';
    name[253] = '\0';
    assert_int_equal(dns_name_check(name, err, sizeof err), AUTH_OK);
    name[253] = '.';
    name[254] = '\0';
    assert_int_equal(dns_name_check(name, err, sizeof err), AUTH_OK);
    name[253] = 'a';
    name[252] = '.';
    name[254] = '\0';
    assert_int_equal(dns_name_check(name, err, sizeof err), AUTH_EINVAL);
    assert_non_null(strstr(err, "254 octets, over 253"));
}

static void test_normalise(void **state)
{
    char buf[DNS_MAX_NAME + 2];

    assert_true(dns_name_normalise("WWW.Example.COM.", buf, sizeof buf));
    assert_string_equal(buf, "www.example.com");
    assert_true(dns_name_normalise(".", buf, sizeof buf));
    assert_string_equal(buf, ".");
    assert_false(dns_name_normalise("abcdef", buf, 4));
}

static void spec_ok(const char *spec, int family, const char *want)
{
    struct sockaddr_storage ss;
    char err[256], text[64];

    assert_int_equal(dns_server_parse(spec, &ss, err, sizeof err), AUTH_OK);
    assert_int_equal(ss.ss_family, family);
    dns_server_format(&ss, text, sizeof text);
    assert_string_equal(text, want);
}

static void spec_bad(const char *spec, const char *why)
{
    struct sockaddr_storage ss;
    char err[256];

    assert_int_equal(dns_server_parse(spec, &ss, err, sizeof err), AUTH_EINVAL);
    assert_non_null(strstr(err, why));
}

static void test_server_parse(void **state)
{
    spec_ok("127.0.0.1", AF_INET, "127.0.0.1:53");
    spec_ok("127.0.0.1:5353", AF_INET, "127.0.0.1:5353");
    spec_ok("[::1]:5353", AF_INET6, "[::1]:5353");
    spec_ok("[::1]", AF_INET6, "[::1]:53");
    spec_ok("::1", AF_INET6, "[::1]:53");
    spec_ok("2001:db8::53", AF_INET6, "[2001:db8::53]:53");
    spec_bad("", "empty");
    spec_bad("127.0.0.1:0", "port must be 1..65535");
    spec_bad("127.0.0.1:65536", "port must be 1..65535");
    spec_bad("127.0.0.1:53x", "port must be 1..65535");
    spec_bad("127.0.0.1:", "port must be 1..65535");
    spec_bad("127.0.0.1:-5", "port must be 1..65535");
    spec_bad("[::1", "missing ']'");
    spec_bad("[::1]x", "junk after");
    spec_bad("dns.example", "not an IP address");
    spec_bad("[127.0.0.1.5]:53", "not an IP address");
    spec_bad("1.2.3.4.5", "not an IP address");
}

static void test_resolv_conf(void **state)
{
    char path[] = "/tmp/mailctl-resolv-XXXXXX";
    int fd = mkstemp(path);
    FILE *fp = fdopen(fd, "w");
    struct sockaddr_storage ss[DNS_MAX_SERVERS];
    char text[64];
    size_t n;

    assert_non_null(fp);
    fputs("# comment\nsearch example.com\n  nameserver 192.0.2.53  # one\n"
          "nameserver\tfe80::1%eth0\nnameserver bogus\nnameservers 1.1.1.1\n"
          "options timeout:1\nnameserver ::1\n", fp);
    fclose(fp);
    n = dns_resolv_conf_read(path, ss, DNS_MAX_SERVERS);
    assert_int_equal(n, 3);
    dns_server_format(&ss[0], text, sizeof text);
    assert_string_equal(text, "192.0.2.53:53");
    dns_server_format(&ss[1], text, sizeof text);
    assert_string_equal(text, "[fe80::1]:53");
    dns_server_format(&ss[2], text, sizeof text);
    assert_string_equal(text, "[::1]:53");
    assert_int_equal(dns_resolv_conf_read(path, ss, 1), 1);
    unlink(path);
    assert_int_equal(dns_resolv_conf_read(path, ss, DNS_MAX_SERVERS), 0);
}

static void test_engine_new(void **state)
{
    const char *bad[] = { "127.0.0.1", "nonsense" };
    struct dns_engine_params p = { .servers = bad, .nservers = 2 };
    struct dns_engine *eng = (struct dns_engine *)1;
    char err[256];

    assert_int_equal(dns_engine_new(&p, &eng, err, sizeof err), AUTH_EINVAL);
    assert_null(eng);
    assert_non_null(strstr(err, "nonsense"));

    p.nservers = 0;
    p.resolv_conf = "/nonexistent/resolv.conf";
    assert_int_equal(dns_engine_new(&p, &eng, err, sizeof err), AUTH_ENOTFOUND);
    assert_non_null(strstr(err, "/nonexistent/resolv.conf"));
}

static void test_names_of_things(void **state)
{
    assert_string_equal(dns_status_name(DNS_NXDOMAIN), "nxdomain");
    assert_string_equal(dns_status_name(DNS_MALFORMED), "malformed");
    assert_string_equal(dns_type_name(DNS_T_MX), "MX");
    assert_string_equal(dns_type_name(65), "TYPE65");
    assert_false(dns_status_is_temporary(DNS_NXDOMAIN));
    assert_false(dns_status_is_temporary(DNS_NODATA));
    assert_true(dns_status_is_temporary(DNS_SERVFAIL));
    assert_true(dns_status_is_temporary(DNS_MALFORMED));
}

static void test_random_ids(void **state)
{
    /* 4096 IDs from getrandom: far from constant or sequential */
    unsigned seen[65536 / 32] = {0}, distinct = 0;
    uint16_t id, prev = 0;
    unsigned seq = 0;

    for (int i = 0; i < 4096; i++) {
        assert_true(dns_random_id(&id));
        if (!(seen[id / 32] & (1u << (id % 32)))) {
            seen[id / 32] |= 1u << (id % 32);
            distinct++;
        }
        seq += id == (uint16_t)(prev + 1);
        prev = id;
    }
    assert_true(distinct > 3800);
    assert_true(seq < 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_check), cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_server_parse), cmocka_unit_test(test_resolv_conf),
        cmocka_unit_test(test_engine_new), cmocka_unit_test(test_names_of_things),
        cmocka_unit_test(test_random_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
