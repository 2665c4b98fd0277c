/*
 * arf.c - DMARC failure reports (RFC 6591 on the ARF format of RFC 5965):
 * a multipart/report whose message/feedback-report part holds header-form
 * fields, and whose last part holds the original message or its headers.
 */
#include <stdlib.h>
#include <string.h>

#include "report/mime.h"
#include "report/report_int.h"

#define MAX_ORIGINAL_HEADERS 200
#define ARF_PART_MAX (1024u * 1024)

static char *field(const struct msg_headers *h, const char *name)
{
    char buf[2048];

    mime_header(h, name, buf, sizeof buf);
    return buf[0] ? report_strndup_trim(buf, strlen(buf)) : NULL;
}

static bool read_feedback(struct report *r, const char *txt, size_t len)
{
    struct msg_headers *h;
    size_t hl = len, bo;
    char err[128], *ip;

    if (auth_msg_header_end(txt, len, &hl, &bo) != AUTH_OK)
        hl = len;
    if (auth_msg_headers_parse(txt, hl, NULL, &h, err, sizeof err) != AUTH_OK) {
        report_fail(r, "feedback-report fields do not parse: %s", err);
        return false;
    }
    r->feedback_type = field(h, "Feedback-Type");
    report_lower(r->feedback_type);
    r->reported_domain = field(h, "Reported-Domain");
    report_lower(r->reported_domain);
    r->auth_failure = field(h, "Auth-Failure");
    report_lower(r->auth_failure);
    r->original_mail_from = field(h, "Original-Mail-From");
    if ((ip = field(h, "Source-IP"))) {
        char *canon = report_ip_canonical(ip);
        if (!canon)
            report_warn(r, "Source-IP '%.60s' is not an IP address", ip);
        r->source_ip = canon ? canon : ip;
        if (canon)
            free(ip);
    }
    {
        char *d = field(h, "Arrival-Date");
        if (!d)
            d = field(h, "Received-Date");
        if (d && (r->arrival_date = report_time_rfc5322(d)) < 0)
            report_warn(r, "Arrival-Date '%.60s' unreadable", d);
        free(d);
    }
    auth_msg_headers_free(h);
    if (!r->feedback_type) {
        report_fail(r, "feedback report without Feedback-Type");
        return false;
    }
    if (strcmp(r->feedback_type, "auth-failure") != 0)
        report_warn(r, "Feedback-Type is %.40s, not auth-failure", r->feedback_type);
    return true;
}

static bool read_original(struct report *r, const char *txt, size_t len)
{
    struct msg_headers *h;
    size_t hl = len, bo, n;
    struct msg_parse_params pp = { .max_fields = MAX_ORIGINAL_HEADERS };
    char err[128];

    if (auth_msg_header_end(txt, len, &hl, &bo) != AUTH_OK)
        hl = len;
    if (auth_msg_headers_parse(txt, hl, &pp, &h, err, sizeof err) != AUTH_OK) {
        report_warn(r, "original headers do not parse: %s", err);
        return true;
    }
    n = auth_msg_headers_count(h);
    if (n && !(r->original_headers = calloc(n, sizeof *r->original_headers))) {
        auth_msg_headers_free(h);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const struct msg_header *f = auth_msg_headers_get(h, i);
        size_t vl;
        const char *v = auth_msg_header_value(f, &vl);
        struct report_header *o = &r->original_headers[r->noriginal_headers];
        if (!(o->name = report_strndup_trim(f->raw, f->name_len)) ||
            !(o->value = report_strndup_trim(v, vl))) {
            free(o->name);
            auth_msg_headers_free(h);
            return false;
        }
        /* folded values: collapse the runs of spaces folding left */
        for (char *s = o->value, *d = o->value;; s++) {
            if (!(*s == ' ' && d > o->value && d[-1] == ' '))
                *d++ = *s;
            if (!*s)
                break;
        }
        r->noriginal_headers++;
    }
    auth_msg_headers_free(h);
    return true;
}

struct report *report_parse_arf(const char *msg, size_t len)
{
    struct report *r = report_new(REPORT_FAILURE);
    struct mime_entity top, part;
    struct mime_span spans[REPORT_MAX_PARTS];
    size_t n;
    bool got_feedback = false;

    if (!r)
        return NULL;
    if (!mime_entity_open(msg, len, &top))
        return report_fail(r, "message headers do not parse");
    if (strcmp(top.type, "multipart/report") != 0 || !top.boundary[0]) {
        mime_entity_close(&top);
        return report_fail(r, "not a multipart/report message");
    }
    n = mime_split(top.body, top.blen, top.boundary, spans, REPORT_MAX_PARTS);
    for (size_t i = 0; i < n && r->kind == REPORT_FAILURE; i++) {
        char *txt;
        size_t tl;
        bool fb, orig;
        if (!mime_entity_open(spans[i].p, spans[i].len, &part))
            continue;
        fb = strcmp(part.type, "message/feedback-report") == 0;
        orig = strcmp(part.type, "message/rfc822") == 0 ||
               strcmp(part.type, "text/rfc822-headers") == 0;
        if ((fb && !got_feedback) || (orig && !r->noriginal_headers)) {
            if (!(txt = mime_decode(&part, ARF_PART_MAX, &tl))) {
                report_warn(r, "a report part over 1 MiB or undecodable skipped");
            } else {
                if (fb)
                    got_feedback = read_feedback(r, txt, tl) || r->kind == REPORT_NONE;
                else if (!read_original(r, txt, tl))
                    report_fail(r, "out of memory");
                free(txt);
            }
        }
        mime_entity_close(&part);
    }
    mime_entity_close(&top);
    if (r->kind == REPORT_FAILURE && !got_feedback)
        report_fail(r, "multipart/report without a message/feedback-report part");
    if (r->kind == REPORT_FAILURE && !r->reported_domain)
        report_warn(r, "no Reported-Domain");
    return r;
}
