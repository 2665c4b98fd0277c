/*
 * report_render.c - the summary as JSON (../shared/cli.md "report
 * summary", with more keys), text and CSV.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_summary.h"

int64_t rs_parse_iso(const char *s)
{
    struct tm tm = {0};
    char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);

    if (!end || *end)
        return -2;
    return (int64_t)timegm(&tm);
}

static json_t *iso(int64_t t)
{
    char buf[32];
    return t < 0 ? json_null() : json_string(report_time_iso(t, buf, sizeof buf));
}

static json_t *notes(const char arr[][400], size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(arr[i]));
    return a;
}

static json_t *source_json(const struct rs_source *x)
{
    json_t *fix = json_array();

    for (size_t i = 0; i < x->nfix; i++)
        json_array_append_new(fix, json_string(x->fix[i]));
    return json_pack("{s:s, s:o, s:b, s:o, s:I, s:I, s:I, s:I, s:s, s:o, s:o}",
                     "source_ip", x->db->ip, "ptr", json_str_or_null(x->ptr[0] ? x->ptr : NULL),
                     "fcrdns", x->fcrdns, "group", json_str_or_null(x->group[0] ? x->group : NULL),
                     "messages", (json_int_t)x->db->messages,
                     "dmarc_pass", (json_int_t)x->db->dmarc_pass,
                     "spf_aligned", (json_int_t)x->db->spf_aligned,
                     "dkim_aligned", (json_int_t)x->db->dkim_aligned,
                     "status", rs_status_name(x->status), "why", notes(x->why, x->nwhy),
                     "fix", fix);
}

static json_t *tls_json(const struct reportdb_domain *d)
{
    json_t *f = json_array();

    for (size_t i = 0; i < d->ntls_failures; i++) {
        const struct reportdb_tls_failure *x = &d->tls_failures[i];
        json_array_append_new(f, json_pack("{s:s, s:s, s:I, s:s}", "mx", x->mx, "result_type",
                                           x->result_type, "count", (json_int_t)x->count,
                                           "meaning", rs_tls_meaning(x->result_type)));
    }
    return json_pack("{s:I, s:I, s:I, s:o}", "reports", (json_int_t)d->tls_reports,
                     "success", (json_int_t)d->tls_success, "failure", (json_int_t)d->tls_failure,
                     "failures", f);
}

static json_t *domain_json(const struct rs_domain *d)
{
    json_t *src = json_array(), *days = json_array();
    const struct reportdb_domain *x = d->db;

    for (size_t i = 0; i < d->nsources; i++)
        json_array_append_new(src, source_json(&d->sources[i]));
    for (size_t i = 0; i < x->ndays; i++)
        json_array_append_new(days, json_pack("{s:o, s:I, s:I}", "day", iso(x->days[i].day),
                                              "messages", (json_int_t)x->days[i].messages,
                                              "dmarc_pass", (json_int_t)x->days[i].dmarc_pass));
    return json_pack("{s:s, s:I, s:I, s:I, s:f, s:o, s:{s:o, s:o, s:i}, s:o, s:o, s:{s:s, s:i, s:i,"
                     " s:I, s:o}, s:o, s:I}",
                     "domain", x->domain, "reports", (json_int_t)x->reports,
                     "messages", (json_int_t)x->messages, "dmarc_pass", (json_int_t)x->dmarc_pass,
                     "aligned_share", d->aligned_share,
                     "policy", json_str_or_null(x->policy[0] ? x->policy : NULL),
                     "period", "begin", iso(x->first), "end", iso(x->last), "days", d->days,
                     "sources", src, "days", days,
                     "readiness", "text", d->readiness, "sources_left", (int)d->sources_left,
                     "spoofing_sources", (int)d->spoofing,
                     "spoofed_messages", (json_int_t)d->spoofed_messages,
                     "next_policy", json_str_or_null(d->next_policy[0] ? d->next_policy : NULL),
                     "tlsrpt", tls_json(x), "failure_reports", (json_int_t)x->failure_reports);
}

json_t *rs_json(const struct rs_summary *s)
{
    json_t *doms = json_array();

    for (size_t i = 0; i < s->ndomains; i++)
        json_array_append_new(doms, domain_json(&s->domains[i]));
    return json_pack("{s:o, s:I}", "domains", doms, "unreadable", (json_int_t)s->db->unreadable);
}

static const char *status_color(enum rs_status st)
{
    return st == RS_ALIGNED ? out_green() : st == RS_SPOOFING ? out_red() : out_yellow();
}

/* Columns of the sources table in display columns: as wide as the widest
 * address and name (at least the minimum, a name cut at the maximum), a
 * translated heading padded by its width, not its octets. */
