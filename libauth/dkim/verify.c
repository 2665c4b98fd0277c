/*
 * verify.c - verify every DKIM-Signature of a message (RFC 6376 6).
 *
 * dkim_verify_new() parses each signature field (syntax problems become
 * that signature's permerror) and sets up one streaming body hash per
 * distinct (body canonicalisation, hash, l=); dkim_verify_body() feeds them;
 * dkim_verify_final() fetches all keys in one batch, then checks, per
 * signature: key present / parseable / not revoked / fit for a=, body hash,
 * header signature.  Each result carries a reason code and a one-line text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "auth/dns.h"
#include "auth/name.h"
#include "dkim_int.h"
#include "core/people.h"

#define MAX_HASHERS 16

struct hasher {
    enum dkim_canon canon;
    bool sha1;
    uint64_t limit;
    struct dkim_bodyhash *bh;
    unsigned char md[64];
    size_t mdlen;
    uint64_t canon_len;
    enum auth_status st;        /* first failure of this hash: its signatures are temperror */
};

struct sig {
    struct dkim_sig_result r;
    const struct msg_header *field;
    const char *value;          /* field value (after the colon) */
    size_t value_len;
    struct dkim_tags tags;
    const struct dkim_tag *b, *bh, *h;
    uint64_t l;                 /* (uint64_t)-1: no l= */
    int hasher;                 /* -1: not checkable */
    char *keyname;
};

struct dkim_verify {
    const struct msg_headers *hdrs;
    struct dkim_verify_params p;
    struct sig *s;
    size_t n;
    struct hasher h[MAX_HASHERS];
    size_t nh;
};

const char *dkim_result_name(enum dkim_result r)
{
    static const char *const names[] = { "pass", "fail", "neutral", "temperror",
                                         "permerror", "policy", "none" };
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "none";
}

static void verdict(struct sig *s, enum dkim_result res, enum dkim_reason why,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void verdict(struct sig *s, enum dkim_result res, enum dkim_reason why,
                    const char *fmt, ...)
{
    va_list ap;

    s->r.result = res;
    s->r.reason = why;
    s->hasher = -1;
    free(s->r.reason_text);
    free(s->r.reason_for_people);
    va_start(ap, fmt);
    /* on ENOMEM both stay NULL: the result itself is kept */
    auth_text_vpair(&s->r.reason_text, &s->r.reason_for_people, fmt, ap);
    va_end(ap);
}

static char *tagdup(const struct dkim_tag *t)
{
    char *s;

    if (!t)
        return NULL;
    s = malloc(t->value_len + 1);
    if (s) {
        memcpy(s, t->value, t->value_len);
        s[t->value_len] = '\0';
    }
    return s;
}

static const char *const required[] = { "v", "a", "b", "bh", "d", "h", "s" };

/* *field = a copy of text; false when out of memory (the old one stays). */
static bool replace_str(char **field, const char *text)
{
    char *c = strdup(text);

    if (!c)
        return false;
    free(*field);
    *field = c;
    return true;
}

/* d=, s= and the domain of i= as A-labels (RFC 8616 4: they may hold
 * U-labels; keys are looked up, and domains compared, as A-labels).  A
 * value that cannot be a DNS name is a permanent error: no lookup could
 * ever find its key. */
static bool names_to_alabels(struct sig *s)
{
    char a[AUTH_NAME_MAX], ia[600], err[120];
    const char *at;

    if (auth_name_to_alabel(s->r.domain, a, sizeof a, err, sizeof err) != AUTH_OK) {
        verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "d= is not a domain name: %s", err);
        return false;
    }
    if (!replace_str(&s->r.domain, a))
        goto oom;
    if (auth_selector_to_alabel(s->r.selector, a, sizeof a, err, sizeof err) != AUTH_OK) {
        verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "s= is not a selector: %s", err);
        return false;
    }
    if (!replace_str(&s->r.selector, a))
        goto oom;
    at = s->r.identity ? strrchr(s->r.identity, '@') : NULL;
    if (!at || auth_name_to_alabel(at + 1, a, sizeof a, err, sizeof err) != AUTH_OK ||
        (size_t)(at - s->r.identity) + 1 + strlen(a) + 1 > sizeof ia)
        return true;                    /* dkim_identity_within() judges it as it is */
    memcpy(ia, s->r.identity, (size_t)(at - s->r.identity) + 1);
    memcpy(ia + (at - s->r.identity) + 1, a, strlen(a) + 1);
    if (replace_str(&s->r.identity, ia))
        return true;
