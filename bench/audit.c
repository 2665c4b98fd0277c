/*
 * audit.c - what parallel stages buy the check-dns audit.
 *
 * (a) Round trips: the real test NSD behind dns-relay adding a fixed delay
 *     to every answer; one full audit of good.example (all families but the
 *     SMTP probe), median of 5, and the same audit straight to NSD; (wall
 *     through the relay - wall without) / delay = the sequential round trips
 *     the audit waits for, printed beside the number of queries it asked and
 *     the plain wall / delay (which also counts process start).  Goal: round
 *     trips <= include depth + 3.
 * (b) Bulk: 1,000 generated domains (each like good.example) audited with
 *     `check-dns --no-smtp --file LIST --jobs N` against the local NSD;
 *     domains/s and questions per domain.  The server is the limit, so the
 *     same run also floods NSD with the same questions straight from the
 *     engine (many in flight, no cache) and prints the questions/s NSD
 *     answered to the audit beside the flood's.  Goal: >= 0.9 of the flood
 *     rate, no question asked twice within a domain's audit.  The list is
 *     audited twice in the same run: with the run-wide DNS answer cache
 *     (the default) and without it (--dns-cache 0, every domain asking for
 *     itself, as before the cache), questions per domain side by side.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pthread.h>

#include "auth/dns.h"
#include "relay.h"
#include "testenv.h"

#define DELAY_MS 50
#define BULK 1000
#ifndef FLOOD_THREADS
#define FLOOD_THREADS 16
#endif
#ifndef FLOOD_BATCH
#define FLOOD_BATCH 64
#endif
#ifndef FLOOD_INFLIGHT
#define FLOOD_INFLIGHT 64
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall seconds of one `check-dns --no-smtp --json good.example` through
 * server spec; *queries from its report.  < 0 on failure. */
