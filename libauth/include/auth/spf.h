/*
 * auth/spf.h - SPF (RFC 7208): record parser, macro expander, check_host()
 * evaluator with a trace, include/redirect tree, and the policy linter.
 *
 * Layers, bottom up:
 *   spf_record_parse()   text -> terms, each with its byte position, so an
 *                        error names the column and the term.
 *   spf_macro_expand()   one pass into a caller's bounded buffer (RFC 7208 7).
 *   spf_check_host()     the evaluator; every DNS question goes through the
 *                        dns engine; returns an spf_eval with the result,
 *                        explanation, matching mechanism, counts and trace.
 *   spf_tree_build()     the include/redirect tree of a domain, one parallel
 *                        DNS batch per tree level.
 *   spf_lint()           typed problems of the policy, from the tree.
 *
 * Nothing here prints.  Bounds: records over SPF_MAX_RECORD bytes are a
 * permerror, macro expansions are bounded by the caller's buffer, the
 * evaluator by the RFC's limits plus a hard recursion and trace bound.
 */
#ifndef AUTH_SPF_H
#define AUTH_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth/dns.h"
#include "auth/ipaddr.h"
#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

/* ---- results ---------------------------------------------------------- */

enum spf_result {
    SPF_NONE = 0,
    SPF_NEUTRAL,
    SPF_PASS,
    SPF_FAIL,
    SPF_SOFTFAIL,
    SPF_TEMPERROR,
    SPF_PERMERROR,
};

/* "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror". */
const char *spf_result_name(enum spf_result r);

/* ---- limits ----------------------------------------------------------- */

#define SPF_MAX_RECORD      65535  /* bytes of one (joined) record */
#define SPF_MAX_LOOKUPS     10     /* RFC 7208 4.6.4: DNS-querying terms */
#define SPF_MAX_VOID        2      /* RFC 7208 4.6.4: void lookups */
#define SPF_MAX_MX_NAMES    10     /* names per mx term (more: permerror) */
#define SPF_MAX_PTR_NAMES   10     /* names per ptr term (more: ignored) */
#define SPF_MAX_MACRO_OUT   4096   /* a macro expansion's maximum length */
#define SPF_MAX_TRACE       4000   /* trace entries kept per evaluation */

/* ---- records ---------------------------------------------------------- */

enum spf_term_kind {
    SPF_T_ALL = 0,
    SPF_T_INCLUDE,
    SPF_T_A,
    SPF_T_MX,
    SPF_T_PTR,
    SPF_T_IP4,
    SPF_T_IP6,
    SPF_T_EXISTS,
    SPF_T_REDIRECT,      /* modifiers from here on */
    SPF_T_EXP,
    SPF_T_UNKNOWN_MOD,
};

/* "all", "include", ..., "redirect", "exp", "unknown-modifier". */
const char *spf_term_kind_name(enum spf_term_kind k);
/* Whether the term counts against the 10-lookup limit (include a mx ptr
 * exists redirect). */
bool spf_term_kind_queries_dns(enum spf_term_kind k);

/* One term of a parsed record; a read-only view owned by the record. */
struct spf_term {
    enum spf_term_kind kind;
    enum spf_result qualifier;  /* mechanisms: PASS/FAIL/SOFTFAIL/NEUTRAL */
    size_t pos;                 /* byte offset of the term in the record */
    size_t len;                 /* its length in bytes */
    const char *text;           /* the term as written, NUL-terminated */
    const char *name;           /* mechanism / modifier name as written */
    const char *domain_spec;    /* target or modifier value; NULL if absent */
    bool has_macro;             /* domain_spec contains a macro */
    struct auth_ip ip;          /* ip4 / ip6 network */
    int cidr4, cidr6;           /* prefix lengths; -1 when not given */
};

struct spf_record;

/* Whether a TXT string is an SPF record: "v=spf1" (any case) followed by a
 * space or the end (RFC 7208 4.5). */
bool spf_is_record(const unsigned char *txt, size_t len);

