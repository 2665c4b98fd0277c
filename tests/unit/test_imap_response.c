/*
 * test_imap_response.c - the IMAP response parser (pure function of
 * libauth/imap): status responses with codes, data responses with lists,
 * quoted strings and literals, incomplete input, and every bound (a 1 GiB
 * literal announcement refused at once, long lines, deep nesting).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/imap.h"

static char err[256];

static enum auth_status parse(const char *s, struct imap_response *r, size_t *used)
{
    return imap_response_parse(s, strlen(s), 0, r, used, err, sizeof err);
}

static void greeting_with_code(void **state)
{
    const char *s = "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] Dovecot ready.\r\nx";
    struct imap_response r;
    size_t used;

    assert_int_equal(parse(s, &r, &used), AUTH_OK);
    assert_int_equal(used, strlen(s) - 1);
    assert_int_equal(r.kind, IMAP_RESP_UNTAGGED);
    assert_int_equal(r.status, IMAP_ST_OK);
    assert_string_equal(r.code, "CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN");
    assert_string_equal(r.text, "Dovecot ready.");
    imap_response_clear(&r);
}

static void tagged_and_continuation(void **state)
{
    struct imap_response r;
    size_t used;

    assert_int_equal(parse("m12 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", &r,
                           &used), AUTH_OK);
    assert_int_equal(r.kind, IMAP_RESP_TAGGED);
    assert_string_equal(r.tag, "m12");
    assert_int_equal(r.status, IMAP_ST_NO);
    assert_string_equal(r.code, "AUTHENTICATIONFAILED");
    imap_response_clear(&r);
    assert_int_equal(parse("+ \r\n", &r, &used), AUTH_OK);
    assert_int_equal(r.kind, IMAP_RESP_CONTINUE);
    assert_string_equal(r.text, "");
    imap_response_clear(&r);
    assert_int_equal(parse("m1 MAYBE\r\n", &r, &used), AUTH_EPARSE);
}

static void fetch_with_literal(void **state)
{
    const char *s = "* 7 FETCH (UID 42 FLAGS (\\Seen) BODY[HEADER] {21}\r\n"
                    "Subject: hi\r\nX: y\r\n\r\n)\r\n";
    struct imap_response r;
    const struct imap_item *att, *k;
    uint32_t uid = 0;
    size_t used;

    assert_int_equal(parse(s, &r, &used), AUTH_OK);
    assert_int_equal(used, strlen(s));
    assert_true(r.has_number);
    assert_int_equal(r.number, 7);
    assert_string_equal(r.name, "FETCH");
    att = r.items;
    assert_int_equal(att->type, IMAP_ITEM_LIST);
    assert_int_equal(att->nchildren, 6);
    k = att->child;
    assert_true(imap_item_is(k, "uid"));
    assert_true(imap_item_u32(k->next, &uid));
    assert_int_equal(uid, 42);
    k = k->next->next->next->next;
    assert_true(imap_item_is(k, "BODY[HEADER]"));
    assert_int_equal(k->next->type, IMAP_ITEM_LITERAL);
    assert_int_equal(k->next->len, 21);
    assert_memory_equal(k->next->data, "Subject: hi\r\nX: y\r\n\r\n", 21);
    imap_response_clear(&r);
}

static void list_quoted_nil(void **state)
{
    struct imap_response r;
    size_t used;

    assert_int_equal(parse("* LIST (\\HasNoChildren \\Junk) \".\" \"Junk \\\"x\\\"\"\r\n",
                           &r, &used), AUTH_OK);
    assert_string_equal(r.name, "LIST");
    assert_int_equal(r.items->nchildren, 2);
    assert_true(imap_item_is(r.items->child->next, "\\junk"));
    assert_string_equal(r.items->next->data, ".");
    assert_string_equal(r.items->next->next->data, "Junk \"x\"");
    imap_response_clear(&r);
    assert_int_equal(parse("* LIST () NIL INBOX\r\n", &r, &used), AUTH_OK);
    assert_int_equal(r.items->next->type, IMAP_ITEM_NIL);
    imap_response_clear(&r);
    assert_int_equal(parse("* SEARCH 1 5 9\r\n", &r, &used), AUTH_OK);
    assert_int_equal(r.nitems, 3);
    imap_response_clear(&r);
    /* unknown data keeps its raw text, even when it would not tokenize */
    assert_int_equal(parse("* XODD ( \"unbalanced\r\n", &r, &used), AUTH_OK);
    assert_string_equal(r.text, "( \"unbalanced");
    imap_response_clear(&r);
}

static void incomplete_needs_more(void **state)
{
    static const char *const partial[] = {
        "* OK still", "* 1 FETCH (BODY[HEADER] {10}\r\n12345",
        "* 1 FETCH (BODY[HEADER] {5}\r\n12345", "",
    };
    struct imap_response r;
    size_t used = 1;

    for (size_t i = 0; i < sizeof partial / sizeof partial[0]; i++) {
        assert_int_equal(imap_response_parse(partial[i], strlen(partial[i]), 0, &r, &used,
                                             err, sizeof err), AUTH_OK);
        assert_int_equal(used, 0);
    }
}

static void bounds(void **state)
{
    struct imap_response r;
    size_t used;
    char *big, deep[200];

    /* a 1 GiB literal is refused as soon as it is announced */
    assert_int_equal(parse("* 1 FETCH (BODY[HEADER] {1073741824}\r\n", &r, &used),
                     AUTH_ELIMIT);
    assert_non_null(strstr(err, "1073741824"));
    assert_int_equal(parse("* 1 FETCH (BODY[HEADER] {99999999999999999999}\r\n", &r, &used),
                     AUTH_ELIMIT);
    assert_int_equal(imap_response_parse("* 1 FETCH (X {11}\r\n", 19, 10, &r, &used, err,
                                         sizeof err), AUTH_ELIMIT);
    /* a line that never ends */
    big = malloc(IMAP_LINE_MAX + 10);
    memset(big, 'a', IMAP_LINE_MAX + 10);
    memcpy(big, "* OK ", 5);
    assert_int_equal(imap_response_parse(big, IMAP_LINE_MAX + 10, 0, &r, &used, err,
                                         sizeof err), AUTH_ELIMIT);
    free(big);
    /* nesting */
    memcpy(deep, "* FETCH ", 8);
    memset(deep + 8, '(', 40);
    memset(deep + 48, ')', 40);
    memcpy(deep + 88, "\r\n", 3);
    assert_int_equal(parse(deep, &r, &used), AUTH_ELIMIT);
    /* malformed */
    assert_int_equal(parse("* FETCH (a\r\n", &r, &used), AUTH_EPARSE);
    assert_int_equal(parse("* FETCH a)\r\n", &r, &used), AUTH_EPARSE);
    assert_int_equal(parse("* FETCH \"abc\r\n", &r, &used), AUTH_EPARSE);
    assert_int_equal(parse("\r\n", &r, &used), AUTH_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(greeting_with_code),
        cmocka_unit_test(tagged_and_continuation),
        cmocka_unit_test(fetch_with_literal),
        cmocka_unit_test(list_quoted_nil),
        cmocka_unit_test(incomplete_needs_more),
        cmocka_unit_test(bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
