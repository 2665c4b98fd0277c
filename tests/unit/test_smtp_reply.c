/*
 * test_smtp_reply.c - the SMTP reply parser, queue-id reader, address
 * checks and dot-stuffing (pure functions of libauth/smtp).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/smtp.h"

static enum auth_status parse(const char *s, struct smtp_reply *r, size_t *used)
{
    char err[128];
    return smtp_reply_parse(s, strlen(s), r, used, err, sizeof err);
}

static void multiline_and_enhanced(void **state)
{
    const char *s = "550-5.1.1 first\r\n550-5.1.1 second\r\n550 5.1.1 third\r\n250 next\r\n";
    struct smtp_reply r;
    size_t used;

    assert_int_equal(parse(s, &r, &used), AUTH_OK);
    assert_int_equal(used, strlen(s) - strlen("250 next\r\n"));
    assert_int_equal(r.code, 550);
    assert_string_equal(r.enhanced, "5.1.1");
    assert_int_equal(r.nlines, 3);
    assert_string_equal(r.text, "first\nsecond\nthird");
    smtp_reply_clear(&r);
}

static void incomplete_needs_more(void **state)
{
    struct smtp_reply r;
    size_t used = 99;

    assert_int_equal(parse("250-a\r\n250-b\r\n", &r, &used), AUTH_OK);
    assert_int_equal(used, 0);
    assert_int_equal(parse("250 partial", &r, &used), AUTH_OK);
    assert_int_equal(used, 0);
    assert_int_equal(parse("250\n", &r, &used), AUTH_OK);   /* bare code, bare LF */
    assert_int_equal(used, 4);
    assert_string_equal(r.text, "");
    smtp_reply_clear(&r);
}

static void malformed_rejected(void **state)
{
    static const char *const bad[] = {
        "HELLO\r\n", "25\r\n", "620 no\r\n", "199 no\r\n", "250x\r\n",
        "250-a\r\n251 b\r\n", "250 bell\x07here\r\n", "250 nul\x01\r\n", "250 a\rb\r\n",
    };
    struct smtp_reply r;
    size_t used;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(parse(bad[i], &r, &used), AUTH_EPARSE);
}

static void bounds_enforced_early(void **state)
{
    char *big = malloc(SMTP_REPLY_MAX * 2);
    struct smtp_reply r;
    size_t used, n = 0;
    char err[128];

    assert_non_null(big);
    /* A line with no end is refused as soon as it passes the line cap. */
    memcpy(big, "220-", 4);
    memset(big + 4, 'a', SMTP_LINE_MAX);
    assert_int_equal(smtp_reply_parse(big, SMTP_LINE_MAX + 4, &r, &used, err, sizeof err),
                     AUTH_ELIMIT);
    /* A line of exactly the cap is fine. */
    memcpy(big, "250 ", 4);
    memset(big + 4, 'b', SMTP_LINE_MAX - 6);
    memcpy(big + SMTP_LINE_MAX - 2, "\r\n", 2);
    assert_int_equal(smtp_reply_parse(big, SMTP_LINE_MAX, &r, &used, err, sizeof err), AUTH_OK);
    assert_int_equal(used, SMTP_LINE_MAX);
    smtp_reply_clear(&r);
    /* An endless multi-line reply stops at the line count. */
    for (int i = 0; i <= SMTP_REPLY_MAX_LINES; i++) {
        memcpy(big + n, "220-x\r\n", 7);
        n += 7;
    }
    assert_int_equal(smtp_reply_parse(big, n, &r, &used, err, sizeof err), AUTH_ELIMIT);
    free(big);
}

static void queue_id(void **state)
{
    struct smtp_reply r;
    size_t used;
    char id[64];

    assert_int_equal(parse("250 2.0.0 Ok: queued as 4XyZ12AbC\r\n", &r, &used), AUTH_OK);
    assert_true(smtp_reply_queue_id(&r, id, sizeof id));
    assert_string_equal(id, "4XyZ12AbC");
    smtp_reply_clear(&r);
    assert_int_equal(parse("250 OK id=1abcD-0001xY-2Z\r\n", &r, &used), AUTH_OK);
    assert_true(smtp_reply_queue_id(&r, id, sizeof id));
    assert_string_equal(id, "1abcD-0001xY-2Z");
    smtp_reply_clear(&r);
    assert_int_equal(parse("250 fine\r\n", &r, &used), AUTH_OK);
    assert_false(smtp_reply_queue_id(&r, id, sizeof id));
    smtp_reply_clear(&r);
}

static void addresses(void **state)
{
    char err[128];
    char local65[80];

    memset(local65, 'a', 65);
    memcpy(local65 + 65, "@x.example", 11);
    assert_int_equal(smtp_address_check("joe@example.org", false, false, err, sizeof err),
                     AUTH_OK);
    assert_int_equal(smtp_address_check("", true, false, err, sizeof err), AUTH_OK);
    assert_int_equal(smtp_address_check("", false, false, err, sizeof err), AUTH_EINVAL);
    assert_int_equal(smtp_address_check("a\r\n@x", false, false, err, sizeof err), AUTH_EINVAL);
    assert_non_null(strstr(err, "CR or LF"));
    assert_int_equal(smtp_address_check(local65, false, false, err, sizeof err), AUTH_EINVAL);
    assert_non_null(strstr(err, "local part"));
    assert_int_equal(smtp_address_check("j\xc3\xb6@x.example", false, false, err, sizeof err),
                     AUTH_EINVAL);
    assert_int_equal(smtp_address_check("j\xc3\xb6@x.example", false, true, err, sizeof err),
                     AUTH_OK);
    assert_int_equal(smtp_address_check("a b@x", false, false, err, sizeof err), AUTH_EINVAL);
}

static void dot_stuffing(void **state)
{
    const char *in = ".start\nmid\r\n.\n..x\nend";
    const char *want = "..start\r\nmid\r\n..\r\n...x\r\nend\r\n.\r\n";
    char *out;
    size_t len;

    assert_int_equal(smtp_dot_stuff(in, strlen(in), &out, &len), AUTH_OK);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);
    free(out);
    assert_int_equal(smtp_dot_stuff("", 0, &out, &len), AUTH_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(out, ".\r\n", 3);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(multiline_and_enhanced),
        cmocka_unit_test(incomplete_needs_more),
        cmocka_unit_test(malformed_rejected),
        cmocka_unit_test(bounds_enforced_early),
        cmocka_unit_test(queue_id),
        cmocka_unit_test(addresses),
        cmocka_unit_test(dot_stuffing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
