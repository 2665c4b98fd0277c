/*
 * keyfile.c - DKIM key pairs: generate (RSA 1024..4096, Ed25519), load a
 * private key, write it as PKCS#8 PEM atomically with mode 0600, and derive
 * the record to publish (RFC 6376 3.6.1, RFC 8463) in plain and zone-file
 * form.  Key material is never put in an error string; PEM buffers are
 * cleansed before they are freed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "auth/file.h"
#include "dkim_int.h"

int dkim_pkey_type(struct evp_pkey_st *key, unsigned *bits)
{
    int id = EVP_PKEY_get_base_id(key);

    if (bits)
        *bits = (unsigned)EVP_PKEY_get_bits(key);
    if (id == EVP_PKEY_RSA)
        return DKIM_KEY_RSA;
    if (id == EVP_PKEY_ED25519)
        return DKIM_KEY_ED25519;
    return -1;
}

enum auth_status dkim_keygen(enum dkim_keytype type, unsigned bits,
                             struct evp_pkey_st **out, char *err, size_t errlen)
{
    *out = NULL;
    if (type == DKIM_KEY_RSA) {
        if (bits < 1024 || bits > 4096)
            return auth_fail(err, errlen, AUTH_EINVAL,
                             "RSA key size %u is outside 1024..4096", bits);
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    } else {
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    }
    if (!*out) {
        ERR_clear_error();
        return auth_fail(err, errlen, AUTH_ECRYPTO, "key generation failed");
    }
    return AUTH_OK;
}

/* Refuse to prompt for a passphrase: encrypted keys are not supported. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return 0;
}

static void bio_cleanse_free(BIO *b);

/* A PEM key is a few KiB: the file is read whole up to this, never more
 * (a device or a huge file given as the key is an error, not a hang). */
#define KEY_FILE_MAX (64 * 1024)

static enum auth_status read_key_file(const char *path, BIO **out, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    enum auth_status st = AUTH_OK;
    char *buf;
    size_t n;
    int e;

    *out = NULL;
    if (!fp)
        return auth_fail(err, errlen, AUTH_EIO, "cannot read %s: %s", path, strerror(errno));
    if (!(buf = malloc(KEY_FILE_MAX + 1))) {
        fclose(fp);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    n = fread(buf, 1, KEY_FILE_MAX + 1, fp);
    e = ferror(fp) ? errno : 0;
    fclose(fp);
    if (e)
        st = auth_fail(err, errlen, AUTH_EIO, "cannot read %s: %s", path, strerror(e));
    else if (n > KEY_FILE_MAX)
        st = auth_fail(err, errlen, AUTH_EPARSE, "%s is over %d octets: not a key file", path,
                       KEY_FILE_MAX);
    else if (memchr(buf, '\0', n))
        st = auth_fail(err, errlen, AUTH_EPARSE, "%s is not an unencrypted PEM private key",
                       path);
    else if (!(*out = BIO_new(BIO_s_mem())) || BIO_write(*out, buf, (int)n) != (int)n)
        st = auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    if (st != AUTH_OK && *out) {
        bio_cleanse_free(*out);
        *out = NULL;
    }
    OPENSSL_cleanse(buf, KEY_FILE_MAX + 1);
    free(buf);
    return st;
}

enum auth_status dkim_privkey_load(const char *path, struct evp_pkey_st **out,
                                   char *err, size_t errlen)
{
    BIO *b;
    enum auth_status st = read_key_file(path, &b, err, errlen);

    *out = NULL;
    if (st != AUTH_OK)
        return st;
    *out = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
    bio_cleanse_free(b);
    ERR_clear_error();
    if (!*out)
        return auth_fail(err, errlen, AUTH_EPARSE,
                         "%s is not an unencrypted PEM private key", path);
    if (dkim_pkey_type(*out, NULL) < 0) {
        EVP_PKEY_free(*out);
        *out = NULL;
        return auth_fail(err, errlen, AUTH_EPARSE, "%s is neither an RSA nor an Ed25519 key",
                         path);
    }
    return AUTH_OK;
}

/* PEM (PKCS#8) of key into a memory BIO. */
static BIO *pem_bio(EVP_PKEY *key)
{
    BIO *b = BIO_new(BIO_s_mem());

    if (b && !PEM_write_bio_PKCS8PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(b);
        b = NULL;
    }
    ERR_clear_error();
    return b;
}

static void bio_cleanse_free(BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);

    if (n > 0)
        OPENSSL_cleanse(data, (size_t)n);
    BIO_free(b);
}

