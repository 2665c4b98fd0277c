/*
 * test_report_imap.c - `mailctl report import --imap` against a real
 * Dovecot (the test Dovecot of the arrival check): reports fetched without
 * being marked, stored, then marked \Seen; a storage failure (a trigger
 * that makes the insert fail) leaves every message unseen, and the next
 * import takes them all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "testdovecot.h"
#include "testenv.h"
#include "testpostfix.h"

#define USER "box@report.test"
#define PASSWORD "s3cret-report-pw"

static struct test_dovecot dv;
static struct test_ca ca;
static char work[256], home[300], url[300], pwfile[320], db[320];

static int start(void **state)
{
    char tmpl[] = "/tmp/mailctl-rimap-XXXXXX", cadir[300];
    const char *names[] = { "localhost", NULL };
    const char *files[] = { "google.eml", "microsoft.eml", "yahoo.eml", "microsoft-tlsrpt.eml",
                            "make-samples.py" };
    FILE *fp;

    if (!mkdtemp(tmpl))
        return -1;
    snprintf(work, sizeof work, "%s", tmpl);
    snprintf(cadir, sizeof cadir, "%s/ca", work);
    snprintf(home, sizeof home, "%s/mail", work);
    snprintf(pwfile, sizeof pwfile, "%s/pw", work);
    snprintf(db, sizeof db, "%s/reports.db", work);
    if (test_ca_make(&ca, cadir, names) < 0 || !(fp = fopen(pwfile, "w")))
        return -1;
    fputs(PASSWORD "\n", fp);
    fclose(fp);
    chmod(pwfile, 0600);
    if (test_sh(NULL, "chmod 755 %1$s && mkdir -p %2$s/cur %2$s/new %2$s/tmp", work, home) != 0)
        return -1;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (test_sh(NULL, "cp %s/reports/%s %s/new/17950000%02zu.M1P1.test", test_datadir(),
                    files[i], home, i) != 0)
            return -1;
    if (test_sh(NULL, "chown -R postfix:postfix %s", home) != 0)
        return -1;
    {
        struct test_dovecot_params p = {
            .user = USER, .password = PASSWORD, .home = home,
            .cert_file = ca.cert_file, .key_file = ca.key_file, .imaps = true,
        };
        if (test_dovecot_start(&dv, &p) < 0)
            return -1;
    }
    snprintf(url, sizeof url, "imaps://box%%40report.test@127.0.0.1:%d/INBOX", dv.imaps_port);
    return 0;
}

static int stop(void **state)
{
    test_dovecot_stop(&dv);
    if (work[0])
        test_sh(NULL, "rm -rf %s", work);
    return 0;
}

static void import(struct test_out *out)
{
    char *argv[] = { (char *)test_mailctl(), "--ca-file", ca.ca_file, "--timeout", "10",
                     "report", "import", "--db", db, "--imap", url, "--imap-password-file",
                     pwfile, "--json", NULL };

    assert_int_equal(test_run(argv, NULL, NULL, 0, 60, out), 0);
}

static void db_exec(const char *sql)
{
    sqlite3 *h;

    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

static long long db_count(const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    long long v = -1;

    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* Messages whose Maildir name carries the S (seen) flag. */
static int seen_count(void)
{
    char cmd[800], buf[32] = "";
    FILE *p;

    snprintf(cmd, sizeof cmd, "ls %1$s/cur %1$s/new | grep -c ':2,[A-Z]*S'", home);
    if (!(p = popen(cmd, "r")))
        return -1;
    if (!fgets(buf, sizeof buf, p))
        buf[0] = '\0';
    pclose(p);
    return atoi(buf);
}

static void storage_failure_loses_nothing(void **state)
{
    struct test_out out;

    /* make the schema, then make every record insert fail */
    {
        char *argv[] = { (char *)test_mailctl(), "report", "import", "--db", db, "-q",
                         "/dev/null", NULL };
        assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
        test_out_free(&out);
    }
    db_exec("DELETE FROM reports; CREATE TRIGGER fail_store BEFORE INSERT ON records "
            "BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END;");
    import(&out);
    assert_int_equal(out.status, 3);
    assert_non_null(strstr(out.err, "disk full (test)"));
    test_out_free(&out);
    assert_int_equal(db_count("SELECT COUNT(*) FROM reports"), 0);
    assert_int_equal(seen_count(), 0);
}

static void import_marks_seen_after_store(void **state)
{
    struct test_out out;

    db_exec("DROP TRIGGER fail_store");
    import(&out);
    assert_int_equal(out.status, 2);   /* the one unreadable message */
    assert_non_null(strstr(out.out, "\"imported\": 4"));
    assert_non_null(strstr(out.out, "\"unreadable\": 1"));
    test_out_free(&out);
    assert_int_equal(db_count("SELECT COUNT(*) FROM reports WHERE kind = 'aggregate'"), 3);
    assert_int_equal(db_count("SELECT COUNT(*) FROM reports WHERE kind = 'tlsrpt'"), 1);
    assert_int_equal(db_count("SELECT COUNT(*) FROM reports WHERE kind = 'error' AND origin "
                              "LIKE 'imap://127.0.0.1/INBOX;UID=%'"), 1);
    assert_int_equal(seen_count(), 5);
    /* nothing unseen is left: a second run imports nothing */
    import(&out);
    assert_int_equal(out.status, 0);
    assert_non_null(strstr(out.out, "\"imported\": 0"));
    test_out_free(&out);
}

/* --watch: a report that arrives while mailctl idles is imported and marked
 * seen without a new run. */
static void watch_imports_new_mail(void **state)
{
    char *argv[] = { (char *)test_mailctl(), "--ca-file", ca.ca_file, "--timeout", "10",
                     "report", "import", "--db", db, "--imap", url, "--imap-password-file",
                     pwfile, "--watch", "-q", NULL };
    pid_t pid = fork();
    int st;
    int seen = 0;

    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        dup2(fd, STDOUT_FILENO);
        execv(argv[0], argv);
        _exit(127);
    }
    assert_int_equal(test_sh(NULL, "cp %s/reports/failure-arf.eml %s/tmp/1795999999.M9P9.test && "
                             "chown postfix:postfix %s/tmp/1795999999.M9P9.test && "
                             "mv %s/tmp/1795999999.M9P9.test %s/new/", test_datadir(), home, home,
                             home, home), 0);
    /* poll the mailbox (the condition, not a fixed wait) for up to 40 s:
     * the new message is marked seen only once it is stored */
    for (int i = 0; i < 800 && seen != 6; i++) {
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        assert_int_equal(waitpid(pid, &st, WNOHANG), 0);   /* still watching */
        if ((seen = seen_count()) != 6)
            nanosleep(&ts, NULL);
    }
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    assert_int_equal(seen, 6);
    assert_int_equal(db_count("SELECT COUNT(*) FROM reports WHERE kind = 'failure'"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(storage_failure_loses_nothing),
        cmocka_unit_test(import_marks_seen_after_store),
        cmocka_unit_test(watch_imports_new_mail),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
