/*
 * model.c - the report structure: making, failing, warning, freeing, and
 * the small value helpers every parser shares (trimmed copies, numbers,
 * canonical IP addresses).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ipaddr.h"
#include "core/people.h"
#include "report/report_int.h"

const char *report_kind_name(enum report_kind k)
{
    switch (k) {
    case REPORT_AGGREGATE: return "aggregate";
    case REPORT_TLSRPT: return "tlsrpt";
    case REPORT_FAILURE: return "failure";
    case REPORT_NONE: break;
    }
    return NULL;
}

struct report *report_new(enum report_kind kind)
{
    struct report *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->kind = kind;
    r->begin = r->end = r->arrival_date = -1;
    r->policy.pct = -1;
    return r;
}

static void free_policy(struct report_policy *p)
{
    free(p->p); free(p->sp); free(p->np); free(p->adkim); free(p->aspf); free(p->fo);
    free(p->testing); free(p->discovery_method);
    memset(p, 0, sizeof *p);
    p->pct = -1;
}

static void free_record(struct report_record *x)
{
    free(x->source_ip); free(x->disposition); free(x->dkim); free(x->spf); free(x->reason);
    free(x->header_from); free(x->envelope_from);
    for (size_t i = 0; i < x->ndkim_auth; i++) {
        free(x->dkim_auth[i].domain); free(x->dkim_auth[i].selector); free(x->dkim_auth[i].result);
    }
    for (size_t i = 0; i < x->nspf_auth; i++) {
        free(x->spf_auth[i].domain); free(x->spf_auth[i].scope); free(x->spf_auth[i].result);
    }
    free(x->dkim_auth);
    free(x->spf_auth);
}

static void free_tls_policy(struct report_tls_policy *p)
{
    free(p->type); free(p->domain);
    for (size_t i = 0; i < p->nmx_hosts; i++)
        free(p->mx_hosts[i]);
    free(p->mx_hosts);
    for (size_t i = 0; i < p->nfailures; i++) {
        free(p->failures[i].result_type); free(p->failures[i].sending_mta_ip);
        free(p->failures[i].receiving_mx_hostname);
    }
    free(p->failures);
}

/* Everything but kind, error, source and warnings. */
static void free_content(struct report *r)
{
    free(r->org_name); free(r->report_id); free(r->email); free(r->version); free(r->domain);
    r->org_name = r->report_id = r->email = r->version = r->domain = NULL;
    free_policy(&r->policy);
    for (size_t i = 0; i < r->nrecords; i++)
        free_record(&r->records[i]);
    free(r->records);
    r->records = NULL;
    r->nrecords = 0;
    r->messages = 0;
    for (size_t i = 0; i < r->npolicies; i++)
        free_tls_policy(&r->policies[i]);
    free(r->policies);
    r->policies = NULL;
    r->npolicies = 0;
    free(r->feedback_type); free(r->reported_domain); free(r->auth_failure);
    free(r->original_mail_from); free(r->source_ip);
    r->feedback_type = r->reported_domain = r->auth_failure = r->original_mail_from = NULL;
    r->source_ip = NULL;
    for (size_t i = 0; i < r->noriginal_headers; i++) {
        free(r->original_headers[i].name); free(r->original_headers[i].value);
    }
    free(r->original_headers);
    r->original_headers = NULL;
    r->noriginal_headers = 0;
    r->begin = r->end = r->arrival_date = -1;
}

void report_free(struct report *r)
{
    if (!r)
        return;
    free_content(r);
    free(r->error);
    free(r->error_for_people);
    free(r->source);
    for (size_t i = 0; i < r->nwarnings; i++) {
        free(r->warnings[i]);
        free(r->warnings_for_people[i]);
    }
    free(r->warnings);
    free(r->warnings_for_people);
    free(r);
}

/* Messages quote input (cut at a byte count): make them valid UTF-8
 * without control bytes, so they can go into JSON and onto a terminal. */
static void sanitize(char *s)
{
    size_t len = strlen(s);

    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : report_utf8_seq((unsigned char *)s + i, len - i);
        if (!k || c < 0x20 || c == 0x7f) {
            s[i++] = '?';
            continue;
        }
        i += k;
    }
}

