/*
 * test_check_dns_bulk.c - check-dns at fleet scale against a real NSD:
 * shards that cover a list exactly once, --shard auto from a Slurm or
 * Kubernetes environment, lists with duplicates, comments and bad names,
 * --output killed with SIGKILL at a point the test chooses (a DNS relay
 * holds back one domain's question; the test waits with inotify until the
 * lines before it are written) and resumed, a file-size limit hit part-way
 * (exit 3, the file ends after a complete line) and resumed, and CSV with
 * its header once across a resume.
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "bulk.h"
#include "relay.h"
#include "testenv.h"
#include "testrun.h"

static struct test_nsd nsd;
static char dir[256];
static char bin[4096];

static int start(void **state)
{
    if (!realpath(test_mailctl(), bin))
        return -1;
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    test_nsd_stop(&nsd);
    return 0;
}

static int mkdir_each(void **state)
{
    char tmpl[] = "/tmp/mailctl-bulk-XXXXXX";

    if (!mkdtemp(tmpl))
        return -1;
    snprintf(dir, sizeof dir, "%s", tmpl);
    return 0;
}

static int rmdir_each(void **state)
{
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

static char *read_whole(const char *name)
{
    char path[512], *buf;
    FILE *fp;
    long n;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_non_null(fp = fopen(path, "r"));
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    assert_non_null(buf = malloc((size_t)n + 1));
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Run mailctl --resolver NSD ARGS... in dir, with extra environment. */
static void run_env(struct test_out *out, struct test_run_opts o, char *const env[], ...)
{
    char *argv[48] = { bin, "--resolver", nsd.spec };
    int n = 3;
    va_list ap;
    const char *a;

    va_start(ap, env);
    while ((a = va_arg(ap, const char *)) && n < 47)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    o.cwd = dir;
    if (!o.timeout_s)
        o.timeout_s = 60;
    if (!env) {
        assert_int_equal(test_run_opts(&o, argv, out), 0);
        return;
    }
    /* test_run_opts has no environment: run through env(1). */
    {
        char *full[64] = { "/usr/bin/env" };
        int m = 1;
        for (int i = 0; env[i] && m < 20; i++)
            full[m++] = env[i];
        for (int i = 0; argv[i] && m < 63; i++)
            full[m++] = argv[i];
        full[m] = NULL;
        assert_int_equal(test_run_opts(&o, full, out), 0);
    }
}

#define run(out, ...) run_env(out, (struct test_run_opts){0}, NULL, __VA_ARGS__)

/* Count of each domain in JSON lines (each line must parse), as "d=n ..."
 * sorted by first appearance; *lines gets the number of lines. */
static json_t *domains_of_lines(const char *text, size_t *lines)
{
    json_t *counts = json_object();
    const char *p = text;

    *lines = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        json_error_t e;
        json_t *doc;
        const char *d;

        assert_non_null(nl);                    /* every line complete */
        doc = json_loadb(p, (size_t)(nl - p), 0, &e);
        if (!doc)
            fail_msg("line does not parse (%s): %.*s", e.text, (int)(nl - p), p);
        assert_non_null(d = json_string_value(json_object_get(doc, "domain")));
        json_object_set_new(counts, d, json_integer(json_integer_value(
                                           json_object_get(counts, d)) + 1));
        json_decref(doc);
        (*lines)++;
        p = nl + 1;
    }
    return counts;
}

/* Every domain of want[] exactly once in counts, and nothing else. */
static void assert_each_once(json_t *counts, const char *const *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_int_t c = json_integer_value(json_object_get(counts, want[i]));
        if (c != 1)
            fail_msg("%s came back %lld times", want[i], (long long)c);
    }
    assert_int_equal(json_object_size(counts), n);
}

static const char *const six[] = { "broken.example", "good.example", "parked.example",
                                   "policies.example", "implicit.mxcases.example",
                                   "xn--bcher-kva.example" };
#define SIX_LIST "broken.example\ngood.example\nparked.example\npolicies.example\n" \
                 "implicit.mxcases.example\nxn--bcher-kva.example\n"

static void shards_cover_the_list_once(void **state)
{
    json_t *all = json_object();
    struct test_out out;
    size_t lines, total = 0;

    write_file("list", SIX_LIST);
    for (int k = 0; k < 3; k++) {
        char shard[16];
        const char *key;
        json_t *v, *counts;

        snprintf(shard, sizeof shard, "%d/3", k);
        run(&out, "check-dns", "--no-smtp", "--checks", "mx", "--json", "--file", "list",
            "--shard", shard, NULL);
        assert_int_not_equal(out.status, 2);
        counts = domains_of_lines(out.out, &lines);
        total += lines;
        json_object_foreach(counts, key, v) {
            assert_null(json_object_get(all, key));     /* in one shard only */
            json_object_set(all, key, v);
        }
        json_decref(counts);
        test_out_free(&out);
    }
    assert_int_equal(total, 6);
    assert_each_once(all, six, 6);
    json_decref(all);
}

