/*
 * check_dns.c - `mailctl check-dns DOMAIN...`: the deliverability audit.
 *
 * Options per ../shared/cli.md.  Several domains (arguments, --file LIST,
 * --file - for stdin) run through a pool of --jobs workers; reports come out
 * in input order (JSON: one object per line).  Exit: the worst of the
 * domains' gate results (cmd_exit_worse: 1 beats 2 beats 3 beats 0).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/name.h"
#include "check_dns.h"

#define MAX_DOMAINS 1000000
#define MAX_JOBS    256
#define DOMAIN_LINE_MAX 4096               /* a name and a comment */
#define DOMAIN_FILE_MAX (256u << 20)

enum { OPT_SELECTOR = OPT_GLOBAL_LAST + 1, OPT_IP, OPT_NO_SMTP, OPT_FAIL_ON, OPT_FILE,
       OPT_JOBS, OPT_EXPECT, OPT_FORMAT, OPT_SMTP_PORT, OPT_HTTPS_PORT, OPT_ALLOW_PRIVATE,
       OPT_DMARC_DISCOVERY, OPT_CHECKS, OPT_PROFILE, OPT_DNSBL, OPT_PORTS, OPT_PORT_MAP };

struct job_state {
    char **domains;
    size_t n, next, done;
    struct audit_result **results;
    char **errors;
    const struct audit_options *opt;
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl check-dns DOMAIN... [--selector S]... [--ip IP]... [--no-smtp]\n"
        "         [--fail-on warn|fail] [--file LIST|-] [--jobs N] [--expect FILE]\n"
        "         [--format text|json|junit|expect] [--smtp-port N] [--https-port N] [--allow-private]\n"
        "         [--dmarc-discovery treewalk|psl] [--checks FAMILY,...] [--dnsbl ZONE]...\n"
        "         [--profile gmail-bulk|yahoo-bulk|outlook-bulk|parked]\n"
        "         [--ports [--port-map PORT=TO,...]]\n\n"
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

/* Append the domains of a list file (one per line, # comments) or stdin. */
static int read_domain_file(const char *path, char ***list, size_t *n)
{
    struct line_reader lr;
    int rc = line_reader_open(&lr, "--file", path, DOMAIN_LINE_MAX, DOMAIN_FILE_MAX);

    if (rc != EXIT_OK)
        return rc;
    while ((rc = line_reader_next(&lr)) > 0) {
        char *s = lr.line, *e;
        while (*s == ' ' || *s == '\t')
            s++;
        e = s + strcspn(s, " \t\r\n#");
        *e = '\0';
        if (!*s)
            continue;
        if (*n >= MAX_DOMAINS) {
            line_reader_close(&lr);
            return cmd_error(EXIT_USAGE, "more than %d domains", MAX_DOMAINS);
        }
        char **nl = realloc(*list, (*n + 1) * sizeof *nl);
        if (!nl || !(nl[*n] = strdup(s))) {
            line_reader_close(&lr);
            return cmd_error(EXIT_RUNTIME, "out of memory");
        }
        *list = nl;
        (*n)++;
    }
    line_reader_close(&lr);
    return rc < 0 ? -rc : EXIT_OK;
}

static void *worker(void *arg)
{
    struct job_state *js = arg;

    for (;;) {
        char err[256] = "";
        struct audit_result *r = NULL;
        size_t i;

        pthread_mutex_lock(&js->lock);
        i = js->next < js->n ? js->next++ : SIZE_MAX;
        pthread_mutex_unlock(&js->lock);
        if (i == SIZE_MAX)
            return NULL;
        if (audit_run(js->domains[i], js->opt, &r, err, sizeof err) != AUTH_OK)
            r = NULL;
        pthread_mutex_lock(&js->lock);
        js->results[i] = r;
        js->errors[i] = r ? NULL : strdup(err[0] ? err : "audit failed");
        js->done++;
        pthread_cond_broadcast(&js->cond);
        pthread_mutex_unlock(&js->lock);
    }
}

/* Print result i (text or JSON line) as soon as it and all before it exist. */
static int emit(struct job_state *js, size_t i, enum report_format fmt,
                enum finding_severity gate, bool several)
{
    struct audit_result *r = js->results[i];

    if (!r) {
        cmd_error(EXIT_USAGE, "%s: %s", js->domains[i], js->errors[i]);
        return EXIT_USAGE;
    }
    if (fmt == FORMAT_JSON)
        several ? out_json_line(report_json(r, gate)) : out_json(report_json(r, gate));
    else if (fmt == FORMAT_EXPECT)
        report_expect(r);
    else if (fmt == FORMAT_TEXT) {
        if (i)
            printf("\n");
        report_text(r, gate);
    }
    fflush(stdout);
    return report_exit(r, gate);
}

static void progress(const struct job_state *js)
{
    if (isatty(STDERR_FILENO) && js->n > 1)
        fprintf(stderr, "\r%zu/%zu domains audited", js->done, js->n);
}

static int run_all(struct job_state *js, long jobs, enum report_format fmt,
                   enum finding_severity gate)
{
    pthread_t th[MAX_JOBS];
    long started = 0;
    int rc = EXIT_OK;

