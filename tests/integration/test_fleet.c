/*
 * test_fleet.c - mailctl fleet: exact counts from hand-written result
 * lines (verdicts, ids counted once per domain at their worst, examples in
 * name order, the worst domains, duplicates and lines that are not results,
 * the baseline's new and fixed problems); the lines of a real check-dns run
 * against NSD read back whole; and the HTML page in headless Chromium: no
 * console message (a blocked fetch or a script would log one), the numbers
 * in the DOM equal the JSON, and a screenshot is drawn.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "testenv.h"
#include "testrun.h"

static struct test_nsd nsd;
static char dir[256];
static char bin[4096];

static int start(void **state)
{
    char tmpl[] = "/tmp/mailctl-fleet-XXXXXX";

    if (!realpath(test_mailctl(), bin) || !mkdtemp(tmpl))
        return -1;
    snprintf(dir, sizeof dir, "%s", tmpl);
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    test_nsd_stop(&nsd);
    return test_rmtree(dir);
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_non_null(fp = fopen(path, "w"));
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static void run_argv(struct test_out *out, char **argv)
{
    struct test_run_opts o = { .cwd = dir, .timeout_s = 120 };

    assert_int_equal(test_run_opts(&o, argv, out), 0);
}

static void run(struct test_out *out, ...)
{
    char *argv[40] = { bin };
    int n = 1;
    va_list ap;
    const char *a;

    va_start(ap, out);
    while ((a = va_arg(ap, const char *)) && n < 39)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    run_argv(out, argv);
}

static json_t *json_of(const char *text)
{
    json_error_t e;
    json_t *doc = json_loads(text, 0, &e);

    if (!doc)
        fail_msg("not JSON (%s): %.200s", e.text, text);
    return doc;
}

#define CUR1                                                                                   \
    "{\"domain\":\"a.example\",\"verdict\":\"fail\",\"summary\":{\"warn\":1,\"fail\":2,"        \
    "\"error\":0},\"findings\":[{\"id\":\"spf.missing\",\"severity\":\"fail\"},"               \
    "{\"id\":\"dmarc.missing\",\"severity\":\"fail\"},{\"id\":\"dkim.not-found\","             \
    "\"severity\":\"warn\"},{\"id\":\"mx.present\",\"severity\":\"pass\"}]}\n"                 \
    "{\"domain\":\"b.example\",\"verdict\":\"pass\",\"summary\":{\"warn\":1,\"fail\":0,"       \
    "\"error\":0},\"findings\":[{\"id\":\"dkim.not-found\",\"severity\":\"warn\"},"            \
    "{\"id\":\"ptr.fcrdns\",\"severity\":\"pass\"}]}\n"                                        \
    "{\"domain\":\"c.example\",\"verdict\":\"inconclusive\",\"summary\":{\"warn\":0,"          \
    "\"fail\":0,\"error\":1},\"findings\":[{\"id\":\"dmarc.missing\",\"severity\":\"error\"}]}\n" \
    "{\"domain\":\"1.2.3.4\",\"ok\":false,\"verdict\":\"error\",\"error\":\"an IP address\"}\n"
#define CUR2                                                                                   \
    "{\"domain\":\"d.example\",\"verdict\":\"fail\",\"summary\":{\"fail\":3,\"warn\":1,"       \
    "\"error\":0},\"findings\":[{\"id\":\"ptr.fcrdns\",\"severity\":\"warn\"},"                \
    "{\"id\":\"ptr.fcrdns\",\"severity\":\"fail\"},{\"id\":\"spf.missing\",\"severity\":"      \
    "\"fail\"},{\"id\":\"mx.x\",\"severity\":\"fail\"}]}\n"                                    \
    "{\"domain\":\"A.example\",\"verdict\":\"pass\",\"summary\":{},\"findings\":[]}\n"          \
    "{\"domain\":\"e.exa\n"
#define OLD                                                                                    \
    "{\"domain\":\"a.example\",\"verdict\":\"fail\",\"summary\":{\"fail\":2},\"findings\":["   \
    "{\"id\":\"spf.missing\",\"severity\":\"fail\"},{\"id\":\"mx.present\",\"severity\":"      \
    "\"fail\"}]}\n"                                                                            \
    "{\"domain\":\"b.example\",\"verdict\":\"pass\",\"summary\":{\"warn\":1},\"findings\":["   \
    "{\"id\":\"dkim.not-found\",\"severity\":\"warn\"}]}\n"                                    \
    "{\"domain\":\"z.example\",\"verdict\":\"pass\",\"summary\":{},\"findings\":[]}\n"

static void assert_id(json_t *ids, size_t i, const char *id, int domains, int fail, int warn,
                      int error, const char *examples)
{
    json_t *e = json_array_get(ids, i), *ex;
    char got[256] = "";
    size_t k;

    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "id")), id);
    assert_int_equal(json_integer_value(json_object_get(e, "domains")), domains);
    assert_int_equal(json_integer_value(json_object_get(e, "fail")), fail);
    assert_int_equal(json_integer_value(json_object_get(e, "warn")), warn);
    assert_int_equal(json_integer_value(json_object_get(e, "error")), error);
    json_array_foreach(json_object_get(e, "examples"), k, ex) {
        strcat(got, k ? " " : "");
        strcat(got, json_string_value(ex));
    }
    assert_string_equal(got, examples);
}

static void counts_from_known_lines(void **state)
{
    struct test_out out;
    json_t *doc, *v, *ids, *worst, *b, *changes;
    const char *order[] = { "d.example", "a.example", "b.example", "c.example", "1.2.3.4" };

    write_file("cur1.jsonl", CUR1);
    write_file("cur2.jsonl", CUR2);
    write_file("old.jsonl", OLD);
    run(&out, "fleet", "--json", "cur1.jsonl", "cur2.jsonl", "--baseline", "old.jsonl", NULL);
    assert_int_equal(out.status, 1);            /* problems are new */
    assert_non_null(strstr(out.err, "cur2.jsonl' line 3 is not a check-dns result"));
    doc = json_of(out.out);
    assert_int_equal(json_integer_value(json_object_get(doc, "files")), 2);
    assert_int_equal(json_integer_value(json_object_get(doc, "domains")), 5);
    assert_int_equal(json_integer_value(json_object_get(doc, "duplicates")), 1);
    assert_int_equal(json_integer_value(json_object_get(doc, "unreadable")), 1);
    v = json_object_get(doc, "verdicts");
    assert_int_equal(json_integer_value(json_object_get(v, "pass")), 1);
    assert_int_equal(json_integer_value(json_object_get(v, "fail")), 2);
    assert_int_equal(json_integer_value(json_object_get(v, "inconclusive")), 1);
    assert_int_equal(json_integer_value(json_object_get(v, "error")), 1);
    ids = json_object_get(doc, "findings");
    assert_int_equal(json_array_size(ids), 5);
    assert_id(ids, 0, "spf.missing", 2, 2, 0, 0, "a.example d.example");
    assert_id(ids, 1, "dmarc.missing", 2, 1, 0, 1, "a.example c.example");
    assert_id(ids, 2, "dkim.not-found", 2, 0, 2, 0, "a.example b.example");
    assert_id(ids, 3, "mx.x", 1, 1, 0, 0, "d.example");
    assert_id(ids, 4, "ptr.fcrdns", 1, 1, 0, 0, "d.example");   /* once, at its worst */
    worst = json_object_get(doc, "worst");
    assert_int_equal(json_array_size(worst), 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(worst, i),
                                                              "domain")), order[i]);
    b = json_object_get(doc, "baseline");
    assert_int_equal(json_integer_value(json_object_get(b, "new_problems")), 5);
    assert_int_equal(json_integer_value(json_object_get(b, "fixed_problems")), 1);
    assert_int_equal(json_integer_value(json_object_get(b, "domains_added")), 3);
    assert_int_equal(json_integer_value(json_object_get(b, "domains_removed")), 1);
    changes = json_object_get(b, "changes");
    assert_int_equal(json_array_size(changes), 3);      /* a, d, z */
    {
        json_t *a = json_array_get(changes, 0);
        assert_string_equal(json_string_value(json_object_get(a, "domain")), "a.example");
        assert_string_equal(json_string_value(json_array_get(json_object_get(a, "new"), 0)),
                            "dmarc.missing");
        assert_string_equal(json_string_value(json_array_get(json_object_get(a, "new"), 1)),
                            "dkim.not-found");
        assert_string_equal(json_string_value(json_array_get(json_object_get(a, "fixed"), 0)),
                            "mx.present");
        assert_true(json_is_true(json_object_get(json_array_get(changes, 2), "removed")));
    }
    json_decref(doc);
    test_out_free(&out);
    /* without a baseline, a line that is not a result is bad input (exit 2) */
    run(&out, "fleet", "cur1.jsonl", "cur2.jsonl", NULL);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.out, "spf.missing"));
    test_out_free(&out);
    run(&out, "fleet", "cur1.jsonl", NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    run(&out, "fleet", NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
    run(&out, "fleet", "missing.jsonl", NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
}

/* A real run, in shards, read back: every domain, once. */
static void reads_real_shards(void **state)
{
    struct test_out out;
    json_t *doc;
    char *argv[] = { bin, "--resolver", nsd.spec, "check-dns", "--no-smtp", "--checks",
                     "mx,spf,dmarc", "--file", "list", "--shard", NULL, "--output", NULL, NULL };

    write_file("list", "good.example\nbroken.example\nparked.example\npolicies.example\n"
                       "mxcases.example\nkeys.example\nnot..a.name\n");
    argv[10] = "0/2";
    argv[12] = "s0.jsonl";
    run_argv(&out, argv);
    test_out_free(&out);
    argv[10] = "1/2";
    argv[12] = "s1.jsonl";
    run_argv(&out, argv);
    test_out_free(&out);
    run(&out, "fleet", "--json", "s0.jsonl", "s1.jsonl", NULL);
    assert_int_equal(out.status, 0);
    doc = json_of(out.out);
    assert_int_equal(json_integer_value(json_object_get(doc, "domains")), 7);
    assert_int_equal(json_integer_value(json_object_get(doc, "lines")), 7);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "verdicts"),
                                                        "error")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "verdicts"),
                                                        "pass")), 2);
    json_decref(doc);
    test_out_free(&out);
}

