/*
 * test_bulk.c - the pieces of a fleet run that need no server: the stable
 * shard of a domain (against SHA-256 computed elsewhere), --shard K/N and
 * auto from Slurm and Kubernetes environments, the domain set, lines read
 * back for --resume, and safe text for bad names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bulk.h"

/* The environment --shard auto sees: NAME=VALUE pairs set by each test. */
static const char *fake_env[16];

static char *env_of(const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; fake_env[i]; i++)
        if (!strncmp(fake_env[i], name, n) && fake_env[i][n] == '=')
            return (char *)fake_env[i] + n + 1;
    return NULL;
}

static int shard_with(const char *arg, struct shard *s, ...)
{
    va_list ap;
    size_t n = 0;
    const char *e;

    va_start(ap, s);
    while ((e = va_arg(ap, const char *)) && n < 15)
        fake_env[n++] = e;
    va_end(ap);
    fake_env[n] = NULL;
    memset(s, 0, sizeof *s);
    return shard_parse(arg, env_of, s);
}

/* Values from Python's hashlib: sha256(name)[:8] big-endian. */
static void shard_hash_is_sha256_prefix(void **state)
{
    struct domain_key k, k2;

    domain_key_of("example.com", &k);
    assert_true(domain_key_shard_hash(&k) == 0xa379a6f6eeafb9a5ULL);
    domain_key_of("good.example", &k);
    assert_true(domain_key_shard_hash(&k) == 0x4055311bd17e3605ULL);
    domain_key_of("xn--bcher-kva.example", &k);
    assert_true(domain_key_shard_hash(&k) == 0x970ca6b73eaf2630ULL);
    /* case and one trailing dot do not move a domain */
    domain_key_of("Good.EXAMPLE.", &k2);
    domain_key_of("good.example", &k);
    assert_memory_equal(&k, &k2, sizeof k);
    {
        struct shard s = { .k = 1, .n = 4 };     /* 0x4055311bd17e3605 % 4 == 1 */
        assert_true(shard_holds(&s, &k));
        s.k = 0;
        assert_false(shard_holds(&s, &k));
        s.n = 0;
        assert_true(shard_holds(&s, &k));
    }
}

static void shard_k_of_n(void **state)
{
    struct shard s;

    assert_int_equal(shard_with("3/4", &s, NULL), EXIT_OK);
    assert_int_equal(s.k, 3);
    assert_int_equal(s.n, 4);
    assert_int_equal(shard_with("0/1", &s, NULL), EXIT_OK);
    assert_int_equal(shard_with("4/4", &s, NULL), EXIT_USAGE);
    assert_int_equal(shard_with("x", &s, NULL), EXIT_USAGE);
    assert_int_equal(shard_with("0/0", &s, NULL), EXIT_USAGE);
    assert_int_equal(shard_with("-1/4", &s, NULL), EXIT_USAGE);
    assert_int_equal(shard_with("1/+4", &s, NULL), EXIT_USAGE);
    assert_int_equal(shard_with("1/4x", &s, NULL), EXIT_USAGE);
    assert_int_equal(shard_with("/4", &s, NULL), EXIT_USAGE);
    assert_int_equal(shard_with("1/", &s, NULL), EXIT_USAGE);
    assert_int_equal(shard_with("1/99999999999999999999", &s, NULL), EXIT_USAGE);
}

static void shard_auto_slurm(void **state)
{
    struct shard s;

    assert_int_equal(shard_with("auto", &s, "SLURM_ARRAY_TASK_ID=7", "SLURM_ARRAY_TASK_MIN=5",
                                "SLURM_ARRAY_TASK_MAX=8", "SLURM_ARRAY_TASK_COUNT=4",
                                "SLURM_ARRAY_TASK_STEP=1", NULL), EXIT_OK);
    assert_int_equal(s.k, 2);
    assert_int_equal(s.n, 4);
    /* without MAX and STEP (older Slurm) */
    assert_int_equal(shard_with("auto", &s, "SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_MIN=0",
                                "SLURM_ARRAY_TASK_COUNT=1", NULL), EXIT_OK);
    assert_int_equal(s.n, 1);
    /* Slurm wins over Kubernetes */
    assert_int_equal(shard_with("auto", &s, "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_MIN=0",
                                "SLURM_ARRAY_TASK_COUNT=3", "JOB_COMPLETION_INDEX=0",
                                "MAILCTL_SHARDS=2", NULL), EXIT_OK);
    assert_int_equal(s.k, 1);
    assert_int_equal(s.n, 3);
    /* stepped (--array=0-6:2) and listed (--array=1,5,7) arrays */
    assert_int_equal(shard_with("auto", &s, "SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_MIN=0",
                                "SLURM_ARRAY_TASK_MAX=6", "SLURM_ARRAY_TASK_COUNT=4",
                                "SLURM_ARRAY_TASK_STEP=2", NULL), EXIT_USAGE);
    assert_int_equal(shard_with("auto", &s, "SLURM_ARRAY_TASK_ID=5", "SLURM_ARRAY_TASK_MIN=1",
                                "SLURM_ARRAY_TASK_MAX=7", "SLURM_ARRAY_TASK_COUNT=3",
                                "SLURM_ARRAY_TASK_STEP=1", NULL), EXIT_USAGE);
    /* half a set, out of range, not numbers */
    assert_int_equal(shard_with("auto", &s, "SLURM_ARRAY_TASK_ID=0", NULL), EXIT_USAGE);
    assert_int_equal(shard_with("auto", &s, "SLURM_ARRAY_TASK_ID=4", "SLURM_ARRAY_TASK_MIN=0",
                                "SLURM_ARRAY_TASK_COUNT=4", NULL), EXIT_USAGE);
    assert_int_equal(shard_with("auto", &s, "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_MIN=2",
                                "SLURM_ARRAY_TASK_COUNT=4", NULL), EXIT_USAGE);
    assert_int_equal(shard_with("auto", &s, "SLURM_ARRAY_TASK_ID=a", "SLURM_ARRAY_TASK_MIN=0",
                                "SLURM_ARRAY_TASK_COUNT=4", NULL), EXIT_USAGE);
}

