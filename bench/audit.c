/*
 * audit.c - what parallel stages buy the check-dns audit.
 *
 * (a) Round trips: the real test NSD behind dns-relay adding a fixed delay
 *     to every answer; one full audit of good.example (all families but the
 *     SMTP probe); wall time / delay = sequential round trips, printed beside
 *     the number of queries the audit asked.  Goal: round trips <= include
 *     depth + 3.
 * (b) Bulk: 1,000 generated domains (each like good.example) audited with
 *     `check-dns --file LIST --jobs N` against the local NSD; domains/s.
 *     Goal: >= 200 domains/s on this 2-core machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "relay.h"
#include "testenv.h"

#define DELAY_MS 50
#define BULK 1000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int round_trips(const struct test_nsd *nsd)
{
    struct test_relay relay;
    struct test_out out;
    json_t *doc;
    double t0, wall;
    long queries;

    if (test_relay_start(&relay, nsd->spec, DELAY_MS, NULL) < 0)
        return 1;
    char *argv[] = { (char *)test_mailctl(), "--resolver", relay.spec, "check-dns",
                     "--no-smtp", "--json", "good.example", NULL };
    t0 = now_s();
    if (test_run(argv, NULL, NULL, 0, 120, &out) < 0) {
        test_relay_stop(&relay);
        return 1;
    }
    wall = now_s() - t0;
    test_relay_stop(&relay);
    doc = json_loads(out.out, 0, NULL);
    queries = doc ? (long)json_integer_value(json_object_get(doc, "queries")) : -1;
    printf("audit of good.example through a %d ms relay (include depth 0):\n", DELAY_MS);
    printf("  wall %.0f ms = %.1f sequential round trips, %ld queries asked  "
           "(queries/round trips %.1f; goal: round trips <= 3)\n",
           wall * 1000, wall * 1000 / DELAY_MS, queries,
           (double)queries / (wall * 1000 / DELAY_MS));
    json_decref(doc);
    test_out_free(&out);
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

static int bulk(void)
{
    char dir[256], list[512], cmd[2048];
    struct test_nsd nsd;
    struct test_out out;
    double t0, wall;
    int lines = 0;

    if (make_bulk(dir, sizeof dir, list, sizeof list) < 0 || test_nsd_start(&nsd, dir) < 0)
        return 1;
    char *argv[] = { (char *)test_mailctl(), "--resolver", nsd.spec, "check-dns", "--no-smtp",
                     "--json", "--jobs", "32", "--file", list, NULL };
    t0 = now_s();
    if (test_run(argv, NULL, NULL, 0, 600, &out) < 0) {
        test_nsd_stop(&nsd);
        return 1;
    }
    wall = now_s() - t0;
    test_nsd_stop(&nsd);
    for (const char *p = out.out; (p = strchr(p, '\n')); p++)
        lines++;
    printf("bulk: %d domains audited (%d reports) in %.2f s = %.0f domains/s "
           "(goal >= 200/s), --jobs 32, local NSD\n", BULK, lines, wall, BULK / wall);
    test_out_free(&out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 && lines == BULK ? 0 : 1;
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
