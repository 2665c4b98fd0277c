/*
 * flatten.c - propose a flattened SPF record when the tree needs more than
 * 10 lookups: pass-qualified includes are replaced by the ip4/ip6 terms of
 * their subtree, a and mx terms by their addresses (the MX hosts' addresses
 * are fetched in one batch), terms that cannot be flattened (ptr, exists,
 * macros, non-pass includes) are kept.  The result is written as zone lines,
 * each TXT value split into 255-byte strings, chained through
 * include:_spfN.DOMAIN records when one record would exceed 450 bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "spf/spf_tree_internal.h"

#define MAX_FLAT_TERMS 2000
#define CHUNK_BYTES 450

struct flat {
    char *terms[MAX_FLAT_TERMS];   /* ip4:/ip6: terms (deduplicated) */
    size_t nterms;
    char *kept[MAX_FLAT_TERMS];    /* terms kept as written */
    size_t nkept;
    char all[8];                   /* the final "all", "" when none */
    /* addresses of MX hosts: host -> A and AAAA results */
    struct { const char *host; const struct dns_result *a, *aaaa; } hosts[256];
    size_t nhosts;
};

static void add_unique(char **list, size_t *n, const char *term)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], term) == 0)
            return;
    if (*n < MAX_FLAT_TERMS && (list[*n] = strdup(term)))
        (*n)++;
}

static void add_addresses(struct flat *f, const struct dns_result *r, int cidr, bool v6)
{
    char ip[AUTH_IP_STRLEN], term[AUTH_IP_STRLEN + 16];

    if (!r || dns_result_status(r) != DNS_DATA)
        return;
    for (size_t i = 0; i < dns_result_count(r); i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        if (rr->type != (v6 ? DNS_T_AAAA : DNS_T_A))
            continue;
        auth_ip_format(&rr->u.addr, ip, sizeof ip);
        if (cidr >= 0 && cidr != (v6 ? 128 : 32))
            snprintf(term, sizeof term, "%s:%s/%d", v6 ? "ip6" : "ip4", ip, cidr);
        else
            snprintf(term, sizeof term, "%s:%s", v6 ? "ip6" : "ip4", ip);
        add_unique(f->terms, &f->nterms, term);
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

static void flatten_node(struct flat *f, const struct spf_node *n, bool top)
{
    for (size_t i = 0; i < spf_record_count(n->rec); i++) {
        const struct spf_term *term = spf_record_term(n->rec, i);
        const struct spf_term_info *info = &n->info[i];
        bool pass = term->qualifier == SPF_PASS;

        if (info->after_all || term->kind == SPF_T_EXP || term->kind == SPF_T_UNKNOWN_MOD)
            continue;
        switch (term->kind) {
        case SPF_T_IP4:
        case SPF_T_IP6:
            if (pass)
                add_unique(f->terms, &f->nterms, term->text[0] == '+' ? term->text + 1
                                                                     : term->text);
            else if (top)
                add_unique(f->kept, &f->nkept, term->text);
            break;
        case SPF_T_ALL:
            if (top)
                snprintf(f->all, sizeof f->all, "%s", term->text);
            break;
        case SPF_T_A:
            if (!pass || term->has_macro) {
                add_unique(f->kept, &f->nkept, term->text);
                break;
            }
            add_addresses(f, info->addr4, term->cidr4, false);
            add_addresses(f, info->addr6, term->cidr6, true);
            break;
        case SPF_T_MX:
            if (!pass || term->has_macro || !info->mx) {
                add_unique(f->kept, &f->nkept, term->text);
                break;
            }
            for (size_t k = 0; dns_result_status(info->mx) == DNS_DATA &&
                               k < dns_result_count(info->mx); k++) {
                const char *h = dns_result_rr(info->mx, k)->u.mx.host;
                for (size_t j = 0; h && j < f->nhosts; j++)
                    if (strcmp(f->hosts[j].host, h) == 0) {
                        add_addresses(f, f->hosts[j].a, term->cidr4, false);
                        add_addresses(f, f->hosts[j].aaaa, term->cidr6, true);
                        break;
                    }
            }
            break;
        case SPF_T_INCLUDE:
        case SPF_T_REDIRECT:
            if (info->child && info->child->status == SPF_NODE_OK &&
                (pass || term->kind == SPF_T_REDIRECT))
                flatten_node(f, info->child, top && term->kind == SPF_T_REDIRECT);
            else if (term->kind == SPF_T_INCLUDE || info->counted)
                add_unique(f->kept, &f->nkept, term->text);
            break;
        default:   /* ptr, exists: cannot be flattened */
            add_unique(f->kept, &f->nkept, term->text);
            break;
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

static void write_records(struct flat *f, const char *domain, struct text *out)
{
    struct text rec = {0}, chunk = {0};
    char name[DNS_MAX_NAME + 16];
    unsigned nchunks = 0;

    text_add(&rec, "v=spf1");
    for (size_t i = 0; i < f->nterms; i++) {
        text_add(&rec, " ");
        text_add(&rec, f->terms[i]);
    }
    for (size_t i = 0; i < f->nkept; i++) {
        text_add(&rec, " ");
        text_add(&rec, f->kept[i]);
    }
    if (f->all[0]) {
        text_add(&rec, " ");
        text_add(&rec, f->all);
    }
    if (!rec.over && rec.len <= CHUNK_BYTES) {
        zone_line(out, domain, rec.p);
        free(rec.p);
        return;
    }
    /* too long for one record: ip terms in chained _spfN records */
    free(rec.p);
    rec = (struct text){0};
    text_add(&rec, "v=spf1");
    for (size_t i = 0; i <= f->nterms; i++) {
        if (i == f->nterms || (chunk.len && chunk.len + strlen(f->terms[i]) + 1 > CHUNK_BYTES)) {
            if (chunk.len) {
                snprintf(name, sizeof name, "_spf%u.%s", ++nchunks, domain);
                zone_line(out, name, chunk.p);
                text_add(&rec, " include:");
                text_add(&rec, name);
                free(chunk.p);
                chunk = (struct text){0};
            }
            if (i == f->nterms)
                break;
        }
        if (!chunk.len)
            text_add(&chunk, "v=spf1");
        text_add(&chunk, " ");
        text_add(&chunk, f->terms[i]);
    }
    for (size_t i = 0; i < f->nkept; i++) {
        text_add(&rec, " ");
        text_add(&rec, f->kept[i]);
    }
    if (f->all[0]) {
        text_add(&rec, " ");
        text_add(&rec, f->all);
    }
    zone_line(out, domain, rec.over ? "" : rec.p);
    free(rec.p);
    free(chunk.p);
}

char *spf_flatten(struct spf_tree *t)
{
    struct flat *f = calloc(1, sizeof *f);
    size_t *idx = calloc(2 * 256, sizeof *idx);
    struct dns_batch *b = dns_batch_new(t->eng);
    struct text out = {0};

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
    flatten_node(f, t->root, true);
    write_records(f, t->root->domain, &out);
    dns_batch_free(b);
    for (size_t i = 0; i < f->nterms; i++)
        free(f->terms[i]);
    for (size_t i = 0; i < f->nkept; i++)
        free(f->kept[i]);
    free(f);
    free(idx);
    if (out.over) {
        free(out.p);
        return NULL;
    }
    return out.p;
}
