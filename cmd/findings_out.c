/*
 * findings_out.c - one rendering of findings for every command that lints
 * (check-dns, spf lint, dkim record, dmarc check): JSON objects with the
 * keys of ../shared/cli.md, and a text block per finding with a mark,
 * colour only on a TTY, and the fix record indented beneath.
 */
#include <string.h>

#include "auth/finding.h"
#include "cmd.h"

json_t *json_finding(const struct finding *f)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}",
                     "id", f->id, "severity", auth_finding_severity_name(f->severity),
                     "summary", f->summary, "detail", json_str_or_null(f->detail),
                     "fix", json_str_or_null(f->fix),
                     "reference", json_str_or_null(f->reference),
                     "evidence", json_str_or_null(f->evidence));
}

json_t *json_findings(const struct finding_list *l)
{
    json_t *a = json_array();

    for (size_t i = 0; i < l->count; i++)
        json_array_append_new(a, json_finding(&l->items[i]));
    return a;
}

json_t *json_finding_summary(const struct finding_list *l)
{
    size_t n[SEV_SKIPPED + 1] = {0};

    for (size_t i = 0; i < l->count; i++)
        if ((unsigned)l->items[i].severity <= SEV_SKIPPED)
            n[l->items[i].severity]++;
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "pass", (json_int_t)n[SEV_PASS],
                     "info", (json_int_t)n[SEV_INFO], "warn", (json_int_t)n[SEV_WARN],
                     "fail", (json_int_t)n[SEV_FAIL], "error", (json_int_t)n[SEV_ERROR],
                     "skipped", (json_int_t)n[SEV_SKIPPED]);
}

static const char *mark(enum finding_severity s)
{
    switch (s) {
    case SEV_PASS: return "pass";
    case SEV_INFO: return "info";
    case SEV_WARN: return "WARN";
    case SEV_FAIL: return "FAIL";
    case SEV_ERROR: return "ERR ";
    case SEV_SKIPPED: return "skip";
    }
    return "?";
}

static const char *sev_color(enum finding_severity s)
{
    switch (s) {
    case SEV_PASS: return out_green();
    case SEV_WARN: return out_yellow();
    case SEV_FAIL: case SEV_ERROR: return out_red();
    default: return out_dim();
    }
}

/* Print text with every line after the first indented. */
static void print_indented(const char *label, const char *text, const char *indent)
{
    const char *p = text;

    printf("%s%s", indent, label);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        printf("%s\n", out_escn(p, n));
        p += n;
        if (*p == '\n')
            p++;
        if (*p)
            printf("%s%*s", indent, (int)cmd_text_width(label), "");
    }
}

void print_finding(const struct finding *f, int verbose)
{
    printf("  %s[%s]%s %-26s %s\n", sev_color(f->severity), mark(f->severity), out_reset(),
           f->id, out_esc(f->summary));
    if (f->detail && *f->detail)
        print_indented("", f->detail, "         ");
    if (f->fix && *f->fix) {
        printf("         %s%s%s\n", out_bold(), _("fix:"), out_reset());
        print_indented("", f->fix, "           ");
    }
    if (verbose > 0 && f->reference)
        printf(_("         %ssee %s%s\n"), out_dim(), out_esc(f->reference), out_reset());
    if (verbose > 0 && f->evidence)
        print_indented(_("evidence: "), f->evidence, "         ");
}

void print_findings(const struct finding_list *l, int verbose)
{
    for (size_t i = 0; i < l->count; i++)
        print_finding(&l->items[i], verbose);
}