    for (long k = 0; k < jobs && (size_t)k < js->n; k++)
        if (pthread_create(&th[k], NULL, worker, js) == 0)
            started++;
    if (!started)
        worker(js);
    for (size_t i = 0; i < js->n; i++) {
        pthread_mutex_lock(&js->lock);
        while (js->done < js->n && !js->results[i] && !js->errors[i]) {
            pthread_cond_wait(&js->cond, &js->lock);
            progress(js);
        }
        pthread_mutex_unlock(&js->lock);
        rc = cmd_exit_worse(rc, emit(js, i, fmt, gate, js->n > 1));
    }
    for (long k = 0; k < started; k++)
        pthread_join(th[k], NULL);
    if (isatty(STDERR_FILENO) && js->n > 1)
        fprintf(stderr, "\r%zu/%zu domains audited\n", js->done, js->n);
    return rc;
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
        c->gate = (enum finding_severity)finding_severity_parse(arg);
        return EXIT_OK;
    case OPT_FILE: return read_domain_file(arg, &c->domains, &c->ndomains);
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
        else return cmd_error(EXIT_USAGE, "--format takes text, json, junit or expect, not '%s'",
                              arg);
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
    if (!c->ndomains)
        return cmd_usage_error("check-dns", "check-dns needs at least one domain");
    for (size_t i = 0; i < c->ndomains; i++) {
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
    if (g_opts.json && c->fmt == FORMAT_TEXT)
        c->fmt = FORMAT_JSON;
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
static void fit_to_descriptors(struct cli *c)
{
    long budget = cmd_fd_budget(), engines = 1, probes = 8, jobs = c->jobs, need;
    unsigned inflight = 256;

    for (size_t i = 0; i < audit_ncheck; i++)
        engines += audit_family_selected(c->opt.only, audit_checks[i].family);
    probes += (c->opt.no_smtp ? 0 : 16) + (c->opt.ports ? 32 : 0);
    if (jobs > (long)c->ndomains)
        jobs = (long)c->ndomains;
    while (inflight > MIN_INFLIGHT && jobs * (engines * inflight + probes) > budget)
        inflight /= 2;
    need = engines * inflight + probes;
    if (jobs * need > budget)
        jobs = budget / need > 1 ? budget / need : 1;
    if (inflight < 256)
        c->dns.max_inflight = inflight;
    if (jobs < c->jobs && jobs < (long)c->ndomains)
        fprintf(stderr, "mailctl: --jobs %ld lowered to %ld: the descriptor limit (ulimit -n) "
                "leaves room for %ld sockets\n", c->jobs, jobs, budget > 0 ? budget : 0);
    c->jobs = jobs > 0 ? jobs : 1;
}

int cmd_check_dns(int argc, char **argv)
{
    struct cli c = { .gate = SEV_FAIL, .jobs = 8 };
    struct job_state js = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
    int rc = parse_args(&c, argc, argv);

    if (rc == EXIT_OK)
        rc = engine_params(&c);
    if (rc == EXIT_OK)
        fit_to_descriptors(&c);
    if (rc == EXIT_OK) {
        js.domains = c.domains;
        js.n = c.ndomains;
        js.opt = &c.opt;
        js.results = calloc(js.n, sizeof *js.results);
        js.errors = calloc(js.n, sizeof *js.errors);
        if (!js.results || !js.errors)
            rc = cmd_error(EXIT_RUNTIME, "out of memory");
        else
            rc = run_all(&js, c.jobs, c.fmt, c.gate);
        if (c.fmt == FORMAT_JUNIT && js.results)
            report_junit(js.results, js.n, c.gate);
        if (c.expect && js.results && rc != EXIT_USAGE) {
            int e = expect_compare(c.expect, js.results, js.n);
            rc = e == EXIT_OK ? (rc == EXIT_PROBLEM ? EXIT_OK : rc) : e;
        }
    }
    for (size_t i = 0; i < c.ndomains; i++) {
        if (js.results)
            audit_result_free(js.results[i]);
        if (js.errors)
            free(js.errors[i]);
        free(c.domains[i]);
    }
    for (size_t k = 0; k < c.opt.nselectors; k++)
        free(c.selector_store[k]);
    free(js.results);
    free(js.errors);
    free(c.domains);
    expect_free(c.expect);
    return rc < 0 ? EXIT_OK : rc;
}
