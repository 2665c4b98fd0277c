/*
 * setup.c - `mailctl setup DOMAIN --mail-host HOST --ip IP`: make the DKIM
 * key (as `dkim keygen` does: DIR/SEL.private 0600 and DIR/SEL.txt, atomic,
 * never replaced without --force) and show every record a new mail domain
 * needs (libauth/setup builds them): as a zone-file snippet whose every
 * non-record line is a comment, so the output loads as it is, or as JSON
 * (../shared/cli.md).  The records outside the domain's zone (PTR) and the
 * checklist of what DNS cannot do come with it.
 *
 * Exit: 0 done; 2 bad input (nothing written) or a key file exists;
 * 3 the key could not be written, or stdout could not (then no key is left).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/setup.h"
#include "auth/name.h"
#include "cmd.h"
#include "dkim_cmd.h"

struct opts {
    struct setup_params p;
    const char *outdir;
    enum dkim_keytype type;
    unsigned bits;
    bool force;
};

enum { O_MAILHOST = OPT_GLOBAL_LAST + 1, O_IP, O_IPV6, O_SELECTOR, O_OUT, O_RUA, O_FORCE,
       O_SPF, O_ALG, O_BITS };

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl setup DOMAIN --mail-host HOST --ip IP [--ipv6 IP] [--selector S]\n"
        "         [--out DIR] [--dmarc-rua ADDR] [--spf ip|mx] [--algorithm rsa|ed25519]\n"
        "         [--bits N] [--force] [--json]\n\n"
        "Make a DKIM key (DIR/S.private, mode 0600, and DIR/S.txt; --out defaults to\n"
        "the current directory, --selector to \"mail\") and print every record the\n"
        "domain needs: MX, A/AAAA of the mail host, SPF, DKIM, DMARC (p=none with\n"
        "reports to --dmarc-rua, default dmarc-reports@DOMAIN), TLS-RPT, MTA-STS (record,\n"
        "policy host and the policy file in testing mode), the PTR to ask the address's\n"
        "provider for, and a checklist of what DNS cannot do.  The text output is a\n"
        "zone-file snippet (everything else is a comment); --json gives the records\n"
        "with TXT values unsplit.\n"
        "exit: 0 done, 2 bad input or the key exists (--force replaces it), 3 I/O error\n"
        "\nexamples:\n"
        "  mailctl setup example.com --mail-host mx.example.com --ip 192.0.2.25\n"
        "  mailctl setup example.com --mail-host mx.example.com --ip 192.0.2.25 --ipv6 2001:db8::25 \\\n"
        "      --algorithm ed25519 --out /etc/dkim\n"));
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);

    if (end == s || *end || *s == '-' || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int set_opt(struct opts *o, int opt, const char *arg)
{
    switch (opt) {
    case O_MAILHOST: o->p.mail_host = arg; break;
    case O_IP: o->p.ip = arg; break;
    case O_IPV6: o->p.ipv6 = arg; break;
    case O_SELECTOR: o->p.selector = arg; break;
    case O_OUT: o->outdir = arg; break;
    case O_RUA: o->p.dmarc_rua = arg; break;
    case O_FORCE: o->force = true; break;
    case O_SPF:
        if (strcmp(arg, "ip") && strcmp(arg, "mx"))
            return cmd_usage_error("setup", "bad --spf '%s': ip or mx", arg);
        o->p.spf = strcmp(arg, "mx") ? SETUP_SPF_IP : SETUP_SPF_MX;
        break;
    case O_ALG:
        if (strcmp(arg, "rsa") && strcmp(arg, "ed25519"))
            return cmd_usage_error("setup", "bad --algorithm '%s': rsa or ed25519", arg);
        o->type = strcmp(arg, "rsa") ? DKIM_KEY_ED25519 : DKIM_KEY_RSA;
        break;
    case O_BITS:
        if (parse_uint(arg, 1024, 4096, &o->bits) < 0)
            return cmd_usage_error("setup", "bad --bits '%s': 1024..4096", arg);
        break;
    default: return cmd_usage_error("setup", "unknown option");
    }
    return EXIT_OK;
}

/* Returns EXIT_OK, an exit code, or -1 after --help. */
/* The domain, mail host and selector go into records as A-labels; the
 * plan's own checks (setup_params_check) then judge those. */
