/*
 * flatten.c - propose a flattened SPF record when the tree needs more than
 * 10 lookups, with the same result as the published policy for every
 * address as long as the providers' addresses stay what they are today.
 *
 * Terms stay in their order (the first match decides, RFC 7208 4.6.2).
 * a and mx terms become the addresses they resolve to, with their
 * qualifier.  An include is replaced by its record's terms only when that
 * is exact: an include matches only when the included record passes
 * (5.2), so the record may hold only pass terms whose meaning does not
 * depend on its own domain, and a final non-pass "all"; its terms then take
 * the include's qualifier.  Anything else (an include with "-ip4:" before
 * a wider "ip4:", ptr, exists, macros) is kept as written.  A top-level
 * redirect is followed the same way when its target has no term bound to
 * its own domain.  When the result still needs more than 10 lookups there
 * is no fix to offer.  The result is written as zone lines, each TXT value
 * split into 255-byte strings; when one record would exceed 450 bytes,
 * each run of pass ip4/ip6 terms moves to chained include:_spfN.DOMAIN
 * records, in place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "spf/spf_tree_internal.h"

#define MAX_FLAT_TERMS 2000
#define CHUNK_BYTES 450

struct flat_term {
    char *text;
    bool chunkable;                /* a pass ip4/ip6 term: may move to _spfN */
    bool queries;                  /* counts against the 10 lookups */
};

struct flat {
    struct flat_term terms[MAX_FLAT_TERMS];   /* in evaluation order */
    size_t nterms;
    bool overflow, has_exp;
    /* addresses of MX hosts: host -> A and AAAA results */
    struct { const char *host; const struct dns_result *a, *aaaa; } hosts[256];
    size_t nhosts;
};

/* The term's qualifier as written in front of it ("" for pass). */
static const char *qual_prefix(enum spf_result q)
{
    return q == SPF_FAIL ? "-" : q == SPF_SOFTFAIL ? "~" : q == SPF_NEUTRAL ? "?" : "";
}

/* Append a term; a later duplicate can never match first, so it goes. */
static void emit(struct flat *f, const char *text, bool chunkable, bool queries)
{
    for (size_t i = 0; i < f->nterms; i++)
        if (strcmp(f->terms[i].text, text) == 0)
            return;
    if (f->nterms == MAX_FLAT_TERMS || !(f->terms[f->nterms].text = strdup(text))) {
        f->overflow = true;
        return;
    }
    f->terms[f->nterms].chunkable = chunkable;
    f->terms[f->nterms].queries = queries;
    f->nterms++;
}

/* q + name + ":" + value (an include or the all), emitted. */
static void emit_parts(struct flat *f, const char *q, const char *name, const char *value,
                       bool queries)
{
    char term[SPF_MAX_RECORD + 16];

    snprintf(term, sizeof term, "%s%s%s%s", q, name, value ? ":" : "", value ? value : "");
    emit(f, term, false, queries);
}

/* An ip4/ip6 term as written, with qualifier q instead of its own. */
static void emit_requalified(struct flat *f, const char *q, const struct spf_term *term)
{
    const char *body = term->text + (strchr("+-~?", term->text[0]) ? 1 : 0);
    char text[SPF_MAX_RECORD + 2];

    snprintf(text, sizeof text, "%s%s", q, body);
    emit(f, text, !*q, false);
}

static void emit_addresses(struct flat *f, const struct dns_result *r, int cidr, bool v6,
                           const char *q)
{
    char ip[AUTH_IP_STRLEN], term[AUTH_IP_STRLEN + 24];
    const char *kind = v6 ? "ip6" : "ip4";

    if (!r || dns_result_status(r) != DNS_DATA)
        return;
    for (size_t i = 0; i < dns_result_count(r); i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        if (rr->type != (v6 ? DNS_T_AAAA : DNS_T_A))
            continue;
        auth_ip_format(&rr->u.addr, ip, sizeof ip);
        if (cidr >= 0 && cidr != (v6 ? 128 : 32))
            snprintf(term, sizeof term, "%s%s:%s/%d", q, kind, ip, cidr);
        else
            snprintf(term, sizeof term, "%s%s:%s", q, kind, ip);
        emit(f, term, !*q, false);                 /* pass: may move to _spfN */
    }
}

static void emit_mx_addresses(struct flat *f, const struct spf_term *term,
                              const struct dns_result *mx, const char *q)
{
    for (size_t k = 0; dns_result_status(mx) == DNS_DATA && k < dns_result_count(mx); k++) {
        const char *h = dns_result_rr(mx, k)->u.mx.host;
        for (size_t j = 0; h && j < f->nhosts; j++)
            if (strcmp(f->hosts[j].host, h) == 0) {
                emit_addresses(f, f->hosts[j].a, term->cidr4, false, q);
                emit_addresses(f, f->hosts[j].aaaa, term->cidr6, true, q);
                break;
            }
    }
}

