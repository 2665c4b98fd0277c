/*
 * polite.c - a polite fleet audit (issue 16, bench (b) and the DKIM
 * selector questions):
 * (b) BENCH_POLITE_DOMAINS (default 1,000) generated domains, each with an
 *     MX name of its own, the names spread over 4 addresses (127.0.0.1 to
 *     127.0.0.4) where one test Postfix listens on the same port (a run has
 *     one --smtp-port, so 4 MX addresses means 4 loopback addresses, not 4
 *     ports).  A full check-dns with SMTP probes: the SMTP connections each
 *     address saw (Postfix's own log, one syslog name per address; goal: at
 *     most 2 per address per run) and domains/s.
 * (d) the same number of domains hosted like Microsoft 365, Google
 *     Workspace, SendGrid (recognised from MX or SPF) and on their own
 *     servers, a quarter each, audited with --no-smtp: DNS questions per
 *     domain with --dkim-discovery common (the whole common list, as
 *     before) and with the default (the provider's selectors first), for
 *     the DKIM family alone and for the whole audit.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testbench.h"
#include "testenv.h"
#include "testpostfix.h"

#define NADDR 4
#define KEY "\"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAbenchkey\""

static long env_count(const char *name, long def)
{
    const char *v = getenv(name);
    long n = v ? strtol(v, NULL, 10) : 0;
    return n > 0 ? n : def;
}

static void zone_head(FILE *z, const char *origin)
{
    fprintf(z, "$ORIGIN %s.\n$TTL 3600\n@ IN SOA ns1 hm 1 7200 3600 1209600 300\n"
               "@ IN NS ns1\nns1 IN A 192.0.2.53\n", origin);
}

/* hosted.example: dN with MX mx.dN on 127.0.0.(N%4+1); prov.example: the
 * provider-like quarters; the two lists; the test zones for PTRs and the
 * DMARC tree walk's last step (example). */
