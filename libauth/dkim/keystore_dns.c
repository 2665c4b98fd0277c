/*
 * keystore_dns.c - fill the DKIM key store from DNS: all missing key names
 * of a message asked in one batch through the engine of auth/dns.h, TXT
 * character-strings joined (RFC 6376 3.6.2.2).  NXDOMAIN/NODATA is "no
 * key"; timeout, SERVFAIL and other transient answers are temporary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dns.h"
#include "dkim_int.h"

/* The record to use among the TXT RRs: the first that looks like a key
 * (has "p="), else the first. */
static const struct dns_rr *pick_txt(const struct dns_result *r)
{
    size_t n = dns_result_count(r);

    for (size_t i = 0; i < n; i++) {
        const struct dns_rr *rr = dns_result_rr(r, i);
        if (rr->u.txt.len && memmem(rr->u.txt.data, rr->u.txt.len, "p=", 2))
            return rr;
    }
    return n ? dns_result_rr(r, 0) : NULL;
}

static void fill(const struct dns_result *r, struct dkim_keystore_entry_result *out)
{
    enum dns_status ds = r ? dns_result_status(r) : DNS_ERROR;
    const struct dns_rr *rr;

    if (ds == DNS_NXDOMAIN || ds == DNS_NODATA) {
        out->st = AUTH_ENOTFOUND;
        snprintf(out->why, sizeof out->why, "no key record (%s)", dns_status_name(ds));
        return;
    }
    if (ds != DNS_DATA || !(rr = pick_txt(r))) {
        out->st = ds == DNS_TIMEOUT ? AUTH_ETIMEOUT : AUTH_ETEMP;
        snprintf(out->why, sizeof out->why, "key lookup failed: %s",
                 r ? dns_result_why(r) : "no result");
        return;
    }
    if (rr->u.txt.len > DKIM_MAX_KEY_RECORD) {
        out->st = AUTH_EPARSE;
        snprintf(out->why, sizeof out->why, "key record of %zu octets is over the %d limit",
                 rr->u.txt.len, DKIM_MAX_KEY_RECORD);
        return;
    }
    out->txt = malloc(rr->u.txt.len + 1);
    if (!out->txt) {
        out->st = AUTH_ETEMP;
        snprintf(out->why, sizeof out->why, "out of memory");
        return;
    }
    memcpy(out->txt, rr->u.txt.data, rr->u.txt.len);
    out->txt[rr->u.txt.len] = '\0';
    out->len = rr->u.txt.len;
    out->st = AUTH_OK;
}

static void fetch_dns(void *ctx, const char *const *names, size_t n,
                      struct dkim_keystore_entry_result *res)
{
    struct dns_engine *eng = ctx;
    struct dns_batch *b = dns_batch_new(eng);
    size_t *idx = calloc(n, sizeof *idx);

    if (!b || !idx) {
        for (size_t i = 0; i < n; i++) {
            res[i].st = AUTH_ETEMP;
            snprintf(res[i].why, sizeof res[i].why, "out of memory");
        }
        if (b)
            dns_batch_free(b);
        free(idx);
        return;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = dns_batch_add(b, names[i], DNS_T_TXT);
    if (dns_batch_wait(b) != AUTH_OK) {
        for (size_t i = 0; i < n; i++) {
            res[i].st = AUTH_ETEMP;
            snprintf(res[i].why, sizeof res[i].why, "DNS engine failure");
        }
    } else {
        for (size_t i = 0; i < n; i++)
            fill(dns_batch_result(b, idx[i]), &res[i]);
    }
    dns_batch_free(b);
    free(idx);
}

void dkim_keystore_use_dns(struct dkim_keystore *ks, struct dns_engine *eng)
{
    dkim_keystore_set_fetch(ks, fetch_dns, eng);
}
