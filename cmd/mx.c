/*
 * mx.c - `mailctl mx DOMAIN`: MX hosts by preference with their addresses,
 * the PTR names of each address and forward-confirmation.
 *
 * Exit: 0 the domain receives mail at one host or more; 1 it does not
 * (NXDOMAIN, null MX, no MX and no address, no host with an address);
 * 2 bad input; 3 the MX lookup failed (timeout, SERVFAIL...).
 */
#include <string.h>

#include "auth/mx.h"
#include "auth/name.h"
#include "cmd.h"

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl mx DOMAIN [--json]\n\n"
        "List DOMAIN's mail exchangers by preference, each with its addresses,\n"
        "their PTR names and whether each name resolves back (FCrDNS).  No MX\n"
        "means the implicit MX of RFC 5321 5.1; \"0 .\" is a null MX (RFC 7505).\n"
        "exit: 0 receives mail, 1 does not, 2 bad input, 3 DNS failure\n"
        "\nexamples:\n"
        "  mailctl mx example.com\n"
        "  mailctl mx example.com --json --resolver 192.0.2.53\n"));
}

static json_t *json_host(const struct mx_host *h)
{
    json_t *addrs = json_array();

    for (size_t i = 0; i < h->naddrs; i++)
        json_array_append_new(addrs, json_pack("{s:s, s:o, s:b, s:s}",
            "address", h->addrs[i].address, "ptr", json_ptr_names(&h->addrs[i]),
            "fcrdns", h->addrs[i].fcrdns, "ptr_status", dns_status_name(h->addrs[i].status)));
    return json_pack("{s:i, s:s, s:o, s:o, s:o}", "preference", (int)h->preference,
                     "host", h->host, "cname", json_str_or_null(h->cname),
                     "addresses", addrs, "error", json_str_or_null(h->error));
}

static json_t *json_report(const struct mx_report *r)
{
    json_t *hosts = json_array();

    for (size_t i = 0; i < r->nhosts; i++)
        json_array_append_new(hosts, json_host(&r->hosts[i]));
    return json_pack("{s:s, s:s, s:b, s:b, s:o, s:o, s:b, s:I}", "domain", r->domain,
                     "status", dns_status_name(r->mx_status), "null_mx", r->null_mx,
                     "implicit", r->implicit, "hosts", hosts,
                     "error", json_str_or_null(r->error), "truncated", r->truncated,
                     "mx_records", (json_int_t)(r->nrecords > r->nhosts ? r->nrecords
                                                                        : r->nhosts));
}

static void print_host(const struct mx_host *h)
{
    printf("  %s%5u  %s%s", out_bold(), h->preference, out_esc(h->host), out_reset());
    if (h->cname)
        printf(_("  %s(alias of %s)%s"), out_yellow(), out_esc(h->cname), out_reset());
    printf("\n");
    if (h->error)
        printf("         %s%s%s\n", out_red(), out_esc(h->error), out_reset());
    for (size_t i = 0; i < h->naddrs; i++)
        print_ptr_names(&h->addrs[i], "         ");
}

static void print_report(const struct mx_report *r)
{
    char shown[600];

    printf("%s%s%s", out_bold(),
           out_esc(cmd_name_for_people(r->domain, shown, sizeof shown)), out_reset());
    if (r->error)
        printf(_("  %sMX lookup failed: %s%s\n"), out_red(), out_esc(r->error), out_reset());
    else if (r->null_mx && !r->nhosts)
        fputs(_("  null MX (RFC 7505): this domain accepts no mail\n"), stdout);
    else if (r->implicit)
        fputs(_("  no MX records: implicit MX on the domain's own address (RFC 5321 5.1)\n"), stdout);
    else if (!r->nhosts)
        printf(_("  %sno MX records and no address: mail cannot be delivered%s (%s)\n"),
               out_red(), out_reset(), dns_status_name(r->mx_status));
    else if (r->truncated)
        printf(_("  %zu MX hosts; %sonly the %zu most preferred are shown%s\n"), r->nrecords,
               out_yellow(), r->nhosts, out_reset());
    else
        printf(_("  %zu MX host%s\n"), r->nhosts, r->nhosts == 1 ? "" : "s");
    if (r->null_mixed)
        printf(_("  %sa null MX is mixed with other MX records (RFC 7505 3)%s\n"),
               out_red(), out_reset());
    for (size_t i = 0; i < r->nhosts; i++)
        print_host(&r->hosts[i]);
    if (r->truncated)
        printf(r->nrecords - r->nhosts == 1 ? _("  ... %zu more MX host not shown\n")
                                            : _("  ... %zu more MX hosts not shown\n"),
               r->nrecords - r->nhosts);
}

static int mx_exit(const struct mx_report *r)
{
    if (dns_status_is_temporary(r->mx_status))
        return EXIT_RUNTIME;
    for (size_t i = 0; i < r->nhosts; i++)
        if (r->hosts[i].naddrs)
            return EXIT_OK;
    return EXIT_PROBLEM;
}

int cmd_mx(int argc, char **argv)
{
    struct dns_engine *eng = NULL;
    struct mx_report *rep = NULL;
    char err[256], domain[AUTH_NAME_MAX];
    int rc = cmd_global_opts_only(argc, argv, "mx", usage);

    if (rc >= 0)
        return rc;
    if (argc - optind != 1)
        return cmd_usage_error("mx", "mx takes exactly one domain");
    if ((rc = cmd_domain_arg("domain", argv[optind], domain, sizeof domain)) != EXIT_OK)
        return rc;
    if ((rc = cmd_dns_engine(&eng)) != EXIT_OK)
        return rc;
    if (mx_lookup(eng, domain, &rep, err, sizeof err) != AUTH_OK) {
        dns_engine_free(eng);
        return cmd_error(EXIT_RUNTIME, "%s", err);
    }
    if (g_opts.json) {
        rc = out_json(json_report(rep));
    } else {
        print_report(rep);
        rc = EXIT_OK;
    }
    if (rc == EXIT_OK)
        rc = mx_exit(rep);
    if (rc == EXIT_RUNTIME && rep->error)
        cmd_error(EXIT_RUNTIME, "%s", rep->error);
    mx_report_free(rep);
    dns_engine_free(eng);
    return rc;
}