static int make_zones(char *dir, size_t dirlen, long n)
{
    char path[1024];
    FILE *h, *p, *lh, *lp;

    snprintf(dir, dirlen, "/tmp/mailctl-politebench-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    chmod(dir, 0755);
    snprintf(path, sizeof path, "cp %1$s/zones/127.in-addr.arpa.zone %1$s/zones/example.zone %2$s/",
             test_datadir(), dir);
    if (system(path) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/hosted.example.zone", dir);
    h = fopen(path, "w");
    snprintf(path, sizeof path, "%s/prov.example.zone", dir);
    p = fopen(path, "w");
    snprintf(path, sizeof path, "%s/hosted.txt", dir);
    lh = fopen(path, "w");
    snprintf(path, sizeof path, "%s/prov.txt", dir);
    lp = fopen(path, "w");
    if (!h || !p || !lh || !lp)
        return -1;
    zone_head(h, "hosted.example");
    zone_head(p, "prov.example");
    for (long i = 0; i < n; i++) {
        fprintf(h, "d%ld IN MX 10 mx.d%ld\nmx.d%ld IN A 127.0.0.%ld\n"
                   "d%ld IN TXT \"v=spf1 mx -all\"\n"
                   "_dmarc.d%ld IN TXT \"v=DMARC1; p=reject\"\n", i, i, i, i % NADDR + 1, i, i);
        fprintf(lh, "d%ld.hosted.example\n", i);
        switch (i % 4) {
        case 0:
            fprintf(p, "p%ld IN MX 0 p%ld-prov-example.mail.protection.outlook.com.\n"
                       "p%ld IN TXT \"v=spf1 include:spf.protection.outlook.com -all\"\n"
                       "selector1._domainkey.p%ld IN TXT " KEY "\n", i, i, i, i);
            break;
        case 1:
            fprintf(p, "p%ld IN MX 1 smtp.google.com.\n"
                       "p%ld IN TXT \"v=spf1 include:_spf.google.com ~all\"\n"
                       "google._domainkey.p%ld IN TXT " KEY "\n", i, i, i);
            break;
        case 2:
            fprintf(p, "p%ld IN MX 10 mail.p%ld\nmail.p%ld IN A 192.0.2.25\n"
                       "p%ld IN TXT \"v=spf1 mx include:sendgrid.net -all\"\n"
                       "s1._domainkey.p%ld IN TXT " KEY "\n", i, i, i, i, i);
            break;
        default:
            fprintf(p, "p%ld IN MX 10 mail.p%ld\nmail.p%ld IN A 192.0.2.26\n"
                       "p%ld IN TXT \"v=spf1 mx -all\"\n"
                       "default._domainkey.p%ld IN TXT " KEY "\n", i, i, i, i, i);
        }
        fprintf(p, "_dmarc.p%ld IN TXT \"v=DMARC1; p=none\"\n", i);
        fprintf(lp, "p%ld.prov.example\n", i);
    }
    return fclose(h) | fclose(p) | fclose(lh) | fclose(lp);
}

/* Postfix's sessions on one address ("connect from" lines, less the
 * connections dropped before a word, as banner waits and markers are): a
 * syslog name of its own (postfix/aK), postfix/smtpd for 127.0.0.1. */
static long log_connects(const char *maillog, int k)
{
    char tag[32], line[2048];
    FILE *fp = fopen(maillog, "r");
    long n = 0;

    if (!fp)
        return -1;
    if (k == 1)
        snprintf(tag, sizeof tag, " postfix/smtpd[");
    else
        snprintf(tag, sizeof tag, " postfix/a%d/smtpd[", k);
    while (fgets(line, sizeof line, fp))        /* sessions, not port checks */
        n += strstr(line, tag) && strstr(line, ": connect from ") ? 1
           : strstr(line, tag) && strstr(line, "lost connection after CONNECT") ? -1 : 0;
    fclose(fp);
    return n;
}

static int bench_b(const struct test_nsd *nsd, const char *dir, long n)
{
    struct test_postfix pf;
    struct test_postfix_opts o = { .extra_addresses = NADDR - 1 };
    char list[600], out[600], port[16];
    long before[NADDR + 1], total_before, total_after, q, lines;
    double wall = 0;
    int rc;

    if (test_postfix_start_opts(&pf, "hosted.example", &o) < 0)
        return 1;
    snprintf(port, sizeof port, "%d", pf.port);
    snprintf(list, sizeof list, "%s/hosted.txt", dir);
    snprintf(out, sizeof out, "%s/hosted.jsonl", dir);
    total_before = test_postfix_connections(&pf, 30);
    for (int k = 1; k <= NADDR; k++)
        before[k] = log_connects(pf.maillog, k);
    char *argv[] = { (char *)test_mailctl(), "--resolver", (char *)nsd->spec, "--ca-file",
                     pf.ca.ca_file, "check-dns", "--jobs", "32", "--file", list, "--json",
                     "--smtp-port", port, "--allow-private", NULL };
    rc = test_run_measured(argv, out, &wall, NULL);
    total_after = test_postfix_connections(&pf, 30);
    lines = test_jsonl_count(out, &q);
    printf("(b) %ld domains, each its own MX name, on %d MX addresses (127.0.0.1-%d, one "
           "Postfix), full audit with SMTP, --jobs 32: exit %d\n", n, NADDR, NADDR, rc);
    printf("    %.0f domains/s (%.2f s), %ld lines, %.1f DNS questions/domain\n",
           wall > 0 ? (double)lines / wall : 0.0, wall, lines,
           lines > 0 ? (double)q / (double)lines : 0.0);
    printf("    SMTP connections: %ld in all (goal: at most %d, 2 per address)",
           total_after - total_before, 2 * NADDR);
    for (int k = 1; k <= NADDR; k++)
        printf("%s127.0.0.%d: %ld", k == 1 ? "; " : ", ", k,
               log_connects(pf.maillog, k) - before[k]);
    printf("\n");
    if (getenv("BENCH_POLITE_KEEP"))
        test_sh(NULL, "cp %s %s/maillog", pf.maillog, dir);
    test_postfix_stop(&pf);
    return rc == 0 || rc == 1 ? 0 : 1;
}

/* Average questions per domain of a --no-smtp run over the provider list. */
static double questions(const struct test_nsd *nsd, const char *dir, const char *checks,
                        const char *discovery, double *rate)
{
    char list[600], out[600];
    double wall = 0;
    long q, lines;
    char *argv[16] = { (char *)test_mailctl(), "--resolver", (char *)nsd->spec, "check-dns",
                       "--no-smtp", "--jobs", "32", "--file", list, "--json",
                       "--dkim-discovery", (char *)discovery };
    int n = 12;

    if (checks) {
        argv[n++] = "--checks";
        argv[n++] = (char *)checks;
    }
    argv[n] = NULL;
    snprintf(list, sizeof list, "%s/prov.txt", dir);
    snprintf(out, sizeof out, "%s/prov-%s.jsonl", dir, discovery);
    if (test_run_measured(argv, out, &wall, NULL) < 0 ||
        (lines = test_jsonl_count(out, &q)) <= 0)
        return -1;
    *rate = wall > 0 ? (double)lines / wall : 0;
    return (double)q / (double)lines;
}

static void bench_dkim(const struct test_nsd *nsd, const char *dir, long n)
{
    double r1, r2, r3, r4;
    double d_before = questions(nsd, dir, "dkim", "common", &r1);
    double d_after = questions(nsd, dir, "dkim", "provider", &r2);
    double a_before = questions(nsd, dir, NULL, "common", &r3);
    double a_after = questions(nsd, dir, NULL, "provider", &r4);

    printf("(d) DKIM selector discovery, %ld domains (Microsoft 365, Google Workspace, "
           "SendGrid, own servers: a quarter each), --no-smtp:\n", n);
    printf("    DKIM family alone: %.1f questions/domain with the common list at once, "
           "%.1f with the provider's selectors first\n", d_before, d_after);
    printf("    whole audit:       %.1f questions/domain before, %.1f after "
           "(%.0f and %.0f domains/s)\n", a_before, a_after, r3, r4);
}

int main(int argc, char **argv)
{
    long n = env_count("BENCH_POLITE_DOMAINS", 1000);
    char dir[256];
    struct test_nsd nsd;
    int rc;

    (void)argc;
    (void)argv;
    if (make_zones(dir, sizeof dir, n) < 0 || test_nsd_start(&nsd, dir) < 0) {
        fprintf(stderr, "polite bench: set-up failed\n");
        return 1;
    }
    rc = bench_b(&nsd, dir, n);
    bench_dkim(&nsd, dir, n);
    test_nsd_stop(&nsd);
    if (getenv("BENCH_POLITE_KEEP"))
        fprintf(stderr, "kept %s\n", dir);
    else {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            rc = 1;
    }
    return rc;
}
