/*
 * arc_seal.c - `mailctl arc seal [FILE] --domain D --selector S --key FILE
 * ...`: add the next ARC set to a message, as a forwarder or list does
 * (RFC 8617 5.1), and write the sealed message to stdout.
 *
 * The results sealed into the ARC-Authentication-Results are either this
 * program's own evaluation of the message as received (SPF, DKIM, DMARC,
 * ARC; arc_eval.c), or with --use-ar those of the message's
 * Authentication-Results fields from --authserv-id (a gateway that has
 * evaluated already).  The chain's cv= is the ARC result: from the
 * Authentication-Results' arc= with --use-ar when it has one, else this
 * program's own validation.
 *
 * Nothing is written before everything is known: the message is held in
 * memory (bounded), the key is checked against the published record (exit
 * 2 when they differ), the set is made, then the message goes out with the
 * three fields prepended in its own line ending.  When the newest seal
 * already says cv=fail nothing is added: the message goes out unchanged
 * and the exit is 1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "arc_cmd.h"
#include "auth/authres.h"
#include "auth/name.h"
#include "cmd.h"

#define MAX_MESSAGE ((size_t)64 << 20)

struct seal_opts {
    const char *file, *domain, *selector, *key, *authserv_id, *headers;
    struct arc_eval_opts ev;
    int algorithm;
    bool use_ar;
    time_t timestamp;
};

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl arc seal [FILE] --domain D --selector S --key FILE\n"
        "                        [--authserv-id ID] --ip IP --mail-from ADDR --helo NAME\n"
        "                        [--algorithm rsa-sha256|ed25519-sha256] [--headers LIST]\n"
        "                        [--use-ar] [--timestamp T]\n\n"
        "Evaluate the message as received (SPF, DKIM, DMARC, ARC) and add the next ARC\n"
        "set; the sealed message goes to stdout.  --use-ar seals the results of the\n"
        "message's own Authentication-Results from --authserv-id (default mailctl)\n"
        "instead (--ip, --mail-from and --helo are then not needed).  --headers: the\n"
        "fields the ARC-Message-Signature signs, comma-separated.\n"
        "exit: 0 sealed, 1 not sealed (the chain had already failed: output unchanged),\n"
        "      2 bad input or a key that does not match its record, 3 runtime failure\n"
        "\nexamples:\n"
        "  mailctl arc seal msg.eml --domain lists.example.org --selector arc --key arc.private \\\n"
        "      --ip 192.0.2.25 --mail-from bounce@example.com --helo mx.example.com\n"
        "  mailctl arc seal msg.eml --domain lists.example.org --selector arc --key arc.private \\\n"
        "      --use-ar --authserv-id mx.example.org\n"));
}

/* The whole input, bounded. */
static int read_all(FILE *fp, char **out, size_t *len)
{
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap);

    while (buf && (got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = cap >= MAX_MESSAGE ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return cap >= MAX_MESSAGE
                       ? cmd_error(EXIT_USAGE, "the message is over %zu MiB", MAX_MESSAGE >> 20)
                       : cmd_error(EXIT_RUNTIME, "out of memory");
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    if (ferror(fp)) {
        free(buf);
        return cmd_error(EXIT_RUNTIME, "read error: %s", strerror(errno));
    }
    *out = buf;
    *len = n;
    return EXIT_OK;
}

/* The authserv-id of an Authentication-Results value: the text before the
 * first ';', trimmed. */
static bool ar_from(const char *v, size_t len, const char *id, size_t *rest)
{
    size_t a = 0, b, idl = strlen(id);

    while (a < len && strchr(" \t\r\n", v[a]))
        a++;
    b = a;
    while (b < len && v[b] != ';' && !strchr(" \t\r\n", v[b]))
        b++;
    if (b - a != idl || strncasecmp(v + a, id, idl) != 0)
        return false;
    *rest = b;
    return true;
}

static void trimmed(const char *v, size_t len, const char **p, size_t *n)
{
    while (len && strchr(" \t\r\n;", *v)) {
        v++;
        len--;
    }
    while (len && strchr(" \t\r\n;", v[len - 1]))
        len--;
    *p = v;
    *n = len;
}

/* The payload of every Authentication-Results field from id, merged:
 * "id; r1; r2..." (malloc).  *arc: the arc= result found, or -1. */
static char *results_from_ar(const struct msg_headers *h, const char *id, int *arc)
{
    size_t cap = 1, len = 0, i = (size_t)-1;
    char *out = calloc(1, 1);

    *arc = -1;
    while (out && (i = auth_msg_headers_find(h, "Authentication-Results", i + 1)) != (size_t)-1) {
        size_t vl, rest, pl;
        const char *v = auth_msg_header_value(auth_msg_headers_get(h, i), &vl), *p;
        struct authres *ar = NULL;
        char err[128], *no;

        if (!ar_from(v, vl, id, &rest))
            continue;
        if (authres_parse(v, vl, &ar, err, sizeof err) == AUTH_OK)
            for (size_t k = 0; k < ar->nresults; k++)
                if (!strcmp(ar->results[k].method, "arc"))
                    *arc = !strcmp(ar->results[k].result, "pass") ? ARC_PASS
                         : !strcmp(ar->results[k].result, "none") ? ARC_NONE : ARC_FAIL;
        authres_free(ar);
        if (len)
            trimmed(v + rest, vl - rest, &p, &pl);
        else
            trimmed(v, vl, &p, &pl);
        if (!pl)
            continue;
        no = realloc(out, cap += pl + 2);
        if (!no) {
            free(out);
            return NULL;
        }
        out = no;
        if (len) {
            memcpy(out + len, "; ", 2);
            len += 2;
        }
        memcpy(out + len, p, pl);
        out[len += pl] = '\0';
    }
    if (out && !len) {
        free(out);
        out = NULL;
    }
    return out;
}

struct sealing {
    char *msg;
    size_t len, hdr_len, body_off;
    struct msg_headers *hdrs;
    struct dns_engine *eng;
    struct dkim_keystore *ks;
    EVP_PKEY *key;
    struct arc_verify *chain;
    char *results;
};

static int load(const struct seal_opts *o, struct sealing *s)
{
    FILE *fp = o->file ? fopen(o->file, "rb") : stdin;
    char err[256];
    int rc;

    if (!fp)
        return cmd_error(EXIT_USAGE, "cannot read %s: %s", o->file, strerror(errno));
    rc = read_all(fp, &s->msg, &s->len);
    if (fp != stdin)
        fclose(fp);
    if (rc != EXIT_OK)
        return rc;
    if (auth_msg_header_end(s->msg, s->len, &s->hdr_len, &s->body_off) != AUTH_OK)
        s->hdr_len = s->body_off = s->len;
    if (auth_msg_headers_parse(s->msg, s->hdr_len, NULL, &s->hdrs, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "%s: %s", o->file ? o->file : "stdin", err);
    if (dkim_privkey_load(o->key, &s->key, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "--key: %s", err);
    if ((rc = cmd_dns_engine(&s->eng)) != EXIT_OK)
        return rc;
    if (dkim_keystore_new(&s->ks) != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    dkim_keystore_use_dns(s->ks, s->eng);
    return EXIT_OK;
}

/* The chain as received. */
static int validate(struct sealing *s)
{
    if (arc_verify_new(NULL, s->hdrs, &s->chain) != AUTH_OK ||
        arc_verify_body(s->chain, s->msg + s->body_off, s->len - s->body_off) != AUTH_OK ||
        arc_verify_final(s->chain, s->ks) != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    return EXIT_OK;
}

static int write_out(const char *fields, const struct sealing *s)
{
    if ((fields && fputs(fields, stdout) == EOF) || fwrite(s->msg, 1, s->len, stdout) != s->len ||
        fflush(stdout) != 0)
        return cmd_error(EXIT_RUNTIME, "write error: %s", strerror(errno));
    return EXIT_OK;
}

static int seal(const struct seal_opts *o, struct sealing *s)
{
    struct arc_seal_params p = { .domain = o->domain, .selector = o->selector, .key = s->key,
                                 .algorithm = o->algorithm, .headers = o->headers,
                                 .timestamp = o->timestamp };
    struct arc_seal *as = NULL;
    char err[256], *fields = NULL;
    const char *nl = memchr(s->msg, '\n', s->hdr_len);
    enum auth_status st;
    int arc = -1, rc;

    st = dkim_keystore_match(s->ks, o->selector, o->domain, s->key, err, sizeof err);
    if (st != AUTH_OK)
        return cmd_error(st == AUTH_ETIMEOUT || st == AUTH_ETEMP || st == AUTH_ENOMEM
                         ? EXIT_RUNTIME : EXIT_USAGE, "%s", err);
    if ((rc = validate(s)) != EXIT_OK)
        return rc;
    if (o->use_ar) {
        s->results = results_from_ar(s->hdrs, o->authserv_id, &arc);
        if (!s->results)
            return cmd_error(EXIT_USAGE, "no Authentication-Results field from %s to seal",
                             o->authserv_id);
    } else if ((rc = arc_eval_results(&o->ev, s->msg, s->len, s->hdrs, s->body_off, s->eng,
                                      s->ks, s->chain, &s->results)) != EXIT_OK) {
        return rc;
    }
    p.results = s->results;
    p.cv = arc >= 0 ? (enum arc_result)arc : arc_verify_result(s->chain);
    p.crlf = !nl || (nl > s->msg && nl[-1] == '\r');
    st = arc_seal_new(&p, s->hdrs, &as, err, sizeof err);
    if (st == AUTH_EPERM) {
        cmd_error(EXIT_PROBLEM, "%s; the message is passed on unchanged", err);
        return (rc = write_out(NULL, s)) == EXIT_OK ? EXIT_PROBLEM : rc;
    }
    if (st != AUTH_OK)
        return cmd_error(st == AUTH_EINVAL ? EXIT_USAGE : EXIT_RUNTIME, "%s", err);
    if (arc_seal_body(as, s->msg + s->body_off, s->len - s->body_off) != AUTH_OK ||
        arc_seal_final(as, &fields, err, sizeof err) != AUTH_OK)
        rc = cmd_error(EXIT_RUNTIME, "%s", err);
    else
        rc = write_out(fields, s);
    free(fields);
    arc_seal_free(as);
    return rc;
}

static int run(const struct seal_opts *o)
{
    struct sealing s = { 0 };
    int rc = load(o, &s);

    if (rc == EXIT_OK)
        rc = seal(o, &s);
    free(s.results);
    arc_verify_free(s.chain);
    EVP_PKEY_free(s.key);
    dkim_keystore_free(s.ks);
    dns_engine_free(s.eng);
    auth_msg_headers_free(s.hdrs);
    free(s.msg);
    return rc;
}

enum { OPT_DOMAIN = OPT_GLOBAL_LAST + 1, OPT_SELECTOR, OPT_KEY, OPT_AUTHSERV, OPT_IP,
       OPT_MAIL_FROM, OPT_HELO, OPT_ALG, OPT_HEADERS, OPT_USE_AR, OPT_TIMESTAMP };

/* "a,b , c" -> "a:b:c" (static buffer); NULL when too long or empty. */
static const char *colon_list(const char *s)
{
    static char out[4096];
    size_t n = 0;

    for (; *s; s++) {
        if (*s == ' ' || *s == '\t')
            continue;
        if (n + 1 >= sizeof out || *s == ':' || *s == ';')
            return NULL;
        out[n++] = *s == ',' ? ':' : *s;
    }
    out[n] = '\0';
    return n ? out : NULL;
}

static int parse_opt(int opt, struct seal_opts *o)
{
    char *end;

    switch (opt) {
    case 'h': case OPT_HELP: usage(stdout); return EXIT_OK;
    case OPT_DOMAIN: o->domain = optarg; break;
    case OPT_SELECTOR: o->selector = optarg; break;
    case OPT_KEY: o->key = optarg; break;
    case OPT_AUTHSERV: o->authserv_id = optarg; break;
    case OPT_IP: o->ev.ip = optarg; break;
    case OPT_MAIL_FROM: o->ev.mail_from = optarg; break;
    case OPT_HELO: o->ev.helo = optarg; break;
    case OPT_USE_AR: o->use_ar = true; break;
    case OPT_ALG:
        o->algorithm = dkim_alg_parse(optarg, strlen(optarg));
        if (o->algorithm != DKIM_RSA_SHA256 && o->algorithm != DKIM_ED25519_SHA256)
            return cmd_usage_error("arc seal", "--algorithm takes rsa-sha256 or ed25519-sha256");
        break;
    case OPT_HEADERS:
        if (!(o->headers = colon_list(optarg)))
            return cmd_usage_error("arc seal", "--headers takes a comma-separated list of names");
        break;
    case OPT_TIMESTAMP:
        errno = 0;
        o->timestamp = (time_t)strtoll(optarg, &end, 10);
        if (errno || end == optarg || *end || o->timestamp <= 0)
            return cmd_usage_error("arc seal", "--timestamp takes seconds since 1970 (> 0)");
        break;
    default: return cmd_usage_error("arc seal", "unknown option");
    }
    return -1;
}

/* d= and s= as A-labels (RFC 8616), DNS names only: what receivers look
 * up, whatever form was typed.  The buffers live for the run. */
static int names_to_alabels(struct seal_opts *o)
{
    static char domain[AUTH_NAME_MAX], selector[AUTH_NAME_MAX];
    char err[256];
    int rc;

    if ((rc = cmd_domain_arg("--domain", o->domain, domain, sizeof domain)) != EXIT_OK ||
        (rc = cmd_selector_arg("--selector", o->selector, selector, sizeof selector)) != EXIT_OK)
        return rc;
    o->domain = domain;
    o->selector = selector;
    if (dns_ldh_name_check("--domain", o->domain, 1, NULL, err, sizeof err) != AUTH_OK ||
        dns_ldh_name_check("--selector", o->selector, 1, NULL, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "%s", err);
    return EXIT_OK;
}

int arc_seal_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"domain", required_argument, NULL, OPT_DOMAIN},
        {"selector", required_argument, NULL, OPT_SELECTOR},
        {"key", required_argument, NULL, OPT_KEY},
        {"authserv-id", required_argument, NULL, OPT_AUTHSERV},
        {"ip", required_argument, NULL, OPT_IP},
        {"mail-from", required_argument, NULL, OPT_MAIL_FROM},
        {"helo", required_argument, NULL, OPT_HELO},
        {"algorithm", required_argument, NULL, OPT_ALG},
        {"headers", required_argument, NULL, OPT_HEADERS},
        {"use-ar", no_argument, NULL, OPT_USE_AR},
        {"timestamp", required_argument, NULL, OPT_TIMESTAMP},
        {NULL, 0, NULL, 0},
    };
    struct seal_opts o = { .authserv_id = "mailctl", .algorithm = DKIM_RSA_SHA256 };
    bool alg_given = false;
    int opt, r;

    while ((opt = cmd_getopt(argc, argv, "vqh", longopts)) != -1) {
        r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        alg_given |= opt == OPT_ALG;
        if ((r = parse_opt(opt, &o)) >= 0)
            return r;
    }
    if (optind < argc)
        o.file = argv[optind++];
    if (optind < argc)
        return cmd_usage_error("arc seal", "one message FILE at most");
    if (!o.domain || !o.selector || !o.key)
        return cmd_usage_error("arc seal", "--domain, --selector and --key are required");
    if (!o.use_ar && (!o.ev.ip || !o.ev.mail_from || !o.ev.helo))
        return cmd_usage_error("arc seal", "--ip, --mail-from and --helo are required "
                               "(or --use-ar to seal existing results)");
    if ((r = names_to_alabels(&o)) != EXIT_OK)
        return r;
    if (!alg_given)
        o.algorithm = -1;      /* from the key: rsa-sha256 for RSA keys */
    o.ev.authserv_id = o.authserv_id;
    return run(&o);
}
