/*
 * people.c - one message in two languages: as written, for headers and
 * JSON, and in the user's language, for the text people read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/people.h"

static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *vformat(const char *fmt, va_list ap)
{
    char buf[1024];

    vsnprintf(buf, sizeof buf, fmt, ap);
    return strdup(buf);
}

bool auth_text_vpair(char **en, char **people, const char *fmt, va_list ap)
{
    const char *local = auth_people_text(fmt);
    va_list again;

    va_copy(again, ap);
    *en = vformat(fmt, ap);
    *people = local == fmt ? (*en ? strdup(*en) : NULL) : vformat(local, again);
    va_end(again);
    if (*en && *people)
        return true;
    free(*en);
    free(*people);
    *en = *people = NULL;
    return false;
}

bool auth_text_pair(char **en, char **people, const char *fmt, ...)
{
    va_list ap;
    bool ok;

    va_start(ap, fmt);
    ok = auth_text_vpair(en, people, fmt, ap);
    va_end(ap);
    return ok;
}
