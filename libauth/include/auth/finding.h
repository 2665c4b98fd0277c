/*
 * auth/finding.h - one audit finding and a growable list of them.
 *
 * The findings are made by the checks/ of mailctl (the library's linters
 * return typed problems, which checks/ maps to findings), and rendered the
 * same way by the audit and the commands.  Ids are stable strings from
 * ../shared/checks.md ("spf.lookup-limit").  The list owns copies of every
 * string it is given.
 */
#ifndef AUTH_FINDING_H
#define AUTH_FINDING_H

#include <stddef.h>

#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

enum finding_severity {
    SEV_PASS = 0,
    SEV_INFO,
    SEV_WARN,
    SEV_FAIL,
    SEV_ERROR,     /* could not determine (timeout, SERVFAIL): not a verdict */
    SEV_SKIPPED,   /* not applicable or not requested */
};

/* "pass", "info", "warn", "fail", "error", "skipped". */
const char *auth_finding_severity_name(enum finding_severity s);
/* Parse one of those names; -1 when unknown. */
int auth_finding_severity_parse(const char *name);

struct finding {
    char *id;          /* "spf.lookup-limit" */
    enum finding_severity severity;
    char *summary;     /* one line */
    char *detail;      /* may be NULL: longer explanation, evidence */
    char *fix;         /* may be NULL: the exact record to publish */
    char *reference;   /* may be NULL: "RFC 7208 4.6.4" */
    char *evidence;    /* may be NULL: queries asked, rcode, raw record text */
};

struct finding_list {
    struct finding *items;
    size_t count, cap;
    size_t max;        /* bound on count; 0 means 10000 */
};

/* Append a finding (strings copied; detail/fix/reference/evidence may be
 * NULL).  AUTH_OK, AUTH_ENOMEM, AUTH_ELIMIT when the list is full. */
AUTH_MUST_USE
enum auth_status auth_finding_add(struct finding_list *l, const char *id,
                             enum finding_severity sev, const char *summary,
                             const char *detail, const char *fix,
                             const char *reference);
/* The same with printf-style detail. */
AUTH_MUST_USE
enum auth_status auth_finding_addf(struct finding_list *l, const char *id,
                              enum finding_severity sev, const char *summary,
                              const char *fix, const char *reference,
                              const char *detail_fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Attach evidence text to the last finding added (copied). */
AUTH_MUST_USE
enum auth_status auth_finding_set_evidence(struct finding_list *l, const char *evidence);

/* Text for people in their language: when set, auth_finding_add() passes the
 * summary, detail and fix through tr, and auth_finding_addf() its summary, fix
 * and detail format (before formatting, so the format is what a catalog
 * holds).  NULL, the default, keeps the English as written, which JSON and
 * the other machine formats need.  Set it before any finding is made; tr
 * must return its argument when it has no translation. */
typedef const char *(*finding_translator)(const char *text) __attribute__((format_arg(1)));
void auth_finding_set_translator(finding_translator tr);
/* text through that translator (itself when none is set): for the other
 * text libauth makes for people, such as setup's record notes and
 * checklist, whose formats are translated before they are filled in. */
const char *auth_finding_text(const char *text) __attribute__((format_arg(1)));

/* Number of findings at or above sev (PASS..FAIL scale; ERROR/SKIPPED are
 * counted only when sev is that exact value). */
size_t auth_finding_count(const struct finding_list *l, enum finding_severity sev);

/* Free every finding; the list is left empty and reusable. */
void auth_finding_list_clear(struct finding_list *l);

AUTH_API_END

#endif
