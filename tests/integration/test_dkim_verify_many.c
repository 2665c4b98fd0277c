/*
 * test_dkim_verify_many.c - `mailctl dkim verify --json FILE...` of many
 * files (verified on worker threads) prints what verifying each file alone
 * prints, in argument order, each line with its "file" key; errors go to
 * stderr in argument order; the exit code is the worst of them.  The JSON
 * carries "identity" (i=).  Each line is byte for byte what jansson makes
 * of the object (a file name needing escapes among them).  Against the test NSD (testdata/zones), messages
 * signed for org.dmarctest with testdata/keys/dmarc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "testenv.h"

#define NFILES 60

static struct test_nsd nsd;
static char dir[256];

static int start(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/mailctl-verify-many-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    test_nsd_stop(&nsd);
    return test_rmtree(dir);
}

/* mailctl --resolver NSD ARGS (argv NULL-terminated, at most 80). */
static void run(struct test_out *o, char **args)
{
    char *argv[NFILES + 20] = { (char *)test_mailctl(), "--resolver", nsd.spec, "--timeout", "2" };
    int n = 5;

    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    assert_int_equal(test_run(argv, NULL, NULL, 0, 120, o), 0);
}

static const char message[] = "From: Alice <alice@org.dmarctest>\r\nTo: bob@example.org\r\n"
                              "Subject: many\r\n\r\nHello Bob,\r\n\r\nthe body.\r\n";