/* Parse a whole record (starting with "v=spf1").  Every term is checked, so
 * an error anywhere is found (RFC 7208 4.6).  On AUTH_EPARSE, err holds
 * "column N, 'term': problem" and *errpos (may be NULL) the byte offset.
 * AUTH_OK, AUTH_EPARSE, AUTH_ELIMIT (over SPF_MAX_RECORD), AUTH_ENOMEM.
 * The caller frees *out with spf_record_free(). */
AUTH_MUST_USE
enum auth_status spf_record_parse(const char *text, size_t len,
                                  struct spf_record **out, size_t *errpos,
                                  char *err, size_t errlen);
void spf_record_free(struct spf_record *rec);
/* The record text (NUL-terminated copy) and its terms, in order. */
const char *spf_record_text(const struct spf_record *rec);
size_t spf_record_count(const struct spf_record *rec);
const struct spf_term *spf_record_term(const struct spf_record *rec, size_t i);
/* The redirect= / exp= modifier, or NULL. */
const struct spf_term *spf_record_redirect(const struct spf_record *rec);
const struct spf_term *spf_record_exp(const struct spf_record *rec);
/* The first "all" mechanism, or NULL. */
const struct spf_term *spf_record_all(const struct spf_record *rec);

/* Check a domain-spec (RFC 7208 7.1: macro syntax, then a toplabel or a
 * macro at the end).  AUTH_OK or AUTH_EPARSE with err saying why. */
AUTH_MUST_USE
enum auth_status spf_domain_spec_check(const char *spec, size_t len,
                                       char *err, size_t errlen);

/* ---- macros ----------------------------------------------------------- */

/* The values macros expand to.  Strings are borrowed. */
struct spf_macro_env {
    const char *sender;         /* s: "local@domain" */
    const char *local;          /* l */
    const char *sender_domain;  /* o */
    const char *domain;         /* d: the current <domain> */
    struct auth_ip ip;          /* i, c, v (IPv4-mapped already unmapped) */
    const char *helo;           /* h */
    const char *receiver;       /* r: NULL means "unknown" */
    long long timestamp;        /* t */
    /* p: called when %{p} is expanded; returns the validated name or
     * "unknown" (never NULL).  NULL callback: "unknown". */
    const char *(*ptr_name)(void *arg);
    void *ptr_arg;
};

/* Check macro syntax only.  explanation: the explanation-string grammar
 * (spaces and the c, r, t letters allowed).  AUTH_OK or AUTH_EPARSE. */
AUTH_MUST_USE
enum auth_status spf_macro_check(const char *spec, size_t len, bool explanation,
                                 char *err, size_t errlen);

/* Expand spec into out (size outlen > 0, always NUL-terminated) in one
 * pass; *outn receives the length.  AUTH_OK; AUTH_EPARSE on bad syntax;
 * AUTH_ELIMIT when the expansion does not fit (out holds a prefix). */
AUTH_MUST_USE
enum auth_status spf_macro_expand(const char *spec, size_t len,
                                  const struct spf_macro_env *env, bool explanation,
                                  char *out, size_t outlen, size_t *outn,
                                  char *err, size_t errlen);

/* Expand a domain-spec for use as a DNS name: expansion, then RFC 7208 7.3
 * truncation (leftmost labels dropped until at most 253 octets) and the
 * trailing dot removed.  out needs SPF_MAX_MACRO_OUT bytes. */
AUTH_MUST_USE
enum auth_status spf_macro_expand_domain(const char *spec,
                                         const struct spf_macro_env *env,
                                         char *out, size_t outlen,
                                         char *err, size_t errlen);

/* ---- check_host() ----------------------------------------------------- */

struct spf_request {
    struct auth_ip ip;          /* the client address */
    const char *mail_from;      /* MAIL FROM; NULL or "" = null reverse-path:
                                   the HELO identity is checked */
    const char *helo;           /* HELO/EHLO name (may be NULL with mail_from) */
    const char *receiver;       /* %{r}; NULL: "unknown" */
    long long timestamp;        /* %{t}; 0: time(NULL) */
    unsigned max_lookups;       /* 0: SPF_MAX_LOOKUPS */
    unsigned max_void;          /* 0: SPF_MAX_VOID */
    bool no_explanation;        /* do not fetch exp= */
};

