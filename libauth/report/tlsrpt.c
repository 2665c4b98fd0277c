/*
 * tlsrpt.c - SMTP TLS reports (RFC 8460 section 4) with jansson.
 *
 * The nesting depth is checked before jansson sees the text (a document
 * nested 100,000 deep is refused in one linear pass, without recursion),
 * so the bound is ours and does not depend on the jansson build.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report/report_int.h"

#define MAX_POLICIES 10000
#define MAX_FAILURES 100000
#define MAX_MX 1000

/* Deepest [ / { nesting outside strings; stops counting past limit. */
static unsigned json_depth(const char *s, size_t len, unsigned limit)
{
    unsigned d = 0, max = 0;
    bool in_str = false;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++d > max && (max = d) > limit)
                return max;
        } else if ((c == ']' || c == '}') && d) {
            d--;
        }
    }
    return max;
}

static char *str_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_string(v))
        return NULL;
    return report_strndup_trim(json_string_value(v), json_string_length(v));
}

static bool count_of(struct report *r, json_t *o, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(o, key);

    *out = 0;
    if (!v)
        return true;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    if (json_is_string(v) && report_parse_u64(json_string_value(v), out)) {
        report_warn(r, "%s given as a string", key);
        return true;
    }
    report_warn(r, "%s is not a count: 0 taken", key);
    return true;
}

static bool add_mx(struct report_tls_policy *p, json_t *v)
{
    char **m;

    if (!json_is_string(v) || p->nmx_hosts >= MAX_MX)
        return true;
    if (!(m = realloc(p->mx_hosts, (p->nmx_hosts + 1) * sizeof *m)))
        return false;
    p->mx_hosts = m;
    if (!(m[p->nmx_hosts] = report_strndup_trim(json_string_value(v), json_string_length(v))))
        return false;
    report_lower(m[p->nmx_hosts++]);
    return true;
}

static bool read_failures(struct report *r, struct report_tls_policy *p, json_t *arr)
{
    size_t n = json_array_size(arr), i;
    json_t *f;

    if (!n)
        return true;
    if (n > MAX_FAILURES)
        return false;
    if (!(p->failures = calloc(n, sizeof *p->failures)))
        return false;
    json_array_foreach(arr, i, f) {
        struct report_tls_failure *x = &p->failures[p->nfailures];
        char *ip;
        if (!json_is_object(f))
            continue;
        p->nfailures++;
        x->result_type = str_of(f, "result-type");
        report_lower(x->result_type);
        x->sending_mta_ip = str_of(f, "sending-mta-ip");
        if (x->sending_mta_ip && (ip = report_ip_canonical(x->sending_mta_ip))) {
            free(x->sending_mta_ip);
            x->sending_mta_ip = ip;
        }
        x->receiving_mx_hostname = str_of(f, "receiving-mx-hostname");
        report_lower(x->receiving_mx_hostname);
        count_of(r, f, "failed-session-count", &x->count);
        if (!x->result_type)
            report_warn(r, "a failure detail without result-type");
    }
    return true;
}

static bool read_policy(struct report *r, struct report_tls_policy *p, json_t *o)
{
    json_t *pol = json_object_get(o, "policy"), *sum = json_object_get(o, "summary");
    json_t *mx = json_object_get(pol, "mx-host"), *v;
    size_t i;

    p->type = str_of(pol, "policy-type");
    report_lower(p->type);
    p->domain = str_of(pol, "policy-domain");
    report_lower(p->domain);
    if (json_is_array(mx)) {
        json_array_foreach(mx, i, v)
            if (!add_mx(p, v))
                return false;
    } else if (json_is_string(mx)) {
        report_warn(r, "mx-host given as a string, not a list");
        if (!add_mx(p, mx))
            return false;
    }
    if (!json_is_object(sum))
        report_warn(r, "a policy without summary");
    count_of(r, sum, "total-successful-session-count", &p->success);
    count_of(r, sum, "total-failure-session-count", &p->failure);
    if (!p->domain)
        report_warn(r, "a policy without policy-domain");
    return read_failures(r, p, json_object_get(o, "failure-details"));
}

static void read_dates(struct report *r, json_t *doc)
{
    json_t *dr = json_object_get(doc, "date-range");
    char *b = str_of(dr, "start-datetime"), *e = str_of(dr, "end-datetime");

    r->begin = report_time_rfc3339(b);
    r->end = report_time_rfc3339(e);
    if (r->begin < 0 || r->end < 0)
        report_warn(r, "date-range incomplete or not RFC 3339");
    else if (r->end - r->begin > 86400 + 60)
        report_warn(r, "date-range spans %lld hours (more than 24)",
                    (long long)((r->end - r->begin) / 3600));
    free(b);
    free(e);
}

static struct report *from_doc(struct report *r, json_t *doc)
{
    json_t *pols = json_object_get(doc, "policies"), *o;
    size_t i, n;

    if (!json_is_object(doc))
        return report_fail(r, "TLS report is not a JSON object");
    r->org_name = str_of(doc, "organization-name");
    r->report_id = str_of(doc, "report-id");
    r->email = str_of(doc, "contact-info");
    if (!r->org_name || !*r->org_name)
        return report_fail(r, "TLS report without organization-name");
    if (!r->report_id || !*r->report_id)
        return report_fail(r, "TLS report without report-id");
    read_dates(r, doc);
    if (!json_is_array(pols))
        return report_fail(r, "TLS report without a policies list");
    if ((n = json_array_size(pols)) > MAX_POLICIES)
        return report_fail(r, "TLS report with more than %d policies", MAX_POLICIES);
    if (n && !(r->policies = calloc(n, sizeof *r->policies)))
        return report_fail(r, "out of memory");
    json_array_foreach(pols, i, o) {
        if (!json_is_object(o)) {
            report_warn(r, "a policy entry that is not an object skipped");
            continue;
        }
        if (!read_policy(r, &r->policies[r->npolicies++], o))
            return report_fail(r, "out of memory or too many failure details");
    }
    return r;
}

struct report *report_parse_tlsrpt_json(const char *text, size_t len)
{
    struct report *r = report_new(REPORT_TLSRPT);
    json_error_t jerr;
    json_t *doc;

    if (!r)
        return NULL;
    if (json_depth(text, len, REPORT_MAX_JSON_DEPTH) > REPORT_MAX_JSON_DEPTH)
        return report_fail(r, "JSON nested deeper than %d levels", REPORT_MAX_JSON_DEPTH);
    if (!(doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)))
        return report_fail(r, "not well-formed JSON (line %d: %.120s)", jerr.line, jerr.text);
    from_doc(r, doc);
    json_decref(doc);
    return r;
}
