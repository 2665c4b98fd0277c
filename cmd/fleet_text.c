/*
 * fleet_text.c - the fleet model (fleet.c) as text for a terminal: every
 * name and id from the files through out_esc().
 */
#include <string.h>

#include "fleet.h"

#define SHOWN 1024
#define CHANGES_SHOWN 50

/* Outside text for the terminal (out_esc: controls, invalid UTF-8, bidi). */
static const char *safe(json_t *s, char *buf)
{
    (void)buf;
    return out_esc(json_string_value(s));
}

static json_int_t num(json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

static void print_verdicts(json_t *m)
{
    static const char *const names[] = { "pass", "fail", "inconclusive", "error" };
    json_t *v = json_object_get(m, "verdicts");
    json_int_t total = num(m, "domains");

    printf("\n%sVerdicts%s\n", out_bold(), out_reset());
    for (size_t i = 0; i < 4; i++) {
        json_int_t n = num(v, names[i]);
        int bar = total ? (int)(n * 40 / total) : 0;
        printf("  %-13s %8lld  %5.1f%%  ", names[i], (long long)n,
               total ? 100.0 * (double)n / (double)total : 0.0);
        for (int k = 0; k < bar; k++)
            fputs("#", stdout);
        printf("\n");
    }
}

static void print_ids_section(json_t *m)
{
    json_t *ids = json_object_get(m, "findings"), *e, *ex;
    size_t i, k;
    char buf[SHOWN];

    printf("\n%sFindings%s (domains with the id at fail / warn / error)\n", out_bold(),
           out_reset());
    if (!json_array_size(ids))
        printf("  none\n");
    json_array_foreach(ids, i, e) {
        printf("  %-32s %8lld  fail %lld  warn %lld  error %lld", safe(json_object_get(e, "id"),
               buf), (long long)num(e, "domains"), (long long)num(e, "fail"),
               (long long)num(e, "warn"), (long long)num(e, "error"));
        json_array_foreach(json_object_get(e, "examples"), k, ex)
            printf("%s%s", k ? ", " : "  e.g. ", safe(ex, buf));
        printf("\n");
    }
}

static void print_worst(json_t *m)
{
    json_t *w = json_object_get(m, "worst"), *d;
    size_t i;
    char buf[SHOWN];

    printf("\n%sWorst domains%s\n", out_bold(), out_reset());
    if (!json_array_size(w))
        printf("  none\n");
    json_array_foreach(w, i, d)
        printf("  %-40s fail %lld  warn %lld  error %lld  (%s)\n",
               safe(json_object_get(d, "domain"), buf), (long long)num(d, "fail"),
               (long long)num(d, "warn"), (long long)num(d, "error"),
               json_string_value(json_object_get(d, "verdict")));
}

static void print_ids(const char *label, json_t *arr)
{
    json_t *id;
    size_t i;
    char buf[SHOWN];

    if (!json_array_size(arr))
        return;
    printf("  %s:", label);
    json_array_foreach(arr, i, id)
        printf(" %s", safe(id, buf));
}

static void print_baseline(json_t *b)
{
    json_t *changes = json_object_get(b, "changes"), *c;
    size_t i;
    char buf[SHOWN];

    if (!json_is_object(b))
        return;
    printf("\n%sAgainst the baseline%s (%lld domains in %lld file(s)): %lld new problems, "
           "%lld fixed, %lld domains added, %lld removed\n", out_bold(), out_reset(),
           (long long)num(b, "domains"), (long long)num(b, "files"),
           (long long)num(b, "new_problems"), (long long)num(b, "fixed_problems"),
           (long long)num(b, "domains_added"), (long long)num(b, "domains_removed"));
    json_array_foreach(changes, i, c) {
        if (i == CHANGES_SHOWN) {
            printf("  ... and %zu more (--json lists them all)\n",
                   json_array_size(changes) - i);
            break;
        }
        printf("  %-40s", safe(json_object_get(c, "domain"), buf));
        if (json_is_true(json_object_get(c, "removed")))
            printf("  removed from the fleet");
        if (json_is_true(json_object_get(c, "added")))
            printf("  (new domain)");
        print_ids("new", json_object_get(c, "new"));
        print_ids("fixed", json_object_get(c, "fixed"));
        printf("\n");
    }
}

void fleet_print_text(json_t *m)
{
    printf("%sFleet%s: %lld domains from %lld file%s (%lld lines", out_bold(), out_reset(),
           (long long)num(m, "domains"), (long long)num(m, "files"),
           num(m, "files") == 1 ? "" : "s", (long long)num(m, "lines"));
    if (num(m, "unreadable"))
        printf(", %lld not results", (long long)num(m, "unreadable"));
    if (num(m, "duplicates"))
        printf(", %lld duplicate domains ignored", (long long)num(m, "duplicates"));
    printf(")\n");
    print_verdicts(m);
    print_ids_section(m);
    print_worst(m);
    print_baseline(json_object_get(m, "baseline"));
}
