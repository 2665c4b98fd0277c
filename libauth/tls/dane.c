/*
 * dane.c - TLSA record matching against the certificate chain a handshake
 * showed (RFC 6698 2.1, RFC 7672 3.1: SMTP uses DANE-TA(2) and DANE-EE(3)).
 * Input: the DER chain kept in tls_facts and one TLSA record's fields.
 * Output: match or not.  Pure: no I/O.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "auth/tls.h"

bool tls_dane_usable(uint8_t usage, uint8_t selector, uint8_t mtype)
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

bool tls_dane_match(const struct tls_facts *facts, uint8_t usage, uint8_t selector,
                    uint8_t mtype, const unsigned char *data, size_t len)
{
    size_t first, last;

    if (!facts || !data || !tls_dane_usable(usage, selector, mtype))
        return false;
    first = usage == 3 ? 0 : 1;
    last = usage == 3 ? 1 : facts->nchain;
    for (size_t i = first; i < last && i < facts->nchain; i++) {
        unsigned char *sel = NULL;
        size_t n = selected(facts->chain_der[i], facts->chain_len[i], selector, &sel);
        bool ok = n && matches(sel, n, mtype, data, len);
        OPENSSL_free(sel);
        if (ok)
            return true;
    }
    return false;
}
