/*
 * seal.c - add an ARC set (RFC 8617 5.1): ARC-Authentication-Results with
 * the results given, an ARC-Message-Signature (a DKIM signature with i=,
 * relaxed/relaxed) and an ARC-Seal over every set up to the new one.
 *
 * Each signature field is laid out as "a=...;" then b= on lines of its own
 * and the other tags after it (alphabetical, as RFC 8617's examples), so
 * the field with b= emptied, which is what gets hashed, is simply the text
 * before and after the b= value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "arc_int.h"

struct arc_seal {
    struct arc_seal_params p;
    const struct msg_headers *hdrs;
    struct arc_chain c;
    unsigned instance;
    enum dkim_alg alg;
    struct dkim_bodyhash *bh;
    struct dkim_buf h;            /* AMS h= */
    struct dkim_buf results;      /* AAR payload, line ends made eol */
    const char *eol;
};

unsigned arc_seal_instance(const struct arc_seal *s)
{
    return s->instance;
}

static enum auth_status pick_alg(struct arc_seal *s, char *err, size_t errlen)
{
    unsigned bits = 0;
    int type = dkim_pkey_type(s->p.key, &bits);

    if (type < 0)
        return auth_fail(err, errlen, AUTH_EINVAL, "the key is neither RSA nor Ed25519");
    s->alg = s->p.algorithm >= 0 ? (enum dkim_alg)s->p.algorithm
           : type == DKIM_KEY_ED25519 ? DKIM_ED25519_SHA256 : DKIM_RSA_SHA256;
    if (s->alg == DKIM_RSA_SHA1)
        return auth_fail(err, errlen, AUTH_EINVAL, "rsa-sha1 is not allowed in ARC");
    if ((type == DKIM_KEY_ED25519) != (s->alg == DKIM_ED25519_SHA256))
        return auth_fail(err, errlen, AUTH_EINVAL, "a %s key cannot make %s seals",
                         type == DKIM_KEY_ED25519 ? "Ed25519" : "RSA", dkim_alg_name(s->alg));
    if (type == DKIM_KEY_RSA && bits < 1024)
        return auth_fail(err, errlen, AUTH_EINVAL, "RSA key of %u bits is under 1024", bits);
    return AUTH_OK;
}

/* The results text with every line end made s->eol; only printable ASCII,
 * WSP and folding (a line end followed by WSP) are allowed. */
static enum auth_status copy_results(struct arc_seal *s, const char *r, char *err,
                                     size_t errlen)
{
    size_t n = strlen(r);

    while (n && (r[n - 1] == '\r' || r[n - 1] == '\n' || r[n - 1] == ' ' || r[n - 1] == '\t'))
        n--;
    while (n && (*r == ' ' || *r == '\t')) {
        r++;
        n--;
    }
    if (!n)
        return auth_fail(err, errlen, AUTH_EINVAL, "no authentication results to seal");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)r[i];
        if (ch == '\r' || ch == '\n') {
            size_t j = i + (ch == '\r' && i + 1 < n && r[i + 1] == '\n');
            if (j + 1 >= n || (r[j + 1] != ' ' && r[j + 1] != '\t'))
                return auth_fail(err, errlen, AUTH_EINVAL,
                                 "the results have a line end that is not folding");
            dkim_buf_adds(&s->results, s->eol);
            i = j;
        } else if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            return auth_fail(err, errlen, AUTH_EINVAL, "the results have a control character");
        } else {
            dkim_buf_add(&s->results, r + i, 1);
        }
    }
    return s->results.failed ? auth_fail(err, errlen, AUTH_ENOMEM, "out of memory") : AUTH_OK;
}

static enum auth_status setup(struct arc_seal *s, char *err, size_t errlen)
{
    const struct arc_seal_params *p = &s->p;
    enum auth_status st;

