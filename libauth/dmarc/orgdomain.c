/*
 * orgdomain.c - domain names for DMARC: A-label normalisation (RFC 9989
 * 5.3.1, libidn2), the RFC 7489 3.2 Organizational Domain from the system
 * Public Suffix List (libpsl), and identifier alignment (7489 3.1,
 * 9989 4.4).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <libpsl.h>

#include "dmarc/dmarc_int.h"

/* Letters, digits, hyphen (and underscore, seen in real names), labels of
 * 1..63 octets, at most 253 octets in all. */
static bool ascii_name_ok(const char *s)
{
    size_t len = strlen(s), label = 0;

    if (len == 0 || len > DNS_MAX_NAME)
        return false;
    for (size_t i = 0; i <= len; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > DNS_MAX_LABEL)
                return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok)
            return false;
        label++;
    }
    return true;
}

enum auth_status dmarc_domain_normalize(const char *name, char *out, size_t outlen)
{
    size_t len = strlen(name);
    bool ascii = true;
    char *tmp;

    if (len && name[len - 1] == '.')
        len--;
    if (len == 0 || len > 1024)
        return AUTH_EINVAL;
    tmp = malloc(len + 1);
    if (!tmp)
        return AUTH_ENOMEM;
    memcpy(tmp, name, len);
    tmp[len] = '\0';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)tmp[i];
        if (c >= 0x80)
            ascii = false;
        else if (c >= 'A' && c <= 'Z')
            tmp[i] = (char)(c | 0x20);
    }
    if (!ascii) {
        char *alabel = NULL;
        int rc = idn2_to_ascii_8z(tmp, &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        free(tmp);
        if (rc != IDN2_OK) {
            idn2_free(alabel);
            return AUTH_EINVAL;
        }
        tmp = alabel;
        for (char *p = tmp; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p | 0x20);
    }
    bool ok = ascii_name_ok(tmp) && strlen(tmp) < outlen;
    if (ok)
        memcpy(out, tmp, strlen(tmp) + 1);
    if (ascii)
        free(tmp);
    else
        idn2_free(tmp);
    return ok ? AUTH_OK : AUTH_EINVAL;
}

/* The PSL, loaded once: the newest of the system file and libpsl's
 * built-in copy. */
static const psl_ctx_t *the_psl(void)
{
    static const psl_ctx_t *psl;

    if (!psl) {
        psl_ctx_t *p = psl_latest(NULL);
        psl = p ? p : psl_builtin();
    }
    return psl;
}

enum auth_status dmarc_psl_org_domain(const char *name, char *out, size_t outlen,
                                      bool *is_suffix)
{
    char norm[DNS_MAX_NAME + 2];
    const psl_ctx_t *psl = the_psl();
    const char *reg;
    enum auth_status st = dmarc_domain_normalize(name, norm, sizeof norm);

    if (st != AUTH_OK)
        return st;
    if (!psl)
        return AUTH_ENOMEM;
    reg = psl_registrable_domain(psl, norm);
    if (is_suffix)
        *is_suffix = reg == NULL;
    /* A public suffix has no label to its left to add (7489 3.2 step 4):
     * it is taken as its own Organizational Domain. */
    if (!reg)
        reg = norm;
    if (strlen(reg) >= outlen)
        return AUTH_EINVAL;
    memcpy(out, reg, strlen(reg) + 1);
    return AUTH_OK;
}

static bool same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && la > 0 && strncasecmp(a, b, la) == 0;
}

bool dmarc_aligned(enum dmarc_align mode, const char *author, const char *author_org,
                   const char *ident, const char *ident_org)
{
    if (!author || !ident)
        return false;
    if (mode == DMARC_ALIGN_STRICT)
        return same_name(author, ident);
    if (same_name(author, ident))
        return true;
    return author_org && ident_org && same_name(author_org, ident_org);
}