enum auth_status dkim_privkey_stage(struct evp_pkey_st *key, const char *path, bool force,
                                    struct auth_file **out, char *err, size_t errlen)
{
    char *data;
    long n;
    BIO *b;
    enum auth_status st;

    *out = NULL;
    st = auth_file_stage(path, 0600, AUTH_FILE_SECRET | (force ? AUTH_FILE_REPLACE : 0), out,
                         err, errlen);
    if (st != AUTH_OK)
        return st;
    if (!(b = pem_bio(key))) {
        auth_file_free(*out);
        *out = NULL;
        return auth_fail(err, errlen, AUTH_ECRYPTO, "cannot encode the private key");
    }
    n = BIO_get_mem_data(b, &data);
    st = n > 0 ? auth_file_put(*out, data, (size_t)n, err, errlen)
               : auth_fail(err, errlen, AUTH_ECRYPTO, "cannot encode the private key");
    bio_cleanse_free(b);
    if (st != AUTH_OK) {
        auth_file_free(*out);
        *out = NULL;
    }
    return st;
}

enum auth_status dkim_privkey_write(struct evp_pkey_st *key, const char *path, bool force,
                                    char *err, size_t errlen)
{
    struct auth_file *f;
    enum auth_status st = dkim_privkey_stage(key, path, force, &f, err, errlen);

    if (st == AUTH_OK)
        st = auth_file_commit(f, err, errlen);
    auth_file_free(f);
    return st;
}

enum auth_status dkim_record_for_key(struct evp_pkey_st *key, char **record,
                                     char *err, size_t errlen)
{
    unsigned char *der = NULL;
    size_t n = 0;
    int type = dkim_pkey_type(key, NULL), len;
    char *b64, *rec;

    *record = NULL;
    if (type < 0)
        return auth_fail(err, errlen, AUTH_EINVAL, "the key is neither RSA nor Ed25519");
    if (type == DKIM_KEY_ED25519) {
        der = malloc(32);
        n = 32;
        if (!der || !EVP_PKEY_get_raw_public_key(key, der, &n) || n != 32) {
            free(der);
            return auth_fail(err, errlen, AUTH_ECRYPTO, "cannot get the Ed25519 public key");
        }
    } else {
        len = i2d_PUBKEY(key, &der);
        if (len <= 0)
            return auth_fail(err, errlen, AUTH_ECRYPTO, "cannot encode the RSA public key");
        n = (size_t)len;
    }
    b64 = dkim_b64_encode(der, n);
    if (type == DKIM_KEY_ED25519)
        free(der);
    else
        OPENSSL_free(der);
    if (!b64)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    n = strlen(b64) + 40;
    rec = malloc(n);
    if (rec)
        snprintf(rec, n, "v=DKIM1; k=%s; p=%s", type == DKIM_KEY_ED25519 ? "ed25519" : "rsa",
                 b64);
    free(b64);
    if (!rec)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    *record = rec;
    return AUTH_OK;
}

char *dkim_record_zone_text(const char *selector, const char *domain, const char *record)
{
    struct dkim_buf b = {0};
    const char *p = strstr(record, "p=");
    size_t len = strlen(record), i = 0;

    dkim_buf_adds(&b, selector);
    dkim_buf_adds(&b, "._domainkey\tIN\tTXT\t( ");
    while (i < len) {
        /* First string ends before "p=" (as opendkim-genkey), then <= 250. */
        size_t take = len - i > 250 ? 250 : len - i;
        if (p && i < (size_t)(p - record) && (size_t)(p - record) - i < take)
            take = (size_t)(p - record) - i;
        if (i)
            dkim_buf_adds(&b, "\n\t  ");
        dkim_buf_add(&b, "\"", 1);
        dkim_buf_add(&b, record + i, take);   /* no '"' or '\\' in a record we make */
        dkim_buf_add(&b, "\"", 1);
        i += take;
    }
    dkim_buf_adds(&b, " )  ; ----- DKIM key ");
    dkim_buf_adds(&b, selector);
    if (domain) {
        dkim_buf_adds(&b, " for ");
        dkim_buf_adds(&b, domain);
    }
    dkim_buf_add(&b, "\n", 1);
    if (b.failed) {
        dkim_buf_free(&b);
        return NULL;
    }
    return b.p;
}
