/*
 * auth/dmarc.h - DMARC: policy records, policy discovery, identifier
 * alignment, the result with the applied policy, and the policy linter.
 *
 * Two standards are live at once.  RFC 7489 (2015) finds the Organizational
 * Domain from the Public Suffix List; RFC 9989 (DMARCbis) replaces the list
 * with the DNS Tree Walk (9989 4.10, at most 8 queries), adds the np, t and
 * psd tags and drops pct, rf and ri.  This module accepts both: every tag is
 * reported with the standard it belongs to, and discovery runs either way
 * (DMARC_DISCOVERY_TREEWALK is the default, DMARC_DISCOVERY_PSL the RFC 7489
 * method with the system's PSL through libpsl).
 *
 * The structs are read-only views owned by the object they come from; free
 * with the matching _free().  Nothing here prints.
 */
#ifndef AUTH_DMARC_H
#define AUTH_DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dns.h"
#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

/* Bounds on hostile records. */
#define DMARC_MAX_RECORD   65535   /* longer input is refused (EPARSE) */
#define DMARC_MAX_TAGS     64      /* further tags are reported, not kept */
#define DMARC_MAX_URIS     32      /* per rua/ruf list; more are reported */
#define DMARC_MAX_WALK     8       /* queries of one DNS Tree Walk (9989 4.10) */

enum dmarc_policy {
    DMARC_POLICY_UNSET = 0,        /* tag absent or invalid */
    DMARC_POLICY_NONE,
    DMARC_POLICY_QUARANTINE,
    DMARC_POLICY_REJECT,
};
/* "none", "quarantine", "reject"; "" for UNSET. */
const char *dmarc_policy_name(enum dmarc_policy p);

enum dmarc_align { DMARC_ALIGN_RELAXED = 0, DMARC_ALIGN_STRICT };

/* Which standard defines a tag. */
enum dmarc_standard {
    DMARC_STD_BOTH = 0,            /* RFC 7489 and RFC 9989 */
    DMARC_STD_7489,                /* RFC 7489 only (pct, rf, ri: removed in 9989) */
    DMARC_STD_9989,                /* RFC 9989 only (np, t, psd) */
    DMARC_STD_UNKNOWN,             /* in neither: ignored (9989 4.7) */
};
/* "RFC 7489 and RFC 9989", "RFC 7489 only", "RFC 9989 only", "unknown". */
const char *dmarc_standard_name(enum dmarc_standard s);

enum dmarc_result {
    DMARC_RESULT_NONE = 0,         /* no policy applies */
    DMARC_RESULT_PASS,
    DMARC_RESULT_FAIL,
    DMARC_RESULT_TEMPERROR,
    DMARC_RESULT_PERMERROR,
};
/* "none", "pass", "fail", "temperror", "permerror". */
const char *dmarc_result_name(enum dmarc_result r);

/* One tag as written, in record order. */
struct dmarc_tag {
    char *name;                    /* lower-cased */
    char *value;                   /* whitespace-trimmed */
    enum dmarc_standard standard;
    bool valid;                    /* value conforms (unknown tags: true) */
    bool duplicate;                /* an earlier tag had this name: ignored */
};

/* One problem of a record: every invalid value is one of these. */
enum dmarc_problem_level { DMARC_PROB_INFO = 0, DMARC_PROB_WARN, DMARC_PROB_ERROR };
struct dmarc_problem {
    enum dmarc_problem_level level;
    char *tag;                     /* tag name, or NULL for the whole record */
    char *message;                 /* one line */
};

/* One reporting URI of rua/ruf. */
struct dmarc_uri {
    char *uri;                     /* as written, without the "!size" suffix */
    char *scheme;                  /* lower-cased, or NULL when none */
    char *address;                 /* mailto: the percent-decoded address */
    char *domain;                  /* mailto: its domain, lower-cased */
    uint64_t max_size;             /* obsolete "!size" suffix in bytes, 0 none */
    bool valid;
};