enum spf_trace_kind {
    SPF_TR_CHECK = 0,   /* check_host() entered for a domain */
    SPF_TR_RECORD,      /* the record found */
    SPF_TR_TERM,        /* a term evaluated, outcome in .outcome */
    SPF_TR_DNS,         /* a DNS question and its typed answer */
    SPF_TR_NOTE,        /* anything else worth saying */
    SPF_TR_RESULT,      /* check_host() returned for a domain */
};

/* "check", "record", "term", "dns", "note", "result". */
const char *spf_trace_kind_name(enum spf_trace_kind k);

struct spf_trace {
    enum spf_trace_kind kind;
    unsigned depth;             /* include/redirect nesting, 0 at the top */
    const char *domain;         /* the check_host() domain */
    const char *text;           /* term, record or note text; for DNS, why
                                   there is no data (NULL on data) */
    const char *outcome;        /* TERM: "match", "no match", "permerror"...;
                                   RESULT: the result name; else NULL */
    /* DNS only: */
    const char *qname;
    uint16_t qtype;
    enum dns_status status;
    size_t nanswers;
    const char *const *answers; /* presentation form of each RR */
};

struct spf_eval;

/* Run check_host() for the request (MAIL FROM identity, or HELO when
 * mail_from is empty) through eng.  The SPF result itself, including
 * temperror and permerror, is in the eval object: a DNS failure is not a
 * function failure.  AUTH_OK; AUTH_EINVAL (no identity at all); AUTH_ENOMEM.
 * The caller frees *out with spf_eval_free(). */
AUTH_MUST_USE
enum auth_status spf_check_host(struct dns_engine *eng, const struct spf_request *req,
                                struct spf_eval **out, char *err, size_t errlen);
void spf_eval_free(struct spf_eval *ev);

enum spf_result spf_eval_result(const struct spf_eval *ev);
/* Explanation (fail with exp=), else NULL. */
const char *spf_eval_explanation(const struct spf_eval *ev);
/* The matching mechanism as written ("-all", "include:x"), NULL when the
 * result is a default (neutral, none, errors). */
const char *spf_eval_mechanism(const struct spf_eval *ev);
/* Domain whose record held the matching mechanism, or NULL. */
const char *spf_eval_mechanism_domain(const struct spf_eval *ev);
/* The identity's domain check_host() started from. */
const char *spf_eval_domain(const struct spf_eval *ev);
/* "mailfrom" or "helo". */
const char *spf_eval_identity(const struct spf_eval *ev);
/* Why: for permerror/temperror/none a one-line reason; NULL otherwise. */
const char *spf_eval_reason(const struct spf_eval *ev);
/* The same in the user's language when the program set a translator
 * (auth_finding_set_translator: text output); spf_eval_reason() stays
 * English, for Authentication-Results and JSON. */
const char *spf_eval_reason_for_people(const struct spf_eval *ev);
unsigned spf_eval_lookups(const struct spf_eval *ev);
unsigned spf_eval_void_lookups(const struct spf_eval *ev);
size_t spf_eval_trace_count(const struct spf_eval *ev);
const struct spf_trace *spf_eval_trace(const struct spf_eval *ev, size_t i);
/* Whether entries were dropped beyond SPF_MAX_TRACE. */
bool spf_eval_trace_truncated(const struct spf_eval *ev);

/* ---- include/redirect tree -------------------------------------------- */

struct spf_tree;
struct spf_node;

enum spf_node_status {
    SPF_NODE_OK = 0,
    SPF_NODE_NONE,          /* no SPF record */
    SPF_NODE_NXDOMAIN,      /* the name does not exist */
    SPF_NODE_MULTIPLE,      /* several SPF records */
    SPF_NODE_SYNTAX,        /* the record does not parse */
    SPF_NODE_DNS_ERROR,     /* temporary DNS failure */
    SPF_NODE_LOOP,          /* the domain is one of its own ancestors */
    SPF_NODE_MACRO,         /* target depends on macros: not followed */
    SPF_NODE_BAD_NAME,      /* target is not a valid DNS name */
    SPF_NODE_TOO_DEEP,      /* beyond the tree's depth or size bound */
};
/* "ok", "none", "nxdomain", "multiple", "syntax", "dns-error", "loop",
 * "macro", "bad-name", "too-deep". */
