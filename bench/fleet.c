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

#include "testenv.h"
#include "testslurm.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* Run argv to its end with stdout to /dev/null; wall seconds, peak RSS. */
static int run_measured(char *const argv[], double *wall, long *maxrss_kb)
{
    double t0 = now_s();
    struct rusage ru;
    int st;
    pid_t pid = fork();

    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
        return -1;
    *wall = now_s() - t0;
    *maxrss_kb = ru.ru_maxrss;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Lines of a JSON-lines file and the sum of their "queries". */
static long count_lines(const char *path, long *queries)
{
    FILE *fp = fopen(path, "r");
    static char buf[1 << 20];
    long n = 0;

    *queries = 0;
    if (!fp)
        return -1;
    while (fgets(buf, sizeof buf, fp)) {
        json_t *doc = json_loads(buf, 0, NULL);
        *queries += (long)json_integer_value(json_object_get(doc, "queries"));
        json_decref(doc);
        n++;
    }
    fclose(fp);
    return n;
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
    rc = run_measured(argv, &wall, &rss);
    lines = count_lines(out, &queries);
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
    t0 = now_s();
    if (test_run(argv, env, NULL, 0, 3600, &out) < 0 || out.status != 0) {
        fprintf(stderr, "sbatch failed: %s", out.err);
        return -1;
    }
    wall = now_s() - t0;
    test_out_free(&out);
    {
        long total = 0;
        for (int k = 0; k < shards; k++) {
            char part[600];
            snprintf(part, sizeof part, "%s/part-%d.jsonl", outdir, k);
            total += count_lines(part, &q);
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
