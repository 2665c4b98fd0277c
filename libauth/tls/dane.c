/*
 * dane.c - TLSA record matching against the certificate chain a handshake
 * showed (RFC 6698 2.1, RFC 7672 3.1: SMTP uses DANE-TA(2) and DANE-EE(3)).
 * Input: the DER chain kept in tls_facts and one TLSA record's fields.
 * Output: match or not.  Pure: no I/O.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "auth/tls.h"

bool auth_tls_dane_usable(uint8_t usage, uint8_t selector, uint8_t mtype)
{
    return (usage == 2 || usage == 3) && selector <= 1 && mtype <= 2;
}

/* The bytes the selector picks from one DER certificate, into *out
 * (OPENSSL_malloc'd, caller frees).  Returns the length or 0. */
static size_t selected(const unsigned char *der, size_t len, uint8_t selector,
                       unsigned char **out)
{
    const unsigned char *p = der;
    X509 *x;
    int n;

    *out = NULL;
    if (len > 1L << 20 || !(x = d2i_X509(NULL, &p, (long)len)))
        return 0;
    n = selector == 0 ? i2d_X509(x, out) : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), out);
    X509_free(x);
    return n > 0 ? (size_t)n : 0;
}

/* Whether the association data matches these selected bytes. */
static bool matches(const unsigned char *sel, size_t sellen, uint8_t mtype,
                    const unsigned char *data, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (mtype == 0)
        return sellen == len && memcmp(sel, data, len) == 0;
    if (EVP_Digest(sel, sellen, md, &mdlen, mtype == 1 ? EVP_sha256() : EVP_sha512(),
                   NULL) != 1)
        return false;
    return mdlen == len && memcmp(md, data, len) == 0;
}

static X509 *cert_at(const struct tls_facts *facts, size_t i)
{
    const unsigned char *p = facts->chain_der[i];

    if (facts->chain_len[i] > 1L << 20)
        return NULL;
    return d2i_X509(NULL, &p, (long)facts->chain_len[i]);
}

/* DANE-TA (RFC 7672 3.2.2, 3.2.3): the trust anchor at position ta must
 * really certify the leaf (each certificate from the leaf up to it signed
 * by the next one), and the leaf must name the host. */
static bool ta_certifies_leaf(const struct tls_facts *facts, size_t ta, const char *host)
{
    X509 *leaf = cert_at(facts, 0);
    bool ok = leaf && (!host || X509_check_host(leaf, host, 0, 0, NULL) == 1);
    X509 *child = leaf;

    for (size_t i = 1; ok && i <= ta; i++) {
        X509 *parent = cert_at(facts, i);
        EVP_PKEY *key = parent ? X509_get0_pubkey(parent) : NULL;
        ok = key && X509_verify(child, key) == 1;
        if (child != leaf)
            X509_free(child);
        child = parent;
    }
    if (child != leaf)
        X509_free(child);
    X509_free(leaf);
    return ok;
}

bool auth_tls_dane_match_host(const struct tls_facts *facts, uint8_t usage, uint8_t selector,
                         uint8_t mtype, const unsigned char *data, size_t len,
                         const char *host)
{
    size_t first, last;

    if (!facts || !data || !auth_tls_dane_usable(usage, selector, mtype))
        return false;
    first = usage == 3 ? 0 : 1;
    last = usage == 3 ? 1 : facts->nchain;
    for (size_t i = first; i < last && i < facts->nchain; i++) {
        unsigned char *sel = NULL;
        size_t n = selected(facts->chain_der[i], facts->chain_len[i], selector, &sel);
        bool ok = n && matches(sel, n, mtype, data, len);
        OPENSSL_free(sel);
        if (ok && (usage == 3 || ta_certifies_leaf(facts, i, host)))
            return true;
    }
    return false;
}

bool auth_tls_dane_match(const struct tls_facts *facts, uint8_t usage, uint8_t selector,
                    uint8_t mtype, const unsigned char *data, size_t len)
{
    return auth_tls_dane_match_host(facts, usage, selector, mtype, data, len, NULL);
}
