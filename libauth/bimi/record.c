/*
 * record.c - the BIMI assertion record.  A tag list like DKIM's, so the DKIM
 * tag-list parser splits it; here: version first, l= an https URL of an
 * SVG, a= an https URL, both empty meaning "declined".
 */
#include <string.h>
#include <strings.h>

#include "auth/bimi.h"
#include "auth/dkim.h"

bool bimi_is_record(const char *txt, size_t len)
{
    return len >= 7 && !strncmp(txt, "v=BIMI1", 7) &&
           (len == 7 || txt[7] == ';' || txt[7] == ' ' || txt[7] == '\t');
}

static enum auth_status take_url(const struct dkim_tag *t, const char *what, bool svg,
                                 char *dst, size_t dstlen, char *err, size_t errlen)
{
    if (!t || !t->value_len)
        return AUTH_OK;
    if (t->value_len >= dstlen)
        return auth_fail(err, errlen, AUTH_ELIMIT, "%s URL is too long", what);
    if (t->value_len < 9 || strncasecmp(t->value, "https://", 8) || t->value[8] == '/')
        return auth_fail(err, errlen, AUTH_EPARSE, "%s '%.*s' is not an https:// URL", what,
                         (int)(t->value_len > 80 ? 80 : t->value_len), t->value);
    if (svg && (t->value_len < 4 || strncasecmp(t->value + t->value_len - 4, ".svg", 4)))
        return auth_fail(err, errlen, AUTH_EPARSE, "logo '%.*s' is not an .svg file",
                         (int)(t->value_len > 80 ? 80 : t->value_len), t->value);
    memcpy(dst, t->value, t->value_len);
    dst[t->value_len] = '\0';
    return AUTH_OK;
}

enum auth_status bimi_record_parse(const char *txt, size_t len, struct bimi_record *out,
                                   char *err, size_t errlen)
{
    struct dkim_tags tags;
    enum auth_status st;

    memset(out, 0, sizeof *out);
    if (len > BIMI_MAX_RECORD)
        return auth_fail(err, errlen, AUTH_ELIMIT, "record of %zu bytes, over %d", len,
                         BIMI_MAX_RECORD);
    if (!bimi_is_record(txt, len))
        return auth_fail(err, errlen, AUTH_EPARSE, "record does not start with v=BIMI1");
    if ((st = dkim_tags_parse(txt, len, &tags, err, errlen)) != AUTH_OK)
        return st;
    if (!dkim_tags_get(&tags, "l"))
        return auth_fail(err, errlen, AUTH_EPARSE, "no l= (logo location) tag");
    st = take_url(dkim_tags_get(&tags, "l"), "logo", true, out->logo, sizeof out->logo,
                  err, errlen);
    if (st == AUTH_OK)
        st = take_url(dkim_tags_get(&tags, "a"), "evidence", false, out->evidence,
                      sizeof out->evidence, err, errlen);
    out->declined = st == AUTH_OK && !out->logo[0] && !out->evidence[0];
    return st;
}