oom:
    verdict(s, DKIM_TEMPERROR, DKIM_R_DNS_TEMP, "out of memory");
    return false;
}

/* The body hash for these parameters: its index, -1 when MAX_HASHERS are
 * in use, -2 when a new one could not be made (*st says why). */
static int hasher_for(struct dkim_verify *v, enum dkim_canon c, bool sha1, uint64_t limit,
                      enum auth_status *st)
{
    for (size_t i = 0; i < v->nh; i++)
        if (v->h[i].canon == c && v->h[i].sha1 == sha1 && v->h[i].limit == limit)
            return (int)i;
    if (v->nh == MAX_HASHERS)
        return -1;
    *st = dkim_bodyhash_new(c, sha1 ? DKIM_RSA_SHA1 : DKIM_RSA_SHA256, limit,
                            &v->h[v->nh].bh);
    if (*st != AUTH_OK)
        return -2;
    dkim_bodyhash_set_pipeline(v->h[v->nh].bh, v->p.hash_thread_after);
    v->h[v->nh].canon = c;
    v->h[v->nh].sha1 = sha1;
    v->h[v->nh].limit = limit;
    return (int)v->nh++;
}

/* The checks on the tags alone; leaves s->hasher set when checkable. */
static void check_tags(struct dkim_verify *v, struct sig *s)
{
    const struct dkim_tags *t = &s->tags;
    const struct dkim_tag *a = dkim_tags_get(t, "a"), *c = dkim_tags_get(t, "c");
    const struct dkim_tag *q = dkim_tags_get(t, "q"), *l = dkim_tags_get(t, "l");
    const struct dkim_tag *ts = dkim_tags_get(t, "t"), *x = dkim_tags_get(t, "x");
    const struct dkim_tag *vt = dkim_tags_get(t, "v");
    unsigned long long n;
    enum auth_status st = AUTH_OK;
    int alg;

    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!dkim_tags_get(t, required[i]))
            return verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "missing %s= tag", required[i]);
    if (vt->value_len != 1 || vt->value[0] != '1')
        return verdict(s, DKIM_PERMERROR, DKIM_R_UNSUPPORTED, "unsupported version v=%.*s",
                       (int)(vt->value_len > 16 ? 16 : vt->value_len), vt->value);
    alg = dkim_alg_parse(a->value, a->value_len);
    s->r.algorithm = alg;
    if (alg < 0)
        return verdict(s, DKIM_PERMERROR, DKIM_R_UNSUPPORTED, "unknown algorithm a=%.*s",
                       (int)(a->value_len > 32 ? 32 : a->value_len), a->value);
    if (c && dkim_canon_parse(c->value, c->value_len, &s->r.header_canon,
                              &s->r.body_canon) != AUTH_OK)
        return verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "bad canonicalisation c=%.*s",
                       (int)(c->value_len > 32 ? 32 : c->value_len), c->value);
    if (q && !dkim_list_has(q->value, q->value_len, "dns/txt"))
        return verdict(s, DKIM_PERMERROR, DKIM_R_UNSUPPORTED, "unsupported query method q=");
    if (!s->r.domain || !*s->r.domain || !s->r.selector || !*s->r.selector)
        return verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "empty d= or s=");
    if (!names_to_alabels(s))
        return;
    if (!dkim_list_has(s->h->value, s->h->value_len, "from"))
        return verdict(s, DKIM_PERMERROR, DKIM_R_FROM_NOT_SIGNED, "h= does not list From");
    if (s->r.identity && !dkim_identity_within(s->r.identity, s->r.domain))
        return verdict(s, DKIM_PERMERROR, DKIM_R_IDENTITY, "i= is not within d=%s",
                       s->r.domain);
    if (l) {
        if (!dkim_tag_uint(l, &n))
            return verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "bad l= value");
        s->l = n;
        s->r.has_length = true;
    }
    if (ts) {
        if (!dkim_tag_uint(ts, &n) || n > DKIM_TIME_MAX)
            return verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "bad t= value");
        s->r.timestamp = (long long)n;
    }
    if (x) {
        if (!dkim_tag_uint(x, &n) || n > DKIM_TIME_MAX)
            return verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "bad x= value");
        s->r.expiry = (long long)n;
        if (ts && s->r.expiry < s->r.timestamp)
            return verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "x= is before t=");
        if (s->r.expiry < (long long)v->p.now)
            return verdict(s, DKIM_FAIL, DKIM_R_EXPIRED, "signature expired (x=%lld)",
                           s->r.expiry);
    }
    if (ts && s->r.timestamp > (long long)v->p.now + (long long)v->p.clock_skew)
        return verdict(s, DKIM_PERMERROR, DKIM_R_FUTURE, "t= is in the future");
    s->hasher = hasher_for(v, s->r.body_canon, alg == DKIM_RSA_SHA1, s->l, &st);
    if (s->hasher == -2)
        return verdict(s, DKIM_TEMPERROR, DKIM_R_NONE, "body hash could not be set up: %s",
                       auth_strerror(st));
    if (s->hasher < 0)
        return verdict(s, DKIM_NEUTRAL, DKIM_R_TOO_MANY,
                       "not checked: too many distinct body hashes");
}