enum { COL_SOURCE = 16, COL_NAME = 34, COL_NAME_MAX = 60, COL_MESSAGES = 9, COL_ALIGNED = 9 };

struct cols { size_t source, name; };

static void source_name(const struct rs_source *s, char *name, size_t len)
{
    snprintf(name, len, "%s%s%s%s", s->ptr[0] ? s->ptr : _("(no PTR)"),
             s->group[0] ? " (" : "", s->group, s->group[0] ? ")" : "");
}

static struct cols column_widths(const struct rs_domain *d)
{
    struct cols c = { COL_SOURCE, COL_NAME };
    char name[600];

    for (size_t i = 0; i < d->nsources; i++) {
        size_t w = cmd_text_width(rpt_safe(d->sources[i].db->ip));
        if (w > c.source)
            c.source = w;
        source_name(&d->sources[i], name, sizeof name);
        w = cmd_text_width(rpt_safe(name));
        if (w > c.name)
            c.name = w > COL_NAME_MAX ? COL_NAME_MAX : w;
    }
    return c;
}

static void source_row(const struct rs_source *s, const struct cols *c)
{
    char name[600], num[32];

    source_name(s, name, sizeof name);
    fputs("  ", stdout);
    cmd_print_cell(stdout, rpt_safe(s->db->ip), c->source);
    putchar(' ');
    cmd_print_cell(stdout, rpt_safe(name), c->name);
    putchar(' ');
    snprintf(num, sizeof num, "%llu", (unsigned long long)s->db->messages);
    cmd_print_right(stdout, num, COL_MESSAGES);
    putchar(' ');
    snprintf(num, sizeof num, "%.1f%%", s->db->messages ? 100.0 * (double)s->db->dmarc_pass /
             (double)s->db->messages : 0);
    cmd_print_right(stdout, num, COL_ALIGNED);
    printf("  %s%s%s%s\n", status_color(s->status), rs_status_name(s->status), out_reset(),
           s->ptr[0] && !s->fcrdns ? _(" (PTR not forward-confirmed)") : "");
    for (size_t k = 0; k < s->nwhy; k++)
        printf(_("      why: %s\n"), rpt_safe(s->why[k]));
    for (size_t k = 0; k < s->nfix; k++)
        printf(_("      %sfix%s: %s\n"), out_green(), out_reset(), rpt_safe(s->fix[k]));
}

static void sources_heading(const struct cols *c)
{
    fputs("\n  ", stdout);
    cmd_print_cell(stdout, _("source"), c->source);
    putchar(' ');
    cmd_print_cell(stdout, _("PTR name (group)"), c->name);
    putchar(' ');
    cmd_print_right(stdout, _("messages"), COL_MESSAGES);
    putchar(' ');
    cmd_print_right(stdout, _("aligned"), COL_ALIGNED);
    printf("  %s\n", _("status"));
}

static void text_tls(const struct reportdb_domain *x)
{
    printf(NP_("\n  TLS-RPT: %llu report, %llu sessions succeeded, %llu failed\n",
               "\n  TLS-RPT: %llu reports, %llu sessions succeeded, %llu failed\n",
               x->tls_reports),
           (unsigned long long)x->tls_reports, (unsigned long long)x->tls_success,
           (unsigned long long)x->tls_failure);
    for (size_t i = 0; i < x->ntls_failures; i++) {
        fputs("    ", stdout);
        cmd_print_cell(stdout, rpt_safe(x->tls_failures[i].mx), 28);
        putchar(' ');
        cmd_print_cell(stdout, rpt_safe(x->tls_failures[i].result_type), 28);
        printf(" %6llu  %s\n", (unsigned long long)x->tls_failures[i].count,
               _(rs_tls_meaning(x->tls_failures[i].result_type)));
    }
}

