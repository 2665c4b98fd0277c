/*
 * auth/report.h - DMARC aggregate reports (RFC 7489 Appendix C, RFC 9990
 * "dmarc-2.0"), DMARC failure reports (RFC 6591 ARF) and SMTP TLS reports
 * (RFC 8460) as they are received: raw XML or JSON, gzip, zip, a whole
 * message with the report attached (any MIME shape), or an mbox holding
 * several messages.
 *
 * report_parse() takes one input buffer and gives a list of results: one
 * per report found, or one error entry (kind REPORT_NONE, error set) when
 * nothing readable was found.  Broken real-world reports are repaired when
 * every field stays unambiguous (wrong namespace, invalid UTF-8, leading
 * junk, trailing junk after the root element, empty reasons, a span over
 * 24 h...), each repair noted in warnings[].
 *
 * Bounds (report_limits, defaults below): bytes after decompression,
 * container nesting (message, gzip, zip count one level each), zip
 * entries, XML depth and text size, JSON depth, records per report,
 * reports per input.  An XML entity or DTD declaration is refused (no
 * expansion bombs, no external fetches: the XML parser has no network
 * code).  Exceeding a bound gives an error entry, never unbounded memory.
 *
 * Nothing here prints, reads files or touches the network.
 */
#ifndef AUTH_REPORT_H
#define AUTH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

#define REPORT_MAX_BYTES     (64u * 1024 * 1024)   /* after decompression */
#define REPORT_MAX_NESTING   4
#define REPORT_MAX_ENTRIES   32                    /* zip entries looked at */
#define REPORT_MAX_XML_DEPTH 32
#define REPORT_MAX_TEXT      (64u * 1024)          /* one XML text node */
#define REPORT_MAX_JSON_DEPTH 32
#define REPORT_MAX_RECORDS   1000000
#define REPORT_MAX_REPORTS   10000                 /* per input (mbox) */

enum report_kind { REPORT_NONE = 0, REPORT_AGGREGATE, REPORT_TLSRPT, REPORT_FAILURE };

/* "aggregate", "tlsrpt", "failure", or NULL for REPORT_NONE. */
const char *report_kind_name(enum report_kind k);

struct report_dkim_auth { char *domain, *selector, *result; };
struct report_spf_auth { char *domain, *scope, *result; };

/* One <record> of an aggregate report.  Strings are trimmed; disposition,
 * dkim, spf and results lower-case; NULL when absent. */
struct report_record {
    char *source_ip;               /* canonical text form */
    uint64_t count;
    char *disposition, *dkim, *spf;
    char *reason;                  /* policy_evaluated/reason/type, or NULL */
    char *header_from, *envelope_from;
    struct report_dkim_auth *dkim_auth;
    size_t ndkim_auth;
    struct report_spf_auth *spf_auth;
    size_t nspf_auth;
};

struct report_policy {
    char *p, *sp, *np, *adkim, *aspf, *fo;
    char *testing, *discovery_method;   /* RFC 9990 */
    int pct;                            /* -1 when absent */
};

struct report_tls_failure {
    char *result_type, *sending_mta_ip, *receiving_mx_hostname;
    uint64_t count;
};

struct report_tls_policy {
    char *type, *domain;           /* "sts", "tlsa", "no-policy-found" */
    char **mx_hosts;
    size_t nmx_hosts;
    uint64_t success, failure;
    struct report_tls_failure *failures;
    size_t nfailures;
};

struct report_header { char *name, *value; };

struct report {
    enum report_kind kind;
    char *error;                   /* REPORT_NONE: why nothing was readable */
    char *source;                  /* where in the input: "zip entry x.xml"... or NULL */
    char **warnings;
    size_t nwarnings;

    /* aggregate and tlsrpt */
    char *org_name, *report_id, *email;
    int64_t begin, end;            /* Unix seconds; -1 when absent */
    /* aggregate */
    char *version;                 /* "1.0", "2.0"... or NULL */
    char *domain;
    struct report_policy policy;
    struct report_record *records;
    size_t nrecords;
    uint64_t messages;             /* sum of the records' counts */
    /* tlsrpt */
    struct report_tls_policy *policies;
    size_t npolicies;
    /* failure (ARF) */
    char *feedback_type, *reported_domain, *auth_failure, *original_mail_from;
    char *source_ip;               /* canonical when it is an address */
    int64_t arrival_date;          /* -1 when absent or unreadable */
    struct report_header *original_headers;
    size_t noriginal_headers;
    /* error and warnings as the database and JSON keep them (English), and
     * for people: in their language when the program set a translator
     * (auth_finding_set_translator: text output), else the same text */
    char *error_for_people;
    char **warnings_for_people;    /* nwarnings, parallel to warnings */
};

struct report_list {
    struct report **items;
    size_t n;
};

struct report_limits {
    size_t max_bytes;              /* 0: REPORT_MAX_BYTES */
    unsigned max_nesting;          /* 0: REPORT_MAX_NESTING */
};

/* Parse one input (a file's bytes).  AUTH_OK with *out holding at least
 * one entry (reports and/or error entries); AUTH_ENOMEM only when not even
 * the error entry could be made.  limits may be NULL.  Free with
 * report_list_free(). */
AUTH_MUST_USE
enum auth_status report_parse(const void *data, size_t len, const struct report_limits *limits,
                              struct report_list **out);
void report_list_free(struct report_list *l);

/* The parsers behind report_parse, one format each (fuzz targets and
 * callers that know the format).  Each returns a report (kind set, or
 * REPORT_NONE with error) or NULL when out of memory. */
struct report *report_parse_aggregate_xml(const char *xml, size_t len);
struct report *report_parse_tlsrpt_json(const char *json, size_t len);
/* A whole message whose Content-Type is multipart/report with a
 * message/feedback-report part. */
struct report *report_parse_arf(const char *msg, size_t len);
void report_free(struct report *r);

/* An error entry (kind REPORT_NONE) saying why, for input that never
 * reached the parsers (too large, unreadable); NULL when out of memory. */
struct report *report_new_error(const char *why);

/* ISO 8601 UTC "2026-11-24T00:00:00Z" into buf (>= 21 bytes). */
const char *report_time_iso(int64_t t, char *buf, size_t len);

AUTH_API_END

#endif
