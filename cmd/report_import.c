/*
 * report_import.c - `mailctl report import`: parse reports from files, a
 * Maildir or an IMAP mailbox and store them (auth/reportdb.h).
 *
 * Nothing is lost: a batch is one transaction, and the sources of a batch
 * (Maildir messages, IMAP messages) are marked seen only after it
 * committed; when storing fails they stay unseen and the next import takes
 * them again.  An unreadable report is stored with its reason.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/reportdb.h"
#include "report_import.h"

enum { O_DB = OPT_GLOBAL_LAST + 1, O_MAILDIR, O_WATCH };

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl report import [--db FILE] FILE...\n"
        "       mailctl report import [--db FILE] --maildir DIR\n"
        "       mailctl report import [--db FILE] --imap imaps://USER@HOST[:PORT]/[MAILBOX]\n"
        "                             [--imap-password-file F] [--watch]\n\n"
        "Parse reports (as `report parse` does) and store them in SQLite: --db FILE, else\n"
        "MAILCTL_DB, else ~/.local/share/mailctl/reports.db.  A report already stored (same\n"
        "org_name and report_id) counts once; an unreadable one is kept with its reason.\n"
        "Maildir and IMAP: only unseen messages are read, and they are marked seen once\n"
        "stored (a failure leaves them unseen for the next import).  The IMAP password\n"
        "comes from --imap-password-file or MAILCTL_IMAP_PASSWORD.  --watch keeps importing:\n"
        "IMAP IDLE waits for new mail, which is imported as it comes (until stopped).\n"
        "exit: 0 stored, 2 a report was unreadable (stored with its reason) or bad usage,\n"
        "3 the database, a file or the mailbox failed\n"
        "\nexamples:\n"
        "  mailctl report import --db reports.db *.xml.gz\n"
        "  mailctl report import --imap imaps://dmarc%%40example.com@imap.example.com/ \\\n"
        "      --imap-password-file pw.txt --watch\n"));
}

void imp_count(struct imp *im, const struct report *r, bool dup)
{
    if (dup)
        im->duplicates++;
    else if (r->kind == REPORT_NONE)
        im->unreadable++;
    else
        im->stored++;
}

/* Parse buf and store every entry.  Returns EXIT_OK or EXIT_RUNTIME
 * (message in im->why). */
int imp_store_buffer(struct imp *im, const char *buf, size_t len, const char *origin)
{
    struct report_list *l = NULL;

    if (report_parse(buf, len, NULL, &l) != AUTH_OK) {
        snprintf(im->why, sizeof im->why, "out of memory");
        return EXIT_RUNTIME;
    }
    for (size_t i = 0; i < l->n; i++) {
        bool dup = false;
        const struct report *r = l->items[i];
        if (report_db_store(im->db, r, origin, r->kind == REPORT_NONE ? buf : NULL, len, &dup,
                            im->why, sizeof im->why) != AUTH_OK) {
            report_list_free(l);
            return EXIT_RUNTIME;
        }
        imp_count(im, r, dup);
        if (r->kind == REPORT_NONE && !dup && !g_opts.json && g_opts.verbose >= 0)
            cmd_warn("%s: unreadable, stored with its reason: %s", rpt_safe(origin),
                     rpt_safe(r->error_for_people));
    }
    report_list_free(l);
    return EXIT_OK;
}

/* A stored error entry for input that never got to the parser. */
int imp_store_error(struct imp *im, const char *origin, const char *why)
{
    struct report *r = report_new_error(why);
    bool dup = false;
    int rc = EXIT_OK;

    if (!r) {
        snprintf(im->why, sizeof im->why, "out of memory");
        return EXIT_RUNTIME;
    }
    /* the identity of the entry is its origin: the input itself was not kept */
    if (report_db_store(im->db, r, origin, origin, strlen(origin), &dup, im->why,
                        sizeof im->why) != AUTH_OK)
        rc = EXIT_RUNTIME;
    else
        imp_count(im, r, dup);
    report_free(r);
    return rc;
}

int imp_begin(struct imp *im)
{
    return report_db_begin(im->db, im->why, sizeof im->why) == AUTH_OK ? EXIT_OK : EXIT_RUNTIME;
}

int imp_commit(struct imp *im)
{
    return report_db_commit(im->db, im->why, sizeof im->why) == AUTH_OK ? EXIT_OK : EXIT_RUNTIME;
}

