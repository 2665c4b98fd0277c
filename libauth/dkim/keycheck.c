/*
 * keycheck.c - whether a published key may check a signature of a given
 * algorithm (RFC 6376 3.6.1 h=, s=; RFC 8301 key size; RFC 8463 k=).
 * Shared by DKIM verification and ARC (AMS and AS); and whether a private
 * key is the one published (a signer's check before it signs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim_int.h"

enum dkim_reason dkim_key_check(const struct dkim_key *k, enum dkim_alg alg,
                                char *why, size_t whylen)
{
    if (dkim_key_revoked(k)) {
        snprintf(why, whylen, "the key is revoked (empty p=)");
        return DKIM_R_KEY_REVOKED;
    }
    if ((dkim_key_type(k) == DKIM_KEY_ED25519) != (alg == DKIM_ED25519_SHA256)) {
        snprintf(why, whylen, "key type does not match a=%s", dkim_alg_name(alg));
        return DKIM_R_KEY_ALG;
    }
    if (!dkim_key_allows_hash(k, alg == DKIM_RSA_SHA1 ? "sha1" : "sha256")) {
        snprintf(why, whylen, "key h= does not allow a=%s", dkim_alg_name(alg));
        return DKIM_R_KEY_ALG;
    }
    if (!dkim_key_allows_email(k)) {
        snprintf(why, whylen, "key s= excludes email");
        return DKIM_R_KEY_ALG;
    }
    if (dkim_key_type(k) == DKIM_KEY_RSA && dkim_key_bits(k) < 1024) {
        snprintf(why, whylen, "RSA key of %u bits is under 1024 (RFC 8301)", dkim_key_bits(k));
        return DKIM_R_KEY_WEAK;
    }
    return DKIM_R_NONE;
}

enum auth_status dkim_keystore_match(struct dkim_keystore *ks, const char *selector,
                                     const char *domain, EVP_PKEY *key,
                                     char *err, size_t errlen)
{
    size_t nl = strlen(selector) + strlen(domain) + sizeof "._domainkey.";
    char *name = malloc(nl);
    const char *names[1], *why;
    const struct dkim_key *k;
    enum auth_status st;

    if (!name)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    snprintf(name, nl, "%s._domainkey.%s", selector, domain);
    names[0] = name;
    st = dkim_keystore_fetch(ks, names, 1);
    if (st == AUTH_OK)
        st = dkim_keystore_get(ks, name, &k, &why);
    if (st == AUTH_ENOTFOUND)
        st = auth_fail(err, errlen, st, "no key is published at %s (%s)", name, why);
    else if (st == AUTH_ETIMEOUT || st == AUTH_ETEMP)
        st = auth_fail(err, errlen, st, "cannot fetch the key at %s: %s", name, why);
    else if (st == AUTH_EPARSE)
        st = auth_fail(err, errlen, st, "the record at %s is not a key: %s", name, why);
    else if (st == AUTH_OK && (dkim_key_revoked(k) || EVP_PKEY_eq(dkim_key_pkey(k), key) != 1))
        st = auth_fail(err, errlen, AUTH_EINVAL,
                       "the key does not match the one published at %s", name);
    free(name);
    return st;
}
