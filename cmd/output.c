/*
 * output.c - colour only on a TTY (and never with NO_COLOR or --no-color),
 * JSON rendering.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

bool out_color_enabled(void)
{
    static int cached = -2;

    if (g_opts.color >= 0)
        return g_opts.color == 1;
    if (cached == -2) {
        const char *nc = getenv("NO_COLOR");
        const char *term = getenv("TERM");
        cached = isatty(STDOUT_FILENO) && !(nc && *nc) &&
                 !(term && !strcmp(term, "dumb"));
    }
    return cached == 1;
}

#define COLOR_FN(name, seq) \
    const char *name(void) { return out_color_enabled() ? seq : ""; }
COLOR_FN(out_green, "\033[32m")
COLOR_FN(out_yellow, "\033[33m")
COLOR_FN(out_red, "\033[31m")
COLOR_FN(out_bold, "\033[1m")
COLOR_FN(out_dim, "\033[2m")
COLOR_FN(out_reset, "\033[0m")

static int dump(json_t *doc, size_t flags)
{
    int rc = json_dumpf(doc, stdout, flags) == 0 && fputc('\n', stdout) != EOF &&
             fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
    json_decref(doc);
    return rc;
}

int out_json(json_t *doc)
{
    return dump(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

int out_json_line(json_t *doc)
{
    return dump(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

json_t *json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}
