/*
 * problems.h - the findings of the library linters' typed problems: each
 * problem kind of auth/spf.h, auth/dmarc.h, auth/dkim.h and auth/ports.h
 * mapped to its finding id (../shared/checks.md), severity, summary,
 * detail, fix and reference.  The one place those findings are made, so
 * the audit families and the commands (`spf lint`, `dmarc check`,
 * `dkim record`, `ports`) render the same problems the same way.
 *
 * Each appends to out: AUTH_OK, AUTH_ENOMEM (AUTH_ELIMIT, the list's bound,
 * is not an error: the findings that fit are kept).
 */
#ifndef MAILCTL_PROBLEMS_H
#define MAILCTL_PROBLEMS_H

#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/finding.h"
#include "auth/ports.h"
#include "auth/spf.h"

/* Text for people, as in audit.h: N_() marks a literal auth_finding_add()
 * translates later (given through a helper); TR() translates a format
 * before it is filled in, or a piece given to one as an argument. */
#ifndef N_
#define N_(s) (s)
#endif
#ifndef TR
#define TR(s) auth_finding_text(s)
#endif

/* spf.* (spf_problems.c). */
enum auth_status findings_from_spf(const struct spf_problems *pl, struct finding_list *out);

/* dmarc.* of a discovered policy (dmarc_problems.c). */
enum auth_status findings_from_dmarc(const struct dmarc_policy_info *pi,
                                     const struct dmarc_lint_problems *pl,
                                     struct finding_list *out);

/* dkim.key-* of one key record published at selector._domainkey.domain
 * (dkim_problems.c): from the linter's problems, or linting txt first. */
enum auth_status findings_from_dkim_key(const char *selector, const char *domain,
                                        const struct dkim_key_problems *pl,
                                        struct finding_list *out);
enum auth_status findings_dkim_key(const char *selector, const char *domain, const char *txt,
                                   size_t len, struct finding_list *out);
/* `mailctl dkim record`: the answer r at selector._domainkey.domain (no key:
 * dkim.not-found; else its dkim.key-*) and, when wild (a random selector's
 * answer) holds a key, dkim.wildcard.  checks_dkim_key_rr(): the record of
 * an answer that looks like a key (else its first), NULL when none. */
enum auth_status findings_dkim_record(const char *domain, const char *selector,
                                      const struct dns_result *r,
                                      const struct dns_result *wild, struct finding_list *fl);
const struct dns_rr *checks_dkim_key_rr(const struct dns_result *r);

/* ports.* of one probe report (ports_problems.c), and of the outbound
 * port-25 check by its state. */
enum auth_status findings_from_ports(const struct ports_report *r, struct finding_list *l);
enum auth_status findings_ports_outbound(const struct port_probe *o, struct finding_list *l);

#endif
