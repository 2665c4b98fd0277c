/*
 * check_dns_csv.c - check-dns --format csv (../shared/cli.md): RFC 4180
 * rows "domain,verdict,pass,info,warn,fail,error,skipped,problems" with
 * CRLF line ends; problems holds the ids at warn or fail, each once, in
 * finding order, space-separated.  Also the error line of a name that is
 * not one, in JSON and CSV.
 */
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "check_dns.h"

struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put_s(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* A field quoted when it holds a comma, a quote or a line break. */
static void put_field(struct buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        put_s(b, s);
        return;
    }
    put_s(b, "\"");
    for (const char *q; (q = strchr(s, '"')); s = q + 1) {
        put(b, s, (size_t)(q - s));
        put_s(b, "\"\"");
    }
    put_s(b, s);
    put_s(b, "\"");
}

static char *finish(struct buf *b)
{
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    return b->p;
}

const char *report_verdict(const struct audit_result *r, enum finding_severity gate)
{
    int rc = report_exit(r, gate);

    return rc == EXIT_OK ? "pass" : rc == EXIT_PROBLEM ? "fail" : "inconclusive";
}

/* Whether finding i's id appeared at warn or fail before it. */
static bool problem_seen(const struct finding_list *l, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if ((l->items[j].severity == SEV_WARN || l->items[j].severity == SEV_FAIL) &&
            !strcmp(l->items[j].id, l->items[i].id))
            return true;
    return false;
}

char *report_csv_row(const struct audit_result *r, enum finding_severity gate)
{
    const struct finding_list *l = &r->findings;
    size_t n[SEV_SKIPPED + 1] = {0};
    struct buf b = {0};
    char num[32];
    bool first = true;

    for (size_t i = 0; i < l->count; i++)
        if ((unsigned)l->items[i].severity <= SEV_SKIPPED)
            n[l->items[i].severity]++;
    put_field(&b, r->domain);
    put_s(&b, ",");
    put_s(&b, report_verdict(r, gate));
    for (int s = SEV_PASS; s <= SEV_SKIPPED; s++) {
        snprintf(num, sizeof num, ",%zu", n[s]);
        put_s(&b, num);
    }
    put_s(&b, ",");
    for (size_t i = 0; i < l->count; i++) {
        if ((l->items[i].severity != SEV_WARN && l->items[i].severity != SEV_FAIL) ||
            problem_seen(l, i))
            continue;
        if (!first)
            put_s(&b, " ");
        put_s(&b, l->items[i].id);    /* ids are [a-z0-9.-]: never quoted */
        first = false;
    }
    put_s(&b, "\r\n");
    return finish(&b);
}

char *report_csv_error_row(const char *name)
{
    struct buf b = {0};

    put_field(&b, name);
    put_s(&b, ",error,,,,,,,\r\n");
    return finish(&b);
}

json_t *report_json_error(const char *name, const char *why)
{
    return json_pack("{s:s, s:b, s:s, s:s}", "domain", name, "ok", 0, "verdict", "error",
                     "error", why);
}
