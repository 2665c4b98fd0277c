/*
 * spf_eval.c - check_host() evaluations per second in-process against a
 * warm cache: the test NSD serves testdata/zones, one engine is warmed with
 * one evaluation of each request, then each request is evaluated in a loop.
 * The figure is the evaluator's own cost (parsing, macros, matching, trace),
 * the DNS answers coming from the engine's cache.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/spf.h"
#include "testenv.h"

struct req { const char *ip, *from, *label; };

static const struct req reqs[] = {
    {"198.51.100.9", "a@spf-tests.example", "include pass"},
    {"192.0.2.99", "a@exp.spf-tests.example", "fail + exp macro"},
    {"203.0.113.5", "a@over.spf-tests.example", "12-lookup permerror"},
    {"192.0.2.10", "a@ptr.spf-tests.example", "ptr"},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    struct test_nsd nsd;
    struct dns_engine *eng = NULL;
    const char *servers[1];
    struct dns_engine_params p = {0};
    char err[256];
    int rc = 0;

    if (test_nsd_start(&nsd, NULL) != 0)
        return 1;
    servers[0] = nsd.spec;
    p.servers = servers;
    p.nservers = 1;
    if (dns_engine_new(&p, &eng, err, sizeof err) != AUTH_OK) {
        fprintf(stderr, "engine: %s\n", err);
        test_nsd_stop(&nsd);
        return 1;
    }
    printf("check_host() in-process, warm cache (evaluations per second)\n");
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        struct spf_request r = { .mail_from = reqs[i].from, .helo = "mx.example.org" };
        struct spf_eval *ev = NULL;
        unsigned n = 0;
        double t0, t;
        if (auth_ip_parse(reqs[i].ip, &r.ip) != AUTH_OK)
            return 1;
        /* warm the cache; a failure shows in the timed loop below */
        auth_status_ignore(spf_check_host(eng, &r, &ev, err, sizeof err));
        spf_eval_free(ev);
        t0 = now();
        do {
            for (int k = 0; k < 200; k++, n++) {
                if (spf_check_host(eng, &r, &ev, err, sizeof err) != AUTH_OK) {
                    rc = 1;
                    break;
                }
                spf_eval_free(ev);
            }
            t = now() - t0;
        } while (t < 1.0 && rc == 0);
        printf("  %-22s %10.0f /s  (%u in %.2f s)\n", reqs[i].label, n / t, n, t);
    }
    dns_engine_free(eng);
    test_nsd_stop(&nsd);
    return rc;
}
