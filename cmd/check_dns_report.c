/*
 * check_dns_report.c - render an audit: text grouped by area, JSON, JUnit.
 */
#include <stdlib.h>
#include <string.h>

#include "check_dns.h"

int report_exit(const struct audit_result *r, enum finding_severity gate)
{
    bool error = false;

    for (size_t i = 0; i < r->findings.count; i++) {
        enum finding_severity s = r->findings.items[i].severity;
        if (s <= SEV_FAIL && s >= gate)
            return EXIT_PROBLEM;
        if (s == SEV_ERROR)
            error = true;
    }
    return error ? EXIT_RUNTIME : EXIT_OK;
}

/* "mx.target-cname" -> length of "mx". */
static size_t area_len(const char *id)
{
    const char *dot = strchr(id, '.');
    return dot ? (size_t)(dot - id) : strlen(id);
}

static const struct { const char *area, *title; } areas[] = {
    {"mx", N_("MX and addresses")}, {"ptr", N_("Reverse DNS")}, {"smtp", N_("SMTP and TLS")},
    {"spf", N_("SPF")}, {"dkim", N_("DKIM")}, {"dmarc", N_("DMARC")}, {"mtasts", N_("MTA-STS")},
    {"tlsrpt", N_("TLS reporting")}, {"dnssec", N_("DNSSEC")}, {"dane", N_("DANE")},
    {"bimi", N_("BIMI")}, {"dnsbl", N_("Blocklists")}, {"profile", N_("Sender requirements")},
};
#define NAREAS (sizeof areas / sizeof areas[0])

/* Position of an id's area in the report (unknown areas last). */
static size_t area_rank(const char *id)
{
    size_t n = area_len(id);

    for (size_t i = 0; i < NAREAS; i++)
        if (strlen(areas[i].area) == n && !strncmp(areas[i].area, id, n))
            return i;
    return NAREAS;
}

static const char *area_title(const char *id, size_t n)
{
    size_t r = area_rank(id);
    (void)n;
    return r < NAREAS ? areas[r].title : NULL;
}

/* Indices of the findings grouped by area, keeping their order within one. */
static size_t *grouped_order(const struct finding_list *l)
{
    size_t *idx = calloc(l->count ? l->count : 1, sizeof *idx), k = 0;

    if (!idx)
        return NULL;
    for (size_t rank = 0; rank <= NAREAS; rank++)
        for (size_t i = 0; i < l->count; i++)
            if (area_rank(l->items[i].id) == rank)
                idx[k++] = i;
    return idx;
}

void report_text(const struct audit_result *r, enum finding_severity gate)
{
    const struct finding_list *l = &r->findings;
    size_t n[SEV_SKIPPED + 1] = {0};
    int rc = report_exit(r, gate);

    size_t *order = grouped_order(l);
    char shown[600];

    printf("%s%s%s\n", out_bold(),
           out_esc(cmd_name_for_people(r->domain, shown, sizeof shown)), out_reset());
    for (size_t k = 0; order && k < l->count; k++) {
        const struct finding *f = &l->items[order[k]];
        const struct finding *prev = k ? &l->items[order[k - 1]] : NULL;
        size_t alen = area_len(f->id);
        bool new_area = !prev || area_len(prev->id) != alen ||
                        strncmp(prev->id, f->id, alen) != 0;
        if (new_area) {
            const char *t = area_title(f->id, alen);
            if (t)
                printf("\n %s%s%s\n", out_bold(), _(t), out_reset());
            else
                printf("\n %s%.*s%s\n", out_bold(), (int)alen, f->id, out_reset());
        }
        print_finding(f, g_opts.verbose);
        if ((unsigned)f->severity <= SEV_SKIPPED)
            n[f->severity]++;
    }
    printf(_("\n %s%s%s: %zu pass, %zu info, %zu warn, %zu fail, %zu error  (%lu ms, %lu queries)\n"),
           rc == EXIT_OK ? out_green() : out_red(),
           rc == EXIT_OK ? _("OK") : rc == EXIT_PROBLEM ? _("PROBLEMS") : _("INCONCLUSIVE"),
           out_reset(), n[SEV_PASS], n[SEV_INFO], n[SEV_WARN], n[SEV_FAIL], n[SEV_ERROR],
           r->timing_ms, r->queries);
    free(order);
}

