/*
 * cli_meta.c - what the CLI knows about itself: option tables listed for
 * the man page test and shell completion, and "did you mean" hints.
 *
 * Every command parses its options with cmd_getopt (cmd/options.c), which
 * calls in here.  So each command's own struct option table stays the one
 * place its options are written down:
 *   - `mailctl --list-options COMMAND [SUB]` sets list mode; the command's
 *     first cmd_getopt call then prints its table and exits, before the
 *     command does anything else;
 *   - when an option is rejected, the one-line error names the nearest
 *     option of that same table.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static bool g_list_mode;
static char g_list_path[64];   /* "check-dns", "dkim sign": whose values to list */

/* Options whose value is one of a fixed set, per command (the set of the
 * parser in that command's file); listed as "--format=text|json|...". */
static const struct value_set {
    const char *command, *option, *values;
} value_sets[] = {
    {"arc seal", "algorithm", "rsa-sha256|ed25519-sha256"},
    {"auth", "dmarc-discovery", "treewalk|psl"},
    {"check-dns", "dkim-discovery", "provider|common"},
    {"check-dns", "dmarc-discovery", "treewalk|psl"},
    {"check-dns", "fail-on", "warn|fail"},
    {"check-dns", "format", "text|json|junit|expect"},
    {"dkim keygen", "algorithm", "rsa|ed25519"},
    {"dkim sign", "algorithm", "rsa-sha256|ed25519-sha256"},
    {"dmarc", "dmarc-discovery", "treewalk|psl|both"},
    {"report summary", "format", "text|json|csv|html"},
    {"send-test", "auth-mech", "plain|login"},
    {"send-test", "tls", "starttls|implicit|opportunistic|none"},
    {"setup", "algorithm", "rsa|ed25519"},
    {"setup", "spf", "ip|mx"},
};

void cmd_set_list_mode(int argc, char **argv)
{
    size_t len = 0;

    g_list_mode = true;
    for (int i = 0; i < argc && i < 2 && argv[i][0] != '-' && len < sizeof g_list_path; i++)
        len += (size_t)snprintf(g_list_path + len, sizeof g_list_path - len, "%s%s",
                                i ? " " : "", argv[i]);
}

bool cmd_list_mode(void)
{
    return g_list_mode;
}

/* Edit distance with adjacent transpositions (optimal string alignment),
 * for words of command-line size; longer ones count as far apart. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAXW = 64 };
    size_t la = strlen(a), lb = strlen(b);
    size_t d[MAXW + 1][MAXW + 1];

    if (la > MAXW || lb > MAXW)
        return SIZE_MAX;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *cmd_nearest(const char *word, const char *const *cands, size_t n)
{
    size_t wl = strlen(word), best = SIZE_MAX, prefix_hits = 0;
    const char *pick = NULL, *prefix_pick = NULL;
    /* A third of the word may be wrong: "chek-dns" finds check-dns, "x"
     * finds nothing. */
    size_t limit = wl < 3 ? 1 : wl / 3 + 1;

    for (size_t i = 0; i < n; i++) {
        size_t dist = edit_distance(word, cands[i]);
        if (wl >= 2 && strncmp(cands[i], word, wl) == 0) {
            prefix_hits++;
            prefix_pick = cands[i];
        }
        if (dist < best) {
            best = dist;
            pick = cands[i];
        }
    }
    if (best <= limit && best < wl)
        return pick;
    return prefix_hits == 1 ? prefix_pick : NULL;
}

const char *cmd_nearest_option(const char *name, const struct option *longopts)
{
    const char *names[256];
    size_t n = 0;

    for (const struct option *o = longopts; o->name && n < 256; o++)
        names[n++] = o->name;
    return cmd_nearest(name, names, n);
}

/* Value sets only the command layer knows (check-dns --checks and
 * --profile come from the audit's registry): it registers a lister, so this
 * file, shared with dkimkeygen, does not pull the audit in. */
static void (*g_value_lister)(const char *command, const char *option);

void cmd_set_value_lister(void (*lister)(const char *command, const char *option))
{
    g_value_lister = lister;
}

static void print_values(const char *option)
{
    if (g_value_lister)
        g_value_lister(g_list_path, option);
    for (size_t i = 0; i < sizeof value_sets / sizeof value_sets[0]; i++)
        if (strcmp(value_sets[i].option, option) == 0 &&
            strcmp(value_sets[i].command, g_list_path) == 0)
            fputs(value_sets[i].values, stdout);
}

/* One line per option: "--name", "--name=" (takes a value) or
 * "--name=a|b|c" (one of a fixed set), then "-x" per short option. */
static void list_options(const char *shortopts, const struct option *longopts)
{
    for (const struct option *o = longopts; o->name; o++) {
        printf("--%s%s", o->name, o->has_arg == no_argument ? "" : "=");
        if (o->has_arg != no_argument)
            print_values(o->name);
        putchar('\n');
    }
    for (const char *s = shortopts; *s; s++)
        if (*s != ':' && *s != '+' && *s != '-')
            printf("-%c\n", *s);
    fflush(stdout);
}

void cmd_list_options_if_asked(const char *shortopts, const struct option *longopts)
{
    if (!g_list_mode)
        return;
    list_options(shortopts, longopts);
    exit(EXIT_OK);
}

int cmd_run_sub(const char *command, const struct cmd_sub *subs, size_t n,
                int argc, char **argv)
{
    const char *names[64];

    if (g_list_mode && argc < 2) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", subs[i].name);
        exit(EXIT_OK);
    }
    if (argc >= 2)
        for (size_t i = 0; i < n; i++)
            if (strcmp(argv[1], subs[i].name) == 0) {
                /* "dkim keygen": what a bad option's hint names */
                static char full[64];
                snprintf(full, sizeof full, "%s %s", command, subs[i].name);
                cmd_set_command(full);
                optind = 0;
                return subs[i].run(argc - 1, argv + 1);
            }
    for (size_t i = 0; i < n && i < 64; i++)
        names[i] = subs[i].name;
    if (argc < 2)
        return cmd_usage_error(command, "%s needs a subcommand", command);
    const char *hint = cmd_nearest(argv[1], names, n < 64 ? n : 64);
    if (hint)
        return cmd_usage_error(command, "unknown %s subcommand '%s'; did you mean %s?",
                               command, argv[1], hint);
    return cmd_usage_error(command, "unknown %s subcommand '%s'", command, argv[1]);
}