struct dmarc_record {
    char *text;                    /* the record (NUL bytes shown as \0) */
    bool dmarc;                    /* starts with v=DMARC1 */
    bool usable;                   /* a policy applies: valid p (or p/sp/np
                                      invalid but a valid rua: acts as p=none,
                                      9989 4.10.1) */
    enum dmarc_policy p, sp, np;   /* as published, UNSET when absent/invalid */
    bool p_defaulted;              /* p acts as none (absent/invalid + rua) */
    enum dmarc_align adkim, aspf;
    int pct;                       /* 0..100; 100 when absent */
    bool pct_set;
    bool testing;                  /* t=y */
    char psd;                      /* 'y', 'n' or 'u' */
    char fo[8];                    /* e.g. "0", "1:d" ("0" when absent) */
    char *rf;                      /* NULL when absent */
    uint32_t ri;                   /* 86400 when absent */
    size_t nrua, nruf;
    struct dmarc_uri *rua, *ruf;
    size_t ntags;
    struct dmarc_tag *tags;
    size_t nproblems;
    struct dmarc_problem *problems;
};

/* Whether a TXT string is a DMARC record: it starts with "v" "=" "DMARC1"
 * (whitespace allowed around '=', value case-sensitive) followed by ';',
 * whitespace or the end.  Other TXT records at _dmarc are discarded. */
bool dmarc_is_record(const char *text, size_t len);

/* Parse one record (text may hold NULs and any bytes).  Always AUTH_OK with
 * *out set unless len > DMARC_MAX_RECORD (AUTH_EPARSE, err says so) or
 * memory runs out (AUTH_ENOMEM): invalid values, unknown tags and a missing
 * v=DMARC1 are problems inside the record, never a failed call.  The caller
 * frees *out with dmarc_record_free(). */
AUTH_MUST_USE
enum auth_status dmarc_record_parse(const char *text, size_t len,
                                    struct dmarc_record **out,
                                    char *err, size_t errlen);
void dmarc_record_free(struct dmarc_record *r);

/* ---- Organizational Domain and alignment ---------------------------- */

/* RFC 7489 3.2 Organizational Domain of name from the system Public Suffix
 * List (libpsl: the newest of the system file and the built-in list).
 * Writes the lower-cased org domain into out.  A name that is itself a
 * public suffix is its own org domain (*is_suffix set when non-NULL).
 * AUTH_OK, AUTH_EINVAL (bad or too long name), AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status dmarc_psl_org_domain(const char *name, char *out, size_t outlen,
                                      bool *is_suffix);

/* Convert a domain (U-labels or A-labels, any case, optional trailing dot)
 * to lower-case A-label form (9989 5.3.1).  AUTH_OK or AUTH_EINVAL. */
AUTH_MUST_USE
enum auth_status dmarc_domain_normalize(const char *name, char *out, size_t outlen);

/* Alignment of an authenticated identifier with the author domain, given
 * both org domains (relaxed: same org domain; strict: identical names).
 * Names are compared case-insensitively, trailing dots ignored. */
bool dmarc_aligned(enum dmarc_align mode, const char *author, const char *author_org,
                   const char *ident, const char *ident_org);

/* ---- Policy discovery ----------------------------------------------- */

enum dmarc_discovery { DMARC_DISCOVERY_TREEWALK = 0, DMARC_DISCOVERY_PSL };
/* "treewalk", "psl". */
const char *dmarc_discovery_name(enum dmarc_discovery d);

/* One _dmarc query made, for the evidence. */
struct dmarc_step {
    char *name;                    /* "_dmarc.example.com" */
    enum dns_status status;
    size_t ndmarc;                 /* TXT records starting v=DMARC1 */
    char *note;                    /* what the walk concluded here, or NULL */
};

enum dmarc_found {
    DMARC_FOUND = 0,               /* a record applies */
    DMARC_FOUND_NONE,              /* no record anywhere looked */
    DMARC_FOUND_TEMPERROR,         /* a query failed: cannot tell */
    DMARC_FOUND_PERMERROR,         /* records exist but none is usable
                                      (multiple, or invalid without rua) */
};

