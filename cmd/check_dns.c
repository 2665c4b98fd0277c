/*
 * check_dns.c - `mailctl check-dns DOMAIN...`: the deliverability audit.
 *
 * Options per ../shared/cli.md.  This file parses them; the domains
 * (--file lists, - for stdin, then arguments) are streamed through a pool
 * of --jobs workers by check_dns_run.c, reports in input order (JSON: one
 * object per line; bulk runs as "Bulk audits at scale" says).  Exit: the
 * worst of the domains' gate results (cmd_exit_worse: 1 beats 2 beats 3
 * beats 0), those --resume read back included.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/name.h"
#include "check_dns.h"
#include "check_dns_run.h"
#include "../checks/probes.h"

#define MAX_JOBS    CHECK_DNS_MAX_JOBS
#define MAX_SMTP_PER_IP 64

enum { OPT_SELECTOR = OPT_GLOBAL_LAST + 1, OPT_IP, OPT_NO_SMTP, OPT_FAIL_ON, OPT_FILE,
       OPT_JOBS, OPT_EXPECT, OPT_FORMAT, OPT_SMTP_PORT, OPT_HTTPS_PORT, OPT_ALLOW_PRIVATE,
       OPT_DMARC_DISCOVERY, OPT_CHECKS, OPT_PROFILE, OPT_DNSBL, OPT_PORTS, OPT_PORT_MAP,
       OPT_SHARD, OPT_OUTPUT, OPT_RESUME, OPT_QPS, OPT_DNS_CACHE, OPT_SMTP_PER_IP,
       OPT_DKIM_DISCOVERY };

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl check-dns DOMAIN... [--selector S]... [--ip IP]... [--no-smtp]\n"
        "         [--fail-on warn|fail] [--file LIST|-]... [--jobs N] [--expect FILE]\n"
        "         [--format text|json|csv|junit|expect] [--smtp-port N] [--https-port N]\n"
        "         [--allow-private] [--dmarc-discovery treewalk|psl] [--checks FAMILY,...]\n"
        "         [--dnsbl ZONE]... [--profile gmail-bulk|yahoo-bulk|outlook-bulk|parked]\n"
        "         [--ports [--port-map PORT=TO,...]] [--shard K/N|auto]\n"
        "         [--output FILE [--resume]] [--qps N] [--dns-cache N] [--smtp-per-ip N]\n"
        "         [--dkim-discovery provider|common]\n\n"
        "Audit everything in DNS that decides whether a domain's mail is delivered:\n"
        "MX, reverse DNS, SPF, DKIM, DMARC and more; every finding has a stable id\n"
        "and, where one can be derived, the record to publish as its fix.\n"
        "exit: 0 nothing at or above --fail-on (default fail), 1 something is,\n"
        "      3 inconclusive (a lookup the verdict needs failed), 2 usage\n"
        "--expect FILE pins the accepted findings (lines \"DOMAIN ID SEVERITY\", as\n"
        "printed by --format expect): the gate then fails only when one appears or\n"
        "disappears.\n"
        "--dnsbl ZONE looks the MX and --ip addresses up in that DNS blocklist\n"
        "(repeatable; none by default, so no third-party list is asked unasked).\n"
        "--ports also runs `mailctl ports` against every MX address (25, 465, 587,\n"
        "993, 995, 110, 143); --port-map probes the service of PORT at TO (labs, tests).\n"
        "--timeout SEC also bounds each SMTP probe step and the MTA-STS fetch.\n"
        "Bulk (--file, --shard, --output): JSON is one object per line; duplicates are\n"
        "audited once; a line that is not a domain name is an error line.\n"
        "--shard K/N audits only the domains whose stable hash is K mod N; --shard auto\n"
        "takes K and N from a Slurm array job or a Kubernetes Indexed Job\n"
        "(JOB_COMPLETION_INDEX with MAILCTL_SHARDS).\n"
        "--output FILE writes the lines there, each whole or not at all; --resume\n"
        "continues a killed run: domains with a line in FILE are not audited again.\n"
        "--qps N sends at most N DNS queries a second for the whole run (retries\n"
        "included); SERVFAIL and timeouts are retried twice, backing off, before a\n"
        "lookup counts as failed.  The domains of a run share one DNS answer cache\n"
        "(TTLs respected); --dns-cache N bounds it to N answers (0: none shared).\n"
        "--smtp-per-ip N: at most N SMTP connections to one address at a time for\n"
        "the whole run (default 2); each MX address is probed once per run.\n"
        "--dkim-discovery provider (default) asks the selectors of the mail provider\n"
        "recognised from MX and SPF first, the common list only when they find no\n"
        "key; common asks the whole common list at once.\n"
        "\nexamples:\n"
        "  mailctl check-dns example.com --selector mail\n"
        "  mailctl check-dns example.com --profile gmail-bulk --fail-on warn\n"
        "  mailctl check-dns --file domains.txt --jobs 8 --format junit > audit.xml\n"));
}

static int parse_int(const char *arg, long lo, long hi, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

struct cli {
    struct audit_options opt;
    struct dns_engine_params dns;
    enum report_format fmt;
    enum finding_severity gate;
    long jobs;
    struct expect_pins *expect;
    char **domains;
    size_t ndomains;
    char *selector_store[AUDIT_MAX_SELECTORS];   /* --selector as A-labels */
    struct domain_list list;                     /* argv, then each --file */
    struct shard shard;
    const char *output;
    bool resume;
    double qps;                                  /* --qps, 0: no cap */
    long dns_cache;                              /* --dns-cache entries, 0: none */
    long smtp_per_ip;
};

