/*
 * test_cli_safety.c - what the real binary does with the files it writes
 * and with its stdout when things go wrong: symlinks and special files at
 * the target, existing files without --force, a file-size limit hit half
 * way (RLIMIT_FSIZE in the child), stdout on /dev/full.  DNS answers come
 * from a real NSD on loopback.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testenv.h"
#include "testrun.h"

static struct test_nsd nsd;
static char dir[256];

static int start(void **state)
{
    return test_nsd_start(&nsd, NULL);
}

static int stop(void **state)
{
    test_nsd_stop(&nsd);
    return 0;
}

static int mkdir_each(void **state)
{
    char tmpl[] = "/tmp/mailctl-safety-XXXXXX";

    if (!mkdtemp(tmpl))
        return -1;
    snprintf(dir, sizeof dir, "%s", tmpl);
    return 0;
}

static int rmdir_each(void **state)
{
    return test_rmtree(dir);
}

/* Run mailctl ARGS... (NULL-terminated) in dir with options o. */
static void run(struct test_out *out, struct test_run_opts o, ...)
{
    static char bin[4096];
    char *argv[40] = { bin };
    int n = 1;
    va_list ap;
    const char *a;

    if (!bin[0])
        assert_non_null(realpath(test_mailctl(), bin));   /* it runs in dir */
    va_start(ap, o);
    while ((a = va_arg(ap, const char *)) && n < 39)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    if (!o.cwd)
        o.cwd = dir;
    assert_int_equal(test_run_opts(&o, argv, out), 0);
}

static struct test_run_opts plain = { 0 };

static void in_dir(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static void write_file(const char *name, const char *text)
{
    char p[512];
    FILE *fp;

    in_dir(p, sizeof p, name);
    fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static char *read_file(const char *name)
{
    static char buf[8192];
    char p[512];
    FILE *fp;
    size_t n;

    in_dir(p, sizeof p, name);
    fp = fopen(p, "r");
    if (!fp)
        return NULL;
    n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static int file_mode(const char *name)
{
    char p[512];
    struct stat st;

    in_dir(p, sizeof p, name);
    return lstat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* Names in dir, sorted, space-separated (hidden ones too: temp files). */
static const char *listing(void)
{
    static char buf[2048];
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);

    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
            if (buf[0])
                strncat(buf, " ", sizeof buf - strlen(buf) - 1);
            strncat(buf, ents[i]->d_name, sizeof buf - strlen(buf) - 1);
        }
        free(ents[i]);
    }
    free(ents);
    return buf;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected '%s' in: %s", needle, hay);
}

/* ---------- item 4: every written file refuses links, special files, clobbering ---------- */

static void keygen_existing_needs_force_and_keeps_mode(void **state)
{
    struct test_out out;

    run(&out, plain, "dkim", "keygen", "--domain", "example.com", "--selector", "s1",
        "--algorithm", "ed25519", "--out", ".", NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    assert_string_equal(listing(), "s1.private s1.txt");
    assert_int_equal(file_mode("s1.private"), 0600);
    char p[512];
    in_dir(p, sizeof p, "s1.txt");
    assert_int_equal(chmod(p, 0640), 0);
    char *before = strdup(read_file("s1.private"));

    run(&out, plain, "dkim", "keygen", "--domain", "example.com", "--selector", "s1",
        "--algorithm", "ed25519", "--out", ".", NULL);
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "exists");
    assert_contains(out.err, "--force");
    assert_string_equal(read_file("s1.private"), before);
    test_out_free(&out);

    run(&out, plain, "dkim", "keygen", "--domain", "example.com", "--selector", "s1",
        "--algorithm", "ed25519", "--out", ".", "--force", NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    assert_string_not_equal(read_file("s1.private"), before);
    assert_int_equal(file_mode("s1.txt"), 0640);        /* the replaced file's mode */
    assert_int_equal(file_mode("s1.private"), 0600);
    assert_string_equal(listing(), "s1.private s1.txt");
    free(before);
}

static void keygen_refuses_symlinks(void **state)
{
    struct test_out out;
    char target[512], link1[512], link2[512];

    write_file("victim", "precious\n");
    in_dir(target, sizeof target, "victim");
    in_dir(link1, sizeof link1, "s2.private");
    in_dir(link2, sizeof link2, "s3.txt");
    assert_int_equal(symlink(target, link1), 0);
    assert_int_equal(symlink("nowhere", link2), 0);        /* dangling */

    for (int force = 0; force < 2; force++) {
        run(&out, plain, "dkim", "keygen", "--domain", "example.com", "--selector", "s2",
            "--algorithm", "ed25519", "--out", dir, force ? "--force" : NULL, NULL);
        assert_int_equal(out.status, 2);
        assert_contains(out.err, "symbolic link");
        test_out_free(&out);
        assert_string_equal(read_file("victim"), "precious\n");
    }
    run(&out, plain, "dkim", "keygen", "--domain", "example.com", "--selector", "s3",
        "--algorithm", "ed25519", "--out", ".", "--force", NULL);
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "symbolic link");
    test_out_free(&out);
    assert_string_equal(listing(), "s2.private s3.txt victim");
}

/* mailctl --resolver NSD --dns-record TAPE mx good.example */
static void record_mx(struct test_out *out, struct test_run_opts o, const char *tape)
{
    run(out, o, "--resolver", nsd.spec, "--timeout", "2", "--dns-record", tape, "mx",
        "good.example", NULL);
}

static void dns_record_refuses_what_is_not_a_tape(void **state)
{
    struct test_out out;
    char p[512], q[512];

    write_file("notes", "not a tape\n");
    in_dir(p, sizeof p, "fifo");
    assert_int_equal(mkfifo(p, 0600), 0);
    in_dir(p, sizeof p, "notes");
    in_dir(q, sizeof q, "link");
    assert_int_equal(symlink(p, q), 0);

    record_mx(&out, plain, "notes");
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "not a mailctl DNS tape");
    test_out_free(&out);
    record_mx(&out, plain, "link");
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "symbolic link");
    test_out_free(&out);
    record_mx(&out, plain, "fifo");
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "not a regular file");
    test_out_free(&out);
    record_mx(&out, plain, "/dev/null");
    assert_int_equal(out.status, 2);
    test_out_free(&out);
    assert_string_equal(read_file("notes"), "not a tape\n");
    assert_string_equal(listing(), "fifo link notes");
}