static int names_to_alabels(struct opts *o)
{
    static char domain[AUTH_NAME_MAX], host[AUTH_NAME_MAX], selector[AUTH_NAME_MAX];
    int rc;

    if ((rc = cmd_domain_arg("domain", o->p.domain, domain, sizeof domain)) != EXIT_OK ||
        (rc = cmd_domain_arg("--mail-host", o->p.mail_host, host, sizeof host)) != EXIT_OK)
        return rc;
    o->p.domain = domain;
    o->p.mail_host = host;
    if (o->p.selector) {
        if ((rc = cmd_selector_arg("--selector", o->p.selector, selector,
                                   sizeof selector)) != EXIT_OK)
            return rc;
        o->p.selector = selector;
    }
    return EXIT_OK;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"mail-host", required_argument, NULL, O_MAILHOST},
        {"ip", required_argument, NULL, O_IP}, {"ipv6", required_argument, NULL, O_IPV6},
        {"selector", required_argument, NULL, O_SELECTOR},
        {"out", required_argument, NULL, O_OUT},
        {"dmarc-rua", required_argument, NULL, O_RUA},
        {"force", no_argument, NULL, O_FORCE}, {"spf", required_argument, NULL, O_SPF},
        {"algorithm", required_argument, NULL, O_ALG},
        {"bits", required_argument, NULL, O_BITS},
        {NULL, 0, NULL, 0},
    };
    int opt, rc;

    while ((opt = cmd_getopt(argc, argv, "vq", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        if (opt == OPT_HELP) {
            usage(stdout);
            return -1;
        }
        if ((rc = set_opt(o, opt, optarg)) != EXIT_OK)
            return rc;
    }
    if (optind >= argc)
        return cmd_usage_error("setup", "the mail domain is missing");
    o->p.domain = argv[optind++];
    if (optind < argc)
        return cmd_usage_error("setup", "unexpected argument '%s'", argv[optind]);
    if (!o->p.mail_host || !o->p.ip)
        return cmd_usage_error("setup", "--mail-host and --ip are required");
    return names_to_alabels(o);
}

/* ---------- output ---------- */

static void print_comment_block(const char *text, const char *prefix)
{
    while (*text) {
        size_t n = strcspn(text, "\n");
        printf(";%s%.*s\n", prefix, (int)n, text);
        text += n + (text[n] == '\n');
    }
}

static int print_zone(const struct setup_plan *plan, const struct dkim_keyfiles *kf)
{
    bool outside_seen = false;

    printf(_("; mailctl setup: the records of %s (mail host %s)\n"), setup_plan_domain(plan),
           setup_plan_mail_host(plan));
    printf(_("; DKIM private key: %s (mode 0600: keep it secret, give it to the signer)\n"),
           dkim_keyfiles_key_path(kf));
    printf(_(";\n; --- publish in the %s zone ---\n"), setup_plan_domain(plan));
    for (size_t i = 0; i < setup_plan_nrecords(plan); i++) {
        const struct setup_record *r = setup_plan_record(plan, i);
        char *line = setup_record_zone_text(r);

        if (!line)
            return cmd_error(EXIT_RUNTIME, "out of memory");
        if (r->outside_zone && !outside_seen) {
            printf(_(";\n; --- outside the %s zone: ask whoever runs these zones ---\n"),
                   setup_plan_domain(plan));
            outside_seen = true;
        }
        printf("; %s\n%s%s", r->note, r->outside_zone ? "; " : "", line);
        free(line);
    }
    printf(_(";\n; --- MTA-STS policy file, to serve at %s ---\n"), setup_plan_mta_sts_url(plan));
    print_comment_block(setup_plan_mta_sts_policy(plan), "   ");
    fputs(_(";\n; --- checklist: what DNS cannot do ---\n"), stdout);
    for (size_t i = 0; i < setup_plan_nchecklist(plan); i++)
        printf("; [ ] %s\n", setup_plan_checklist(plan, i));
    return EXIT_OK;
}

static int print_json(const struct setup_plan *plan, const struct dkim_keyfiles *kf,
                      const char *selector)
{
    json_t *recs = json_array(), *check = json_array();

    for (size_t i = 0; i < setup_plan_nrecords(plan); i++) {
        const struct setup_record *r = setup_plan_record(plan, i);
        json_array_append_new(recs, json_pack("{s:s, s:s, s:s, s:I, s:b, s:s}", "name", r->name,
                                              "type", r->type, "value", r->value, "ttl",
                                              (json_int_t)r->ttl, "outside_zone",
                                              r->outside_zone, "note", r->note));
    }
    for (size_t i = 0; i < setup_plan_nchecklist(plan); i++)
        json_array_append_new(check, json_string(setup_plan_checklist(plan, i)));
    return out_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o}",
                              "domain", setup_plan_domain(plan),
                              "mail_host", setup_plan_mail_host(plan),
                              "selector", selector,
                              "key_file", dkim_keyfiles_key_path(kf),
                              "record_file", dkim_keyfiles_record_path(kf), "records", recs,
                              "mta_sts_policy", setup_plan_mta_sts_policy(plan),
                              "mta_sts_url", setup_plan_mta_sts_url(plan),
                              "checklist", check));
}

