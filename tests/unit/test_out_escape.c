/*
 * test_out_escape.c - out_esc(), the one escaping of outside data in text
 * output: what a terminal would act on is shown as text, what it would
 * only display (ASCII, valid UTF-8, IDN U-labels) is left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmd.h"

static void unchanged_text_is_the_same_pointer(void **state)
{
    const char *s = "v=spf1 include:_spf.example -all";
    const char *u = "b\xc3\xbc" "cher.example \xe4\xb8\xad\xe6\x96\x87 \xd0\xbf\xd1\x80";

    assert_ptr_equal(out_esc(s), s);
    assert_ptr_equal(out_esc(u), u);              /* UTF-8 text is shown as it is */
    assert_string_equal(out_esc(NULL), "");
}

static void controls_are_escaped(void **state)
{
    assert_string_equal(out_esc("a\033]0;t\007b"), "a\\x1b]0;t\\x07b");
    assert_string_equal(out_esc("x\r\ny\tz\x7f"), "x\\x0d\\x0ay\\x09z\\x7f");
    assert_string_equal(out_esc("\xc2\x9b" "31m"), "\\u{9b}31m");         /* C1 CSI */
    assert_string_equal(out_esc("a\xe2\x80\xae" "b"), "a\\u{202e}b");     /* RLO */
    assert_string_equal(out_esc("\xe2\x81\xa6"), "\\u{2066}");
    /* the neighbours of those ranges stay */
    assert_string_equal(out_esc("\xc2\xa0\xe2\x80\xaf"), "\xc2\xa0\xe2\x80\xaf");
}

static void invalid_utf8_is_escaped_octet_by_octet(void **state)
{
    assert_string_equal(out_esc("\xff"), "\\xff");
    assert_string_equal(out_esc("\xc0\xaf"), "\\xc0\\xaf");              /* overlong */
    assert_string_equal(out_esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");     /* surrogate */
    assert_string_equal(out_esc("a\xe2\x80"), "a\\xe2\\x80");            /* truncated */
    assert_string_equal(out_esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
}

static void counted_and_many_at_once(void **state)
{
    const char *a, *b;

    assert_string_equal(out_escn("abc\001def", 4), "abc\\x01");
    assert_string_equal(out_escn("abcdef", 3), "abc");      /* a prefix is terminated */
    /* results stay valid across the calls of one printf */
    a = out_esc("1\001");
    b = out_esc("2\002");
    for (int i = 0; i < 13; i++)
        out_esc("\003");
    assert_string_equal(a, "1\\x01");
    assert_string_equal(b, "2\\x02");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unchanged_text_is_the_same_pointer),
        cmocka_unit_test(controls_are_escaped),
        cmocka_unit_test(invalid_utf8_is_escaped_octet_by_octet),
        cmocka_unit_test(counted_and_many_at_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
