/*
 * ctx.c - TLS client contexts: trust anchors (system store or a CA file that
 * replaces it), protocol bounds, and the monotonic clock used for deadlines.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <time.h>

#include "tls/tls_int.h"

uint64_t auth_tls_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The last OpenSSL error as text, or fallback when the queue is empty. */
const char *tls_openssl_error(char *buf, size_t len, const char *fallback)
{
    unsigned long e, last = 0;

    while ((e = ERR_get_error()) != 0)
        last = e;
    if (!last)
        return fallback;
    ERR_error_string_n(last, buf, len);
    return buf;
}

static enum auth_status load_trust(SSL_CTX *ssl, const char *ca_file, char *err, size_t errlen)
{
    char ebuf[200];

    if (!ca_file) {
        if (SSL_CTX_set_default_verify_paths(ssl) != 1)
            return auth_fail(err, errlen, AUTH_ECRYPTO, "cannot load the system trust store: %s",
                             tls_openssl_error(ebuf, sizeof ebuf, "unknown error"));
        return AUTH_OK;
    }
    /* Only the file: the system store is replaced, not extended. */
    if (SSL_CTX_load_verify_locations(ssl, ca_file, NULL) != 1)
        return auth_fail(err, errlen, AUTH_EIO, "cannot load CA file '%s': %s", ca_file,
                         tls_openssl_error(ebuf, sizeof ebuf, "no certificate in it"));
    return AUTH_OK;
}

enum auth_status auth_tls_ctx_new(const struct tls_params *params, struct tls_ctx **out,
                             char *err, size_t errlen)
{
    static const struct tls_params defaults;
    struct tls_ctx *ctx;
    enum auth_status st;

    if (!params)
        params = &defaults;
    *out = NULL;
    ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    ctx->report_only = params->report_only;
    ctx->ssl = SSL_CTX_new(TLS_client_method());
    if (!ctx->ssl) {
        free(ctx);
        return auth_fail(err, errlen, AUTH_ECRYPTO, "SSL_CTX_new failed");
    }
    /* Peers that close without close_notify (common after QUIT) are EOF. */
    SSL_CTX_set_options(ctx->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(ctx->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (params->legacy &&
        (SSL_CTX_set_cipher_list(ctx->ssl, "DEFAULT:@SECLEVEL=0") != 1 ||
         (!params->min_version && !SSL_CTX_set_min_proto_version(ctx->ssl, TLS1_VERSION)))) {
        auth_tls_ctx_free(ctx);
        return auth_fail(err, errlen, AUTH_ECRYPTO, "cannot enable legacy TLS for probing");
    }
    if ((params->min_version && !SSL_CTX_set_min_proto_version(ctx->ssl, params->min_version)) ||
        (params->max_version && !SSL_CTX_set_max_proto_version(ctx->ssl, params->max_version))) {
        auth_tls_ctx_free(ctx);
        return auth_fail(err, errlen, AUTH_EINVAL, "unsupported TLS version bound");
    }
    st = load_trust(ctx->ssl, params->ca_file, err, errlen);
    if (st != AUTH_OK) {
        auth_tls_ctx_free(ctx);
        return st;
    }
    *out = ctx;
    return AUTH_OK;
}

void auth_tls_ctx_free(struct tls_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ssl);
    free(ctx);
}
