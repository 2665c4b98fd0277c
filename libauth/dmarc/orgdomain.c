/*
 * orgdomain.c - domain names for DMARC: A-label normalisation (RFC 9989
 * 5.3.1, through auth/name.h), the RFC 7489 3.2 Organizational Domain from the system
 * Public Suffix List (libpsl), and identifier alignment (7489 3.1,
 * 9989 4.4).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "auth/name.h"
#include "dmarc/dmarc_int.h"

/* The DMARC author and identifier domains are names like any other: the
 * one conversion of auth/name.h. */
enum auth_status dmarc_domain_normalize(const char *name, char *out, size_t outlen)
{
    char err[8];

    return auth_name_to_alabel(name, out, outlen, err, sizeof err);
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