/* --checks mx,spf: every name must be a family of the registry. */
static int take_checks(struct cli *c, const char *arg)
{
    if (!*arg)        /* running nothing and printing OK would be a lie */
        return cmd_error(EXIT_USAGE, "--checks needs at least one check family");
    for (const char *p = arg; *p; ) {
        size_t len = strcspn(p, ","), k;
        for (k = 0; k < audit_ncheck; k++)
            if (strlen(audit_checks[k].family) == len &&
                !strncmp(audit_checks[k].family, p, len))
                break;
        if (k == audit_ncheck || !len)
            return cmd_error(EXIT_USAGE, "--checks: unknown check family '%.*s'", (int)len, p);
        p += len + (p[len] == ',');
    }
    c->opt.only = arg;
    return EXIT_OK;
}

/* --selector S, kept as its A-label (a U-label selector is looked up as
 * one, RFC 8616 4). */
static int add_selector(struct cli *c, const char *arg)
{
    char alabel[AUTH_NAME_MAX];
    int rc = cmd_selector_arg("--selector", arg, alabel, sizeof alabel);

    if (rc != EXIT_OK)
        return rc;
    if (!(c->selector_store[c->opt.nselectors] = strdup(alabel)))
        return cmd_error(EXIT_RUNTIME, "out of memory");
    c->opt.selectors[c->opt.nselectors] = c->selector_store[c->opt.nselectors];
    c->opt.nselectors++;
    return EXIT_OK;
}

