/*
 * bulk_parse.c - a line of check-dns output read back (--resume, fleet):
 * which domain it is about and the exit code its verdict stands for.
 */
#include <string.h>

#include "bulk.h"

static int verdict_code(const char *v)
{
    if (!v)
        return -1;
    if (!strcmp(v, "pass"))
        return EXIT_OK;
    if (!strcmp(v, "fail"))
        return EXIT_PROBLEM;
    if (!strcmp(v, "inconclusive"))
        return EXIT_RUNTIME;
    if (!strcmp(v, "error"))
        return EXIT_USAGE;
    return -1;
}

int bulk_parse_json_line(const char *line, size_t len, char *name, size_t namelen)
{
    json_error_t e;
    json_t *doc = json_loadb(line, len, 0, &e);
    const char *d = json_string_value(json_object_get(doc, "domain"));
    int code = verdict_code(json_string_value(json_object_get(doc, "verdict")));

    if (!d || !*d || strlen(d) >= namelen)
        code = -1;
    else
        memcpy(name, d, strlen(d) + 1);
    json_decref(doc);
    return code;
}

/* The next RFC 4180 field at *p into out (unquoted); false when malformed.
 * *p ends after the separating comma, or at the NUL after the last field. */
static bool csv_field(const char **p, char *out, size_t outlen, bool *last)
{
    const char *s = *p;
    size_t o = 0;

    if (*s == '"') {
        for (s++;; s++) {
            if (!*s)
                return false;
            if (*s == '"' && s[1] != '"')
                break;
            if (*s == '"')
                s++;
            if (o + 1 >= outlen)
                return false;
            out[o++] = *s;
        }
        s++;
        if (*s && *s != ',')
            return false;
    } else {
        for (; *s && *s != ','; s++) {
            if (*s == '"' || o + 1 >= outlen)
                return false;
            out[o++] = *s;
        }
    }
    out[o] = '\0';
    *last = !*s;
    *p = *s ? s + 1 : s;
    return true;
}

int bulk_parse_csv_line(const char *line, char *name, size_t namelen)
{
    char field[4096 * 4 + 1], verdict[16] = "";
    const char *p = line;
    bool last = false;
    int n = 0;

    while (!last) {
        if (!csv_field(&p, n == 0 ? name : field, n == 0 ? namelen : sizeof field, &last))
            return -1;
        if (n == 1 && strlen(field) < sizeof verdict)
            memcpy(verdict, field, strlen(field) + 1);
        n++;
    }
    return n == 9 && *name ? verdict_code(verdict) : -1;
}