struct dmarc_policy_info {
    char *domain;                  /* the author domain, A-label lower case */
    enum dmarc_discovery method;
    enum dmarc_found found;
    char *policy_domain;           /* where the applied record is, or NULL */
    char *org_domain;              /* the author domain's Organizational Domain */
    struct dmarc_record *record;   /* the applied record, or NULL */
    struct dmarc_record *invalid;  /* PERMERROR: the unusable record, or NULL */
    bool inherited;                /* policy_domain differs from domain */
    bool psd_policy;               /* the record is a PSD's (psd=y) */
    bool multiple;                 /* several DMARC records at one name looked */
    int domain_exists;             /* 1 yes, 0 NXDOMAIN, -1 not asked/unknown */
    enum dmarc_policy policy;      /* the policy for this domain: p, or sp /
                                      np for a subdomain; p=none when defaulted */
    const char *policy_tag;        /* "p", "sp" or "np" */
    size_t nsteps;
    struct dmarc_step *steps;      /* every query, in walk order */
    char *error;                   /* one line for TEMPERROR/PERMERROR */
    char *error_for_people;        /* the same in the user's language (text
                                      output, auth_finding_set_translator);
                                      error stays English for headers/JSON */
};

/* Discover the DMARC policy of an author domain.  Tree walk: query
 * _dmarc.DOMAIN, then the walk of 9989 4.10 (all levels in one parallel
 * batch, at most 8 queries, only the answers up to the stopping point are
 * used); the applied record is the author domain's, else the org domain's,
 * else the PSD's (9989 4.10.1).  PSL: _dmarc.DOMAIN, then _dmarc.ORGDOMAIN
 * (RFC 7489 6.6.3).  For an inherited policy the author domain is looked up
 * to tell sp from np (9989 3.2.13: NXDOMAIN means non-existent).
 * AUTH_OK (inspect ->found), AUTH_EINVAL (not a domain name, err says why),
 * AUTH_ENOMEM, AUTH_EIO.  Free *out with dmarc_policy_info_free(). */
AUTH_MUST_USE
enum auth_status dmarc_discover(struct dns_engine *eng, const char *domain,
                                enum dmarc_discovery method,
                                struct dmarc_policy_info **out,
                                char *err, size_t errlen);
void dmarc_policy_info_free(struct dmarc_policy_info *pi);

/* The Organizational Domain of any name (for an SPF or DKIM identifier) by
 * the given method: PSL, or the tree walk's selection (9989 4.10.2: psd=n,
 * below psd=y, else the record with the fewest labels, else the name
 * itself).  out receives the lower-cased name.  AUTH_OK, AUTH_ETEMP when a
 * walk query failed (alignment cannot be decided), AUTH_EINVAL, AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status dmarc_org_domain(struct dns_engine *eng, enum dmarc_discovery method,
                                  const char *name, char *out, size_t outlen);

/* ---- The verdict on a message --------------------------------------- */

struct dmarc_dkim_input {
    const char *domain;            /* d= */
    const char *selector;          /* s= */
    bool pass;                     /* the signature verified */
};

struct dmarc_eval_params {
    const char *spf_domain;        /* domain SPF checked (MAIL FROM, or HELO
                                      for the null sender), or NULL */
    bool spf_pass;
    const struct dmarc_dkim_input *dkim;
    size_t ndkim;
    int pct_roll;                  /* 0..99: sample for pct (callers derive
                                      it deterministically, e.g. from a seed
                                      and the Message-ID); negative: taken
                                      as 0, never a random draw */
};

struct dmarc_eval {
    enum dmarc_result result;
    bool spf_aligned, dkim_aligned;
    char *aligned_dkim_domain;     /* the first aligned passing d=, or NULL */
    enum dmarc_policy policy;      /* the policy published for this domain */
    enum dmarc_policy disposition; /* what to apply: the policy, one level
                                      lower under t=y or pct sampling, none
                                      on pass / no policy */
    bool sampled_out;              /* pct sampling lowered the policy */
    bool testing;                  /* t=y lowered the policy */
    char *reason;                  /* one line: why this result, English
                                      (Authentication-Results, JSON) */
    char *reason_for_people;       /* the same in the user's language (text
                                      output, auth_finding_set_translator) */
};