static void dns_record_rerecords_a_tape_keeping_its_mode(void **state)
{
    struct test_out out;
    char p[512];

    record_mx(&out, plain, "t.tape");
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    assert_non_null(read_file("t.tape"));
    assert_memory_equal(read_file("t.tape"), "# mailctl dns tape 1\n", 21);
    in_dir(p, sizeof p, "t.tape");
    assert_int_equal(chmod(p, 0604), 0);
    record_mx(&out, plain, "t.tape");
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    assert_int_equal(file_mode("t.tape"), 0604);
    assert_string_equal(listing(), "t.tape");
    /* an empty file (made by mktemp beforehand) is taken too */
    write_file("empty", "");
    record_mx(&out, plain, "empty");
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    assert_memory_equal(read_file("empty"), "# mailctl dns tape 1\n", 21);
}

/* A write that fails half way (file-size limit) is exit 3 with the reason,
 * and leaves neither the file nor a temporary one. */
static void dns_record_write_error_is_exit_3(void **state)
{
    struct test_out out;
    struct test_run_opts o = { .fsize_limit = 40 };

    record_mx(&out, o, "t.tape");
    assert_int_equal(out.status, 3);
    assert_contains(out.err, "cannot write t.tape");
    test_out_free(&out);
    assert_string_equal(listing(), "");
}

/* ---------- item 8: a failed keygen leaves nothing ---------- */