static enum auth_status parse_sig(struct dkim_verify *v, struct sig *s,
                                  const struct msg_header *f)
{
    char err[160];
    size_t nl;

    memset(s, 0, sizeof *s);
    s->field = f;
    s->hasher = -1;
    s->l = (uint64_t)-1;
    s->r.algorithm = -1;
    s->r.result = DKIM_NEUTRAL;
    s->r.timestamp = s->r.expiry = -1;
    s->value = auth_msg_header_value(f, &s->value_len);
    if (dkim_tags_parse(s->value, s->value_len, &s->tags, err, sizeof err) != AUTH_OK) {
        verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "bad tag list: %s", err);
        return s->r.reason_text ? AUTH_OK : AUTH_ENOMEM;
    }
    s->b = dkim_tags_get(&s->tags, "b");
    s->bh = dkim_tags_get(&s->tags, "bh");
    s->h = dkim_tags_get(&s->tags, "h");
    s->r.domain = tagdup(dkim_tags_get(&s->tags, "d"));
    s->r.selector = tagdup(dkim_tags_get(&s->tags, "s"));
    s->r.identity = tagdup(dkim_tags_get(&s->tags, "i"));
    check_tags(v, s);
    if (s->hasher >= 0) {
        nl = strlen(s->r.selector) + strlen(s->r.domain) + sizeof "._domainkey.";
        s->keyname = malloc(nl);
        if (!s->keyname)
            return AUTH_ENOMEM;
        snprintf(s->keyname, nl, "%s._domainkey.%s", s->r.selector, s->r.domain);
        /* s= and d= that cannot make a DNS name are the signer's mistake, a
         * permanent one: never a lookup that "fails" (a temperror). */
        if (dns_name_check(s->keyname, err, sizeof err) != AUTH_OK) {
            free(s->keyname);
            s->keyname = NULL;
            verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "s= and d= do not form a DNS name: %s",
                    err);
            return s->r.reason_text ? AUTH_OK : AUTH_ENOMEM;
        }
    }
    return AUTH_OK;
}

/* Verification runs with libauth's messages in English (core/people.h):
 * the reasons go into Authentication-Results, and the key store they come
 * from is shared; verdict() makes the people's copy of each reason. */
static enum auth_status verify_new(const struct dkim_verify_params *p,
                                   const struct msg_headers *hdrs, struct dkim_verify **out)
{
    struct dkim_verify *v = calloc(1, sizeof *v);
    size_t count = auth_msg_headers_count(hdrs), nsig = 0;

    *out = NULL;
    if (!v)
        return AUTH_ENOMEM;
    v->hdrs = hdrs;
    if (p)
        v->p = *p;
    if (!v->p.now)
        v->p.now = time(NULL);
    if (!v->p.clock_skew)
        v->p.clock_skew = 300;
    for (size_t i = 0; i < count; i++)
        nsig += auth_msg_header_name_is(auth_msg_headers_get(hdrs, i), "DKIM-Signature", 14);
    v->s = calloc(nsig ? nsig : 1, sizeof *v->s);
    if (!v->s) {
        free(v);
        return AUTH_ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        const struct msg_header *f = auth_msg_headers_get(hdrs, i);
        struct sig *s = &v->s[v->n];

        if (!auth_msg_header_name_is(f, "DKIM-Signature", 14))
            continue;
        v->n++;
        if (v->n > DKIM_MAX_SIGNATURES) {
            memset(s, 0, sizeof *s);
            s->r.algorithm = -1;
            s->r.timestamp = s->r.expiry = -1;
            verdict(s, DKIM_NEUTRAL, DKIM_R_TOO_MANY, "not checked: more than %d signatures",
                    DKIM_MAX_SIGNATURES);
        } else if (parse_sig(v, s, f) != AUTH_OK) {
            dkim_verify_free(v);
            return AUTH_ENOMEM;
        }
    }
    *out = v;
    return AUTH_OK;
}

