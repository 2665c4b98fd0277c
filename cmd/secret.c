/*
 * secret.c - reading the files that hold secrets (passwords, private keys)
 * so that a mistake shows no secret and an exposed file is pointed out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auth/dkim.h"
#include "cmd.h"

#define PASSWORD_FILE_MAX 4096

static bool exposed(const struct stat *st)
{
    return (st->st_mode & (S_IRGRP | S_IROTH)) != 0;
}

/* The path is never shown: it may be the password, typed in its place. */
int cmd_read_password_file(const char *opt, const char *path, char **out)
{
    char *buf;
    struct stat st;
    ssize_t n;
    int fd, e;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return cmd_error(EXIT_USAGE, "%s: cannot open the file: %s", opt, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cmd_error(EXIT_USAGE, "%s: not a regular file", opt);
    }
    if (exposed(&st))
        cmd_warn("warning: the %s file can be read by group or others (chmod 600 it)", opt);
    if (!(buf = malloc(PASSWORD_FILE_MAX + 1))) {
        close(fd);
        return cmd_error(EXIT_RUNTIME, "out of memory");
    }
    n = read(fd, buf, PASSWORD_FILE_MAX + 1);
    e = errno;
    close(fd);
    if (n < 0 || n > PASSWORD_FILE_MAX) {
        OPENSSL_cleanse(buf, PASSWORD_FILE_MAX + 1);
        free(buf);
        if (n < 0)
            return cmd_error(EXIT_RUNTIME, "%s: cannot read the file: %s", opt, strerror(e));
        return cmd_error(EXIT_USAGE, "%s: the file is over %d octets", opt, PASSWORD_FILE_MAX);
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    *out = buf;
    return EXIT_OK;
}

void cmd_warn_exposed_key(const char *path)
{
    struct stat st;

    if (stat(path, &st) == 0 && exposed(&st))
        cmd_warn("warning: the private key %s can be read by group or others (chmod 600 it)",
                 path);
}

int cmd_load_private_key(const char *path, EVP_PKEY **out)
{
    char err[300];

    if (dkim_privkey_load(path, out, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "%s", err);
    cmd_warn_exposed_key(path);
    return EXIT_OK;
}
