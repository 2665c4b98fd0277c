/*
 * db.c - the report database: open, migrate, batches, store.
 *
 * Migrations are a list of SQL scripts; script i takes user_version i to
 * i + 1, each in its own transaction, so an old database is brought
 * forward step by step and a half-applied migration never remains.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "auth/reportdb.h"
#include "report/db_int.h"

static const char *const migrations[REPORTDB_SCHEMA_VERSION] = {
    /* 0 -> 1: reports and what they hold */
    "CREATE TABLE reports ("
    " id INTEGER PRIMARY KEY, kind TEXT NOT NULL, org_name TEXT, report_id TEXT,"
    " domain TEXT, begin_ts INTEGER, end_ts INTEGER, messages INTEGER,"
    " p TEXT, sp TEXT, np TEXT, pct INTEGER, adkim TEXT, aspf TEXT,"
    " origin TEXT, part TEXT, error TEXT, warnings TEXT, raw BLOB,"
    " imported_at INTEGER NOT NULL, UNIQUE (org_name, report_id));"
    "CREATE INDEX reports_domain ON reports (domain, end_ts);"
    "CREATE TABLE records ("
    " report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,"
    " source_ip TEXT, count INTEGER NOT NULL, disposition TEXT, dkim TEXT, spf TEXT,"
    " reason TEXT, header_from TEXT, envelope_from TEXT,"
    " spf_pass_domain TEXT, dkim_pass_domain TEXT, dkim_pass_selector TEXT);"
    "CREATE INDEX records_report ON records (report);"
    "CREATE TABLE dkim_results (report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,"
    " record INTEGER NOT NULL, domain TEXT, selector TEXT, result TEXT);"
    "CREATE TABLE spf_results (report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,"
    " record INTEGER NOT NULL, domain TEXT, scope TEXT, result TEXT);"
    "CREATE TABLE tls_policies (report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,"
    " type TEXT, domain TEXT, mx_hosts TEXT, success INTEGER, failure INTEGER);"
    "CREATE TABLE tls_failures (report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,"
    " policy_domain TEXT, result_type TEXT, sending_mta_ip TEXT, receiving_mx_hostname TEXT,"
    " count INTEGER);"
    "CREATE TABLE failures (report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,"
    " feedback_type TEXT, reported_domain TEXT, source_ip TEXT, arrival_ts INTEGER,"
    " auth_failure TEXT, original_mail_from TEXT, headers TEXT);",
    /* 1 -> 2: PTR names of sources, so a summary asks DNS once per address */
    "CREATE TABLE ptr_cache (ip TEXT PRIMARY KEY, names TEXT NOT NULL, fcrdns INTEGER NOT NULL,"
    " looked_up_at INTEGER NOT NULL);",
    /* 2 -> 3: the policy type a TLS failure was under (sts, tlsa, no-policy-found);
     * older rows take their policy's type when their report has one for the domain */
    "ALTER TABLE tls_failures ADD COLUMN policy_type TEXT;"
    "UPDATE tls_failures SET policy_type = (SELECT CASE WHEN COUNT(DISTINCT p.type) = 1"
    " THEN MIN(p.type) END FROM tls_policies p WHERE p.report = tls_failures.report"
    " AND p.domain IS tls_failures.policy_domain);",
};

enum auth_status rdb_fail(struct report_db *db, char *err, size_t errlen, const char *what)
{
    return auth_fail(err, errlen, AUTH_EIO, "%s: %s", what, sqlite3_errmsg(db->h));
}

static enum auth_status exec(struct report_db *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;

    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        enum auth_status st = auth_fail(err, errlen, AUTH_EIO, "database: %s",
                                        msg ? msg : sqlite3_errmsg(db->h));
        sqlite3_free(msg);
        return st;
    }
    return AUTH_OK;
}

