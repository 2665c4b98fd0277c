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

/* A column of width display columns (names and translated labels may be
 * CJK: two columns a character); a longer value pushes the rest right. */
static void cell(const char *s, size_t width)
{
    cmd_print_padded(stdout, s, width);
}

static void print_verdicts(json_t *m)
{
    static const char *const names[] = { "pass", "fail", "inconclusive", "error" };
    static const char *const labels[] = { N_("pass"), N_("fail"), N_("inconclusive"),
                                          N_("error") };
    json_t *v = json_object_get(m, "verdicts");
    json_int_t total = num(m, "domains");

    printf(_("\n%sVerdicts%s\n"), out_bold(), out_reset());
    for (size_t i = 0; i < 4; i++) {
        json_int_t n = num(v, names[i]);
        int bar = total ? (int)(n * 40 / total) : 0;
        fputs("  ", stdout);
        cell(_(labels[i]), 13);
        printf(" %8lld  %5.1f%%  ", (long long)n,
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

    printf(_("\n%sFindings%s (domains with the id at fail / warn / error)\n"), out_bold(),
           out_reset());
    if (!json_array_size(ids))
        fputs(_("  none\n"), stdout);
    json_array_foreach(ids, i, e) {
        fputs("  ", stdout);
        cell(safe(json_object_get(e, "id"), buf), 32);
        printf(_(" %8lld  fail %lld  warn %lld  error %lld"), (long long)num(e, "domains"),
               (long long)num(e, "fail"), (long long)num(e, "warn"), (long long)num(e, "error"));
        json_array_foreach(json_object_get(e, "examples"), k, ex)
            printf("%s%s", k ? ", " : _("  e.g. "), safe(ex, buf));
        printf("\n");
    }
}

static void print_worst(json_t *m)
{
    json_t *w = json_object_get(m, "worst"), *d;
    size_t i;
    char buf[SHOWN];

    printf(_("\n%sWorst domains%s\n"), out_bold(), out_reset());
    if (!json_array_size(w))
        fputs(_("  none\n"), stdout);
    json_array_foreach(w, i, d) {
        fputs("  ", stdout);
        cell(safe(json_object_get(d, "domain"), buf), 40);
        printf(_(" fail %lld  warn %lld  error %lld  (%s)\n"), (long long)num(d, "fail"),
               (long long)num(d, "warn"), (long long)num(d, "error"),
               out_esc(json_string_value(json_object_get(d, "verdict"))));
    }
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
    printf(_("\n%sAgainst the baseline%s (%lld domains in %lld file(s)): %lld new problems, "
             "%lld fixed, %lld domains added, %lld removed\n"), out_bold(), out_reset(),
           (long long)num(b, "domains"), (long long)num(b, "files"),
           (long long)num(b, "new_problems"), (long long)num(b, "fixed_problems"),
           (long long)num(b, "domains_added"), (long long)num(b, "domains_removed"));
    json_array_foreach(changes, i, c) {
        if (i == CHANGES_SHOWN) {
            printf(_("  ... and %zu more (--json lists them all)\n"),
                   json_array_size(changes) - i);
            break;
        }
        fputs("  ", stdout);
        cell(safe(json_object_get(c, "domain"), buf), 40);
        if (json_is_true(json_object_get(c, "removed")))
            fputs(_("  removed from the fleet"), stdout);
        if (json_is_true(json_object_get(c, "added")))
            fputs(_("  (new domain)"), stdout);
        print_ids(_("new"), json_object_get(c, "new"));
        print_ids(_("fixed"), json_object_get(c, "fixed"));
        printf("\n");
    }
}

void fleet_print_text(json_t *m)
{
    printf(NP_("%sFleet%s: %lld domains from %lld file (%lld lines",
               "%sFleet%s: %lld domains from %lld files (%lld lines",
               (unsigned long long)num(m, "files")), out_bold(), out_reset(),
           (long long)num(m, "domains"), (long long)num(m, "files"), (long long)num(m, "lines"));
    if (num(m, "unreadable"))
        printf(_(", %lld not results"), (long long)num(m, "unreadable"));
    if (num(m, "duplicates"))
        printf(_(", %lld duplicate domains ignored"), (long long)num(m, "duplicates"));
    printf(")\n");
    print_verdicts(m);
    print_ids_section(m);
    print_worst(m);
    print_baseline(json_object_get(m, "baseline"));
}
