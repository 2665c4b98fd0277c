/*
 * finding.c - the finding list shared by every linter and check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/finding.h"
#include "core/people.h"

static const char *const sev_names[] = {
    "pass", "info", "warn", "fail", "error", "skipped",
};

const char *auth_finding_severity_name(enum finding_severity s)
{
    return (unsigned)s < sizeof sev_names / sizeof sev_names[0] ? sev_names[s] : "?";
}

int auth_finding_severity_parse(const char *name)
{
    for (size_t i = 0; i < sizeof sev_names / sizeof sev_names[0]; i++)
        if (strcmp(name, sev_names[i]) == 0)
            return (int)i;
    return -1;
}

static finding_translator g_tr;

void auth_finding_set_translator(finding_translator tr)
{
    g_tr = tr;
}

/* > 0 while this thread makes protocol text (core/people.h) */
static _Thread_local unsigned english_depth;

void auth_english_begin(void)
{
    english_depth++;
}

void auth_english_end(void)
{
    english_depth--;
}

static const char *tr(const char *s)
{
    return g_tr && s && !english_depth ? g_tr(s) : s;
}

const char *auth_people_text(const char *s)
{
    return g_tr && s ? g_tr(s) : s;
}

const char *auth_finding_text(const char *text)
{
    return tr(text);
}

static char *dup_or_null(const char *s, int *oom)
{
    char *d;

    if (!s)
        return NULL;
    d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

static void finding_free(struct finding *f)
{
    free(f->id);
    free(f->summary);
    free(f->detail);
    free(f->fix);
    free(f->reference);
    free(f->evidence);
}

static enum auth_status add(struct finding_list *l, const char *id,
                            enum finding_severity sev, const char *summary,
                            const char *detail, const char *fix, const char *reference)
{
    size_t max = l->max ? l->max : 10000;
    struct finding f = { .severity = sev };
    int oom = 0;

    if (l->count >= max)
        return AUTH_ELIMIT;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct finding *n = realloc(l->items, cap * sizeof *n);
        if (!n)
            return AUTH_ENOMEM;
        l->items = n;
        l->cap = cap;
    }
    f.id = dup_or_null(id, &oom);
    f.summary = dup_or_null(summary ? summary : "", &oom);
    f.detail = dup_or_null(detail, &oom);
    f.fix = dup_or_null(fix, &oom);
    f.reference = dup_or_null(reference, &oom);
    if (oom || !f.id) {
        finding_free(&f);
        return AUTH_ENOMEM;
    }
    l->items[l->count++] = f;
    return AUTH_OK;
}

enum auth_status auth_finding_add(struct finding_list *l, const char *id,
                             enum finding_severity sev, const char *summary,
                             const char *detail, const char *fix,
                             const char *reference)
{
    return add(l, id, sev, tr(summary), tr(detail), tr(fix), reference);
}

enum auth_status auth_finding_addf(struct finding_list *l, const char *id,
                              enum finding_severity sev, const char *summary,
                              const char *fix, const char *reference,
                              const char *detail_fmt, ...)
{
    char *detail = NULL;
    enum auth_status st;
    va_list ap;
    int n;

    va_start(ap, detail_fmt);
    n = vasprintf(&detail, tr(detail_fmt), ap);
    va_end(ap);
    if (n < 0)
        return AUTH_ENOMEM;
    st = add(l, id, sev, tr(summary), detail, tr(fix), reference);
    free(detail);
    return st;
}

enum auth_status auth_finding_set_evidence(struct finding_list *l, const char *evidence)
{
    char *e;

    if (!l->count)
        return AUTH_EINVAL;
    e = strdup(evidence ? evidence : "");
    if (!e)
        return AUTH_ENOMEM;
    free(l->items[l->count - 1].evidence);
    l->items[l->count - 1].evidence = e;
    return AUTH_OK;
}

size_t auth_finding_count(const struct finding_list *l, enum finding_severity sev)
{
    size_t n = 0;

    for (size_t i = 0; i < l->count; i++) {
        enum finding_severity s = l->items[i].severity;
        if (sev >= SEV_ERROR ? s == sev : (s >= sev && s <= SEV_FAIL))
            n++;
    }
    return n;
}

void auth_finding_list_clear(struct finding_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        finding_free(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}
