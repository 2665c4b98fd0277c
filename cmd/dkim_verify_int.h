/*
 * dkim_verify_int.h - the pieces of `mailctl dkim verify` shared by
 * dkim_verify.c (one message: read, verify, print) and dkim_verify_pool.c
 * (many files on worker threads, printed in order).
 */
#ifndef MAILCTL_DKIM_VERIFY_INT_H
#define MAILCTL_DKIM_VERIFY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"

/* What the run shares: read-only while jobs run (the key store is safe to
 * use from several threads). */
struct dkim_vrun {
    struct dkim_keystore *ks;
    bool lines;                    /* several files: JSON lines with "file" */
    uint64_t hash_thread_after;    /* dkim_verify_params.hash_thread_after */
};

enum dkim_vjob_kind {
    VJOB_DONE,       /* verified: rc, and out (JSON) or v (text) */
    VJOB_OPEN,       /* the file could not be opened: open_errno */
    VJOB_INPUT,      /* not a message we can read: err (and out in JSON) */
    VJOB_RUNTIME,    /* read error or out of memory */
};

/* One message of the run. */
struct dkim_vjob {
    const char *file;              /* NULL: stdin */
    enum dkim_vjob_kind kind;
    int rc;
    int open_errno;
    char err[200];
    struct dkim_verify *v;
    char *out;
};

struct msg_input;
/* Read and verify j->file (any thread; prints nothing).  keep (may be
 * NULL): this thread's msg_input, zeroed at first, whose buffer is used
 * again from message to message; msg_input_free it at the end. */
void dkim_vjob_run(struct dkim_vjob *j, const struct dkim_vrun *run, struct msg_input *keep);
/* Print the job's outcome, free it, return its exit code (one thread, in
 * argument order). */
int dkim_vjob_emit(struct dkim_vjob *j, const struct dkim_vrun *run);
/* The JSON line (compact, with its newline) of a verified file, or of one
 * that is not a message we can read (dkim_verify_line.c); malloc'd, NULL
 * when out of memory.  file NULL: no "file" key. */
char *dkim_verify_line(const char *file, const struct dkim_verify *v);
char *dkim_verify_error_line(const char *file, const char *err);
/* Verify files[0..n) and print them in order; the combined exit code. */
int dkim_verify_files(const char *const *files, size_t n, const struct dkim_vrun *run);

#endif
