/*
 * record.c - the MTA-STS and TLS-RPT TXT records (RFC 8461 3.1, RFC 8460 3).
 *
 * Both are tag lists in the DKIM style ("v=...; k=v; ..."), so the DKIM
 * tag-list parser does the splitting; what is checked here is what each RFC
 * adds: the version first, the required tags and their value syntax.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "auth/dkim.h"
#include "auth/mtasts.h"

/* "v=TAG" at the very start, followed by ';', space or the end. */
static bool starts_with_version(const char *txt, size_t len, const char *v)
{
    size_t n = strlen(v);

    if (len < n || strncmp(txt, v, n) != 0)
        return false;
    return len == n || txt[n] == ';' || txt[n] == ' ' || txt[n] == '\t';
}

bool mtasts_is_record(const char *txt, size_t len)
{
    return starts_with_version(txt, len, "v=STSv1");
}

bool tlsrpt_is_record(const char *txt, size_t len)
{
    return starts_with_version(txt, len, "v=TLSRPTv1");
}

static enum auth_status split(const char *txt, size_t len, const char *version,
                              struct dkim_tags *tags, char *err, size_t errlen)
{
    enum auth_status st;

    if (len > MTASTS_MAX_RECORD)
        return auth_fail(err, errlen, AUTH_ELIMIT, "record of %zu bytes, over %d", len,
                         MTASTS_MAX_RECORD);
    if (!starts_with_version(txt, len, version))
        return auth_fail(err, errlen, AUTH_EPARSE, "record does not start with %s", version);
    st = dkim_tags_parse(txt, len, tags, err, errlen);
    return st;
}

enum auth_status mtasts_record_parse(const char *txt, size_t len, struct mtasts_record *out,
                                     char *err, size_t errlen)
{
    struct dkim_tags tags;
    const struct dkim_tag *id;
    enum auth_status st = split(txt, len, "v=STSv1", &tags, err, errlen);

    memset(out, 0, sizeof *out);
    if (st != AUTH_OK)
        return st;
    id = dkim_tags_get(&tags, "id");
    if (!id)
        return auth_fail(err, errlen, AUTH_EPARSE, "no id= tag (RFC 8461 3.1)");
    if (id->value_len < 1 || id->value_len > 32)
        return auth_fail(err, errlen, AUTH_EPARSE, "id= must be 1 to 32 letters or digits");
    for (size_t i = 0; i < id->value_len; i++)
        if (!isalnum((unsigned char)id->value[i]))
            return auth_fail(err, errlen, AUTH_EPARSE,
                             "id= has '%c': only letters and digits are allowed", id->value[i]);
    memcpy(out->id, id->value, id->value_len);
    return AUTH_OK;
}

/* One rua URI: mailto:addr or https://host/... (RFC 8460 3). */
static bool rua_ok(const char *u, size_t n)
{
    if (n > 7 && !strncasecmp(u, "mailto:", 7))
        return memchr(u + 7, '@', n - 7) != NULL;
    if (n > 8 && !strncasecmp(u, "https://", 8))
        return n > 8 && u[8] != '/';
    return false;
}

enum auth_status tlsrpt_record_parse(const char *txt, size_t len, struct tlsrpt_record *out,
                                     char *err, size_t errlen)
{
    struct dkim_tags tags;
    const struct dkim_tag *rua;
    enum auth_status st = split(txt, len, "v=TLSRPTv1", &tags, err, errlen);

    memset(out, 0, sizeof *out);
    if (st != AUTH_OK)
        return st;
    rua = dkim_tags_get(&tags, "rua");
    if (!rua || !rua->value_len)
        return auth_fail(err, errlen, AUTH_EPARSE, "no rua= report destination (RFC 8460 3)");
    for (const char *p = rua->value, *end = rua->value + rua->value_len; p < end; ) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t n = (size_t)((comma ? comma : end) - p);
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (!rua_ok(p, n) || n >= sizeof out->rua[0])
            return auth_fail(err, errlen, AUTH_EPARSE,
                             "rua '%.*s' is neither mailto:ADDRESS nor https://HOST/...",
                             (int)(n > 80 ? 80 : n), p);
        if (out->nrua >= TLSRPT_MAX_RUA)
            return auth_fail(err, errlen, AUTH_ELIMIT, "more than %d rua URIs", TLSRPT_MAX_RUA);
        memcpy(out->rua[out->nrua], p, n);
        out->rua[out->nrua++][n] = '\0';
        p += n;
        while (p < end && (*p == ',' || *p == ' ' || *p == '\t'))
            p++;
    }
    return AUTH_OK;
}