/* --shard auto takes the same shards from Slurm's or Kubernetes' variables. */
static void shard_auto_matches_k_of_n(void **state)
{
    char *slurm[] = { "SLURM_ARRAY_TASK_ID=12", "SLURM_ARRAY_TASK_MIN=10",
                      "SLURM_ARRAY_TASK_MAX=12", "SLURM_ARRAY_TASK_COUNT=3",
                      "SLURM_ARRAY_TASK_STEP=1", NULL };
    char *kube[] = { "JOB_COMPLETION_INDEX=2", "MAILCTL_SHARDS=3", NULL };
    struct test_out want, got;

    write_file("list", SIX_LIST);
    run(&want, "check-dns", "--no-smtp", "--checks", "mx", "--format", "csv", "--file", "list",
        "--shard", "2/3", NULL);
    run_env(&got, (struct test_run_opts){0}, slurm, "check-dns", "--no-smtp", "--checks", "mx",
            "--format", "csv", "--file", "list", "--shard", "auto", NULL);
    assert_string_equal(got.out, want.out);
    assert_int_equal(got.status, want.status);
    test_out_free(&got);
    run_env(&got, (struct test_run_opts){0}, kube, "check-dns", "--no-smtp", "--checks", "mx",
            "--format", "csv", "--file", "list", "--shard", "auto", NULL);
    assert_string_equal(got.out, want.out);
    test_out_free(&got);
    test_out_free(&want);
}

static void usage_errors_print_nothing(void **state)
{
    char *stepped[] = { "SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_MIN=0",
                        "SLURM_ARRAY_TASK_MAX=6", "SLURM_ARRAY_TASK_COUNT=4",
                        "SLURM_ARRAY_TASK_STEP=2", NULL };
    char *half[] = { "JOB_COMPLETION_INDEX=1", NULL };
    static const char *const bad[][4] = {
        { "--shard", "4/4", NULL }, { "--shard", "x", NULL }, { "--shard", "auto", NULL },
        { "--resume", NULL }, { "--output", "o", "--format", "junit" },
    };
    struct test_out out;

    write_file("list", SIX_LIST);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        run(&out, "check-dns", "--file", "list", bad[i][0], bad[i][1], bad[i][2], bad[i][3],
            NULL);
        assert_int_equal(out.status, 2);
        assert_string_equal(out.out, "");
        assert_non_null(strstr(out.err, "mailctl: "));
        test_out_free(&out);
    }
    run_env(&out, (struct test_run_opts){0}, stepped, "check-dns", "--file", "list",
            "--shard", "auto", NULL);
    assert_int_equal(out.status, 2);
    assert_string_equal(out.out, "");
    assert_non_null(strstr(out.err, "stepped"));
    test_out_free(&out);
    run_env(&out, (struct test_run_opts){0}, half, "check-dns", "--file", "list",
            "--shard", "auto", NULL);
    assert_int_equal(out.status, 2);
    assert_string_equal(out.out, "");
    test_out_free(&out);
    /* an output file that holds results is continued only with --resume */
    write_file("old.jsonl", "{\"domain\":\"good.example\",\"verdict\":\"pass\"}\n");
    run(&out, "check-dns", "--file", "list", "--output", "old.jsonl", NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
    {
        char target[512], link[512];
        snprintf(target, sizeof target, "%s/target", dir);
        snprintf(link, sizeof link, "%s/link", dir);
        assert_int_equal(symlink(target, link), 0);
        run(&out, "check-dns", "--file", "list", "--output", "link", NULL);
        assert_int_equal(out.status, 2);
        assert_int_equal(access(target, F_OK), -1);          /* nothing created */
        test_out_free(&out);
    }
}

/* Duplicates (case, trailing dot, U-label of an A-label) audited once,
 * blank lines and comments skipped, a bad name one error line. */
