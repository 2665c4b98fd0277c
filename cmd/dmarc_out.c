/*
 * dmarc_out.c - text and JSON for a discovered DMARC policy: the record and
 * its tags with their standard, where the policy was found and by which
 * method, every query of the discovery, and the lint findings.
 */
#include <string.h>

#include "cmd.h"
#include "dmarc_out.h"

const char *dmarc_found_name(enum dmarc_found f)
{
    switch (f) {
    case DMARC_FOUND: return "found";
    case DMARC_FOUND_TEMPERROR: return "temperror";
    case DMARC_FOUND_PERMERROR: return "permerror";
    default: return "none";
    }
}

static json_t *uris(const struct dmarc_uri *u, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(u[i].uri));
    return a;
}

json_t *dmarc_json_findings(const struct finding_list *fl)
{
    json_t *a = json_array();

    for (size_t i = 0; fl && i < fl->count; i++) {
        const struct finding *f = &fl->items[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}",
            "id", f->id, "severity", auth_finding_severity_name(f->severity), "summary", f->summary,
            "detail", json_str_or_null(f->detail), "fix", json_str_or_null(f->fix),
            "reference", json_str_or_null(f->reference),
            "evidence", json_str_or_null(f->evidence)));
    }
    return a;
}

static json_t *tags(const struct dmarc_record *r)
{
    json_t *a = json_array();

    for (size_t i = 0; r && i < r->ntags; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:b}",
            "name", r->tags[i].name, "value", r->tags[i].value,
            "standard", dmarc_standard_name(r->tags[i].standard),
            "valid", r->tags[i].valid, "duplicate", r->tags[i].duplicate));
    return a;
}

static json_t *steps(const struct dmarc_policy_info *pi)
{
    json_t *a = json_array();

    for (size_t i = 0; i < pi->nsteps; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i, s:o}",
            "name", pi->steps[i].name, "type", "TXT",
            "status", dns_status_name(pi->steps[i].status), "dmarc_records",
            (int)pi->steps[i].ndmarc, "note", json_str_or_null(pi->steps[i].note)));
    return a;
}

static const char *check_result(const struct dmarc_policy_info *pi,
                                const struct finding_list *fl)
{
    switch (pi->found) {
    case DMARC_FOUND: return fl && auth_finding_count(fl, SEV_FAIL) ? "fail" : "pass";
    case DMARC_FOUND_TEMPERROR: return "temperror";
    case DMARC_FOUND_PERMERROR: return "permerror";
    default: return "none";
    }
}

json_t *dmarc_json_policy(const struct dmarc_policy_info *pi, const struct finding_list *fl)
{
    const struct dmarc_record *r = pi->record ? pi->record : pi->invalid;
    const struct dmarc_record *a = pi->record;
    enum dmarc_policy sub = a ? (a->sp != DMARC_POLICY_UNSET && !a->p_defaulted ? a->sp
                                 : a->p_defaulted ? DMARC_POLICY_NONE : a->p)
                              : DMARC_POLICY_UNSET;
    json_t *o = json_object();

    json_object_set_new(o, "domain", json_string(pi->domain));
    json_object_set_new(o, "org_domain", json_str_or_null(pi->org_domain));
    json_object_set_new(o, "record", json_str_or_null(r ? r->text : NULL));
    json_object_set_new(o, "policy", a ? json_string(dmarc_policy_name(pi->policy))
                                       : json_null());
    json_object_set_new(o, "policy_tag", a ? json_string(pi->policy_tag) : json_null());
    json_object_set_new(o, "subdomain_policy", a ? json_string(dmarc_policy_name(sub))
                                                 : json_null());
    json_object_set_new(o, "nonexistent_policy", a && a->np != DMARC_POLICY_UNSET
                        ? json_string(dmarc_policy_name(a->np)) : json_null());
    json_object_set_new(o, "pct", a ? json_integer(a->pct) : json_null());
    json_object_set_new(o, "testing", json_boolean(a && a->testing));
    json_object_set_new(o, "psd", a ? json_sprintf("%c", a->psd) : json_null());
    json_object_set_new(o, "adkim", a ? json_string(a->adkim == DMARC_ALIGN_STRICT ? "s" : "r")
                                      : json_null());
    json_object_set_new(o, "aspf", a ? json_string(a->aspf == DMARC_ALIGN_STRICT ? "s" : "r")
                                     : json_null());
    json_object_set_new(o, "rua", r ? uris(r->rua, r->nrua) : json_array());
    json_object_set_new(o, "ruf", r ? uris(r->ruf, r->nruf) : json_array());
    json_object_set_new(o, "result", json_string(check_result(pi, fl)));
    json_object_set_new(o, "discovery", json_string(dmarc_discovery_name(pi->method)));
    json_object_set_new(o, "policy_domain", json_str_or_null(pi->policy_domain));
    json_object_set_new(o, "inherited", json_boolean(pi->inherited));
    json_object_set_new(o, "psd_policy", json_boolean(pi->psd_policy));
    json_object_set_new(o, "domain_exists", pi->domain_exists < 0 ? json_null()
                        : json_boolean(pi->domain_exists));
    json_object_set_new(o, "error", json_str_or_null(pi->error));
    json_object_set_new(o, "tags", tags(r));
    json_object_set_new(o, "queries", steps(pi));
    json_object_set_new(o, "problems", dmarc_json_findings(fl));
    return o;
}