static void text_domain(const struct rs_domain *d)
{
    const struct reportdb_domain *x = d->db;
    char b[32], e[32];

    printf("%s%s%s  ", out_bold(), rpt_safe(x->domain), out_reset());
    printf(NP_("%llu aggregate report, %s .. %s, policy p=%s\n",
               "%llu aggregate reports, %s .. %s, policy p=%s\n", x->reports),
           (unsigned long long)x->reports, report_time_iso(x->first, b, sizeof b),
           report_time_iso(x->last, e, sizeof e), x->policy[0] ? rpt_safe(x->policy) : "?");
    printf("  %s\n", d->readiness);
    if (d->spoofing)
        printf(NP_("  %s%zu source looks like spoofing (%llu messages)%s\n",
                   "  %s%zu sources look like spoofing (%llu messages)%s\n", d->spoofing),
               out_red(), d->spoofing, (unsigned long long)d->spoofed_messages, out_reset());
    struct cols c = column_widths(d);
    sources_heading(&c);
    for (size_t i = 0; i < d->nsources; i++)
        source_row(&d->sources[i], &c);
    if (x->tls_reports)
        text_tls(x);
    if (x->failure_reports)
        printf(NP_("\n  %llu failure report (RFC 6591) stored\n",
                   "\n  %llu failure reports (RFC 6591) stored\n", x->failure_reports),
               (unsigned long long)x->failure_reports);
    printf("\n");
}

void rs_text(const struct rs_summary *s)
{
    if (!s->ndomains)
        fputs(_("no reports stored yet (mailctl report import ...)\n"), stdout);
    for (size_t i = 0; i < s->ndomains; i++)
        text_domain(&s->domains[i]);
    if (s->db->unreadable)
        printf(NP_("%llu unreadable report stored with the reason (sqlite3: SELECT origin, "
                   "error FROM reports WHERE kind = 'error')\n",
                   "%llu unreadable reports stored with the reason (sqlite3: SELECT origin, "
                   "error FROM reports WHERE kind = 'error')\n", s->db->unreadable),
               (unsigned long long)s->db->unreadable);
}

/* RFC 4180 field: quoted, quotes doubled. */
static void csv_field(FILE *fp, const char *s, bool last)
{
    fputc('"', fp);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
    fputc(last ? '\n' : ',', fp);
}

int rs_csv(const struct rs_summary *s, FILE *fp)
{
    fprintf(fp, "domain,source_ip,ptr,group,messages,dmarc_pass,spf_aligned,dkim_aligned,status,"
                "why,fix\n");
    for (size_t i = 0; i < s->ndomains; i++)
        for (size_t k = 0; k < s->domains[i].nsources; k++) {
            const struct rs_source *x = &s->domains[i].sources[k];
            char why[1300] = "", fix[1900] = "";
            size_t wn = 0, fn = 0;
            for (size_t j = 0; j < x->nwhy; j++)
                wn += (size_t)snprintf(why + wn, sizeof why - wn, "%s%s", j ? "; " : "", x->why[j]);
            for (size_t j = 0; j < x->nfix; j++)
                fn += (size_t)snprintf(fix + fn, sizeof fix - fn, "%s%s", j ? "; " : "", x->fix[j]);
            csv_field(fp, s->domains[i].db->domain, false);
            csv_field(fp, x->db->ip, false);
            csv_field(fp, x->ptr, false);
            csv_field(fp, x->group, false);
            fprintf(fp, "%llu,%llu,%llu,%llu,", (unsigned long long)x->db->messages,
                    (unsigned long long)x->db->dmarc_pass, (unsigned long long)x->db->spf_aligned,
                    (unsigned long long)x->db->dkim_aligned);
            csv_field(fp, rs_status_name(x->status), false);
            csv_field(fp, why, false);
            csv_field(fp, fix, true);
        }
    return fflush(fp) == 0 && !ferror(fp) ? EXIT_OK : EXIT_RUNTIME;
}
