/*
 * sign.c - make one DKIM-Signature (rsa-sha256 or ed25519-sha256).
 *
 * The body is hashed as it streams in; at the end the signature field is
 * built with an empty b=, hashed with the chosen header fields exactly as a
 * verifier will (crypto.c), signed, and b= filled in.  Lines are folded
 * below 78 columns; the b= value is folded too (FWS inside b= is ignored by
 * verifiers).  Default h=: the usual identity and content fields present in
 * the message, each as many times as it occurs, with From listed once more
 * (over-signed) so a From added later breaks the signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dns.h"
#include "dkim_int.h"

static const char *const default_headers[] = {
    "from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id",
    "in-reply-to", "references", "mime-version", "content-type",
    "content-transfer-encoding", "content-disposition", "list-id", "list-unsubscribe",
};

struct dkim_sign {
    struct dkim_sign_params p;
    const struct msg_headers *hdrs;
    enum dkim_alg alg;
    struct dkim_bodyhash *bh;
    struct dkim_buf h;            /* h= value */
};

void dkim_default_headers(const struct msg_headers *hdrs, struct dkim_buf *out)
{
    size_t n = auth_msg_headers_count(hdrs);

    for (size_t d = 0; d < sizeof default_headers / sizeof default_headers[0]; d++) {
        const char *name = default_headers[d];
        size_t nl = strlen(name), times = 0;

        for (size_t i = 0; i < n; i++)
            times += auth_msg_header_name_is(auth_msg_headers_get(hdrs, i), name, nl);
        if (d == 0)
            times++;
        while (times--) {
            if (out->len)
                dkim_buf_add(out, ":", 1);
            dkim_buf_add(out, name, nl);
        }
    }
}

/* h= from the default set: every occurrence, From once more. */
static void default_h(struct dkim_sign *s)
{
    dkim_default_headers(s->hdrs, &s->h);
}

static enum auth_status pick_alg(const struct dkim_sign_params *p, enum dkim_alg *alg,
                                 char *err, size_t errlen)
{
    unsigned bits = 0;
    int type = dkim_pkey_type(p->key, &bits);

    if (type < 0)
        return auth_fail(err, errlen, AUTH_EINVAL, "the key is neither RSA nor Ed25519");
    if (p->algorithm < 0)
        *alg = type == DKIM_KEY_ED25519 ? DKIM_ED25519_SHA256 : DKIM_RSA_SHA256;
    else
        *alg = (enum dkim_alg)p->algorithm;
    if (*alg == DKIM_RSA_SHA1)
        return auth_fail(err, errlen, AUTH_EINVAL, "rsa-sha1 is not used for signing (RFC 8301)");
    if ((type == DKIM_KEY_ED25519) != (*alg == DKIM_ED25519_SHA256))
        return auth_fail(err, errlen, AUTH_EINVAL, "a %s key cannot make %s signatures",
                         type == DKIM_KEY_ED25519 ? "Ed25519" : "RSA", dkim_alg_name(*alg));
    if (type == DKIM_KEY_RSA && bits < 1024)
        return auth_fail(err, errlen, AUTH_EINVAL, "RSA key of %u bits is under 1024", bits);
    return AUTH_OK;
}

enum auth_status dkim_sign_check_key(const struct dkim_sign_params *p, char *err,
                                     size_t errlen)
{
    enum dkim_alg alg;

    if (!p->key)
        return auth_fail(err, errlen, AUTH_EINVAL, "no key");
    return pick_alg(p, &alg, err, errlen);
}

/* A header field name (RFC 5322 3.6.8: printable US-ASCII but ':'). */
static bool field_name_ok(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 33 || s[i] > 126 || s[i] == ':')
            return false;
    return true;
}

/* h= from a list given by the caller, names separated by ':' or ','. */
static enum auth_status given_h(struct dkim_sign *s, const char *list, char *err,
                                size_t errlen)
{
    for (const char *p = list;;) {
        size_t n = strcspn(p, ":,");
        if (!field_name_ok(p, n))
            return auth_fail(err, errlen, AUTH_EINVAL, "bad header field name '%.*s' in the "
                             "signed headers list", (int)(n > 60 ? 60 : n), p);
        if (s->h.len)
            dkim_buf_add(&s->h, ":", 1);
        dkim_buf_add(&s->h, p, n);
        if (!p[n])
            return AUTH_OK;
        p += n + 1;
    }
}

static bool has_field(const struct msg_headers *h, const char *name)
{
    for (size_t i = 0; i < auth_msg_headers_count(h); i++)
        if (auth_msg_header_name_is(auth_msg_headers_get(h, i), name, strlen(name)))
            return true;
    return false;
}