const char *spf_node_status_name(enum spf_node_status s);

/* Build the tree of domain: the root record, then every include/redirect
 * target level by level (each level one parallel DNS batch, together with
 * the MX/A/AAAA questions lint needs for that level's a and mx terms).
 * AUTH_OK (node errors are in the nodes); AUTH_EINVAL (bad domain);
 * AUTH_ENOMEM; AUTH_EIO.  Free with spf_tree_free(). */
AUTH_MUST_USE
enum auth_status spf_tree_build(struct dns_engine *eng, const char *domain,
                                struct spf_tree **out, char *err, size_t errlen);
void spf_tree_free(struct spf_tree *t);
const struct spf_node *spf_tree_root(const struct spf_tree *t);
/* Lookup count over the whole tree (RFC 7208 4.6.4, every branch) and
 * whether macros make it a lower bound ("at least N"). */
unsigned spf_tree_lookups(const struct spf_tree *t);
bool spf_tree_lookups_at_least(const struct spf_tree *t);
/* Void lookups found in the tree (terms whose target has no data). */
unsigned spf_tree_void_lookups(const struct spf_tree *t);

const char *spf_node_domain(const struct spf_node *n);
/* The term that led here ("include:x", "redirect=x"); NULL at the root. */
const char *spf_node_via(const struct spf_node *n);
enum spf_node_status spf_node_status(const struct spf_node *n);
/* Error text at this node (syntax with column, DNS reason), or NULL. */
const char *spf_node_error(const struct spf_node *n);
/* The record text, or NULL. */
const char *spf_node_record(const struct spf_node *n);
/* The parsed record, or NULL. */
const struct spf_record *spf_node_parsed(const struct spf_node *n);
/* The TXT strings' lengths of the record (for the 255-byte check). */
size_t spf_node_string_count(const struct spf_node *n);
size_t spf_node_string_len(const struct spf_node *n, size_t i);
/* Lookups of this record's own terms; the same plus every descendant; and
 * the running total in evaluation order up to the end of this subtree. */
unsigned spf_node_lookups(const struct spf_node *n);
unsigned spf_node_subtree_lookups(const struct spf_node *n);
unsigned spf_node_running_total(const struct spf_node *n);
/* Whether this node is an ignored redirect (the record has "all"). */
bool spf_node_ignored(const struct spf_node *n);
size_t spf_node_child_count(const struct spf_node *n);
const struct spf_node *spf_node_child(const struct spf_node *n, size_t i);

/* ---- lint ------------------------------------------------------------- */

struct spf_lint_params {
    const struct auth_ip *ips;   /* addresses that must get "pass" (may be NULL) */
    size_t nips;
    bool no_flatten;             /* do not propose a flattened record */
};

/* What the linter saw, one entry per observation: the checks layer maps
 * each kind to its finding (id, severity, text, fix); the library names no
 * finding.  Some kinds are clean outcomes (a record is published, the
 * lookups are within the limit, an address passes): reporting them as a
 * pass is the checks' choice.  The evidence fields each kind fills:
 *   domain   the record's domain (every kind but the IP ones)
 *   term     the term's text: ALL_PASS (the all), AFTER_ALL, PTR_USED,
 *            MX_NAMES, MACRO_COUNT; the include/redirect that leads to the
 *            node: INCLUDE_NO_RECORD, INCLUDE_ERROR, LOOP; the mechanism
 *            that matched: IP_PASS
 *   other    the parent record's domain: INCLUDE_NO_RECORD, LOOP,
 *            INCLUDE_ERROR (NULL at the root); the 'all' term: AFTER_ALL;
 *            the MAIL FROM evaluated: IP_NOT_PASS
 *   published  the record as published: PUBLISHED, SYNTAX
 *   text     why (may be NULL): SYNTAX, MULTIPLE, INCLUDE_NO_RECORD,
 *            INCLUDE_ERROR; the reason of the result: IP_NOT_PASS
 *   record   the record to publish instead, NULL when none can be derived:
 *            ALL_PASS, ALL_NEUTRAL, NO_ALL, REDIRECT_IGNORED, AFTER_ALL,
 *            PTR_USED; LOOKUPS_OVER: the flattened policy as zone-file
 *            lines (it may take several records)
 *   number   bytes: STRING_SIZE, RECORD_SIZE; names: MX_NAMES; lookups:
 *            MACRO_COUNT, LOOKUPS_*; void lookups: VOID_LIMIT
 *   at_least the count is a lower bound (macros): LOOKUPS_*
 *   nxdomain the name does not exist, has_mx the domain has MX hosts: MISSING
 *   ip, result  IP_PASS, IP_NOT_PASS */
