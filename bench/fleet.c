/*
 * fleet.c - check-dns at fleet scale against the local NSD (issue 16 bench):
 * (a) BENCH_FLEET_DOMAINS (default 100,000) generated domains, each like
 *     good.example (MX, SPF, DMARC), audited with --no-smtp into --output:
 *     domains/s, DNS questions per domain (the "queries" of each line),
 *     peak RSS of the mailctl process (getrusage of the child): memory
 *     must stay flat (goal < 200 MB) whatever the length of the list;
 * (c) BENCH_FLEET_SLURM_DOMAINS (default 10,000) of them as 1 shard and as
 *     4 shards (array job, contrib/slurm/mailctl-fleet.sbatch) on a local
 *     single-node Slurm: wall times side by side.
 * (b) of the issue (shared SMTP probes per MX address) belongs to the audit
 * pipeline and is not measured here.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testbench.h"
#include "testenv.h"
#include "testslurm.h"

static long env_count(const char *name, long def)
{
    const char *v = getenv(name);
    long n = v ? strtol(v, NULL, 10) : 0;
    return n > 0 ? n : def;
}

/* Test zones plus fleet.example with n domains; the list; the first m of
 * it in a second list. */
static int make_fleet(char *dir, size_t dirlen, long n, long m)
{
    char path[1024];
    FILE *z, *l, *s;

    snprintf(dir, dirlen, "/tmp/mailctl-fleetbench-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    chmod(dir, 0755);
    snprintf(path, sizeof path, "cp %s/zones/*.zone %s/", test_datadir(), dir);
    if (system(path) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/fleet.example.zone", dir);
    z = fopen(path, "w");
    snprintf(path, sizeof path, "%s/domains.txt", dir);
    l = fopen(path, "w");
    snprintf(path, sizeof path, "%s/slurm-domains.txt", dir);
    s = fopen(path, "w");
    if (!z || !l || !s)
        return -1;
    fprintf(z, "$ORIGIN fleet.example.\n$TTL 3600\n@ IN SOA ns1 hm 1 7200 3600 1209600 300\n"
               "@ IN NS ns1\nns1 IN A 192.0.2.53\n");
    for (long i = 0; i < n; i++) {
        fprintf(z, "d%ld IN MX 10 mail.good.example.\nd%ld IN TXT \"v=spf1 mx -all\"\n"
                   "_dmarc.d%ld IN TXT \"v=DMARC1; p=reject; rua=mailto:r@d%ld.fleet.example\"\n",
                i, i, i, i);
        fprintf(l, "d%ld.fleet.example\n", i);
        if (i < m)
            fprintf(s, "d%ld.fleet.example\n", i);
    }
    return fclose(z) | fclose(l) | fclose(s);
}

static int local_run(const struct test_nsd *nsd, const char *dir, long n)
{
    char list[512], out[512];
    double wall = 0;
    long rss = 0, queries, lines;
    int rc;

    snprintf(list, sizeof list, "%s/domains.txt", dir);
    snprintf(out, sizeof out, "%s/out.jsonl", dir);
    char *argv[] = { (char *)test_mailctl(), "--resolver", (char *)nsd->spec, "check-dns",
                     "--no-smtp", "--jobs", "32", "--file", list, "--output", out, NULL };
    rc = test_run_measured(argv, NULL, &wall, &rss);
    lines = test_jsonl_count(out, &queries);
    printf("(a) %ld domains, --no-smtp --jobs 32, local NSD: %.1f s = %.0f domains/s, "
           "%.1f DNS questions per domain, peak RSS %.1f MB (goal < 200 MB); exit %d, "
           "%ld lines\n", n, wall, (double)n / wall, lines > 0 ? (double)queries / lines : 0.0,
           rss / 1024.0, rc, lines);
    printf("    (56.0 questions per domain before the run-wide DNS answer cache; "
           "bench/audit.c measures both in one run)\n");
    return lines == n ? 0 : 1;
}

static double slurm_wall(const struct test_slurm *s, const struct test_nsd *nsd,
                         const char *dir, int shards, long m)
{
    char script[4200], list[512], outdir[512], array[32], output[600], mailctl[4200];
    char root[4096];
    struct test_out out;
    double t0, wall;
    long q;

    if (!realpath(TEST_DATADIR "/..", root))
        return -1;
    snprintf(script, sizeof script, "%s/contrib/slurm/mailctl-fleet.sbatch", root);
    snprintf(list, sizeof list, "%s/slurm-domains.txt", dir);
    snprintf(outdir, sizeof outdir, "%s/slurm-%d", dir, shards);
    snprintf(array, sizeof array, "--array=0-%d", shards - 1);
    snprintf(output, sizeof output, "--output=%s/task-%d-%%a.log", dir, shards);
    snprintf(mailctl, sizeof mailctl, "MAILCTL=%s", test_mailctl());
    char *env[] = { (char *)s->env_conf, mailctl, NULL };
    char *argv[] = { "/usr/bin/sbatch", "--wait", array, output, script, list, outdir,
                     "--resolver", (char *)nsd->spec, "--no-smtp", "--jobs", "32", NULL };
    t0 = test_now_s();
    if (test_run(argv, env, NULL, 0, 3600, &out) < 0 || out.status != 0) {
        fprintf(stderr, "sbatch failed: %s", out.err);
        return -1;
    }
    wall = test_now_s() - t0;
    test_out_free(&out);
    {
        long total = 0;
        for (int k = 0; k < shards; k++) {
            char part[600];
            snprintf(part, sizeof part, "%s/part-%d.jsonl", outdir, k);
            total += test_jsonl_count(part, &q);
        }
        if (total != m)
            fprintf(stderr, "slurm %d shards: %ld lines for %ld domains\n", shards, total, m);
    }
    return wall;
}

int main(void)
{
    long n = env_count("BENCH_FLEET_DOMAINS", 100000);
    long m = env_count("BENCH_FLEET_SLURM_DOMAINS", 10000);
    char dir[256], cmd[600];
    struct test_nsd nsd;
    struct test_slurm slurm;
    int rc;

    if (m > n)
        m = n;
    if (make_fleet(dir, sizeof dir, n, m) < 0 || test_nsd_start(&nsd, dir) < 0)
        return 1;
    rc = local_run(&nsd, dir, n);
    if (test_slurm_start(&slurm) == 0) {
        double one = slurm_wall(&slurm, &nsd, dir, 1, m);
        double four = slurm_wall(&slurm, &nsd, dir, 4, m);
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        printf("(c) %ld domains on the local Slurm (%ld CPUs, one node): 1 shard %.1f s, "
               "4 shards %.1f s (x%.2f)\n", m, cpus, one, four, four > 0 ? one / four : 0.0);
        rc |= one < 0 || four < 0;
        test_slurm_stop(&slurm);
    } else {
        rc = 1;
    }
    test_nsd_stop(&nsd);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return rc | (system(cmd) != 0);
}