int cmd_setup(int argc, char **argv)
{
    struct opts o = { .outdir = ".", .p.selector = "mail", .type = DKIM_KEY_RSA };
    struct dkim_keyfiles *kf = NULL;
    struct setup_plan *plan = NULL;
    char err[512], sts_id[32];
    time_t now = time(NULL);
    struct tm tm;
    int rc = parse_args(argc, argv, &o);

    if (rc < 0)
        return EXIT_OK;
    if (rc != EXIT_OK)
        return rc;
    if (setup_params_check(&o.p, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "setup: %s", err);
    const struct dkim_keyfiles_params kp = {
        .domain = o.p.domain, .selector = o.p.selector, .outdir = o.outdir,
        .type = o.type, .bits = o.bits, .force = o.force,
    };
    enum auth_status st = dkim_keyfiles_stage(&kp, &kf, err, sizeof err);
    if (st != AUTH_OK)
        return cmd_file_error(st, err);
    /* The MTA-STS id only has to change when the policy does: the time will do. */
    strftime(sts_id, sizeof sts_id, "%Y%m%d%H%M%S", gmtime_r(&now, &tm));
    o.p.dkim_record = dkim_keyfiles_record(kf);
    o.p.key_file = dkim_keyfiles_key_path(kf);
    o.p.mta_sts_id = sts_id;
    if (setup_plan_new(&o.p, &plan, err, sizeof err) != AUTH_OK)
        rc = cmd_error(EXIT_RUNTIME, "setup: %s", err);
    else
        rc = g_opts.json ? print_json(plan, kf, o.p.selector) : print_zone(plan, kf);
    /* The key goes in place only once its records were shown: a key
     * nobody saw the records of would only be in the way of a rerun. */
    if (rc == EXIT_OK)
        rc = cmd_stdout_check();
    if (rc == EXIT_OK && (st = dkim_keyfiles_commit(kf, err, sizeof err)) != AUTH_OK)
        rc = cmd_file_error(st, err);
    if (rc == EXIT_OK && g_opts.verbose >= 0)
        fprintf(stderr, _("private key written to %s (keep it secret)\n"),
                dkim_keyfiles_key_path(kf));
    setup_plan_free(plan);
    dkim_keyfiles_free(kf);
    return rc;
}
