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

/* Length of the valid UTF-8 sequence at p (not a C1 control), 0 if none. */
static size_t utf8_len(const unsigned char *p)
{
    size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    unsigned cp;

    if (!n || p[0] > 0xf4)
        return 0;
    cp = p[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
        return 0;
    return n;
}

const char *bulk_safe_text(const char *in, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0;

    while (*p && o + 5 < outlen) {
        size_t n = *p >= 0x80 ? utf8_len(p) : (*p >= 0x20 && *p != 0x7f);
        if (n) {
            memcpy(out + o, p, n);
            o += n;
            p += n;
            continue;
        }
        out[o++] = '\\';
        out[o++] = 'x';
        out[o++] = hex[*p >> 4];
        out[o++] = hex[*p & 15];
        p++;
    }
    out[o] = '\0';
    return out;
}
