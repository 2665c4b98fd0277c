/*
 * bulk_out.c - check-dns --output FILE [--resume]: results written so a
 * kill at any moment loses nothing that was written and tears at most the
 * last line.  Each line is one write(2) on an O_APPEND descriptor; a write
 * cut short (full disk, file-size limit) is cut back with ftruncate, so the
 * file ends after a complete line and a later --resume finishes the job.
 * --resume drops a torn last line (a kill between the kernel's pieces of a
 * huge write), reads every complete line back and counts its domain done.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bulk.h"

#define READBACK_LINE_MAX (16u << 20)       /* one domain's JSON report */
#define READBACK_FILE_MAX ((size_t)1 << 40)

static int write_error(struct bulk_out *o, int e)
{
    if (o->failed)
        return EXIT_RUNTIME;
    o->failed = true;
    if (!o->file)
        return cmd_error(EXIT_RUNTIME, "cannot write to standard output: %s", strerror(e));
    return cmd_error(EXIT_RUNTIME, "cannot write to '%s': %s (it ends after its last complete "
                     "line: --resume continues the run)", o->path, strerror(e));
}

int bulk_out_line(struct bulk_out *o, const char *line, size_t len)
{
    ssize_t w;

    if (o->failed)
        return EXIT_RUNTIME;
    if (!o->file) {                    /* a pipe or terminal: no torn state to undo */
        while (len) {
            if ((w = write(o->fd, line, len)) < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return write_error(o, w < 0 ? errno : EIO);
            line += w;
            len -= (size_t)w;
        }
        return EXIT_OK;
    }
    do
        w = write(o->fd, line, len);
    while (w < 0 && errno == EINTR);
    if (w == (ssize_t)len) {
        o->size += (off_t)len;
        return EXIT_OK;
    }
    {
        int e = w < 0 ? errno : ENOSPC;     /* a short write: the disk filled */
        /* Cut the piece that went out; ignoring the result is right: if even
         * this fails, --resume drops the torn line. */
        if (w > 0 && ftruncate(o->fd, o->size) != 0) {
            /* Nothing more to do: --resume drops the torn line. */
        }
        return write_error(o, e);
    }
}

/* Cut the file back to its last newline (a torn last line). */
static int cut_torn_line(struct bulk_out *o)
{
    char buf[65536];
    off_t end = o->size;

    if (end == 0 || (pread(o->fd, buf, 1, end - 1) == 1 && buf[0] == '\n'))
        return EXIT_OK;
    while (end > 0) {
        size_t n = end > (off_t)sizeof buf ? sizeof buf : (size_t)end;
        ssize_t r = pread(o->fd, buf, n, end - (off_t)n);
        if (r != (ssize_t)n)
            return cmd_error(EXIT_RUNTIME, "cannot read '%s': %s", o->path,
                             r < 0 ? strerror(errno) : "short read");
        char *nl = memrchr(buf, '\n', n);
        if (nl) {
            end -= (off_t)n - (nl - buf) - 1;
            break;
        }
        end -= (off_t)n;
    }
    cmd_warn("'%s': dropped a torn last line (%lld octets)", o->path,
             (long long)(o->size - end));
    if (ftruncate(o->fd, end) != 0)
        return cmd_error(EXIT_RUNTIME, "cannot truncate '%s': %s", o->path, strerror(errno));
    o->size = end;
    return EXIT_OK;
}

/* One complete line read back: its domain done, its exit code counted. */
static int take_line(struct bulk_out *o, const char *line, size_t len, bool first,
                     struct domain_set *done, int *rc)
{
    char name[4096 * 4 + 1];
    struct domain_key key;
    bool header = !strcmp(line, "domain,verdict,pass,info,warn,fail,error,skipped,problems");
    int code;

    if (first && o->format == BULK_CSV && !header)
        return cmd_error(EXIT_USAGE, "--resume: '%s' does not start with the CSV header of "
                         "check-dns (written with another --format?)", o->path);
    if (first && o->format == BULK_JSON && header)
        return cmd_error(EXIT_USAGE, "--resume: '%s' holds CSV; resume it with --format csv",
                         o->path);
    if (header)
        return EXIT_OK;
    code = o->format == BULK_CSV ? bulk_parse_csv_line(line, name, sizeof name)
                                 : bulk_parse_json_line(line, len, name, sizeof name);
    if (code < 0)                      /* not a result: that domain is audited again */
        return EXIT_OK;
    domain_key_of(name, &key);
    if (domain_set_add(done, &key) < 0)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    *rc = cmd_exit_worse(*rc, code);
    return EXIT_OK;
}

static int read_back(struct bulk_out *o, struct domain_set *done, int *rc)
{
    struct line_reader lr;
    int fd = dup(o->fd), r;
    FILE *fp = fd >= 0 ? fdopen(fd, "r") : NULL;

    if (!fp) {
        if (fd >= 0)
            close(fd);
        return cmd_error(EXIT_RUNTIME, "cannot read '%s': %s", o->path, strerror(errno));
    }
    rewind(fp);
    if ((r = line_reader_open_stream(&lr, "--output", o->path, fp, READBACK_LINE_MAX,
                                     READBACK_FILE_MAX)) != EXIT_OK)
        return r;
    while ((r = line_reader_next(&lr)) > 0)
        if ((r = take_line(o, lr.line, strlen(lr.line), lr.lineno == 1, done, rc)) != EXIT_OK)
            break;
    line_reader_close(&lr);
    return r < 0 ? -r : r;
}

static int open_file(struct bulk_out *o, const char *path)
{
    struct stat st;

    o->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (o->fd < 0)
        return cmd_error(errno == ELOOP || errno == EACCES || errno == EISDIR ? EXIT_USAGE
                                                                              : EXIT_RUNTIME,
                         "cannot open --output '%s': %s", path,
                         errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    if (fstat(o->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return cmd_error(EXIT_USAGE, "--output '%s' is not a regular file", path);
    /* Two runs appending to one file would both audit the rest. */
    if (flock(o->fd, LOCK_EX | LOCK_NB) != 0)
        return cmd_error(EXIT_USAGE, "--output '%s' is being written by another run", path);
    o->size = st.st_size;
    return EXIT_OK;
}

int bulk_out_open(struct bulk_out *o, const char *path, enum bulk_format format, bool resume,
                  struct domain_set *done, int *rc)
{
    int r;

    memset(o, 0, sizeof *o);
    o->fd = STDOUT_FILENO;
    o->format = format;
    o->path = path;
    if (path) {
        o->file = true;
        if ((r = open_file(o, path)) != EXIT_OK)
            return r;
        if (o->size > 0 && !resume)
            return cmd_error(EXIT_USAGE, "--output '%s' already holds results: --resume "
                             "continues that run (or remove the file)", path);
        if (o->size > 0 && ((r = cut_torn_line(o)) != EXIT_OK ||
                            (r = read_back(o, done, rc)) != EXIT_OK))
            return r;
    } else if (fflush(stdout) != 0) {
        return cmd_stdout_check();
    }
    if (format == BULK_CSV && o->size == 0)
        return bulk_out_line(o, BULK_CSV_HEADER, strlen(BULK_CSV_HEADER));
    return EXIT_OK;
}

void bulk_out_close(struct bulk_out *o)
{
    if (o->file && o->fd >= 0)
        close(o->fd);
    o->fd = -1;
}
