/*
 * zip.c - zip archives (what Google and others attach) with libarchive,
 * from memory, under a cap on entries looked at and on the bytes all the
 * entries produce together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "report/report_int.h"

/* Read the current entry into a new buffer, at most *budget bytes (less
 * what it takes).  AUTH_ELIMIT when it is larger. */
static enum auth_status read_entry(struct archive *a, size_t *budget, char **out, size_t *outlen,
                                   char *err, size_t errlen)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);

    if (!buf)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    for (;;) {
        la_ssize_t got;
        if (n == cap) {
            char *p;
            if (cap > *budget) {
                free(buf);
                return auth_fail(err, errlen, AUTH_ELIMIT, "zip: more than %zu MiB after decompression",
                                 (size_t)REPORT_MAX_BYTES >> 20);
            }
            cap *= 2;
            if (!(p = realloc(buf, cap + 1))) {
                free(buf);
                return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
            }
            buf = p;
        }
        got = archive_read_data(a, buf + n, cap - n);
        if (got < 0) {
            enum auth_status st = auth_fail(err, errlen, AUTH_EPARSE, "corrupt zip entry (%.100s)",
                                            archive_error_string(a) ? archive_error_string(a)
                                                                    : "read failed");
            free(buf);
            return st;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > *budget) {
            free(buf);
            return auth_fail(err, errlen, AUTH_ELIMIT, "zip: more than %zu MiB after decompression",
                             (size_t)REPORT_MAX_BYTES >> 20);
        }
    }
    buf[n] = '\0';
    *budget -= n;
    *out = buf;
    *outlen = n;
    return AUTH_OK;
}

void report_walk_zip(struct report_walk *w, const char *in, size_t len, unsigned depth)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    size_t budget = w->max_bytes, entries = 0, before = w->out->n;
    char err[200];
    int ar;

    if (!a || archive_read_support_format_zip(a) != ARCHIVE_OK ||
        archive_read_open_memory(a, in, len) != ARCHIVE_OK) {
        report_list_add(w->out, report_error_new("not a readable zip archive (%.100s)",
                                                 a && archive_error_string(a)
                                                     ? archive_error_string(a) : "open failed"));
        if (a)
            archive_read_free(a);
        return;
    }
    while ((ar = archive_read_next_header(a, &e)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
        char *buf = NULL;
        size_t blen = 0;
        const char *name = archive_entry_pathname(e);
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        if (++entries > REPORT_MAX_ENTRIES) {
            report_list_add(w->out, report_error_new("zip with more than %d files",
                                                     REPORT_MAX_ENTRIES));
            break;
        }
        if (read_entry(a, &budget, &buf, &blen, err, sizeof err) != AUTH_OK) {
            report_list_add(w->out, report_error_new("%s", err));
            break;
        }
        report_walk_buffer(w, buf, blen, depth, name ? name : "zip entry");
        free(buf);
    }
    if (ar != ARCHIVE_EOF && ar != ARCHIVE_OK && ar != ARCHIVE_WARN && w->out->n == before)
        report_list_add(w->out, report_error_new("corrupt zip archive (%.100s)",
                                                 archive_error_string(a)
                                                     ? archive_error_string(a) : "read failed"));
    else if (w->out->n == before)
        report_list_add(w->out, report_error_new("zip archive without a file"));
    archive_read_free(a);
}
