/*
 * fleet_html.c - the fleet model (fleet.c) as one self-contained HTML page:
 * inline CSS and SVG bar charts, no script, no external resource (a
 * Content-Security-Policy says so to the browser), every text from the
 * files escaped.  The numbers carry data-* attributes so a test can read
 * them back from the DOM and compare them with --json.
 */
#include <string.h>

#include "fleet.h"

#define SHOWN 1024
#define CHART_IDS 20          /* bars in the findings chart */
#define CHANGES_SHOWN 500

static json_int_t num(json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

/* Outside text for HTML: control and invalid octets made visible first,
 * then the five special characters as entities. */
static void esc(const char *s)
{
    for (const char *p = out_esc(s); *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", stdout); break;
        case '>': fputs("&gt;", stdout); break;
        case '&': fputs("&amp;", stdout); break;
        case '"': fputs("&quot;", stdout); break;
        case '\'': fputs("&#39;", stdout); break;
        default: putchar(*p);
        }
    }
}

static void esc_json(json_t *s)
{
    esc(json_string_value(s));
}

static const char *const verdicts[] = { "pass", "fail", "inconclusive", "error" };
static const char *const colours[] = { "#2e7d32", "#c62828", "#ef6c00", "#616161" };

static void head(json_t *m)
{
    printf("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>mailctl fleet: %lld domains</title>\n<style>\n"
           "body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1150px;"
           "color:#222;padding:0 1em}\n"
           "h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}\n"
           "table{border-collapse:collapse;margin:.5em 0}th,td{padding:.25em .7em;"
           "text-align:left;border-bottom:1px solid #eee;vertical-align:top}\n"
           "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
           "code{font:13px ui-monospace,monospace}.muted{color:#666}\n"
           "svg text{font:12px system-ui,sans-serif}\n"
           "</style>\n</head>\n<body>\n", (long long)num(m, "domains"));
}

