/*
 * report_html.c - the summary as one self-contained HTML file: inline CSS
 * and SVG charts (messages per day, DMARC pass share per day, top
 * sources), no script, no external resource, so it reads the same offline,
 * in a mail client or in a browser with JavaScript off.  Every figure is
 * also in a data-* attribute, so a test can compare the DOM with the JSON.
 * Text from reports and DNS is escaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_summary.h"

#define CHART_W 640
#define CHART_H 160

static void esc(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&#39;", fp); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n')
                fputc(*s, fp);
        }
    }
}

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;"
    "max-width:1100px;color:#1d2733;padding:0 16px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:2px solid "
    "#d7dee6;padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}"
    ".meta{color:#5b6b7b}.ready{font-size:16px;font-weight:600;padding:8px 12px;background:#eef5ff;"
    "border-left:4px solid #2f6fdb;margin:10px 0}.spoof{color:#b3261e;font-weight:600}"
    "table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:4px 8px;"
    "border-bottom:1px solid #e4e9ef;vertical-align:top}th{background:#f4f6f8;font-weight:600}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}td.k{white-space:nowrap}"
    ".st{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff}"
    ".aligned{background:#2e7d32}.partly-aligned,.unaligned,.own-unauthenticated{background:#b26a00}"
    ".suspected-spoofing{background:#b3261e}ul.notes{margin:2px 0 0 16px;padding:0;color:#3d4b59}"
    ".fix{color:#1b5e20}.charts{display:flex;flex-wrap:wrap;gap:16px}"
    "figure{margin:0}figcaption{font-size:12px;color:#5b6b7b}svg text{font-size:10px;fill:#5b6b7b}";

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0;
}

static void chart_volume(FILE *fp, const struct reportdb_domain *d)
{
    uint64_t max = 1;
    double bw;
    char day[32];

    for (size_t i = 0; i < d->ndays; i++)
        if (d->days[i].messages > max)
            max = d->days[i].messages;
    bw = d->ndays ? (double)(CHART_W - 40) / (double)d->ndays : 0;
    fprintf(fp, "<figure><svg class=\"chart-volume\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
            " role=\"img\" aria-label=\"messages per day\">", CHART_W, CHART_H + 20, CHART_W,
            CHART_H + 20);
    for (size_t i = 0; i < d->ndays; i++) {
        double h = (double)d->days[i].messages / (double)max * (CHART_H - 10);
        double hp = (double)d->days[i].dmarc_pass / (double)max * (CHART_H - 10);
        report_time_iso(d->days[i].day, day, sizeof day);
        day[10] = '\0';
        fprintf(fp, "<g class=\"day\" data-day=\"%s\" data-messages=\"%llu\" data-dmarc-pass=\"%llu\">"
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#e0a030\"/>"
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#2e7d32\"/>"
                "<text x=\"%.1f\" y=\"%d\">%s</text><title>%s: %llu messages, %llu aligned</title></g>",
                day, (unsigned long long)d->days[i].messages,
                (unsigned long long)d->days[i].dmarc_pass, 30 + i * bw + 2, CHART_H - h,
                bw > 6 ? bw - 4 : bw, h, 30 + i * bw + 2, CHART_H - hp, bw > 6 ? bw - 4 : bw, hp,
                30 + i * bw + 2, CHART_H + 14, day + 5, day,
                (unsigned long long)d->days[i].messages, (unsigned long long)d->days[i].dmarc_pass);
    }
    fprintf(fp, "<text x=\"0\" y=\"12\">%llu</text><line x1=\"28\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
            "stroke=\"#9aa7b4\"/></svg><figcaption>Messages per day (green: DMARC aligned, "
            "orange: not aligned)</figcaption></figure>\n", (unsigned long long)max, CHART_H,
            CHART_W, CHART_H);
}

static void chart_share(FILE *fp, const struct reportdb_domain *d)
{
    double step = d->ndays > 1 ? (double)(CHART_W - 40) / (double)(d->ndays - 1) : 0;

    fprintf(fp, "<figure><svg class=\"chart-share\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
            " role=\"img\" aria-label=\"DMARC pass share per day\">"
            "<line x1=\"28\" y1=\"10\" x2=\"%d\" y2=\"10\" stroke=\"#e4e9ef\"/>"
            "<text x=\"0\" y=\"14\">100%%</text><text x=\"8\" y=\"%d\">0%%</text>"
            "<line x1=\"28\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9aa7b4\"/><polyline fill=\"none\" "
            "stroke=\"#2f6fdb\" stroke-width=\"2\" points=\"", CHART_W, CHART_H + 20, CHART_W,
            CHART_H + 20, CHART_W, CHART_H, CHART_H, CHART_W, CHART_H);
    for (size_t i = 0; i < d->ndays; i++)
        fprintf(fp, "%.1f,%.1f ", 30 + i * step,
                CHART_H - pct(d->days[i].dmarc_pass, d->days[i].messages) / 100 * (CHART_H - 10));
    fprintf(fp, "\"/>");
    for (size_t i = 0; i < d->ndays; i++)
        fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#2f6fdb\"><title>%.1f %%</title>"
                "</circle>", 30 + i * step,
                CHART_H - pct(d->days[i].dmarc_pass, d->days[i].messages) / 100 * (CHART_H - 10),
                pct(d->days[i].dmarc_pass, d->days[i].messages));
    fprintf(fp, "</svg><figcaption>DMARC pass share per day</figcaption></figure>\n");
}

static void chart_sources(FILE *fp, const struct rs_domain *d)
{
    size_t n = d->nsources < 10 ? d->nsources : 10;
    uint64_t max = n ? d->sources[0].db->messages : 1;

    if (!max)
        max = 1;
    fprintf(fp, "<figure><svg class=\"chart-sources\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\""
            " role=\"img\" aria-label=\"top sources\">", CHART_W, n * 22 + 4, CHART_W, n * 22 + 4);
    for (size_t i = 0; i < n; i++) {
        const struct rs_source *s = &d->sources[i];
        double w = (double)s->db->messages / (double)max * (CHART_W - 330);
        double wp = (double)s->db->dmarc_pass / (double)max * (CHART_W - 330);
        fprintf(fp, "<text x=\"0\" y=\"%zu\">", i * 22 + 15);
        esc(fp, s->ptr[0] ? s->ptr : s->db->ip);
        fprintf(fp, "</text><rect x=\"250\" y=\"%zu\" width=\"%.1f\" height=\"16\" fill=\"#e0a030\"/>"
                "<rect x=\"250\" y=\"%zu\" width=\"%.1f\" height=\"16\" fill=\"#2e7d32\"/>"
                "<text x=\"%.1f\" y=\"%zu\">%llu</text>", i * 22 + 3, w, i * 22 + 3, wp, 256 + w,
                i * 22 + 15, (unsigned long long)s->db->messages);
    }
    fprintf(fp, "</svg><figcaption>Top sources by messages (green: aligned)</figcaption>"
            "</figure>\n");
}

static void source_row(FILE *fp, const struct rs_source *s)
{
    fprintf(fp, "<tr class=\"source\" data-ip=\"");
    esc(fp, s->db->ip);
    fprintf(fp, "\" data-messages=\"%llu\" data-dmarc-pass=\"%llu\" data-status=\"%s\"><td>",
            (unsigned long long)s->db->messages, (unsigned long long)s->db->dmarc_pass,
            rs_status_name(s->status));
    esc(fp, s->db->ip);
    fprintf(fp, "</td><td>");
    esc(fp, s->ptr[0] ? s->ptr : "(no PTR)");
    if (s->ptr[0] && !s->fcrdns)
        fprintf(fp, " <small>(not forward-confirmed)</small>");
    fprintf(fp, "</td><td>");
    esc(fp, s->group);
    fprintf(fp, "</td><td class=\"n\">%llu</td><td class=\"n\">%.1f %%</td><td class=\"n\">%llu</td>"
            "<td class=\"n\">%llu</td><td><span class=\"st %s\">%s</span>",
            (unsigned long long)s->db->messages, pct(s->db->dmarc_pass, s->db->messages),
            (unsigned long long)s->db->spf_aligned, (unsigned long long)s->db->dkim_aligned,
            rs_status_name(s->status), rs_status_name(s->status));
    if (s->nwhy || s->nfix) {
        fprintf(fp, "<ul class=\"notes\">");
        for (size_t i = 0; i < s->nwhy; i++) {
            fprintf(fp, "<li>");
            esc(fp, s->why[i]);
            fprintf(fp, "</li>");
        }
        for (size_t i = 0; i < s->nfix; i++) {
            fprintf(fp, "<li class=\"fix\">Fix: ");
            esc(fp, s->fix[i]);
            fprintf(fp, "</li>");
        }
        fprintf(fp, "</ul>");
    }
    fprintf(fp, "</td></tr>\n");
}

static void tls_policies_table(FILE *fp, const struct reportdb_domain *x)
{
    fprintf(fp, "<table><tr><th>policy</th><th>MX hosts</th><th>reports</th><th>succeeded</th>"
            "<th>failed</th><th>meaning</th></tr>\n");
    for (size_t i = 0; i < x->ntls_policies; i++) {
        const struct reportdb_tls_policy *p = &x->tls_policies[i];
        fprintf(fp, "<tr class=\"tls-policy\" data-type=\"");
        esc(fp, p->type);
        fprintf(fp, "\" data-success=\"%llu\" data-failure=\"%llu\"><td class=\"k\">",
                (unsigned long long)p->success, (unsigned long long)p->failure);
        esc(fp, p->type);
        fprintf(fp, "</td><td>");
        esc(fp, p->mx_hosts[0] ? p->mx_hosts : "-");
        fprintf(fp, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu"
                "</td><td>%s</td></tr>\n", (unsigned long long)p->reports,
                (unsigned long long)p->success, (unsigned long long)p->failure,
                rs_tls_policy_meaning(p->type));
    }
    fprintf(fp, "</table>\n");
}

static void tls_section(FILE *fp, const struct reportdb_domain *x)
{
    fprintf(fp, "<h3>TLS reports (RFC 8460)</h3><p class=\"tls\" data-reports=\"%llu\" "
            "data-success=\"%llu\" data-failure=\"%llu\">%llu reports: %llu sessions succeeded, "
            "%llu failed.</p>\n", (unsigned long long)x->tls_reports,
            (unsigned long long)x->tls_success, (unsigned long long)x->tls_failure,
            (unsigned long long)x->tls_reports, (unsigned long long)x->tls_success,
            (unsigned long long)x->tls_failure);
    if (x->ntls_policies)
        tls_policies_table(fp, x);
    if (!x->ntls_failures)
        return;
    fprintf(fp, "<table><tr><th>MX</th><th>policy</th><th>result</th><th>sessions</th>"
            "<th>meaning</th></tr>\n");
    for (size_t i = 0; i < x->ntls_failures; i++) {
        const struct reportdb_tls_failure *f = &x->tls_failures[i];
        fprintf(fp, "<tr class=\"tls-failure\" data-policy-type=\"");
        esc(fp, f->policy_type);
        fprintf(fp, "\" data-count=\"%llu\"><td>", (unsigned long long)f->count);
        esc(fp, f->mx);
        fprintf(fp, "</td><td class=\"k\">");
        esc(fp, f->policy_type[0] ? f->policy_type : "?");
        fprintf(fp, "</td><td>");
        esc(fp, f->result_type);
        fprintf(fp, "</td><td class=\"n\">%llu</td><td>%s</td></tr>\n",
                (unsigned long long)f->count, rs_tls_meaning(f->result_type));
    }
    fprintf(fp, "</table>\n");
}

/* What follows the DMARC part, and ends the domain's section: TLS
 * reports, failure reports. */
