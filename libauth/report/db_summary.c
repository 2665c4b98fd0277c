/*
 * db_summary.c - the figures `report summary` is made of, by SQL over the
 * stored reports: per domain totals, per source (IP) counts and what made
 * them fail alignment, per day series, TLS-RPT totals and failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report/db_int.h"

#define MAX_DOMAINS 10000
#define MAX_SOURCES 500
#define MAX_DAYS 400
#define MAX_TLS_FAILURES 200
#define MAX_TLS_POLICIES 50

/* Filter shared by the queries: ?1 domain, ?2 since. */
#define AGG_FILTER " r.kind = 'aggregate' AND r.domain = ?1 AND (?2 < 0 OR r.end_ts >= ?2) "

struct q {
    struct report_db *db;
    sqlite3_stmt *st;
    char *err;
    size_t errlen;
    enum auth_status status;
};

static bool q_prepare(struct q *q, const char *sql, const char *domain, int64_t since)
{
    if (q->status != AUTH_OK)
        return false;
    if (sqlite3_prepare_v2(q->db->h, sql, -1, &q->st, NULL) != SQLITE_OK) {
        q->status = rdb_fail(q->db, q->err, q->errlen, "summary query");
        return false;
    }
    rdb_text(q->st, 1, domain);
    sqlite3_bind_int64(q->st, 2, since);
    return true;
}

/* Next row: true while there is one; ends the statement after the last. */
static bool q_row(struct q *q)
{
    int rc = sqlite3_step(q->st);

    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        q->status = rdb_fail(q->db, q->err, q->errlen, "summary query");
    sqlite3_finalize(q->st);
    q->st = NULL;
    return false;
}

static void q_done(struct q *q)
{
    sqlite3_finalize(q->st);
    q->st = NULL;
}

static uint64_t col_u64(sqlite3_stmt *st, int c)
{
    sqlite3_int64 v = sqlite3_column_int64(st, c);
    return v < 0 ? 0 : (uint64_t)v;
}

static void col_str(sqlite3_stmt *st, int c, char *out, size_t len)
{
    const unsigned char *s = sqlite3_column_text(st, c);
    snprintf(out, len, "%s", s ? (const char *)s : "");
}