static json_t *json_records(const struct audit_result *r)
{
    json_t *obj = json_object();

    for (size_t i = 0; i < r->nrecords; i++) {
        json_t *arr = json_object_get(obj, r->records[i].key);
        if (!arr) {
            arr = json_array();
            json_object_set_new(obj, r->records[i].key, arr);
        }
        json_array_append_new(arr, json_string(r->records[i].value));
    }
    return obj;
}

json_t *report_json(const struct audit_result *r, enum finding_severity gate)
{
    return json_pack("{s:s, s:b, s:s, s:o, s:o, s:o, s:I, s:I}", "domain", r->domain,
                     "ok", report_exit(r, gate) == EXIT_OK,
                     "verdict", report_exit(r, gate) == EXIT_OK ? "pass" :
                                report_exit(r, gate) == EXIT_PROBLEM ? "fail" : "inconclusive",
                     "summary", json_finding_summary(&r->findings),
                     "findings", json_findings(&r->findings), "records", json_records(r),
                     "timing_ms", (json_int_t)r->timing_ms, "queries", (json_int_t)r->queries);
}

/* XML text with the five special characters escaped; control bytes dropped. */
static void xml_text(const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", stdout); break;
        case '>': fputs("&gt;", stdout); break;
        case '&': fputs("&amp;", stdout); break;
        case '"': fputs("&quot;", stdout); break;
        case '\'': fputs("&apos;", stdout); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
                putchar(*s);
        }
    }
}

static void junit_case(const char *domain, const struct finding *f, enum finding_severity gate)
{
    printf("    <testcase classname=\"");
    xml_text(domain);
    printf("\" name=\"");
    xml_text(f->id);
    printf("\">");
    if (f->severity <= SEV_FAIL && f->severity >= gate) {
        printf("<failure type=\"%s\" message=\"", auth_finding_severity_name(f->severity));
        xml_text(f->summary);
        printf("\">");
        xml_text(f->detail);
        if (f->fix) {
            printf("\nfix: ");
            xml_text(f->fix);
        }
        printf("</failure>");
    } else if (f->severity == SEV_ERROR) {
        printf("<error message=\"");
        xml_text(f->summary);
        printf("\">");
        xml_text(f->detail);
        printf("</error>");
    } else if (f->severity == SEV_SKIPPED) {
        printf("<skipped message=\"");
        xml_text(f->summary);
        printf("\"/>");
    }
    printf("</testcase>\n");
}

void report_junit(struct audit_result *const *results, size_t n, enum finding_severity gate)
{
    printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mailctl check-dns\">\n");
    for (size_t d = 0; d < n; d++) {
        const struct audit_result *r = results[d];
        size_t fails = 0, errors = 0, skipped = 0;
        if (!r)
            continue;
        for (size_t i = 0; i < r->findings.count; i++) {
            enum finding_severity s = r->findings.items[i].severity;
            fails += s <= SEV_FAIL && s >= gate;
            errors += s == SEV_ERROR;
            skipped += s == SEV_SKIPPED;
        }
        printf("  <testsuite name=\"");
        xml_text(r->domain);
        printf("\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
               r->findings.count, fails, errors, skipped, (double)r->timing_ms / 1000.0);
        for (size_t i = 0; i < r->findings.count; i++)
            junit_case(r->domain, &r->findings.items[i], gate);
        printf("  </testsuite>\n");
    }
    printf("</testsuites>\n");
}

void report_expect(const struct audit_result *r)
{
    for (size_t i = 0; i < r->findings.count; i++)
        if (r->findings.items[i].severity != SEV_PASS)
            printf("%s %s %s\n", r->domain, r->findings.items[i].id,
                   auth_finding_severity_name(r->findings.items[i].severity));
}
