/*
 * dkim_providers.h - the mail providers the audit recognises from a
 * domain's MX hosts and SPF record, and the DKIM selectors each documents,
 * so selector discovery asks a provider's few selectors before the long
 * common list (polite in bulk: a Microsoft 365 domain costs 2 questions,
 * not 35).  Pure functions over the table in dkim_providers.c.
 */
#ifndef MAILCTL_DKIM_PROVIDERS_H
#define MAILCTL_DKIM_PROVIDERS_H

#include <stddef.h>

#define DKIM_PROVIDERS_MAX 8       /* providers recognised for one domain */

struct dkim_provider {
    const char *name;                     /* "Microsoft 365" */
    const char *const *mx;                /* MX host patterns */
    const char *const *spf;               /* include:/redirect= domain patterns */
    const char *const *selectors;         /* documented selectors (may be none:
                                             selectors made per domain) */
};

/* Whether name is pattern or below it, label by label from the right; a
 * "*" label of the pattern matches any one label.  Case-insensitive, a
 * trailing dot ignored. */
int dkim_provider_name_matches(const char *pattern, const char *name);

/* The providers recognised from the MX host names (nmx of them) and the
 * domain's SPF record text (NULL: none), table order, each once; at most
 * max in out.  Returns how many. */
size_t dkim_providers_match(const char *const *mx_hosts, size_t nmx, const char *spf,
                            const struct dkim_provider **out, size_t max);

/* The selectors of providers p[0..n), each once, in table order; at most
 * max in sel.  Returns how many. */
size_t dkim_providers_selectors(const struct dkim_provider *const *p, size_t n,
                                const char **sel, size_t max);

/* "Microsoft 365, SendGrid" into buf (the names of p[0..n)). */
void dkim_providers_names(const struct dkim_provider *const *p, size_t n, char *buf,
                          size_t len);

#endif