/* A horizontal bar chart: labels, values, colours; width scaled to max. */
static void bar_chart(const char *label, const char *const *names, const json_int_t *values,
                      const char *const *fills, size_t n)
{
    json_int_t max = 1;
    const int row = 24, left = 260, width = 560;

    for (size_t i = 0; i < n; i++)
        max = values[i] > max ? values[i] : max;
    printf("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" height=\"%zu\" "
           "aria-label=\"", left + width + 80, n * (size_t)row + 4);
    esc(label);
    printf("\">\n");
    for (size_t i = 0; i < n; i++) {
        int w = (int)(values[i] * width / max);
        int y = (int)i * row;
        printf("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 8, y + 16);
        esc(names[i]);
        printf("</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
               "<text x=\"%d\" y=\"%d\">%lld</text>\n", left, y + 3, w ? w : 1, row - 6,
               fills[i], left + (w ? w : 1) + 6, y + 16, (long long)values[i]);
    }
    printf("</svg>\n");
}

static void section_verdicts(json_t *m)
{
    json_t *v = json_object_get(m, "verdicts");
    json_int_t values[4], total = num(m, "domains");

    printf("<section id=\"verdicts\">\n<h2>Verdicts</h2>\n");
    for (size_t i = 0; i < 4; i++)
        values[i] = num(v, verdicts[i]);
    bar_chart("domains per verdict", verdicts, values, colours, 4);
    printf("<table>\n<tr><th>verdict</th><th>domains</th><th>share</th></tr>\n");
    for (size_t i = 0; i < 4; i++)
        printf("<tr><th>%s</th><td class=\"n\" data-verdict=\"%s\">%lld</td>"
               "<td class=\"n\">%.1f%%</td></tr>\n", verdicts[i], verdicts[i],
               (long long)values[i], total ? 100.0 * (double)values[i] / (double)total : 0.0);
    printf("</table>\n</section>\n");
}

static void findings_chart(json_t *ids)
{
    const char *names[CHART_IDS], *fills[CHART_IDS];
    json_int_t values[CHART_IDS];
    size_t n = 0;
    json_t *e;
    size_t i;

    json_array_foreach(ids, i, e) {
        if (n == CHART_IDS)
            break;
        names[n] = json_string_value(json_object_get(e, "id"));
        values[n] = num(e, "domains");
        fills[n] = num(e, "fail") ? colours[1] : num(e, "warn") ? colours[2] : colours[3];
        n++;
    }
    if (n)
        bar_chart("domains per finding id", names, values, fills, n);
}

static void section_findings(json_t *m)
{
    json_t *ids = json_object_get(m, "findings"), *e, *ex;
    size_t i, k;

    printf("<section id=\"findings\">\n<h2>Findings</h2>\n<p class=\"muted\">Domains with the "
           "id at fail, warn or error (each domain once, at its worst); the first examples "
           "by name.</p>\n");
    findings_chart(ids);
    printf("<table>\n<tr><th>id</th><th>domains</th><th>fail</th><th>warn</th><th>error</th>"
           "<th>examples</th></tr>\n");
    json_array_foreach(ids, i, e) {
        printf("<tr data-id=\"");
        esc_json(json_object_get(e, "id"));
        printf("\"><td><code>");
        esc_json(json_object_get(e, "id"));
        printf("</code></td><td class=\"n\" data-k=\"domains\">%lld</td>"
               "<td class=\"n\" data-k=\"fail\">%lld</td><td class=\"n\" data-k=\"warn\">%lld"
               "</td><td class=\"n\" data-k=\"error\">%lld</td><td>",
               (long long)num(e, "domains"), (long long)num(e, "fail"),
               (long long)num(e, "warn"), (long long)num(e, "error"));
        json_array_foreach(json_object_get(e, "examples"), k, ex) {
            if (k)
                printf(", ");
            esc_json(ex);
        }
        printf("</td></tr>\n");
    }
    printf("</table>\n</section>\n");
}

static void section_worst(json_t *m)
{
    json_t *w = json_object_get(m, "worst"), *d;
    size_t i;

    printf("<section id=\"worst\">\n<h2>Worst domains</h2>\n<table>\n<tr><th>domain</th>"
           "<th>verdict</th><th>fail</th><th>warn</th><th>error</th></tr>\n");
    json_array_foreach(w, i, d) {
        printf("<tr data-domain=\"");
        esc_json(json_object_get(d, "domain"));
        printf("\"><td>");
        esc_json(json_object_get(d, "domain"));
        printf("</td><td>");
        esc_json(json_object_get(d, "verdict"));
        printf("</td><td class=\"n\" data-k=\"fail\">%lld</td><td class=\"n\" data-k=\"warn\">"
               "%lld</td><td class=\"n\" data-k=\"error\">%lld</td></tr>\n",
               (long long)num(d, "fail"), (long long)num(d, "warn"), (long long)num(d, "error"));
    }
    printf("</table>\n</section>\n");
}

static void id_list(json_t *arr)
{
    json_t *id;
    size_t i;

    json_array_foreach(arr, i, id) {
        printf("%s<code>", i ? " " : "");
        esc_json(id);
        printf("</code>");
    }
}

static void section_baseline(json_t *b)
{
    json_t *changes = json_object_get(b, "changes"), *c;
    size_t i;

    if (!json_is_object(b))
        return;
    printf("<section id=\"baseline\">\n<h2>Against the baseline</h2>\n<p>"
           "<span data-k=\"new_problems\">%lld</span> new problems, "
           "<span data-k=\"fixed_problems\">%lld</span> fixed, "
           "<span data-k=\"domains_added\">%lld</span> domains added, "
           "<span data-k=\"domains_removed\">%lld</span> removed "
           "<span class=\"muted\">(baseline: %lld domains in %lld files)</span></p>\n",
           (long long)num(b, "new_problems"), (long long)num(b, "fixed_problems"),
           (long long)num(b, "domains_added"), (long long)num(b, "domains_removed"),
           (long long)num(b, "domains"), (long long)num(b, "files"));
    printf("<table>\n<tr><th>domain</th><th>new problems</th><th>fixed</th></tr>\n");
    json_array_foreach(changes, i, c) {
        if (i == CHANGES_SHOWN) {
            printf("<tr><td colspan=\"3\" class=\"muted\">%zu more (mailctl fleet --json lists "
                   "them all)</td></tr>\n", json_array_size(changes) - i);
            break;
        }
        printf("<tr data-domain=\"");
        esc_json(json_object_get(c, "domain"));
        printf("\"><td>");
        esc_json(json_object_get(c, "domain"));
        if (json_is_true(json_object_get(c, "added")))
            printf(" <span class=\"muted\">(new domain)</span>");
        if (json_is_true(json_object_get(c, "removed")))
            printf(" <span class=\"muted\">(removed)</span>");
        printf("</td><td>");
        id_list(json_object_get(c, "new"));
        printf("</td><td>");
        id_list(json_object_get(c, "fixed"));
        printf("</td></tr>\n");
    }
    printf("</table>\n</section>\n");
}

void fleet_print_html(json_t *m)
{
    head(m);
    printf("<h1>Fleet: <span data-k=\"domains\">%lld</span> domains</h1>\n<p class=\"muted\">"
           "from <span data-k=\"files\">%lld</span> files, %lld lines; "
           "<span data-k=\"unreadable\">%lld</span> lines not results, "
           "<span data-k=\"duplicates\">%lld</span> duplicate domains ignored</p>\n",
           (long long)num(m, "domains"), (long long)num(m, "files"), (long long)num(m, "lines"),
           (long long)num(m, "unreadable"), (long long)num(m, "duplicates"));
    section_verdicts(m);
    section_findings(m);
    section_worst(m);
    section_baseline(json_object_get(m, "baseline"));
    printf("<p class=\"muted\">mailctl fleet %s</p>\n</body>\n</html>\n", MAILCTL_VERSION);
}
