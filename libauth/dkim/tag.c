/*
 * tag.c - RFC 6376 3.2 tag=value lists (signatures and key records).
 *
 * A cursor walks the text once; every tag is a view into it.  Values keep
 * internal folding whitespace (b=, bh=, p= callers strip it) and are trimmed
 * at both ends.  Duplicate tags are an error (RFC 6376 3.2).
 */
#include <string.h>

#include "auth/dkim.h"

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* FWS, as received: WSP, and CR/LF (line folding; bare LF files too). */
static bool is_fws(char c)
{
    return is_wsp(c) || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_namechar(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/* VALCHAR = %x21-3A / %x3C-7E */
static bool is_valchar(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != ';';
}

static size_t skip_fws(const char *s, size_t i, size_t len)
{
    while (i < len && is_fws(s[i]))
        i++;
    return i;
}

/* Parse one tag-spec starting at *pos (after FWS); on success *pos is at
 * the ';' or the end. */
static enum auth_status parse_spec(const char *s, size_t len, size_t *pos,
                                   struct dkim_tag *t, char *err, size_t errlen)
{
    size_t i = *pos, vstart, vend;

    if (!is_alpha(s[i]))
        return auth_fail(err, errlen, AUTH_EPARSE,
                         "tag name must start with a letter (offset %zu)", i);
    t->name = s + i;
    while (i < len && is_namechar(s[i]))
        i++;
    t->name_len = (size_t)(s + i - t->name);
    i = skip_fws(s, i, len);
    if (i >= len || s[i] != '=')
        return auth_fail(err, errlen, AUTH_EPARSE, "tag '%.*s' has no '='",
                         (int)(t->name_len > 32 ? 32 : t->name_len), t->name);
    i++;
    t->raw_value_off = i;
    i = skip_fws(s, i, len);
    vstart = vend = i;
    while (i < len && s[i] != ';') {
        unsigned char c = (unsigned char)s[i];
        if (is_valchar(c))
            vend = i + 1;
        else if (!is_fws((char)c))
            return auth_fail(err, errlen, AUTH_EPARSE,
                             "tag '%.*s' has a bad character 0x%02x in its value",
                             (int)(t->name_len > 32 ? 32 : t->name_len), t->name, c);
        i++;
    }
    t->raw_value_end = i;
    t->value = s + vstart;
    t->value_len = vend - vstart;
    *pos = i;
    return AUTH_OK;
}

enum auth_status dkim_tags_parse(const char *s, size_t len, struct dkim_tags *out,
                                 char *err, size_t errlen)
{
    size_t i = 0;

    out->count = 0;
    while (i < len) {
        struct dkim_tag t;
        enum auth_status st;

        i = skip_fws(s, i, len);
        if (i >= len)
            break;
        if (s[i] == ';') {            /* empty tag-spec */
            i++;
            continue;
        }
        st = parse_spec(s, len, &i, &t, err, errlen);
        if (st != AUTH_OK)
            return st;
        for (size_t k = 0; k < out->count; k++)
            if (out->tag[k].name_len == t.name_len &&
                memcmp(out->tag[k].name, t.name, t.name_len) == 0)
                return auth_fail(err, errlen, AUTH_EPARSE, "duplicate tag '%.*s'",
                                 (int)(t.name_len > 32 ? 32 : t.name_len), t.name);
        if (out->count == DKIM_MAX_TAGS)
            return auth_fail(err, errlen, AUTH_ELIMIT, "more than %d tags", DKIM_MAX_TAGS);
        out->tag[out->count++] = t;
        if (i < len)
            i++;                      /* the ';' */
    }
    return AUTH_OK;
}

const struct dkim_tag *dkim_tags_get(const struct dkim_tags *t, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < t->count; i++)
        if (t->tag[i].name_len == n && memcmp(t->tag[i].name, name, n) == 0)
            return &t->tag[i];
    return NULL;
}
