/*
 * uri.c - the rua/ruf reporting URI lists (RFC 7489 6.2/6.4, RFC 9989 4.6
 * and 4.8): comma-separated URIs, each with the obsolete "!size" suffix
 * that 9989 keeps only as syntax for receivers to ignore.  mailto: is the
 * scheme receivers must support; its address and domain are extracted
 * (percent-decoded) for the _report._dmarc authorisation check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc_int.h"
#include "core/people.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decode s[0..n) into a new string; NULL on a bad escape, a NUL
 * byte, or allocation failure (*oom then set). */
static char *pct_decode(const char *s, size_t n, bool *oom)
{
    char *out = malloc(n + 1), *o = out;

    if (!out) {
        *oom = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n) {
                free(out);
                return NULL;
            }
            int hi = hexval(s[i + 1]);
            int lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* "!" 1*DIGIT [k/m/g/t]; returns false when malformed. */
static bool parse_size(const char *s, size_t n, uint64_t *out)
{
    uint64_t x = 0, mult = 1;
    size_t digits = 0;

    while (digits < n && s[digits] >= '0' && s[digits] <= '9') {
        if (x > UINT64_MAX / 10 - 9)
            return false;
        x = x * 10 + (uint64_t)(s[digits] - '0');
        digits++;
    }
    if (digits == 0 || n - digits > 1)
        return false;
    if (n - digits == 1) {
        const char *units = "kmgt";
        const char *u = strchr(units, s[digits] | 0x20);
        if (!u || !s[digits])
            return false;
        for (size_t k = 0; k <= (size_t)(u - units); k++)
            mult *= 1024;
    }
    if (x > UINT64_MAX / mult)
        return false;
    *out = x * mult;
    return true;
}

static bool scheme_char(char c, bool first)
{
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return alpha || (!first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
}

/* Fill u from one URI; returns NULL when valid or a reason. */
static const char *parse_one(const char *s, size_t n, struct dmarc_uri *u, bool *oom)
{
    const char *bang = memchr(s, '!', n);
    size_t un = bang ? (size_t)(bang - s) : n;
    size_t k = 0;

    u->uri = dmarc_sanitize(s, un);
    if (!u->uri) {
        *oom = true;
        return N_("out of memory");
    }
    if (bang && !parse_size(bang + 1, n - un - 1, &u->max_size))
        return N_("the size suffix after '!' is not digits with an optional k, m, g or t");
    for (size_t i = 0; i < un; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] > 0x7e)
            return N_("holds a space, control or non-ASCII byte (URIs must percent-encode them)");
    while (k < un && scheme_char(s[k], k == 0))
        k++;
    if (k == 0 || k >= un || s[k] != ':')
        return N_("has no URI scheme (expected mailto:)");
    u->scheme = malloc(k + 1);
    if (!u->scheme) {
        *oom = true;
        return N_("out of memory");
    }
    for (size_t i = 0; i < k; i++)
        u->scheme[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i]);
    u->scheme[k] = '\0';
    if (strcmp(u->scheme, "mailto") != 0)
        return NULL;                /* valid URI; the caller notes the scheme */
    const char *a = s + k + 1;
    size_t an = un - k - 1;
    const char *q = memchr(a, '?', an);
    if (q)
        an = (size_t)(q - a);
    u->address = pct_decode(a, an, oom);
    if (!u->address)
        return *oom ? N_("out of memory") : N_("has a bad percent escape");
    const char *at = strrchr(u->address, '@');
    if (!at || at == u->address || !at[1])
        return N_("the mailto: address has no local part or no domain");
    char dom[DNS_MAX_NAME + 2];
    if (dmarc_domain_normalize(at + 1, dom, sizeof dom) != AUTH_OK)
        return N_("the mailto: address has no valid domain");
    u->domain = dmarc_strdup(dom, oom);
    return NULL;
}

size_t dmarc_uri_list_parse(struct dmarc_record *r, const char *tag, const char *v,
                            size_t n, struct dmarc_uri **list, size_t *count, bool *oom)
{
    size_t bad = 0, total = 0;
    struct dmarc_uri *arr = calloc(DMARC_MAX_URIS, sizeof *arr);

    if (!arr) {
        *oom = true;
        return 0;
    }
    for (size_t i = 0; i <= n && !*oom;) {
        size_t j = i;
        while (j < n && v[j] != ',')
            j++;
        const char *s = v + i;
        size_t sn = j - i;
        while (sn && (*s == ' ' || *s == '\t'))
            s++, sn--;
        while (sn && (s[sn - 1] == ' ' || s[sn - 1] == '\t'))
            sn--;
        i = j + 1;
        total++;
        if (total > DMARC_MAX_URIS)
            continue;
        struct dmarc_uri *u = &arr[*count];
        (*count)++;
        if (sn == 0) {
            u->uri = dmarc_strdup("", oom);
            bad++;
            dmarc_problem_add(r, oom, DMARC_PROB_ERROR, tag, "%s has an empty URI in its "
                              "list", tag);
            continue;
        }
        const char *why = parse_one(s, sn, u, oom);
        if (why) {
            bad++;
            dmarc_problem_add(r, oom, DMARC_PROB_ERROR, tag, "%s URI '%s' %s", tag,
                              u->uri ? u->uri : "?", TR(why));
            continue;
        }
        u->valid = true;
        if (memchr(s, '!', sn))
            dmarc_problem_add(r, oom, DMARC_PROB_INFO, tag, "%s URI '%s' has a '!size' "
                              "limit: obsolete in RFC 9989, receivers ignore it", tag, u->uri);
        if (strcmp(u->scheme, "mailto") != 0)
            dmarc_problem_add(r, oom, DMARC_PROB_WARN, tag, "%s URI '%s' uses scheme %s: "
                              "receivers need only support mailto: and ignore others",
                              tag, u->uri, u->scheme);
    }
    if (total > DMARC_MAX_URIS)
        dmarc_problem_add(r, oom, DMARC_PROB_WARN, tag, "%s lists %zu URIs; only the first "
                          "%d are kept (receivers send to a few at most)", tag, total,
                          DMARC_MAX_URIS);
    *list = arr;
    return bad;
}

void dmarc_uri_list_free(struct dmarc_uri *list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++) {
        free(list[i].uri);
        free(list[i].scheme);
        free(list[i].address);
        free(list[i].domain);
    }
    free(list);
}