static void list_hygiene(void **state)
{
    struct test_out out;
    json_t *counts;
    size_t lines;
    static const char *const want[] = { "good.example", "xn--bcher-kva.example", "1.2.3.4",
                                        "bad..name", "a\\x1bb.example" };

    write_file("list", "# customers\n\ngood.example\nGOOD.example.\n  good.example # again\n"
                       "b\xc3\xbc" "cher.example\nxn--bcher-kva.example\n1.2.3.4\nbad..name\n"
                       "a\x1b" "b.example\nbad..name\n");
    run(&out, "check-dns", "--no-smtp", "--checks", "mx", "--json", "--file", "list", NULL);
    assert_int_equal(out.status, 2);            /* bad input, and nothing failed */
    counts = domains_of_lines(out.out, &lines);
    assert_int_equal(lines, 5);
    assert_each_once(counts, want, 5);
    json_decref(counts);
    assert_non_null(strstr(out.out, "{\"domain\":\"1.2.3.4\",\"ok\":false,\"verdict\":\"error\","
                                    "\"error\":\"an IP address, not a domain name\"}\n"));
    assert_null(strchr(out.err, '\x1b'));       /* a control byte never reaches stderr */
    test_out_free(&out);
    /* one domain in bulk mode is still one line */
    run(&out, "check-dns", "--no-smtp", "--checks", "mx", "--json", "--shard", "0/1",
        "good.example", NULL);
    assert_int_equal(out.status, 0);
    assert_non_null(strchr(out.out, '\n'));
    assert_string_equal(strchr(out.out, '\n'), "\n");
    test_out_free(&out);
}

/* Start mailctl in dir without waiting; stdout and stderr to files. */
static pid_t spawn(char *const argv[])
{
    pid_t parent = getpid(), pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        char path[512];
        int fd;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent || chdir(dir) != 0)
            _exit(127);
        snprintf(path, sizeof path, "%s/spawn.err", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        dup2(fd, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static size_t lines_in(const char *path)
{
    FILE *fp = fopen(path, "r");
    size_t n = 0;
    int c;

    if (!fp)
        return 0;
    while ((c = getc(fp)) != EOF)
        n += c == '\n';
    fclose(fp);
    return n;
}

/* Wait (inotify, no sleeping) until the file in dir holds n lines. */
static void wait_for_lines(const char *name, size_t n, pid_t child)
{
    char path[512];
    int in = inotify_init1(IN_CLOEXEC);
    int rounds = 0;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_true(in >= 0);
    assert_true(inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE) >= 0);
    while (lines_in(path) < n) {
        struct pollfd p = { in, POLLIN, 0 };
        char ev[4096];
        int st;

        if (waitpid(child, &st, WNOHANG) == child)
            fail_msg("mailctl ended before writing %zu lines", n);
        assert_true(++rounds < 10000);
        if (poll(&p, 1, 30000) <= 0)
            fail_msg("no line in 30 s (%zu of %zu)", lines_in(path), n);
        assert_true(read(in, ev, sizeof ev) > 0);
    }
    close(in);
}

static void killed_and_resumed(void **state)
{
    static const char *const drop[] = { "policies.example", NULL };
    struct test_relay relay;
    struct test_out out;
    char *text;
    json_t *counts;
    size_t lines;
    int st;
    pid_t pid;

    write_file("list", SIX_LIST);
    assert_int_equal(test_relay_start(&relay, nsd.spec, 0, drop), 0);
    {
        char *argv[] = { bin, "--resolver", relay.spec, "--timeout", "60", "check-dns",
                         "--no-smtp", "--checks", "mx", "--jobs", "2", "--file", "list",
                         "--output", "out.jsonl", NULL };
        pid = spawn(argv);
    }
    /* broken, good and parked come out; policies is held at the relay, so
     * nothing after it can be written: the run is killed right there */
    wait_for_lines("out.jsonl", 3, pid);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    test_relay_stop(&relay);
    text = read_whole("out.jsonl");
    counts = domains_of_lines(text, &lines);
    assert_int_equal(lines, 3);
    assert_each_once(counts, six, 3);
    json_decref(counts);
    free(text);
    /* a write torn by the kernel would leave a piece like this */
    {
        char path[512];
        FILE *fp;
        snprintf(path, sizeof path, "%s/out.jsonl", dir);
        assert_non_null(fp = fopen(path, "a"));
        fputs("{\"domain\":\"policies.example\",\"ok\":tr", fp);
        fclose(fp);
    }
    run(&out, "check-dns", "--no-smtp", "--checks", "mx", "--jobs", "2", "--file", "list",
        "--output", "out.jsonl", "--resume", NULL);
    /* the three audited now pass; broken.example, read back, fails */
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.err, "torn"));
    assert_string_equal(out.out, "");
    test_out_free(&out);
    text = read_whole("out.jsonl");
    counts = domains_of_lines(text, &lines);
    assert_int_equal(lines, 6);
    assert_each_once(counts, six, 6);
    json_decref(counts);
    free(text);
    /* resuming a finished run audits nothing and says the same */
    run(&out, "check-dns", "--no-smtp", "--checks", "mx", "--file", "list", "--output",
        "out.jsonl", "--resume", NULL);
    assert_int_equal(out.status, 1);
    text = read_whole("out.jsonl");
    counts = domains_of_lines(text, &lines);
    assert_int_equal(lines, 6);
    json_decref(counts);
    free(text);
    test_out_free(&out);
}

