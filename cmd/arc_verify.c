/*
 * arc_verify.c - `mailctl arc verify [FILE]`: validate the ARC chain of a
 * message (stdin when no FILE), keys from DNS in one batch.  Text, or the
 * JSON of ../shared/cli.md.  Exit 0 pass or none, 1 fail, 2 unreadable or
 * unparseable input (the JSON then says fail with the reason), 3 runtime
 * failure.
 */
#include <errno.h>
#include <string.h>

#include "arc_cmd.h"
#include "cmd.h"
#include "dkim_cmd.h"

json_t *arc_verify_json(const struct arc_verify *v)
{
    json_t *sets = json_array();
    enum arc_result r = arc_verify_result(v);

    for (size_t i = 0; i < arc_verify_count(v); i++) {
        const struct arc_set_result *s = arc_verify_set(v, i);
        json_array_append_new(sets, json_pack("{s:i, s:o, s:o, s:s, s:s, s:s}",
            "instance", (int)s->instance, "domain", json_str_or_null(s->domain),
            "selector", json_str_or_null(s->selector), "seal", arc_result_name(s->seal),
            "ams", arc_result_name(s->ams), "cv", arc_result_name(s->cv)));
    }
    return json_pack("{s:s, s:o, s:o, s:o, s:b}", "result", arc_result_name(r),
                     "sets", sets, "reason", json_str_or_null(arc_verify_reason(v)),
                     "oldest_pass", r == ARC_PASS ? json_integer(arc_verify_oldest_pass(v))
                                                  : json_null(),
                     "temperror", arc_verify_temperror(v));
}

static void print_text(const struct arc_verify *v)
{
    enum arc_result r = arc_verify_result(v);
    const char *c = r == ARC_PASS ? out_green() : r == ARC_FAIL ? out_red() : out_dim();

    printf("%sarc=%s%s%s", out_bold(), c, arc_result_name(r), out_reset());
    if (r == ARC_PASS)
        printf(" (oldest-pass=%u)", arc_verify_oldest_pass(v));   /* RFC 8617 terms */
    if (arc_verify_reason_for_people(v))
        printf(" (%s)", out_esc(arc_verify_reason_for_people(v)));
    putchar('\n');
    for (size_t i = 0; i < arc_verify_count(v); i++) {
        const struct arc_set_result *s = arc_verify_set(v, i);
        printf("  i=%u d=%s s=%s seal=%s ams=%s cv=%s\n", s->instance,
               s->domain ? s->domain : "?", s->selector ? s->selector : "?",
               arc_result_name(s->seal), arc_result_name(s->ams), arc_result_name(s->cv));
    }
}

static void feed(void *ctx, const char *p, size_t n)
{
    /* A failed hash update is sticky in the body hash: the sets using it
     * come out temperror at arc_verify_final. */
    auth_status_ignore(arc_verify_body(ctx, p, n));
}

static int verify(FILE *fp, const char *name, struct dkim_keystore *ks)
{
    struct msg_input in;
    struct arc_verify *v = NULL;
    int rc;

    if (msg_input_read(fp, &in) != 0) {
        /* unparseable or over the bounds: never a pass, and JSON readers
         * get the shape they expect with the reason */
        if (g_opts.json)
            out_json(json_pack("{s:s, s:[], s:s, s:n, s:b}", "result", "fail", "sets",
                               "reason", in.err, "oldest_pass", "temperror", 0));
        rc = cmd_error(EXIT_USAGE, "%s: %s", name, in.err);
        msg_input_free(&in);
        return rc;
    }
    if (arc_verify_new(NULL, in.hdrs, &v) != AUTH_OK || msg_input_body(&in, feed, v) != 0 ||
        arc_verify_final(v, ks) != AUTH_OK) {
        arc_verify_free(v);
        msg_input_free(&in);
        return cmd_error(EXIT_RUNTIME, "%s: read error or out of memory", name);
    }
    if (g_opts.json)
        rc = out_json(arc_verify_json(v));
    else
        print_text(v), rc = EXIT_OK;
    if (rc == EXIT_OK && arc_verify_result(v) == ARC_FAIL)
        rc = EXIT_PROBLEM;
    arc_verify_free(v);
    msg_input_free(&in);
    return rc;
}

int arc_verify_main(int argc, char **argv)
{
    static const struct option longopts[] = { CMD_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0} };
    struct dns_engine *eng = NULL;
    struct dkim_keystore *ks = NULL;
    FILE *fp = stdin;
    int opt, rc;

    while ((opt = cmd_getopt(argc, argv, "vq", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        if (opt == OPT_HELP) {
            fputs(_("usage: mailctl arc verify [--json] [FILE]\n\n"
                    "Validate the ARC chain (RFC 8617 5.2) of a message (stdin when no FILE).\n"
                    "exit: 0 pass or none, 1 fail, 2 bad input, 3 runtime failure\n"
                    "\nexamples:\n"
                    "  mailctl arc verify forwarded.eml\n"
                    "  mailctl arc verify --json < forwarded.eml\n"), stdout);
            return EXIT_OK;
        }
        return cmd_usage_error("arc verify", "unknown option");
    }
    if (argc - optind > 1)
        return cmd_usage_error("arc verify", "one message FILE at most");
    if (optind < argc && !(fp = fopen(argv[optind], "rb")))
        return cmd_error(EXIT_USAGE, "cannot read %s: %s", argv[optind], strerror(errno));
    if ((rc = cmd_dns_engine(&eng)) == EXIT_OK) {
        if (dkim_keystore_new(&ks) != AUTH_OK) {
            rc = cmd_error(EXIT_RUNTIME, "out of memory");
        } else {
            dkim_keystore_use_dns(ks, eng);
            rc = verify(fp, optind < argc ? argv[optind] : "stdin", ks);
        }
    }
    dkim_keystore_free(ks);
    dns_engine_free(eng);
    if (fp != stdin)
        fclose(fp);
    return rc;
}