enum auth_status dkim_verify_new(const struct dkim_verify_params *p,
                                 const struct msg_headers *hdrs, struct dkim_verify **out)
{
    enum auth_status st;

    auth_english_begin();
    st = verify_new(p, hdrs, out);
    auth_english_end();
    return st;
}

enum auth_status dkim_verify_body(struct dkim_verify *v, const void *data, size_t len)
{
    enum auth_status first = AUTH_OK;

    for (size_t i = 0; i < v->nh; i++) {
        struct hasher *h = &v->h[i];
        if (h->st == AUTH_OK)
            h->st = dkim_bodyhash_update(h->bh, data, len);
        if (first == AUTH_OK)
            first = h->st;
    }
    return first;
}

/* Key checks; returns the key or NULL after setting the verdict. */
static const struct dkim_key *key_for(struct dkim_keystore *ks, struct sig *s)
{
    const struct dkim_key *k;
    const char *why;
    enum auth_status st = dkim_keystore_get(ks, s->keyname, &k, &why);
    enum dkim_alg alg = (enum dkim_alg)s->r.algorithm;
    enum dkim_reason kr;
    char text[160];

    /* Only a definite answer about the record is permanent; DNS trouble and
     * local failures (memory, crypto, a full store) are temperror. */
    if (st == AUTH_ENOTFOUND)
        return verdict(s, DKIM_PERMERROR, DKIM_R_KEY_NOT_FOUND, "no key at %s: %s",
                       s->keyname, why), NULL;
    if (st == AUTH_EPARSE)
        return verdict(s, DKIM_PERMERROR, DKIM_R_KEY_SYNTAX, "bad key record at %s: %s",
                       s->keyname, why), NULL;
    if (st == AUTH_ETIMEOUT || st == AUTH_ETEMP)
        return verdict(s, DKIM_TEMPERROR, DKIM_R_DNS_TEMP, "%s", why), NULL;
    if (st != AUTH_OK)
        return verdict(s, DKIM_TEMPERROR, DKIM_R_NONE, "key for %s unavailable: %s%s%s",
                       s->keyname, auth_strerror(st), *why ? ": " : "", why), NULL;
    s->r.key_bits = dkim_key_bits(k);
    s->r.testing = dkim_key_testing(k);
    if ((kr = dkim_key_check(k, alg, text, sizeof text)) != DKIM_R_NONE)
        return verdict(s, DKIM_PERMERROR, kr, "%s%s%s", text,
                       kr == DKIM_R_KEY_REVOKED ? " at " : "",
                       kr == DKIM_R_KEY_REVOKED ? s->keyname : ""), NULL;
    if (dkim_key_strict(k) && s->r.identity) {
        const char *at = strrchr(s->r.identity, '@');
        if (!at || strcasecmp(at + 1, s->r.domain) != 0)
            return verdict(s, DKIM_PERMERROR, DKIM_R_IDENTITY,
                           "key has t=s but i= is a subdomain of d="), NULL;
    }
    return k;
}

