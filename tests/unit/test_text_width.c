/*
 * test_text_width.c - text columns count display width, not bytes: a CJK
 * character takes two columns, a combining mark none, and bytes that are
 * not UTF-8 one each (cmd/i18n.c).
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd.h"

static int utf8_locale(void **state)
{
    (void)state;
    /* C.UTF-8 is built into glibc: no locale needs generating. */
    return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

static void widths(void **state)
{
    (void)state;
    assert_int_equal(cmd_text_width(""), 0);
    assert_int_equal(cmd_text_width("fix:"), 4);
    assert_int_equal(cmd_text_width("修复："), 6);          /* 9 bytes */
    assert_int_equal(cmd_text_width("MX 与地址"), 9);       /* 12 bytes */
    assert_int_equal(cmd_text_width("e\xcc\x81"), 1);       /* e + combining acute */
    assert_int_equal(cmd_text_width("a\xff" "b"), 3);       /* a stray byte: one column */
}

static void padding(void **state)
{
    char buf[64] = "";
    FILE *fp = fmemopen(buf, sizeof buf, "w");

    (void)state;
    assert_non_null(fp);
    cmd_print_padded(fp, "证据：", 10);
    fputc('|', fp);
    cmd_print_padded(fp, "evidence:", 10);
    fputc('|', fp);
    fclose(fp);
    /* Both end at column 10: four spaces after the six CJK columns. */
    assert_string_equal(buf, "证据：    |evidence: |");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(widths),
        cmocka_unit_test(padding),
    };
    return cmocka_run_group_tests(tests, utf8_locale, NULL);
}
