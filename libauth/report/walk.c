/*
 * walk.c - from bytes as received to reports: recognise the shape (gzip,
 * zip, XML, JSON, a message, an mbox), open containers one level at a
 * time under the nesting bound, and hand the documents to the parsers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/mime.h"
#include "report/report_int.h"

static void add(struct report_walk *w, struct report *r, const char *where)
{
    if (r && where && !r->source)
        r->source = strdup(where);
    if (!report_list_add(w->out, r))
        report_free(r);
}

static size_t skip_space(const char *b, size_t len)
{
    size_t i = len >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
        i++;
    return i;
}

static void walk_gzip(struct report_walk *w, const char *b, size_t len, unsigned depth,
                      const char *where)
{
    char *out, err[200];
    size_t olen;

    if (report_gunzip(b, len, w->max_bytes, &out, &olen, err, sizeof err) != AUTH_OK) {
        add(w, report_error_new("%s", err), where);
        return;
    }
    report_walk_buffer(w, out, olen, depth + 1, where);
    free(out);
}

/* An mbox: messages start at lines "From ". */
static void walk_mbox(struct report_walk *w, const char *b, size_t len, unsigned depth)
{
    size_t at = 0;

    while (at < len) {
        const char *nl = memchr(b + at, '\n', len - at);
        size_t start = nl ? (size_t)(nl - b) + 1 : len, end = start;
        const char *next;
        while (end < len) {
            next = memmem(b + end, len - end, "\nFrom ", 6);
            end = next ? (size_t)(next - b) + 1 : len;
            break;
        }
        if (end > start)
            report_walk_message(w, b + start, end - start, depth + 1);
        at = end;
    }
}

void report_walk_buffer(struct report_walk *w, const char *b, size_t len, unsigned depth,
                        const char *where)
{
    size_t s;

    if (depth > w->max_nesting) {
        add(w, report_error_new("containers nested deeper than %u", w->max_nesting), where);
        return;
    }
    if (len > w->max_bytes) {
        add(w, report_error_new("more than %zu MiB", w->max_bytes >> 20), where);
        return;
    }
    if (len >= 2 && (unsigned char)b[0] == 0x1f && (unsigned char)b[1] == 0x8b) {
        walk_gzip(w, b, len, depth, where);
        return;
    }
    if (len >= 4 && memcmp(b, "PK\x03\x04", 4) == 0) {
        report_walk_zip(w, b, len, depth + 1);
        return;
    }
    s = skip_space(b, len);
    if (s < len && b[s] == '<') {
        add(w, report_parse_aggregate_xml(b, len), where);
        return;
    }
    if (s < len && b[s] == '{') {
        add(w, report_parse_tlsrpt_json(b + s, len - s), where);
        return;
    }
    if (len >= 5 && memcmp(b, "From ", 5) == 0) {
        walk_mbox(w, b, len, depth);
        return;
    }
    if (mime_looks_like_message(b + s, len - s)) {
        report_walk_message(w, b + s, len - s, depth + 1);
        return;
    }
    add(w, report_error_new(len ? "not a report (neither XML, JSON, gzip, zip nor a message)"
                                : "empty input"), where);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* What a part declares itself to be: 'g' gzip, 'z' zip, 'd' a document
 * (XML, JSON), 0 nothing a report comes in. */
static char declared(const struct mime_entity *e)
{
    const char *t = e->type, *f = e->filename;

    if (strstr(t, "gzip") || ends_with(f, ".gz") || ends_with(f, ".gzip"))
        return 'g';
    if (strstr(t, "zip") || ends_with(f, ".zip"))
        return 'z';
    if (strstr(t, "xml") || strstr(t, "json") || ends_with(f, ".xml") || ends_with(f, ".json"))
        return 'd';
    if (strncmp(t, "application/", 12) == 0 || f[0])
        return 'd';
    return 0;
}

static void walk_entity(struct report_walk *w, const char *raw, size_t len, unsigned depth,
                        unsigned mp_depth);

static void walk_leaf(struct report_walk *w, const struct mime_entity *e, unsigned depth)
{
    char kind = declared(e), *buf;
    size_t blen;
    const char *where = e->filename[0] ? e->filename : e->type;

    if (!kind)
        return;
    if (!(buf = mime_decode(e, w->max_bytes, &blen))) {
        add(w, report_error_new("attachment over %zu MiB or out of memory", w->max_bytes >> 20),
            where);
        return;
    }
    if (kind == 'g' && !(blen >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b))
        add(w, report_error_new("attachment says gzip and is not gzip data"), where);
    else if (kind == 'z' && !(blen >= 4 && memcmp(buf, "PK\x03\x04", 4) == 0))
        add(w, report_error_new("attachment says zip and is not a zip archive"), where);
    else
        report_walk_buffer(w, buf, blen, depth, where);
    free(buf);
}

static void walk_entity(struct report_walk *w, const char *raw, size_t len, unsigned depth,
                        unsigned mp_depth)
{
    struct mime_entity e;
    struct mime_span parts[REPORT_MAX_PARTS];
    size_t n;

    if (!mime_entity_open(raw, len, &e))
        return;
    if (strcmp(e.type, "multipart/report") == 0 &&
        (strcmp(e.report_type, "feedback-report") == 0 || !e.report_type[0])) {
        add(w, report_parse_arf(raw, len), NULL);
    } else if (strncmp(e.type, "multipart/", 10) == 0) {
        if (mp_depth < REPORT_MAX_MULTIPART_DEPTH) {
            n = mime_split(e.body, e.blen, e.boundary, parts, REPORT_MAX_PARTS);
            for (size_t i = 0; i < n; i++)
                walk_entity(w, parts[i].p, parts[i].len, depth, mp_depth + 1);
        }
    } else if (strcmp(e.type, "message/rfc822") == 0) {
        if (depth + 1 > w->max_nesting)
            add(w, report_error_new("containers nested deeper than %u", w->max_nesting), NULL);
        else
            walk_entity(w, e.body, e.blen, depth + 1, mp_depth + 1);
    } else {
        walk_leaf(w, &e, depth);
    }
    mime_entity_close(&e);
}

void report_walk_message(struct report_walk *w, const char *msg, size_t len, unsigned depth)
{
    size_t before = w->out->n;

    if (depth > w->max_nesting) {
        add(w, report_error_new("containers nested deeper than %u", w->max_nesting), NULL);
        return;
    }
    walk_entity(w, msg, len, depth, 0);
    if (w->out->n == before)
        add(w, report_error_new("no report in the message"), NULL);
}

enum auth_status report_parse(const void *data, size_t len, const struct report_limits *limits,
                              struct report_list **out)
{
    struct report_list *l = calloc(1, sizeof *l);
    struct report_walk w = { .out = l, .max_bytes = REPORT_MAX_BYTES,
                             .max_nesting = REPORT_MAX_NESTING };

    *out = NULL;
    if (!l)
        return AUTH_ENOMEM;
    if (limits && limits->max_bytes)
        w.max_bytes = limits->max_bytes;
    if (limits && limits->max_nesting)
        w.max_nesting = limits->max_nesting;
    report_walk_buffer(&w, data, len, 0, NULL);
    if (!l->n && !report_list_add(l, report_error_new("no report found"))) {
        report_list_free(l);
        return AUTH_ENOMEM;
    }
    *out = l;
    return AUTH_OK;
}