/* One batch for the addresses of every MX host named in the tree. */
static void fetch_mx_hosts(struct spf_tree *t, struct spf_node *n, struct flat *f,
                           struct dns_batch *b, size_t *idx)
{
    for (size_t i = 0; n->rec && n->info && i < spf_record_count(n->rec); i++) {
        const struct dns_result *mx = n->info[i].mx;
        for (size_t k = 0; mx && dns_result_status(mx) == DNS_DATA &&
                           k < dns_result_count(mx) && f->nhosts < 256; k++) {
            const char *h = dns_result_rr(mx, k)->u.mx.host;
            if (!h || !spf_name_usable(h))
                continue;
            f->hosts[f->nhosts].host = h;
            idx[2 * f->nhosts] = dns_batch_add(b, h, DNS_T_A);
            idx[2 * f->nhosts + 1] = dns_batch_add(b, h, DNS_T_AAAA);
            f->nhosts++;
        }
        if (n->info[i].child)
            fetch_mx_hosts(t, n->info[i].child, f, b, idx);
    }
}

static bool has_all(const struct spf_record *rec)
{
    for (size_t i = 0; i < spf_record_count(rec); i++)
        if (spf_record_term(rec, i)->kind == SPF_T_ALL)
            return true;
    return false;
}

/*
 * Whether node n's terms can stand in for it elsewhere: nothing in it may
 * depend on n's own domain (macros, ptr, exists, an mx whose answer is
 * unknown).  inlined: n is included, so only pass terms and a final
 * non-pass all; otherwise (a redirect target) any qualifier.
 */
static bool movable(const struct spf_node *n, bool inlined, unsigned depth)
{
    if (!n || n->status != SPF_NODE_OK || !n->info || depth > SPF_TREE_MAX_DEPTH)
        return false;
    for (size_t i = 0; i < spf_record_count(n->rec); i++) {
        const struct spf_term *term = spf_record_term(n->rec, i);
        const struct spf_term_info *info = &n->info[i];
        bool pass = term->qualifier == SPF_PASS;

        if (info->after_all || term->kind == SPF_T_EXP || term->kind == SPF_T_UNKNOWN_MOD)
            continue;
        if (term->has_macro)
            return false;
        switch (term->kind) {
        case SPF_T_IP4:
        case SPF_T_IP6:
        case SPF_T_A:
        case SPF_T_INCLUDE:
            if (inlined && !pass)
                return false;
            break;
        case SPF_T_MX:
            if ((inlined && !pass) || !info->mx)
                return false;
            break;
        case SPF_T_ALL:
            if (inlined && pass)
                return false;
            break;
        case SPF_T_REDIRECT:
            if (!has_all(n->rec) && !movable(info->child, inlined, depth + 1))
                return false;
            break;
        default:                           /* ptr, exists */
            return false;
        }
    }
    return true;
}

/*
 * Emit node n's terms in order.  qual: NULL when n's terms keep their own
 * qualifiers (the top record, a redirect target), else the qualifier of
 * the include that n stands in for (n's terms are then all pass).
 */
static void flatten_node(struct flat *f, const struct spf_node *n, const char *qual,
                         unsigned depth)
{
    bool all = has_all(n->rec);

    for (size_t i = 0; i < spf_record_count(n->rec); i++) {
        const struct spf_term *term = spf_record_term(n->rec, i);
        const struct spf_term_info *info = &n->info[i];
        const char *q = qual ? qual : qual_prefix(term->qualifier);

        if (info->after_all || term->kind == SPF_T_UNKNOWN_MOD)
            continue;
        switch (term->kind) {
        case SPF_T_IP4:
        case SPF_T_IP6:
            emit_requalified(f, q, term);
            break;
        case SPF_T_A:
        case SPF_T_MX:
            if (term->has_macro || (term->kind == SPF_T_MX && !info->mx)) {
                emit(f, term->text, false, true);          /* top record only */
            } else if (term->kind == SPF_T_A) {
                emit_addresses(f, info->addr4, term->cidr4, false, q);
                emit_addresses(f, info->addr6, term->cidr6, true, q);
            } else {
                emit_mx_addresses(f, term, info->mx, q);
            }
            break;
        case SPF_T_INCLUDE:
            if (movable(info->child, true, depth + 1))
                flatten_node(f, info->child, q, depth + 1);
            else
                emit_parts(f, q, "include", term->domain_spec, true);
            break;
        case SPF_T_REDIRECT:
            if (all)
                break;                                 /* ignored (RFC 7208 6.1) */
            if (movable(info->child, qual != NULL, depth + 1))
                flatten_node(f, info->child, qual, depth + 1);
            else
                emit(f, term->text, false, true);
            break;
        case SPF_T_ALL:
            if (!qual)
                emit_parts(f, q, "all", NULL, false);
            break;
        case SPF_T_EXP:
            if (!qual && !f->has_exp) {
                emit(f, term->text, false, false);
                f->has_exp = true;
            }
            break;
        default:                                       /* ptr, exists: as written */
            emit(f, term->text, false, true);
        }
    }
}

