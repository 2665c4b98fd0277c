/*
 * dir.c - the directory files are written into, and paths within it (see
 * auth/file.h): users name it as they like ("out", "out/", "a//b"), and
 * expect it to be created, as the examples in the README do.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/file.h"

/* Length of dir without trailing slashes, but "/" stays "/". */
static size_t trimmed_len(const char *dir)
{
    size_t n = strlen(dir);

    while (n > 1 && dir[n - 1] == '/')
        n--;
    return n;
}

enum auth_status auth_path_join(char *buf, size_t size, const char *dir, const char *name,
                                char *err, size_t errlen)
{
    size_t n = trimmed_len(dir), o = 0;

    if (n == 0 || size == 0)
        return auth_fail(err, errlen, AUTH_EINVAL, "bad output directory '%s'", dir);
    /* dir with runs of slashes collapsed, then one slash and the name */
    for (size_t i = 0; i < n && o + 1 < size; i++)
        if (dir[i] != '/' || o == 0 || buf[o - 1] != '/')
            buf[o++] = dir[i];
    if (o + 1 < size && (o == 0 || buf[o - 1] != '/'))
        buf[o++] = '/';
    if (o + strlen(name) + 1 > size)
        return auth_fail(err, errlen, AUTH_EINVAL, "path too long: %s/%s", dir, name);
    memcpy(buf + o, name, strlen(name) + 1);
    return AUTH_OK;
}

/* mkdir one level; an existing directory is fine, anything else at that
 * path is an error the caller names. */
static int make_one(const char *path)
{
    struct stat st;

    if (mkdir(path, 0700) == 0)
        return 0;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    return errno == EEXIST ? ENOTDIR : errno;
}

static enum auth_status dir_fail(int e, const char *path, int len, char *err, size_t errlen)
{
    return auth_fail(err, errlen, e == ENOTDIR ? AUTH_EINVAL : AUTH_EIO,
                     "cannot create directory %.*s: %s", len, path, strerror(e));
}

enum auth_status auth_dir_make(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    size_t n = trimmed_len(dir);
    int e;

    if (n == 0 || n >= sizeof path)
        return auth_fail(err, errlen, AUTH_EINVAL, "bad output directory '%s'", dir);
    memcpy(path, dir, n);
    path[n] = '\0';
    /* parents first, each created 0700: keys live below them */
    for (size_t i = 1; i < n; i++) {
        if (path[i] != '/' || path[i - 1] == '/')
            continue;
        path[i] = '\0';
        e = make_one(path);
        path[i] = '/';
        if (e)
            return dir_fail(e, path, (int)i, err, errlen);
    }
    e = make_one(path);
    return e ? dir_fail(e, path, (int)n, err, errlen) : AUTH_OK;
}
