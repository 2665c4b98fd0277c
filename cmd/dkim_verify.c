/*
 * dkim_verify.c - `mailctl dkim verify [FILE...]`: verify every signature
 * of each message (stdin when no FILE), keys from DNS through one engine
 * and key cache for the whole run.  Text, or JSON per ../shared/cli.md (one
 * object; JSON lines with a "file" key when several files are given).
 * Exit: 0 when every message has a passing signature, 1 otherwise, 3 when
 * the only obstacle was a temporary DNS failure, 2 for unreadable input.
 */
#include <errno.h>
#include <string.h>

#include "auth/dkim.h"
#include "cmd.h"
#include "dkim_cmd.h"

static void feed(void *ctx, const char *p, size_t n)
{
    /* A failed hash update is kept by the verifier: the signatures using
     * that hash come out temperror at dkim_verify_final. */
    auth_status_ignore(dkim_verify_body(ctx, p, n));
}

static json_t *sig_json(const struct dkim_sig_result *r)
{
    json_t *o = json_object();

    json_object_set_new(o, "domain", json_str_or_null(r->domain));
    json_object_set_new(o, "selector", json_str_or_null(r->selector));
    json_object_set_new(o, "algorithm", r->algorithm >= 0
                        ? json_string(dkim_alg_name((enum dkim_alg)r->algorithm)) : json_null());
    json_object_set_new(o, "result", json_string(dkim_result_name(r->result)));
    json_object_set_new(o, "reason", json_str_or_null(r->reason_text));
    json_object_set_new(o, "body_hash_ok", json_boolean(r->body_hash_ok));
    json_object_set_new(o, "unsigned_body_bytes", json_integer((json_int_t)r->unsigned_body_bytes));
    json_object_set_new(o, "weak", json_boolean(r->weak));
    json_object_set_new(o, "testing", json_boolean(r->testing));
    if (r->key_bits)
        json_object_set_new(o, "key_bits", json_integer(r->key_bits));
    return o;
}

static const char *result_color(enum dkim_result r)
{
    return r == DKIM_PASS ? out_green() : r == DKIM_TEMPERROR ? out_yellow() : out_red();
}

static void print_text(const char *file, const struct dkim_verify *v)
{
    enum dkim_result all = dkim_verify_overall(v);

    printf("%s%s%sdkim=%s%s%s\n", file ? out_esc(file) : "", file ? ": " : "", out_bold(),
           result_color(all), dkim_result_name(all), out_reset());
    for (size_t i = 0; i < dkim_verify_count(v); i++) {
        const struct dkim_sig_result *r = dkim_verify_result(v, i);
        printf("  [%zu] %s%-9s%s d=%s s=%s a=%s", i + 1, result_color(r->result),
               dkim_result_name(r->result), out_reset(), r->domain ? out_esc(r->domain) : "?",
               r->selector ? out_esc(r->selector) : "?",
               r->algorithm >= 0 ? dkim_alg_name((enum dkim_alg)r->algorithm) : "?");
        if (r->reason_text)
            printf(" (%s)", out_esc(r->reason_text));
        if (r->has_length)
            printf(_(" l=: %llu body octets unsigned"), (unsigned long long)r->unsigned_body_bytes);
        putchar('\n');
    }
}

static int verify_one(FILE *fp, const char *file, bool lines, struct dkim_keystore *ks)
{
    struct msg_input in;
    struct dkim_verify *v = NULL;
    enum dkim_result all;
    int rc;

    if (msg_input_read(fp, &in) != 0) {
        if (g_opts.json) {
            json_t *o = json_object();
            if (file && lines)
                json_object_set_new(o, "file", json_string(file));
            json_object_set_new(o, "result", json_string("permerror"));
            json_object_set_new(o, "error", json_string(in.err));
            json_object_set_new(o, "signatures", json_array());
            lines ? out_json_line(o) : out_json(o);
        }
        cmd_error(EXIT_USAGE, "%s: %s", file ? file : "stdin", in.err);
        msg_input_free(&in);
        return EXIT_USAGE;
    }
    static const struct dkim_verify_params vp = {
        .hash_thread_after = DKIM_BODYHASH_PIPELINE_AFTER };   /* mailctl: large bodies on two cores */

    if (dkim_verify_new(&vp, in.hdrs, &v) != AUTH_OK ||
        msg_input_body(&in, feed, v) != 0 || dkim_verify_final(v, ks) != AUTH_OK) {
        dkim_verify_free(v);
        msg_input_free(&in);
        return cmd_error(EXIT_RUNTIME, "%s: read error or out of memory", file ? file : "stdin");
    }
    all = dkim_verify_overall(v);
    if (g_opts.json) {
        json_t *o = json_object(), *sigs = json_array();
        if (file && lines)
            json_object_set_new(o, "file", json_string(file));
        json_object_set_new(o, "result", json_string(dkim_result_name(all)));
        for (size_t i = 0; i < dkim_verify_count(v); i++)
            json_array_append_new(sigs, sig_json(dkim_verify_result(v, i)));
        json_object_set_new(o, "signatures", sigs);
        lines ? out_json_line(o) : out_json(o);
    } else {
        print_text(lines ? file : NULL, v);
    }
    rc = all == DKIM_PASS ? EXIT_OK : all == DKIM_TEMPERROR ? EXIT_RUNTIME : EXIT_PROBLEM;
    dkim_verify_free(v);
    msg_input_free(&in);
    return rc;
}

int dkim_verify_main(int argc, char **argv)
{
    static const struct option longopts[] = { CMD_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0} };
    struct dns_engine *eng = NULL;
    struct dkim_keystore *ks = NULL;
    int opt, rc = EXIT_OK;

    while ((opt = cmd_getopt(argc, argv, "vq", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        if (opt == OPT_HELP) {
            fputs(_("usage: mailctl dkim verify [--json] [FILE...]\n\n"
                    "Verify every DKIM-Signature of each message (stdin without FILE):\n"
                    "the overall result, then each signature with its domain, selector,\n"
                    "algorithm and the reason it failed.\n"
                    "exit: 0 a signature passes, 1 none does, 2 bad input, 3 DNS failure\n"
                    "\nexamples:\n"
                    "  mailctl dkim verify signed.eml\n"
                    "  mailctl dkim verify --json a.eml b.eml\n"), stdout);
            return EXIT_OK;
        } else
            return cmd_usage_error("dkim verify", "bad option");
    }
    if ((rc = cmd_dns_engine(&eng)) != EXIT_OK)
        return rc;
    if (dkim_keystore_new(&ks) != AUTH_OK) {
        dns_engine_free(eng);
        return cmd_error(EXIT_RUNTIME, "out of memory");
    }
    dkim_keystore_use_dns(ks, eng);
    if (optind >= argc) {
        rc = verify_one(stdin, NULL, false, ks);
    } else {
        bool lines = argc - optind > 1;
        for (int i = optind; i < argc; i++) {
            FILE *fp = fopen(argv[i], "rb");
            if (!fp) {
                rc = cmd_exit_worse(rc, cmd_error(EXIT_USAGE, "cannot read %s: %s", argv[i],
                                         strerror(errno)));
                continue;
            }
            rc = cmd_exit_worse(rc, verify_one(fp, argv[i], lines, ks));
            fclose(fp);
        }
    }
    dkim_keystore_free(ks);
    dns_engine_free(eng);
    return rc;
}