/* A file-size limit (a full disk) part-way: exit 3, the file ends after
 * its last complete line; a resume without the limit finishes the job. */
static void full_disk_then_resume(void **state)
{
    struct test_run_opts limited = { .fsize_limit = 2000 };
    struct test_out out;
    char *text;
    json_t *counts;
    size_t lines;

    /* lines of about 600, 400, 500 octets fit; broken.example's 9 KB do not */
    write_file("list", "good.example\nparked.example\npolicies.example\nbroken.example\n"
                       "implicit.mxcases.example\nxn--bcher-kva.example\n");
    run_env(&out, limited, NULL, "check-dns", "--no-smtp", "--checks", "mx", "--jobs", "1",
            "--file", "list", "--output", "out.jsonl", NULL);
    assert_int_equal(out.status, 3);
    assert_non_null(strstr(out.err, "out.jsonl"));
    test_out_free(&out);
    text = read_whole("out.jsonl");
    assert_true(strlen(text) <= 2000);
    counts = domains_of_lines(text, &lines);      /* complete lines only */
    assert_int_equal(lines, 3);
    json_decref(counts);
    free(text);
    run(&out, "check-dns", "--no-smtp", "--checks", "mx", "--file", "list", "--output",
        "out.jsonl", "--resume", NULL);
    assert_int_equal(out.status, 1);
    assert_null(strstr(out.err, "torn"));
    test_out_free(&out);
    text = read_whole("out.jsonl");
    counts = domains_of_lines(text, &lines);
    assert_int_equal(lines, 6);
    assert_each_once(counts, six, 6);
    json_decref(counts);
    free(text);
}

/* CSV: RFC 4180 rows, the header once even across a resume. */
static void csv_header_once(void **state)
{
    struct test_out out;
    char *text;
    size_t headers = 0, rows = 0;

    write_file("first", "broken.example\ngood.example\n");
    write_file("list", SIX_LIST);
    run(&out, "check-dns", "--no-smtp", "--checks", "mx", "--format", "csv", "--file", "first",
        "--output", "out.csv", NULL);
    assert_int_equal(out.status, 1);
    test_out_free(&out);
    run(&out, "check-dns", "--no-smtp", "--checks", "mx", "--format", "csv", "--file", "list",
        "--output", "out.csv", "--resume", NULL);
    assert_int_equal(out.status, 1);
    test_out_free(&out);
    /* resuming CSV as JSON is refused */
    run(&out, "check-dns", "--no-smtp", "--file", "list", "--output", "out.csv", "--resume",
        NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
    text = read_whole("out.csv");
    for (char *p = text; *p; ) {
        char *e = strstr(p, "\r\n");
        assert_non_null(e);
        if (!strncmp(p, BULK_CSV_HEADER, strlen(BULK_CSV_HEADER)))
            headers++;
        else
            rows++;
        p = e + 2;
    }
    assert_int_equal(headers, 1);
    assert_int_equal(rows, 6);
    assert_true(!strncmp(text, "domain,verdict", 14));
    assert_non_null(strstr(text, "\r\ngood.example,pass,"));
    assert_non_null(strstr(text, "\r\nbroken.example,fail,"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(shards_cover_the_list_once, mkdir_each, rmdir_each),
        cmocka_unit_test_setup_teardown(shard_auto_matches_k_of_n, mkdir_each, rmdir_each),
        cmocka_unit_test_setup_teardown(usage_errors_print_nothing, mkdir_each, rmdir_each),
        cmocka_unit_test_setup_teardown(list_hygiene, mkdir_each, rmdir_each),
        cmocka_unit_test_setup_teardown(killed_and_resumed, mkdir_each, rmdir_each),
        cmocka_unit_test_setup_teardown(full_disk_then_resume, mkdir_each, rmdir_each),
        cmocka_unit_test_setup_teardown(csv_header_once, mkdir_each, rmdir_each),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
