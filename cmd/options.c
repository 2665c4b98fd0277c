/*
 * options.c - cmd_getopt(): getopt_long for every command, with two
 * changes that keep secrets out of places they should not be:
 *
 *  - long options must be written in full.  getopt_long takes any unique
 *    prefix, so `--password S3cr3t` was read as `--password-file S3cr3t`
 *    and the secret then appeared in "cannot open 'S3cr3t'".  A prefix is
 *    now an unknown option, and that holds for every option (one rule is
 *    easier to remember than a list of exceptions, and a new secret option
 *    is covered without anyone having to think of it).
 *  - getopt's own messages are off (they echo "--opt=VALUE" whole); the
 *    error printed names the option only, never a value.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static char g_problem[200];
static const char *g_command;

void cmd_set_command(const char *name)
{
    g_command = name;
}

/* "--name" or "--name=value" -> the length of name. */
static size_t long_name_len(const char *el)
{
    return strcspn(el + 2, "=");
}

static const char *name_of_val(const struct option *lo, int val)
{
    for (; lo->name; lo++)
        if (lo->val == val && !lo->flag)
            return lo->name;
    return NULL;
}

static void describe(int argc, char **argv, const char *shortopts, const struct option *lo)
{
    const char *el = optind >= 1 && optind <= argc ? argv[optind - 1] : "";

    if (el && !strncmp(el, "--", 2) && el[2]) {
        int n = (int)long_name_len(el);
        const char *name = optopt ? name_of_val(lo, optopt) : NULL;
        if (!name || strncmp(name, el + 2, (size_t)n) || name[n]) {
            char typed[64];
            const char *hint;
            snprintf(typed, sizeof typed, "%.*s", n > 60 ? 60 : n, el + 2);
            hint = cmd_nearest_option(typed, lo);
            if (hint)
                snprintf(g_problem, sizeof g_problem,
                         _("unknown option '--%s'; did you mean --%s?"), typed, hint);
            else
                snprintf(g_problem, sizeof g_problem, _("unknown option '--%s'"), typed);
        } else if (el[2 + n] == '=')
            snprintf(g_problem, sizeof g_problem, _("option '--%s' takes no value"), name);
        else
            snprintf(g_problem, sizeof g_problem, _("option '--%s' needs a value"), name);
    } else if (optopt > ' ' && optopt < 0x7f && optopt != ':' && strchr(shortopts, optopt)) {
        snprintf(g_problem, sizeof g_problem, _("option '-%c' needs a value"), optopt);
    } else if (optopt > ' ' && optopt < 0x7f) {
        snprintf(g_problem, sizeof g_problem, _("unknown option '-%c'"), optopt);
    } else {
        snprintf(g_problem, sizeof g_problem, "%s", _("unknown option"));
    }
}

int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    int idx = -1, opt;

    cmd_list_options_if_asked(shortopts, longopts);   /* --list-options: prints, exits */
    opterr = 0;
    optopt = 0;
    opt = getopt_long(argc, argv, shortopts, longopts, &idx);
    if (opt == '?' || opt == ':') {
        describe(argc, argv, shortopts, longopts);
        return OPT_BAD;
    }
    if (opt != -1 && idx >= 0) {
        /* The element the option came from: before its value if that was
         * a separate argument. */
        const char *el = optarg && optind >= 2 && optarg == argv[optind - 1] ? argv[optind - 2]
                                                                             : argv[optind - 1];
        size_t n = strncmp(el, "--", 2) ? 0 : long_name_len(el);
        if (!n || strlen(longopts[idx].name) != n || strncmp(el + 2, longopts[idx].name, n)) {
            snprintf(g_problem, sizeof g_problem,
                     _("unknown option '--%.*s' (write options in full: did you mean '--%s'?)"),
                     (int)(n > 60 ? 60 : n), el + 2, longopts[idx].name);
            return OPT_BAD;
        }
    }
    return opt;
}

int cmd_bad_option(void)
{
    return cmd_usage_error(g_command, "%s", g_problem[0] ? g_problem : "unknown option");
}
