/*
 * report.c - `mailctl report parse|import|summary`: DMARC aggregate and
 * failure reports and TLS-RPT (../shared/cli.md "Reports").  Dispatch and
 * what the subcommands share: reading files, the database path, escaping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_cmd.h"

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl report parse FILE... [--json]\n"
        "       mailctl report import [--db FILE] FILE... | --maildir DIR |\n"
        "                             --imap URL [--imap-password-file F] [--watch]\n"
        "       mailctl report summary [--db FILE] [--domain D] [--since DATE]\n"
        "                              [--format text|json|csv|html] [--out FILE] [--fail-on RULE]\n\n"
        "DMARC aggregate reports (RFC 7489, RFC 9990), failure reports (RFC 6591) and\n"
        "SMTP TLS reports (RFC 8460), as received: XML, JSON, .gz, .zip, a message or an mbox.\n"
        "`mailctl report SUBCOMMAND --help` describes each.\n"
        "\nexamples:\n"
        "  mailctl report parse google.com!example.com!1700000000!1700086400.xml.gz\n"
        "  mailctl report import --maildir ~/Maildir/.dmarc\n"
        "  mailctl report summary --domain example.com --since 30d --format html --out report.html\n"));
}

static int parse_main(int argc, char **argv)
{
    cmd_set_command("report parse");
    return rpt_cmd_parse(argc, argv);
}

int cmd_report(int argc, char **argv)
{
    static const struct cmd_sub subs[] = {
        {"import", rpt_cmd_import},
        {"parse", parse_main},
        {"summary", rpt_cmd_summary},
    };

    if (argc < 2 && !cmd_list_mode()) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return EXIT_OK;
    }
    return cmd_run_sub("report", subs, sizeof subs / sizeof subs[0], argc, argv);
}

int rpt_read_file(const char *path, size_t max, char **buf, size_t *len)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    size_t cap, n = 0;
    char *b;

    *buf = NULL;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (fd != STDIN_FILENO)
            close(fd);
        errno = EISDIR;
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
        if (fd != STDIN_FILENO)
            close(fd);
        return 1;   /* refused without reading it */
    }
    cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
    if (!(b = malloc(cap + 1)))
        goto fail;
    for (;;) {
        ssize_t got;
        if (n == cap) {
            char *p;
            if (cap > max) {
                free(b);
                if (fd != STDIN_FILENO)
                    close(fd);
                return 1;
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            if (!(p = realloc(b, cap + 1)))
                goto fail;
            b = p;
        }
        got = read(fd, b + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            goto fail;
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (n > max) {
        free(b);
        return 1;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
fail: {
        int e = errno;
        free(b);
        if (fd != STDIN_FILENO)
            close(fd);
        errno = e;
        return -1;
    }
}

const char *rpt_safe(const char *s)
{
    static char bufs[8][512];
    static unsigned slot;
    char *out = bufs[slot++ % 8];
    size_t n = 0;

    if (!s)
        return "-";
    for (; *s && n + 4 < sizeof bufs[0]; s++) {
        unsigned char c = (unsigned char)*s;
        out[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    out[n] = '\0';
    return out;
}

/* mkdir -p for the directories of path (0700). */
static bool make_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return false;
        }
        *p = '/';
    }
    return true;
}

const char *rpt_db_path(const char *opt)
{
    static char path[4096];
    const char *env = getenv("MAILCTL_DB"), *home = getenv("HOME");

    if (opt && *opt)
        return opt;
    if (env && *env)
        return env;
    if (!home || !*home) {
        cmd_error(EXIT_USAGE, "no --db, MAILCTL_DB or HOME: where should the database go?");
        return NULL;
    }
    if ((size_t)snprintf(path, sizeof path, "%s/.local/share/mailctl/reports.db", home) >=
        sizeof path) {
        cmd_error(EXIT_USAGE, "HOME is too long");
        return NULL;
    }
    if (!make_parents(path)) {
        cmd_error(EXIT_RUNTIME, "cannot create the directory of %s: %s", path, strerror(errno));
        return NULL;
    }
    return path;
}
