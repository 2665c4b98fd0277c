/*
 * dkim_sign.c - `mailctl dkim sign`: print each message (stdin when no
 * FILE) with one DKIM-Signature field prepended.  The body is hashed as it
 * streams; a regular file is then re-read from the body's offset, a pipe is
 * spooled to a temporary file while hashed.  The new field uses the line
 * ends of the message (CRLF or LF).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "auth/name.h"
#include "cmd.h"
#include "dkim_cmd.h"

struct body_ctx {
    struct dkim_sign *sign;
    FILE *spool;              /* NULL when the input is seekable */
};

static void feed(void *ctx, const char *p, size_t n)
{
    struct body_ctx *b = ctx;

    /* A failed hash update is sticky in the body hash: dkim_sign_final
     * reports it. */
    auth_status_ignore(dkim_sign_body(b->sign, p, n));
    if (b->spool)
        fwrite(p, 1, n, b->spool);
}

static bool copy_stream(FILE *from, FILE *to)
{
    char buf[65536];
    size_t n;

    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        if (fwrite(buf, 1, n, to) != n)
            return false;
    return !ferror(from);
}

/* The message's line-end style, from its first line (CRLF when none). */
static bool first_eol_is_crlf(const char *buf, size_t len)
{
    const char *nl = memchr(buf, '\n', len);

    return !nl || (nl > buf && nl[-1] == '\r');
}

static int sign_one(FILE *fp, const char *name, struct dkim_sign_params *p)
{
    struct msg_input in;
    struct body_ctx b = {0};
    char err[300], *field = NULL;
    off_t start = ftello(fp);
    bool seekable = start >= 0 && fseeko(fp, start, SEEK_SET) == 0;
    enum auth_status st;
    int rc = EXIT_OK;

    if (msg_input_read(fp, &in) != 0) {
        rc = cmd_error(EXIT_USAGE, "%s: %s", name, in.err);
        msg_input_free(&in);
        return rc;
    }
    p->crlf = first_eol_is_crlf(in.buf, in.len);
    if ((st = dkim_sign_new(p, in.hdrs, &b.sign, err, sizeof err)) != AUTH_OK) {
        msg_input_free(&in);      /* the message (the key was checked before) */
        return cmd_error(st == AUTH_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE, "%s: %s", name, err);
    }
    if (!seekable && !(b.spool = tmpfile()))
        rc = cmd_error(EXIT_RUNTIME, "cannot create a temporary file: %s", strerror(errno));
    if (rc == EXIT_OK && msg_input_body(&in, feed, &b) != 0)
        rc = cmd_error(EXIT_RUNTIME, "%s: read error", name);
    if (rc == EXIT_OK && dkim_sign_final(b.sign, &field, err, sizeof err) != AUTH_OK)
        rc = cmd_error(EXIT_RUNTIME, "%s: %s", name, err);
    if (rc == EXIT_OK) {
        fputs(field, stdout);
        fwrite(in.buf, 1, in.body_off, stdout);   /* the header block and blank line */
        if (b.spool) {
            rewind(b.spool);
            if (!copy_stream(b.spool, stdout))
                rc = cmd_error(EXIT_RUNTIME, "%s: spool read error", name);
        } else if (fseeko(fp, start + (off_t)in.body_off, SEEK_SET) != 0 ||
                   !copy_stream(fp, stdout)) {
            rc = cmd_error(EXIT_RUNTIME, "%s: cannot re-read the body", name);
        }
    }
    free(field);
    if (b.spool)
        fclose(b.spool);
    dkim_sign_free(b.sign);
    msg_input_free(&in);
    return rc;
}

/* d=, s= and the domain of i= as A-labels (RFC 8616 4): what verifiers
 * look up, whatever form the user typed.  The buffers live for the run. */
static int names_to_alabels(struct dkim_sign_params *p)
{
    static char domain[AUTH_NAME_MAX], selector[AUTH_NAME_MAX], identity[512];
    const char *at = p->identity ? strrchr(p->identity, '@') : NULL;
    int rc;

    if ((rc = cmd_domain_arg("--domain", p->domain, domain, sizeof domain)) != EXIT_OK ||
        (rc = cmd_selector_arg("--selector", p->selector, selector, sizeof selector)) != EXIT_OK)
        return rc;
    p->domain = domain;
    p->selector = selector;
    if (!p->identity)
        return EXIT_OK;
    if (!at)
        return cmd_error(EXIT_USAGE, "bad --identity: want [LOCAL]@DOMAIN");
    if ((size_t)(at - p->identity) + 2 > sizeof identity)
        return cmd_error(EXIT_USAGE, "--identity is too long");
    if ((rc = cmd_domain_arg("--identity domain", at + 1, identity + (at - p->identity) + 1,
                             sizeof identity - (size_t)(at - p->identity) - 1)) != EXIT_OK)
        return rc;
    memcpy(identity, p->identity, (size_t)(at - p->identity) + 1);
    p->identity = identity;
    return EXIT_OK;
}

