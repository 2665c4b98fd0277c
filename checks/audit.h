/*
 * audit.h - the check-dns audit as one pipeline: gather, judge, probe.
 *
 * A check family (checks/check_mx.c, check_spf.c, ...) is a judge:
 *     enum auth_status check_X(struct audit_ctx *ctx, struct finding_list *out);
 * It reads the domain's snapshot through ctx (DNS answers through ctx->eng,
 * probe results through audit_probe_want()), appends findings with ids from
 * ../shared/checks.md, and does no I/O, starts no thread and reads no clock
 * of its own (ctx->now is the audit's).  It never prints.  A resolver
 * failure becomes an SEV_ERROR finding, never "missing".
 *
 * audit_run() (audit.c) gathers and judges in rounds: every selected family
 * judges the snapshot; a question not yet answered is not sent but
 * remembered (the engine's deferred mode) and a probe not yet made is
 * queued; then all remembered questions go out as one parallel batch while
 * the probes run in the pool (probes.h), and the families judge again.  The
 * pass that finds everything it needs is the report.  So each (name, type)
 * is asked once per audit, the wall time is the longest chain of dependent
 * lookups (MX, then addresses, then PTR, then forward confirmation), and the
 * findings come back in registry order.  docs/pipeline.md draws it.
 */
#ifndef MAILCTL_AUDIT_H
#define MAILCTL_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "auth/dns.h"
#include "auth/finding.h"
#include "auth/ipaddr.h"
#include "auth/mtasts.h"
#include "auth/ports.h"

/* Text for people in findings: N_() marks a literal for the catalog that
 * auth_finding_add() translates (a second branch of a ternary, a table); TR()
 * translates a piece given to a detail format as an argument.  Both leave
 * English when no translator is set (JSON and the machine formats). */
#ifndef N_
#define N_(s) (s)
#endif
#define TR(s) auth_finding_text(s)

#define AUDIT_MAX_SELECTORS 64
#define AUDIT_MAX_IPS       64
#define AUDIT_MAX_DNSBL     16
#define AUDIT_DEFAULT_PROBE_MS 20000u

struct audit_probes;
struct audit_wait;

struct audit_options {
    const char *selectors[AUDIT_MAX_SELECTORS];  /* --selector; none: common list */
    size_t nselectors;
    struct auth_ip ips[AUDIT_MAX_IPS];           /* --ip: sending addresses */
    size_t nips;
    bool no_smtp;
    bool allow_private;
    int smtp_port, https_port;                   /* 0: 25 / 443 */
    const char *ca_file;
    const char *dmarc_discovery;                 /* "treewalk" (default) | "psl" */
    const struct dns_engine_params *dns;         /* for the per-family engines */
    const char *only;                            /* "mx,spf": just these families */
    const char *dnsbl[AUDIT_MAX_DNSBL];          /* --dnsbl ZONE; none: no list asked */
    size_t ndnsbl;
    unsigned probe_timeout_ms;                   /* per SMTP step / HTTPS fetch; 0: 20 s */
    const char *profile;                         /* --profile NAME, or NULL */
    bool ports;                                  /* --ports: each MX's port checklist */
    struct ports_params port_map;                /* --port-map (map, nmap): labs, tests */
    struct audit_probes *probes;                 /* the run's probe pool and cache;
                                                    NULL: audit_run makes its own */
    time_t now;                                  /* the audit's clock; 0: time(NULL) */
    bool dkim_all_selectors;                     /* --dkim-discovery common: the whole
                                                    common list at once, not the
                                                    provider's selectors first */
};

/* What the families of one judging pass share (audit_shared.c): results
 * computed once per pass, on first use, by whichever family asks first. */
struct audit_shared;

/* The MTA-STS state of the domain: the _mta-sts record, and when there is
 * exactly one valid record, the policy fetched over HTTPS and parsed. */
struct audit_mtasts {
    enum { MTASTS_REC_NONE, MTASTS_REC_ERROR, MTASTS_REC_INVALID, MTASTS_REC_OK } record;
    bool fetched;                        /* a fetch was attempted */
    bool skipped;                        /* not fetched: documentation address */
    enum auth_status fetch_status;       /* AUTH_OK: a 200 with a body */
    enum auth_status parse_status;       /* AUTH_OK: policy below is valid */
    struct mtasts_fetch_result fetch;    /* borrowed from the probe (body too) */
    struct mtasts_policy policy;
    char why[320];                       /* fetch or parse failure */
};

/* A raw record the audit found, for the report's "records" object. */
struct audit_record {
    char *key;      /* "spf", "dmarc", "mx", "dkim.selector1", ... */
    char *value;    /* the record text as published */
};

