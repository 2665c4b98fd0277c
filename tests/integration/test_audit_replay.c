/*
 * test_audit_replay.c - a DNS tape recorded before the audit became a
 * pipeline (testdata/replay/, see its README) still replays to the same
 * report: every domain's findings, records, summary and verdict, and the
 * exit code.  No server: the tape answers every question.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "testenv.h"

static char *path_of(const char *file)
{
    static char buf[4][1024];
    static int next;
    char *p = buf[next++ % 4];

    snprintf(p, sizeof buf[0], "%s/replay/%s", test_datadir(), file);
    return p;
}

/* The reports of stdout, one JSON object per line, without the keys that
 * measure the run rather than the domain. */
static json_t *reports_of(const char *text)
{
    json_t *all = json_array();
    const char *p = text;

    while (*p) {
        size_t n = strcspn(p, "\n");
        json_error_t e;
        json_t *doc = json_loadb(p, n, 0, &e);
        if (!doc)
            fail_msg("not JSON (%s): %.*s", e.text, (int)(n > 200 ? 200 : n), p);
        json_object_del(doc, "timing_ms");
        json_object_del(doc, "queries");
        json_array_append_new(all, doc);
        p += n + (p[n] == '\n');
    }
    return all;
}

static json_t *expected(void)
{
    json_error_t e;
    FILE *fp = fopen(path_of("audit-expected.jsonl"), "r");
    json_t *all = json_array(), *doc;

    assert_non_null(fp);
    while ((doc = json_loadf(fp, JSON_DISABLE_EOF_CHECK, &e)))
        json_array_append_new(all, doc);
    fclose(fp);
    return all;
}

static void report_difference(json_t *want, json_t *got)
{
    size_t i;
    json_t *w;

    json_array_foreach(want, i, w) {
        json_t *g = json_array_get(got, i);
        if (!json_equal(w, g)) {
            char *ws = json_dumps(w, JSON_COMPACT), *gs = g ? json_dumps(g, JSON_COMPACT) : NULL;
            fail_msg("domain %zu differs:\nwant %.2000s\ngot  %.2000s", i, ws, gs ? gs : "nothing");
        }
    }
}

static void old_tape_same_findings(void **state)
{
    char *argv[] = { (char *)test_mailctl(), "--dns-replay", path_of("audit.tape"),
                     "check-dns", "--no-smtp", "--json", "--ip", "192.0.2.77",
                     "--dnsbl", "zen.example", "--file", path_of("audit-domains.txt"), NULL };
    struct test_out out;
    json_t *want = expected(), *got;

    assert_int_equal(test_run(argv, NULL, NULL, 0, 120, &out), 0);
    assert_int_equal(out.status, 1);            /* some domains fail, none is inconclusive */
    got = reports_of(out.out);
    assert_int_equal(json_array_size(got), json_array_size(want));
    assert_true(json_array_size(want) >= 40);
    report_difference(want, got);
    json_decref(want);
    json_decref(got);
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(old_tape_same_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