/* Evaluate the message's identifiers against the discovered policy.  Org
 * domains of identifiers come from the same method as the discovery (a
 * tree walk per distinct identifier, cached by the engine).  AUTH_OK (the
 * verdict is in *out, a walk failure makes it temperror), AUTH_ENOMEM.
 * Free *out with dmarc_eval_free(). */
AUTH_MUST_USE
enum auth_status dmarc_evaluate(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                                const struct dmarc_eval_params *params,
                                struct dmarc_eval **out);
void dmarc_eval_free(struct dmarc_eval *ev);

/* Apply pct and t to a policy (pure function, exposed for tests): returns
 * the disposition for a failing message.  roll is 0..99; the message is
 * sampled in when roll < pct. */
enum dmarc_policy dmarc_disposition(enum dmarc_policy policy, int pct, bool testing,
                                    int roll, bool *sampled_out);

/* ---- Lint ----------------------------------------------------------- */

/* What the linter saw in a discovered policy, one entry per observation;
 * the checks layer maps each kind to its finding (the library names no
 * finding).  PUBLISHED is a clean outcome.  Besides the policy info, the
 * evidence each kind carries:
 *   index   RECORD: the problem's index in the record's problems (of
 *           pi->record, else pi->invalid)
 *   text    POLICY_NONE: the record to publish for the quarantine step;
 *           RUA_AUTH_ERROR: why the question failed
 *   dest    RUA_*: the report destination's domain
 *   name    RUA_AUTH_ERROR, RUA_UNAUTHORIZED: the _report._dmarc name asked
 *   status  RUA_UNAUTHORIZED: that answer's status */
enum dmarc_lint_kind {
    DMARC_LINT_MISSING = 0,     /* no policy found */
    DMARC_LINT_LOOKUP_FAILED,   /* the discovery failed (temperror) */
    DMARC_LINT_MULTIPLE,        /* more than one record at one name */
    DMARC_LINT_PUBLISHED,       /* the domain's own policy is published */
    DMARC_LINT_RECORD,          /* one problem of the record's values */
    DMARC_LINT_POLICY_NONE,     /* p=none (or p defaulted) */
    DMARC_LINT_SP_NONE,         /* sp=none under an enforcing p */
    DMARC_LINT_NP_NONE,         /* np=none under an enforcing p */
    DMARC_LINT_TESTING,         /* t=y */
    DMARC_LINT_PCT,             /* pct below 100 */
    DMARC_LINT_NO_RUA,          /* no aggregate report address */
    DMARC_LINT_INHERITED,       /* the policy comes from an ancestor */
    DMARC_LINT_RUA_AUTH_ERROR,  /* the authorisation could not be asked */
    DMARC_LINT_RUA_UNAUTHORIZED,/* an external destination did not authorise */
    DMARC_LINT_RUA_NULL_MX,     /* a destination publishes a null MX */
    DMARC_LINT_RUA_NO_DOMAIN,   /* a destination domain does not exist */
    DMARC_LINT_RUA_NO_ROUTE,    /* a destination has no MX and no address */
};

struct dmarc_lint_problem {
    enum dmarc_lint_kind kind;
    size_t index;
    char *text, *dest, *name;   /* owned; NULL when unset */
    enum dns_status status;
};

/* The problems of one lint, in order; at most DMARC_LINT_MAX. */
#define DMARC_LINT_MAX 1000
struct dmarc_lint_problems {
    struct dmarc_lint_problem *items;
    size_t count, cap;
};

/* Lint a discovered policy: missing, multiple, one RECORD per invalid
 * value, p/sp/np none, testing, pct, no rua, inherited, and for each
 * external report destination its _report._dmarc authorisation (RFC 7489
 * 7.1) and whether its domain can receive mail, queried in one batch.
 * AUTH_OK, AUTH_ENOMEM, AUTH_ELIMIT (list full). */
AUTH_MUST_USE
enum auth_status dmarc_lint(struct dns_engine *eng, const struct dmarc_policy_info *pi,
                            struct dmarc_lint_problems *out);
/* Free what the list holds; it is left empty and reusable. */
void dmarc_lint_problems_clear(struct dmarc_lint_problems *l);

AUTH_API_END

#endif