/* One family's view of the snapshot in one judging pass. */
struct audit_ctx {
    const char *domain;
    const struct audit_options *opt;
    struct dns_engine *eng;          /* the snapshot's answers (a deferring engine) */
    struct dns_engine *eng_cd;       /* the same, asked with CD=1 (dnssec family) */
    time_t now;                      /* the audit's clock */
    const char *wild_label;          /* a DKIM selector nobody publishes, fixed per audit */
    struct audit_probes *probes;     /* probe results of the run */
    struct audit_wait *wait;         /* probes this pass waits for */
    struct audit_record *records;    /* appended with audit_add_record() */
    size_t nrecords;
    struct audit_shared *shared;     /* NULL outside audit_run() */
};

/* The domain's MTA-STS record and policy: the record from the snapshot,
 * the policy from the pool's HTTPS probe (fetched once per run), parsed
 * once per pass.  fetched is false while the probe is still to be made.
 * NULL when ctx has no shared state.  Owned by the pass. */
const struct audit_mtasts *audit_mtasts_state(struct audit_ctx *ctx);

/* The probe result, or NULL while it is being made (the pass is then
 * judged again once it is). */
const struct audit_probe *audit_want_probe(struct audit_ctx *ctx, int kind, const char *host,
                                           const char *address, unsigned port);

/* Shared state of one judging pass. */
struct audit_shared *audit_shared_new(void);
void audit_shared_free(struct audit_shared *s);

/* The probe timeout to use (opt->probe_timeout_ms or the default). */
unsigned audit_probe_timeout_ms(const struct audit_ctx *ctx);

/* Remember a record for the report.  Copies both strings. */
AUTH_MUST_USE
enum auth_status audit_add_record(struct audit_ctx *ctx, const char *key, const char *value);

/* Add an SEV_ERROR finding for a DNS answer that could not be had.  id is
 * the check's id, what says what was being looked up. */
AUTH_MUST_USE
enum auth_status audit_dns_error(struct finding_list *out, const char *id, const char *what,
                                 const struct dns_result *res);

/* Query TXT at name (one round trip) and keep the records for which
 * is_record(text, len) holds, at most max of them, in out[].  *res gets the
 * answer (owned by the engine) for its status and evidence.  Returns how
 * many matched (0 also when the query failed: check *res). */
size_t audit_txt_matching(struct dns_engine *eng, const char *name,
                          bool (*is_record)(const char *txt, size_t len),
                          const struct dns_rr **out, size_t max,
                          const struct dns_result **res);

struct audit_check {
    const char *family;             /* "mx", "ptr", "spf", ... (ids are FAMILY.x) */
    enum auth_status (*run)(struct audit_ctx *ctx, struct finding_list *out);
};

/* The registry (checks/registry.c), in report order. */
extern const struct audit_check audit_checks[];
extern const size_t audit_ncheck;

struct audit_result {
    char *domain;
    struct finding_list findings;    /* every family's findings, registry order */
    struct audit_record *records;
    size_t nrecords;
    unsigned long timing_ms;
    unsigned long queries;           /* DNS queries sent (retries included) */
    unsigned long questions;         /* distinct questions asked: no repeats */
    unsigned rounds;                 /* judging passes (dependent lookup stages + 1) */
};

/* Run every check on domain.  AUTH_OK (findings may include errors),
 * AUTH_EINVAL (bad domain name, err says why), AUTH_ENOMEM.  The caller
 * frees *out with audit_result_free(). */
AUTH_MUST_USE
enum auth_status audit_run(const char *domain, const struct audit_options *opt,
                           struct audit_result **out, char *err, size_t errlen);
void audit_result_free(struct audit_result *r);

/* Whether family is selected by a comma-separated list (NULL: all). */
bool audit_family_selected(const char *only, const char *family);

/* ptr.* findings for one sending address whose PTR names were resolved
 * (mx_fcrdns_resolve): missing and not forward-confirming are failures for a
 * sending address (checks/check_ptr.c; also used for SPF-derived ones). */
struct ptr_report;
AUTH_MUST_USE
enum auth_status audit_sending_ptr_findings(const struct ptr_report *p,
                                            struct finding_list *out);

/* Profiles (checks/profile.c): --profile gmail-bulk|yahoo-bulk|outlook-bulk|parked.
 * Appends one "profile.X" finding per requirement of the profile to r.
 * AUTH_OK, AUTH_EINVAL (unknown profile), AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status audit_apply_profile(struct audit_result *r, const struct audit_options *opt,
                                     const char *name);
bool audit_profile_exists(const char *name);
/* "gmail-bulk, yahoo-bulk, ..." for messages. */
const char *audit_profile_names(void);

/* The check families (one file each). */
AUTH_MUST_USE
enum auth_status check_mx(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_ptr(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_spf(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_dkim(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_dmarc(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_mtasts(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_tlsrpt(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_bimi(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_smtp(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_dnssec(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_dnsbl(struct audit_ctx *ctx, struct finding_list *out);
AUTH_MUST_USE
enum auth_status check_ports(struct audit_ctx *ctx, struct finding_list *out);

#endif
