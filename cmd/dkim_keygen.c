/*
 * dkim_keygen.c - `mailctl dkim keygen` and the dkimkeygen program: make a
 * key pair, write DIR/SELECTOR.private (PKCS#8 PEM, 0600, atomic, refuses
 * to overwrite without --force) and DIR/SELECTOR.txt (the record in zone
 * form), print the record; or with --from-key re-print the record of an
 * existing private key.  Private key material is never printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
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
    int opt;

    while ((opt = getopt_long(argc, argv, "d:s:a:b:o:fk:vq", longopts, NULL)) != -1) {
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
            fprintf(stderr, "Try '%s --help'.\n", prog);
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cmd_error(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
    if (!o->selector || (!o->from_key && !o->domain))
        return cmd_error(EXIT_USAGE, "%s needs --domain and --selector", prog);
    return names_to_alabels(o);
}

/* Write the zone text atomically, mode 0644. */
static int write_text(const char *path, const char *text, bool force)
{
    size_t tl = strlen(path) + 12;
    char *tmp = malloc(tl);
    int fd, e = 0;
    bool ok;

    if (!tmp)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    snprintf(tmp, tl, "%s.tmpXXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        e = errno;
        free(tmp);
        return cmd_error(EXIT_RUNTIME, "cannot write %s: %s", path, strerror(e));
    }
    ok = fchmod(fd, 0644) == 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
         fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (ok)
        ok = force ? rename(tmp, path) == 0 : link(tmp, path) == 0;
    e = errno;
    unlink(tmp);
    free(tmp);
    if (!ok)
        return cmd_error(e == EEXIST ? EXIT_USAGE : EXIT_RUNTIME, "cannot write %s: %s%s", path,
                         strerror(e), e == EEXIST ? " (use --force)" : "");
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

int dkim_keyfiles_make(struct dkim_keyfiles *kf)
{
    char err[300], name[300];
    EVP_PKEY *key = NULL;
    int rc;

    kf->record = kf->zone = NULL;
    kf->key = NULL;
    kf->bits = kf->bits ? kf->bits : 2048;
    snprintf(name, sizeof name, "%s.private", kf->selector);
    if ((rc = cmd_path_join(kf->key_file, sizeof kf->key_file, kf->outdir, name)) != EXIT_OK)
        return rc;
    snprintf(name, sizeof name, "%s.txt", kf->selector);
    if ((rc = cmd_path_join(kf->txt_file, sizeof kf->txt_file, kf->outdir, name)) != EXIT_OK ||
        (rc = cmd_outdir_prepare(kf->outdir)) != EXIT_OK)
        return rc;
    if (!kf->force && (access(kf->key_file, F_OK) == 0 || access(kf->txt_file, F_OK) == 0))
        return cmd_error(EXIT_USAGE, "%s exists (use --force to replace it)",
                         access(kf->key_file, F_OK) == 0 ? kf->key_file : kf->txt_file);
    if (dkim_keygen(kf->type, kf->bits, &key, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "%s", err);
    if (dkim_privkey_write(key, kf->key_file, kf->force, err, sizeof err) != AUTH_OK) {
        EVP_PKEY_free(key);
        return cmd_error(EXIT_RUNTIME, "%s", err);
    }
    rc = record_texts(key, kf->selector, kf->domain, &kf->record, &kf->zone);
    if (rc == EXIT_OK)
        rc = write_text(kf->txt_file, kf->zone, kf->force);
    kf->key = key;
    if (rc != EXIT_OK)
        dkim_keyfiles_clear(kf);
    return rc;
}

void dkim_keyfiles_clear(struct dkim_keyfiles *kf)
{
    free(kf->record);
    free(kf->zone);
    EVP_PKEY_free(kf->key);
    kf->record = kf->zone = NULL;
    kf->key = NULL;
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
        if (key_file && g_opts.verbose >= 0)
            fprintf(stderr, "private key written to %s (keep it secret)\n", key_file);
        fputs(zone, stdout);
    }
    return rc;
}

int dkim_keygen_main(int argc, char **argv, const char *prog)
{
    struct keygen_opts o = { .outdir = ".", .bits = 2048, .type = DKIM_KEY_RSA };
    struct dkim_keyfiles kf;
    char err[300], *record = NULL, *zone = NULL;
    EVP_PKEY *key = NULL;
    int rc = parse_args(argc, argv, prog, &o);

    if (rc != EXIT_OK)
        return rc < 0 ? EXIT_OK : rc;
    if (o.from_key) {
        if (dkim_privkey_load(o.from_key, &key, err, sizeof err) != AUTH_OK)
            return cmd_error(EXIT_USAGE, "%s", err);
        rc = record_texts(key, o.selector, o.domain, &record, &zone);
        if (rc == EXIT_OK)
            rc = print_record(&o, key, NULL, NULL, record, zone);
        free(record);
        free(zone);
        EVP_PKEY_free(key);
        return rc;
    }
    kf = (struct dkim_keyfiles){ .domain = o.domain, .selector = o.selector,
                                 .outdir = o.outdir, .type = o.type, .bits = o.bits,
                                 .force = o.force };
    if ((rc = dkim_keyfiles_make(&kf)) != EXIT_OK)
        return rc;
    rc = print_record(&o, kf.key, kf.key_file, kf.txt_file, kf.record, kf.zone);
    dkim_keyfiles_clear(&kf);
    return rc;
}
