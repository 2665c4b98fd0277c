/*
 * test_report_parse.c - libauth/report on the sample reports of
 * testdata/reports (each shape a real reporter sends) and on broken and
 * hostile inputs built here (entity bomb, gzip and zip bombs, deep JSON,
 * containers nested too deep, an attachment that says gzip and is not).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <zlib.h>

#include "auth/report.h"

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    FILE *fp;
    char *buf;
    long n;

    snprintf(path, sizeof path, "%s/reports/%s", TEST_DATADIR, name);
    assert_non_null(fp = fopen(path, "rb"));
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    assert_non_null(buf = malloc((size_t)n + 1));
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* Parse buf; exactly one entry expected, returned (list in *l). */
static const struct report *one(const void *buf, size_t len, struct report_list **l)
{
    assert_int_equal(report_parse(buf, len, NULL, l), AUTH_OK);
    if ((*l)->n != 1)
        fail_msg("%zu entries, first: %s", (*l)->n, (*l)->items[0]->error ? (*l)->items[0]->error : "");
    return (*l)->items[0];
}

static const struct report *sample(const char *name, struct report_list **l)
{
    size_t len;
    char *buf = slurp(name, &len);
    const struct report *r = one(buf, len, l);

    free(buf);
    return r;
}

static bool has_warning(const struct report *r, const char *needle)
{
    for (size_t i = 0; i < r->nwarnings; i++)
        if (strstr(r->warnings[i], needle))
            return true;
    return false;
}

static void google_zip_message(void **state)
{
    struct report_list *l;
    const struct report *r = sample("google.eml", &l);

    assert_int_equal(r->kind, REPORT_AGGREGATE);
    assert_string_equal(r->org_name, "google.com");
    assert_string_equal(r->report_id, "12795163046914736018");
    assert_string_equal(r->domain, "good.example");
    assert_int_equal(r->begin, 1795392000);
    assert_int_equal(r->end, 1795478399);
    assert_int_equal(r->nrecords, 4);
    assert_int_equal(r->messages, 1180 + 240 + 410 + 37);
    assert_string_equal(r->records[2].source_ip, "198.51.100.20");
    assert_string_equal(r->records[2].dkim_auth[0].selector, "sp1");
    assert_string_equal(r->records[2].spf_auth[0].domain, "bounces.sendprovider.example");
    assert_string_equal(r->policy.p, "none");
    assert_int_equal(r->policy.pct, 100);
    assert_int_equal(r->nwarnings, 0);
    report_list_free(l);
}

static void microsoft_gzip_attachment(void **state)
{
    struct report_list *l;
    const struct report *r = sample("microsoft.eml", &l);

    assert_int_equal(r->kind, REPORT_AGGREGATE);
    assert_string_equal(r->org_name, "Enterprise Outlook");
    assert_string_equal(r->version, "1.0");
    assert_int_equal(r->messages, 820 + 155 + 12);
    assert_non_null(strstr(r->source, ".xml.gz"));
    report_list_free(l);
}

static void yahoo_repairs(void **state)
{
    struct report_list *l;
    const struct report *r = sample("yahoo.eml", &l);

    assert_int_equal(r->kind, REPORT_AGGREGATE);
    assert_int_equal(r->messages, 530 + 60 + 98 + 5);
    assert_true(has_warning(r, "invalid UTF-8"));
    assert_true(has_warning(r, "empty policy override reason"));
    assert_true(has_warning(r, "more than 24"));
    assert_null(r->records[0].reason);
    report_list_free(l);
}

static void rfc9990(void **state)
{
    struct report_list *l;
    const struct report *r = sample("rfc9990.xml", &l);

    assert_int_equal(r->kind, REPORT_AGGREGATE);
    assert_string_equal(r->version, "2.0");
    assert_string_equal(r->policy.np, "reject");
    assert_string_equal(r->policy.testing, "n");
    assert_string_equal(r->policy.discovery_method, "treewalk");
    assert_int_equal(r->policy.pct, -1);
    assert_int_equal(r->nwarnings, 0);
    report_list_free(l);
}

static void tlsrpt(void **state)
{
    struct report_list *l;
    const struct report *r = sample("google-tlsrpt.json.gz", &l);

    assert_int_equal(r->kind, REPORT_TLSRPT);
    assert_string_equal(r->org_name, "Google Inc.");
    assert_int_equal(r->begin, 1795392000);
    assert_int_equal(r->npolicies, 1);
    assert_string_equal(r->policies[0].type, "sts");
    assert_int_equal(r->policies[0].success, 1520);
    assert_int_equal(r->policies[0].failure, 14);
    assert_int_equal(r->policies[0].nfailures, 2);
    assert_string_equal(r->policies[0].failures[0].result_type, "certificate-expired");
    assert_string_equal(r->policies[0].failures[0].receiving_mx_hostname, "mx2.good.example");
    assert_int_equal(r->policies[0].failures[0].count, 9);
    report_list_free(l);
    r = sample("microsoft-tlsrpt.eml", &l);
    assert_int_equal(r->kind, REPORT_TLSRPT);
    assert_string_equal(r->org_name, "Microsoft Corporation");
    report_list_free(l);
}

