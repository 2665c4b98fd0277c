/*
 * policy.c - the MTA-STS policy text (RFC 8461 3.2) and MX pattern matching
 * (4.1).  Lines are "key: value" separated by CRLF (LF accepted, as most
 * senders do); unknown keys are ignored; version, mode and max_age are
 * required, mx too unless mode is none.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/mtasts.h"

const char *mtasts_mode_name(enum mtasts_mode m)
{
    return m == MTASTS_ENFORCE ? "enforce" : m == MTASTS_TESTING ? "testing" : "none";
}

struct seen { bool version, mode, max_age; };

static enum auth_status take_max_age(const char *v, size_t n, struct mtasts_policy *out,
                                     char *err, size_t errlen, int line)
{
    char buf[16];
    char *end;
    unsigned long age;

    if (!n || n >= 11)
        return auth_fail(err, errlen, AUTH_EPARSE, "line %d: max_age must be 1 to 10 digits",
                         line);
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)v[i]))
            return auth_fail(err, errlen, AUTH_EPARSE, "line %d: max_age is not a number",
                             line);
    memcpy(buf, v, n);
    buf[n] = '\0';
    errno = 0;
    age = strtoul(buf, &end, 10);
    if (errno || age > 31557600UL)
        return auth_fail(err, errlen, AUTH_EPARSE,
                         "line %d: max_age over 31557600 seconds (one year)", line);
    out->max_age = age;
    return AUTH_OK;
}

#define MX_PATTERN_MAX 255

static enum auth_status add_mx(struct mtasts_policy *out, const char *v, size_t vn,
                               char *err, size_t errlen)
{
    char **grown = realloc(out->mx, (out->nmx + 1) * sizeof *grown);

    if (!grown)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    out->mx = grown;
    if (!(out->mx[out->nmx] = strndup(v, vn)))
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    out->nmx++;
    return AUTH_OK;
}

void mtasts_policy_clear(struct mtasts_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nmx; i++)
        free(p->mx[i]);
    free(p->mx);
    memset(p, 0, sizeof *p);
}

static enum auth_status take_field(const char *k, size_t kn, const char *v, size_t vn,
                                   struct mtasts_policy *out, struct seen *seen,
                                   char *err, size_t errlen, int line)
{
    if (kn == 7 && !strncmp(k, "version", 7)) {
        if (vn != 5 || strncmp(v, "STSv1", 5))
            return auth_fail(err, errlen, AUTH_EPARSE, "line %d: version must be STSv1", line);
        seen->version = true;
    } else if (kn == 4 && !strncmp(k, "mode", 4)) {
        if (vn == 7 && !strncmp(v, "enforce", 7)) out->mode = MTASTS_ENFORCE;
        else if (vn == 7 && !strncmp(v, "testing", 7)) out->mode = MTASTS_TESTING;
        else if (vn == 4 && !strncmp(v, "none", 4)) out->mode = MTASTS_NONE;
        else return auth_fail(err, errlen, AUTH_EPARSE,
                              "line %d: mode must be enforce, testing or none", line);
        seen->mode = true;
    } else if (kn == 7 && !strncmp(k, "max_age", 7)) {
        seen->max_age = true;
        return take_max_age(v, vn, out, err, errlen, line);
    } else if (kn == 2 && !strncmp(k, "mx", 2)) {
        if (out->nmx >= MTASTS_MAX_MX)
            return auth_fail(err, errlen, AUTH_ELIMIT, "more than %d mx lines", MTASTS_MAX_MX);
        if (!vn || vn > MX_PATTERN_MAX)
            return auth_fail(err, errlen, AUTH_EPARSE, "line %d: bad mx pattern", line);
        for (size_t i = 0; i < vn; i++)
            if (!(isalnum((unsigned char)v[i]) || v[i] == '-' || v[i] == '.' ||
                  (v[i] == '*' && i == 0 && vn > 2 && v[1] == '.')))
                return auth_fail(err, errlen, AUTH_EPARSE,
                                 "line %d: mx pattern '%.*s' is not a host name or *.domain",
                                 line, (int)(vn > 80 ? 80 : vn), v);
        return add_mx(out, v, vn, err, errlen);
    }
    return AUTH_OK;   /* other keys: ignored (RFC 8461 3.2) */
}

static enum auth_status parse_lines(const char *text, size_t len, struct mtasts_policy *out,
                                    char *err, size_t errlen)
{
    struct seen seen = {0};
    const char *p = text, *end = text + len;
    int line = 0;

    if (len > MTASTS_MAX_POLICY)
        return auth_fail(err, errlen, AUTH_ELIMIT, "policy of %zu bytes, over %d", len,
                         MTASTS_MAX_POLICY);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end, *colon;
        enum auth_status st;
        line++;
        if (eol > p && eol[-1] == '\r')
            eol--;
        if (eol > p) {
            colon = memchr(p, ':', (size_t)(eol - p));
            if (!colon)
                return auth_fail(err, errlen, AUTH_EPARSE, "line %d: no ':'", line);
            const char *v = colon + 1, *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            st = take_field(p, (size_t)(colon - p), v, (size_t)(ve - v), out, &seen,
                            err, errlen, line);
            if (st != AUTH_OK)
                return st;
        }
        p = nl ? nl + 1 : end;
    }
    if (!seen.version || !seen.mode || !seen.max_age)
        return auth_fail(err, errlen, AUTH_EPARSE, "missing %s",
                         !seen.version ? "version: STSv1" : !seen.mode ? "mode" : "max_age");
    if (out->mode != MTASTS_NONE && !out->nmx)
        return auth_fail(err, errlen, AUTH_EPARSE, "no mx line in a %s policy",
                         mtasts_mode_name(out->mode));
    return AUTH_OK;
}

enum auth_status mtasts_policy_parse(const char *text, size_t len, struct mtasts_policy *out,
                                     char *err, size_t errlen)
{
    enum auth_status st;

    memset(out, 0, sizeof *out);
    st = parse_lines(text, len, out, err, errlen);
    if (st != AUTH_OK)
        mtasts_policy_clear(out);       /* nothing half-made is handed out */
    return st;
}

bool mtasts_mx_match(const char *pattern, const char *host)
{
    size_t hl = strlen(host);

    if (hl && host[hl - 1] == '.')
        hl--;
    if (pattern[0] == '*' && pattern[1] == '.') {
        const char *dot = memchr(host, '.', hl);
        size_t rest;
        if (!dot || dot == host)
            return false;
        rest = hl - (size_t)(dot + 1 - host);
        return strlen(pattern + 2) == rest && !strncasecmp(dot + 1, pattern + 2, rest);
    }
    return strlen(pattern) == hl && !strncasecmp(pattern, host, hl);
}