/* Growable text with a hard bound. */
struct text { char *p; size_t len, cap; bool over; };

static void text_add(struct text *t, const char *s)
{
    size_t n = strlen(s);

    if (t->over)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *p = cap <= 256 * 1024 ? realloc(t->p, cap) : NULL;
        if (!p) {
            t->over = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

/* One zone line: NAME. TXT "..." "..." with 255-byte strings. */
static void zone_line(struct text *out, const char *name, const char *value)
{
    size_t n = strlen(value);
    char part[260];

    text_add(out, name);
    text_add(out, ". TXT");
    for (size_t off = 0; off < n || off == 0; off += 255) {
        size_t k = n - off > 255 ? 255 : n - off;
        memcpy(part, value + off, k);
        part[k] = '\0';
        text_add(out, " \"");
        text_add(out, part);
        text_add(out, "\"");
        if (n == 0)
            break;
    }
    text_add(out, "\n");
}

/* Move the run of pass ip terms [i, j) to _spfN records of at most
 * CHUNK_BYTES (written to out), an include for each added to rec.
 * Returns the number of includes. */
static unsigned write_chunks(struct flat *f, size_t i, size_t j, const char *domain,
                             unsigned *nchunks, struct text *rec, struct text *out)
{
    unsigned includes = 0;

    while (i < j) {
        struct text chunk = {0};
        char name[DNS_MAX_NAME + 16];

        text_add(&chunk, "v=spf1");
        do {
            text_add(&chunk, " ");
            text_add(&chunk, f->terms[i++].text);
        } while (i < j && chunk.len + 1 + strlen(f->terms[i].text) <= CHUNK_BYTES);
        snprintf(name, sizeof name, "_spf%u.%s", ++*nchunks, domain);
        zone_line(out, name, chunk.over ? "" : chunk.p);
        out->over |= chunk.over;
        free(chunk.p);
        text_add(rec, " include:");
        text_add(rec, name);
        includes++;
    }
    return includes;
}

/* The main record: every term in order or, when that is longer than
 * CHUNK_BYTES, with each run of pass ip terms moved to _spfN records
 * (written first).  Returns the lookups the result needs. */
static unsigned write_records(struct flat *f, const char *domain, struct text *out)
{
    struct text rec = {0};
    unsigned nchunks = 0, lookups = 0;
    size_t total = strlen("v=spf1");

    for (size_t i = 0; i < f->nterms; i++) {
        total += strlen(f->terms[i].text) + 1;
        lookups += f->terms[i].queries;
    }
    text_add(&rec, "v=spf1");
    for (size_t i = 0; i < f->nterms;) {
        if (total > CHUNK_BYTES && f->terms[i].chunkable) {
            size_t j = i;
            while (j < f->nterms && f->terms[j].chunkable)
                j++;
            lookups += write_chunks(f, i, j, domain, &nchunks, &rec, out);
            i = j;
            continue;
        }
        text_add(&rec, " ");
        text_add(&rec, f->terms[i++].text);
    }
    zone_line(out, domain, rec.over ? "" : rec.p);
    out->over |= rec.over;
    free(rec.p);
    return lookups;
}

char *spf_flatten(struct spf_tree *t)
{
    struct flat *f = calloc(1, sizeof *f);
    size_t *idx = calloc(2 * 256, sizeof *idx);
    struct dns_batch *b = dns_batch_new(t->eng);
    struct text out = {0};
    unsigned lookups;

    if (!f || !idx || !b || t->root->status != SPF_NODE_OK) {
        free(f);
        free(idx);
        if (b)
            dns_batch_free(b);
        return NULL;
    }
    fetch_mx_hosts(t, t->root, f, b, idx);
    if (f->nhosts && dns_batch_wait(b) == AUTH_OK)
        for (size_t i = 0; i < f->nhosts; i++) {
            f->hosts[i].a = dns_batch_result(b, idx[2 * i]);
            f->hosts[i].aaaa = dns_batch_result(b, idx[2 * i + 1]);
        }
    flatten_node(f, t->root, NULL, 0);
    lookups = f->overflow ? SPF_MAX_LOOKUPS + 1 : write_records(f, t->root->domain, &out);
    dns_batch_free(b);
    for (size_t i = 0; i < f->nterms; i++)
        free(f->terms[i].text);
    free(f);
    free(idx);
    if (out.over || lookups > SPF_MAX_LOOKUPS) {      /* no fix to offer */
        free(out.p);
        return NULL;
    }
    return out.p;
}