    if (!p->domain || !arc_domain_ok(p->domain, strlen(p->domain)) || !p->selector ||
        !arc_domain_ok(p->selector, strlen(p->selector)) || !p->key || !p->results)
        return auth_fail(err, errlen, AUTH_EINVAL,
                         "a domain, a selector, a key and results are required");
    if ((st = pick_alg(s, err, errlen)) != AUTH_OK ||
        (st = copy_results(s, p->results, err, errlen)) != AUTH_OK)
        return st;
    if (arc_chain_parse(s->hdrs, &s->c) != AUTH_OK)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    if (s->c.newest && s->c.set[s->c.newest] && s->c.set[s->c.newest]->m[ARC_AS].f &&
        arc_cv_of(&s->c.set[s->c.newest]->m[ARC_AS].tags) == ARC_FAIL)
        return auth_fail(err, errlen, AUTH_EPERM,
                         "the newest ARC-Seal (i=%u) says cv=fail: nothing may be added",
                         s->c.newest);
    if (s->c.newest >= ARC_MAX_SETS || s->c.fields >= 3 * ARC_MAX_SETS)
        return auth_fail(err, errlen, AUTH_EINVAL, "the message has %d ARC sets already",
                         ARC_MAX_SETS);
    s->instance = s->c.newest + 1;
    if (p->headers && *p->headers)
        dkim_buf_adds(&s->h, p->headers);
    else
        dkim_default_headers(s->hdrs, &s->h);
    if (s->h.failed)
        return auth_fail(err, errlen, AUTH_EINVAL, "the header list is too long");
    if (dkim_list_has(s->h.p, s->h.len, "arc-seal"))
        return auth_fail(err, errlen, AUTH_EINVAL,
                         "an ARC-Message-Signature must not sign ARC-Seal (RFC 8617 4.1.2)");
    if (dkim_bodyhash_new(DKIM_CANON_RELAXED, s->alg, (uint64_t)-1, &s->bh) != AUTH_OK)
        return auth_fail(err, errlen, AUTH_ECRYPTO, "cannot start the body hash");
    return AUTH_OK;
}

enum auth_status arc_seal_new(const struct arc_seal_params *p, const struct msg_headers *hdrs,
                              struct arc_seal **out, char *err, size_t errlen)
{
    struct arc_seal *s = calloc(1, sizeof *s);
    enum auth_status st;

    *out = NULL;
    if (!s)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    s->p = *p;
    s->hdrs = hdrs;
    s->eol = p->crlf ? "\r\n" : "\n";
    s->h.max = 65536;
    s->results.max = ARC_MAX_FIELD / 2;
    st = setup(s, err, errlen);
    if (st != AUTH_OK) {
        arc_seal_free(s);
        return st;
    }
    *out = s;
    return AUTH_OK;
}

enum auth_status arc_seal_body(struct arc_seal *s, const void *data, size_t len)
{
    return dkim_bodyhash_update(s->bh, data, len);
}

/* Tags after b=: "; " or a fold before each, kept under 78 columns. */
static void add_tags(struct dkim_buf *b, const char *eol, const char *const *tv, size_t n)
{
    size_t col = 8;

    dkim_buf_add(b, ";", 1);
    dkim_buf_adds(b, eol);
    dkim_buf_add(b, "\t", 1);
    for (size_t i = 0; i < n; i += 2) {
        size_t need = strlen(tv[i]) + 1 + strlen(tv[i + 1]) + 2;
        if (i && col + need > 76) {
            dkim_buf_add(b, ";", 1);
            dkim_buf_adds(b, eol);
            dkim_buf_add(b, "\t", 1);
            col = 8;
        } else if (i) {
            dkim_buf_add(b, "; ", 2);
        }
        dkim_buf_adds(b, tv[i]);
        dkim_buf_add(b, "=", 1);
        dkim_buf_adds(b, tv[i + 1]);
        col += need;
    }
    dkim_buf_adds(b, eol);
}

