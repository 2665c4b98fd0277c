/*
 * db_store.c - the rows of one stored report: aggregate records with
 * their auth results, TLS-RPT policies and failure details, failure
 * report fields.  Prepared statements are reused across rows and reports.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report/db_int.h"

static enum auth_status step(struct report_db *db, sqlite3_stmt *st, char *err, size_t errlen,
                             const char *what)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    return rc == SQLITE_DONE ? AUTH_OK : rdb_fail(db, err, errlen, what);
}

static enum auth_status store_auth(struct report_db *db, sqlite3_int64 id, int rec,
                                   const struct report_record *x, char *err, size_t errlen)
{
    for (size_t i = 0; i < x->ndkim_auth; i++) {
        sqlite3_stmt *st = rdb_stmt(db, RDB_INSERT_DKIM,
            "INSERT INTO dkim_results (report, record, domain, selector, result) VALUES (?,?,?,?,?)");
        if (!st)
            return rdb_fail(db, err, errlen, "preparing");
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, rec);
        rdb_text(st, 3, x->dkim_auth[i].domain);
        rdb_text(st, 4, x->dkim_auth[i].selector);
        rdb_text(st, 5, x->dkim_auth[i].result);
        if (step(db, st, err, errlen, "storing a DKIM result") != AUTH_OK)
            return AUTH_EIO;
    }
    for (size_t i = 0; i < x->nspf_auth; i++) {
        sqlite3_stmt *st = rdb_stmt(db, RDB_INSERT_SPF,
            "INSERT INTO spf_results (report, record, domain, scope, result) VALUES (?,?,?,?,?)");
        if (!st)
            return rdb_fail(db, err, errlen, "preparing");
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, rec);
        rdb_text(st, 3, x->spf_auth[i].domain);
        rdb_text(st, 4, x->spf_auth[i].scope);
        rdb_text(st, 5, x->spf_auth[i].result);
        if (step(db, st, err, errlen, "storing an SPF result") != AUTH_OK)
            return AUTH_EIO;
    }
    return AUTH_OK;
}

static bool is_pass(const char *s)
{
    return s && strcmp(s, "pass") == 0;
}

enum auth_status rdb_store_records(struct report_db *db, sqlite3_int64 id, const struct report *r,
                                   char *err, size_t errlen)
{
    for (size_t i = 0; i < r->nrecords; i++) {
        const struct report_record *x = &r->records[i];
        const struct report_dkim_auth *dk = NULL;
        const struct report_spf_auth *sp = NULL;
        sqlite3_stmt *st = rdb_stmt(db, RDB_INSERT_RECORD,
            "INSERT INTO records (report, source_ip, count, disposition, dkim, spf, reason,"
            " header_from, envelope_from, spf_pass_domain, dkim_pass_domain, dkim_pass_selector)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
        if (!st)
            return rdb_fail(db, err, errlen, "preparing");
        for (size_t k = 0; k < x->ndkim_auth && !dk; k++)
            if (is_pass(x->dkim_auth[k].result))
                dk = &x->dkim_auth[k];
        for (size_t k = 0; k < x->nspf_auth && !sp; k++)
            if (is_pass(x->spf_auth[k].result))
                sp = &x->spf_auth[k];
        sqlite3_bind_int64(st, 1, id);
        rdb_text(st, 2, x->source_ip);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)x->count);
        rdb_text(st, 4, x->disposition);
        rdb_text(st, 5, x->dkim);
        rdb_text(st, 6, x->spf);
        rdb_text(st, 7, x->reason);
        rdb_text(st, 8, x->header_from);
        rdb_text(st, 9, x->envelope_from);
        rdb_text(st, 10, sp ? sp->domain : NULL);
        rdb_text(st, 11, dk ? dk->domain : NULL);
        rdb_text(st, 12, dk ? dk->selector : NULL);
        if (step(db, st, err, errlen, "storing a record") != AUTH_OK ||
            store_auth(db, id, (int)i, x, err, errlen) != AUTH_OK)
            return AUTH_EIO;
    }
    return AUTH_OK;
}

enum auth_status rdb_store_tls(struct report_db *db, sqlite3_int64 id, const struct report *r,
                               char *err, size_t errlen)
{
    for (size_t i = 0; i < r->npolicies; i++) {
        const struct report_tls_policy *p = &r->policies[i];
        json_t *mx = json_array();
        char *mxs;
        enum auth_status s;
        sqlite3_stmt *st = rdb_stmt(db, RDB_INSERT_TLS_POLICY,
            "INSERT INTO tls_policies (report, type, domain, mx_hosts, success, failure)"
            " VALUES (?,?,?,?,?,?)");
        if (!st || !mx) {
            json_decref(mx);
            return rdb_fail(db, err, errlen, "preparing");
        }
        for (size_t k = 0; k < p->nmx_hosts; k++)
            json_array_append_new(mx, json_string(p->mx_hosts[k]));
        mxs = json_dumps(mx, JSON_COMPACT);
        json_decref(mx);
        sqlite3_bind_int64(st, 1, id);
        rdb_text(st, 2, p->type);
        rdb_text(st, 3, p->domain);
        rdb_text(st, 4, mxs);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)p->success);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)p->failure);
        s = step(db, st, err, errlen, "storing a TLS policy");
        free(mxs);
        if (s != AUTH_OK)
            return s;
        for (size_t k = 0; k < p->nfailures; k++) {
            const struct report_tls_failure *f = &p->failures[k];
            sqlite3_stmt *fs = rdb_stmt(db, RDB_INSERT_TLS_FAILURE,
                "INSERT INTO tls_failures (report, policy_domain, result_type, sending_mta_ip,"
                " receiving_mx_hostname, count, policy_type) VALUES (?,?,?,?,?,?,?)");
            if (!fs)
                return rdb_fail(db, err, errlen, "preparing");
            sqlite3_bind_int64(fs, 1, id);
            rdb_text(fs, 2, p->domain);
            rdb_text(fs, 3, f->result_type);
            rdb_text(fs, 4, f->sending_mta_ip);
            rdb_text(fs, 5, f->receiving_mx_hostname);
            sqlite3_bind_int64(fs, 6, (sqlite3_int64)f->count);
            rdb_text(fs, 7, p->type);
            if (step(db, fs, err, errlen, "storing a TLS failure") != AUTH_OK)
                return AUTH_EIO;
        }
    }
    return AUTH_OK;
}

enum auth_status rdb_store_failure(struct report_db *db, sqlite3_int64 id, const struct report *r,
                                   char *err, size_t errlen)
{
    json_t *h = json_object();
    char *hs;
    enum auth_status s;
    sqlite3_stmt *st = rdb_stmt(db, RDB_INSERT_FAILURE,
        "INSERT INTO failures (report, feedback_type, reported_domain, source_ip, arrival_ts,"
        " auth_failure, original_mail_from, headers) VALUES (?,?,?,?,?,?,?,?)");

    if (!st || !h) {
        json_decref(h);
        return rdb_fail(db, err, errlen, "preparing");
    }
    for (size_t i = 0; i < r->noriginal_headers; i++)
        if (!json_object_get(h, r->original_headers[i].name))
            json_object_set_new(h, r->original_headers[i].name,
                                json_string(r->original_headers[i].value));
    hs = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    sqlite3_bind_int64(st, 1, id);
    rdb_text(st, 2, r->feedback_type);
    rdb_text(st, 3, r->reported_domain);
    rdb_text(st, 4, r->source_ip);
    if (r->arrival_date >= 0)
        sqlite3_bind_int64(st, 5, r->arrival_date);
    rdb_text(st, 6, r->auth_failure);
    rdb_text(st, 7, r->original_mail_from);
    rdb_text(st, 8, hs);
    s = step(db, st, err, errlen, "storing a failure report");
    free(hs);
    return s;
}