static void arf(void **state)
{
    struct report_list *l;
    const struct report *r = sample("failure-arf.eml", &l);

    assert_int_equal(r->kind, REPORT_FAILURE);
    assert_string_equal(r->feedback_type, "auth-failure");
    assert_string_equal(r->reported_domain, "good.example");
    assert_string_equal(r->source_ip, "203.0.113.66");
    assert_string_equal(r->auth_failure, "dmarc");
    assert_int_equal(r->arrival_date, 1795438985);   /* 2026-11-23T13:03:05Z */
    assert_true(r->noriginal_headers >= 5);
    assert_string_equal(r->original_headers[2].value, "invoice number 4711");
    report_list_free(l);
}

static void mbox_of_several(void **state)
{
    size_t a, b, c;
    char *g = slurp("google.eml", &a), *m = slurp("microsoft.eml", &b), *f = slurp("failure-arf.eml", &c);
    size_t len = a + b + c + 200;
    char *mbox = malloc(len);
    struct report_list *l;
    int n = snprintf(mbox, len, "From MAILER-DAEMON Tue Nov 24 00:00:00 2026\n%.*s\n"
                     "From MAILER-DAEMON Tue Nov 24 00:00:01 2026\n%.*s\n"
                     "From MAILER-DAEMON Tue Nov 24 00:00:02 2026\n%.*s\n",
                     (int)a, g, (int)b, m, (int)c, f);

    assert_int_equal(report_parse(mbox, (size_t)n, NULL, &l), AUTH_OK);
    assert_int_equal(l->n, 3);
    assert_int_equal(l->items[0]->kind, REPORT_AGGREGATE);
    assert_int_equal(l->items[1]->kind, REPORT_AGGREGATE);
    assert_int_equal(l->items[2]->kind, REPORT_FAILURE);
    report_list_free(l);
    free(g); free(m); free(f); free(mbox);
}

/* ---------- broken and hostile ---------- */

static const struct report *expect_error(const void *buf, size_t len, const char *needle,
                                         struct report_list **l)
{
    const struct report *r;

    assert_int_equal(report_parse(buf, len, NULL, l), AUTH_OK);
    assert_true((*l)->n >= 1);
    r = (*l)->items[0];
    if (r->kind != REPORT_NONE || !strstr(r->error, needle))
        fail_msg("expected an error with '%s', got kind %d: %s", needle, r->kind,
                 r->error ? r->error : "(none)");
    return r;
}

static void invalid_xml(void **state)
{
    static const char x[] = "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>a"
                            "</org_name><report_id>1</wrong></report_metadata>";
    struct report_list *l;

    expect_error(x, sizeof x - 1, "not well-formed", &l);
    report_list_free(l);
}

static void entity_bomb(void **state)
{
    static const char x[] =
        "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
        "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>"
        "<feedback><report_metadata><org_name>&i;</org_name></report_metadata></feedback>";
    static const char ext[] =
        "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY x SYSTEM \"http://192.0.2.1/x\">]>"
        "<feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>";
    struct report_list *l;

    expect_error(x, sizeof x - 1, "entity declarations are refused", &l);
    report_list_free(l);
    expect_error(ext, sizeof ext - 1, "entity declarations are refused", &l);
    report_list_free(l);
}

static char *gzip_of(const void *data, size_t len, size_t repeat, size_t *outlen)
{
    z_stream z = {0};
    size_t cap = len + 1024 * 1024;
    char *out = malloc(cap);

    assert_non_null(out);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    for (size_t i = 0; i < repeat; i++) {
        z.next_in = (Bytef *)(uintptr_t)data;
        z.avail_in = (uInt)len;
        assert_int_equal(deflate(&z, i + 1 == repeat ? Z_FINISH : Z_NO_FLUSH),
                         i + 1 == repeat ? Z_STREAM_END : Z_OK);
    }
    *outlen = z.total_out;
    deflateEnd(&z);
    return out;
}

static void gzip_bomb(void **state)
{
    static char zeros[1 << 20];
    size_t n;
    char *bomb = gzip_of(zeros, sizeof zeros, 100, &n);   /* 100 MiB of zeros */
    struct report_list *l;

    assert_true(n < 1024 * 1024);
    expect_error(bomb, n, "more than 64 MiB after decompression", &l);
    report_list_free(l);
    free(bomb);
}

