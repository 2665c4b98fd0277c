/*
 * verify.c - ARC chain validation (RFC 8617 5.2).
 *
 * arc_verify_new() parses the chain and decides what needs no key: no ARC
 * fields (none); the newest seal saying cv=fail (step 2); a broken
 * structure or cv= sequence (step 3); malformed seals or a malformed newest
 * AMS.  Otherwise one body hash per distinct (canonicalisation, l=) of the
 * AMSs is set up and fed by arc_verify_body().  arc_verify_final() fetches
 * every key of the chain in one batch, checks the newest AMS (step 4),
 * every AMS below it for oldest-pass (step 5) and every seal (step 6).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "arc_int.h"
#include "core/people.h"

#define MAX_HASHERS 8

struct per_set {                  /* checks of one instance */
    struct arc_set_result r;
    int alg_ams, alg_as;
    enum dkim_canon hc, bc;
    uint64_t l;
    int hasher;                   /* -1: AMS not checkable */
    bool as_ok;                   /* seal syntax fine */
    char *key_ams, *key_as;       /* "s._domainkey.d" */
    char why_ams[200], why_as[200];
};

struct hasher {
    enum dkim_canon canon;
    uint64_t limit;
    struct dkim_bodyhash *bh;
    unsigned char md[64];
    size_t mdlen;
    uint64_t canon_len;
};

struct arc_verify {
    const struct msg_headers *hdrs;
    struct arc_chain c;
    struct per_set *ps;           /* [0..newest], [0] unused */
    struct arc_set_result *list;  /* sets found, in instance order */
    size_t nlist;
    struct hasher h[MAX_HASHERS];
    size_t nh;
    enum arc_result result;
    bool decided, temperror;
    unsigned oldest_pass;
    char reason[256];               /* English: for the headers and JSON */
    char reason_for_people[256];    /* the same in the user's language */
};

const char *arc_result_name(enum arc_result r)
{
    return r == ARC_PASS ? "pass" : r == ARC_FAIL ? "fail" : "none";
}