/* The integer in the DOM after attribute text attr (e.g. data-verdict="pass">). */
static long dom_number(const char *dom, const char *from, const char *attr)
{
    const char *p = strstr(from ? from : dom, attr);

    if (!p)
        fail_msg("%s not in the DOM", attr);
    p = strchr(p, '>');
    assert_non_null(p);
    return strtol(p + 1, NULL, 10);
}

static void chromium(struct test_out *out, const char *what, const char *page)
{
    char profile[512], url[600], shot[600];
    char *argv[16] = { "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", profile, "--enable-logging=stderr",
                     "--v=0", (char *)what, url, NULL };

    snprintf(profile, sizeof profile, "--user-data-dir=%s/chromium", dir);
    snprintf(url, sizeof url, "file://%s/%s", dir, page);
    if (!strcmp(what, "--screenshot")) {
        snprintf(shot, sizeof shot, "--screenshot=%s/fleet.png", dir);
        argv[11] = shot;
        argv[12] = "--window-size=1280,2000";
        argv[13] = url;
        argv[14] = NULL;
    }
    run_argv(out, argv);
    assert_int_equal(out->status, 0);
    if (strstr(out->err, ":CONSOLE"))
        fail_msg("console message from the page: %s", strstr(out->err, ":CONSOLE"));
}

