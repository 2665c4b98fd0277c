/*
 * file.c - atomic, symlink-safe file writes (see auth/file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/file.h"

struct auth_file {
    char *path, *tmp;
    int fd;                  /* -1 once closed */
    unsigned flags;
    bool committed, created;
};

enum auth_status auth_file_check(const char *path, unsigned flags, bool *exists,
                                 char *err, size_t errlen)
{
    struct stat st;

    *exists = false;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return AUTH_OK;
        return auth_fail(err, errlen, AUTH_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    *exists = true;
    if (S_ISLNK(st.st_mode))
        return auth_fail(err, errlen, AUTH_EINVAL,
                         "%s is a symbolic link: refusing to write through it", path);
    if (!S_ISREG(st.st_mode))
        return auth_fail(err, errlen, AUTH_EINVAL,
                         "%s exists and is not a regular file: refusing to replace it", path);
    if (!(flags & AUTH_FILE_REPLACE))
        return auth_fail(err, errlen, AUTH_EEXIST, "%s exists", path);
    return AUTH_OK;
}

static mode_t current_umask(void)
{
    mode_t m = umask(077);

    umask(m);
    return m;
}

/* The mode (and owner) the new content gets: a replaced file's own. */
static bool set_mode(int fd, const char *path, mode_t mode, unsigned flags)
{
    struct stat st;

    if (flags & AUTH_FILE_SECRET)
        return fchmod(fd, 0600) == 0;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        if (st.st_uid != geteuid() || st.st_gid != getegid())
            (void)!fchown(fd, st.st_uid, st.st_gid);   /* allowed to root only: best effort */
        return fchmod(fd, st.st_mode & 07777) == 0;
    }
    return fchmod(fd, mode & ~current_umask() & 07777) == 0;
}

/* DIR/.NAME.XXXXXX beside path. */
static char *temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    size_t n = strlen(path) + sizeof "/..XXXXXX";
    char *t = malloc(n);

    if (t)
        snprintf(t, n, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
    return t;
}

enum auth_status auth_file_stage(const char *path, mode_t mode, unsigned flags,
                                 struct auth_file **out, char *err, size_t errlen)
{
    struct auth_file *f;
    enum auth_status st;
    bool exists;
    int e;

    *out = NULL;
    if (!*path || path[strlen(path) - 1] == '/')
        return auth_fail(err, errlen, AUTH_EINVAL, "'%s' is not a file name", path);
    if ((st = auth_file_check(path, flags, &exists, err, errlen)) != AUTH_OK)
        return st;
    f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path)) || !(f->tmp = temp_name(path))) {
        if (f)
            free(f->path);
        free(f);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    f->flags = flags;
    f->fd = mkstemp(f->tmp);           /* O_EXCL: never an existing name */
    if (f->fd < 0) {
        e = errno;
        free(f->tmp);
        f->tmp = NULL;
        auth_file_free(f);
        return auth_fail(err, errlen, AUTH_EIO, "cannot create a file next to %s: %s", path,
                         strerror(e));
    }
    if (!set_mode(f->fd, path, mode, flags)) {
        e = errno;
        auth_file_free(f);
        return auth_fail(err, errlen, AUTH_EIO, "cannot write %s: %s", path, strerror(e));
    }
    *out = f;
    return AUTH_OK;
}

enum auth_status auth_file_put(struct auth_file *f, const void *data, size_t len,
                               char *err, size_t errlen)
{
    const char *p = data;

    while (len) {
        ssize_t w = f->fd >= 0 ? write(f->fd, p, len) : -1;
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return auth_fail(err, errlen, AUTH_EIO, "cannot write %s: %s", f->path,
                             w == 0 || f->fd < 0 ? "short write" : strerror(errno));
        p += w;
        len -= (size_t)w;
    }
    return AUTH_OK;
}

static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

    if (fd >= 0) {
        (void)fsync(fd);        /* not every file system can: not an error */
        close(fd);
    }
    free(dir);
}

enum auth_status auth_file_commit(struct auth_file *f, char *err, size_t errlen)
{
    int fd = f->fd, e;
    bool ok;

    f->fd = -1;
    ok = fd >= 0 && fsync(fd) == 0;
    e = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok)
        return auth_fail(err, errlen, AUTH_EIO, "cannot write %s: %s", f->path, strerror(e));
    if (f->flags & AUTH_FILE_REPLACE) {
        bool exists;
        enum auth_status st = auth_file_check(f->path, f->flags, &exists, err, errlen);
        if (st != AUTH_OK)
            return st;
        f->created = !exists;
        ok = rename(f->tmp, f->path) == 0;
    } else {
        /* link() fails with EEXIST if path appeared since the check. */
        ok = link(f->tmp, f->path) == 0;
        f->created = ok;
    }
    e = errno;
    if (!ok)
        return auth_fail(err, errlen, e == EEXIST ? AUTH_EEXIST : AUTH_EIO,
                         "cannot write %s: %s", f->path, strerror(e));
    if (!(f->flags & AUTH_FILE_REPLACE))
        unlink(f->tmp);
    free(f->tmp);
    f->tmp = NULL;
    f->committed = true;
    sync_dir(f->path);
    return AUTH_OK;
}

void auth_file_revert(struct auth_file *f)
{
    if (f && f->committed && f->created) {
        unlink(f->path);
        f->created = false;
        sync_dir(f->path);
    }
}

void auth_file_free(struct auth_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    if (f->tmp)
        unlink(f->tmp);
    free(f->tmp);
    free(f->path);
    free(f);
}

enum auth_status auth_file_write(const char *path, const void *data, size_t len,
                                 mode_t mode, unsigned flags, char *err, size_t errlen)
{
    struct auth_file *f;
    enum auth_status st = auth_file_stage(path, mode, flags, &f, err, errlen);

    if (st == AUTH_OK && (st = auth_file_put(f, data, len, err, errlen)) == AUTH_OK)
        st = auth_file_commit(f, err, errlen);
    auth_file_free(f);
    return st;
}