enum auth_status dkim_sign_new(const struct dkim_sign_params *p,
                               const struct msg_headers *hdrs,
                               struct dkim_sign **out, char *err, size_t errlen)
{
    struct dkim_sign *s;
    enum auth_status st;

    *out = NULL;
    if (!p->domain || !*p->domain || !p->selector || !*p->selector || !p->key)
        return auth_fail(err, errlen, AUTH_EINVAL, "domain, selector and key are required");
    /* d= and s= go into the header as they are: nothing but DNS names. */
    if ((st = dns_ldh_name_check("domain", p->domain, 1, NULL, err, errlen)) != AUTH_OK ||
        (st = dns_ldh_name_check("selector", p->selector, 1, NULL, err, errlen)) != AUTH_OK)
        return st;
    s = calloc(1, sizeof *s);
    if (!s)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    s->p = *p;
    s->hdrs = hdrs;
    if (!s->p.timestamp)
        s->p.timestamp = time(NULL);      /* t= fixed now so x= can be checked */
    s->h.max = 65536;
    st = pick_alg(p, &s->alg, err, errlen);
    /* Neither may an i= outside d=. */
    if (st == AUTH_OK && p->identity && !dkim_identity_within(p->identity, p->domain))
        st = auth_fail(err, errlen, AUTH_EINVAL, "i= must be d= (%s) or a subdomain of it",
                       p->domain);
    /* An x= the verifier would reject as malformed would make a signature
     * that can never pass. */
    if (st == AUTH_OK && s->p.expire_after && s->p.timestamp != -1 &&
        (unsigned long long)s->p.timestamp + s->p.expire_after > DKIM_TIME_MAX)
        st = auth_fail(err, errlen, AUTH_EINVAL, "x= would be past %llu (t=%lld + %lu)",
                       DKIM_TIME_MAX, (long long)s->p.timestamp, s->p.expire_after);
    /* A message without From is not a message (RFC 5322 3.6): signing it
     * would claim a From that is not there (h=from over nothing). */
    if (st == AUTH_OK && !has_field(hdrs, "from"))
        st = auth_fail(err, errlen, AUTH_EINVAL, "the message has no From header field");
    if (st == AUTH_OK) {
        if (p->headers && *p->headers)
            st = given_h(s, p->headers, err, errlen);
        else
            default_h(s);
    }
    if (st == AUTH_OK && s->h.failed)
        st = auth_fail(err, errlen, AUTH_ELIMIT, "the signed headers list is too long");
    if (st == AUTH_OK && !dkim_list_has(s->h.p, s->h.len, "from"))
        st = auth_fail(err, errlen, AUTH_EINVAL, "the signed headers must include From");
    if (st == AUTH_OK &&
        dkim_bodyhash_new(p->body_canon, s->alg, (uint64_t)-1, &s->bh) != AUTH_OK)
        st = auth_fail(err, errlen, AUTH_ECRYPTO, "cannot start the body hash");
    if (st == AUTH_OK)
        dkim_bodyhash_set_pipeline(s->bh, p->hash_thread_after);
    if (st != AUTH_OK) {
        dkim_sign_free(s);
        return st;
    }
    *out = s;
    return AUTH_OK;
}

enum auth_status dkim_sign_body(struct dkim_sign *s, const void *data, size_t len)
{
    return dkim_bodyhash_update(s->bh, data, len);
}

/* Append "tag=value;" folding before it when the line would pass 76. */
static void add_tag(struct dkim_buf *b, size_t *col, const char *eol, const char *tag,
                    const char *value, bool last)
{
    size_t need = strlen(tag) + 1 + strlen(value) + 2;

    if (*col + need > 76) {
        dkim_buf_adds(b, eol);
        dkim_buf_add(b, "\t", 1);
        *col = 8;
    } else {
        dkim_buf_add(b, " ", 1);
        (*col)++;
    }
    dkim_buf_adds(b, tag);
    dkim_buf_add(b, "=", 1);
    dkim_buf_adds(b, value);
    if (!last)
        dkim_buf_add(b, ";", 1);
    *col += need - 1;
}

/* h= may be long: fold it at colons. */
static void add_h(struct dkim_buf *b, size_t *col, const char *eol, const char *h)
{
    dkim_buf_adds(b, eol);
    dkim_buf_adds(b, "\th=");
    *col = 10;
    for (const char *p = h; *p;) {
        const char *c = strchr(p, ':');
        size_t n = c ? (size_t)(c - p) + 1 : strlen(p);
        if (*col + n > 76) {
            dkim_buf_adds(b, eol);
            dkim_buf_add(b, "\t ", 2);
            *col = 9;
        }
        dkim_buf_add(b, p, n);
        *col += n;
        p += n;
    }
    dkim_buf_add(b, ";", 1);
}

