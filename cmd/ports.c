/*
 * ports.c - `mailctl ports HOST [--outbound] [--sieve] [--port-map P=Q,...]`:
 * the mail host's port checklist (libauth/ports): each of 25, 465, 587,
 * 993, 995, 110, 143 (4190 with --sieve) probed at once for open / closed /
 * filtered, banner, TLS with version and verification, AUTH before TLS;
 * the verdicts as findings.  --outbound instead tests whether this machine
 * can reach port 25 of HOST at all.  --port-map is for labs and tests
 * (probe the service of port P at port Q).
 *
 * Exit: 0 no failing finding, 1 a finding failed, 2 bad input, 3 the host
 * does not resolve.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth/finding.h"
#include "../checks/problems.h"
#include "auth/ipaddr.h"
#include "auth/ports.h"
#include "cmd.h"

enum { O_OUTBOUND = OPT_GLOBAL_LAST + 1, O_SIEVE, O_PORTMAP };

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl ports HOST [--sieve] [--port-map PORT=TO,...] [--ca-file F]\n"
        "                          [--timeout SEC] [--json]\n"
        "       mailctl ports HOST --outbound [--port-map 25=TO]\n\n"
        "Probe a mail host's ports at once: 25, 465, 587, 993, 995, 110, 143 (and\n"
        "4190 with --sieve): open, closed or filtered, banner, TLS (implicit or\n"
        "STARTTLS/STLS) with version and certificate verification, login offered\n"
        "before TLS; then the checklist of the setup guides as findings.\n"
        "--outbound: can this machine reach port 25 of HOST (is egress blocked?).\n"
        "--port-map: probe the service of PORT at TO instead (labs, tests).\n"
        "--timeout SEC bounds each probe step (default 10).\n"
        "exit: 0 no failure, 1 a check failed, 2 bad input, 3 host does not resolve\n"
        "\nexamples:\n"
        "  mailctl ports mx.example.com\n"
        "  mailctl ports mx.example.com --sieve --json\n"
        "  mailctl ports mx.example.com --outbound\n"));
}

static json_t *json_probe(const struct port_probe *p)
{
    json_t *tls = json_null();

    if (p->tls_done || p->tls.subject[0])
        tls = json_pack("{s:s, s:s, s:b, s:o, s:o, s:I}", "version", p->tls.version,
                        "cipher", p->tls.cipher, "verified", p->tls.verified,
                        "verify_error", json_str_or_null(p->tls.verify_error[0] ?
                                                         p->tls.verify_error : NULL),
                        "subject", json_str_or_null(p->tls.subject[0] ? p->tls.subject : NULL),
                        "expiry_days", (json_int_t)p->tls.expiry_days);
    return json_pack("{s:i, s:i, s:s, s:s, s:b, s:o, s:b, s:b, s:o, s:o, s:i}",
                     "port", p->port, "probed_port", p->probed_port, "service", p->service,
                     "state", ports_state_name(p->state), "implicit_tls", p->implicit_tls,
                     "banner", json_str_or_null(p->banner[0] ? p->banner : NULL),
                     "starttls_offered", p->starttls_offered,
                     "auth_before_tls", p->auth_before_tls, "tls", tls,
                     "error", json_str_or_null(p->error[0] ? p->error : NULL),
                     "ms", (int)p->ms);
}

/* A port's state in the table, in the user's language (JSON keeps
 * ports_state_name). */
static const char *state_for_people(enum port_state s)
{
    static const char *const names[] = { N_("open"), N_("closed"), N_("filtered"),
                                         N_("error"), N_("silent") };

    return (unsigned)s < sizeof names / sizeof names[0] ? _(names[s]) : _("error");
}

static void print_probe(const struct port_probe *p)
{
    const char *col = p->state == PORT_OPEN ? out_green() : p->state == PORT_CLOSED
                      ? out_dim() : out_yellow();

    /* columns by display width: a translated state may be CJK */
    printf("  %5u ", (unsigned)p->port);
    cmd_print_padded(stdout, p->service, 12);
    printf(" %s", col);
    cmd_print_padded(stdout, state_for_people(p->state), 8);
    fputs(out_reset(), stdout);
    if (p->probed_port != p->port)
        printf(_(" (at %u)"), (unsigned)p->probed_port);
    if (p->tls_done)
        printf(p->tls.verified ? _(" %s verified") : _(" %s NOT verified"),
               out_esc(p->tls.version));
    else if (p->state == PORT_OPEN && !p->implicit_tls && !p->starttls_offered)
        fputs(_(" no TLS"), stdout);
    if (p->auth_before_tls)
        printf(_(" %sauth before TLS%s"), out_red(), out_reset());
    if (p->banner[0])
        printf("  %s%.70s%s", out_dim(), out_esc(p->banner), out_reset());
    putchar('\n');
}