static void other_reports(FILE *fp, const struct reportdb_domain *x)
{
    if (x->tls_reports)
        tls_section(fp, x);
    if (x->failure_reports)
        fprintf(fp, "<p>%llu failure report%s (RFC 6591) stored.</p>\n",
                (unsigned long long)x->failure_reports, x->failure_reports == 1 ? "" : "s");
    fprintf(fp, "</section>\n");
}

static void domain_section(FILE *fp, const struct rs_domain *d)
{
    const struct reportdb_domain *x = d->db;
    char b[32], e[32];

    fprintf(fp, "<section class=\"domain\" data-domain=\"");
    esc(fp, x->domain);
    fprintf(fp, "\" data-reports=\"%llu\" data-messages=\"%llu\" data-dmarc-pass=\"%llu\">\n<h2>",
            (unsigned long long)x->reports, (unsigned long long)x->messages,
            (unsigned long long)x->dmarc_pass);
    esc(fp, x->domain);
    if (!x->reports) {   /* TLS or failure reports only: no DMARC figures to chart */
        fprintf(fp, "</h2><p class=\"meta\">No DMARC aggregate reports.</p>\n");
        other_reports(fp, x);
        return;
    }
    fprintf(fp, "</h2><p class=\"meta\">%llu aggregate report%s, %s to %s, published policy p=",
            (unsigned long long)x->reports, x->reports == 1 ? "" : "s",
            report_time_iso(x->first, b, sizeof b), report_time_iso(x->last, e, sizeof e));
    esc(fp, x->policy[0] ? x->policy : "?");
    fprintf(fp, "</p>\n<p class=\"ready\">");
    esc(fp, d->readiness);
    fprintf(fp, "</p>\n");
    if (d->spoofing)
        fprintf(fp, "<p class=\"spoof\">%zu source%s look like spoofing (%llu messages): "
                "p=quarantine or p=reject stops them.</p>\n", d->spoofing,
                d->spoofing == 1 ? "" : "s", (unsigned long long)d->spoofed_messages);
    fprintf(fp, "<div class=\"charts\">\n");
    chart_volume(fp, x);
    chart_share(fp, x);
    chart_sources(fp, d);
    fprintf(fp, "</div>\n<h3>Sources</h3><table><tr><th>address</th><th>PTR name</th><th>group</th>"
            "<th>messages</th><th>aligned</th><th>SPF aligned</th><th>DKIM aligned</th>"
            "<th>status, why, fix</th></tr>\n");
    for (size_t i = 0; i < d->nsources; i++)
        source_row(fp, &d->sources[i]);
    fprintf(fp, "</table>\n");
    other_reports(fp, x);
}