int report_db_schema_version(struct report_db *db)
{
    sqlite3_stmt *st;
    int v = -1;

    if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static enum auth_status migrate(struct report_db *db, char *err, size_t errlen)
{
    int v = report_db_schema_version(db);

    if (v < 0)
        return rdb_fail(db, err, errlen, "reading the schema version");
    if (v > REPORTDB_SCHEMA_VERSION)
        return auth_fail(err, errlen, AUTH_EPARSE,
                         "database schema version %d is newer than this mailctl (%d)", v,
                         REPORTDB_SCHEMA_VERSION);
    for (; v < REPORTDB_SCHEMA_VERSION; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", v + 1);
        if (exec(db, "BEGIN IMMEDIATE", err, errlen) != AUTH_OK)
            return AUTH_EIO;
        if (exec(db, migrations[v], err, errlen) != AUTH_OK ||
            exec(db, bump, err, errlen) != AUTH_OK || exec(db, "COMMIT", err, errlen) != AUTH_OK) {
            sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
            return AUTH_EIO;
        }
    }
    return AUTH_OK;
}

enum auth_status report_db_open(const char *path, struct report_db **out, char *err,
                                size_t errlen)
{
    struct report_db *db = calloc(1, sizeof *db);
    enum auth_status st;

    *out = NULL;
    if (!db)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    /* O_NOFOLLOW: the database is never opened through a symlink */
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
        st = auth_fail(err, errlen, AUTH_EIO, "%s: %s", path,
                       db->h ? sqlite3_errmsg(db->h) : "cannot open");
        report_db_close(db);
        return st;
    }
    sqlite3_busy_timeout(db->h, 10000);
    if ((st = exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                       "PRAGMA foreign_keys = ON;", err, errlen)) != AUTH_OK ||
        (st = migrate(db, err, errlen)) != AUTH_OK) {
        report_db_close(db);
        return st;
    }
    *out = db;
    return AUTH_OK;
}

void report_db_close(struct report_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < sizeof db->stmt / sizeof db->stmt[0]; i++)
        sqlite3_finalize(db->stmt[i]);
    sqlite3_close(db->h);
    free(db);
}

enum auth_status report_db_begin(struct report_db *db, char *err, size_t errlen)
{
    return exec(db, "BEGIN IMMEDIATE", err, errlen);
}

enum auth_status report_db_commit(struct report_db *db, char *err, size_t errlen)
{
    if (exec(db, "COMMIT", err, errlen) != AUTH_OK) {
        report_db_rollback(db);
        return AUTH_EIO;
    }
    return AUTH_OK;
}

void report_db_rollback(struct report_db *db)
{
    /* ignored: when no transaction is open there is nothing to undo */
    (void)sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *rdb_stmt(struct report_db *db, enum rdb_stmt_id id, const char *sql)
{
    sqlite3_stmt *st = db->stmt[id];

    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    return db->stmt[id] = st;
}

void rdb_text(sqlite3_stmt *st, int col, const char *s)
{
    if (s)
        sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, col);
}

/* Identity of an error entry: "sha256:HEX" of the raw input (or of the
 * reason when there is none). */
static void error_identity(const struct report *r, const void *raw, size_t rawlen, char *out,
                           size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    size_t n;

    if (!raw) {
        raw = r->error ? r->error : "";
        rawlen = strlen(raw);
    }
    if (!EVP_Digest(raw, rawlen, md, &mdlen, EVP_sha256(), NULL)) {
        snprintf(out, len, "unhashed");
        return;
    }
    n = (size_t)snprintf(out, len, "sha256:");
    for (unsigned i = 0; i < mdlen && n + 3 <= len; i++)
        n += (size_t)snprintf(out + n, len - n, "%02x", md[i]);
}

/* Identity of a failure report (they carry no report id): the SHA-256 of
 * what tells one apart: source, arrival, the original message's fields. */
static void failure_identity(const struct report *r, char *out, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    char num[32];
    size_t n;

    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(ctx);
        snprintf(out, len, "unhashed");
        return;
    }
    snprintf(num, sizeof num, "%lld", (long long)r->arrival_date);
    EVP_DigestUpdate(ctx, num, strlen(num) + 1);
    EVP_DigestUpdate(ctx, r->source_ip ? r->source_ip : "", r->source_ip ? strlen(r->source_ip) + 1 : 1);
    for (size_t i = 0; i < r->noriginal_headers; i++) {
        EVP_DigestUpdate(ctx, r->original_headers[i].name, strlen(r->original_headers[i].name) + 1);
        EVP_DigestUpdate(ctx, r->original_headers[i].value, strlen(r->original_headers[i].value) + 1);
    }
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    n = (size_t)snprintf(out, len, "arf:");
    for (unsigned i = 0; i < mdlen && n + 3 <= len; i++)
        n += (size_t)snprintf(out + n, len - n, "%02x", md[i]);
}

