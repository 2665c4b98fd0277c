/*
 * report_summary.h - the model `report summary` renders: the database's
 * figures (auth/reportdb.h) with what DNS adds (PTR names, their
 * registrable domain, the fix checked against the published records) and
 * the judgement per source (aligned, to fix, spoofing).
 */
#ifndef MAILCTL_REPORT_SUMMARY_H
#define MAILCTL_REPORT_SUMMARY_H

#include "auth/reportdb.h"
#include "report_cmd.h"

enum rs_status {
    RS_ALIGNED,        /* every message aligned */
    RS_PARTLY,         /* some aligned, some not */
    RS_UNALIGNED,      /* authenticated, but for another domain: fixable */
    RS_OWN_UNAUTH,     /* named like the domain itself, but unauthenticated */
    RS_SPOOFING,       /* nothing passed for anyone: looks like spoofing */
};

#define RS_MAX_NOTES 3

struct rs_source {
    const struct reportdb_source *db;
    char ptr[256];             /* first PTR name, "" when none */
    bool fcrdns;
    bool generic;              /* an ISP pool name */
    char group[256];           /* registrable domain of the PTR name, "" when none */
    enum rs_status status;
    char why[RS_MAX_NOTES][400];
    size_t nwhy;
    char fix[RS_MAX_NOTES][600];
    size_t nfix;
};

struct rs_domain {
    const struct reportdb_domain *db;
    struct rs_source *sources;
    size_t nsources;
    double aligned_share;      /* 0..1 */
    int days;                  /* days the reports cover */
    size_t sources_left;       /* legitimate sources not yet aligned */
    size_t spoofing;           /* sources that look like spoofing */
    uint64_t spoofed_messages;
    char next_policy[16];      /* "quarantine" or "reject" ("" when p=reject) */
    char readiness[400];
};

struct rs_summary {
    struct reportdb_summary *db;
    struct rs_domain *domains;
    size_t ndomains;
    bool dns_used;
};

/* Name the sources (PTR, parallel, cached in the database) and check the
 * fixes against DNS.  eng may be NULL (no names, fixes unchecked). */
void rs_name_sources(struct rs_summary *s, struct report_db *db, struct dns_engine *eng);
/* Judge each source and the domain's readiness. */
void rs_judge(struct rs_summary *s);
/* Meaning of a TLS-RPT result type (RFC 8460 4.3). */
const char *rs_tls_meaning(const char *result_type);
/* What a TLS-RPT policy type (sts, tlsa, no-policy-found) means. */
const char *rs_tls_policy_meaning(const char *policy_type);
const char *rs_status_name(enum rs_status st);

json_t *rs_json(const struct rs_summary *s);
void rs_text(const struct rs_summary *s);
int rs_csv(const struct rs_summary *s, FILE *fp);
/* One self-contained HTML document. */
int rs_html(const struct rs_summary *s, FILE *fp);
/* Write it to path atomically (temporary file in the same directory,
 * then rename; never through a symlink; an existing file only with force),
 * print the path.  Returns an exit code. */
int rs_write_html(const struct rs_summary *s, const char *path, bool force);
/* "2026-11-24T00:00:00Z" to Unix seconds, -2 when unreadable. */
int64_t rs_parse_iso(const char *s);

#endif
