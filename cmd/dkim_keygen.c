/*
 * dkim_keygen.c - `mailctl dkim keygen` and the dkimkeygen program: make a
 * key pair, write DIR/SELECTOR.private (PKCS#8 PEM, 0600, atomic, refuses
 * to overwrite without --force) and DIR/SELECTOR.txt (the record in zone
 * form), print the record; or with --from-key re-print the record of an
 * existing private key.  Private key material is never printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "auth/file.h"
#include "auth/name.h"
#include "cmd.h"
#include "dkim_cmd.h"

struct keygen_opts {
    const char *domain, *selector, *outdir, *from_key;
    enum dkim_keytype type;
    unsigned bits;
    bool force;
};

static void usage(FILE *fp, const char *prog)
{
    fprintf(fp, _(
        "usage: %s --domain D --selector S [--algorithm rsa|ed25519] [--bits 1024..4096]\n"
        "       [--out DIR] [--force] [--json]\n"
        "       %s --from-key FILE --selector S [--domain D] [--json]\n"
        "Writes DIR/S.private (PKCS#8 PEM, mode 0600) and DIR/S.txt, prints the record.\n"
        "\nexamples:\n"
        "  %s --domain example.com --selector mail --out /etc/dkim\n"
        "  %s --from-key /etc/dkim/mail.private --selector mail --domain example.com\n"),
        prog, prog, prog, prog);
}

/* The selector names a file and a DNS label, the domain a DNS name: both
 * as A-labels (the record must be published under what verifiers ask). */
static int names_to_alabels(struct keygen_opts *o)
{
    static char domain[AUTH_NAME_MAX], selector[AUTH_NAME_MAX];
    int rc;

    if ((rc = cmd_selector_arg("--selector", o->selector, selector, sizeof selector)) != EXIT_OK)
        return rc;
    o->selector = selector;
    if (!o->domain)
        return EXIT_OK;
    if ((rc = cmd_domain_arg("--domain", o->domain, domain, sizeof domain)) != EXIT_OK)
        return rc;
    o->domain = domain;
    return EXIT_OK;
}

