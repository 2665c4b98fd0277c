/*
 * auth.c - `mailctl auth [FILE] --ip IP --mail-from ADDR --helo NAME
 * [--authserv-id ID] [--dmarc-discovery treewalk|psl]`: the receiver's
 * verdict on a message.  SPF for the envelope sender and for HELO, every
 * DKIM signature, DMARC on the one RFC5322.From domain with alignment, then
 * a ready Authentication-Results header (RFC 8601) and, with --json, every
 * sub-result with its evidence.
 *
 * The pct sample is reproducible: its roll is a hash of --seed and the
 * Message-ID (see pct_roll()), reported as dmarc.pct_roll in --json.
 *
 * Exit: 0 DMARC pass; 1 DMARC fail or permerror (also a From that DMARC
 * cannot use); 2 bad input; 3 inconclusive (temperror, or no policy).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "arc_cmd.h"
#include "auth/address.h"
#include "auth/authres.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "cmd.h"
#include "dkim_cmd.h"
#include "dmarc_out.h"
#include "spf_cmd.h"

struct auth_opts {
    const char *file, *ip, *mail_from, *helo, *authserv_id;
    enum dmarc_discovery method;
    unsigned long seed;            /* --seed: mixed into the pct roll */
    const char *trust_arc[16];     /* --trust-arc: sealers for a local override */
    size_t ntrust_arc;
};

struct verdict {
    struct spf_eval *spf, *helo_spf;
    struct dkim_verify *dkim;
    struct address *from;
    char from_err[256];
    struct dmarc_policy_info *pi;
    struct dmarc_eval *ev;
    int pct_roll;                  /* 0..99, from --seed and the Message-ID */
    struct arc_verify *arc;        /* the ARC chain (RFC 8617) */
};

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl auth [FILE] --ip IP --mail-from ADDR --helo NAME [--authserv-id ID]\n"
        "                    [--dmarc-discovery treewalk|psl] [--seed N] [--json]\n"
        "                    [--trust-arc DOMAIN[,DOMAIN...]]...\n\n"
        "SPF (envelope and HELO), every DKIM signature and DMARC for a received message\n"
        "(stdin when no FILE), printed as an Authentication-Results header.  An empty\n"
        "--mail-from is the null reverse-path.\n"
        "The DMARC pct sample (RFC 7489 6.3) is drawn from a hash of --seed (default 0)\n"
        "and the Message-ID, so a message always gets the same verdict; change --seed\n"
        "to draw again.\n"
        "The ARC chain is validated too (arc=).  --trust-arc names sealers whose\n"
        "ARC-Authentication-Results an operator would accept for a local override:\n"
        "reported separately (JSON \"trusted_arc\"); dmarc= never changes.\n"
        "exit: 0 DMARC pass; 1 fail, none (no policy) or permerror: the message is not\n"
        "proven to come from its From domain; 2 bad input; 3 temperror (a DNS lookup\n"
        "the verdict needs failed).\n"
        "\nexamples:\n"
        "  mailctl auth msg.eml --ip 192.0.2.25 --mail-from bounce@example.com --helo mx.example.com\n"
        "  mailctl auth --ip 2001:db8::25 --mail-from '' --helo mx.example.com --json < msg.eml\n"));
}

static void feed(void *ctx, const char *p, size_t n)
{
    struct verdict *v = ctx;

    /* A failed hash update is kept by each verifier: the signatures and
     * seals using that hash come out temperror at the end. */
    auth_status_ignore(dkim_verify_body(v->dkim, p, n));
    auth_status_ignore(arc_verify_body(v->arc, p, n));
}