static int render(const char *host, const struct port_probe *probes, size_t n,
                  const struct finding_list *l, bool outbound)
{
    int rc = auth_finding_count(l, SEV_FAIL) ? EXIT_PROBLEM : EXIT_OK;

    if (g_opts.json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, json_probe(&probes[i]));
        int w = out_json(json_pack("{s:s, s:o, s:o, s:o}", "host", host,
                                   outbound ? "outbound" : "ports",
                                   outbound ? json_incref(json_array_get(arr, 0)) : json_incref(arr),
                                   "findings", json_findings(l),
                                   "summary", json_finding_summary(l)));
        json_decref(arr);
        return w != EXIT_OK ? w : rc;
    }
    printf("%s%s%s%s\n", out_bold(), out_esc(host), out_reset(),
           outbound ? _(" (outbound port 25)") : "");
    for (size_t i = 0; i < n; i++)
        print_probe(&probes[i]);
    putchar('\n');
    print_findings(l, g_opts.verbose);
    return rc;
}

static int probe_and_render(const char *host, bool outbound, struct ports_params *p)
{
    struct finding_list l = {0};
    struct ports_report rep = {0};
    struct port_probe ob;
    char err[300];
    int rc;

    p->host = host;
    p->ca_file = g_opts.ca_file ? g_opts.ca_file : getenv("SSL_CERT_FILE");
    p->timeout_ms = g_opts.timeout_ms;
    p->parallel = true;                 /* all ports at once */
    if (outbound) {
        uint16_t port = 25;
        for (size_t i = 0; i < p->nmap; i++)
            if (p->map[i].from == 25)
                port = p->map[i].to;
        if (ports_outbound(p->eng, host, port, p->timeout_ms, &ob, err, sizeof err) != AUTH_OK)
            return cmd_error(EXIT_RUNTIME, "%s", err);
        if (findings_ports_outbound(&ob, &l) != AUTH_OK)
            rc = cmd_error(EXIT_RUNTIME, "out of memory");
        else
            rc = render(host, &ob, 1, &l, true);
    } else {
        if (ports_probe(p, &rep, err, sizeof err) != AUTH_OK)
            return cmd_error(EXIT_RUNTIME, "%s", err);
        if (findings_from_ports(&rep, &l) != AUTH_OK)
            rc = cmd_error(EXIT_RUNTIME, "out of memory");
        else
            rc = render(host, rep.probes, rep.n, &l, false);
        ports_report_clear(&rep);
    }
    auth_finding_list_clear(&l);
    return rc;
}

static int run(const char *host, bool outbound, struct ports_params *p)
{
    struct auth_ip ip;
    int rc;

    /* a name is resolved by mailctl's DNS engine (--resolver), not the system's */
    if (auth_ip_parse(host, &ip) != AUTH_OK && (rc = cmd_dns_engine(&p->eng)) != EXIT_OK)
        return rc;
    rc = probe_and_render(host, outbound, p);
    dns_engine_free(p->eng);
    p->eng = NULL;
    return rc;
}

int cmd_ports(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"outbound", no_argument, NULL, O_OUTBOUND}, {"sieve", no_argument, NULL, O_SIEVE},
        {"port-map", required_argument, NULL, O_PORTMAP},
        {NULL, 0, NULL, 0},
    };
    struct ports_params p = {0};
    bool outbound = false;
    int opt;

    while ((opt = cmd_getopt(argc, argv, "vqh", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (opt) {
        case O_OUTBOUND: outbound = true; break;
        case O_SIEVE: p.sieve = true; break;
        case O_PORTMAP:
            if (ports_parse_map(optarg, &p) < 0)
                return cmd_usage_error("ports", "bad --port-map '%s': PORT=TO[,PORT=TO]...",
                                       optarg);
            break;
        case 'h': case OPT_HELP: usage(stdout); return EXIT_OK;
        default: return cmd_usage_error("ports", "unknown option");
        }
    }
    if (argc - optind != 1)
        return cmd_usage_error("ports", "ports takes exactly one host");
    {
        static char host[256];
        if (cmd_host_arg("host", argv[optind], host, sizeof host) != EXIT_OK)
            return EXIT_USAGE;
        return run(host, outbound, &p);
    }
}
