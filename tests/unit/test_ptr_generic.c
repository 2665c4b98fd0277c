/*
 * test_ptr_generic.c - the dynamic/generic PTR name heuristic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/mx.h"

static bool generic(const char *name, const char *addr)
{
    struct auth_ip ip;
    assert_int_equal(auth_ip_parse(addr, &ip), AUTH_OK);
    return mx_ptr_name_is_generic(name, &ip);
}

static void generic_names(void **state)
{
    assert_true(generic("host-192-0-2-77.dynamic.isp.example", "192.0.2.77"));
    assert_true(generic("77.2.0.192.pool.example.net", "192.0.2.77"));
    assert_true(generic("c-192-0-2-5.hsd1.ca.comcast.example", "192.0.2.5"));
    assert_true(generic("dsl-1-2.example.net", "192.0.2.1"));
    assert_true(generic("ppp-44.example.net", "192.0.2.1"));
    assert_true(generic("dhcp.example.net", "192.0.2.1"));
}

static void mail_server_names(void **state)
{
    assert_false(generic("mail.good.example", "192.0.2.10"));
    assert_false(generic("mx2.good.example", "192.0.2.11"));
    assert_false(generic("smtp-out.example.com", "192.0.2.10"));
    assert_false(generic("dynamo.example.com", "192.0.2.10"));  /* 'dyn' inside a word */
    assert_false(generic("mail2.example.com", "2001:db8::2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generic_names),
        cmocka_unit_test(mail_server_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
