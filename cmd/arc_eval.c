/*
 * arc_eval.c - the results `arc seal` puts in its ARC-Authentication-
 * Results when it evaluates the message itself: SPF of the envelope
 * sender, every DKIM signature, DMARC of the From domain and the ARC chain
 * as received, in Authentication-Results form (RFC 8601, RFC 8617 7.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc_cmd.h"
#include "auth/address.h"
#include "auth/authres.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "cmd.h"

struct eval {
    struct spf_eval *spf;
    struct dkim_verify *dkim;
    struct address *from;
    struct dmarc_policy_info *pi;
    struct dmarc_eval *dmarc;
};

bool arc_authres_add(struct authres *ar, const struct arc_verify *chain, const char *ip)
{
    enum arc_result r = arc_verify_result(chain);
    struct authres_result *res = authres_add(ar, "arc", arc_result_name(r),
                                             arc_verify_reason(chain), NULL);
    char n[16];
    bool ok = true;

    if (!res)
        return false;
    if (r == ARC_NONE)
        return true;
    if (r == ARC_PASS) {
        snprintf(n, sizeof n, "%u", arc_verify_oldest_pass(chain));
        ok &= authres_add_prop(res, "header", "oldest-pass", n) == AUTH_OK;
    }
    if (ip)
        ok &= authres_add_prop(res, "smtp", "remote-ip", ip) == AUTH_OK;
    return ok;
}

static void feed(struct dkim_verify *v, const char *msg, size_t len, size_t body_off)
{
    /* a failed update is kept: those signatures come out temperror */
    auth_status_ignore(dkim_verify_body(v, msg + body_off, len - body_off));
}

static int run_spf(const struct arc_eval_opts *o, struct dns_engine *eng, struct eval *e)
{
    struct spf_request rq = { .mail_from = o->mail_from, .helo = o->helo,
                              .receiver = o->authserv_id };
    char err[256];

    if (auth_ip_parse(o->ip, &rq.ip) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "--ip '%s' is not an IP address", o->ip);
    if (spf_check_host(eng, &rq, &e->spf, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "SPF: %s", err);
    return EXIT_OK;
}

static int run_dmarc(const struct msg_headers *h, struct dns_engine *eng, struct eval *e)
{
    struct dmarc_dkim_input in[DKIM_MAX_SIGNATURES];
    struct dmarc_eval_params p = { .pct_roll = 0 };
    const char *vals[2];
    size_t lens[2], n = 0, i = (size_t)-1, nd = dkim_verify_count(e->dkim);
    char err[256];

    while ((i = auth_msg_headers_find(h, "From", i + 1)) != (size_t)-1 && n < 2) {
        vals[n] = auth_msg_header_value(auth_msg_headers_get(h, i), &lens[n]);
        n++;
    }
    if (auth_msg_address_from_headers(vals, lens, n, &e->from, err, sizeof err) != AUTH_OK)
        return EXIT_OK;               /* no usable From: dmarc=none/permerror below */
    if (dmarc_discover(eng, e->from->domain_ascii, DMARC_DISCOVERY_TREEWALK, &e->pi, err,
                       sizeof err) != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "DMARC: %s", err);
    for (size_t k = 0; k < nd && k < DKIM_MAX_SIGNATURES; k++) {
        const struct dkim_sig_result *r = dkim_verify_result(e->dkim, k);
        in[k] = (struct dmarc_dkim_input){ r->domain, r->selector, r->result == DKIM_PASS };
    }
    p.dkim = in;
    p.ndkim = nd < DKIM_MAX_SIGNATURES ? nd : DKIM_MAX_SIGNATURES;
    p.spf_pass = spf_eval_result(e->spf) == SPF_PASS;
    p.spf_domain = spf_eval_domain(e->spf);
    if (dmarc_evaluate(eng, e->pi, &p, &e->dmarc) != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    return EXIT_OK;
}

static char *format(const struct arc_eval_opts *o, const struct eval *e,
                    const struct arc_verify *chain)
{
    struct authres *ar = authres_new(o->authserv_id);
    struct authres_result *r;
    char *out = NULL;

    if (!ar)
        return NULL;
    r = authres_add(ar, "spf", spf_result_name(spf_eval_result(e->spf)), NULL, NULL);
    bool ok = true;

    if (r)
        ok &= authres_add_prop(r, "smtp", o->mail_from[0] ? "mailfrom" : "helo",
                               o->mail_from[0] ? o->mail_from : o->helo) == AUTH_OK;
    if (!dkim_verify_count(e->dkim))
        authres_add(ar, "dkim", "none", NULL, NULL);
    for (size_t i = 0; i < dkim_verify_count(e->dkim); i++) {
        const struct dkim_sig_result *s = dkim_verify_result(e->dkim, i);
        r = authres_add(ar, "dkim", dkim_result_name(s->result), NULL, NULL);
        if (r && s->domain)
            ok &= authres_add_prop(r, "header", "d", s->domain) == AUTH_OK;
        if (r && s->selector)
            ok &= authres_add_prop(r, "header", "s", s->selector) == AUTH_OK;
    }
    r = authres_add(ar, "dmarc", dmarc_result_name(e->dmarc ? e->dmarc->result
                                                            : DMARC_RESULT_PERMERROR),
                    NULL, NULL);
    if (r && e->from)
        ok &= authres_add_prop(r, "header", "from", e->from->domain) == AUTH_OK;
    ok &= arc_authres_add(ar, chain, o->ip);
    if (!ok || authres_format(ar, 0, 1, &out) != AUTH_OK)
        out = NULL;
    authres_free(ar);
    return out;
}

int arc_eval_results(const struct arc_eval_opts *o, const char *msg, size_t len,
                     const struct msg_headers *h, size_t body_off, struct dns_engine *eng,
                     struct dkim_keystore *ks, const struct arc_verify *chain, char **out)
{
    struct eval e = { 0 };
    int rc;

    *out = NULL;
    if (dkim_verify_new(NULL, h, &e.dkim) != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    feed(e.dkim, msg, len, body_off);
    if (dkim_verify_final(e.dkim, ks) != AUTH_OK)
        rc = cmd_error(EXIT_RUNTIME, "out of memory");
    else if ((rc = run_spf(o, eng, &e)) == EXIT_OK && (rc = run_dmarc(h, eng, &e)) == EXIT_OK &&
             !(*out = format(o, &e, chain)))
        rc = cmd_error(EXIT_RUNTIME, "cannot build the results");
    spf_eval_free(e.spf);
    dkim_verify_free(e.dkim);
    auth_msg_address_free(e.from);
    dmarc_policy_info_free(e.pi);
    dmarc_eval_free(e.dmarc);
    return rc;
}
