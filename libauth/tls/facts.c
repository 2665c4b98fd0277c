/*
 * facts.c - what a TLS handshake showed, for reports: version, cipher,
 * verification result, the peer certificate's subject, SANs and expiry, and
 * the chain as DER (kept for DANE TLSA matching).
 */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls_int.h"

static void name_line(X509_NAME *name, char *buf, size_t len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int n;

    buf[0] = '\0';
    if (!bio)
        return;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0 &&
        (n = BIO_read(bio, buf, (int)len - 1)) > 0)
        buf[n] = '\0';
    BIO_free(bio);
}

static void add_san(struct tls_facts *f, const char *kind, const unsigned char *data, int len)
{
    char *s;
    size_t klen = strlen(kind);

    if (f->nsan >= TLS_MAX_SAN || len < 0 || len > 1024)
        return;
    s = malloc(klen + (size_t)len + 1);
    if (!s)
        return;
    memcpy(s, kind, klen);
    for (int i = 0; i < len; i++)   /* keep reports printable */
        s[klen + (size_t)i] = (data[i] >= 0x20 && data[i] < 0x7f) ? (char)data[i] : '?';
    s[klen + (size_t)len] = '\0';
    f->san[f->nsan++] = s;
}

static void fill_sans(X509 *cert, struct tls_facts *f)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    int n = names ? sk_GENERAL_NAME_num(names) : 0;

    if (n > 0 && !(f->san = calloc(TLS_MAX_SAN, sizeof *f->san)))
        n = 0;
    for (int i = 0; i < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        char ip[64];

        if (g->type == GEN_DNS)
            add_san(f, "DNS:", ASN1_STRING_get0_data(g->d.dNSName),
                    ASN1_STRING_length(g->d.dNSName));
        else if (g->type == GEN_IPADD) {
            char *txt = NULL;
            ASN1_OCTET_STRING *o = g->d.iPAddress;
            if (o && (txt = OPENSSL_buf2hexstr(ASN1_STRING_get0_data(o), ASN1_STRING_length(o)))) {
                snprintf(ip, sizeof ip, "%s", txt);
                add_san(f, "IP:", (const unsigned char *)ip, (int)strlen(ip));
            }
            OPENSSL_free(txt);
        }
    }
    GENERAL_NAMES_free(names);
}

static void fill_expiry(X509 *cert, struct tls_facts *f)
{
    const ASN1_TIME *na = X509_get0_notAfter(cert);
    struct tm tm;
    int days = 0, secs = 0;

    if (na && ASN1_TIME_to_tm(na, &tm) == 1)
        f->not_after = timegm(&tm);
    if (na && ASN1_TIME_diff(&days, &secs, NULL, na) == 1)
        f->expiry_days = days - (secs < 0 && days <= 0 ? 1 : 0);
}

static void fill_chain(SSL *ssl, struct tls_facts *f)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    int n = chain ? sk_X509_num(chain) : 0;

    for (int i = 0; i < n && f->nchain < TLS_MAX_CHAIN; i++) {
        unsigned char *der = NULL;
        int len = i2d_X509(sk_X509_value(chain, i), &der);
        if (len <= 0)
            continue;
        f->chain_der[f->nchain] = der;
        f->chain_len[f->nchain++] = (size_t)len;
    }
}

void tls_facts_fill(SSL *ssl, struct tls_facts *f)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    X509 *cert = SSL_get1_peer_certificate(ssl);
    long v = SSL_get_verify_result(ssl);

    if (SSL_is_init_finished(ssl)) {    /* before that, the version is only a wish */
        snprintf(f->version, sizeof f->version, "%s", SSL_get_version(ssl));
        snprintf(f->cipher, sizeof f->cipher, "%s", c ? SSL_CIPHER_get_name(c) : "");
    }
    f->verified = cert && v == X509_V_OK;
    snprintf(f->verify_error, sizeof f->verify_error, "%s",
             f->verified ? "" : cert ? X509_verify_cert_error_string(v) : "no peer certificate");
    if (cert) {
        name_line(X509_get_subject_name(cert), f->subject, sizeof f->subject);
        name_line(X509_get_issuer_name(cert), f->issuer, sizeof f->issuer);
        fill_sans(cert, f);
        fill_expiry(cert, f);
        X509_free(cert);
    }
    fill_chain(ssl, f);
    ERR_clear_error();
}

void auth_tls_facts_clear(struct tls_facts *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nsan; i++)
        free(f->san[i]);
    free(f->san);
    for (size_t i = 0; i < f->nchain; i++)
        OPENSSL_free(f->chain_der[i]);
    memset(f, 0, sizeof *f);
}
