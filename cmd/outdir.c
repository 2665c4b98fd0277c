/*
 * outdir.c - the output directory of commands that write files (dkim keygen,
 * dkimkeygen, setup): created when missing, as the user's README examples
 * expect, and joined to file names without doubled slashes.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"

/* Length of dir without trailing slashes, but "/" stays "/". */
static size_t trimmed_len(const char *dir)
{
    size_t n = strlen(dir);

    while (n > 1 && dir[n - 1] == '/')
        n--;
    return n;
}

int cmd_path_join(char *buf, size_t size, const char *dir, const char *name)
{
    size_t n = trimmed_len(dir), o = 0;

    if (n == 0)
        return cmd_error(EXIT_USAGE, "bad output directory '%s'", dir);
    /* dir with runs of slashes collapsed, then one slash and the name */
    for (size_t i = 0; i < n && o + 1 < size; i++)
        if (dir[i] != '/' || o == 0 || buf[o - 1] != '/')
            buf[o++] = dir[i];
    if (o + 1 < size && (o == 0 || buf[o - 1] != '/'))
        buf[o++] = '/';
    if (o + strlen(name) + 1 > size)
        return cmd_error(EXIT_USAGE, "path too long: %s/%s", dir, name);
    memcpy(buf + o, name, strlen(name) + 1);
    return EXIT_OK;
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

int cmd_outdir_prepare(const char *dir)
{
    char path[4096];
    size_t n = trimmed_len(dir);
    int e;

    if (n == 0 || n >= sizeof path)
        return cmd_error(EXIT_USAGE, "bad output directory '%s'", dir);
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
            return cmd_error(e == ENOTDIR ? EXIT_USAGE : EXIT_RUNTIME,
                             "cannot create directory %.*s: %s", (int)i, path, strerror(e));
    }
    e = make_one(path);
    if (e)
        return cmd_error(e == ENOTDIR ? EXIT_USAGE : EXIT_RUNTIME,
                         "cannot create directory %s: %s", path, strerror(e));
    return EXIT_OK;
}
