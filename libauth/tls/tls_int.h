/*
 * tls_int.h - internals shared by the files of libauth/tls.
 */
#ifndef LIBAUTH_TLS_INT_H
#define LIBAUTH_TLS_INT_H

#include <openssl/ssl.h>

#include "auth/tls.h"

struct tls_ctx {
    SSL_CTX *ssl;
    bool report_only;
};

struct tls_session {
    SSL *ssl;
    int fd;
};

/* The most recent OpenSSL error queued (the queue is emptied), or fallback. */
const char *tls_openssl_error(char *buf, size_t len, const char *fallback);

/* Fill facts from an established (or verification-failed) connection. */
void tls_facts_fill(SSL *ssl, struct tls_facts *f);

#endif