static void decide(struct arc_verify *v, enum arc_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void decide(struct arc_verify *v, enum arc_result r, const char *fmt, ...)
{
    va_list ap;

    v->result = r;
    v->decided = true;
    if (fmt) {
        va_list again;

        va_start(ap, fmt);
        va_copy(again, ap);
        vsnprintf(v->reason, sizeof v->reason, fmt, ap);
        vsnprintf(v->reason_for_people, sizeof v->reason_for_people, auth_people_text(fmt),
                  again);
        va_end(again);
        va_end(ap);
    }
}

/* A fail for one field of set i: why in English in the reason, translated
 * (when it is one of the catalog's) in the copy for people. */
static void decide_field(struct arc_verify *v, const char *field, unsigned i, const char *why)
{
    decide(v, ARC_FAIL, "%s i=%u: %s", field, i, why);
    snprintf(v->reason_for_people, sizeof v->reason_for_people, "%s i=%u: %s", field, i,
             auth_people_text(why));
}

/* d= or s= for reporting: only when it is a domain name, so what the
 * caller prints or puts in JSON is never raw header bytes. */
static char *tagdup(const struct dkim_tag *t)
{
    char *s;

    if (!t || !arc_domain_ok(t->value, t->value_len) || !(s = malloc(t->value_len + 1)))
        return NULL;
    memcpy(s, t->value, t->value_len);
    s[t->value_len] = '\0';
    return s;
}

static char *keyname(const struct dkim_tags *t)
{
    const struct dkim_tag *d = dkim_tags_get(t, "d"), *s = dkim_tags_get(t, "s");
    size_t n = d->value_len + s->value_len + sizeof "._domainkey.";
    char *k = malloc(n);

    if (k)
        snprintf(k, n, "%.*s._domainkey.%.*s", (int)s->value_len, s->value,
                 (int)d->value_len, d->value);
    return k;
}

/* Tags both signatures share: a=, d=, s=, t=.  Returns the algorithm or -1
 * with why set. */
static int common_tags(const struct dkim_tags *t, const char *const *required, size_t nreq,
                       char *why, size_t whylen)
{
    const struct dkim_tag *a, *d, *s, *ts;
    unsigned long long n;
    int alg;

    for (size_t i = 0; i < nreq; i++)
        if (!dkim_tags_get(t, required[i]))
            return snprintf(why, whylen, "missing %s= tag", required[i]), -1;
    a = dkim_tags_get(t, "a");
    alg = dkim_alg_parse(a->value, a->value_len);
    if (alg != DKIM_RSA_SHA256 && alg != DKIM_ED25519_SHA256) {
        char shown[33];
        size_t len = a->value_len < 32 ? a->value_len : 32;
        for (size_t i = 0; i < len; i++)    /* header bytes: printable only */
            shown[i] = a->value[i] > 0x20 && a->value[i] < 0x7f ? a->value[i] : '?';
        shown[len] = '\0';
        return snprintf(why, whylen, "algorithm a=%s is not rsa-sha256 or ed25519-sha256",
                        shown), -1;
    }
    d = dkim_tags_get(t, "d");
    s = dkim_tags_get(t, "s");
    if (!arc_domain_ok(d->value, d->value_len) || !arc_domain_ok(s->value, s->value_len))
        return snprintf(why, whylen, "d= or s= is not a domain name"), -1;
    ts = dkim_tags_get(t, "t");
    if (ts && !dkim_tag_uint(ts, &n))
        return snprintf(why, whylen, "bad t= value"), -1;
    return alg;
}

static const char *const ams_required[] = { "i", "a", "b", "bh", "d", "s", "h" };
static const char *const as_required[] = { "i", "a", "b", "cv", "d", "s" };

static int hasher_for(struct arc_verify *v, enum dkim_canon c, uint64_t limit)
{
    for (size_t i = 0; i < v->nh; i++)
        if (v->h[i].canon == c && v->h[i].limit == limit)
            return (int)i;
    if (v->nh == MAX_HASHERS ||
        dkim_bodyhash_new(c, DKIM_RSA_SHA256, limit, &v->h[v->nh].bh) != AUTH_OK)
        return -1;
    v->h[v->nh].canon = c;
    v->h[v->nh].limit = limit;
    return (int)v->nh++;
}

/* AMS tags of instance i: sets p->hasher when checkable. */
static enum auth_status check_ams_tags(struct arc_verify *v, unsigned i)
{
    struct per_set *p = &v->ps[i];
    const struct dkim_tags *t = &v->c.set[i]->m[ARC_AMS].tags;
    const struct dkim_tag *c, *l, *h;
    unsigned long long n;

    p->alg_ams = common_tags(t, ams_required, sizeof ams_required / sizeof *ams_required,
                             p->why_ams, sizeof p->why_ams);
    if (p->alg_ams < 0)
        return AUTH_OK;
    c = dkim_tags_get(t, "c");
    if (c && dkim_canon_parse(c->value, c->value_len, &p->hc, &p->bc) != AUTH_OK) {
        snprintf(p->why_ams, sizeof p->why_ams, "%s", N_("bad canonicalisation c="));
        return AUTH_OK;
    }
    h = dkim_tags_get(t, "h");
    if (dkim_list_has(h->value, h->value_len, "arc-seal")) {
        snprintf(p->why_ams, sizeof p->why_ams, "%s",
                 N_("h= lists ARC-Seal (RFC 8617 4.1.2)"));
        return AUTH_OK;
    }
    l = dkim_tags_get(t, "l");
    p->l = (uint64_t)-1;
    if (l) {
        if (!dkim_tag_uint(l, &n)) {
            snprintf(p->why_ams, sizeof p->why_ams, "%s", N_("bad l= value"));
            return AUTH_OK;
        }
        p->l = n;
    }
    p->hasher = hasher_for(v, p->bc, p->l);
    if (p->hasher < 0) {
        snprintf(p->why_ams, sizeof p->why_ams, "%s",
                 N_("not checked: too many distinct body hashes"));
        return AUTH_OK;
    }
    p->key_ams = keyname(t);
    return p->key_ams ? AUTH_OK : AUTH_ENOMEM;
}

static enum auth_status check_as_tags(struct arc_verify *v, unsigned i)
{
    struct per_set *p = &v->ps[i];
    const struct dkim_tags *t = &v->c.set[i]->m[ARC_AS].tags;

    p->alg_as = common_tags(t, as_required, sizeof as_required / sizeof *as_required,
                            p->why_as, sizeof p->why_as);
    if (p->alg_as < 0)
        return AUTH_OK;
    if (dkim_tags_get(t, "h")) {
        snprintf(p->why_as, sizeof p->why_as, "%s", N_("an ARC-Seal has no h= (RFC 8617 4.1.3)"));
        return AUTH_OK;
    }
    if (arc_cv_of(t) < 0) {
        snprintf(p->why_as, sizeof p->why_as, "%s", N_("cv= is not none, pass or fail"));
        return AUTH_OK;
    }
    p->as_ok = true;
    p->key_as = keyname(t);
    return p->key_as ? AUTH_OK : AUTH_ENOMEM;
}

/* The sets found, for reporting (also for a broken chain). */
static enum auth_status list_sets(struct arc_verify *v)
{
    v->list = calloc(v->c.newest + 1, sizeof *v->list);
    v->ps = calloc(v->c.newest + 1, sizeof *v->ps);
    if (!v->list || !v->ps)
        return AUTH_ENOMEM;
    for (unsigned i = 1; i <= v->c.newest; i++) {
        struct per_set *p = &v->ps[i];
        const struct arc_set *s = v->c.set[i];
        p->r.instance = i;
        p->r.seal = p->r.ams = p->r.cv = ARC_FAIL;
        p->hasher = -1;
        if (!s)
            continue;
        if (s->m[ARC_AS].f) {
            int cv = arc_cv_of(&s->m[ARC_AS].tags);
            p->r.cv = cv < 0 ? ARC_FAIL : (enum arc_result)cv;
            p->r.domain = tagdup(dkim_tags_get(&s->m[ARC_AS].tags, "d"));
            p->r.selector = tagdup(dkim_tags_get(&s->m[ARC_AS].tags, "s"));
        }
    }
    return AUTH_OK;
}

/* Step 3's cv= rule: none at instance 1, pass above. */
static bool cv_sequence_ok(struct arc_verify *v)
{
    for (unsigned i = 1; i <= v->c.newest; i++) {
        enum arc_result want = i == 1 ? ARC_NONE : ARC_PASS;
        if (v->ps[i].r.cv != want) {
            decide(v, ARC_FAIL, "the ARC-Seal of i=%u says cv=%s, the chain requires cv=%s",
                   i, arc_result_name(v->ps[i].r.cv), arc_result_name(want));
            return false;
        }
    }
    return true;
}

static enum auth_status prepare(struct arc_verify *v)
{
    unsigned n = v->c.newest;
    enum auth_status st;

    if (!v->c.fields)
        return decide(v, ARC_NONE, NULL), AUTH_OK;
    if ((st = list_sets(v)) != AUTH_OK)
        return st;
    if (arc_verify_newest_cv(v) == ARC_FAIL)
        return decide(v, ARC_FAIL, "the newest ARC-Seal (i=%u) says cv=fail", n), AUTH_OK;
    if (v->c.broken) {
        decide(v, ARC_FAIL, "%s", v->c.reason);
        memcpy(v->reason_for_people, v->c.reason_for_people, sizeof v->c.reason_for_people);
        return AUTH_OK;
    }
    if (!cv_sequence_ok(v))
        return AUTH_OK;
    for (unsigned i = 1; i <= n; i++) {
        if ((st = check_as_tags(v, i)) != AUTH_OK || (st = check_ams_tags(v, i)) != AUTH_OK)
            return st;
        if (!v->ps[i].as_ok)
            return decide_field(v, "ARC-Seal", i, v->ps[i].why_as), AUTH_OK;
    }
    if (v->ps[n].hasher < 0)
        return decide_field(v, "ARC-Message-Signature", n, v->ps[n].why_ams),
               AUTH_OK;
    return AUTH_OK;
}

/* Verification runs with libauth's messages in English (core/people.h): the
 * reason goes into ARC-Authentication-Results and Authentication-Results. */
static enum auth_status verify_new(const struct msg_headers *hdrs, struct arc_verify **out)
{
    struct arc_verify *v = calloc(1, sizeof *v);
    enum auth_status st;

    *out = NULL;
    if (!v)
        return AUTH_ENOMEM;
    v->hdrs = hdrs;
    st = arc_chain_parse(hdrs, &v->c);
    if (st == AUTH_OK)
        st = prepare(v);
    if (st != AUTH_OK) {
        arc_verify_free(v);
        return st;
    }
    for (unsigned i = 1; i <= v->c.newest; i++)
        if (v->c.set[i])
            v->list[v->nlist++] = v->ps[i].r;
    *out = v;
    return AUTH_OK;
}

enum auth_status arc_verify_new(const struct arc_verify_params *p,
                                const struct msg_headers *hdrs, struct arc_verify **out)
{
    enum auth_status st;

    (void)p;
    auth_english_begin();
    st = verify_new(hdrs, out);
    auth_english_end();
    return st;
}

enum auth_status arc_verify_body(struct arc_verify *v, const void *data, size_t len)
{
    enum auth_status st = AUTH_OK;

    /* every hash is fed; the first failure is the caller's (a local
     * error, never a verdict on the message) */
    for (size_t i = 0; i < v->nh; i++) {
        enum auth_status one = dkim_bodyhash_update(v->h[i].bh, data, len);
        if (st == AUTH_OK)
            st = one;
    }
    return st;
}

/* The key for name fit for alg, or NULL with why set (and temperror). */
static const struct dkim_key *get_key(struct arc_verify *v, struct dkim_keystore *ks,
                                      const char *name, int alg, char *why, size_t whylen)
{
    const struct dkim_key *k;
    const char *text;
    enum auth_status st = dkim_keystore_get(ks, name, &k, &text);

    if (st == AUTH_ETIMEOUT || st == AUTH_ETEMP) {
        v->temperror = true;
        snprintf(why, whylen, "temperror: %s: %s", name, text);
        return NULL;
    }
    if (st != AUTH_OK) {
        snprintf(why, whylen, "%s at %s: %s", st == AUTH_ENOTFOUND ? "no key" : "bad key",
                 name, text);
        return NULL;
    }
    if (dkim_key_check(k, (enum dkim_alg)alg, why, whylen) != DKIM_R_NONE)
        return NULL;
    return k;
}

/* Decode b= and verify it over md. */
static bool sig_ok(const struct dkim_key *k, int alg, const struct dkim_tag *b,
                   const unsigned char *md, unsigned mdlen)
{
    size_t cap = b->value_len * 3 / 4 + 3, n;
    unsigned char *sig = malloc(cap);
    bool ok;

    if (!sig)
        return false;
    n = dkim_b64_decode(b->value, b->value_len, sig, cap);
    ok = n != (size_t)-1 && n > 0 &&
         dkim_key_verify(k, (enum dkim_alg)alg, md, mdlen, sig, n);
    free(sig);
    return ok;
}

static void check_ams(struct arc_verify *v, struct dkim_keystore *ks, unsigned i)
{
    struct per_set *p = &v->ps[i];
    const struct arc_member *m = &v->c.set[i]->m[ARC_AMS];
    const struct dkim_tag *b = dkim_tags_get(&m->tags, "b"), *bh = dkim_tags_get(&m->tags, "bh");
    const struct dkim_tag *h = dkim_tags_get(&m->tags, "h");
    const struct hasher *hs;
    const struct dkim_key *k;
    unsigned char want[64], md[64];
    unsigned int mdlen = 0;
    size_t n;

    if (p->hasher < 0 || !(k = get_key(v, ks, p->key_ams, p->alg_ams, p->why_ams,
                                        sizeof p->why_ams)))
        return;
    hs = &v->h[p->hasher];
    n = dkim_b64_decode(bh->value, bh->value_len, want, sizeof want);
    if (p->l != (uint64_t)-1 && p->l > hs->canon_len) {
        snprintf(p->why_ams, sizeof p->why_ams, "%s", N_("l= is longer than the body"));
        return;
    }
    if (n != hs->mdlen || CRYPTO_memcmp(want, hs->md, n) != 0) {
        snprintf(p->why_ams, sizeof p->why_ams, "%s", N_("body hash mismatch (bh=)"));
        return;
    }
    if (dkim_header_digest(v->hdrs, (enum dkim_alg)p->alg_ams, p->hc, h->value, h->value_len,
                           m->f->raw, m->f->raw_len, m->f->value_off + b->raw_value_off,
                           m->f->value_off + b->raw_value_end, md, &mdlen) != AUTH_OK ||
        !sig_ok(k, p->alg_ams, b, md, mdlen)) {
        snprintf(p->why_ams, sizeof p->why_ams, "%s", N_("signature does not verify (b=)"));
        return;
    }
    p->r.ams = ARC_PASS;
}

/* The seal of instance i against its digest md (arc_seal_digests). */
static void check_as(struct arc_verify *v, struct dkim_keystore *ks, unsigned i,
                     const unsigned char *md, unsigned int mdlen)
{
    struct per_set *p = &v->ps[i];
    const struct dkim_tag *b = dkim_tags_get(&v->c.set[i]->m[ARC_AS].tags, "b");
    const struct dkim_key *k = get_key(v, ks, p->key_as, p->alg_as, p->why_as,
                                       sizeof p->why_as);

    if (!k)
        return;
    if (!sig_ok(k, p->alg_as, b, md, mdlen)) {
        snprintf(p->why_as, sizeof p->why_as, "%s", N_("seal does not verify (b=)"));
        return;
    }
    p->r.seal = ARC_PASS;
}

static enum auth_status fetch_keys(struct arc_verify *v, struct dkim_keystore *ks)
{
    const char **names = calloc(2 * v->c.newest + 1, sizeof *names);
    size_t nn = 0;

    if (!names)
        return AUTH_ENOMEM;
    for (unsigned i = 1; i <= v->c.newest; i++) {
        if (v->ps[i].key_as)
            names[nn++] = v->ps[i].key_as;
        if (v->ps[i].key_ams)
            names[nn++] = v->ps[i].key_ams;
    }
    /* a key that did not come is judged per set (get_key); only a failure
     * of the batch itself (memory, sockets) stops the validation */
    enum auth_status st = dkim_keystore_fetch(ks, names, nn);
    free(names);
    return st;
}

static enum auth_status validate(struct arc_verify *v, struct dkim_keystore *ks, unsigned n);

enum auth_status arc_verify_final(struct arc_verify *v, struct dkim_keystore *ks)
{
    unsigned n = v->c.newest;

    for (size_t i = 0; i < v->nh; i++) {
        enum auth_status st = dkim_bodyhash_final(v->h[i].bh, v->h[i].md, &v->h[i].mdlen,
                                                  &v->h[i].canon_len);
        if (st != AUTH_OK)
            return st;          /* a local failure: no verdict rather than a false fail */
    }
    if (v->decided)
        return AUTH_OK;
    auth_english_begin();           /* see verify_new() */
    enum auth_status st = validate(v, ks, n);
    auth_english_end();
    return st;
}

/* Steps 4-6 with the keys: every AMS and every AS. */
static enum auth_status validate(struct arc_verify *v, struct dkim_keystore *ks, unsigned n)
{
    unsigned char (*md)[64] = calloc(n + 1, sizeof *md);
    unsigned int *mdlen = calloc(n + 1, sizeof *mdlen);
    enum auth_status st = md && mdlen ? fetch_keys(v, ks) : AUTH_ENOMEM;

    if (st == AUTH_OK)
        st = arc_seal_digests(&v->c, md, mdlen);
    for (unsigned i = n; st == AUTH_OK && i >= 1; i--) {
        check_ams(v, ks, i);
        check_as(v, ks, i, md[i], mdlen[i]);
    }
    free(md);
    free(mdlen);
    if (st == AUTH_ENOMEM)
        return st;
    if (st != AUTH_OK)
        return decide(v, ARC_FAIL, "cannot hash the chain: %s", auth_strerror(st)), AUTH_OK;
    for (size_t j = 0; j < v->nlist; j++)
        v->list[j] = v->ps[v->list[j].instance].r;
    if (v->ps[n].r.ams != ARC_PASS)
        return decide_field(v, "ARC-Message-Signature", n, v->ps[n].why_ams),
               AUTH_OK;
    for (unsigned i = n; i >= 1; i--)
        if (v->ps[i].r.seal != ARC_PASS)
            return decide_field(v, "ARC-Seal", i, v->ps[i].why_as), AUTH_OK;
    v->oldest_pass = n;
    while (v->oldest_pass > 1 && v->ps[v->oldest_pass - 1].r.ams == ARC_PASS)
        v->oldest_pass--;
    decide(v, ARC_PASS, NULL);
    return AUTH_OK;
}

enum arc_result arc_verify_result(const struct arc_verify *v)
{
    return v->result;
}

const char *arc_verify_reason(const struct arc_verify *v)
{
    return v->result == ARC_FAIL ? v->reason : NULL;
}

const char *arc_verify_reason_for_people(const struct arc_verify *v)
{
    return v->result == ARC_FAIL ? v->reason_for_people : NULL;
}

bool arc_verify_temperror(const struct arc_verify *v)
{
    return v->temperror;
}

unsigned arc_verify_oldest_pass(const struct arc_verify *v)
{
    return v->result == ARC_PASS ? v->oldest_pass : 0;
}

unsigned arc_verify_instances(const struct arc_verify *v)
{
    return v->c.newest;
}

size_t arc_verify_count(const struct arc_verify *v)
{
    return v->nlist;
}

const struct arc_set_result *arc_verify_set(const struct arc_verify *v, size_t i)
{
    return i < v->nlist ? &v->list[i] : NULL;
}

const char *arc_verify_aar(const struct arc_verify *v, unsigned n, size_t *len)
{
    const struct arc_member *m;
    const char *semi;

    *len = 0;
    if (!n || n > v->c.newest || !v->c.set[n] || !(m = &v->c.set[n]->m[ARC_AAR])->f)
        return NULL;
    semi = memchr(m->value, ';', m->value_len);    /* present: the parser checked */
    if (!semi)
        return NULL;
    *len = m->value_len - (size_t)(semi + 1 - m->value);
    return semi + 1;
}

enum arc_result arc_verify_newest_cv(const struct arc_verify *v)
{
    unsigned n = v->c.newest;
    int cv;

    if (!n || !v->c.set[n] || !v->c.set[n]->m[ARC_AS].f)
        return ARC_NONE;
    cv = arc_cv_of(&v->c.set[n]->m[ARC_AS].tags);
    return cv < 0 ? ARC_NONE : (enum arc_result)cv;
}

void arc_verify_free(struct arc_verify *v)
{
    if (!v)
        return;
    for (unsigned i = 0; v->ps && i <= v->c.newest; i++) {
        free((char *)v->ps[i].r.domain);
        free((char *)v->ps[i].r.selector);
        free(v->ps[i].key_ams);
        free(v->ps[i].key_as);
    }
    for (size_t i = 0; i < v->nh; i++)
        dkim_bodyhash_free(v->h[i].bh);
    free(v->ps);
    free(v->list);
    arc_chain_clear(&v->c);
    free(v);
}