static int import_files(struct imp *im, char **files, int n)
{
    int rc = imp_begin(im);

    for (int i = 0; i < n && rc == EXIT_OK; i++) {
        char *buf;
        size_t len;
        int st = rpt_read_file(files[i], REPORT_MAX_BYTES, &buf, &len);
        if (st < 0) {
            snprintf(im->why, sizeof im->why, "%s: %s", rpt_safe(files[i]), strerror(errno));
            rc = EXIT_RUNTIME;
        } else if (st > 0) {
            rc = imp_store_error(im, files[i], "more than 64 MiB");
        } else {
            rc = imp_store_buffer(im, buf, len, files[i]);
            free(buf);
        }
        if (rc == EXIT_OK && (i + 1) % IMP_BATCH == 0 && (rc = imp_commit(im)) == EXIT_OK)
            rc = imp_begin(im);
    }
    if (rc == EXIT_OK)
        return imp_commit(im);
    report_db_rollback(im->db);
    return rc;
}

static int print_result(const struct imp *im, const char *db)
{
    if (g_opts.json)
        return out_json(json_pack("{s:s, s:I, s:I, s:I}", "db", db, "imported",
                                  (json_int_t)im->stored, "duplicates", (json_int_t)im->duplicates,
                                  "unreadable", (json_int_t)im->unreadable));
    if (g_opts.verbose >= 0)
        printf(NP_("%llu report stored, %llu already there, %llu unreadable (kept with the "
                   "reason) in %s\n", "%llu reports stored, %llu already there, %llu unreadable "
                   "(kept with the reason) in %s\n", im->stored),
               (unsigned long long)im->stored, (unsigned long long)im->duplicates,
               (unsigned long long)im->unreadable, rpt_safe(db));
    return EXIT_OK;
}

int rpt_cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, O_DB},
        {"maildir", required_argument, NULL, O_MAILDIR},
        {"watch", no_argument, NULL, O_WATCH},
        ST_IMAP_IMPORT_LONGOPTS,
        CMD_GLOBAL_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    const char *dbopt = NULL, *maildir = NULL, *path;
    struct imp im = {0};
    struct st_imap imap = { .wait_s = -1 };
    int opt, rc;

    cmd_set_command("report import");
    while ((opt = cmd_getopt(argc, argv, "vq", longopts)) != -1) {
        if (opt == O_DB) dbopt = optarg;
        else if (opt == O_MAILDIR) maildir = optarg;
        else if (opt == O_WATCH) im.watch = true;
        else if ((rc = st_imap_option(&imap, opt, optarg)) != 0) {
            if (rc < 0)
                return -rc;
        } else if (opt == OPT_HELP) {
            usage(stdout);
            return EXIT_OK;
        } else if ((rc = cmd_global_opt(opt, optarg)) != 0) {
            if (rc < 0)
                return -rc;
        } else {
            return cmd_usage_error("report import", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if ((maildir != NULL) + (imap.url != NULL) + (optind < argc) != 1)
        return cmd_usage_error("report import", "give FILE..., --maildir DIR or --imap URL "
                               "(one of them)");
    if (im.watch && !imap.url)
        return cmd_usage_error("report import", "--watch goes with --imap");
    if (imap.url && (rc = st_imap_prepare(&imap, true)) != EXIT_OK)
        return rc;
    if (!(path = rpt_db_path(dbopt))) {
        st_imap_free(&imap);
        return EXIT_USAGE;
    }
    if (report_db_open(path, &im.db, im.why, sizeof im.why) != AUTH_OK) {
        st_imap_free(&imap);
        return cmd_error(EXIT_RUNTIME, "%s", im.why);
    }
    if (maildir)
        rc = imp_maildir(&im, maildir);
    else if (imap.url)
        rc = imp_imap(&im, &imap);
    else
        rc = import_files(&im, argv + optind, argc - optind);
    st_imap_free(&imap);
    if (rc != EXIT_OK) {
        cmd_error(rc, "import failed, nothing of this batch was stored: %s", im.why);
        report_db_close(im.db);
        return rc;
    }
    rc = print_result(&im, path);
    report_db_close(im.db);
    if (rc == EXIT_OK && im.unreadable)
        rc = EXIT_USAGE;
    return rc;
}