/* Sign digest md and put b= (folded) between head and tail into out. */
static enum auth_status finish_field(struct arc_seal *s, const struct dkim_buf *head,
                                     const struct dkim_buf *tail, const unsigned char *md,
                                     unsigned mdlen, struct dkim_buf *out)
{
    unsigned char *sig = NULL;
    size_t siglen = 0, n;
    char *b64;
    enum auth_status st = dkim_digest_sign(s->p.key, s->alg, md, mdlen, &sig, &siglen);

    if (st != AUTH_OK)
        return st;
    b64 = dkim_b64_encode(sig, siglen);
    free(sig);
    if (!b64)
        return AUTH_ENOMEM;
    dkim_buf_add(out, head->p, head->len);
    n = strlen(b64);
    for (size_t i = 0; i < n; i += 70) {
        if (i) {
            dkim_buf_adds(out, s->eol);
            dkim_buf_add(out, "\t ", 2);
        }
        dkim_buf_add(out, b64 + i, n - i < 70 ? n - i : 70);
    }
    free(b64);
    dkim_buf_add(out, tail->p, tail->len);
    return out->failed ? AUTH_ENOMEM : AUTH_OK;
}

/* "NAME: a=ALG;" EOL TAB "b=" */
static void field_head(struct dkim_buf *b, const char *name, const char *alg, const char *eol)
{
    dkim_buf_adds(b, name);
    dkim_buf_adds(b, ": a=");
    dkim_buf_adds(b, alg);
    dkim_buf_add(b, ";", 1);
    dkim_buf_adds(b, eol);
    dkim_buf_adds(b, "\tb=");
}

/* The header block of the message with the new AAR on top, parsed. */
static enum auth_status with_aar(struct arc_seal *s, const struct dkim_buf *aar,
                                 struct dkim_buf *block, struct msg_headers **out)
{
    size_t n = auth_msg_headers_count(s->hdrs);
    char err[160];

    dkim_buf_add(block, aar->p, aar->len);
    if (n) {
        const struct msg_header *first = auth_msg_headers_get(s->hdrs, 0);
        const struct msg_header *last = auth_msg_headers_get(s->hdrs, n - 1);
        dkim_buf_add(block, first->raw, (size_t)(last->raw + last->raw_len - first->raw));
    }
    if (block->failed)
        return AUTH_ENOMEM;
    return auth_msg_headers_parse(block->p, block->len, NULL, out, err, sizeof err);
}

/* "ARC-Authentication-Results: i=N; RESULTS" EOL */
static void make_aar(struct arc_seal *s, const char *inst, struct dkim_buf *aar)
{
    dkim_buf_adds(aar, "ARC-Authentication-Results: i=");
    dkim_buf_adds(aar, inst);
    dkim_buf_add(aar, "; ", 2);
    dkim_buf_add(aar, s->results.p, s->results.len);
    dkim_buf_adds(aar, s->eol);
}

/* The AMS: a DKIM signature (relaxed/relaxed) over h= of the message with
 * the new AAR on top. */
static enum auth_status make_ams(struct arc_seal *s, const char *inst, const char *ts,
                                 const struct dkim_buf *aar, struct dkim_buf *ams)
{
    unsigned char md[64];
    unsigned int mdlen = 0;
    size_t bhlen;
    uint64_t clen;
    char *bh64 = NULL;
    struct dkim_buf head = {0}, tail = {0}, hashed = {0}, block = {0};
    struct msg_headers *h2 = NULL;
    enum auth_status st;

    if (dkim_bodyhash_final(s->bh, md, &bhlen, &clen) != AUTH_OK ||
        !(bh64 = dkim_b64_encode(md, bhlen)))
        return AUTH_ECRYPTO;
    {
        const char *tv[] = { "bh", bh64, "c", "relaxed/relaxed", "d", s->p.domain,
                             "h", s->h.p, "i", inst, "s", s->p.selector, "t", ts };
        field_head(&head, "ARC-Message-Signature", dkim_alg_name(s->alg), s->eol);
        add_tags(&tail, s->eol, tv, sizeof tv / sizeof *tv);
    }
    free(bh64);
    dkim_buf_add(&hashed, head.p, head.len);
    dkim_buf_add(&hashed, tail.p, tail.len);
    st = aar->failed || hashed.failed ? AUTH_ENOMEM : with_aar(s, aar, &block, &h2);
    if (st == AUTH_OK)
        st = dkim_header_digest(h2, s->alg, DKIM_CANON_RELAXED, s->h.p, s->h.len, hashed.p,
                                hashed.len, head.len, head.len, md, &mdlen);
    if (st == AUTH_OK)
        st = finish_field(s, &head, &tail, md, mdlen, ams);
    auth_msg_headers_free(h2);
    dkim_buf_free(&block);
    dkim_buf_free(&head);
    dkim_buf_free(&tail);
    dkim_buf_free(&hashed);
    return st;
}