static char *warnings_text(const struct report *r)
{
    size_t n = 1, at = 0;
    char *s;

    if (!r->nwarnings)
        return NULL;
    for (size_t i = 0; i < r->nwarnings; i++)
        n += strlen(r->warnings[i]) + 1;
    if (!(s = malloc(n)))
        return NULL;
    for (size_t i = 0; i < r->nwarnings; i++) {
        size_t k = strlen(r->warnings[i]);
        memcpy(s + at, r->warnings[i], k);
        at += k;
        if (i + 1 < r->nwarnings)
            s[at++] = '\n';
    }
    s[at] = '\0';
    return s;
}

static enum auth_status insert_report(struct report_db *db, const struct report *r,
                                      const char *origin, const void *raw, size_t rawlen,
                                      bool *dup, char *err, size_t errlen)
{
    sqlite3_stmt *st = rdb_stmt(db, RDB_INSERT_REPORT,
        "INSERT INTO reports (kind, org_name, report_id, domain, begin_ts, end_ts, messages,"
        " p, sp, np, pct, adkim, aspf, origin, part, error, warnings, raw, imported_at)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)"
        " ON CONFLICT (org_name, report_id) DO NOTHING");
    char ident[80];
    char *warn = warnings_text(r);
    const char *kind = report_kind_name(r->kind);
    int rc;

    if (!st)
        return rdb_fail(db, err, errlen, "preparing the insert");
    sqlite3_bind_text(st, 1, kind ? kind : "error", -1, SQLITE_STATIC);
    if (r->kind == REPORT_NONE) {
        error_identity(r, raw, rawlen, ident, sizeof ident);
        sqlite3_bind_text(st, 2, "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, ident, -1, SQLITE_STATIC);
        if (raw && rawlen <= REPORTDB_RAW_MAX)
            sqlite3_bind_blob(st, 18, raw, (int)rawlen, SQLITE_STATIC);
    } else if (r->kind == REPORT_FAILURE) {
        failure_identity(r, ident, sizeof ident);
        sqlite3_bind_text(st, 2, "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, ident, -1, SQLITE_STATIC);
    } else {
        rdb_text(st, 2, r->org_name);
        rdb_text(st, 3, r->report_id);
    }
    rdb_text(st, 4, r->kind == REPORT_FAILURE ? r->reported_domain : r->domain);
    if (r->begin >= 0)
        sqlite3_bind_int64(st, 5, r->begin);
    if (r->end >= 0)
        sqlite3_bind_int64(st, 6, r->end);
    else if (r->kind == REPORT_FAILURE && r->arrival_date >= 0)
        sqlite3_bind_int64(st, 6, r->arrival_date);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)r->messages);
    rdb_text(st, 8, r->policy.p);
    rdb_text(st, 9, r->policy.sp);
    rdb_text(st, 10, r->policy.np);
    if (r->policy.pct >= 0)
        sqlite3_bind_int(st, 11, r->policy.pct);
    rdb_text(st, 12, r->policy.adkim);
    rdb_text(st, 13, r->policy.aspf);
    rdb_text(st, 14, origin);
    rdb_text(st, 15, r->source);
    rdb_text(st, 16, r->kind == REPORT_NONE ? r->error : NULL);
    rdb_text(st, 17, warn);
    sqlite3_bind_int64(st, 19, (sqlite3_int64)time(NULL));
    rc = sqlite3_step(st);
    free(warn);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rdb_fail(db, err, errlen, "storing a report");
    *dup = sqlite3_changes(db->h) == 0;
    return AUTH_OK;
}

enum auth_status report_db_store(struct report_db *db, const struct report *r,
                                 const char *origin, const void *raw, size_t rawlen,
                                 bool *duplicate, char *err, size_t errlen)
{
    bool dup = false;
    enum auth_status st = insert_report(db, r, origin, raw, rawlen, &dup, err, errlen);
    sqlite3_int64 id = sqlite3_last_insert_rowid(db->h);

    if (duplicate)
        *duplicate = dup;
    if (st != AUTH_OK || dup)
        return st;
    switch (r->kind) {
    case REPORT_AGGREGATE: return rdb_store_records(db, id, r, err, errlen);
    case REPORT_TLSRPT: return rdb_store_tls(db, id, r, err, errlen);
    case REPORT_FAILURE: return rdb_store_failure(db, id, r, err, errlen);
    case REPORT_NONE: break;
    }
    return AUTH_OK;
}
