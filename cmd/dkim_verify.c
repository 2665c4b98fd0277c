/*
 * dkim_verify.c - `mailctl dkim verify [FILE...]`: verify every signature
 * of each message (stdin when no FILE), keys from DNS through one engine
 * and key cache for the whole run (each key asked and parsed once).  Text,
 * or JSON per ../shared/cli.md (one object; JSON lines with a "file" key
 * when several files are given).
 * Exit: 0 when every message has a passing signature, 1 otherwise, 3 when
 * the only obstacle was a temporary DNS failure, 2 for unreadable input.
 *
 * Many files are verified by a few worker threads (dkim_verify_pool.c),
 * one per available core, the RSA operations being most of the work; the
 * results are printed in argument order, exactly as one thread would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/dkim.h"
#include "cmd.h"
#include "dkim_cmd.h"
#include "dkim_verify_int.h"

static void feed(void *ctx, const char *p, size_t n)
{
    /* A failed hash update is kept by the verifier: the signatures using
     * that hash come out temperror at dkim_verify_final. */
    auth_status_ignore(dkim_verify_body(ctx, p, n));
}

/* One signature; dkim_verify_line.c writes the same as a JSON line. */
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
    /* i=, the AUID (docs/contract-additions.md); null: none, so "@d=". */
    json_object_set_new(o, "identity", json_str_or_null(r->identity));
    return o;
}

/* The rendering of a JSON document: one line (JSON lines), or indented;
 * malloc'd, with its final newline.  NULL when out of memory. */
static char *render_json(json_t *doc, bool lines)
{
    size_t flags = (lines ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER;
    char small[1024], *s;
    size_t n = json_dumpb(doc, small, sizeof small, flags);

    if (n == 0 || !(s = malloc(n + 2))) {
        json_decref(doc);
        return NULL;
    }
    if (n <= sizeof small)
        memcpy(s, small, n);
    else if (json_dumpb(doc, s, n, flags) != n) {
        free(s);
        json_decref(doc);
        return NULL;
    }
    s[n] = '\n';
    s[n + 1] = '\0';
    json_decref(doc);
    return s;
}

static char *result_json(const char *file, bool lines, const struct dkim_verify *v)
{
    json_t *o = json_object(), *sigs = json_array();

    if (file && lines)
        json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "result", json_string(dkim_result_name(dkim_verify_overall(v))));
    for (size_t i = 0; i < dkim_verify_count(v); i++)
        json_array_append_new(sigs, sig_json(dkim_verify_result(v, i)));
    json_object_set_new(o, "signatures", sigs);
    return render_json(o, lines);
}

static char *input_error_json(const char *file, bool lines, const char *err)
{
    json_t *o = json_object();

    if (file && lines)
        json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "result", json_string("permerror"));
    json_object_set_new(o, "error", json_string(err));
    json_object_set_new(o, "signatures", json_array());
    return render_json(o, lines);
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
        if (r->reason_for_people)
            printf(" (%s)", out_esc(r->reason_for_people));
        if (r->has_length)
            printf(_(" l=: %llu body octets unsigned"), (unsigned long long)r->unsigned_body_bytes);
        putchar('\n');
    }
}

/* Read and verify one message (any thread): fills j->kind and what goes
 * with it; in JSON mode also the rendering (the verifier is then freed).
 * keep: the read buffer of this thread's previous message, used again. */
void dkim_vjob_run(struct dkim_vjob *j, const struct dkim_vrun *run, struct msg_input *keep)
{
    struct msg_input one = { .fd = -1 }, *in = keep ? keep : &one;
    struct dkim_verify_params vp = { .hash_thread_after = run->hash_thread_after };
    int fd = -1;
    int rd;

    if (j->file) {
        do
            fd = open(j->file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            j->kind = VJOB_OPEN;
            j->open_errno = errno;
            return;
        }
        rd = msg_input_read_fd(fd, in);
    } else {
        rd = msg_input_read(stdin, in);
    }
    if (rd != 0) {
        j->kind = VJOB_INPUT;
        snprintf(j->err, sizeof j->err, "%s", in->err);
        if (g_opts.json && !(j->out = run->lines ? dkim_verify_error_line(j->file, in->err)
                                                 : input_error_json(j->file, false, in->err)))
            j->kind = VJOB_RUNTIME;
    } else if (dkim_verify_new(&vp, in->hdrs, &j->v) != AUTH_OK ||
               msg_input_body(in, feed, j->v) != 0 || dkim_verify_final(j->v, run->ks) != AUTH_OK) {
        j->kind = VJOB_RUNTIME;
    } else {
        enum dkim_result all = dkim_verify_overall(j->v);
        j->kind = VJOB_DONE;
        j->rc = all == DKIM_PASS ? EXIT_OK : all == DKIM_TEMPERROR ? EXIT_RUNTIME : EXIT_PROBLEM;
        if (g_opts.json && !(j->out = run->lines ? dkim_verify_line(j->file, j->v)
                                                 : result_json(j->file, false, j->v)))
            j->kind = VJOB_RUNTIME;
    }
    if (j->kind != VJOB_DONE || g_opts.json) {
        dkim_verify_free(j->v);
        j->v = NULL;
    }
    if (keep && j->file)
        msg_input_release(in);
    else
        msg_input_free(in);
    if (fd >= 0)
        close(fd);
}

/* Print what dkim_vjob_run found (main thread, in argument order) and
 * free it; the exit code for this message.  stdout is flushed before a
 * line goes to stderr, so that the two interleave as they always did. */
int dkim_vjob_emit(struct dkim_vjob *j, const struct dkim_vrun *run)
{
    const char *name = j->file ? j->file : "stdin";
    int rc = j->rc;

    if (j->out)
        fputs(j->out, stdout);
    else if (j->v)
        print_text(run->lines ? j->file : NULL, j->v);
    if (j->kind != VJOB_DONE)
        fflush(stdout);
    if (j->kind == VJOB_OPEN)
        rc = cmd_error(EXIT_USAGE, "cannot read %s: %s", name, strerror(j->open_errno));
    else if (j->kind == VJOB_INPUT)
        rc = cmd_error(EXIT_USAGE, "%s: %s", name, j->err);
    else if (j->kind == VJOB_RUNTIME)
        rc = cmd_error(EXIT_RUNTIME, "%s: read error or out of memory", name);
    free(j->out);
    dkim_verify_free(j->v);
    memset(j, 0, sizeof *j);
    return rc;
}

int dkim_verify_main(int argc, char **argv)
{
    static const struct option longopts[] = { CMD_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0} };
    struct dns_engine *eng = NULL;
    struct dkim_vrun run = { .hash_thread_after = DKIM_BODYHASH_PIPELINE_AFTER };
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
    if (dkim_keystore_new(&run.ks) != AUTH_OK) {
        dns_engine_free(eng);
        return cmd_error(EXIT_RUNTIME, "out of memory");
    }
    dkim_keystore_use_dns(run.ks, eng);
    if (optind >= argc) {
        struct dkim_vjob j = { 0 };
        dkim_vjob_run(&j, &run, NULL);
        rc = dkim_vjob_emit(&j, &run);
    } else {
        run.lines = argc - optind > 1;
        rc = dkim_verify_files((const char *const *)argv + optind, (size_t)(argc - optind),
                               &run);
    }
    fflush(stdout);        /* a failed write was never an exit code here */
    dkim_keystore_free(run.ks);
    dns_engine_free(eng);
    return rc;
}