static void check_sig(struct dkim_verify *v, struct dkim_keystore *ks, struct sig *s)
{
    struct hasher *h = &v->h[s->hasher];
    enum dkim_alg alg = (enum dkim_alg)s->r.algorithm;
    const struct dkim_key *k = key_for(ks, s);
    unsigned char bh[64], md[64], *sig;
    size_t bhlen, siglen;
    unsigned int mdlen = 0;
    enum auth_status st;

    if (h->st != AUTH_OK)
        return verdict(s, DKIM_TEMPERROR, DKIM_R_NONE, "body hash could not be computed: %s",
                       auth_strerror(h->st));
    if (!k)
        return;
    bhlen = dkim_b64_decode(s->bh->value, s->bh->value_len, bh, sizeof bh);
    s->r.body_hash_ok = bhlen == h->mdlen && CRYPTO_memcmp(bh, h->md, bhlen) == 0;
    if (s->l != (uint64_t)-1 && s->l > h->canon_len)
        return verdict(s, DKIM_FAIL, DKIM_R_LENGTH, "l=%llu is longer than the body (%llu)",
                       (unsigned long long)s->l, (unsigned long long)h->canon_len);
    if (s->l != (uint64_t)-1)
        s->r.unsigned_body_bytes = h->canon_len - s->l;
    if (!s->r.body_hash_ok)
        return verdict(s, DKIM_FAIL, DKIM_R_BODY_HASH, "body hash mismatch (bh=)");
    siglen = s->b->value_len * 3 / 4 + 3;
    sig = malloc(siglen);
    if (!sig)
        return verdict(s, DKIM_TEMPERROR, DKIM_R_NONE, "out of memory");
    siglen = dkim_b64_decode(s->b->value, s->b->value_len, sig, siglen);
    st = dkim_header_digest(v->hdrs, alg, s->r.header_canon, s->h->value, s->h->value_len,
                            s->field->raw, s->field->raw_len,
                            s->field->value_off + s->b->raw_value_off,
                            s->field->value_off + s->b->raw_value_end, md, &mdlen);
    if (st != AUTH_OK)
        verdict(s, DKIM_TEMPERROR, DKIM_R_NONE, "header hash failed: %s", auth_strerror(st));
    else if (siglen == (size_t)-1)
        verdict(s, DKIM_PERMERROR, DKIM_R_SYNTAX, "b= is not valid base64");
    else if (!dkim_key_verify(k, alg, md, mdlen, sig, siglen))
        verdict(s, DKIM_FAIL, DKIM_R_SIGNATURE, "signature does not verify (b=)");
    else if (alg == DKIM_RSA_SHA1) {
        verdict(s, DKIM_PASS, DKIM_R_NONE, "rsa-sha1 is weak (RFC 8301)");
        s->r.weak = true;
    } else {
        s->r.result = DKIM_PASS;
        s->r.reason = DKIM_R_NONE;
    }
    free(sig);
}

enum auth_status dkim_verify_final(struct dkim_verify *v, struct dkim_keystore *ks)
{
    const char **names = calloc(v->n ? v->n : 1, sizeof *names);
    size_t nn = 0;

    if (!names)
        return AUTH_ENOMEM;
    for (size_t i = 0; i < v->nh; i++) {
        struct hasher *h = &v->h[i];
        if (h->st == AUTH_OK)
            h->st = dkim_bodyhash_final(h->bh, h->md, &h->mdlen, &h->canon_len);
    }
    for (size_t i = 0; i < v->n; i++)
        if (v->s[i].keyname && v->s[i].hasher >= 0)
            names[nn++] = v->s[i].keyname;
    /* A failed fetch leaves the names it could not store without an entry
     * or with a temporary status; dkim_keystore_get reports each as such,
     * so every signature gets its own temperror below. */
    auth_english_begin();           /* see verify_new() */
    auth_status_ignore(dkim_keystore_fetch(ks, names, nn));
    free(names);
    for (size_t i = 0; i < v->n; i++)
        if (v->s[i].hasher >= 0)
            check_sig(v, ks, &v->s[i]);
    auth_english_end();
    return AUTH_OK;
}

size_t dkim_verify_count(const struct dkim_verify *v)
{
    return v->n;
}

const struct dkim_sig_result *dkim_verify_result(const struct dkim_verify *v, size_t i)
{
    return i < v->n ? &v->s[i].r : NULL;
}

enum dkim_result dkim_verify_overall(const struct dkim_verify *v)
{
    bool temp = false;

    if (!v->n)
        return DKIM_NONE;
    for (size_t i = 0; i < v->n; i++) {
        if (v->s[i].r.result == DKIM_PASS)
            return DKIM_PASS;
        temp |= v->s[i].r.result == DKIM_TEMPERROR;
    }
    return temp ? DKIM_TEMPERROR : v->s[0].r.result;
}

void dkim_verify_free(struct dkim_verify *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        free(v->s[i].r.domain);
        free(v->s[i].r.selector);
        free(v->s[i].r.identity);
        free(v->s[i].r.reason_text);
        free(v->s[i].r.reason_for_people);
        free(v->s[i].keyname);
    }
    for (size_t i = 0; i < v->nh; i++)
        dkim_bodyhash_free(v->h[i].bh);
    free(v->s);
    free(v);
}
