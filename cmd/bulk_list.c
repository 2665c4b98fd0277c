/*
 * bulk_list.c - the domains of a check-dns run read as a stream: each
 * --file in turn through the bounded line reader, then argv, so a list of
 * millions of names is never held in memory.
 */
#include <string.h>

#include "bulk.h"

#define DOMAIN_LINE_MAX 4096               /* a name and a comment */
#define DOMAIN_FILE_MAX (256u << 20)

/* The name on a list line: leading blanks skipped, cut at a blank or '#'. */
static char *name_on_line(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strcspn(s, " \t\r\n#");
    *e = '\0';
    return s;
}

int domain_list_next(struct domain_list *l, const char **name)
{
    int rc;

    for (;;) {
        if (!l->reading) {
            if (l->ifile >= l->nfiles)
                break;
            rc = line_reader_open(&l->lr, "--file", l->files[l->ifile++], DOMAIN_LINE_MAX,
                                  DOMAIN_FILE_MAX);
            if (rc != EXIT_OK)
                return -rc;
            l->reading = true;
        }
        while ((rc = line_reader_next(&l->lr)) > 0) {
            char *s = name_on_line(l->lr.line);
            if (*s) {
                *name = s;
                return 1;
            }
        }
        line_reader_close(&l->lr);
        l->reading = false;
        if (rc < 0)
            return rc;
    }
    if (l->iarg < l->nargs) {
        *name = l->args[l->iarg++];
        return 1;
    }
    return 0;
}

void domain_list_close(struct domain_list *l)
{
    if (l->reading)
        line_reader_close(&l->lr);
    l->reading = false;
}

