/*
 * test_first_use.c - what a new user types first, run as the real binaries:
 * the README's keygen and setup examples into directories that do not exist
 * yet, and the exit code ranking shared by every command.
 */
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

static char tmp[256], mailctl_abs[4096];

/* The binary's absolute path: these tests run it from another directory. */
static const char *mailctl(void)
{
    if (!mailctl_abs[0] && !realpath(test_mailctl(), mailctl_abs))
        snprintf(mailctl_abs, sizeof mailctl_abs, "%s", test_mailctl());
    return mailctl_abs;
}

static int make_tmp(void **state)
{
    snprintf(tmp, sizeof tmp, "/tmp/mailctl-first-use-XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static int remove_tmp(void **state)
{
    char cmd[300];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static void run_in_tmp(char **argv, struct test_out *out)
{
    char cwd[512];

    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(tmp), 0);
    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, out), 0);
    assert_int_equal(chdir(cwd), 0);
}

static mode_t mode_of(const char *rel)
{
    char path[512];
    struct stat st;

    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    if (stat(path, &st) != 0)
        fail_msg("%s does not exist", path);
    return st.st_mode & 07777;
}

static const char *dkimkeygen(void)
{
    static char path[512];
    const char *m = mailctl();
    const char *slash = strrchr(m, '/');

    snprintf(path, sizeof path, "%.*sdkimkeygen", slash ? (int)(slash - m + 1) : 0, m);
    return path;
}

/* The README's own example: keys/ does not exist yet. */
static void keygen_creates_out_dir(void **state)
{
    char *argv[] = { (char *)mailctl(), "dkim", "keygen", "--domain", "example.com",
                     "--selector", "s2026", "--out", "keys/", "--bits", "1024", NULL };
    struct test_out out;

    run_in_tmp(argv, &out);
    if (out.status != 0)
        fail_msg("exit %d: %s", out.status, out.err);
    assert_int_equal(mode_of("keys"), 0700);
    assert_int_equal(mode_of("keys/s2026.private"), 0600);
    assert_int_equal(mode_of("keys/s2026.txt"), 0644);
    assert_non_null(strstr(out.err, "keys/s2026.private"));
    assert_null(strstr(out.err, "//"));
    test_out_free(&out);
}

/* dkimkeygen and setup: parents too, trailing slashes, no doubled slash. */
static void parents_created_everywhere(void **state)
{
    char *kg[] = { (char *)dkimkeygen(), "--domain", "example.com", "--selector", "k1",
                   "--out", "a/b//c//", "--algorithm", "ed25519", NULL };
    char *su[] = { (char *)mailctl(), "setup", "example.com", "--mail-host",
                   "mail.example.com", "--ip", "192.0.2.10", "--selector", "s1", "--out",
                   "d/e/", "--json", NULL };
    struct test_out out;

    run_in_tmp(kg, &out);
    if (out.status != 0)
        fail_msg("dkimkeygen: exit %d: %s", out.status, out.err);
    assert_int_equal(mode_of("a"), 0700);
    assert_int_equal(mode_of("a/b/c"), 0700);
    assert_int_equal(mode_of("a/b/c/k1.private"), 0600);
    assert_non_null(strstr(out.err, "a/b/c/k1.private"));
    assert_null(strstr(out.err, "//"));
    test_out_free(&out);
    run_in_tmp(su, &out);
    if (out.status != 0)
        fail_msg("setup: exit %d: %s", out.status, out.err);
    assert_int_equal(mode_of("d/e/s1.private"), 0600);
    assert_non_null(strstr(out.out, "\"d/e/s1.private\""));
    test_out_free(&out);
}

/* Something that is not a directory in the way is bad input, named. */
static void file_in_the_way_is_bad_input(void **state)
{
    char path[512];
    char *argv[] = { (char *)mailctl(), "dkim", "keygen", "--domain", "example.com",
                     "--selector", "s1", "--out", "plain/keys", NULL };
    struct test_out out;
    FILE *fp;

    snprintf(path, sizeof path, "%s/plain", tmp);
    assert_non_null(fp = fopen(path, "w"));
    fclose(fp);
    run_in_tmp(argv, &out);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "plain"));
    assert_non_null(strstr(out.err, "Not a directory"));
    test_out_free(&out);
}

/* dkim verify over several files: a definite failure outranks a file that
 * cannot be read (bad input), as in check-dns (one ranking for all). */
static void exit_ranking_is_shared(void **state)
{
    char msg[512], missing[512];
    char *argv[] = { (char *)mailctl(), "--resolver", "127.0.0.1:1", "--timeout", "1",
                     "dkim", "verify", missing, msg, NULL };
    struct test_out out;
    FILE *fp;

    snprintf(missing, sizeof missing, "%s/missing.eml", tmp);
    snprintf(msg, sizeof msg, "%s/unsigned.eml", tmp);
    assert_non_null(fp = fopen(msg, "w"));
    fputs("From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n", fp);
    fclose(fp);
    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, &out), 0);
    /* no signature is a problem (1), the missing file bad input (2): 1 wins */
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.err, "missing.eml"));
    test_out_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keygen_creates_out_dir),
        cmocka_unit_test(parents_created_everywhere),
        cmocka_unit_test(file_in_the_way_is_bad_input),
        cmocka_unit_test(exit_ranking_is_shared),
    };
    return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}
