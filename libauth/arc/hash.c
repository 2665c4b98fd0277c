/*
 * hash.c - the ARC-Seal hash (RFC 8617 5.1.1): the ARC header fields of
 * every set from instance 1 up to the seal's own, each set as AAR, AMS, AS,
 * canonicalised "relaxed" (the only canonicalisation a seal has), the seal
 * being made or checked last with its b= value empty and no line end.
 */
#include <openssl/evp.h>

#include "arc_int.h"

static bool add(EVP_MD_CTX *ctx, const char *raw, size_t len, struct dkim_buf *scratch)
{
    return dkim_hash_field(ctx, DKIM_CANON_RELAXED, raw, len, true, scratch);
}

/* raw[0..len) without its b= value [off, end), hashed without line end. */
static bool add_unsigned(EVP_MD_CTX *ctx, const char *raw, size_t len, size_t off, size_t end,
                         struct dkim_buf *scratch)
{
    struct dkim_buf self = {0};
    bool ok;

    dkim_buf_add(&self, raw, off);
    dkim_buf_add(&self, raw + end, len - end);
    ok = !self.failed && dkim_hash_field(ctx, DKIM_CANON_RELAXED, self.p ? self.p : "",
                                         self.len, false, scratch);
    dkim_buf_free(&self);
    return ok;
}

enum auth_status arc_seal_digest(const struct arc_chain *c, unsigned n,
                                 struct arc_raw aar_n, struct arc_raw ams_n,
                                 struct arc_raw as_n, size_t b_off, size_t b_end,
                                 unsigned char *md, unsigned int *mdlen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    struct dkim_buf scratch = {0};
    bool ok;

    if (!ctx)
        return AUTH_ENOMEM;
    ok = EVP_DigestInit_ex(ctx, dkim_md(DKIM_RSA_SHA256), NULL) > 0;
    for (unsigned i = 1; ok && i < n; i++)
        for (int k = 0; ok && k < ARC_KINDS; k++) {
            const struct msg_header *f = c->set[i] ? c->set[i]->m[k].f : NULL;
            if (f)   /* a broken chain being sealed with cv=fail */
                ok = add(ctx, f->raw, f->raw_len, &scratch);
        }
    ok = ok && add(ctx, aar_n.p, aar_n.len, &scratch) && add(ctx, ams_n.p, ams_n.len, &scratch) &&
         add_unsigned(ctx, as_n.p, as_n.len, b_off, b_end, &scratch) &&
         EVP_DigestFinal_ex(ctx, md, mdlen) > 0;
    dkim_buf_free(&scratch);
    EVP_MD_CTX_free(ctx);
    return ok ? AUTH_OK : AUTH_ECRYPTO;
}

enum auth_status arc_seal_digests(const struct arc_chain *c, unsigned char (*md)[64],
                                  unsigned int *mdlen)
{
    EVP_MD_CTX *run = EVP_MD_CTX_new(), *one = EVP_MD_CTX_new();
    struct dkim_buf scratch = {0};
    bool ok = run && one && EVP_DigestInit_ex(run, dkim_md(DKIM_RSA_SHA256), NULL) > 0;

    for (unsigned i = 1; ok && i <= c->newest; i++) {
        const struct msg_header *aar = c->set[i]->m[ARC_AAR].f, *ams = c->set[i]->m[ARC_AMS].f;
        const struct arc_member *as = &c->set[i]->m[ARC_AS];
        const struct dkim_tag *b = dkim_tags_get(&as->tags, "b");

        ok = add(run, aar->raw, aar->raw_len, &scratch) &&
             add(run, ams->raw, ams->raw_len, &scratch) && EVP_MD_CTX_copy_ex(one, run) > 0 &&
             add_unsigned(one, as->f->raw, as->f->raw_len, as->f->value_off + b->raw_value_off,
                          as->f->value_off + b->raw_value_end, &scratch) &&
             EVP_DigestFinal_ex(one, md[i], &mdlen[i]) > 0 &&
             add(run, as->f->raw, as->f->raw_len, &scratch);
    }
    dkim_buf_free(&scratch);
    EVP_MD_CTX_free(run);
    EVP_MD_CTX_free(one);
    return ok ? AUTH_OK : run && one ? AUTH_ECRYPTO : AUTH_ENOMEM;
}
