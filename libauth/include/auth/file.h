/*
 * auth/file.h - every file mailctl writes goes through here: written whole
 * to a fresh temporary file (mkstemp, so never through a planted name or
 * symlink) in the target's own directory, synced, then moved into place in
 * one step, so a reader sees the old file or the new one, never half.
 *
 * What is refused, before anything is written:
 *   - a target that is a symbolic link (even a dangling one) or exists and
 *     is not a regular file (a device, a FIFO, a directory): AUTH_EINVAL;
 *   - an existing regular file without AUTH_FILE_REPLACE: AUTH_EEXIST
 *     (the caller says how to allow it, e.g. "use --force").
 * A replaced file keeps its permission bits (and, where allowed, its owner
 * and group) unless AUTH_FILE_SECRET forces 0600; a new file gets the mode
 * asked for less the umask (AUTH_FILE_SECRET: exactly 0600).
 * Every write, fsync and close is checked: AUTH_EIO with the path and the
 * system's reason.
 *
 * A write is staged (temporary file written and synced) and committed
 * separately, so a caller that writes several files, or must first show
 * the user something, can commit all or none.  Not for concurrent use of
 * one handle; uses the process umask (call from one thread).
 */
#ifndef AUTH_FILE_H
#define AUTH_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

enum {
    AUTH_FILE_REPLACE = 1,   /* an existing regular file may be replaced */
    AUTH_FILE_SECRET = 2,    /* mode 0600 whatever was there or asked */
};

struct auth_file;

/* Whether path may be written with these flags (the refusals above), and
 * whether it exists now.  AUTH_OK, AUTH_EINVAL, AUTH_EEXIST, AUTH_EIO. */
AUTH_MUST_USE
enum auth_status auth_file_check(const char *path, unsigned flags, bool *exists,
                                 char *err, size_t errlen);

/* Open a temporary file next to path for its new content. */
AUTH_MUST_USE
enum auth_status auth_file_stage(const char *path, mode_t mode, unsigned flags,
                                 struct auth_file **out, char *err, size_t errlen);
/* Append len bytes (all of them, or AUTH_EIO). */
AUTH_MUST_USE
enum auth_status auth_file_put(struct auth_file *f, const void *data, size_t len,
                               char *err, size_t errlen);
/* fsync and close the temporary file and move it to path (rename with
 * AUTH_FILE_REPLACE, else link, which fails if path appeared meanwhile:
 * AUTH_EEXIST), then sync the directory. */
AUTH_MUST_USE
enum auth_status auth_file_commit(struct auth_file *f, char *err, size_t errlen);
/* After a commit: remove path again if this commit created it (a later
 * step of the same operation failed).  A replaced file is not restored. */
void auth_file_revert(struct auth_file *f);
/* Free the handle; an uncommitted temporary file is removed. */
void auth_file_free(struct auth_file *f);

/* Stage, put, commit and free in one call. */
AUTH_MUST_USE
enum auth_status auth_file_write(const char *path, const void *data, size_t len,
                                 mode_t mode, unsigned flags, char *err, size_t errlen);

/* A directory for files to be written into (keys among them): created
 * when missing, parents too, each new one mode 0700; an existing directory
 * is used as it is.  AUTH_OK; AUTH_EINVAL when dir is empty, too long, or a
 * path component is not a directory; AUTH_EIO with the system's reason. */
AUTH_MUST_USE
enum auth_status auth_dir_make(const char *dir, char *err, size_t errlen);
/* dir + "/" + name into buf, runs of slashes in dir collapsed (so "out/"
 * and "out" give the same path).  AUTH_OK or AUTH_EINVAL (empty dir, or
 * the path does not fit). */
AUTH_MUST_USE
enum auth_status auth_path_join(char *buf, size_t size, const char *dir, const char *name,
                                char *err, size_t errlen);

AUTH_API_END

#endif