static int take_option(struct cli *c, int opt, const char *arg)
{
    long v;

    switch (opt) {
    case OPT_SELECTOR:
        if (c->opt.nselectors >= AUDIT_MAX_SELECTORS)
            return cmd_error(EXIT_USAGE, "too many --selector options");
        return add_selector(c, arg);
    case OPT_IP:
        if (c->opt.nips >= AUDIT_MAX_IPS)
            return cmd_error(EXIT_USAGE, "too many --ip options");
        if (auth_ip_parse(arg, &c->opt.ips[c->opt.nips]) != AUTH_OK)
            return cmd_error(EXIT_USAGE, "--ip '%s' is not an IPv4 or IPv6 address", arg);
        c->opt.nips++;
        return EXIT_OK;
    case OPT_NO_SMTP: c->opt.no_smtp = true; return EXIT_OK;
    case OPT_ALLOW_PRIVATE: c->opt.allow_private = true; return EXIT_OK;
    case OPT_FAIL_ON:
        if (strcmp(arg, "warn") && strcmp(arg, "fail") && strcmp(arg, "info"))
            return cmd_error(EXIT_USAGE, "--fail-on takes warn or fail, not '%s'", arg);
        c->gate = (enum finding_severity)auth_finding_severity_parse(arg);
        return EXIT_OK;
    case OPT_FILE:
        if (c->list.nfiles >= DOMAIN_LIST_MAX_FILES)
            return cmd_error(EXIT_USAGE, "too many --file options (at most %d)",
                             DOMAIN_LIST_MAX_FILES);
        c->list.files[c->list.nfiles++] = arg;
        return EXIT_OK;
    case OPT_SHARD: return shard_parse(arg, getenv, &c->shard);
    case OPT_OUTPUT: c->output = arg; return EXIT_OK;
    case OPT_RESUME: c->resume = true; return EXIT_OK;
    case OPT_SMTP_PER_IP:
        if (parse_int(arg, 1, MAX_SMTP_PER_IP, &c->smtp_per_ip) < 0)
            return cmd_error(EXIT_USAGE, "--smtp-per-ip takes 1 to %d, not '%s'",
                             MAX_SMTP_PER_IP, arg);
        return EXIT_OK;
    case OPT_DKIM_DISCOVERY:
        if (strcmp(arg, "provider") && strcmp(arg, "common"))
            return cmd_error(EXIT_USAGE, "--dkim-discovery takes provider or common, not '%s'",
                             arg);
        c->opt.dkim_all_selectors = !strcmp(arg, "common");
        return EXIT_OK;
    case OPT_JOBS:
        if (parse_int(arg, 1, MAX_JOBS, &c->jobs) < 0)
            return cmd_error(EXIT_USAGE, "--jobs takes 1 to %d", MAX_JOBS);
        return EXIT_OK;
    case OPT_EXPECT:
        if (c->expect)
            return cmd_error(EXIT_USAGE, "--expect is given once");
        return expect_load(arg, &c->expect);
    case OPT_CHECKS: return take_checks(c, arg);
    case OPT_PROFILE:
        if (!audit_profile_exists(arg))
            return cmd_error(EXIT_USAGE, "--profile takes %s, not '%s'", audit_profile_names(),
                             arg);
        c->opt.profile = arg;
        return EXIT_OK;
    case OPT_FORMAT:
        if (!strcmp(arg, "text")) c->fmt = FORMAT_TEXT;
        else if (!strcmp(arg, "json")) c->fmt = FORMAT_JSON;
        else if (!strcmp(arg, "junit")) c->fmt = FORMAT_JUNIT;
        else if (!strcmp(arg, "expect")) c->fmt = FORMAT_EXPECT;
        else if (!strcmp(arg, "csv")) c->fmt = FORMAT_CSV;
        else return cmd_error(EXIT_USAGE, "--format takes text, json, csv, junit or expect, "
                              "not '%s'", arg);
        return EXIT_OK;
    case OPT_SMTP_PORT:
    case OPT_HTTPS_PORT:
        if (parse_int(arg, 1, 65535, &v) < 0)
            return cmd_error(EXIT_USAGE, "bad port '%s'", arg);
        *(opt == OPT_SMTP_PORT ? &c->opt.smtp_port : &c->opt.https_port) = (int)v;
        return EXIT_OK;
    case OPT_DNSBL: {
        char err[200];
        if (c->opt.ndnsbl >= AUDIT_MAX_DNSBL)
            return cmd_error(EXIT_USAGE, "too many --dnsbl options (at most %d)", AUDIT_MAX_DNSBL);
        if (dns_name_check(arg, err, sizeof err) != AUTH_OK || strlen(arg) > 180)
            return cmd_error(EXIT_USAGE, "bad --dnsbl zone '%.80s': %s", arg,
                             strlen(arg) > 180 ? "too long" : err);
        c->opt.dnsbl[c->opt.ndnsbl++] = arg;
        return EXIT_OK;
    }
    case OPT_QPS:
        if (parse_int(arg, 1, 10000000, &v) < 0)
            return cmd_error(EXIT_USAGE, "--qps takes 1 to 10000000 queries a second, not '%s'",
                             arg);
        c->qps = (double)v;
        return EXIT_OK;
    case OPT_DNS_CACHE:
        if (parse_int(arg, 0, 100000000, &c->dns_cache) < 0)
            return cmd_error(EXIT_USAGE, "--dns-cache takes 0 to 100000000 answers, not '%s'",
                             arg);
        return EXIT_OK;
    case OPT_PORTS: c->opt.ports = true; return EXIT_OK;
    case OPT_PORT_MAP:
        if (ports_parse_map(arg, &c->opt.port_map) < 0)
            return cmd_error(EXIT_USAGE, "bad --port-map '%.80s': PORT=TO[,PORT=TO]... (at "
                             "most %d)", arg, PORTS_MAP_MAX);
        return EXIT_OK;
    case OPT_DMARC_DISCOVERY:
        if (strcmp(arg, "treewalk") && strcmp(arg, "psl"))
            return cmd_error(EXIT_USAGE, "--dmarc-discovery takes treewalk or psl");
        c->opt.dmarc_discovery = arg;
        return EXIT_OK;
    }
    return cmd_usage_error("check-dns", "unknown option");
}