static void keygen_write_error_leaves_nothing(void **state)
{
    /* The Ed25519 key (119 bytes) fits under the limit, the record file of
     * a 63-octet selector (named twice in it) does not. */
    static const char sel[] = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk";
    struct test_out out;
    struct test_run_opts o = { .fsize_limit = 150 };

    run(&out, o, "dkim", "keygen", "--domain", "example.com", "--selector", sel,
        "--algorithm", "ed25519", "--out", ".", NULL);
    assert_int_equal(out.status, 3);
    assert_contains(out.err, ".txt");
    assert_contains(out.err, "File too large");
    test_out_free(&out);
    assert_string_equal(listing(), "");
    /* and a rerun is not refused */
    run(&out, plain, "dkim", "keygen", "--domain", "example.com", "--selector", sel,
        "--algorithm", "ed25519", "--out", ".", NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
}

/* ---------- item 5: stdout that cannot be written ---------- */

static void stdout_full_is_exit_3(void **state)
{
    struct test_out out;
    struct test_run_opts o = { .stdout_path = "/dev/full" };

    run(&out, o, "--resolver", nsd.spec, "--timeout", "2", "check-dns", "--json",
        "--no-smtp", "good.example", NULL);
    assert_int_equal(out.status, 3);
    assert_contains(out.err, "standard output");
    test_out_free(&out);
    run(&out, o, "--resolver", nsd.spec, "--timeout", "2", "mx", "good.example", NULL);
    assert_int_equal(out.status, 3);
    assert_contains(out.err, "standard output");
    test_out_free(&out);
    run(&out, o, "--help", NULL);
    assert_int_equal(out.status, 3);
    test_out_free(&out);
}

static void setup_stdout_full_leaves_no_key(void **state)
{
    struct test_out out;
    struct test_run_opts o = { .stdout_path = "/dev/full" };

    run(&out, o, "setup", "example.com", "--mail-host", "mail.example.com", "--ip",
        "192.0.2.1", "--algorithm", "ed25519", "--out", ".", NULL);
    assert_int_equal(out.status, 3);
    assert_contains(out.err, "standard output");
    test_out_free(&out);
    assert_string_equal(listing(), "");
    run(&out, o, "dkim", "keygen", "--domain", "example.com", "--selector", "k",
        "--algorithm", "ed25519", NULL);
    assert_int_equal(out.status, 3);
    test_out_free(&out);
    assert_string_equal(listing(), "");
    /* with a stdout that works, the same run leaves the key and says so */
    run(&out, plain, "setup", "example.com", "--mail-host", "mail.example.com", "--ip",
        "192.0.2.1", "--algorithm", "ed25519", "--out", ".", NULL);
    assert_int_equal(out.status, 0);
    assert_contains(out.out, "mail._domainkey");
    test_out_free(&out);
    assert_string_equal(listing(), "mail.private mail.txt");
}

/* ---------- item 6: selector and domain are DNS names, or exit 2 ---------- */

static void dkim_names_are_validated(void **state)
{
    static const char *const bad_sel[] = { "a;b=c", "a;b", "a b", "../x", "-a", "a..b", "" };
    static const char *const bad_dom[] = { "a b", "a;b=c.example", "example.com;x=y", "a/b.c" };
    struct test_out out;

    write_file("m.eml", "From: a@example.com\r\nSubject: hi\r\n\r\nhi\r\n");
    run(&out, plain, "dkim", "keygen", "--domain", "example.com", "--selector", "s",
        "--algorithm", "ed25519", NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    for (size_t i = 0; i < sizeof bad_sel / sizeof bad_sel[0]; i++) {
        run(&out, plain, "dkim", "sign", "--domain", "example.com", "--selector", bad_sel[i],
            "--key", "s.private", "m.eml", NULL);
        assert_int_equal(out.status, 2);
        assert_string_equal(out.out, "");
        test_out_free(&out);
        run(&out, plain, "dkim", "keygen", "--domain", "example.com", "--selector", bad_sel[i],
            "--algorithm", "ed25519", NULL);
        assert_int_equal(out.status, 2);
        assert_string_equal(out.out, "");
        test_out_free(&out);
    }
    for (size_t i = 0; i < sizeof bad_dom / sizeof bad_dom[0]; i++) {
        run(&out, plain, "dkim", "sign", "--domain", bad_dom[i], "--selector", "s",
            "--key", "s.private", "m.eml", NULL);
        assert_int_equal(out.status, 2);
        assert_string_equal(out.out, "");
        test_out_free(&out);
        run(&out, plain, "dkim", "keygen", "--domain", bad_dom[i], "--selector", "t",
            "--algorithm", "ed25519", NULL);
        assert_int_equal(out.status, 2);
        test_out_free(&out);
    }
    assert_string_equal(listing(), "m.eml s.private s.txt");
    /* the largest accepted: several labels, 63 octets each */
    run(&out, plain, "dkim", "sign", "--domain", "sub.example.com", "--selector",
        "a-1.b2.abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk", "--key",
        "s.private", "m.eml", NULL);
    assert_int_equal(out.status, 0);
    assert_contains(out.out, "d=sub.example.com;");
    test_out_free(&out);
}

/* ---------- item 9: options in full, secrets never echoed, exposed files ---------- */

static void no_option_prefixes_and_no_secret_in_errors(void **state)
{
    struct test_out out;

    run(&out, plain, "send-test", "--from", "a@example.com", "--to", "b@example.com",
        "--user", "u", "--password", "S3cr3t", NULL);
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "unknown option '--password'");
    assert_null(strstr(out.err, "S3cr3t"));
    test_out_free(&out);
    run(&out, plain, "send-test", "--from", "a@example.com", "--to", "b@example.com",
        "--user", "u", "--password=S3cr3t", NULL);
    assert_int_equal(out.status, 2);
    assert_null(strstr(out.err, "S3cr3t"));
    test_out_free(&out);
    /* the secret given where the file name goes is not shown either */
    run(&out, plain, "send-test", "--from", "a@example.com", "--to", "b@example.com",
        "--user", "u", "--password-file", "S3cr3t", NULL);
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "--password-file");
    assert_null(strstr(out.err, "S3cr3t"));
    test_out_free(&out);
    /* every option, not only the secret ones; and getopt's own echo is gone */
    run(&out, plain, "--resolver", nsd.spec, "mx", "--jso", "good.example", NULL);
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "unknown option '--jso'");
    test_out_free(&out);
    run(&out, plain, "--resol", nsd.spec, "mx", "good.example", NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
    run(&out, plain, "mx", "--json=S3cr3t", "good.example", NULL);
    assert_int_equal(out.status, 2);
    assert_null(strstr(out.err, "S3cr3t"));
    test_out_free(&out);
    /* the full name still works */
    run(&out, plain, "--resolver", nsd.spec, "mx", "--json", "good.example", NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
}

static void exposed_secret_files_are_warned_about(void **state)
{
    struct test_out out;
    char port[16], server[64], p[512];

    write_file("m.eml", "From: a@example.com\r\nSubject: hi\r\n\r\nhi\r\n");
    run(&out, plain, "dkim", "keygen", "--domain", "example.com", "--selector", "s",
        "--algorithm", "ed25519", NULL);
    assert_int_equal(out.status, 0);
    test_out_free(&out);
    run(&out, plain, "dkim", "sign", "--domain", "example.com", "--selector", "s", "--key",
        "s.private", "m.eml", NULL);
    assert_int_equal(out.status, 0);
    assert_null(strstr(out.err, "warning"));
    test_out_free(&out);
    in_dir(p, sizeof p, "s.private");
    assert_int_equal(chmod(p, 0640), 0);
    run(&out, plain, "dkim", "sign", "--domain", "example.com", "--selector", "s", "--key",
        "s.private", "m.eml", NULL);
    assert_int_equal(out.status, 0);
    assert_contains(out.err, "warning: the private key s.private can be read by group");
    test_out_free(&out);

    write_file("pw", "S3cr3t\n");
    in_dir(p, sizeof p, "pw");
    assert_int_equal(chmod(p, 0604), 0);
    snprintf(port, sizeof port, "%d", test_free_port());
    snprintf(server, sizeof server, "127.0.0.1:%s", port);
    run(&out, plain, "send-test", "--from", "a@example.com", "--to", "b@example.com",
        "--server", server, "--user", "u", "--password-file", "pw", "--timeout", "2", NULL);
    assert_int_equal(out.status, 3);                 /* nobody listens there */
    assert_contains(out.err, "warning: the --password-file file can be read by group");
    assert_null(strstr(out.err, "S3cr3t"));
    assert_null(strstr(out.out, "S3cr3t"));
    test_out_free(&out);
    assert_int_equal(chmod(p, 0600), 0);
    run(&out, plain, "send-test", "--from", "a@example.com", "--to", "b@example.com",
        "--server", server, "--user", "u", "--password-file", "pw", "--timeout", "2", NULL);
    assert_int_equal(out.status, 3);
    assert_null(strstr(out.err, "warning"));
    test_out_free(&out);
}

/* ---------- item 16: every file read is bounded ---------- */

/* A --file list whose first line is "good.example #xxxx..." of len octets. */
static void write_padded_list(const char *name, size_t len)
{
    char *line = malloc(len + 2);

    assert_non_null(line);
    memset(line, 'x', len);
    memcpy(line, "good.example #", 14);
    line[len] = '\n';
    line[len + 1] = '\0';
    write_file(name, line);
    free(line);
}

static void reads_are_bounded(void **state)
{
    struct test_out out;
    struct test_run_opts quick = { .timeout_s = 20 };
    struct test_run_opts zero_in = { .timeout_s = 20, .stdin_path = "/dev/zero" };

    run(&out, quick, "--resolver", nsd.spec, "check-dns", "--no-smtp", "--file", "/dev/zero",
        NULL);
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "NUL byte");
    test_out_free(&out);
    run(&out, zero_in, "--resolver", nsd.spec, "check-dns", "--no-smtp", "--file", "-", NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
    run(&out, quick, "--resolver", nsd.spec, "check-dns", "--no-smtp", "--expect",
        "/dev/zero", "good.example", NULL);
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "--expect");
    assert_string_equal(out.out, "");               /* refused before any audit */
    test_out_free(&out);

    /* a line: 4096 octets are read, 4097 are refused (and never split) */
    write_padded_list("ok.list", 4096);
    run(&out, quick, "--resolver", nsd.spec, "--timeout", "2", "check-dns", "--no-smtp",
        "--checks", "mx", "--file", "ok.list", NULL);
    assert_int_not_equal(out.status, 2);
    assert_contains(out.out, "good.example");
    test_out_free(&out);
    write_padded_list("long.list", 4097);
    run(&out, quick, "--resolver", nsd.spec, "check-dns", "--no-smtp", "--file", "long.list",
        NULL);
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "line 1 is over 4096 octets");
    assert_string_equal(out.out, "");
    test_out_free(&out);
    write_padded_list("long.expect", 1025);
    run(&out, quick, "--resolver", nsd.spec, "check-dns", "--no-smtp", "--expect",
        "long.expect", "good.example", NULL);
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "line 1 is over 1024 octets");
    test_out_free(&out);
    /* a directory is not an empty list */
    run(&out, quick, "check-dns", "--expect", ".", "good.example", NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);

    /* keys are read whole, up to 64 KiB */
    write_file("m.eml", "From: a@example.com\r\n\r\nhi\r\n");
    run(&out, quick, "dkim", "sign", "--domain", "example.com", "--selector", "s", "--key",
        "/dev/zero", "m.eml", NULL);
    assert_int_equal(out.status, 2);
    assert_contains(out.err, "not a key file");
    test_out_free(&out);
    run(&out, quick, "dkim", "keygen", "--from-key", "/dev/zero", "--selector", "s", NULL);
    assert_int_equal(out.status, 2);
    test_out_free(&out);
}

