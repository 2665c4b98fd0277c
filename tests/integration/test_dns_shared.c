/*
 * test_dns_shared.c - the DNS side of a bulk run: the domains of one
 * `check-dns --file LIST --jobs N` share one answer cache, so a question
 * (the shared MX host's A/AAAA, its PTR...) reaches the server once per
 * run, counted in the log of a relay in front of the test NSD; --qps
 * still lets the run finish with the same questions; and a server that
 * always answers SERVFAIL makes the domain inconclusive (exit 3) after the
 * retries.
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

#include "hostile.h"
#include "relay.h"
#include "testenv.h"

#define NDOMAINS 8

static struct test_nsd nsd;
static char dir[256], list[300];

/* The test zones plus shared.example: NDOMAINS domains on one MX host. */
static int start(void **state)
{
    char cmd[700], path[300];
    FILE *z, *l;

    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mailctl-shared-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(cmd, sizeof cmd, "cp %s/zones/*.zone %s/", test_datadir(), dir);
    if (system(cmd) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/shared.example.zone", dir);
    snprintf(list, sizeof list, "%s/domains.txt", dir);
    if (!(z = fopen(path, "w")) || !(l = fopen(list, "w")))
        return -1;
    fprintf(z, "$ORIGIN shared.example.\n$TTL 3600\n"
               "@ IN SOA ns1 hm 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n");
    for (int i = 0; i < NDOMAINS; i++) {
        fprintf(z, "d%d IN MX 10 mail.good.example.\nd%d IN TXT \"v=spf1 mx -all\"\n"
                   "_dmarc.d%d IN TXT \"v=DMARC1; p=reject\"\n", i, i, i);
        fprintf(l, "d%d.shared.example\n", i);
    }
    if (fclose(z) || fclose(l))
        return -1;
    return test_nsd_start(&nsd, dir);
}

static int stop(void **state)
{
    char cmd[300];

    (void)state;
    test_nsd_stop(&nsd);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

struct qlog {
    char **line;
    size_t n;
    int status;
    size_t reports;
    unsigned long sent, waits;     /* -v: the --qps bucket's counts */
};

static void qlog_free(struct qlog *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->line[i]);
    free(q->line);
}

/* Run check-dns --no-smtp --json --file LIST with extra args through a
 * logging relay; the questions that reached the server into *q. */
static void run_logged(const char *const *extra, struct qlog *q)
{
    char log[] = "/tmp/mailctl-qlog-XXXXXX", line[512];
    int fd = mkstemp(log);
    struct test_relay relay;
    struct test_out res;
    char *argv[32] = { (char *)test_mailctl(), "--resolver", NULL, "--timeout", "5",
                       "check-dns", "--no-smtp", "--json", "--jobs", "4", "--file", list };
    size_t n = 12, cap = 0;
    FILE *fp;

    memset(q, 0, sizeof *q);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(test_relay_start_logged(&relay, nsd.spec, 0, NULL, log), 0);
    argv[2] = relay.spec;
    for (size_t i = 0; extra && extra[i] && n < 31; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    assert_int_equal(test_run(argv, NULL, NULL, 0, 120, &res), 0);
    q->status = res.status;
    const char *v = strstr(res.err, "--qps: ");
    if (v)
        assert_int_equal(sscanf(v, "--qps: %lu queries sent, %lu waits", &q->sent, &q->waits), 2);
    for (const char *p = res.out; (p = strchr(p, '\n')); p++)
        q->reports++;
    test_out_free(&res);
    test_relay_stop(&relay);
    assert_non_null(fp = fopen(log, "r"));
    while (fgets(line, sizeof line, fp)) {
        if (q->n == cap) {
            cap = cap ? cap * 2 : 256;
            assert_non_null(q->line = realloc(q->line, cap * sizeof *q->line));
        }
        line[strcspn(line, "\n")] = '\0';
        assert_non_null(q->line[q->n++] = strdup(line));
    }
    fclose(fp);
    unlink(log);
}

static size_t count(const struct qlog *q, const char *want)
{
    size_t c = 0;

    for (size_t i = 0; i < q->n; i++)
        c += !strcmp(q->line[i], want);
    return c;
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void shared_mx_host_asked_once_per_run(void **state)
{
    struct qlog q;

    (void)state;
    run_logged(NULL, &q);
    assert_int_equal(q.reports, NDOMAINS);
    assert_true(q.status == 0 || q.status == 1);
    assert_int_equal(count(&q, "mail.good.example 1"), 1);
    assert_int_equal(count(&q, "mail.good.example 28"), 1);
    /* and no question at all twice in the run */
    qsort(q.line, q.n, sizeof *q.line, cmp_line);
    for (size_t i = 1; i < q.n; i++)
        if (!strcmp(q.line[i - 1], q.line[i]))
            fail_msg("asked twice in one bulk run: %s", q.line[i]);
    qlog_free(&q);

    /* without the shared cache every domain asks for itself */
    const char *no_cache[] = { "--dns-cache", "0", NULL };
    run_logged(no_cache, &q);
    assert_int_equal(q.reports, NDOMAINS);
    assert_true(count(&q, "mail.good.example 1") >= NDOMAINS);
    qlog_free(&q);
}

/* Sort q's lines and drop repeats (a retry after a timeout under load asks
 * the same question again): the set of questions asked.  The random
 * selector that tells a wildcard key record (mailctl-RANDOM._domainkey) is
 * new in every run: it becomes "mailctl-*". */
static void distinct(struct qlog *q)
{
    size_t k = 0;

    for (size_t i = 0; i < q->n; i++) {
        char *dot = strchr(q->line[i], '.');
        if (!strncmp(q->line[i], "mailctl-", 8) && dot > q->line[i] + 8 &&
            !strncmp(dot, "._domainkey.", 12)) {
            q->line[i][8] = '*';
            memmove(q->line[i] + 9, dot, strlen(dot) + 1);
        }
    }
    qsort(q->line, q->n, sizeof *q->line, cmp_line);
    for (size_t i = 0; i < q->n; i++) {
        if (k && !strcmp(q->line[k - 1], q->line[i])) {
            free(q->line[i]);
            continue;
        }
        q->line[k++] = q->line[i];
    }
    q->n = k;
}

static void qps_run_completes_with_the_same_questions(void **state)
{
    struct qlog fast, slow;
    const char *qps[] = { "--qps", "400", "-v", NULL };

    (void)state;
    run_logged(NULL, &fast);
    run_logged(qps, &slow);
    assert_int_equal(slow.reports, NDOMAINS);
    assert_int_equal(slow.status, fast.status);
    /* every query the server saw went through the bucket (sent may be
     * more: a retry after a timeout, or over TCP, which this UDP relay
     * does not log, takes a token too), and some had to wait */
    if (slow.sent < slow.n)
        fail_msg("%lu queries reached the server, only %lu through the bucket", (unsigned long)slow.n,
                 slow.sent);
    assert_true(slow.waits > 0);
    /* the cap delays questions, it neither drops nor adds any (a retry
     * repeats one, which a loaded machine may need in either run) */
    distinct(&fast);
    distinct(&slow);
    assert_int_equal(slow.n, fast.n);
    for (size_t i = 0; i < slow.n; i++)
        assert_string_equal(slow.line[i], fast.line[i]);
    qlog_free(&fast);
    qlog_free(&slow);
}

static void always_servfail_is_inconclusive(void **state)
{
    struct test_hostile h;
    struct test_out res;

    (void)state;
    assert_int_equal(test_hostile_start(&h, NULL), 0);
    char *argv[] = { (char *)test_mailctl(), "--resolver", h.spec, "--timeout", "3",
                     "check-dns", "--no-smtp", "--json", "--checks", "mx",
                     "servfail.hostile.test", NULL };
    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &res), 0);
    test_hostile_stop(&h);
    assert_int_equal(res.status, 3);
    assert_non_null(strstr(res.out, "\"inconclusive\""));
    assert_non_null(strstr(res.out, "servfail"));
    test_out_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shared_mx_host_asked_once_per_run),
        cmocka_unit_test(qps_run_completes_with_the_same_questions),
        cmocka_unit_test(always_servfail_is_inconclusive),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
