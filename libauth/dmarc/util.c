/*
 * util.c - small helpers of libauth/dmarc: names of enums, safe copies of
 * untrusted bytes, label arithmetic, reading the TXT answers at a _dmarc name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dns.h"
#include "dmarc/dmarc_int.h"
#include "core/people.h"

const char *dmarc_policy_name(enum dmarc_policy p)
{
    switch (p) {
    case DMARC_POLICY_NONE: return "none";
    case DMARC_POLICY_QUARANTINE: return "quarantine";
    case DMARC_POLICY_REJECT: return "reject";
    default: return "";
    }
}

const char *dmarc_standard_name(enum dmarc_standard s)
{
    switch (s) {
    case DMARC_STD_BOTH: return N_("RFC 7489 and RFC 9989");
    case DMARC_STD_7489: return N_("RFC 7489 only");
    case DMARC_STD_9989: return N_("RFC 9989 only");
    default: return "unknown";
    }
}

const char *dmarc_result_name(enum dmarc_result r)
{
    switch (r) {
    case DMARC_RESULT_PASS: return "pass";
    case DMARC_RESULT_FAIL: return "fail";
    case DMARC_RESULT_TEMPERROR: return "temperror";
    case DMARC_RESULT_PERMERROR: return "permerror";
    default: return "none";
    }
}

const char *dmarc_discovery_name(enum dmarc_discovery d)
{
    return d == DMARC_DISCOVERY_PSL ? "psl" : "treewalk";
}

char *dmarc_sanitize(const char *s, size_t n)
{
    size_t need = 1;
    char *out, *o;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        need += (c < 0x20 || c > 0x7e || c == '\\') ? 4 : 1;
    }
    out = malloc(need);
    if (!out)
        return NULL;
    o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e || c == '\\') {
            snprintf(o, 5, "\\x%02x", c);
            o += 4;
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

char *dmarc_strdup(const char *s, bool *oom)
{
    char *d;

    if (!s)
        return NULL;
    d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

bool dmarc_word_eq(const char *s, size_t n, const char *word)
{
    size_t wn = strlen(word);

    if (n != wn)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c | 0x20);
        if (c != word[i])
            return false;
    }
    return true;
}

size_t dmarc_label_count(const char *name)
{
    size_t n;

    if (!name || !*name)
        return 0;
    n = 1;
    for (const char *p = name; *p; p++)
        if (*p == '.' && p[1])
            n++;
    return n;
}

const char *dmarc_parent(const char *name)
{
    const char *dot = strchr(name, '.');

    return dot && dot[1] ? dot + 1 : NULL;
}

enum auth_status dmarc_records_at(const struct dns_result *res, size_t *ndmarc,
                                  struct dmarc_record **rec)
{
    const struct dns_rr *only = NULL;
    char err[128];

    *ndmarc = 0;
    *rec = NULL;
    if (dns_result_status(res) != DNS_DATA)
        return AUTH_OK;
    for (size_t i = 0; i < dns_result_count(res); i++) {
        const struct dns_rr *rr = dns_result_rr(res, i);
        if (rr->type != DNS_T_TXT)
            continue;
        if (dmarc_is_record((const char *)rr->u.txt.data, rr->u.txt.len)) {
            (*ndmarc)++;
            only = rr;
        }
    }
    if (*ndmarc != 1)
        return AUTH_OK;
    enum auth_status st = dmarc_record_parse((const char *)only->u.txt.data, only->u.txt.len,
                                             rec, err, sizeof err);
    return st == AUTH_EPARSE ? AUTH_OK : st;
}