static void shard_auto_kubernetes(void **state)
{
    struct shard s;

    assert_int_equal(shard_with("auto", &s, "JOB_COMPLETION_INDEX=3", "MAILCTL_SHARDS=8", NULL),
                     EXIT_OK);
    assert_int_equal(s.k, 3);
    assert_int_equal(s.n, 8);
    assert_int_equal(shard_with("auto", &s, "JOB_COMPLETION_INDEX=8", "MAILCTL_SHARDS=8", NULL),
                     EXIT_USAGE);
    assert_int_equal(shard_with("auto", &s, "JOB_COMPLETION_INDEX=0", NULL), EXIT_USAGE);
    assert_int_equal(shard_with("auto", &s, "MAILCTL_SHARDS=2", NULL), EXIT_USAGE);
    assert_int_equal(shard_with("auto", &s, NULL), EXIT_USAGE);
}

/* Every domain lands in exactly one of N shards, and they are not all in one. */
static void shards_partition(void **state)
{
    enum { N = 5, D = 2000 };
    size_t per[N] = {0};
    char name[64];

    for (int d = 0; d < D; d++) {
        struct domain_key k;
        int holders = 0;

        snprintf(name, sizeof name, "d%d.fleet.example", d);
        domain_key_of(name, &k);
        for (unsigned long i = 0; i < N; i++) {
            struct shard s = { .k = i, .n = N };
            if (shard_holds(&s, &k)) {
                holders++;
                per[i]++;
            }
        }
        assert_int_equal(holders, 1);
    }
    for (int i = 0; i < N; i++)
        assert_in_range(per[i], D / N / 2, D / N * 2);
}

static void domain_set_counts_once(void **state)
{
    struct domain_set set = {0};
    struct domain_key k;
    char name[64];

    for (int round = 0; round < 2; round++)
        for (int d = 0; d < 5000; d++) {
            snprintf(name, sizeof name, "d%d.example", d);
            domain_key_of(name, &k);
            assert_int_equal(domain_set_add(&set, &k), round == 0 ? 1 : 0);
        }
    assert_int_equal(set.count, 5000);
    domain_key_of("d4999.example", &k);
    assert_true(domain_set_has(&set, &k));
    domain_key_of("d5000.example", &k);
    assert_false(domain_set_has(&set, &k));
    domain_set_free(&set);
}

static void lines_read_back(void **state)
{
    char name[256];
    const char *l;

    l = "{\"domain\":\"good.example\",\"ok\":true,\"verdict\":\"pass\"}";
    assert_int_equal(bulk_parse_json_line(l, strlen(l), name, sizeof name), EXIT_OK);
    assert_string_equal(name, "good.example");
    l = "{\"domain\":\"b.example\",\"verdict\":\"inconclusive\"}";
    assert_int_equal(bulk_parse_json_line(l, strlen(l), name, sizeof name), EXIT_RUNTIME);
    l = "{\"domain\":\"1.2.3.4\",\"verdict\":\"error\",\"error\":\"x\"}";
    assert_int_equal(bulk_parse_json_line(l, strlen(l), name, sizeof name), EXIT_USAGE);
    l = "{\"domain\":\"b.example\",\"verdict\":\"maybe\"}";
    assert_int_equal(bulk_parse_json_line(l, strlen(l), name, sizeof name), -1);
    l = "{\"domain\":\"b.example\",\"verd";                   /* torn */
    assert_int_equal(bulk_parse_json_line(l, strlen(l), name, sizeof name), -1);
    l = "[1,2]";
    assert_int_equal(bulk_parse_json_line(l, strlen(l), name, sizeof name), -1);

    assert_int_equal(bulk_parse_csv_line("broken.example,fail,5,3,10,6,0,1,mx.a spf.b", name,
                                         sizeof name), EXIT_PROBLEM);
    assert_string_equal(name, "broken.example");
    assert_int_equal(bulk_parse_csv_line("\"a,\"\"b\",error,,,,,,,", name, sizeof name),
                     EXIT_USAGE);
    assert_string_equal(name, "a,\"b");
    assert_int_equal(bulk_parse_csv_line("good.example,pass,9,1,0,0", name, sizeof name), -1);
    assert_int_equal(bulk_parse_csv_line("\"good.example,pass,9,1,0,0,0,2,", name, sizeof name),
                     -1);
    assert_int_equal(bulk_parse_csv_line("good.example,pass,9,1,0,0,0,2,,extra", name,
                                         sizeof name), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shard_hash_is_sha256_prefix),
        cmocka_unit_test(shard_k_of_n),
        cmocka_unit_test(shard_auto_slurm),
        cmocka_unit_test(shard_auto_kubernetes),
        cmocka_unit_test(shards_partition),
        cmocka_unit_test(domain_set_counts_once),
        cmocka_unit_test(lines_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