/* The AS over every earlier set, the new AAR and AMS and itself. */
static enum auth_status make_as(struct arc_seal *s, const char *inst, const char *ts,
                                const struct dkim_buf *aar, const struct dkim_buf *ams,
                                struct dkim_buf *as)
{
    const char *cv = s->instance == 1 ? "none" : s->p.cv == ARC_PASS ? "pass" : "fail";
    const char *tv[] = { "cv", cv, "d", s->p.domain, "i", inst, "s", s->p.selector, "t", ts };
    struct dkim_buf head = {0}, tail = {0}, hashed = {0};
    unsigned char md[64];
    unsigned int mdlen = 0;
    enum auth_status st;

    field_head(&head, "ARC-Seal", dkim_alg_name(s->alg), s->eol);
    add_tags(&tail, s->eol, tv, sizeof tv / sizeof *tv);
    dkim_buf_add(&hashed, head.p, head.len);
    dkim_buf_add(&hashed, tail.p, tail.len);
    st = hashed.failed ? AUTH_ENOMEM
       : arc_seal_digest(&s->c, s->instance, (struct arc_raw){ aar->p, aar->len },
                         (struct arc_raw){ ams->p, ams->len },
                         (struct arc_raw){ hashed.p, hashed.len }, head.len, head.len,
                         md, &mdlen);
    if (st == AUTH_OK)
        st = finish_field(s, &head, &tail, md, mdlen, as);
    dkim_buf_free(&head);
    dkim_buf_free(&tail);
    dkim_buf_free(&hashed);
    return st;
}

static enum auth_status build(struct arc_seal *s, struct dkim_buf *aar, struct dkim_buf *ams,
                              struct dkim_buf *as)
{
    char inst[16], ts[32];
    enum auth_status st;

    snprintf(inst, sizeof inst, "%u", s->instance);
    snprintf(ts, sizeof ts, "%lld", (long long)(s->p.timestamp ? s->p.timestamp : time(NULL)));
    make_aar(s, inst, aar);
    st = make_ams(s, inst, ts, aar, ams);
    return st == AUTH_OK ? make_as(s, inst, ts, aar, ams, as) : st;
}

enum auth_status arc_seal_final(struct arc_seal *s, char **fields, char *err, size_t errlen)
{
    struct dkim_buf aar = { .max = ARC_MAX_FIELD }, ams = { .max = ARC_MAX_FIELD };
    struct dkim_buf as = { .max = 3 * ARC_MAX_FIELD };
    enum auth_status st = build(s, &aar, &ams, &as);

    *fields = NULL;
    if (st == AUTH_OK) {
        dkim_buf_add(&as, ams.p, ams.len);
        dkim_buf_add(&as, aar.p, aar.len);
        if (as.failed)
            st = AUTH_ENOMEM;
    }
    dkim_buf_free(&aar);
    dkim_buf_free(&ams);
    if (st != AUTH_OK) {
        dkim_buf_free(&as);
        return auth_fail(err, errlen, st, "sealing failed: %s", auth_strerror(st));
    }
    *fields = as.p;
    return AUTH_OK;
}

void arc_seal_free(struct arc_seal *s)
{
    if (!s)
        return;
    dkim_bodyhash_free(s->bh);
    dkim_buf_free(&s->h);
    dkim_buf_free(&s->results);
    arc_chain_clear(&s->c);
    free(s);
}