static double one_audit(const char *spec, long *queries)
{
    char *argv[] = { (char *)test_mailctl(), "--resolver", (char *)spec, "check-dns",
                     "--no-smtp", "--json", "good.example", NULL };
    struct test_out out;
    json_t *doc;
    double t0 = now_s(), wall;

    if (test_run(argv, NULL, NULL, 0, 120, &out) < 0)
        return -1;
    wall = now_s() - t0;
    doc = json_loads(out.out, 0, NULL);
    *queries = doc ? (long)json_integer_value(json_object_get(doc, "queries")) : -1;
    json_decref(doc);
    test_out_free(&out);
    return wall;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median wall of RUNS audits through spec. */
#define RUNS 5
static double median_audit(const char *spec, long *queries)
{
    double w[RUNS];

    for (int i = 0; i < RUNS; i++)
        if ((w[i] = one_audit(spec, queries)) < 0)
            return -1;
    qsort(w, RUNS, sizeof w[0], cmp_double);
    return w[RUNS / 2];
}

/* The same audit straight to NSD (process start, CPU, loopback: what no
 * network delay explains) and through the delaying relay; the difference
 * over the delay is the sequential round trips the audit waits for. */
static int round_trips(const struct test_nsd *nsd)
{
    struct test_relay relay;
    double direct, delayed;
    long queries;

    if ((direct = median_audit(nsd->spec, &queries)) < 0 ||
        test_relay_start(&relay, nsd->spec, DELAY_MS, NULL) < 0)
        return 1;
    delayed = median_audit(relay.spec, &queries);
    test_relay_stop(&relay);
    if (delayed < 0)
        return 1;
    printf("audit of good.example through a %d ms relay (include depth 0), median of %d:\n",
           DELAY_MS, RUNS);
    printf("  wall %.0f ms, %.0f ms without the relay: %.1f sequential round trips "
           "(goal: <= 3), %ld queries asked\n", delayed * 1000, direct * 1000,
           (delayed - direct) * 1000 / DELAY_MS, queries);
    printf("  wall / delay, process start included: %.1f\n", delayed * 1000 / DELAY_MS);
    return 0;
}

/* A zone dir: the test zones plus bulk.example with BULK domains like
 * good.example; and the list file. */
static int make_bulk(char *dir, size_t dirlen, char *list, size_t listlen)
{
    char path[1024];
    FILE *z, *l;

    snprintf(dir, dirlen, "/tmp/mailctl-bulk-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "cp %s/zones/*.zone %s/", test_datadir(), dir);
    if (system(path) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/bulk.example.zone", dir);
    snprintf(list, listlen, "%s/domains.txt", dir);
    z = fopen(path, "w");
    l = fopen(list, "w");
    if (!z || !l)
        return -1;
    fprintf(z, "$ORIGIN bulk.example.\n$TTL 3600\n@ IN SOA ns1 hm 1 7200 3600 1209600 300\n"
               "@ IN NS ns1\nns1 IN A 192.0.2.53\nmail IN A 192.0.2.10\n");
    for (int i = 0; i < BULK; i++) {
        fprintf(z, "d%d IN MX 10 mail.good.example.\n"
                   "d%d IN TXT \"v=spf1 mx -all\"\n"
                   "_dmarc.d%d IN TXT \"v=DMARC1; p=reject; rua=mailto:r@d%d.bulk.example\"\n",
                i, i, i, i);
        fprintf(l, "d%d.bulk.example\n", i);
    }
    return fclose(z) | fclose(l);
}

struct question { char name[DNS_MAX_NAME + 2]; uint16_t type; };

/* The distinct questions of a tape (its "NAME TYPE ..." lines; CD=1
 * questions left out). */
static size_t tape_questions(const char *path, struct question **out)
{
    FILE *fp = fopen(path, "r");
    char line[70000];
    size_t n = 0, cap = 0;
    struct question *q = NULL;

    while (fp && fgets(line, sizeof line, fp)) {
        char name[300], type[16];
        if (line[0] == '#' || sscanf(line, "%299s %15s", name, type) != 2 || strchr(type, '+') ||
            strlen(name) > DNS_MAX_NAME)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            struct question *g = realloc(q, cap * sizeof *q);
            if (!g)
                break;
            q = g;
        }
        memcpy(q[n].name, name, strlen(name) + 1);   /* <= DNS_MAX_NAME, checked above */
        q[n++].type = (uint16_t)atoi(type);
    }
    if (fp)
        fclose(fp);
    *out = q;
    return n;
}

/* Questions/s NSD answers to total questions drawn round-robin from q,
 * sent by FLOOD_THREADS engines (no cache, FLOOD_INFLIGHT in flight each)
 * in batches of FLOOD_BATCH.  Of the shapes tried on this 2-core machine
 * (2x256 in one batch, 4x64, 8x32, 16x64 and 32x64 in batches of 64),
 * 16x64 got the most answers per second out of NSD. */
struct flood {
    const struct test_nsd *nsd;
    const struct question *q;
    size_t nq, first, total;
    int ok;
    unsigned long timeouts;
};

static void *flood_one(void *arg)
{
    struct flood *f = arg;
    const char *servers[1] = { f->nsd->spec };
    struct dns_engine_params p = { .servers = servers, .nservers = 1, .no_cache = true,
                                   .max_inflight = FLOOD_INFLIGHT };
    struct dns_engine *eng = NULL;
    struct dns_stats st;
    char err[200];

    if (dns_engine_new(&p, &eng, err, sizeof err) != AUTH_OK)
        return NULL;
    f->ok = 1;
    /* in batches the size of an audit round, as the audit sends them */
    for (size_t i = f->first; f->ok && i < f->first + f->total; i += FLOOD_BATCH) {
        struct dns_batch *b = dns_batch_new(eng);
        for (size_t k = i; b && k < i + FLOOD_BATCH && k < f->first + f->total; k++)
            dns_batch_add(b, f->q[k % f->nq].name, f->q[k % f->nq].type);
        f->ok = b && dns_batch_wait(b) == AUTH_OK;
        dns_batch_free(b);
    }
    dns_engine_stats(eng, &st);
    f->timeouts = st.timeouts;
    dns_engine_free(eng);
    return NULL;
}

static double flood_rate(const struct test_nsd *nsd, const struct question *q, size_t nq,
                         size_t total)
{
    struct flood f[FLOOD_THREADS];
    pthread_t th[FLOOD_THREADS];
    double t0 = now_s(), wall;
    unsigned long timeouts = 0;
    int ok = 1;

    for (int i = 0; i < FLOOD_THREADS; i++) {
        f[i] = (struct flood){ nsd, q, nq, total / FLOOD_THREADS * (size_t)i,
                               total / FLOOD_THREADS, 0, 0 };
        pthread_create(&th[i], NULL, flood_one, &f[i]);
    }
    for (int i = 0; i < FLOOD_THREADS; i++) {
        pthread_join(th[i], NULL);
        ok &= f[i].ok;
        timeouts += f[i].timeouts;
    }
    wall = now_s() - t0;
    if (timeouts)
        printf("  (flood: %lu tries timed out)\n", timeouts);
    return ok ? (double)(total / FLOOD_THREADS * FLOOD_THREADS) / wall : 0;
}

/* Sum of "queries" over the JSON lines of a bulk run. */
static long total_queries(const char *out)
{
    long sum = 0;

    for (const char *p = out; *p; ) {
        size_t n = strcspn(p, "\n");
        json_t *doc = json_loadb(p, n, 0, NULL);
        sum += doc ? (long)json_integer_value(json_object_get(doc, "queries")) : 0;
        json_decref(doc);
        p += n + (p[n] == '\n');
    }
    return sum;
}

/* One bulk audit of list; wall seconds, queries summed, report lines. */
static int bulk_run(const struct test_nsd *nsd, const char *list, const char *cache,
                    double *wall, long *queries, int *lines)
{
    struct test_out out;
    double t0;
    char *argv[] = { (char *)test_mailctl(), "--resolver", (char *)nsd->spec, "check-dns",
                     "--no-smtp", "--json", "--jobs", "32", "--dns-cache", (char *)cache,
                     "--file", (char *)list, NULL };

    t0 = now_s();
    if (test_run(argv, NULL, NULL, 0, 600, &out) < 0)
        return -1;
    *wall = now_s() - t0;
    *lines = 0;
    for (const char *p = out.out; (p = strchr(p, '\n')); p++)
        (*lines)++;
    *queries = total_queries(out.out);
    test_out_free(&out);
    return 0;
}

static int bulk(void)
{
    char dir[256], list[512], cmd[2048], tape[600];
    struct test_nsd nsd;
    struct test_out rec;
    struct question *q = NULL;
    double wall, wall0, flood, audit_qps;
    size_t nq;
    long queries, queries0;
    int lines, lines0;

    if (make_bulk(dir, sizeof dir, list, sizeof list) < 0 || test_nsd_start(&nsd, dir) < 0)
        return 1;
    snprintf(tape, sizeof tape, "%s/questions.tape", dir);
    char *rargv[] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--dns-record", tape,
                      "check-dns", "--no-smtp", "--json", "--jobs", "32", "--file", list, NULL };
    if (test_run(rargv, NULL, NULL, 0, 600, &rec) < 0) {      /* the questions asked */
        test_nsd_stop(&nsd);
        return 1;
    }
    test_out_free(&rec);
    nq = tape_questions(tape, &q);
    if (bulk_run(&nsd, list, "0", &wall0, &queries0, &lines0) < 0 ||
        bulk_run(&nsd, list, "100000", &wall, &queries, &lines) < 0) {
        test_nsd_stop(&nsd);
        return 1;
    }
    audit_qps = (double)queries / wall;
    flood = nq ? flood_rate(&nsd, q, nq, (size_t)queries) : 0;
    test_nsd_stop(&nsd);
    printf("bulk: %d domains audited (%d reports) in %.2f s = %.0f domains/s, "
           "%.1f questions/domain (%zu distinct in the run), --jobs 32, --no-smtp, local NSD\n",
           BULK, lines, wall, BULK / wall, (double)queries / BULK, nq);
    printf("  without the run-wide answer cache (--dns-cache 0, as before it): %.2f s = "
           "%.0f domains/s, %.1f questions/domain\n", wall0, BULK / wall0,
           (double)queries0 / BULK);
    printf("  NSD answered %.0f questions/s to the audit, %.0f/s to a raw flood of the same "
           "questions: %.2f of the flood (goal >= 0.9; noisy on a shared machine)\n",
           audit_qps, flood, flood > 0 ? audit_qps / flood : 0);
    free(q);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 && lines == BULK && lines0 == BULK ? 0 : 1;
}

int main(void)
{
    struct test_nsd nsd;
    int rc;

    if (test_nsd_start(&nsd, NULL) < 0)
        return 1;
    rc = round_trips(&nsd);
    test_nsd_stop(&nsd);
    return rc | bulk();
}