enum spf_problem_kind {
    SPF_PROB_MISSING = 0,       /* no record at the root */
    SPF_PROB_PUBLISHED,         /* the root publishes one record that parses */
    SPF_PROB_SYNTAX,            /* a record does not parse */
    SPF_PROB_MULTIPLE,          /* more than one record at a name */
    SPF_PROB_INCLUDE_NO_RECORD, /* an include/redirect target has none */
    SPF_PROB_INCLUDE_ERROR,     /* a record could not be fetched (temperror) */
    SPF_PROB_LOOP,              /* include/redirect loop */
    SPF_PROB_STRING_SIZE,       /* a TXT string over 255 bytes */
    SPF_PROB_RECORD_SIZE,       /* a record over 450 bytes */
    SPF_PROB_ALL_PASS,          /* +all */
    SPF_PROB_ALL_NEUTRAL,       /* ?all at the root */
    SPF_PROB_NO_ALL,            /* no all and no redirect at the root */
    SPF_PROB_REDIRECT_IGNORED,  /* redirect beside all */
    SPF_PROB_AFTER_ALL,         /* a term after all */
    SPF_PROB_PTR_USED,          /* the ptr mechanism */
    SPF_PROB_MX_NAMES,          /* an mx term with more than 10 names */
    SPF_PROB_MACRO_COUNT,       /* the count depends on macros */
    SPF_PROB_LOOKUPS_OVER,      /* more than 10 lookups over the tree */
    SPF_PROB_LOOKUPS_NEAR,      /* 9 or 10 */
    SPF_PROB_LOOKUPS_OK,        /* 8 or fewer */
    SPF_PROB_VOID_LIMIT,        /* more than 2 void lookups */
    SPF_PROB_TYPE99,            /* the obsolete SPF RR type is published */
    SPF_PROB_IP_PASS,           /* a given address gets pass */
    SPF_PROB_IP_NOT_PASS,       /* a given address does not */
};

struct spf_problem {
    enum spf_problem_kind kind;
    char *domain, *term, *other, *published, *text, *record;  /* owned; NULL: unset */
    unsigned number;
    bool at_least, nxdomain, has_mx;
    struct auth_ip ip;
    enum spf_result result;
};

/* The problems of one lint, in the order they were seen; at most
 * SPF_PROBLEMS_MAX (later ones are dropped and truncated is set). */
#define SPF_PROBLEMS_MAX 10000
struct spf_problems {
    struct spf_problem *items;
    size_t count, cap;
    bool truncated;
};

/* Lint the SPF policy of domain: fetch the tree (spf_tree_build) and append
 * what it shows to out.  params may be NULL.  When tree_out is not NULL it
 * receives the tree (caller frees).  AUTH_OK (problems are results);
 * AUTH_EINVAL; AUTH_ENOMEM; AUTH_EIO. */
AUTH_MUST_USE
enum auth_status spf_lint(struct dns_engine *eng, const char *domain,
                          const struct spf_lint_params *params,
                          struct spf_problems *out, struct spf_tree **tree_out,
                          char *err, size_t errlen);
/* Free what the list holds; it is left empty and reusable. */
void spf_problems_clear(struct spf_problems *l);

AUTH_API_END

#endif
