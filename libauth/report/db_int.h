/*
 * db_int.h - internals of the report database shared by its files.
 */
#ifndef LIBAUTH_REPORT_DB_INT_H
#define LIBAUTH_REPORT_DB_INT_H

#include <sqlite3.h>

#include "auth/reportdb.h"

enum rdb_stmt_id {
    RDB_INSERT_REPORT, RDB_INSERT_RECORD, RDB_INSERT_DKIM, RDB_INSERT_SPF, RDB_INSERT_TLS_POLICY,
    RDB_INSERT_TLS_FAILURE, RDB_INSERT_FAILURE, RDB_PTR_GET, RDB_PTR_PUT, RDB_NSTMT
};

struct report_db {
    sqlite3 *h;
    sqlite3_stmt *stmt[RDB_NSTMT];   /* prepared once, reused per row */
};

/* A prepared statement, reset and unbound (NULL on failure). */
sqlite3_stmt *rdb_stmt(struct report_db *db, enum rdb_stmt_id id, const char *sql);
/* Bind s (borrowed, must live until the step) or NULL. */
void rdb_text(sqlite3_stmt *st, int col, const char *s);
/* AUTH_EIO with sqlite's message after what. */
enum auth_status rdb_fail(struct report_db *db, char *err, size_t errlen, const char *what);

enum auth_status rdb_store_records(struct report_db *db, sqlite3_int64 id, const struct report *r,
                                   char *err, size_t errlen);
enum auth_status rdb_store_tls(struct report_db *db, sqlite3_int64 id, const struct report *r,
                               char *err, size_t errlen);
enum auth_status rdb_store_failure(struct report_db *db, sqlite3_int64 id, const struct report *r,
                                   char *err, size_t errlen);

#endif
