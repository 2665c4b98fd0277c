/*
 * report_parse.c - `mailctl report parse FILE...`: every report found in
 * each file, as JSON lines (--json) or one line each.  A file with no
 * readable report gives an error entry and exit 2; the others are still
 * parsed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report_cmd.h"

static void usage(FILE *fp)
{
    fprintf(fp,
        "usage: mailctl report parse FILE... [--json]\n\n"
        "Parse DMARC aggregate (RFC 7489, RFC 9990), failure (RFC 6591) and TLS (RFC 8460)\n"
        "reports as received: XML, JSON, .gz, .zip, a message (.eml) or an mbox; '-' is stdin.\n"
        "--json: one object per report, one per line (../shared/cli.md).\n"
        "exit: 0 every file held a report, 2 one did not (its error entry says why), 3 I/O error\n");
}

static void print_text(const struct report *r, const char *file)
{
    char b[32], e[32];

    if (r->kind == REPORT_NONE) {
        printf(_("%s: %serror%s: %s\n"), rpt_safe(file), out_red(), out_reset(),
               rpt_safe(r->error_for_people));
        return;
    }
    if (r->kind == REPORT_AGGREGATE)
        printf(_("%s: aggregate from %s for %s, %s .. %s: %llu messages in %zu records (id %s)\n"),
               rpt_safe(file), rpt_safe(r->org_name), rpt_safe(r->domain),
               report_time_iso(r->begin, b, sizeof b), report_time_iso(r->end, e, sizeof e),
               (unsigned long long)r->messages, r->nrecords, rpt_safe(r->report_id));
    else if (r->kind == REPORT_TLSRPT)
        printf(_("%s: TLS report from %s, %s .. %s: %zu policies (id %s)\n"), rpt_safe(file),
               rpt_safe(r->org_name), report_time_iso(r->begin, b, sizeof b),
               report_time_iso(r->end, e, sizeof e), r->npolicies, rpt_safe(r->report_id));
    else
        printf(_("%s: failure report (%s) for %s from %s, auth failure %s\n"), rpt_safe(file),
               rpt_safe(r->feedback_type), rpt_safe(r->reported_domain),
               rpt_safe(r->source_ip), rpt_safe(r->auth_failure));
    for (size_t i = 0; i < r->nwarnings; i++)
        printf(_("  %swarning%s: %s\n"), out_yellow(), out_reset(), rpt_safe(r->warnings_for_people[i]));
}

/* Parse one file and print its entries.  Returns whether it held a report;
 * *rc set to EXIT_RUNTIME on an I/O error. */
static bool parse_one(const char *file, int *rc)
{
    struct report_list *l = NULL;
    char *buf;
    size_t len, good = 0;
    int st = rpt_read_file(file, REPORT_MAX_BYTES, &buf, &len);

    if (st < 0) {
        const char *why = strerror(errno);
        if (g_opts.json)
            out_json_line(json_pack("{s:s, s:n, s:s}", "file", file, "kind", "error", why));
        cmd_error(EXIT_RUNTIME, "%s: %s", rpt_safe(file), why);
        *rc = EXIT_RUNTIME;
        return false;
    }
    if (st > 0) {
        if (g_opts.json)
            out_json_line(json_pack("{s:s, s:n, s:s}", "file", file, "kind", "error",
                                    "more than 64 MiB"));
        else
            printf(_("%s: %serror%s: more than 64 MiB\n"), rpt_safe(file), out_red(), out_reset());
        return false;
    }
    if (report_parse(buf, len, NULL, &l) != AUTH_OK) {
        free(buf);
        *rc = EXIT_RUNTIME;
        cmd_error(EXIT_RUNTIME, "out of memory");
        return false;
    }
    free(buf);
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i]->kind != REPORT_NONE)
            good++;
        if (g_opts.json)
            out_json_line(rpt_json(l->items[i], file));
        else
            print_text(l->items[i], file);
    }
    report_list_free(l);
    return good > 0;
}

int rpt_cmd_parse(int argc, char **argv)
{
    int rc = cmd_global_opts_only(argc, argv, "report parse", usage);
    bool bad = false, failed = false;

    if (rc >= 0)
        return rc;
    if (optind >= argc)
        return cmd_usage_error("report parse", "report parse needs at least one FILE");
    for (int i = optind; i < argc; i++) {
        int io = EXIT_OK;
        if (!parse_one(argv[i], &io)) {
            if (io != EXIT_OK)
                failed = true;
            else
                bad = true;
        }
    }
    /* bad input in one file says more than a read failure of another
     * (the ranking of docs/contract-additions.md) */
    return bad ? EXIT_USAGE : failed ? EXIT_RUNTIME : EXIT_OK;
}
