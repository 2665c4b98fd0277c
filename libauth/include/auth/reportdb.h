/*
 * auth/reportdb.h - parsed reports (auth/report.h) stored in SQLite, and
 * the per-domain figures the summary is made of.
 *
 * One file, WAL journal, schema versioned with PRAGMA user_version and
 * migrated forward on open.  A report is identified by (org_name,
 * report_id): storing it again is a no-op reported as a duplicate, the
 * first copy stays.  An unreadable input is stored too, with its reason
 * and its bytes (up to REPORTDB_RAW_MAX), identified by their SHA-256 so
 * the same broken input is kept once.
 *
 * Batches: report_db_begin() ... report_db_store()... report_db_commit();
 * nothing is visible (or durable) before the commit, and a failed batch is
 * rolled back whole, so the caller can leave its sources (mailbox
 * messages) untouched and take them again next time.
 */
#ifndef AUTH_REPORTDB_H
#define AUTH_REPORTDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/report.h"
#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

#define REPORTDB_SCHEMA_VERSION 3
#define REPORTDB_RAW_MAX (1024u * 1024)

struct report_db;

/* Open (creating when missing) and migrate.  AUTH_OK; AUTH_EIO (cannot
 * open, not a database, locked), AUTH_EPARSE (a schema newer than this
 * program knows); err says why. */
AUTH_MUST_USE
enum auth_status report_db_open(const char *path, struct report_db **out, char *err,
                                size_t errlen);
void report_db_close(struct report_db *db);
/* PRAGMA user_version of the open database. */
int report_db_schema_version(struct report_db *db);

AUTH_MUST_USE
enum auth_status report_db_begin(struct report_db *db, char *err, size_t errlen);
AUTH_MUST_USE
enum auth_status report_db_commit(struct report_db *db, char *err, size_t errlen);
void report_db_rollback(struct report_db *db);

/* Store one entry (a report, or an error entry with the raw input it came
 * from: raw may be NULL).  origin: where it came from (a file name, an
 * IMAP UID...), may be NULL.  *duplicate (may be NULL) tells whether it
 * was already stored.  AUTH_OK or AUTH_EIO. */
AUTH_MUST_USE
enum auth_status report_db_store(struct report_db *db, const struct report *r,
                                 const char *origin, const void *raw, size_t rawlen,
                                 bool *duplicate, char *err, size_t errlen);

/* ---- the summary's figures ---- */

/* Why the messages of a source did or did not align, from the records'
 * auth results: the domain most seen with SPF pass, DKIM pass (and its
 * selector) when they are not the From domain's. */
struct reportdb_source {
    char ip[48];
    uint64_t messages, dmarc_pass, spf_aligned, dkim_aligned;
    uint64_t spf_pass_other, dkim_pass_other;   /* passed, but for another domain */
    uint64_t quarantined, rejected;
    char spf_other[256];        /* that domain ("" when none) */
    char dkim_other[256];
    char dkim_other_selector[128];
    char dkim_own_selector[128];  /* a selector that passed aligned ("" when none) */
};

struct reportdb_day {
    int64_t day;                /* Unix seconds at 00:00 UTC */
    uint64_t messages, dmarc_pass;
};

struct reportdb_tls_failure {
    char policy_domain[256], mx[256], result_type[64];
    uint64_t count;
    char policy_type[32];       /* "sts", "tlsa", "no-policy-found"; "" when unknown */
};

/* The TLS policies reporters applied for the domain (RFC 8460 4.3), one per
 * policy type and MX host list, summed over the reports. */
struct reportdb_tls_policy {
    char type[32];              /* "sts", "tlsa", "no-policy-found" (as reported) */
    char mx_hosts[512];         /* the policy's mx-host list, ", "-separated ("" none) */
    uint64_t reports, success, failure;
};

struct reportdb_domain {
    char domain[256];
    uint64_t reports, messages, dmarc_pass, spf_aligned, dkim_aligned;
    int64_t first, last;        /* earliest begin, latest end (-1: none) */
    char policy[16];            /* p= of the latest report, "" when unknown */
    struct reportdb_source *sources;   /* by messages, most first */
    size_t nsources;
    struct reportdb_day *days;  /* by day */
    size_t ndays;
    uint64_t tls_reports, tls_success, tls_failure;
    struct reportdb_tls_failure *tls_failures;   /* by MX, policy type and result type */
    size_t ntls_failures;
    struct reportdb_tls_policy *tls_policies;
    size_t ntls_policies;
    uint64_t failure_reports;   /* ARF reports for the domain */
};

struct reportdb_summary {
    struct reportdb_domain *domains;   /* by name */
    size_t ndomains;
    uint64_t unreadable;        /* stored error entries */
};

/* Figures for domain (NULL: every domain) over reports that end at or
 * after since (-1: all).  AUTH_OK or AUTH_EIO/AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status report_db_summary(struct report_db *db, const char *domain, int64_t since,
                                   struct reportdb_summary **out, char *err, size_t errlen);
void report_db_summary_free(struct reportdb_summary *s);

/* PTR names cached in the database: names (space-separated) and whether
 * one forward-confirms, when looked up within max_age seconds.
 * AUTH_OK, AUTH_ENOTFOUND (not cached or too old), AUTH_EIO. */
AUTH_MUST_USE
enum auth_status report_db_ptr_get(struct report_db *db, const char *ip, int64_t max_age,
                                   char *names, size_t len, bool *fcrdns);
AUTH_MUST_USE
enum auth_status report_db_ptr_put(struct report_db *db, const char *ip, const char *names,
                                   bool fcrdns);

AUTH_API_END

#endif
