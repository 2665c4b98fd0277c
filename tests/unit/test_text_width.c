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

/* print into buf with f(fp, s, width), then '|' */
static void cell(char *buf, size_t len, void (*f)(FILE *, const char *, size_t),
                 const char *s, size_t width)
{
    FILE *fp = fmemopen(buf, len, "w");

    assert_non_null(fp);
    f(fp, s, width);
    fputc('|', fp);
    fclose(fp);
}

static void cells(void **state)
{
    char buf[128];

    (void)state;
    /* fits: padded like cmd_print_padded */
    cell(buf, sizeof buf, cmd_print_cell, "来源", 8);
    assert_string_equal(buf, "来源    |");
    /* too wide: cut by columns, "..." ends it, exactly width columns */
    cell(buf, sizeof buf, cmd_print_cell, "mail.a-long-name.example", 12);
    assert_string_equal(buf, "mail.a-lo...|");
    /* a wide character that does not fit whole is left out, a space fills */
    cell(buf, sizeof buf, cmd_print_cell, "邮件服务器名称", 8);
    assert_string_equal(buf, "邮件... |");
    cell(buf, sizeof buf, cmd_print_cell, "邮件服务器名称", 9);
    assert_string_equal(buf, "邮件服...|");
    /* right-aligned by width */
    cell(buf, sizeof buf, cmd_print_right, "对齐率", 9);
    assert_string_equal(buf, "   对齐率|");
    cell(buf, sizeof buf, cmd_print_right, "100.0%", 9);
    assert_string_equal(buf, "   100.0%|");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(widths),
        cmocka_unit_test(padding),
        cmocka_unit_test(cells),
    };
    return cmocka_run_group_tests(tests, utf8_locale, NULL);
}
