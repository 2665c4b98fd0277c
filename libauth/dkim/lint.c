/*
 * lint.c - what a published DKIM key record shows, as typed problems (enum
 * dkim_key_problem_kind of auth/dkim.h): syntax, revoked, key type and RSA
 * size, testing mode, h= without sha256.  The checks layer turns them into
 * the dkim.* findings for `mailctl dkim record` and the audit.
 */
#include <stdlib.h>
#include <string.h>

#include "dkim_int.h"

static void add(struct dkim_key_problems *l, enum dkim_key_problem_kind kind, unsigned bits)
{
    if (l->count < DKIM_KEY_PROBLEMS_MAX)
        l->items[l->count++] = (struct dkim_key_problem){ .kind = kind, .bits = bits };
}

static enum dkim_key_problem_kind strength(const struct dkim_key *k, unsigned bits)
{
    if (dkim_key_revoked(k))
        return DKIM_KEYP_REVOKED;
    if (dkim_key_type(k) == DKIM_KEY_ED25519)
        return DKIM_KEYP_ED25519;
    return bits < 1024 ? DKIM_KEYP_RSA_WEAK : bits < 2048 ? DKIM_KEYP_RSA_SHORT
                                                          : DKIM_KEYP_RSA_OK;
}

enum auth_status dkim_key_lint(const char *txt, size_t len, struct dkim_key_problems *out)
{
    struct dkim_key *k;
    char err[160];
    unsigned bits;

    if (dkim_key_parse(txt, len, &k, err, sizeof err) != AUTH_OK) {
        add(out, DKIM_KEYP_SYNTAX, 0);
        out->error = strdup(err);
        return out->error ? AUTH_OK : AUTH_ENOMEM;
    }
    bits = dkim_key_bits(k);
    add(out, strength(k, bits), bits);
    if (dkim_key_testing(k))
        add(out, DKIM_KEYP_TESTING, 0);
    if (!dkim_key_allows_hash(k, "sha256"))
        add(out, DKIM_KEYP_NO_SHA256, 0);
    dkim_key_free(k);
    return AUTH_OK;
}

void dkim_key_problems_clear(struct dkim_key_problems *l)
{
    if (!l)
        return;
    free(l->error);
    l->error = NULL;
    l->count = 0;
}
