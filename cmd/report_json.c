/*
 * rpt_json.c - one parsed report as the JSON of ../shared/cli.md
 * ("report parse"), shared by `report parse` and the database (which keeps
 * the parsed form of each report).
 */
#include <string.h>

#include "report_cmd.h"

static json_t *iso_or_null(int64_t t)
{
    char buf[32];

    return t < 0 ? json_null() : json_string(report_time_iso(t, buf, sizeof buf));
}

static json_t *policy_json(const struct report_policy *p)
{
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "p", json_str_or_null(p->p),
                          "sp", json_str_or_null(p->sp),
                          "pct", p->pct < 0 ? json_null() : json_integer(p->pct),
                          "adkim", json_str_or_null(p->adkim), "aspf", json_str_or_null(p->aspf),
                          "np", json_str_or_null(p->np));
    if (o && p->fo)
        json_object_set_new(o, "fo", json_string(p->fo));
    if (o && p->testing)
        json_object_set_new(o, "testing", json_string(p->testing));
    if (o && p->discovery_method)
        json_object_set_new(o, "discovery_method", json_string(p->discovery_method));
    return o;
}

static json_t *record_json(const struct report_record *x)
{
    json_t *dk = json_array(), *sp = json_array();

    for (size_t i = 0; i < x->ndkim_auth; i++)
        json_array_append_new(dk, json_pack("{s:o, s:o, s:o}",
                                            "domain", json_str_or_null(x->dkim_auth[i].domain),
                                            "selector", json_str_or_null(x->dkim_auth[i].selector),
                                            "result", json_str_or_null(x->dkim_auth[i].result)));
    for (size_t i = 0; i < x->nspf_auth; i++)
        json_array_append_new(sp, json_pack("{s:o, s:o, s:o}",
                                            "domain", json_str_or_null(x->spf_auth[i].domain),
                                            "scope", json_str_or_null(x->spf_auth[i].scope),
                                            "result", json_str_or_null(x->spf_auth[i].result)));
    return json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o}}",
                     "source_ip", json_str_or_null(x->source_ip), "count", (json_int_t)x->count,
                     "disposition", json_str_or_null(x->disposition),
                     "dkim", json_str_or_null(x->dkim), "spf", json_str_or_null(x->spf),
                     "reason", json_str_or_null(x->reason),
                     "header_from", json_str_or_null(x->header_from),
                     "envelope_from", json_str_or_null(x->envelope_from),
                     "auth", "dkim", dk, "spf", sp);
}

static void aggregate_json(json_t *o, const struct report *r)
{
    json_t *recs = json_array();

    for (size_t i = 0; i < r->nrecords; i++)
        json_array_append_new(recs, record_json(&r->records[i]));
    json_object_set_new(o, "org_name", json_str_or_null(r->org_name));
    json_object_set_new(o, "report_id", json_str_or_null(r->report_id));
    json_object_set_new(o, "email", json_str_or_null(r->email));
    json_object_set_new(o, "version", json_str_or_null(r->version));
    json_object_set_new(o, "begin", iso_or_null(r->begin));
    json_object_set_new(o, "end", iso_or_null(r->end));
    json_object_set_new(o, "domain", json_str_or_null(r->domain));
    json_object_set_new(o, "policy", policy_json(&r->policy));
    json_object_set_new(o, "messages", json_integer((json_int_t)r->messages));
    json_object_set_new(o, "records", recs);
}

static json_t *tls_policy_json(const struct report_tls_policy *p)
{
    json_t *mx = json_array(), *fails = json_array();

    for (size_t i = 0; i < p->nmx_hosts; i++)
        json_array_append_new(mx, json_string(p->mx_hosts[i]));
    for (size_t i = 0; i < p->nfailures; i++) {
        const struct report_tls_failure *f = &p->failures[i];
        json_array_append_new(fails, json_pack("{s:o, s:o, s:o, s:I}",
                                               "result_type", json_str_or_null(f->result_type),
                                               "sending_mta_ip", json_str_or_null(f->sending_mta_ip),
                                               "receiving_mx_hostname",
                                               json_str_or_null(f->receiving_mx_hostname),
                                               "count", (json_int_t)f->count));
    }
    return json_pack("{s:o, s:o, s:o, s:I, s:I, s:o}", "type", json_str_or_null(p->type),
                     "domain", json_str_or_null(p->domain), "mx_hosts", mx,
                     "success", (json_int_t)p->success, "failure", (json_int_t)p->failure,
                     "failures", fails);
}

static void tlsrpt_json(json_t *o, const struct report *r)
{
    json_t *pols = json_array();

    for (size_t i = 0; i < r->npolicies; i++)
        json_array_append_new(pols, tls_policy_json(&r->policies[i]));
    json_object_set_new(o, "org_name", json_str_or_null(r->org_name));
    json_object_set_new(o, "report_id", json_str_or_null(r->report_id));
    json_object_set_new(o, "email", json_str_or_null(r->email));
    json_object_set_new(o, "begin", iso_or_null(r->begin));
    json_object_set_new(o, "end", iso_or_null(r->end));
    json_object_set_new(o, "policies", pols);
}

static void failure_json(json_t *o, const struct report *r)
{
    json_t *h = json_object();

    /* a repeated field (Received...) keeps its first value */
    for (size_t i = 0; i < r->noriginal_headers; i++)
        if (!json_object_get(h, r->original_headers[i].name))
            json_object_set_new(h, r->original_headers[i].name,
                                json_string(r->original_headers[i].value));
    json_object_set_new(o, "feedback_type", json_str_or_null(r->feedback_type));
    json_object_set_new(o, "reported_domain", json_str_or_null(r->reported_domain));
    json_object_set_new(o, "source_ip", json_str_or_null(r->source_ip));
    json_object_set_new(o, "arrival_date", iso_or_null(r->arrival_date));
    json_object_set_new(o, "auth_failure", json_str_or_null(r->auth_failure));
    json_object_set_new(o, "original_mail_from", json_str_or_null(r->original_mail_from));
    json_object_set_new(o, "original_headers", h);
}

json_t *rpt_json(const struct report *r, const char *file)
{
    json_t *o = json_object(), *w = json_array();
    const char *kind = report_kind_name(r->kind);

    json_object_set_new(o, "file", json_str_or_null(file));
    json_object_set_new(o, "kind", json_str_or_null(kind));
    if (r->source)
        json_object_set_new(o, "part", json_string(r->source));
    if (r->kind == REPORT_AGGREGATE)
        aggregate_json(o, r);
    else if (r->kind == REPORT_TLSRPT)
        tlsrpt_json(o, r);
    else if (r->kind == REPORT_FAILURE)
        failure_json(o, r);
    for (size_t i = 0; i < r->nwarnings; i++)
        json_array_append_new(w, json_string(r->warnings[i]));
    json_object_set_new(o, "warnings", w);
    json_object_set_new(o, "error", json_str_or_null(r->kind == REPORT_NONE ? r->error : NULL));
    return o;
}
