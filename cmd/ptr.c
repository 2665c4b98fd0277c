/*
 * ptr.c - `mailctl ptr IP`: the PTR names of an address and whether each
 * resolves back to it (forward-confirmed reverse DNS).
 *
 * Exit: 0 at least one name forward-confirms; 1 no PTR or none confirms;
 * 2 bad input; 3 the lookup failed (timeout, SERVFAIL...).
 */
#include <string.h>

#include "auth/mx.h"
#include "cmd.h"

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl ptr IP [--json]\n\n"
        "Look up the PTR names of IP and check that each resolves back to IP\n"
        "(forward-confirmed reverse DNS, which receivers require of senders).\n"
        "exit: 0 confirmed, 1 no PTR or not confirmed, 2 bad input, 3 DNS failure\n"
        "\nexamples:\n"
        "  mailctl ptr 192.0.2.25\n"
        "  mailctl ptr 2001:db8::25 --json\n"));
}

json_t *json_ptr_names(const struct ptr_report *p)
{
    json_t *names = json_array();

    for (size_t i = 0; i < p->nnames; i++)
        json_array_append_new(names, json_pack("{s:s, s:b}", "name", p->names[i].name,
                                               "fcrdns", p->names[i].fcrdns));
    return names;
}

/* "ADDRESS  NAME  verdict", one line per PTR name (the address only on
 * the first), or the address with why there is no name. */
void print_ptr_names(const struct ptr_report *p, const char *indent)
{
    if (p->error) {
        printf(_("%s%-16s %sPTR lookup failed: %s%s\n"), indent, p->address, out_red(),
               out_esc(p->error), out_reset());
        return;
    }
    if (!p->nnames) {
        printf(_("%s%-16s %sno PTR record%s (%s)\n"), indent, p->address, out_yellow(),
               out_reset(), dns_status_name(p->status));
        return;
    }
    for (size_t i = 0; i < p->nnames; i++) {
        const struct ptr_name *n = &p->names[i];
        printf("%s%-16s ", indent, i ? "" : p->address);
        cmd_print_padded(stdout, out_esc(n->name), 34);     /* names may be long or UTF-8 */
        printf(" %s%s%s\n", n->fcrdns ? out_green() : out_red(),
               n->fcrdns ? _("forward-confirmed") : _("does not resolve back"), out_reset());
    }
}

static int ptr_exit(const struct ptr_report *p)
{
    if (dns_status_is_temporary(p->status))
        return EXIT_RUNTIME;
    return p->fcrdns ? EXIT_OK : EXIT_PROBLEM;
}

int cmd_ptr(int argc, char **argv)
{
    struct dns_engine *eng = NULL;
    struct ptr_report *rep = NULL;
    struct auth_ip ip;
    int rc = cmd_global_opts_only(argc, argv, "ptr", usage);

    if (rc >= 0)
        return rc;
    if (argc - optind != 1)
        return cmd_usage_error("ptr", "ptr takes exactly one IP address");
    if (auth_ip_parse(argv[optind], &ip) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "'%s' is not an IPv4 or IPv6 address", argv[optind]);
    if ((rc = cmd_dns_engine(&eng)) != EXIT_OK)
        return rc;
    if (mx_ptr_lookup(eng, &ip, &rep) != AUTH_OK) {
        dns_engine_free(eng);
        return cmd_error(EXIT_RUNTIME, "out of memory or I/O failure");
    }
    if (g_opts.json) {
        json_t *doc = json_pack("{s:s, s:s, s:o, s:b, s:o}", "address", rep->address,
                                "status", dns_status_name(rep->status),
                                "names", json_ptr_names(rep), "fcrdns", rep->fcrdns,
                                "error", json_str_or_null(rep->error));
        rc = out_json(doc);
    } else {
        print_ptr_names(rep, "");
        rc = EXIT_OK;
    }
    if (rc == EXIT_OK)
        rc = ptr_exit(rep);
    if (rc == EXIT_RUNTIME && rep->error)
        cmd_error(EXIT_RUNTIME, "%s", rep->error);
    mx_ptr_report_free(rep);
    dns_engine_free(eng);
    return rc;
}
