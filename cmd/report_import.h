/*
 * report_import.h - the sources of `report import` (files, Maildir, IMAP)
 * and the batch they share.
 */
#ifndef MAILCTL_REPORT_IMPORT_H
#define MAILCTL_REPORT_IMPORT_H

#include <stdint.h>

#include "report_cmd.h"
#include "send_test_imap.h"

#define IMP_BATCH 1000        /* entries per transaction */

/* --imap URL is send-test's --check-imap URL under another name. */
#define ST_IMAP_IMPORT_LONGOPTS                                            \
    {"imap", required_argument, NULL, O_IMAP_URL},                        \
    {"imap-password-file", required_argument, NULL, O_IMAP_PASSFILE}

struct report_db;

struct imp {
    struct report_db *db;
    uint64_t stored, duplicates, unreadable;
    bool watch;
    char why[400];            /* why the import failed */
};

int imp_begin(struct imp *im);
int imp_commit(struct imp *im);
int imp_store_buffer(struct imp *im, const char *buf, size_t len, const char *origin);
int imp_store_error(struct imp *im, const char *origin, const char *why);
void imp_count(struct imp *im, const struct report *r, bool dup);

int imp_maildir(struct imp *im, const char *dir);
int imp_imap(struct imp *im, const struct st_imap *imap);

#endif