/* ---------- item 17: --jobs fits the descriptor limit ---------- */

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void jobs_fit_the_descriptor_limit(void **state)
{
    static const char *const domains[] = { "good.example", "broken.example", "parked.example",
                                           "policies.example", "mxcases.example",
                                           "spfaudit.example", "keys.example" };
    struct test_out one, many;
    struct test_run_opts limited = { .nofile_limit = 256, .timeout_s = 120 };
    char list[8192] = "";

    for (int k = 0; k < 8; k++)
        for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++) {
            strcat(list, domains[i]);
            strcat(list, "\n");
        }
    write_file("list", list);
    run(&one, plain, "--resolver", nsd.spec, "--timeout", "5", "check-dns", "--no-smtp",
        "--format", "expect", "--file", "list", "--jobs", "1", NULL);
    assert_int_not_equal(one.status, 2);
    assert_null(strstr(one.err, "lowered"));
    run(&many, limited, "--resolver", nsd.spec, "--timeout", "5", "check-dns", "--no-smtp",
        "--format", "expect", "--file", "list", "--jobs", "256", NULL);
    assert_int_equal(many.status, one.status);
    assert_int_equal(count_of(many.err, "--jobs 256 lowered to"), 1);
    assert_string_equal(many.out, one.out);         /* no lookup lost to EMFILE */
    test_out_free(&one);
    test_out_free(&many);
    /* under a limit that leaves room, nothing is said */
    limited.nofile_limit = 65536;
    run(&many, limited, "--resolver", nsd.spec, "--timeout", "5", "check-dns", "--no-smtp",
        "--format", "expect", "good.example", "--jobs", "8", NULL);
    assert_null(strstr(many.err, "lowered"));
    test_out_free(&many);
}

