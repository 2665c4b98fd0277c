/*
 * lines.c - the one way cmd/ reads a text file line by line (--file lists,
 * --expect pins): every line and the whole file are bounded, and a NUL
 * byte ends the read, so /dev/zero, a binary file or a 300 MB line is a
 * prompt one-line error (exit 2) instead of a read that never ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

int line_reader_open(struct line_reader *r, const char *what, const char *path,
                     size_t max_line, size_t max_bytes)
{
    memset(r, 0, sizeof *r);
    r->what = what;
    r->path = path;
    r->max_line = max_line;
    r->max_bytes = max_bytes;
    r->fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!r->fp)
        return cmd_error(EXIT_USAGE, "cannot read %s '%s': %s", what, path, strerror(errno));
    if (!(r->line = malloc(max_line + 1))) {
        line_reader_close(r);
        return cmd_error(EXIT_RUNTIME, "out of memory");
    }
    return EXIT_OK;
}

int line_reader_next(struct line_reader *r)
{
    size_t n = 0;
    int c;

    while ((c = getc(r->fp)) != EOF) {
        if (++r->total > r->max_bytes)
            return -cmd_error(EXIT_USAGE, "%s '%s' is over %zu octets", r->what, r->path,
                              r->max_bytes);
        if (c == '\n')
            break;
        if (c == '\0')
            return -cmd_error(EXIT_USAGE, "%s '%s': line %zu holds a NUL byte (not a text "
                              "file)", r->what, r->path, r->lineno + 1);
        if (n >= r->max_line)
            return -cmd_error(EXIT_USAGE, "%s '%s': line %zu is over %zu octets", r->what,
                              r->path, r->lineno + 1, r->max_line);
        r->line[n++] = (char)c;
    }
    if (c == EOF && ferror(r->fp))
        return -cmd_error(EXIT_USAGE, "cannot read %s '%s': %s", r->what, r->path,
                          strerror(errno));
    if (c == EOF && n == 0)
        return 0;
    if (n && r->line[n - 1] == '\r')
        n--;
    r->line[n] = '\0';
    r->lineno++;
    return 1;
}

void line_reader_close(struct line_reader *r)
{
    if (r->fp && r->fp != stdin)
        fclose(r->fp);
    free(r->line);
    r->fp = NULL;
    r->line = NULL;
}