/* dir/name: message signed with selector sel (and i= when identity). */
static void make_signed(const char *name, const char *sel, const char *identity,
                        const char *from, const char *to)
{
    char key[600], in[600], path[600], *text;
    struct test_out o;
    char *args[] = { "dkim", "sign", "--domain", "org.dmarctest", "--selector", (char *)sel,
                     "--key", key, in, identity ? "--identity" : NULL, (char *)identity, NULL };

    snprintf(key, sizeof key, "%s/s1.private", dir);
    snprintf(in, sizeof in, "%s/in.eml", dir);
    assert_int_equal(test_spit(in, message, strlen(message)), 0);
    run(&o, args);
    if (o.status != 0)
        fail_msg("sign: %s", o.err);
    text = strdup(o.out);
    assert_non_null(text);
    if (from) {
        char *p = strstr(text, from);
        assert_non_null(p);
        memcpy(p, to, strlen(to));          /* same length: a tampered copy */
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(test_spit(path, text, strlen(text)), 0);
    free(text);
    test_out_free(&o);
}

static void copy_key(void)
{
    char src[600], dst[600], cmd[2000];

    snprintf(src, sizeof src, "%s/keys/dmarc/s1.private", test_datadir());
    snprintf(dst, sizeof dst, "%s/s1.private", dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chmod 600 '%s'", src, dst, dst);
    assert_int_equal(system(cmd), 0);
}

/* The kinds of file, cycled through the argument list. */
static const char *const kinds[] = { "pass.eml", "tampered.eml", "nokey.eml", "nosig.eml",
                                     "bad.eml", "adir", "missing.eml", "auid.eml",
                                     "q\"uo\\te\001\t\xc3\xbc.eml" };
#define NKINDS (sizeof kinds / sizeof kinds[0])

static json_t *alone[NKINDS];     /* verify --json of each kind alone (NULL: no JSON) */
static char *alone_err[NKINDS];

static void make_files(void)
{
    char path[600], *args[5] = { "dkim", "verify", "--json", NULL, NULL };
    struct test_out o;

    copy_key();
    make_signed("pass.eml", "s1", NULL, NULL, NULL);
    make_signed("tampered.eml", "s1", NULL, "Hello Bob", "Hello Eve");
    make_signed("nokey.eml", "nokey", NULL, NULL, NULL);
    make_signed("auid.eml", "s1", "alice@org.dmarctest", NULL, NULL);
    make_signed(kinds[8], "s1", NULL, NULL, NULL);
    snprintf(path, sizeof path, "%s/nosig.eml", dir);
    assert_int_equal(test_spit(path, message, strlen(message)), 0);
    snprintf(path, sizeof path, "%s/bad.eml", dir);
    {
        static const char bad[] = "this is not a header\r\n\r\nbody\r\n";
        assert_int_equal(test_spit(path, bad, sizeof bad - 1), 0);
    }
    snprintf(path, sizeof path, "%s/adir", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    for (size_t k = 0; k < NKINDS; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, kinds[k]);
        args[3] = path;
        run(&o, args);
        alone[k] = o.out_len ? json_loads(o.out, 0, NULL) : NULL;
        alone_err[k] = strdup(o.err);
        test_out_free(&o);
    }
}

/* line is jansson's compact dump of {"file": path} followed by alone's keys. */
static void expect_bytes(const char *line, const char *path, json_t *alone_doc)
{
    json_t *o = json_object(), *v;
    const char *k;
    char *text;

    json_object_set_new(o, "file", json_string(path));
    json_object_foreach(alone_doc, k, v)
        json_object_set(o, k, v);
    text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(text);
    assert_string_equal(line, text);
    free(text);
    json_decref(o);
}

static void many_files_print_what_each_alone_prints(void **state)
{
    char *args[NFILES + 4] = { "dkim", "verify", "--json" }, *paths[NFILES];
    char *line, *save = NULL, *want_err, *e;
    struct test_out o;
    size_t i = 0, k;

    make_files();
    for (k = 0; k < NFILES; k++) {
        paths[k] = malloc(600);
        assert_non_null(paths[k]);
        snprintf(paths[k], 600, "%s/%s", dir, kinds[k % NKINDS]);
        args[3 + k] = paths[k];
    }
    args[3 + NFILES] = NULL;
    run(&o, args);
    assert_int_equal(o.status, 1);        /* a failing message: 1 beats bad input (2) */

    /* stdout: one JSON line per file that could be opened, in order */
    for (line = strtok_r(o.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *doc = json_loads(line, 0, NULL), *want;
        while (i < NFILES && !alone[i % NKINDS])
            i++;                           /* the missing file: no JSON, as alone */
        assert_true(i < NFILES);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "file")), paths[i]);
        assert_int_equal(json_object_del(doc, "file"), 0);
        want = alone[i % NKINDS];
        expect_bytes(line, paths[i], want);
        if (!json_equal(doc, want))
            fail_msg("file %zu (%s): %s\nalone: %s", i, kinds[i % NKINDS], line,
                     want ? json_dumps(want, JSON_COMPACT) : "(none)");
        json_decref(doc);
        i++;
    }
    while (i < NFILES && !alone[i % NKINDS])
        i++;
    assert_int_equal(i, NFILES);

    /* stderr: the complaints of each file alone, in argument order */
    want_err = calloc(NFILES, 300);
    assert_non_null(want_err);
    for (k = 0; k < NFILES; k++)
        strcat(want_err, alone_err[k % NKINDS]);
    for (e = o.err; !strncmp(e, "mailctl: warning:", 17);)
        e = strchr(e, '\n') + 1;
    assert_string_equal(e, want_err);
    free(want_err);
    test_out_free(&o);
    for (k = 0; k < NFILES; k++)
        free(paths[k]);
}

/* i= is reported as "identity"; null without i=. */
static void identity_is_reported(void **state)
{
    json_t *sig = json_array_get(json_object_get(alone[7], "signatures"), 0);

    assert_non_null(sig);
    assert_string_equal(json_string_value(json_object_get(sig, "identity")),
                        "alice@org.dmarctest");
    assert_string_equal(json_string_value(json_object_get(sig, "result")), "pass");
    sig = json_array_get(json_object_get(alone[0], "signatures"), 0);
    assert_true(json_is_null(json_object_get(sig, "identity")));
    assert_string_equal(json_string_value(json_object_get(alone[1], "result")), "fail");
    assert_string_equal(json_string_value(json_object_get(alone[2], "result")), "permerror");
    for (size_t k = 0; k < NKINDS; k++)
        json_decref(alone[k]), free(alone_err[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_files_print_what_each_alone_prints),
        cmocka_unit_test(identity_is_reported),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
