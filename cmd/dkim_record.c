/*
 * dkim_record.c - `mailctl dkim record DOMAIN --selector S`: fetch the key
 * record at S._domainkey.DOMAIN and lint it (dkim.* findings of
 * checks.md); a random selector is asked in the same batch to detect a
 * wildcard that answers every selector.  Exit 1 when a finding fails.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "auth/dkim.h"
#include "auth/name.h"
#include "cmd.h"
#include "dkim_cmd.h"
#include "../checks/problems.h"

static const char *sev_color(enum finding_severity s)
{
    return s == SEV_PASS ? out_green() : s == SEV_WARN || s == SEV_INFO ? out_yellow()
                                                                        : out_red();
}

static int render(const char *domain, const char *selector, const struct dns_result *r,
                  const struct finding_list *fl)
{
    const struct dns_rr *rr = dns_result_status(r) == DNS_DATA ? checks_dkim_key_rr(r) : NULL;
    char name[600];

    snprintf(name, sizeof name, "%s._domainkey.%s", selector, domain);
    if (g_opts.json) {
        json_t *o = json_object(), *arr = json_array();
        json_object_set_new(o, "domain", json_string(domain));
        json_object_set_new(o, "selector", json_string(selector));
        json_object_set_new(o, "name", json_string(name));
        json_object_set_new(o, "record", rr ? json_stringn((const char *)rr->u.txt.data,
                                                           rr->u.txt.len) : json_null());
        for (size_t i = 0; i < fl->count; i++) {
            const struct finding *f = &fl->items[i];
            json_t *j = json_object();
            json_object_set_new(j, "id", json_string(f->id));
            json_object_set_new(j, "severity", json_string(auth_finding_severity_name(f->severity)));
            json_object_set_new(j, "summary", json_string(f->summary));
            json_object_set_new(j, "detail", json_str_or_null(f->detail));
            json_object_set_new(j, "fix", json_str_or_null(f->fix));
            json_object_set_new(j, "reference", json_str_or_null(f->reference));
            json_array_append_new(arr, j);
        }
        json_object_set_new(o, "findings", arr);
        return out_json(o);
    }
    printf("%s%s%s TXT %s%s%s\n", out_bold(), out_esc(name), out_reset(), rr ? "\"" : "",
           rr ? out_escn((const char *)rr->u.txt.data, rr->u.txt.len) : _("(none)"),
           rr ? "\"" : "");
    for (size_t i = 0; i < fl->count; i++) {
        const struct finding *f = &fl->items[i];
        printf("  %s%-5s%s %s: %s\n", sev_color(f->severity),
               auth_finding_severity_name(f->severity), out_reset(), f->id, out_esc(f->summary));
        if (f->detail && g_opts.verbose >= 0)
            printf("        %s\n", out_esc(f->detail));
    }
    return EXIT_OK;
}

int dkim_record_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"selector", required_argument, NULL, 's'}, CMD_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0},
    };
    const char *selector = NULL, *domain;
    struct dns_engine *eng;
    struct dns_batch *b;
    struct finding_list fl = {0};
    char name[600], wname[600], err[200], dom_a[AUTH_NAME_MAX], sel_a[AUTH_NAME_MAX];
    unsigned char rnd[6];
    size_t qi, wi;
    int opt, rc;

    while ((opt = cmd_getopt(argc, argv, "s:vq", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        if (opt == 's') selector = optarg;
        else if (opt == OPT_HELP) {
            fputs(_("usage: mailctl dkim record DOMAIN --selector S [--json]\n\n"
                    "Look up the DKIM key record S._domainkey.DOMAIN and check it: key\n"
                    "present, its size and tags, and whether a wildcard answers every\n"
                    "selector.\n"
                    "\nexamples:\n"
                    "  mailctl dkim record example.com --selector mail\n"
                    "  mailctl dkim record example.com --selector s2026 --json\n"), stdout);
            return EXIT_OK;
        } else
            return cmd_usage_error("dkim record", "bad option");
    }
    if (optind + 1 != argc || !selector)
        return cmd_usage_error("dkim record", "want DOMAIN and --selector S");
    if ((rc = cmd_domain_arg("domain", argv[optind], dom_a, sizeof dom_a)) != EXIT_OK ||
        (rc = cmd_selector_arg("--selector", selector, sel_a, sizeof sel_a)) != EXIT_OK)
        return rc;
    domain = dom_a;
    selector = sel_a;
    snprintf(name, sizeof name, "%s._domainkey.%s", selector, domain);
    if (dns_name_check(name, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "bad name %s: %s", name, err);
    RAND_bytes(rnd, sizeof rnd);
    snprintf(wname, sizeof wname, "mailctl-%02x%02x%02x%02x%02x%02x._domainkey.%s", rnd[0],
             rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], domain);
    if ((rc = cmd_dns_engine(&eng)) != EXIT_OK)
        return rc;
    if (!(b = dns_batch_new(eng))) {
        dns_engine_free(eng);
        return cmd_error(EXIT_RUNTIME, "out of memory");
    }
    qi = dns_batch_add(b, name, DNS_T_TXT);
    wi = dns_batch_add(b, wname, DNS_T_TXT);
    if (dns_batch_wait(b) != AUTH_OK) {
        rc = cmd_error(EXIT_RUNTIME, "DNS engine failure");
    } else {
        const struct dns_result *r = dns_batch_result(b, qi);
        enum auth_status st = findings_dkim_record(domain, selector, r, dns_batch_result(b, wi),
                                                   &fl);
        rc = st != AUTH_OK ? cmd_error(EXIT_RUNTIME, "cannot lint the key: %s",
                                       auth_strerror(st))
                           : render(domain, selector, r, &fl);
        if (rc == EXIT_OK && auth_finding_count(&fl, SEV_ERROR) && !auth_finding_count(&fl, SEV_FAIL))
            rc = EXIT_RUNTIME;
        else if (rc == EXIT_OK && auth_finding_count(&fl, SEV_FAIL))
            rc = EXIT_PROBLEM;
    }
    auth_finding_list_clear(&fl);
    dns_batch_free(b);
    dns_engine_free(eng);
    return rc;
}
