/*
 * keyfile.c - DKIM key pairs: generate (RSA 1024..4096, Ed25519), load a
 * private key, write it as PKCS#8 PEM atomically with mode 0600, and derive
 * the record to publish (RFC 6376 3.6.1, RFC 8463) in plain and zone-file
 * form.  Key material is never put in an error string; PEM buffers are
 * cleansed before they are freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

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

enum auth_status dkim_privkey_load(const char *path, struct evp_pkey_st **out,
                                   char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");

    *out = NULL;
    if (!fp)
        return auth_fail(err, errlen, AUTH_EIO, "cannot read %s: %s", path, strerror(errno));
    *out = PEM_read_PrivateKey(fp, NULL, no_passphrase, NULL);
    fclose(fp);
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

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void fsync_dir(const char *path)
{
    char *copy = strdup(path);
    int fd;

    if (!copy)
        return;
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
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

enum auth_status dkim_privkey_write(struct evp_pkey_st *key, const char *path, bool force,
                                    char *err, size_t errlen)
{
    size_t tl = strlen(path) + sizeof ".tmpXXXXXX";
    char *tmp = malloc(tl), *data;
    BIO *b;
    long n;
    int fd, e;
    bool ok;

    if (!tmp)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    {
        struct stat st;            /* lstat: a dangling symlink is something too */
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
            free(tmp);
            return auth_fail(err, errlen, AUTH_EINVAL, "%s is a symbolic link: refusing to "
                             "write a key through or over it", path);
        }
        if (!force && lstat(path, &st) == 0) {
            free(tmp);
            return auth_fail(err, errlen, AUTH_EEXIST, "%s exists (use --force to replace it)",
                             path);
        }
    }
    if (!(b = pem_bio(key))) {
        free(tmp);
        return auth_fail(err, errlen, AUTH_ECRYPTO, "cannot encode the private key");
    }
    snprintf(tmp, tl, "%s.tmpXXXXXX", path);
    fd = mkstemp(tmp);                 /* mode 0600 */
    if (fd < 0) {
        e = errno;
        bio_cleanse_free(b);
        free(tmp);
        return auth_fail(err, errlen, AUTH_EIO, "cannot create a file next to %s: %s", path,
                         strerror(e));
    }
    n = BIO_get_mem_data(b, &data);
    ok = fchmod(fd, 0600) == 0 && n > 0 && write_all(fd, data, (size_t)n) && fsync(fd) == 0;
    e = errno;
    ok = close(fd) == 0 && ok;
    bio_cleanse_free(b);
    if (ok) {
        /* Without --force, link() fails if path appeared meanwhile. */
        ok = force ? rename(tmp, path) == 0 : link(tmp, path) == 0;
        e = errno;
        if (!force || !ok)
            unlink(tmp);
    } else {
        unlink(tmp);
    }
    free(tmp);
    if (!ok)
        return auth_fail(err, errlen, e == EEXIST ? AUTH_EEXIST : AUTH_EIO,
                         "cannot write %s: %s", path, strerror(e));
    fsync_dir(path);
    return AUTH_OK;
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