int rs_html(const struct rs_summary *s, FILE *fp)
{
    fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">"
            "<title>DMARC and TLS report summary</title><style>%s</style></head><body>\n"
            "<h1>DMARC and TLS report summary</h1><p class=\"meta\">mailctl %s</p>\n", css,
            MAILCTL_VERSION);
    if (!s->ndomains)
        fprintf(fp, "<p>No reports stored yet.</p>\n");
    for (size_t i = 0; i < s->ndomains; i++)
        domain_section(fp, &s->domains[i]);
    if (s->db->unreadable)
        fprintf(fp, "<p class=\"unreadable\" data-unreadable=\"%llu\">%llu unreadable reports are "
                "stored with the reason.</p>\n", (unsigned long long)s->db->unreadable,
                (unsigned long long)s->db->unreadable);
    fprintf(fp, "</body></html>\n");
    return fflush(fp) == 0 && !ferror(fp) ? EXIT_OK : EXIT_RUNTIME;
}

int rs_write_html(const struct rs_summary *s, const char *path, bool force)
{
    char tmp[4096], dir[4096];
    struct stat st;
    FILE *fp;
    int fd, rc;

    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return cmd_error(EXIT_USAGE, "%s is a symbolic link: not written", rpt_safe(path));
        if (!force)
            return cmd_error(EXIT_USAGE, "%s exists (--force replaces it)", rpt_safe(path));
    }
    snprintf(dir, sizeof dir, "%s", path);
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.mailctl-report-XXXXXX", dirname(dir)) >= sizeof tmp)
        return cmd_error(EXIT_USAGE, "path too long");
    if ((fd = mkstemp(tmp)) < 0)
        return cmd_error(EXIT_RUNTIME, "%s: %s", rpt_safe(tmp), strerror(errno));
    /* a report to share: readable by others, like any page */
    (void)fchmod(fd, 0644);
    if (!(fp = fdopen(fd, "w"))) {
        close(fd);
        unlink(tmp);
        return cmd_error(EXIT_RUNTIME, "%s", strerror(errno));
    }
    rc = rs_html(s, fp);
    if (fclose(fp) != 0 || rc != EXIT_OK || rename(tmp, path) != 0) {
        unlink(tmp);
        return cmd_error(EXIT_RUNTIME, "writing %s: %s", rpt_safe(path), strerror(errno));
    }
    if (g_opts.json)
        return out_json(json_pack("{s:s}", "html", path));
    printf("%s\n", path);
    return EXIT_OK;
}
