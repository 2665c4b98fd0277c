/*
 * test_slurm.c - a fleet audit on a real Slurm: a single-node cluster
 * (tests/support/testslurm.c) runs contrib/slurm/mailctl-fleet.sbatch as an
 * array job of four tasks over a generated list against the test NSD, then
 * contrib/slurm/mailctl-fleet-merge.sbatch; every domain must come back
 * exactly once, each in the part file of its own shard, and the fleet view
 * must count them all.  The cluster is always torn down (group teardown,
 * and the daemons die with the test process).  Also: the Kubernetes
 * manifest has the same shape (Indexed, shards = completions, --resume).
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
#include <jansson.h>

#include "bulk.h"
#include "testenv.h"
#include "testslurm.h"

#define TASKS 4
#define GENERATED 40

static struct test_nsd nsd;
static struct test_slurm slurm;
static char bin[4096], root[4096];

static int start(void **state)
{
    if (!realpath(test_mailctl(), bin) || !realpath(TEST_DATADIR "/..", root))
        return -1;
    if (test_nsd_start(&nsd, NULL) < 0)
        return -1;
    return test_slurm_start(&slurm);
}

static int stop(void **state)
{
    test_slurm_stop(&slurm);
    test_nsd_stop(&nsd);
    return 0;
}

static const char *const real[] = { "good.example", "broken.example", "parked.example",
                                    "policies.example", "mxcases.example", "keys.example",
                                    "spfaudit.example", "implicit.mxcases.example" };
#define NREAL (sizeof real / sizeof real[0])

/* The list: the real test domains, GENERATED names under good.example
 * (NXDOMAIN), a duplicate and a comment. */
static size_t write_list(const char *path, char names[][64])
{
    FILE *fp = fopen(path, "w");
    size_t n = 0;

    assert_non_null(fp);
    fprintf(fp, "# fleet\n");
    for (size_t i = 0; i < NREAL; i++)
        snprintf(names[n++], 64, "%s", real[i]);
    for (int i = 0; i < GENERATED; i++)
        snprintf(names[n++], 64, "host%02d.good.example", i);
    for (size_t i = 0; i < n; i++)
        fprintf(fp, "%s\n", names[i]);
    fprintf(fp, "GOOD.example\n");
    assert_int_equal(fclose(fp), 0);
    return n;
}

static json_t *read_lines(const char *path, size_t *lines)
{
    FILE *fp = fopen(path, "r");
    json_t *counts = json_object();
    char buf[1 << 16];

    *lines = 0;
    if (!fp)
        fail_msg("%s was not written", path);
    while (fgets(buf, sizeof buf, fp)) {
        json_error_t e;
        json_t *doc = json_loads(buf, 0, &e);
        const char *d;

        if (!doc)
            fail_msg("%s: a line does not parse: %.100s", path, buf);
        assert_non_null(d = json_string_value(json_object_get(doc, "domain")));
        json_object_set_new(counts, d, json_integer(json_integer_value(
                                           json_object_get(counts, d)) + 1));
        json_decref(doc);
        (*lines)++;
    }
    fclose(fp);
    return counts;
}