/* The From field(s) of the message into v->from (or v->from_err). */
static int extract_from(const struct msg_headers *h, struct verdict *v)
{
    const char *vals[8];
    size_t lens[8], n = 0;

    for (size_t i = auth_msg_headers_find(h, "From", 0); i != (size_t)-1;
         i = auth_msg_headers_find(h, "From", i + 1)) {
        if (n < 8)
            vals[n] = auth_msg_header_value(auth_msg_headers_get(h, i), &lens[n]);
        n++;
    }
    enum auth_status st = auth_msg_address_from_headers(vals, lens, n > 8 ? 8 : n, &v->from,
                                               v->from_err, sizeof v->from_err);
    if (st == AUTH_EPARSE && n > 8)
        snprintf(v->from_err, sizeof v->from_err, "the message has %zu From header fields", n);
    return st == AUTH_ENOMEM ? -1 : 0;
}

static int run_spf(struct dns_engine *eng, const struct auth_opts *o, struct verdict *v)
{
    struct spf_request rq = { 0 };
    char err[256];

    if (auth_ip_parse(o->ip, &rq.ip) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "--ip '%s' is not an IP address", o->ip);
    rq.mail_from = o->mail_from;
    rq.helo = o->helo;
    rq.receiver = o->authserv_id;
    if (spf_check_host(eng, &rq, &v->spf, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "SPF: %s", err);
    if (o->mail_from[0] && o->helo[0]) {
        rq.mail_from = NULL;
        if (spf_check_host(eng, &rq, &v->helo_spf, err, sizeof err) != AUTH_OK)
            v->helo_spf = NULL;
    }
    return EXIT_OK;
}

/* The pct sample roll, 0..99: the first four bytes of SHA-256("SEED:" +
 * the Message-ID value, surrounding whitespace trimmed), so reruns on one
 * message agree and different messages spread evenly. */
static int pct_roll(const struct msg_headers *h, unsigned long seed)
{
    size_t i = auth_msg_headers_find(h, "Message-ID", 0), len = 0;
    const char *id = i == (size_t)-1 ? "" : auth_msg_header_value(auth_msg_headers_get(h, i), &len);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char prefix[32];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int n = snprintf(prefix, sizeof prefix, "%lu:", seed);

    while (len && (*id == ' ' || *id == '\t' || *id == '\r' || *id == '\n')) {
        id++;
        len--;
    }
    while (len && (id[len - 1] == ' ' || id[len - 1] == '\t' || id[len - 1] == '\r' ||
                   id[len - 1] == '\n'))
        len--;
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(ctx, prefix, (size_t)n) || !EVP_DigestUpdate(ctx, id, len) ||
        !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen < 4) {
        EVP_MD_CTX_free(ctx);
        return 0;                      /* no digest: sampled in (full policy) */
    }
    EVP_MD_CTX_free(ctx);
    return (int)((((uint32_t)md[0] << 24) | ((uint32_t)md[1] << 16) | ((uint32_t)md[2] << 8) |
                  md[3]) % 100u);
}