static void html_in_chromium(void **state)
{
    char *argv_html[16] = { bin, "fleet", "--format", "html", "cur1.jsonl", "--baseline",
                            "old.jsonl", NULL };
    struct test_out out, dom;
    json_t *doc, *ids, *e;
    FILE *fp;
    char path[512];
    struct stat st;
    size_t i;

    write_file("cur1.jsonl", CUR1
               "{\"domain\":\"x<script>alert(1)</script>.example\",\"verdict\":\"fail\","
               "\"summary\":{\"fail\":1},\"findings\":[{\"id\":\"spf.<b>bad\",\"severity\":"
               "\"fail\"}]}\n");
    write_file("old.jsonl", OLD);
    run(&out, "fleet", "--json", "cur1.jsonl", "--baseline", "old.jsonl", NULL);
    doc = json_of(out.out);
    test_out_free(&out);
    {
        struct test_run_opts o = { .cwd = dir, .timeout_s = 60 };
        snprintf(path, sizeof path, "%s/fleet.html", dir);
        o.stdout_path = path;
        assert_int_equal(test_run_opts(&o, argv_html, &out), 0);
        assert_int_equal(out.status, 1);
        test_out_free(&out);
    }
    assert_non_null(fp = fopen(path, "r"));
    fclose(fp);
    chromium(&dom, "--dump-dom", "fleet.html");
    /* the outside text stayed text: no element made of it */
    assert_null(strstr(dom.out, "<script"));
    assert_null(strstr(dom.out, "<b>bad"));
    assert_non_null(strstr(dom.out, "x&lt;script&gt;alert(1)&lt;/script&gt;.example"));
    assert_non_null(strstr(dom.out, "<svg"));
    assert_int_equal(dom_number(dom.out, NULL, "<span data-k=\"domains\""),
                     json_integer_value(json_object_get(doc, "domains")));
    for (i = 0; i < 4; i++) {
        static const char *const v[] = { "pass", "fail", "inconclusive", "error" };
        char attr[64];
        snprintf(attr, sizeof attr, "data-verdict=\"%s\"", v[i]);
        assert_int_equal(dom_number(dom.out, NULL, attr),
                         json_integer_value(json_object_get(json_object_get(doc, "verdicts"),
                                                            v[i])));
    }
    ids = json_object_get(doc, "findings");
    assert_true(json_array_size(ids) >= 4);
    json_array_foreach(ids, i, e) {
        const char *id = json_string_value(json_object_get(e, "id"));
        char row[128];
        const char *at;

        if (strchr(id, '<'))
            snprintf(row, sizeof row, "<tr data-id=\"spf.&lt;b&gt;bad\"");
        else
            snprintf(row, sizeof row, "<tr data-id=\"%s\"", id);
        assert_non_null(at = strstr(dom.out, row));
        assert_int_equal(dom_number(dom.out, at, "data-k=\"domains\""),
                         json_integer_value(json_object_get(e, "domains")));
        assert_int_equal(dom_number(dom.out, at, "data-k=\"fail\""),
                         json_integer_value(json_object_get(e, "fail")));
        assert_int_equal(dom_number(dom.out, at, "data-k=\"warn\""),
                         json_integer_value(json_object_get(e, "warn")));
    }
    assert_int_equal(dom_number(dom.out, NULL, "data-k=\"new_problems\""),
                     json_integer_value(json_object_get(json_object_get(doc, "baseline"),
                                                        "new_problems")));
    test_out_free(&dom);
    chromium(&dom, "--screenshot", "fleet.html");
    snprintf(path, sizeof path, "%s/fleet.png", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 10000);            /* a page was drawn, not a blank */
    test_out_free(&dom);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_from_known_lines),
        cmocka_unit_test(reads_real_shards),
        cmocka_unit_test(html_in_chromium),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