static void array_job_audits_each_domain_once(void **state)
{
    char list[512], outdir[512], path[600], script[4400], merge[4400], mailctl_env[4200];
    char names[NREAL + GENERATED][64];
    char *env[] = { slurm.env_conf, mailctl_env, NULL };
    struct test_out out;
    size_t n, total = 0, lines;
    json_t *all = json_object(), *counts, *fleet;

    snprintf(list, sizeof list, "%s/domains.txt", slurm.dir);
    snprintf(outdir, sizeof outdir, "%s/results", slurm.dir);
    snprintf(script, sizeof script, "%s/contrib/slurm/mailctl-fleet.sbatch", root);
    snprintf(merge, sizeof merge, "%s/contrib/slurm/mailctl-fleet-merge.sbatch", root);
    snprintf(mailctl_env, sizeof mailctl_env, "MAILCTL=%s", bin);
    n = write_list(list, names);
    {
        char chdir_opt[300], output[600];
        snprintf(chdir_opt, sizeof chdir_opt, "--chdir=%s", slurm.dir);
        snprintf(output, sizeof output, "--output=%s/task-%%a.log", slurm.dir);
        char *argv[] = { "/usr/bin/sbatch", "--wait", "--array=0-3", chdir_opt, output, script, list,
                         outdir, "--resolver", nsd.spec, "--timeout", "5", "--no-smtp",
                         "--checks", "mx,spf,dmarc", "--jobs", "4", NULL };
        assert_int_equal(test_run(argv, env, NULL, 0, 600, &out), 0);
        if (out.status != 0)
            fail_msg("sbatch: exit %d: %s%s", out.status, out.out, out.err);
        test_out_free(&out);
    }
    /* every part holds its own shard's domains, each once */
    for (unsigned long k = 0; k < TASKS; k++) {
        const char *d;
        json_t *v;

        snprintf(path, sizeof path, "%s/part-%lu.jsonl", outdir, k);
        counts = read_lines(path, &lines);
        total += lines;
        json_object_foreach(counts, d, v) {
            struct domain_key key;
            struct shard s = { .k = k, .n = TASKS };

            domain_key_of(d, &key);
            assert_true(shard_holds(&s, &key));
            assert_int_equal(json_integer_value(v), 1);
            assert_null(json_object_get(all, d));
            json_object_set(all, d, v);
        }
        json_decref(counts);
    }
    assert_int_equal(total, n);
    for (size_t i = 0; i < n; i++)
        if (!json_object_get(all, names[i]))
            fail_msg("%s did not come back", names[i]);
    json_decref(all);
    {
        char output[600];
        snprintf(output, sizeof output, "--output=%s/merge.log", slurm.dir);
        char *argv[] = { "/usr/bin/sbatch", "--wait", output, merge, outdir, NULL };
        assert_int_equal(test_run(argv, env, NULL, 0, 600, &out), 0);
        if (out.status != 0)
            fail_msg("sbatch merge: exit %d: %s%s", out.status, out.out, out.err);
        test_out_free(&out);
    }
    snprintf(path, sizeof path, "%s/all.jsonl", outdir);
    counts = read_lines(path, &lines);
    assert_int_equal(lines, n);
    assert_int_equal(json_object_size(counts), n);
    json_decref(counts);
    snprintf(path, sizeof path, "%s/fleet.json", outdir);
    {
        json_error_t e;
        assert_non_null(fleet = json_load_file(path, 0, &e));
        assert_int_equal(json_integer_value(json_object_get(fleet, "domains")), n);
        json_decref(fleet);
    }
    snprintf(path, sizeof path, "%s/fleet.html", outdir);
    assert_int_equal(access(path, R_OK), 0);
}

/* The Indexed Job has the shape of the Slurm script: shards = completions,
 * --shard auto, one resumable file per index. */
static void kubernetes_manifest_same_shape(void **state)
{
    char path[4200], code[1200];
    struct test_out out;

    snprintf(path, sizeof path, "%s/contrib/kubernetes/mailctl-fleet-job.yaml", root);
    snprintf(code, sizeof code,
             "import yaml,sys\n"
             "j=yaml.safe_load(open(sys.argv[1]))\n"
             "s=j['spec']; c=s['template']['spec']['containers'][0]\n"
             "env={e['name']:e['value'] for e in c['env']}\n"
             "a=' '.join(c['args'])\n"
             "assert j['kind']=='Job' and s['completionMode']=='Indexed'\n"
             "assert int(env['MAILCTL_SHARDS'])==s['completions']\n"
             "assert '--shard auto' in a and '--resume' in a\n"
             "assert '--output /results/part-$(JOB_COMPLETION_INDEX).jsonl' in a\n"
             "print('ok')\n");
    {
        char *argv[] = { "/usr/bin/python3", "-c", code, path, NULL };
        assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
    }
    if (out.status != 0)
        fail_msg("manifest: %s", out.err);
    assert_string_equal(out.out, "ok\n");
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(array_job_audits_each_domain_once),
        cmocka_unit_test(kubernetes_manifest_same_shape),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
