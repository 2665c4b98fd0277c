/*
 * reverify.c - verify a chain a handshake already showed again, offline,
 * for another peer name: what the handshake's verification would have said
 * had that name been asked (same trust anchors, same RFC 6125 name rules).
 * A probe shared by every MX name on one address uses it to judge each
 * name the address serves.  No I/O: the anchors are the context's.
 */
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>

#include "auth/ipaddr.h"
#include "tls/tls_int.h"

static X509 *der_cert(const struct tls_facts *f, size_t i)
{
    const unsigned char *p = f->chain_der[i];

    if (f->chain_len[i] > 1L << 20)
        return NULL;
    return d2i_X509(NULL, &p, (long)f->chain_len[i]);
}

/* The name to check, as the handshake sets it (session.c set_peer_name). */
static bool set_name(X509_VERIFY_PARAM *vp, const char *name)
{
    struct auth_ip ip;

    if (auth_ip_parse(name, &ip) == AUTH_OK)
        return X509_VERIFY_PARAM_set1_ip_asc(vp, name) == 1;
    X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return X509_VERIFY_PARAM_set1_host(vp, name, 0) == 1;
}

static bool verify_chain(struct tls_ctx *ctx, X509 *leaf, STACK_OF(X509) *rest,
                         const char *peer_name, char *why, size_t whylen)
{
    X509_STORE_CTX *sc = X509_STORE_CTX_new();
    bool ok = false;

    if (!sc || X509_STORE_CTX_init(sc, SSL_CTX_get_cert_store(ctx->ssl), leaf, rest) != 1 ||
        X509_STORE_CTX_set_default(sc, "ssl_server") != 1 ||
        (peer_name && !set_name(X509_STORE_CTX_get0_param(sc), peer_name))) {
        snprintf(why, whylen, "cannot set up the verification");
    } else if (X509_verify_cert(sc) == 1) {
        ok = true;
        snprintf(why, whylen, "%s", "");
    } else {
        snprintf(why, whylen, "%s",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(sc)));
    }
    X509_STORE_CTX_free(sc);
    return ok;
}

bool auth_tls_facts_verify_name(struct tls_ctx *ctx, const struct tls_facts *facts,
                           const char *peer_name, char *why, size_t whylen)
{
    STACK_OF(X509) *rest = sk_X509_new_null();
    X509 *leaf = facts->nchain ? der_cert(facts, 0) : NULL;
    bool ok = false;

    if (!leaf || !rest)
        snprintf(why, whylen, "%s", leaf ? "out of memory" : "no peer certificate");
    else {
        for (size_t i = 1; i < facts->nchain; i++) {
            X509 *c = der_cert(facts, i);
            if (c && !sk_X509_push(rest, c))
                X509_free(c);
        }
        ok = verify_chain(ctx, leaf, rest, peer_name, why, whylen);
    }
    sk_X509_pop_free(rest, X509_free);
    X509_free(leaf);
    ERR_clear_error();
    return ok;
}