/* fmt filled in, cut to one line, made safe to show (sanitize). */
static void vformat_into(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vformat_into(char *buf, size_t len, const char *fmt, va_list ap)
{
    vsnprintf(buf, len, fmt, ap);
    sanitize(buf);
}

/* r's error from fmt: English (kept in the database) and for people. */
static bool set_error(struct report *r, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static bool set_error(struct report *r, const char *fmt, va_list ap)
{
    char en[512], people[512];
    va_list again;

    va_copy(again, ap);
    vformat_into(en, sizeof en, fmt, ap);
    vformat_into(people, sizeof people, auth_people_text(fmt), again);
    va_end(again);
    free(r->error);
    free(r->error_for_people);
    r->error = strdup(en);
    r->error_for_people = strdup(people);
    return r->error && r->error_for_people;
}

/* Out of memory, r stays an error entry whose text may be NULL: callers
 * go on using r, so it is never freed here. */
struct report *report_fail(struct report *r, const char *fmt, ...)
{
    va_list ap;

    if (!r)
        return NULL;
    free_content(r);
    r->kind = REPORT_NONE;
    va_start(ap, fmt);
    set_error(r, fmt, ap);          /* false: out of memory, see above */
    va_end(ap);
    return r;
}

struct report *report_fail_msg(struct report *r, const char *msg)
{
    r = report_fail(r, "%s", msg);
    if (r) {
        char people[512];

        snprintf(people, sizeof people, "%s", auth_people_text(msg));
        sanitize(people);
        free(r->error_for_people);
        r->error_for_people = strdup(people);     /* NULL: see report_fail() */
    }
    return r;
}

struct report *report_error_new(const char *fmt, ...)
{
    struct report *r = report_new(REPORT_NONE);
    va_list ap;
    bool ok;

    if (!r)
        return NULL;
    va_start(ap, fmt);
    ok = set_error(r, fmt, ap);
    va_end(ap);
    if (!ok) {
        report_free(r);
        return NULL;
    }
    return r;
}

void report_warn(struct report *r, const char *fmt, ...)
{
    char en[512], people[512];
    va_list ap, again;
    char **w, **wp;

    va_start(ap, fmt);
    va_copy(again, ap);
    vformat_into(en, sizeof en, fmt, ap);
    vformat_into(people, sizeof people, auth_people_text(fmt), again);
    va_end(again);
    va_end(ap);
    for (size_t i = 0; i < r->nwarnings; i++)
        if (strcmp(r->warnings[i], en) == 0)
            return;
    if (r->nwarnings >= REPORT_MAX_WARNINGS)
        return;
    /* a lost warning is better than a lost report */
    if (!(w = realloc(r->warnings, (r->nwarnings + 1) * sizeof *w)))
        return;
    r->warnings = w;
    if (!(wp = realloc(r->warnings_for_people, (r->nwarnings + 1) * sizeof *wp)))
        return;
    r->warnings_for_people = wp;
    w[r->nwarnings] = strdup(en);
    wp[r->nwarnings] = strdup(people);
    if (w[r->nwarnings] && wp[r->nwarnings]) {
        r->nwarnings++;
        return;
    }
    free(w[r->nwarnings]);
    free(wp[r->nwarnings]);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

char *report_strndup_trim(const char *s, size_t len)
{
    char *out;

    while (len && is_space(*s)) {
        s++;
        len--;
    }
    while (len && is_space(s[len - 1]))
        len--;
    if (!(out = malloc(len + 1)))
        return NULL;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : report_utf8_seq((const unsigned char *)s + i, len - i);
        if (k > 1) {
            memcpy(out + i, s + i, k);
            i += k;
            continue;
        }
        /* tabs and line ends inside a value are folding, not content */
        out[i++] = c == '\t' || c == '\r' || c == '\n' ? ' ' : c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    out[len] = '\0';
    return out;
}

void report_lower(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

char *report_ip_canonical(const char *s)
{
    struct auth_ip ip;
    char buf[AUTH_IP_STRLEN];

    if (!s || auth_ip_parse(s, &ip) != AUTH_OK)
        return NULL;
    ip = auth_ip_unmap(&ip);
    return strdup(auth_ip_format(&ip, buf, sizeof buf));
}

bool report_parse_u64(const char *s, uint64_t *v)
{
    uint64_t n = 0;

    if (!s)
        return false;
    while (is_space(*s))
        s++;
    if (*s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (n > (UINT64_MAX - 9) / 10)
            return false;
        n = n * 10 + (uint64_t)(*s - '0');
    }
    while (is_space(*s))
        s++;
    if (*s)
        return false;
    *v = n;
    return true;
}

bool report_list_add(struct report_list *l, struct report *r)
{
    struct report **p;

    if (!r || l->n >= REPORT_MAX_REPORTS)
        return false;
    if (!(p = realloc(l->items, (l->n + 1) * sizeof *p)))
        return false;
    l->items = p;
    l->items[l->n++] = r;
    return true;
}

void report_list_free(struct report_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        report_free(l->items[i]);
    free(l->items);
    free(l);
}

struct report *report_new_error(const char *why)
{
    return report_error_new("%s", why ? why : "unreadable");
}
