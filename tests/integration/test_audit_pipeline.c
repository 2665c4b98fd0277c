/*
 * test_audit_pipeline.c - the audit's gather stage asks each (name, type)
 * once: every question reaching the test NSD goes through a relay that logs
 * it, and no line of the log may repeat within one audit.  And the gather
 * takes no more stages than the dependency chain needs.
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

#include "../checks/audit.h"
#include "relay.h"
#include "testenv.h"

static struct test_nsd nsd;

static int start(void **state) { return test_nsd_start(&nsd, NULL); }
static int stop(void **state) { test_nsd_stop(&nsd); return 0; }

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The questions of one `check-dns` run, sorted; returns how many. */
static size_t questions_of(const char *const *args, char ***out)
{
    char log[] = "/tmp/mailctl-qlog-XXXXXX", line[512];
    int fd = mkstemp(log);
    struct test_relay relay;
    struct test_out res;
    char *argv[32] = { (char *)test_mailctl(), "--resolver", NULL, "--timeout", "5",
                       "check-dns", "--no-smtp", "--json" };
    size_t n = 8, nq = 0, cap = 0;
    char **q = NULL;
    FILE *fp;

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(test_relay_start_logged(&relay, nsd.spec, 0, NULL, log), 0);
    argv[2] = relay.spec;
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &res), 0);
    assert_true(res.status == 0 || res.status == 1);
    test_out_free(&res);
    test_relay_stop(&relay);
    assert_non_null(fp = fopen(log, "r"));
    while (fgets(line, sizeof line, fp)) {
        if (nq == cap) {
            cap = cap ? cap * 2 : 64;
            assert_non_null(q = realloc(q, cap * sizeof *q));
        }
        line[strcspn(line, "\n")] = '\0';
        assert_non_null(q[nq++] = strdup(line));
    }
    fclose(fp);
    unlink(log);
    qsort(q, nq, sizeof *q, cmp_line);
    *out = q;
    return nq;
}

static void no_question_twice(const char *const *args, size_t at_least)
{
    char **q;
    size_t n = questions_of(args, &q);

    if (n < at_least)
        fail_msg("only %zu questions reached the server", n);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(q[i - 1], q[i]))
            fail_msg("asked twice in one audit: %s", q[i]);
    for (size_t i = 0; i < n; i++)
        free(q[i]);
    free(q);
}

static void good_domain_asks_each_question_once(void **state)
{
    const char *args[] = { "good.example", NULL };

    no_question_twice(args, 40);
}

/* Every family, sending addresses, a blocklist: more paths to the same names. */
static void broken_domain_asks_each_question_once(void **state)
{
    const char *args[] = { "--ip", "192.0.2.77", "--dnsbl", "zen.example", "broken.example",
                           NULL };

    no_question_twice(args, 40);
}

/* good.example's chain is apex -> MX host addresses -> their PTRs; the
 * MX answer's additional section names the addresses, so the PTRs are
 * asked with the hosts' own A/AAAA: two fetches, then the judging pass
 * that reads only answers (3 rounds; 4 without the hints). */
static void mx_chain_takes_two_fetches(void **state)
{
    const char *servers[] = { nsd.spec };
    struct dns_engine_params dp = { .servers = servers, .nservers = 1, .timeout_ms = 5000 };
    struct audit_options opt = { .no_smtp = true, .dns = &dp, .only = "mx,ptr,spf,dmarc",
                                 .allow_private = true };
    struct audit_result *r = NULL;
    char err[256];
    size_t ptr_findings = 0;

    assert_int_equal(audit_run("good.example", &opt, &r, err, sizeof err), AUTH_OK);
    for (size_t i = 0; i < r->findings.count; i++)
        if (!strncmp(r->findings.items[i].id, "ptr.", 4))
            ptr_findings++;
    assert_int_equal(ptr_findings, 0);   /* every MX address's PTR answered, confirmed */
    assert_true(r->questions >= 8);
    if (r->rounds > 3)
        fail_msg("%u judging rounds for good.example", r->rounds);
    audit_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_domain_asks_each_question_once),
        cmocka_unit_test(broken_domain_asks_each_question_once),
        cmocka_unit_test(mx_chain_takes_two_fetches),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