/* ---------- item 7: outside data never reaches a terminal raw ---------- */

/* No ESC, BEL, C1 CSI (UTF-8 c2 9b) or RLO (e2 80 ae) in s. */
static void assert_no_controls(const char *what, const char *s)
{
    if (strchr(s, '\033') || strchr(s, '\007') || strstr(s, "\xc2\x9b") ||
        strstr(s, "\xe2\x80\xae"))
        fail_msg("%s: a control sequence reached the output raw", what);
}

static void text_output_escapes_outside_data(void **state)
{
    static const char *const cmds[][6] = {
        { "spf", "lint", "termesc.example", NULL },
        { "spf", "tree", "termesc.example", NULL },
        { "spf", "check", "--ip", "192.0.2.99", "--mail-from", "a@termesc.example" },
        { "check-dns", "--no-smtp", "-v", "termesc.example", NULL },
        { "dmarc", "check", "termesc.example", NULL },
        { "dkim", "record", "termesc.example", "--selector", "sel", NULL },
    };
    struct test_run_opts o = { .timeout_s = 60 };

    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        struct test_out out;
        run(&out, o, "--resolver", nsd.spec, "--timeout", "2", "--no-color", cmds[i][0],
            cmds[i][1], cmds[i][2], cmds[i][3], cmds[i][4], cmds[i][5], NULL);
        assert_int_not_equal(out.status, 2);
        assert_no_controls(cmds[i][0], out.out);
        assert_no_controls(cmds[i][0], out.err);
        if (!strstr(out.out, "\\x1b") && !strstr(out.err, "\\x1b"))
            fail_msg("%s %s: the record is not shown escaped:\n%s%s", cmds[i][0], cmds[i][1],
                     out.out, out.err);
        test_out_free(&out);
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, mkdir_each, rmdir_each)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(keygen_existing_needs_force_and_keeps_mode),
        T(keygen_refuses_symlinks),
        T(dns_record_refuses_what_is_not_a_tape),
        T(dns_record_rerecords_a_tape_keeping_its_mode),
        T(dns_record_write_error_is_exit_3),
        T(keygen_write_error_leaves_nothing),
        T(stdout_full_is_exit_3),
        T(setup_stdout_full_leaves_no_key),
        T(dkim_names_are_validated),
        T(no_option_prefixes_and_no_secret_in_errors),
        T(exposed_secret_files_are_warned_about),
        T(reads_are_bounded),
        T(jobs_fit_the_descriptor_limit),
        T(text_output_escapes_outside_data),
    };

    return cmocka_run_group_tests(tests, start, stop);
}