static const char *sev_colour(enum finding_severity s)
{
    return s == SEV_FAIL || s == SEV_ERROR ? out_red() : s == SEV_WARN ? out_yellow()
         : s == SEV_PASS ? out_green() : out_dim();
}

/* "  policy      " with the value column at 14 display columns. */
static void label(const char *text)
{
    fputs("  ", stdout);
    cmd_print_padded(stdout, text, 12);
}

void dmarc_print_policy(const struct dmarc_policy_info *pi, const struct finding_list *fl)
{
    const struct dmarc_record *r = pi->record ? pi->record : pi->invalid;

    printf(_("%s%s%s  (%s discovery)\n"), out_bold(), out_esc(pi->domain), out_reset(),
           pi->method == DMARC_DISCOVERY_PSL ? _("RFC 7489 PSL") : _("RFC 9989 tree walk"));
    label(_("policy"));
    if (pi->found == DMARC_FOUND)
        printf(_("%s%s%s (%s) from _dmarc.%s%s\n"), out_bold(),
               dmarc_policy_name(pi->policy), out_reset(), out_esc(pi->policy_tag),
               out_esc(pi->policy_domain),
               pi->inherited ? (pi->psd_policy ? _("  [public suffix policy]")
                                               : _("  [inherited]")) : "");
    else
        printf("%s%s%s%s%s\n", pi->found == DMARC_FOUND_NONE ? out_red()
               : out_yellow(), pi->found == DMARC_FOUND_NONE ? _("none found")
               : dmarc_found_name(pi->found), pi->error ? ": " : "",
               out_esc(pi->error_for_people), out_reset());
    label(_("org domain"));
    printf("%s\n", pi->org_domain ? out_esc(pi->org_domain) : "-");
    if (r) {
        label(_("record"));
        printf("%s\n", out_esc(r->text));
        for (size_t i = 0; i < r->ntags; i++)
        {
            fputs("    ", stdout);      /* values from DNS may be any UTF-8: pad by width */
            cmd_print_padded(stdout, out_esc(r->tags[i].name), 6);
            putchar(' ');
            cmd_print_padded(stdout, out_esc(r->tags[i].value), 24);
            /* the names are in the catalog (N_ in libauth/dmarc/util.c) */
            printf(" %s%s%s\n", _(dmarc_standard_name(r->tags[i].standard)),
                   r->tags[i].valid ? "" : _("  INVALID"),
                   r->tags[i].duplicate ? _(" (duplicate)") : "");
        }
    }
    printf("  %s\n", _("queries"));
    for (size_t i = 0; i < pi->nsteps; i++)
        printf("    %-40s TXT %-9s %s\n", out_esc(pi->steps[i].name),
               dns_status_name(pi->steps[i].status),
               out_esc(pi->steps[i].note));
    if (fl && fl->count) {
        printf("  %s\n", _("findings"));
        for (size_t i = 0; i < fl->count; i++) {
            const struct finding *f = &fl->items[i];
            printf("    %s%-5s%s %-24s %s\n", sev_colour(f->severity),
                   auth_finding_severity_name(f->severity), out_reset(), f->id, out_esc(f->summary));
            if (f->detail && g_opts.verbose >= 0)
                printf("          %s\n", out_esc(f->detail));
            if (f->fix)
                printf(_("          fix: %s\n"), out_esc(f->fix));
        }
    }
}

void dmarc_print_disagreements(json_t *diffs)
{
    size_t i;
    json_t *d;

    if (json_array_size(diffs) == 0) {
        printf(_("\n%sthe RFC 9989 tree walk and the RFC 7489 PSL method agree%s\n"),
               out_green(), out_reset());
        return;
    }
    printf(_("\n%sthe two methods disagree:%s\n"), out_yellow(), out_reset());
    json_array_foreach(diffs, i, d) {
        const char *a = json_string_value(json_object_get(d, "treewalk"));
        const char *b = json_string_value(json_object_get(d, "psl"));
        fputs("  ", stdout);
        cmd_print_padded(stdout, json_string_value(json_object_get(d, "field")), 15);
        cmd_print_padded(stdout, _("tree walk:"), 11);
        printf("%s\n%17s", a ? out_esc(a) : "-", "");
        cmd_print_padded(stdout, _("PSL:"), 11);
        printf("%s\n", b ? out_esc(b) : "-");
    }
}