/* The field up to and including "b=" (the value comes after signing). */
static void build_field(struct dkim_sign *s, struct dkim_buf *b, const char *bh64,
                        unsigned long long canon_len)
{
    const char *eol = s->p.crlf ? "\r\n" : "\n";
    char num[32], canon[32];
    size_t col = 15;
    time_t t = s->p.timestamp;

    dkim_buf_adds(b, "DKIM-Signature:");
    add_tag(b, &col, eol, "v", "1", false);
    add_tag(b, &col, eol, "a", dkim_alg_name(s->alg), false);
    snprintf(canon, sizeof canon, "%s/%s", dkim_canon_name(s->p.header_canon),
             dkim_canon_name(s->p.body_canon));
    add_tag(b, &col, eol, "c", canon, false);
    add_tag(b, &col, eol, "d", s->p.domain, false);
    add_tag(b, &col, eol, "s", s->p.selector, false);
    if (s->p.identity)
        add_tag(b, &col, eol, "i", s->p.identity, false);
    if (s->p.timestamp != -1) {
        snprintf(num, sizeof num, "%lld", (long long)t);
        add_tag(b, &col, eol, "t", num, false);
        if (s->p.expire_after) {
            snprintf(num, sizeof num, "%lld", (long long)t + (long long)s->p.expire_after);
            add_tag(b, &col, eol, "x", num, false);
        }
    }
    if (s->p.body_length) {
        snprintf(num, sizeof num, "%llu", canon_len);
        add_tag(b, &col, eol, "l", num, false);
    }
    add_tag(b, &col, eol, "bh", bh64, false);
    add_h(b, &col, eol, s->h.p);
    dkim_buf_adds(b, eol);
    dkim_buf_adds(b, "\tb=");
}

/* Append the b= value folded in 70-column pieces, then the line end. */
static void add_b(struct dkim_buf *b, const char *b64, const char *eol)
{
    size_t n = strlen(b64), first = 66;

    for (size_t i = 0; i < n;) {
        size_t take = n - i < first ? n - i : first;
        if (i) {
            dkim_buf_adds(b, eol);
            dkim_buf_add(b, "\t ", 2);
        }
        dkim_buf_add(b, b64 + i, take);
        i += take;
        first = 70;
    }
    dkim_buf_adds(b, eol);
}

enum auth_status dkim_sign_final(struct dkim_sign *s, char **header, char *err, size_t errlen)
{
    unsigned char bh[64], md[64], *sig = NULL;
    size_t bhlen, siglen;
    unsigned int mdlen;
    uint64_t canon_len;
    char *bh64 = NULL, *b64 = NULL;
    struct dkim_buf f = { .max = 1 << 20 };
    enum auth_status st;

    *header = NULL;
    if (dkim_bodyhash_final(s->bh, bh, &bhlen, &canon_len) != AUTH_OK ||
        !(bh64 = dkim_b64_encode(bh, bhlen)))
        return auth_fail(err, errlen, AUTH_ECRYPTO, "body hash failed");
    build_field(s, &f, bh64, (unsigned long long)canon_len);
    free(bh64);
    if (f.failed) {
        dkim_buf_free(&f);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    /* The field as hashed: value of b= empty, no final line end. */
    st = dkim_header_digest(s->hdrs, s->alg, s->p.header_canon, s->h.p, s->h.len,
                            f.p, f.len, f.len, f.len, md, &mdlen);
    if (st == AUTH_OK)
        st = dkim_digest_sign(s->p.key, s->alg, md, mdlen, &sig, &siglen);
    if (st == AUTH_OK && !(b64 = dkim_b64_encode(sig, siglen)))
        st = AUTH_ENOMEM;
    free(sig);
    if (st != AUTH_OK) {
        dkim_buf_free(&f);
        return auth_fail(err, errlen, st, "signing failed: %s", auth_strerror(st));
    }
    add_b(&f, b64, s->p.crlf ? "\r\n" : "\n");
    free(b64);
    if (f.failed) {
        dkim_buf_free(&f);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    *header = f.p;
    return AUTH_OK;
}

void dkim_sign_free(struct dkim_sign *s)
{
    if (!s)
        return;
    dkim_bodyhash_free(s->bh);
    dkim_buf_free(&s->h);
    free(s);
}