static int parse_args(int argc, char **argv, struct dkim_sign_params *p, const char **key)
{
    static const struct option longopts[] = {
        {"domain", required_argument, NULL, 'd'},
        {"selector", required_argument, NULL, 's'},
        {"key", required_argument, NULL, 'k'},
        {"algorithm", required_argument, NULL, 'a'},
        {"canon", required_argument, NULL, 'c'},
        {"headers", required_argument, NULL, 'H'},
        {"identity", required_argument, NULL, 'i'},
        {"expire", required_argument, NULL, 'x'},
        {"timestamp", required_argument, NULL, 't'},
        {"body-length", no_argument, NULL, 'l'},
        CMD_GLOBAL_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    char err[300];
    int opt, rc;

    while ((opt = cmd_getopt(argc, argv, "d:s:k:a:c:H:i:x:t:lvq", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        char *end;
        long long v;

        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (opt) {
        case 'd': p->domain = optarg; break;
        case 's': p->selector = optarg; break;
        case 'k': *key = optarg; break;
        case 'H': p->headers = optarg; break;
        case 'i': p->identity = optarg; break;
        case 'l': p->body_length = true; break;
        case 'a':
            p->algorithm = dkim_alg_parse(optarg, strlen(optarg));
            if (p->algorithm < 0 || p->algorithm == DKIM_RSA_SHA1)
                return cmd_error(EXIT_USAGE, "bad --algorithm '%s': want rsa-sha256 or "
                                 "ed25519-sha256", optarg);
            break;
        case 'c':
            if (dkim_canon_parse(optarg, strlen(optarg), &p->header_canon,
                                 &p->body_canon) != AUTH_OK)
                return cmd_error(EXIT_USAGE, "bad --canon '%s': want H/B of simple|relaxed",
                                 optarg);
            break;
        case 'x':
        case 't':
            errno = 0;
            v = strtoll(optarg, &end, 10);
            if (errno || *end || v <= 0 || v > (1LL << 40))
                return cmd_error(EXIT_USAGE, "bad --%s '%s'", opt == 'x' ? "expire" : "timestamp",
                                 optarg);
            if (opt == 'x')
                p->expire_after = (unsigned long)v;
            else
                p->timestamp = (time_t)v;
            break;
        case OPT_HELP:
            fputs(_("usage: mailctl dkim sign --domain D --selector S --key FILE\n"
                    "       [--algorithm rsa-sha256|ed25519-sha256] [--canon H/B]\n"
                    "       [--headers from:to:...] [--identity I] [--timestamp T]\n"
                    "       [--expire SECONDS] [--body-length] [FILE]   (one message; stdin\n"
                    "       without FILE)\n\n"
                    "Print the message with a DKIM-Signature field added on top.\n"
                    "\nexamples:\n"
                    "  mailctl dkim sign --domain example.com --selector mail \\\n"
                    "      --key /etc/dkim/mail.private msg.eml > signed.eml\n"
                    "  mailctl dkim sign --domain example.com --selector ed1 --key ed1.private \\\n"
                    "      --algorithm ed25519-sha256 < msg.eml\n"), stdout);
            return -1;
        default:
            return cmd_usage_error("dkim sign", "bad option");
        }
    }
    if (!p->domain || !p->selector || !*key)
        return cmd_usage_error("dkim sign", "--domain, --selector and --key are required");
    if ((rc = names_to_alabels(p)) != EXIT_OK)
        return rc;
    if (dns_ldh_name_check("--domain", p->domain, 1, NULL, err, sizeof err) != AUTH_OK ||
        dns_ldh_name_check("--selector", p->selector, 1, NULL, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "%s", err);
    return EXIT_OK;
}

int dkim_sign_main(int argc, char **argv)
{
    struct dkim_sign_params p = { .hash_thread_after = DKIM_BODYHASH_PIPELINE_AFTER,
                                  .algorithm = -1, .header_canon = DKIM_CANON_RELAXED,
                                  .body_canon = DKIM_CANON_RELAXED };
    const char *keyfile = NULL;
    char err[300];
    EVP_PKEY *key;
    int rc = parse_args(argc, argv, &p, &keyfile);

    if (rc != EXIT_OK)
        return rc < 0 ? EXIT_OK : rc;
    /* One message: the signed message goes to stdout, and several would
     * run together there with nothing to tell where one ends. */
    if (argc - optind > 1)
        return cmd_usage_error("dkim sign", "dkim sign takes one message FILE (or stdin), "
                               "not %d: run it once per message", argc - optind);
    if ((rc = cmd_load_private_key(keyfile, &key)) != EXIT_OK)
        return rc;
    p.key = key;
    if (dkim_sign_check_key(&p, err, sizeof err) != AUTH_OK) {
        EVP_PKEY_free(key);       /* about the key: name the key, not a message */
        return cmd_error(EXIT_USAGE, "key %s: %s", keyfile, err);
    }
    if (optind >= argc) {
        rc = sign_one(stdin, "stdin", &p);
    } else {
        FILE *fp = fopen(argv[optind], "rb");
        if (!fp) {
            rc = cmd_error(EXIT_USAGE, "cannot read %s: %s", argv[optind], strerror(errno));
        } else {
            rc = sign_one(fp, argv[optind], &p);
            fclose(fp);
        }
    }
    EVP_PKEY_free(key);
    if (fflush(stdout) != 0 && rc == EXIT_OK)
        rc = cmd_error(EXIT_RUNTIME, "write error on stdout");
    return rc;
}