static bool is_bulk(const struct cli *c)
{
    return c->list.nfiles || c->shard.n || c->output;
}

static int parse_args(struct cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"selector", required_argument, NULL, OPT_SELECTOR},
        {"ip", required_argument, NULL, OPT_IP},
        {"no-smtp", no_argument, NULL, OPT_NO_SMTP},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"file", required_argument, NULL, OPT_FILE},
        {"jobs", required_argument, NULL, OPT_JOBS},
        {"expect", required_argument, NULL, OPT_EXPECT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"smtp-port", required_argument, NULL, OPT_SMTP_PORT},
        {"https-port", required_argument, NULL, OPT_HTTPS_PORT},
        {"allow-private", no_argument, NULL, OPT_ALLOW_PRIVATE},
        {"dmarc-discovery", required_argument, NULL, OPT_DMARC_DISCOVERY},
        {"checks", required_argument, NULL, OPT_CHECKS},
        {"dnsbl", required_argument, NULL, OPT_DNSBL},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"ports", no_argument, NULL, OPT_PORTS},
        {"port-map", required_argument, NULL, OPT_PORT_MAP},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"qps", required_argument, NULL, OPT_QPS},
        {"dns-cache", required_argument, NULL, OPT_DNS_CACHE},
        {"smtp-per-ip", required_argument, NULL, OPT_SMTP_PER_IP},
        {"dkim-discovery", required_argument, NULL, OPT_DKIM_DISCOVERY},
        {NULL, 0, NULL, 0},
    };
    int opt, rc;

    while ((opt = cmd_getopt(argc, argv, "vqh", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        if (opt == 'h' || opt == OPT_HELP) {
            usage(stdout);
            return -1;
        }
        if ((rc = take_option(c, opt, optarg)) != EXIT_OK)
            return rc;
    }
    for (int i = optind; i < argc; i++) {
        char **nl = realloc(c->domains, (c->ndomains + 1) * sizeof *nl);
        if (!nl || !(nl[c->ndomains] = strdup(argv[i])))
            return cmd_error(EXIT_RUNTIME, "out of memory");
        c->domains = nl;
        c->ndomains++;
    }
    if (!c->ndomains && !c->list.nfiles)
        return cmd_usage_error("check-dns", "check-dns needs at least one domain");
    if (c->resume && !c->output)
        return cmd_usage_error("check-dns", "--resume needs --output FILE");
    if (c->output && (c->fmt == FORMAT_JUNIT || c->fmt == FORMAT_EXPECT))
        return cmd_usage_error("check-dns", "--output writes JSON lines or CSV, not --format "
                               "%s", c->fmt == FORMAT_JUNIT ? "junit" : "expect");
    /* In bulk, a bad name is one error line and the run goes on; otherwise
     * it stops the run before any audit. */
    for (size_t i = 0; i < c->ndomains && !is_bulk(c); i++) {
        char alabel[AUTH_NAME_MAX];
        int rc2 = cmd_domain_arg("domain", c->domains[i], alabel, sizeof alabel);

        if (rc2 != EXIT_OK)
            return rc2;
        if (strcmp(alabel, c->domains[i]) != 0) {
            char *conv = strdup(alabel);
            if (!conv)
                return cmd_error(EXIT_RUNTIME, "out of memory");
            free(c->domains[i]);
            c->domains[i] = conv;
        }
    }
    if (c->opt.port_map.nmap && !c->opt.ports)
        return cmd_usage_error("check-dns", "--port-map needs --ports");
    if ((g_opts.json || c->output) && c->fmt == FORMAT_TEXT)
        c->fmt = FORMAT_JSON;
    c->list.args = c->domains;
    c->list.nargs = c->ndomains;
    g_opts.machine = c->fmt != FORMAT_TEXT;   /* JUnit, expect: findings in English */
    return EXIT_OK;
}

/* Resolver settings for the per-family engines, as cmd_dns_engine() does. */
static int engine_params(struct cli *c)
{
    struct dns_engine *probe = NULL;
    int rc = cmd_dns_engine(&probe);      /* validates env and flags */

    if (rc != EXIT_OK)
        return rc;
    dns_engine_free(probe);
    c->dns.servers = g_opts.resolvers;
    c->dns.nservers = g_opts.nresolvers;
    cmd_dns_timeouts(&c->dns);
    if ((rc = cmd_dns_tape(&c->dns.tape)) != EXIT_OK)
        return rc;
    c->opt.dns = &c->dns;
    c->opt.ca_file = g_opts.ca_file ? g_opts.ca_file : getenv("SSL_CERT_FILE");
    c->opt.probe_timeout_ms = g_opts.timeout_ms;
    return EXIT_OK;
}

/* Each job audits one domain with one DNS engine per check family (DNSSEC
 * has a second), each using a socket per query in flight, plus the SMTP and
 * port probes.  Fit that under the descriptor limit: fewer queries in
 * flight per engine first (down to 2), then fewer jobs; say so once. */
#define MIN_INFLIGHT 2
static long fit_to_descriptors(void *ctx, size_t ndomains)
{
    struct cli *c = ctx;
    long budget = cmd_fd_budget(), engines = 1, probes = 8, jobs = c->jobs, need;
    unsigned inflight = 256;

    for (size_t i = 0; i < audit_ncheck; i++)
        engines += audit_family_selected(c->opt.only, audit_checks[i].family);
    probes += (c->opt.no_smtp ? 0 : 16) + (c->opt.ports ? 32 : 0);
    if (ndomains < (size_t)jobs)
        jobs = ndomains ? (long)ndomains : 1;
    while (inflight > MIN_INFLIGHT && jobs * (engines * inflight + probes) > budget)
        inflight /= 2;
    need = engines * inflight + probes;
    if (jobs * need > budget)
        jobs = budget / need > 1 ? budget / need : 1;
    if (inflight < 256)
        c->dns.max_inflight = inflight;
    if (jobs < c->jobs && (size_t)jobs < ndomains)
        cmd_warn("--jobs %ld lowered to %ld: the descriptor limit (ulimit -n) leaves room for "
                 "%ld sockets", c->jobs, jobs, budget > 0 ? budget : 0);
    return jobs > 0 ? jobs : 1;
}

/* The run's shared DNS answer cache and --qps bucket, in the engines'
 * parameters (every engine of every job shares them). */
static int shared_dns_open(struct cli *c)
{
    struct dns_answer_cache_params cp = { .max_entries = (size_t)c->dns_cache };

    if (c->dns_cache && dns_answer_cache_new(&cp, &c->dns.cache) != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    if (c->qps && !(c->dns.rate = dns_rate_new(c->qps, NULL, NULL)))
        return cmd_error(EXIT_RUNTIME, "out of memory");
    return EXIT_OK;
}

static void shared_dns_close(struct cli *c)
{
    if (c->dns.cache && g_opts.verbose > 0) {
        struct dns_answer_cache_stats st;
        dns_answer_cache_stats(c->dns.cache, &st);
        fprintf(stderr, _("mailctl: DNS answer cache: %lu hits, %lu misses, %lu evictions, "
                          "%lu expired, %lu waits, %zu answers kept (%zu bytes)\n"),
                st.hits, st.misses, st.evictions, st.expired, st.waits, st.entries, st.bytes);
    }
    if (c->dns.rate && g_opts.verbose > 0) {
        unsigned long granted, refused;
        dns_rate_counts(c->dns.rate, &granted, &refused);
        fprintf(stderr, _("mailctl: --qps: %lu queries sent, %lu waits for a token\n"),
                granted, refused);
    }
    dns_answer_cache_free(c->dns.cache);
    dns_rate_free(c->dns.rate);
    c->dns.cache = NULL;
    c->dns.rate = NULL;
}

/* Run the stream with the output the format asks for; rc of the run. */
static int run(struct cli *c)
{
    struct domain_set seen = {0};
    struct bulk_out out;
    int rc = EXIT_OK, readback = EXIT_OK;
    bool lines = c->fmt == FORMAT_CSV || c->output ||
                 (c->fmt == FORMAT_JSON && (is_bulk(c) || c->ndomains > 1));
    struct check_dns_run r = {
        .opt = &c->opt, .fmt = c->fmt, .gate = c->gate, .jobs = c->jobs, .list = &c->list,
        .shard = c->shard, .seen = &seen, .out = lines ? &out : NULL,
        .progress = isatty(STDERR_FILENO) && is_bulk(c) && g_opts.verbose >= 0,
        .keep = c->fmt == FORMAT_JUNIT || c->expect, .fit = fit_to_descriptors, .fit_ctx = c,
    };

    /* one probe cache for every domain, at most --smtp-per-ip per address */
    c->opt.probes = audit_probes_new(0, (unsigned)c->smtp_per_ip);
    if (!c->opt.probes)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    if (lines)
        rc = bulk_out_open(&out, c->output, c->fmt == FORMAT_CSV ? BULK_CSV : BULK_JSON,
                           c->resume, &seen, &readback);
    if (rc == EXIT_OK)
        rc = check_dns_stream(&r);
    if (rc != EXIT_RUNTIME || !lines || !out.failed)
        rc = cmd_exit_worse(rc, readback);      /* the domains read back count too */
    if (c->fmt == FORMAT_JUNIT)
        report_junit(r.kept, r.nkept, c->gate);
    if (c->expect && r.kept && rc != EXIT_USAGE) {
        int e = expect_compare(c->expect, r.kept, r.nkept);
        rc = e == EXIT_OK ? (rc == EXIT_PROBLEM ? EXIT_OK : rc) : e;
    }
    for (size_t i = 0; i < r.nkept; i++)
        audit_result_free(r.kept[i]);
    free(r.kept);
    if (lines)
        bulk_out_close(&out);
    domain_set_free(&seen);
    audit_probes_free(c->opt.probes);
    c->opt.probes = NULL;
    return rc;
}

int cmd_check_dns(int argc, char **argv)
{
    struct cli c = { .gate = SEV_FAIL, .jobs = 8, .dns_cache = 100000, .smtp_per_ip = 2 };
    int rc = parse_args(&c, argc, argv);

    if (rc == EXIT_OK)
        rc = engine_params(&c);
    if (rc == EXIT_OK)
        rc = shared_dns_open(&c);
    if (rc == EXIT_OK)
        rc = run(&c);
    shared_dns_close(&c);
    for (size_t i = 0; i < c.ndomains; i++)
        free(c.domains[i]);
    for (size_t k = 0; k < c.opt.nselectors; k++)
        free(c.selector_store[k]);
    free(c.domains);
    expect_free(c.expect);
    return rc < 0 ? EXIT_OK : rc;
}

/* The values of --checks (the audit's registry) and --profile, for
 * `mailctl --list-options check-dns` (cmd_set_value_lister). */
void check_dns_list_values(const char *command, const char *option)
{
    if (strcmp(command, "check-dns") != 0)
        return;
    if (strcmp(option, "checks") == 0)
        for (size_t i = 0; i < audit_ncheck; i++)
            printf("%s%s", i ? "|" : "", audit_checks[i].family);
    if (strcmp(option, "profile") == 0)
        for (const char *p = audit_profile_names(); *p; p++)
            if (*p != ' ')
                putchar(*p == ',' ? '|' : *p);
}