static int parse_args(int argc, char **argv, const char *prog, struct keygen_opts *o)
{
    static const struct option longopts[] = {
        {"domain", required_argument, NULL, 'd'},
        {"selector", required_argument, NULL, 's'},
        {"algorithm", required_argument, NULL, 'a'},
        {"bits", required_argument, NULL, 'b'},
        {"out", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {"from-key", required_argument, NULL, 'k'},
        CMD_GLOBAL_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    char err[300];
    int opt, rc;

    while ((opt = cmd_getopt(argc, argv, "d:s:a:b:o:fk:vq", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        char *end;
        long v;

        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (opt) {
        case 'd': o->domain = optarg; break;
        case 's': o->selector = optarg; break;
        case 'o': o->outdir = optarg; break;
        case 'f': o->force = true; break;
        case 'k': o->from_key = optarg; break;
        case 'a':
            if (!strcmp(optarg, "rsa"))
                o->type = DKIM_KEY_RSA;
            else if (!strcmp(optarg, "ed25519"))
                o->type = DKIM_KEY_ED25519;
            else
                return cmd_error(EXIT_USAGE, "bad --algorithm '%s': want rsa or ed25519", optarg);
            break;
        case 'b':
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || v < 1024 || v > 4096)
                return cmd_error(EXIT_USAGE, "bad --bits '%s': want 1024..4096", optarg);
            o->bits = (unsigned)v;
            break;
        case OPT_HELP: usage(stdout, prog); return -1;
        default:
            fprintf(stderr, _("Try '%s --help'.\n"), prog);
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cmd_error(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
    if (!o->selector || (!o->from_key && !o->domain))
        return cmd_error(EXIT_USAGE, "%s needs --domain and --selector", prog);
    if ((rc = names_to_alabels(o)) != EXIT_OK)
        return rc;
    /* Both name a DNS record and the selector names the files too. */
    if (dns_ldh_name_check("--selector", o->selector, 1, NULL, err, sizeof err) != AUTH_OK ||
        (o->domain &&
         dns_ldh_name_check("--domain", o->domain, 1, NULL, err, sizeof err) != AUTH_OK))
        return cmd_error(EXIT_USAGE, "%s", err);
    return EXIT_OK;
}

/* The record of key and its zone-file text (both malloc'd). */
static int record_texts(EVP_PKEY *key, const char *selector, const char *domain,
                        char **record, char **zone)
{
    char err[200];

    *zone = NULL;
    if (dkim_record_for_key(key, record, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "%s", err);
    *zone = dkim_record_zone_text(selector, domain, *record);
    if (!*zone) {
        free(*record);
        *record = NULL;
        return cmd_error(EXIT_RUNTIME, "out of memory");
    }
    return EXIT_OK;
}

/* Print the record (zone text, or JSON with the files' names). */
static int print_record(const struct keygen_opts *o, EVP_PKEY *key, const char *key_file,
                        const char *txt_file, const char *record, const char *zone)
{
    unsigned bits = 0;
    int type = dkim_pkey_type(key, &bits), rc = EXIT_OK;

    if (g_opts.json) {
        json_t *doc = json_object();
        char name[600];

        snprintf(name, sizeof name, "%s._domainkey%s%s", o->selector, o->domain ? "." : "",
                 o->domain ? o->domain : "");
        json_object_set_new(doc, "domain", json_str_or_null(o->domain));
        json_object_set_new(doc, "selector", json_string(o->selector));
        json_object_set_new(doc, "algorithm",
                            json_string(type == DKIM_KEY_ED25519 ? "ed25519" : "rsa"));
        json_object_set_new(doc, "bits", json_integer(bits));
        json_object_set_new(doc, "key_file", json_str_or_null(key_file));
        json_object_set_new(doc, "record_file", json_str_or_null(txt_file));
        json_object_set_new(doc, "name", json_string(name));
        json_object_set_new(doc, "type", json_string("TXT"));
        json_object_set_new(doc, "value", json_string(record));
        json_object_set_new(doc, "zone", json_string(zone));
        rc = out_json(doc);
    } else {
        fputs(zone, stdout);
    }
    return rc;
}

int dkim_keygen_main(int argc, char **argv, const char *prog)
{
    struct keygen_opts o = { .outdir = ".", .bits = 2048, .type = DKIM_KEY_RSA };
    struct dkim_keyfiles *kf;
    char *record = NULL, *zone = NULL;
    EVP_PKEY *key = NULL;
    int rc = parse_args(argc, argv, prog, &o);

    if (rc != EXIT_OK)
        return rc < 0 ? EXIT_OK : rc;
    if (o.from_key) {
        if ((rc = cmd_load_private_key(o.from_key, &key)) != EXIT_OK)
            return rc;
        rc = record_texts(key, o.selector, o.domain, &record, &zone);
        if (rc == EXIT_OK)
            rc = print_record(&o, key, NULL, NULL, record, zone);
        free(record);
        free(zone);
        EVP_PKEY_free(key);
        return rc;
    }
    const struct dkim_keyfiles_params kp = {
        .domain = o.domain, .selector = o.selector, .outdir = o.outdir,
        .type = o.type, .bits = o.bits, .force = o.force,
    };
    char err[512];
    enum auth_status st = dkim_keyfiles_stage(&kp, &kf, err, sizeof err);

    if (st != AUTH_OK)
        return cmd_file_error(st, err);
    rc = print_record(&o, dkim_keyfiles_key(kf), dkim_keyfiles_key_path(kf),
                      dkim_keyfiles_record_path(kf), dkim_keyfiles_record(kf),
                      dkim_keyfiles_zone(kf));
    if (rc == EXIT_OK)
        rc = cmd_stdout_check();           /* the record shown, or no key */
    if (rc == EXIT_OK && (st = dkim_keyfiles_commit(kf, err, sizeof err)) != AUTH_OK)
        rc = cmd_file_error(st, err);
    if (rc == EXIT_OK && !g_opts.json && g_opts.verbose >= 0)
        fprintf(stderr, _("private key written to %s (keep it secret)\n"),
                dkim_keyfiles_key_path(kf));
    dkim_keyfiles_free(kf);
    return rc;
}