static void domain_totals(struct q *q, struct reportdb_domain *d, int64_t since)
{
    if (q_prepare(q, "SELECT COUNT(*), MIN(begin_ts), MAX(end_ts) FROM reports r WHERE"
                     AGG_FILTER, d->domain, since) && q_row(q)) {
        d->reports = col_u64(q->st, 0);
        d->first = sqlite3_column_type(q->st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(q->st, 1);
        d->last = sqlite3_column_type(q->st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(q->st, 2);
        q_done(q);
    }
    if (q_prepare(q, "SELECT p FROM reports r WHERE" AGG_FILTER "ORDER BY end_ts DESC LIMIT 1",
                  d->domain, since) && q_row(q)) {
        col_str(q->st, 0, d->policy, sizeof d->policy);
        q_done(q);
    }
    if (q_prepare(q, "SELECT TOTAL(x.count), TOTAL(CASE WHEN x.dkim = 'pass' OR x.spf = 'pass'"
                     " THEN x.count END), TOTAL(CASE WHEN x.spf = 'pass' THEN x.count END),"
                     " TOTAL(CASE WHEN x.dkim = 'pass' THEN x.count END)"
                     " FROM records x JOIN reports r ON r.id = x.report WHERE" AGG_FILTER,
                  d->domain, since) && q_row(q)) {
        d->messages = (uint64_t)sqlite3_column_double(q->st, 0);
        d->dmarc_pass = (uint64_t)sqlite3_column_double(q->st, 1);
        d->spf_aligned = (uint64_t)sqlite3_column_double(q->st, 2);
        d->dkim_aligned = (uint64_t)sqlite3_column_double(q->st, 3);
        q_done(q);
    }
    if (q_prepare(q, "SELECT COUNT(*) FROM reports r WHERE r.kind = 'failure' AND r.domain = ?1"
                     " AND (?2 < 0 OR r.end_ts >= ?2)", d->domain, since) && q_row(q)) {
        d->failure_reports = col_u64(q->st, 0);
        q_done(q);
    }
}

/* The most common value of a column among a source's records matching cond. */
static void source_top(struct q *q, struct reportdb_domain *d, int64_t since,
                       struct reportdb_source *s, const char *sel, const char *cond, char *out,
                       size_t len, char *out2, size_t len2)
{
    char sql[1024];

    snprintf(sql, sizeof sql, "SELECT %s, TOTAL(x.count) FROM records x JOIN reports r ON"
             " r.id = x.report WHERE" AGG_FILTER "AND x.source_ip = ?3 AND %s GROUP BY 1%s"
             " ORDER BY %d DESC LIMIT 1", sel, cond, out2 ? ", 2" : "", out2 ? 3 : 2);
    if (!q_prepare(q, sql, d->domain, since))
        return;
    sqlite3_bind_text(q->st, 3, s->ip, -1, SQLITE_STATIC);
    if (q_row(q)) {
        col_str(q->st, 0, out, len);
        if (out2)
            col_str(q->st, 1, out2, len2);
        q_done(q);
    }
}

static void domain_sources(struct q *q, struct reportdb_domain *d, int64_t since)
{
    if (!q_prepare(q, "SELECT COALESCE(x.source_ip, '?'), TOTAL(x.count),"
                      " TOTAL(CASE WHEN x.dkim = 'pass' OR x.spf = 'pass' THEN x.count END),"
                      " TOTAL(CASE WHEN x.spf = 'pass' THEN x.count END),"
                      " TOTAL(CASE WHEN x.dkim = 'pass' THEN x.count END),"
                      " TOTAL(CASE WHEN x.spf <> 'pass' AND x.spf_pass_domain IS NOT NULL THEN x.count END),"
                      " TOTAL(CASE WHEN x.dkim <> 'pass' AND x.dkim_pass_domain IS NOT NULL THEN x.count END),"
                      " TOTAL(CASE WHEN x.disposition = 'quarantine' THEN x.count END),"
                      " TOTAL(CASE WHEN x.disposition = 'reject' THEN x.count END)"
                      " FROM records x JOIN reports r ON r.id = x.report WHERE" AGG_FILTER
                      " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 500", d->domain, since))
        return;
    if (!(d->sources = calloc(MAX_SOURCES, sizeof *d->sources))) {
        q->status = AUTH_ENOMEM;
        q_done(q);
        return;
    }
    while (q_row(q) && d->nsources < MAX_SOURCES) {
        struct reportdb_source *s = &d->sources[d->nsources++];
        col_str(q->st, 0, s->ip, sizeof s->ip);
        s->messages = (uint64_t)sqlite3_column_double(q->st, 1);
        s->dmarc_pass = (uint64_t)sqlite3_column_double(q->st, 2);
        s->spf_aligned = (uint64_t)sqlite3_column_double(q->st, 3);
        s->dkim_aligned = (uint64_t)sqlite3_column_double(q->st, 4);
        s->spf_pass_other = (uint64_t)sqlite3_column_double(q->st, 5);
        s->dkim_pass_other = (uint64_t)sqlite3_column_double(q->st, 6);
        s->quarantined = (uint64_t)sqlite3_column_double(q->st, 7);
        s->rejected = (uint64_t)sqlite3_column_double(q->st, 8);
    }
    q_done(q);
    for (size_t i = 0; i < d->nsources; i++) {
        struct reportdb_source *s = &d->sources[i];
        if (s->spf_pass_other)
            source_top(q, d, since, s, "x.spf_pass_domain",
                       "x.spf <> 'pass' AND x.spf_pass_domain IS NOT NULL", s->spf_other,
                       sizeof s->spf_other, NULL, 0);
        if (s->dkim_pass_other)
            source_top(q, d, since, s, "x.dkim_pass_domain, x.dkim_pass_selector",
                       "x.dkim <> 'pass' AND x.dkim_pass_domain IS NOT NULL", s->dkim_other,
                       sizeof s->dkim_other, s->dkim_other_selector, sizeof s->dkim_other_selector);
        if (s->dkim_aligned)
            source_top(q, d, since, s, "x.dkim_pass_selector",
                       "x.dkim = 'pass' AND x.dkim_pass_selector IS NOT NULL", s->dkim_own_selector,
                       sizeof s->dkim_own_selector, NULL, 0);
    }
}

static void domain_days(struct q *q, struct reportdb_domain *d, int64_t since)
{
    if (!q_prepare(q, "SELECT (r.begin_ts / 86400) * 86400, TOTAL(x.count),"
                      " TOTAL(CASE WHEN x.dkim = 'pass' OR x.spf = 'pass' THEN x.count END)"
                      " FROM records x JOIN reports r ON r.id = x.report WHERE" AGG_FILTER
                      " AND r.begin_ts IS NOT NULL GROUP BY 1 ORDER BY 1 DESC LIMIT 400",
                   d->domain, since))
        return;
    if (!(d->days = calloc(MAX_DAYS, sizeof *d->days))) {
        q->status = AUTH_ENOMEM;
        q_done(q);
        return;
    }
    while (q_row(q) && d->ndays < MAX_DAYS) {
        struct reportdb_day *x = &d->days[d->ndays++];
        x->day = sqlite3_column_int64(q->st, 0);
        x->messages = (uint64_t)sqlite3_column_double(q->st, 1);
        x->dmarc_pass = (uint64_t)sqlite3_column_double(q->st, 2);
    }
    q_done(q);
    /* newest first from SQL (so the bound keeps the recent days); oldest first out */
    for (size_t i = 0; i < d->ndays / 2; i++) {
        struct reportdb_day t = d->days[i];
        d->days[i] = d->days[d->ndays - 1 - i];
        d->days[d->ndays - 1 - i] = t;
    }
}

/* The stored mx_hosts (a JSON array) as "a, b"; "" when none or unreadable. */
static void mx_list(const char *stored, char *out, size_t len)
{
    json_t *a = stored[0] ? json_loads(stored, 0, NULL) : NULL, *v;
    size_t i, n = 0;

    out[0] = '\0';
    json_array_foreach(a, i, v)
        if (json_is_string(v) && n < len)
            n += (size_t)snprintf(out + n, len - n, "%s%s", n ? ", " : "", json_string_value(v));
    json_decref(a);
}

static void domain_tls_policies(struct q *q, struct reportdb_domain *d, int64_t since)
{
    char stored[2048];

    if (!q_prepare(q, "SELECT COALESCE(t.type, ''), COALESCE(t.mx_hosts, ''),"
                      " COUNT(DISTINCT r.id), TOTAL(t.success), TOTAL(t.failure)"
                      " FROM tls_policies t JOIN reports r ON r.id = t.report WHERE"
                      " t.domain = ?1 AND (?2 < 0 OR r.end_ts >= ?2)"
                      " GROUP BY 1, 2 ORDER BY TOTAL(t.success) + TOTAL(t.failure) DESC, 1, 2 LIMIT 50", d->domain, since))
        return;
    if (!(d->tls_policies = calloc(MAX_TLS_POLICIES, sizeof *d->tls_policies))) {
        q->status = AUTH_ENOMEM;
        q_done(q);
        return;
    }
    while (q_row(q) && d->ntls_policies < MAX_TLS_POLICIES) {
        struct reportdb_tls_policy *p = &d->tls_policies[d->ntls_policies++];
        col_str(q->st, 0, p->type, sizeof p->type);
        col_str(q->st, 1, stored, sizeof stored);
        mx_list(stored, p->mx_hosts, sizeof p->mx_hosts);
        p->reports = col_u64(q->st, 2);
        p->success = (uint64_t)sqlite3_column_double(q->st, 3);
        p->failure = (uint64_t)sqlite3_column_double(q->st, 4);
    }
    q_done(q);
}

static void domain_tls(struct q *q, struct reportdb_domain *d, int64_t since)
{
    if (q_prepare(q, "SELECT COUNT(DISTINCT r.id), TOTAL(t.success), TOTAL(t.failure)"
                     " FROM tls_policies t JOIN reports r ON r.id = t.report WHERE"
                     " t.domain = ?1 AND (?2 < 0 OR r.end_ts >= ?2)", d->domain, since) &&
        q_row(q)) {
        d->tls_reports = col_u64(q->st, 0);
        d->tls_success = (uint64_t)sqlite3_column_double(q->st, 1);
        d->tls_failure = (uint64_t)sqlite3_column_double(q->st, 2);
        q_done(q);
    }
    domain_tls_policies(q, d, since);
    if (!q_prepare(q, "SELECT COALESCE(f.receiving_mx_hostname, ''), COALESCE(f.result_type, ''),"
                      " TOTAL(f.count), COALESCE(f.policy_type, '') FROM tls_failures f"
                      " JOIN reports r ON r.id = f.report"
                      " WHERE f.policy_domain = ?1 AND (?2 < 0 OR r.end_ts >= ?2)"
                      " GROUP BY 1, 4, 2 ORDER BY 3 DESC, 1, 4, 2 LIMIT 200", d->domain, since))
        return;
    if (!(d->tls_failures = calloc(MAX_TLS_FAILURES, sizeof *d->tls_failures))) {
        q->status = AUTH_ENOMEM;
        q_done(q);
        return;
    }
    while (q_row(q) && d->ntls_failures < MAX_TLS_FAILURES) {
        struct reportdb_tls_failure *f = &d->tls_failures[d->ntls_failures++];
        snprintf(f->policy_domain, sizeof f->policy_domain, "%s", d->domain);
        col_str(q->st, 0, f->mx, sizeof f->mx);
        col_str(q->st, 1, f->result_type, sizeof f->result_type);
        f->count = (uint64_t)sqlite3_column_double(q->st, 2);
        col_str(q->st, 3, f->policy_type, sizeof f->policy_type);
    }
    q_done(q);
}

enum auth_status report_db_summary(struct report_db *db, const char *domain, int64_t since,
                                   struct reportdb_summary **out, char *err, size_t errlen)
{
    struct reportdb_summary *s = calloc(1, sizeof *s);
    struct q q = { .db = db, .err = err, .errlen = errlen };

    *out = NULL;
    if (!s || !(s->domains = calloc(MAX_DOMAINS, sizeof *s->domains))) {
        free(s);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    if (q_prepare(&q, "SELECT domain FROM (SELECT domain FROM reports WHERE kind IN"
                      " ('aggregate', 'failure') UNION SELECT domain FROM tls_policies)"
                      " WHERE domain IS NOT NULL AND (?1 IS NULL OR domain = ?1) ORDER BY 1",
                  domain, since))
        while (q_row(&q) && s->ndomains < MAX_DOMAINS) {
            struct reportdb_domain *d = &s->domains[s->ndomains++];
            col_str(q.st, 0, d->domain, sizeof d->domain);
        }
    q_done(&q);
    for (size_t i = 0; i < s->ndomains && q.status == AUTH_OK; i++) {
        domain_totals(&q, &s->domains[i], since);
        domain_sources(&q, &s->domains[i], since);
        domain_days(&q, &s->domains[i], since);
        domain_tls(&q, &s->domains[i], since);
    }
    if (q_prepare(&q, "SELECT COUNT(*) FROM reports WHERE kind = 'error' AND ?1 IS NULL"
                      " AND ?2 = ?2", domain, since) && q_row(&q)) {
        s->unreadable = col_u64(q.st, 0);
        q_done(&q);
    }
    if (q.status != AUTH_OK) {
        report_db_summary_free(s);
        return q.status;
    }
    *out = s;
    return AUTH_OK;
}

void report_db_summary_free(struct reportdb_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ndomains; i++) {
        free(s->domains[i].sources);
        free(s->domains[i].days);
        free(s->domains[i].tls_failures);
        free(s->domains[i].tls_policies);
    }
    free(s->domains);
    free(s);
}

enum auth_status report_db_ptr_get(struct report_db *db, const char *ip, int64_t max_age,
                                   char *names, size_t len, bool *fcrdns)
{
    sqlite3_stmt *st = rdb_stmt(db, RDB_PTR_GET, "SELECT names, fcrdns FROM ptr_cache WHERE ip = ?"
                                " AND looked_up_at >= strftime('%s', 'now') - ?");
    int rc;

    if (!st)
        return AUTH_EIO;
    sqlite3_bind_text(st, 1, ip, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, max_age);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        col_str(st, 0, names, len);
        *fcrdns = sqlite3_column_int(st, 1) != 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? AUTH_OK : rc == SQLITE_DONE ? AUTH_ENOTFOUND : AUTH_EIO;
}

enum auth_status report_db_ptr_put(struct report_db *db, const char *ip, const char *names,
                                   bool fcrdns)
{
    sqlite3_stmt *st = rdb_stmt(db, RDB_PTR_PUT, "INSERT OR REPLACE INTO ptr_cache (ip, names,"
                                " fcrdns, looked_up_at) VALUES (?, ?, ?, strftime('%s', 'now'))");
    int rc;

    if (!st)
        return AUTH_EIO;
    sqlite3_bind_text(st, 1, ip, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, names, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, fcrdns);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? AUTH_OK : AUTH_EIO;
}