static void zip_bomb(void **state)
{
    static char zeros[1 << 20];
    size_t cap = 4 * 1024 * 1024, used = 0;
    char *buf = malloc(cap);
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    struct report_list *l;

    assert_non_null(buf);
    archive_write_set_format_zip(a);
    assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
    archive_entry_set_pathname(e, "bomb.xml");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, 100 * (la_int64_t)sizeof zeros);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    for (int i = 0; i < 100; i++)
        assert_int_equal(archive_write_data(a, zeros, sizeof zeros), (la_ssize_t)sizeof zeros);
    archive_write_close(a);
    archive_write_free(a);
    archive_entry_free(e);
    assert_true(used < cap);
    expect_error(buf, used, "more than 64 MiB", &l);
    report_list_free(l);
    free(buf);
}

static void deep_json(void **state)
{
    size_t n = 100000;
    char *j = malloc(2 * n + 1);
    struct report_list *l;

    memset(j, '[', n);
    memset(j + n, ']', n);
    j[0] = '{';   /* starts like a TLS report */
    j[2 * n - 1] = '}';
    expect_error(j, 2 * n, "nested deeper", &l);
    report_list_free(l);
    free(j);
}

static void nested_too_deep(void **state)
{
    size_t len;
    char *xml = slurp("rfc9990.xml", &len), *cur = xml, *next;
    struct report_list *l;

    for (int i = 0; i < 5; i++) {   /* gzip in gzip ... five deep */
        size_t nl;
        next = gzip_of(cur, len, 1, &nl);
        free(cur);
        cur = next;
        len = nl;
    }
    expect_error(cur, len, "nested deeper than 4", &l);
    report_list_free(l);
    free(cur);
}

static void fake_gzip_attachment(void **state)
{
    static const char m[] =
        "From: a@example.net\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        "--b\r\nContent-Type: application/gzip; name=r.xml.gz\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "VGhpcyBpcyBub3QgZ3ppcCBkYXRhLCBqdXN0IHRleHQu\r\n--b--\r\n";
    struct report_list *l;
    const struct report *r = expect_error(m, sizeof m - 1, "says gzip and is not", &l);

    assert_string_equal(r->source, "r.xml.gz");
    report_list_free(l);
}

static void missing_fields_and_junk(void **state)
{
    static const char noid[] = "<feedback><report_metadata><org_name>x</org_name></report_metadata>"
                               "<policy_published><domain>d.example</domain></policy_published></feedback>";
    static const char junk[] = "\r\n<?xml version=\"1.0\"?><feedback xmlns=\"urn:example:wrong\">"
        "<report_metadata><org_name> Org </org_name><report_id>7</report_id><date_range><begin>1"
        "</begin><end>2</end></date_range></report_metadata><policy_published><domain>D.Example"
        "</domain></policy_published><record><row><source_ip>::ffff:192.0.2.1</source_ip><count>3"
        "</count><policy_evaluated><disposition>NONE</disposition><dkim>FAIL</dkim><spf>Pass</spf>"
        "</policy_evaluated></row></record></feedback>\n\x01garbage";
    struct report_list *l;
    const struct report *r;

    expect_error(noid, sizeof noid - 1, "without report_id", &l);
    report_list_free(l);
    r = one(junk, sizeof junk - 1, &l);
    assert_int_equal(r->kind, REPORT_AGGREGATE);
    assert_string_equal(r->org_name, "Org");
    assert_string_equal(r->domain, "d.example");
    assert_string_equal(r->records[0].source_ip, "192.0.2.1");
    assert_string_equal(r->records[0].disposition, "none");
    assert_string_equal(r->records[0].dkim, "fail");
    assert_string_equal(r->records[0].spf, "pass");
    assert_true(has_warning(r, "unexpected namespace"));
    assert_true(has_warning(r, "junk after the end"));
    assert_true(has_warning(r, "white space before"));
    report_list_free(l);
}

static void not_a_report(void **state)
{
    struct report_list *l;

    expect_error("hello world", 11, "not a report", &l);
    report_list_free(l);
    expect_error("", 0, "empty", &l);
    report_list_free(l);
    expect_error("Subject: hi\r\n\r\njust text\r\n", 27, "no report in the message", &l);
    report_list_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(google_zip_message),
        cmocka_unit_test(microsoft_gzip_attachment),
        cmocka_unit_test(yahoo_repairs),
        cmocka_unit_test(rfc9990),
        cmocka_unit_test(tlsrpt),
        cmocka_unit_test(arf),
        cmocka_unit_test(mbox_of_several),
        cmocka_unit_test(invalid_xml),
        cmocka_unit_test(entity_bomb),
        cmocka_unit_test(gzip_bomb),
        cmocka_unit_test(zip_bomb),
        cmocka_unit_test(deep_json),
        cmocka_unit_test(nested_too_deep),
        cmocka_unit_test(fake_gzip_attachment),
        cmocka_unit_test(missing_fields_and_junk),
        cmocka_unit_test(not_a_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