static int run_dmarc(struct dns_engine *eng, const struct auth_opts *o, struct verdict *v)
{
    struct dmarc_dkim_input in[DKIM_MAX_SIGNATURES];
    struct dmarc_eval_params p = { .pct_roll = -1 };
    char err[256];
    size_t n = dkim_verify_count(v->dkim);

    if (!v->from)
        return EXIT_OK;
    if (dmarc_discover(eng, v->from->domain_ascii, o->method, &v->pi, err, sizeof err)
        != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "DMARC: %s", err);
    for (size_t i = 0; i < n && i < DKIM_MAX_SIGNATURES; i++) {
        const struct dkim_sig_result *r = dkim_verify_result(v->dkim, i);
        in[i].domain = r->domain;
        in[i].selector = r->selector;
        in[i].pass = r->result == DKIM_PASS;
    }
    p.dkim = in;
    p.ndkim = n < DKIM_MAX_SIGNATURES ? n : DKIM_MAX_SIGNATURES;
    p.spf_pass = spf_eval_result(v->spf) == SPF_PASS;
    p.spf_domain = spf_eval_domain(v->spf);
    p.pct_roll = v->pct_roll;
    if (dmarc_evaluate(eng, v->pi, &p, &v->ev) != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    return EXIT_OK;
}

static enum dmarc_result dmarc_verdict(const struct verdict *v)
{
    return v->ev ? v->ev->result : DMARC_RESULT_PERMERROR;
}

/* DMARC result to exit code (documented in docs/contract-additions.md):
 * only a pass proves the From domain, so none and permerror are problems
 * like fail; temperror alone is a runtime failure. */
static int auth_exit_code(enum dmarc_result d)
{
    switch (d) {
    case DMARC_RESULT_PASS: return EXIT_OK;
    case DMARC_RESULT_TEMPERROR: return EXIT_RUNTIME;
    default: return EXIT_PROBLEM;
    }
}

/* false when out of memory (the header is then not printed) */
static bool ar_spf(struct authres *ar, const struct spf_eval *ev, const struct auth_opts *o,
                   bool helo)
{
    struct authres_result *r = authres_add(ar, "spf", spf_result_name(spf_eval_result(ev)),
                                           spf_eval_reason(ev), NULL);
    if (!r)
        return false;
    if (helo || !o->mail_from[0])
        return authres_add_prop(r, "smtp", "helo", o->helo) == AUTH_OK;
    return authres_add_prop(r, "smtp", "mailfrom", o->mail_from) == AUTH_OK;
}

static char *build_header(const struct verdict *v, const struct auth_opts *o)
{
    struct authres *ar = authres_new(o->authserv_id);
    struct authres_result *r;
    char *out = NULL, comment[128];
    bool ok;

    if (!ar)
        return NULL;
    ok = ar_spf(ar, v->spf, o, false);
    if (v->helo_spf)
        ok &= ar_spf(ar, v->helo_spf, o, true);
    if (dkim_verify_count(v->dkim) == 0)
        authres_add(ar, "dkim", "none", NULL, NULL);
    for (size_t i = 0; i < dkim_verify_count(v->dkim); i++) {
        const struct dkim_sig_result *s = dkim_verify_result(v->dkim, i);
        r = authres_add(ar, "dkim", dkim_result_name(s->result), s->reason_text, NULL);
        if (r && s->domain)
            ok &= authres_add_prop(r, "header", "d", s->domain) == AUTH_OK;
        if (r && s->selector)
            ok &= authres_add_prop(r, "header", "s", s->selector) == AUTH_OK;
    }
    ok &= arc_authres_add(ar, v->arc, o->ip);
    if (v->ev && v->ev->result != DMARC_RESULT_NONE && v->pi->record) {
        const struct dmarc_record *rec = v->pi->record;
        snprintf(comment, sizeof comment, "p=%s sp=%s dis=%s",
                 rec->p_defaulted ? "none" : dmarc_policy_name(rec->p),
                 dmarc_policy_name(rec->sp != DMARC_POLICY_UNSET ? rec->sp : rec->p),
                 dmarc_policy_name(v->ev->disposition));
    }
    r = authres_add(ar, "dmarc", dmarc_result_name(dmarc_verdict(v)),
                    v->ev ? (v->ev->result == DMARC_RESULT_PASS ? NULL : v->ev->reason)
                          : v->from_err,
                    v->ev && v->ev->result != DMARC_RESULT_NONE && v->pi->record
                    ? comment : NULL);
    if (r && v->from)
        ok &= authres_add_prop(r, "header", "from", v->from->domain) == AUTH_OK;
    if (r && v->ev && v->ev->result == DMARC_RESULT_FAIL)
        ok &= authres_add_prop(r, "policy", "dmarc",
                               dmarc_policy_name(v->ev->disposition)) == AUTH_OK;
    if (!ok || authres_format(ar, 1, 1, &out) != AUTH_OK)
        out = NULL;
    authres_free(ar);
    return out;
}

static json_t *dkim_json(const struct dkim_verify *dv)
{
    json_t *sigs = json_array();

    for (size_t i = 0; i < dkim_verify_count(dv); i++) {
        const struct dkim_sig_result *r = dkim_verify_result(dv, i);
        json_array_append_new(sigs, json_pack("{s:o, s:o, s:o, s:s, s:o, s:b, s:I}",
            "domain", json_str_or_null(r->domain), "selector", json_str_or_null(r->selector),
            "algorithm", r->algorithm >= 0
                ? json_string(dkim_alg_name((enum dkim_alg)r->algorithm)) : json_null(),
            "result", dkim_result_name(r->result), "reason", json_str_or_null(r->reason_text),
            "body_hash_ok", r->body_hash_ok,
            "unsigned_body_bytes", (json_int_t)r->unsigned_body_bytes));
    }
    return json_pack("{s:s, s:o}", "result", dkim_result_name(dkim_verify_overall(dv)),
                     "signatures", sigs);
}

/* Warnings about what the verdicts do not cover: content after a passing
 * signature's l= length is shown to the reader but signed by no one. */
static json_t *warnings(const struct verdict *v)
{
    json_t *w = json_array();
    char text[400];

    for (size_t i = 0; i < dkim_verify_count(v->dkim); i++) {
        const struct dkim_sig_result *r = dkim_verify_result(v->dkim, i);
        if (r->result != DKIM_PASS || !r->unsigned_body_bytes)
            continue;
        snprintf(text, sizeof text, T_("DKIM signature d=%s s=%s covers only part of the body "
                 "(l=): %llu octets after the signed length are unsigned and may have been "
                 "added by anyone"), r->domain, r->selector,
                 (unsigned long long)r->unsigned_body_bytes);
        json_array_append_new(w, json_string(text));
    }
    return w;
}

static json_t *dmarc_json(const struct verdict *v)
{
    json_t *o = v->pi ? dmarc_json_policy(v->pi, NULL) : json_object();

    if (!v->pi)
        json_object_set_new(o, "domain", json_null());
    json_object_set_new(o, "result", json_string(dmarc_result_name(dmarc_verdict(v))));
    json_object_set_new(o, "alignment", json_pack("{s:b, s:b}",
                        "spf", v->ev && v->ev->spf_aligned,
                        "dkim", v->ev && v->ev->dkim_aligned));
    json_object_set_new(o, "disposition", json_string(v->ev ? dmarc_policy_name(
                        v->ev->disposition) : "none"));
    json_object_set_new(o, "sampled_out", json_boolean(v->ev && v->ev->sampled_out));
    json_object_set_new(o, "pct_roll", json_integer(v->pct_roll));
    json_object_set_new(o, "reason", json_str_or_null(v->ev ? v->ev->reason : v->from_err));
    json_object_set_new(o, "from", v->from ? json_pack("{s:o, s:s, s:s, s:s}",
                        "display", json_str_or_null(v->from->display), "local",
                        v->from->local, "domain", v->from->domain, "domain_ascii",
                        v->from->domain_ascii) : json_null());
    return o;
}

static void print_text(const struct verdict *v, const char *header)
{
    enum dmarc_result d = dmarc_verdict(v);
    const char *c = d == DMARC_RESULT_PASS ? out_green() : d == DMARC_RESULT_FAIL ||
                    d == DMARC_RESULT_PERMERROR ? out_red() : out_yellow();

    json_t *w = warnings(v);
    size_t i;
    json_t *item;

    /* folded over lines: each line escaped, the folding kept */
    for (const char *p = header; *p;) {
        size_t n = strcspn(p, "\n"), len = n - (n && p[n - 1] == '\r');
        bool fold = len && p[0] == '\t';

        /* the header's own line ends kept: the text is the header as sent */
        printf("%s%s%s\n", fold ? "\t" : "", out_escn(p + fold, len - fold),
               len < n ? "\r" : "");
        p += n + (p[n] == '\n');
    }
    json_array_foreach(w, i, item)
        printf(_("%swarning:%s %s\n"), out_yellow(), out_reset(),
               out_esc(json_string_value(item)));
    json_decref(w);
    if (g_opts.verbose < 0)
        return;
    printf("\n%sDMARC %s%s", c, dmarc_result_name(d), out_reset());
    if (v->ev)
        printf(_("  %s; disposition %s; aligned: spf %s, dkim %s\n"), out_esc(v->ev->reason_for_people),
               dmarc_policy_name(v->ev->disposition), v->ev->spf_aligned ? _("yes") : _("no"),
               v->ev->dkim_aligned ? _("yes") : _("no"));
    else
        printf("  %s\n", out_esc(v->from_err));
}

static int finish(struct verdict *v, const struct auth_opts *o)
{
    char *header = build_header(v, o);
    enum dmarc_result d = dmarc_verdict(v);
    int code = auth_exit_code(d);

    if (!header)
        return cmd_error(EXIT_RUNTIME, "cannot build the Authentication-Results header");
    if (g_opts.json) {
        json_t *doc = json_pack("{s:o, s:o, s:o, s:o, s:s}", "spf", spf_eval_json(v->spf),
                                "helo_spf", v->helo_spf ? spf_eval_json(v->helo_spf)
                                                        : json_null(),
                                "dkim", dkim_json(v->dkim), "dmarc", dmarc_json(v),
                                "header", header);
        json_object_set_new(doc, "warnings", warnings(v));
        json_object_set_new(doc, "arc", arc_verify_json(v->arc));
        if (o->ntrust_arc)
            json_object_set_new(doc, "trusted_arc", arc_trust_json(v->arc, o->trust_arc,
                                o->ntrust_arc, dmarc_verdict(v) == DMARC_RESULT_PASS));
        if (out_json(doc) != EXIT_OK)
            code = EXIT_RUNTIME;
    } else {
        print_text(v, header);
    }
    free(header);
    return code;
}

static int run(const struct auth_opts *o)
{
    struct verdict v = { 0 };
    struct msg_input in = { 0 };
    struct dns_engine *eng = NULL;
    struct dkim_keystore *ks = NULL;
    FILE *fp = o->file ? fopen(o->file, "rb") : stdin;
    int code;

    if (!fp)
        return cmd_error(EXIT_USAGE, "cannot open %s", o->file);
    if (msg_input_read(fp, &in) != 0) {
        code = cmd_error(EXIT_USAGE, "%s: %s", o->file ? o->file : "stdin", in.err);
        goto out;
    }
    code = cmd_dns_engine(&eng);
    if (code != EXIT_OK)
        goto out;
    if (dkim_keystore_new(&ks) != AUTH_OK || extract_from(in.hdrs, &v) != 0 ||
        dkim_verify_new(&(struct dkim_verify_params){
                            .hash_thread_after = DKIM_BODYHASH_PIPELINE_AFTER },
                        in.hdrs, &v.dkim) != AUTH_OK ||
        arc_verify_new(NULL, in.hdrs, &v.arc) != AUTH_OK) {
        code = cmd_error(EXIT_RUNTIME, "out of memory");
        goto out;
    }
    v.pct_roll = pct_roll(in.hdrs, o->seed);
    dkim_keystore_use_dns(ks, eng);
    if (msg_input_body(&in, feed, &v) != 0 || dkim_verify_final(v.dkim, ks) != AUTH_OK ||
        arc_verify_final(v.arc, ks) != AUTH_OK) {
        code = cmd_error(EXIT_RUNTIME, "DKIM verification failed: %s", in.err);
        goto out;
    }
    code = run_spf(eng, o, &v);
    if (code == EXIT_OK)
        code = run_dmarc(eng, o, &v);
    if (code == EXIT_OK)
        code = finish(&v, o);
out:
    spf_eval_free(v.spf);
    spf_eval_free(v.helo_spf);
    dkim_verify_free(v.dkim);
    arc_verify_free(v.arc);
    auth_msg_address_free(v.from);
    dmarc_policy_info_free(v.pi);
    dmarc_eval_free(v.ev);
    dkim_keystore_free(ks);
    msg_input_free(&in);
    dns_engine_free(eng);
    if (fp && fp != stdin)
        fclose(fp);
    return code;
}

enum { OPT_IP = OPT_GLOBAL_LAST + 1, OPT_MAIL_FROM, OPT_HELO, OPT_AUTHSERV, OPT_DISC,
       OPT_SEED, OPT_TRUST_ARC };

int cmd_auth(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"ip", required_argument, NULL, OPT_IP},
        {"mail-from", required_argument, NULL, OPT_MAIL_FROM},
        {"helo", required_argument, NULL, OPT_HELO},
        {"authserv-id", required_argument, NULL, OPT_AUTHSERV},
        {"dmarc-discovery", required_argument, NULL, OPT_DISC},
        {"seed", required_argument, NULL, OPT_SEED},
        {"trust-arc", required_argument, NULL, OPT_TRUST_ARC},
        {NULL, 0, NULL, 0},
    };
    struct auth_opts o = { .authserv_id = "mailctl" };
    static char host[256];
    int opt;

    if (gethostname(host, sizeof host - 1) == 0 && host[0] && strchr(host, '.'))
        o.authserv_id = host;
    while ((opt = cmd_getopt(argc, argv, "vqh", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (opt) {
        case 'h':
        case OPT_HELP: usage(stdout); return EXIT_OK;
        case OPT_IP: o.ip = optarg; break;
        case OPT_MAIL_FROM: o.mail_from = optarg; break;
        case OPT_HELO: o.helo = optarg; break;
        case OPT_AUTHSERV:
            if (!authres_id_valid(optarg))
                return cmd_usage_error("auth", "bad --authserv-id: want a token or a domain "
                                       "name (no spaces, quotes or control characters)");
            o.authserv_id = optarg;
            break;
        case OPT_DISC:
            if (strcmp(optarg, "treewalk") == 0)
                o.method = DMARC_DISCOVERY_TREEWALK;
            else if (strcmp(optarg, "psl") == 0)
                o.method = DMARC_DISCOVERY_PSL;
            else
                return cmd_usage_error("auth", "--dmarc-discovery takes treewalk or psl");
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            o.seed = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-')
                return cmd_usage_error("auth", "--seed takes a non-negative integer");
            break;
        }
        case OPT_TRUST_ARC:
            for (char *d = optarg, *next; d; d = next) {
                if ((next = strchr(d, ',')))
                    *next++ = '\0';
                if (!*d)
                    continue;
                if (o.ntrust_arc == sizeof o.trust_arc / sizeof *o.trust_arc)
                    return cmd_usage_error("auth", "--trust-arc: at most 16 domains");
                o.trust_arc[o.ntrust_arc++] = d;
            }
            break;
        default: return cmd_usage_error("auth", "unknown option");
        }
    }
    if (optind < argc)
        o.file = argv[optind++];
    if (optind < argc)
        return cmd_usage_error("auth", "one message FILE at most");
    if (!o.ip || !o.mail_from || !o.helo)
        return cmd_usage_error("auth", "--ip, --mail-from and --helo are required");
    static char from_a[1024], helo_a[1024];
    int rc;
    if ((rc = cmd_idn_in_identity("--mail-from", o.mail_from, from_a, sizeof from_a)) != EXIT_OK ||
        (rc = cmd_idn_in_identity("--helo", o.helo, helo_a, sizeof helo_a)) != EXIT_OK)
        return rc;
    o.mail_from = from_a;
    o.helo = helo_a;
    return run(&o);
}
