/*
 * test_dane.c - auth_tls_dane_match(): TLSA usages 2/3, selectors 0/1, matching
 * types 0/1/2 against a chain of certificates made here with OpenSSL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "auth/tls.h"

static unsigned char *der[2];
static size_t derlen[2];
static X509 *certs[2];
static EVP_PKEY *ca_key;

/* A P-256 certificate with this CN, signed by signer (NULL: self-signed,
 * and its key kept in ca_key for the next one). */
static X509 *make_cert(const char *cn, X509 *signer)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();

    assert_non_null(k);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(signer ? signer : x));
    X509_set_pubkey(x, k);
    assert_true(X509_sign(x, signer ? ca_key : k, EVP_sha256()) > 0);
    if (signer)
        EVP_PKEY_free(k);
    else
        ca_key = k;
    return x;
}

static int setup(void **state)
{
    certs[1] = make_cert("ca", NULL);             /* the trust anchor */
    certs[0] = make_cert("mx.example", certs[1]); /* the leaf it issued */
    for (int i = 0; i < 2; i++) {
        unsigned char *p = NULL;
        int n = i2d_X509(certs[i], &p);
        der[i] = p;
        derlen[i] = (size_t)n;
    }
    return 0;
}

static int teardown(void **state)
{
    for (int i = 0; i < 2; i++) {
        OPENSSL_free(der[i]);
        X509_free(certs[i]);
    }
    EVP_PKEY_free(ca_key);
    return 0;
}

static struct tls_facts chain(size_t n)
{
    struct tls_facts f;

    memset(&f, 0, sizeof f);
    f.nchain = n;
    for (size_t i = 0; i < n; i++) {
        f.chain_der[i] = der[i];
        f.chain_len[i] = derlen[i];
    }
    return f;
}

static size_t spki(X509 *x, unsigned char *buf)
{
    unsigned char *p = NULL;
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &p);
    memcpy(buf, p, (size_t)n);
    OPENSSL_free(p);
    return (size_t)n;
}

static void dane_ee(void **state)
{
    struct tls_facts f = chain(2);
    unsigned char s[512], md[64];
    unsigned int mdlen;
    size_t n = spki(certs[0], s);

    EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL);
    assert_true(auth_tls_dane_match(&f, 3, 1, 1, md, mdlen));
    assert_true(auth_tls_dane_match(&f, 3, 1, 0, s, n));
    EVP_Digest(der[0], derlen[0], md, &mdlen, EVP_sha512(), NULL);
    assert_true(auth_tls_dane_match(&f, 3, 0, 2, md, mdlen));
    assert_true(auth_tls_dane_match(&f, 3, 0, 0, der[0], derlen[0]));
    md[0] ^= 1;
    assert_false(auth_tls_dane_match(&f, 3, 0, 2, md, mdlen));
    /* usages 0/1 are not for SMTP; selector/mtype out of range */
    EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL);
    assert_false(auth_tls_dane_match(&f, 1, 1, 1, md, mdlen));
    assert_false(auth_tls_dane_match(&f, 3, 2, 1, md, mdlen));
    assert_false(auth_tls_dane_match(&f, 3, 1, 3, md, mdlen));
    assert_false(auth_tls_dane_usable(0, 1, 1));
    assert_true(auth_tls_dane_usable(2, 0, 0));
}

static void dane_ta(void **state)
{
    struct tls_facts f2 = chain(2), f1 = chain(1);
    unsigned char s[512], md[64];
    unsigned int mdlen;
    size_t n = spki(certs[1], s);

    EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL);
    assert_true(auth_tls_dane_match(&f2, 2, 1, 1, md, mdlen));
    /* the trust anchor must be in the chain after the leaf */
    assert_false(auth_tls_dane_match(&f1, 2, 1, 1, md, mdlen));
    n = spki(certs[0], s);
    EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL);
    assert_false(auth_tls_dane_match(&f2, 2, 1, 1, md, mdlen));
    /* DANE-EE for the CA key does not match the leaf */
    n = spki(certs[1], s);
    EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL);
    assert_false(auth_tls_dane_match(&f2, 3, 1, 1, md, mdlen));
    /* DANE-TA also needs the leaf to name the MX host (RFC 7672 3.2.3) */
    assert_true(auth_tls_dane_match_host(&f2, 2, 1, 1, md, mdlen, "mx.example"));
    assert_false(auth_tls_dane_match_host(&f2, 2, 1, 1, md, mdlen, "other.example"));
}

/* A trust anchor that is in the chain but did not issue the leaf. */
static void dane_ta_must_certify_leaf(void **state)
{
    EVP_PKEY *kept = ca_key;
    X509 *stranger = make_cert("stranger", NULL);
    unsigned char *p = NULL, s[512], md[64];
    int len = i2d_X509(stranger, &p);
    struct tls_facts f = chain(2);
    unsigned int mdlen;
    size_t n = spki(stranger, s);

    f.chain_der[1] = p;
    f.chain_len[1] = (size_t)len;
    EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL);
    assert_false(auth_tls_dane_match_host(&f, 2, 1, 1, md, mdlen, "mx.example"));
    OPENSSL_free(p);
    X509_free(stranger);
    EVP_PKEY_free(ca_key);          /* the stranger's key */
    ca_key = kept;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dane_ee),
        cmocka_unit_test(dane_ta),
        cmocka_unit_test(dane_ta_must_certify_leaf),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
