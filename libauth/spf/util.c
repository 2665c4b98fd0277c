/*
 * util.c - small helpers of the SPF module: result and kind names, the
 * bounded string builder, DNS name checks and SPF record selection.
 */
#include <ctype.h>
#include <string.h>

#include "spf/spf_internal.h"

const char *spf_result_name(enum spf_result r)
{
    static const char *const names[] = {
        "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
    };
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

const char *spf_term_kind_name(enum spf_term_kind k)
{
    static const char *const names[] = {
        "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists",
        "redirect", "exp", "unknown-modifier",
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

bool spf_term_kind_queries_dns(enum spf_term_kind k)
{
    return k == SPF_T_INCLUDE || k == SPF_T_A || k == SPF_T_MX || k == SPF_T_PTR ||
           k == SPF_T_EXISTS || k == SPF_T_REDIRECT;
}

const char *spf_trace_kind_name(enum spf_trace_kind k)
{
    static const char *const names[] = {
        "check", "record", "term", "dns", "note", "result",
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

void spf_buf_init(struct spf_buf *b, char *mem, size_t cap)
{
    b->p = mem;
    b->len = 0;
    b->cap = cap;
    b->over = cap == 0;
    if (cap)
        mem[0] = '\0';
}

void spf_buf_add(struct spf_buf *b, const char *s, size_t n)
{
    if (b->over)
        return;
    if (n >= b->cap - b->len) {
        b->over = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void spf_buf_addc(struct spf_buf *b, char c)
{
    spf_buf_add(b, &c, 1);
}

void spf_buf_adds(struct spf_buf *b, const char *s)
{
    spf_buf_add(b, s, strlen(s));
}

bool spf_name_usable(const char *name)
{
    size_t len = strlen(name), label = 0;

    if (len == 0 || len > DNS_MAX_NAME)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (++label > DNS_MAX_LABEL) {
            return false;
        }
    }
    return label > 0;
}

bool spf_domain_valid(const char *name)
{
    return spf_name_usable(name) && strchr(name, '.') != NULL;
}

bool spf_lower_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);

    if (n >= cap)
        return false;
    for (size_t i = 0; i <= n; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    return true;
}

bool spf_name_within(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);

    while (n && name[n - 1] == '.')
        n--;
    while (s && suffix[s - 1] == '.')
        s--;
    if (s > n)
        return false;
    if (strncasecmp(name + n - s, suffix, s) != 0)
        return false;
    return n == s || name[n - s - 1] == '.';
}

bool spf_is_record(const unsigned char *txt, size_t len)
{
    static const char v[] = "v=spf1";

    if (len < 6)
        return false;
    for (size_t i = 0; i < 6; i++)
        if (tolower(txt[i]) != v[i])
            return false;
    return len == 6 || txt[6] == ' ';
}

size_t spf_select_record(const struct dns_result *r, const unsigned char **rec,
                         size_t *reclen, const struct dns_rr **rrout)
{
    size_t found = 0, n = dns_result_count(r);

    for (size_t i = 0; i < n; i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        if (rr->type != DNS_T_TXT && rr->type != DNS_T_SPF)
            continue;
        if (!spf_is_record(rr->u.txt.data, rr->u.txt.len))
            continue;
        if (found++ == 0) {
            *rec = rr->u.txt.data;
            *reclen = rr->u.txt.len;
            if (rrout)
                *rrout = rr;
        }
    }
    return found;
}
