/*
 * common.c - global options, error lines and DNS engine set-up shared by
 * every subcommand.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "cmd.h"

struct cmd_globals g_opts = { .color = -1 };

/* Seconds as typed ("2", "0.5") to milliseconds; 0 on error. */
static unsigned parse_seconds(const char *arg)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(v) || v <= 0 || v > 3600)
        return 0;
    return (unsigned)(v * 1000.0 + 0.5) ? (unsigned)(v * 1000.0 + 0.5) : 1;
}

/* from: where spec came from, for the message ("--resolver" or the
 * environment variable), so the user looks in the right place. */
static int add_resolver(const char *spec, const char *from)
{
    struct sockaddr_storage ss;
    char err[160];

    if (dns_server_parse(spec, &ss, err, sizeof err) != AUTH_OK)
        return -cmd_error(EXIT_USAGE, "bad %s '%.80s': %s", from, spec, err);
    if (g_opts.nresolvers >= DNS_MAX_SERVERS)
        return -cmd_error(EXIT_USAGE, "too many resolvers in %s (at most %d)", from,
                          DNS_MAX_SERVERS);
    g_opts.resolvers[g_opts.nresolvers++] = spec;
    return 1;
}

int cmd_global_opt(int opt, const char *arg)
{
    switch (opt) {
    case OPT_RESOLVER:
        return add_resolver(arg, "--resolver");
    case OPT_TIMEOUT:
        g_opts.timeout_ms = parse_seconds(arg);
        if (!g_opts.timeout_ms)
            return -cmd_error(EXIT_USAGE, "bad --timeout '%s': want seconds in (0, 3600]", arg);
        return 1;
    case OPT_JSON: g_opts.json = true; return 1;
    case OPT_NO_COLOR: g_opts.color = 0; return 1;
    case OPT_CA_FILE: g_opts.ca_file = arg; return 1;
    case 'v':                     /* -v and -q mean the same in every command */
    case OPT_VERBOSE: g_opts.verbose++; return 1;
    case OPT_DNS_RECORD: g_opts.dns_record = arg; return 1;
    case OPT_DNS_REPLAY: g_opts.dns_replay = arg; return 1;
    case 'q':
    case OPT_QUIET: g_opts.verbose = -1; return 1;
    case OPT_BAD: return -cmd_bad_option();
    default: return 0;
    }
}

int cmd_exit_worse(int a, int b)
{
    static const int rank[] = { [EXIT_OK] = 0, [EXIT_PROBLEM] = 3, [EXIT_USAGE] = 2,
                                [EXIT_RUNTIME] = 1 };

    if (a < EXIT_OK || a > EXIT_RUNTIME)
        return a;
    if (b < EXIT_OK || b > EXIT_RUNTIME)
        return b;
    return rank[a] >= rank[b] ? a : b;
}

/* The program messages are from: "mailctl", or "dkimkeygen". */
static const char *g_prog = "mailctl";

void cmd_set_program(const char *name)
{
    g_prog = name;
}

/* Error lines carry names and replies from outside: escaped as a whole
 * (our own text has no control characters), one line however long. */
static void error_line(const char *fmt, va_list ap)
{
    char buf[2048];

    vsnprintf(buf, sizeof buf, fmt, ap);
    fprintf(stderr, "%s: %s", g_prog, out_esc(buf));
}

void cmd_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_line(_(fmt), ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cmd_error(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_line(_(fmt), ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cmd_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_line(_(fmt), ap);
    va_end(ap);
    fputc('\n', stderr);
    /* TRANSLATORS: %s is the program and command, e.g. "mailctl dkim sign". */
    fprintf(stderr, _("Try '%s%s%s --help'.\n"), g_prog, command ? " " : "",
            command ? command : "");
    return EXIT_USAGE;
}

/* Split MAILCTL_RESOLVER ("a,b:53,[::1]:5353") into the global list.
 * The strings live in a static copy for the process lifetime. */
static int resolvers_from_env(void)
{
    static char copy[1024];
    const char *env = getenv("MAILCTL_RESOLVER");
    char *save = NULL;

    if (!env || !*env || g_opts.nresolvers)
        return EXIT_OK;
    if (strlen(env) >= sizeof copy)
        return cmd_error(EXIT_USAGE, "MAILCTL_RESOLVER is too long");
    memcpy(copy, env, strlen(env) + 1);
    for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        int r = add_resolver(tok, "resolver in MAILCTL_RESOLVER");
        if (r < 0)
            return -r;
    }
    /* Set but naming nothing (",,,", " "): the user meant something, so
     * never fall back to /etc/resolv.conf behind their back. */
    if (!g_opts.nresolvers)
        return cmd_error(EXIT_USAGE, "MAILCTL_RESOLVER is set but names no resolver "
                         "(want HOST[:PORT],...)");
    return EXIT_OK;
}

/* --timeout / MAILCTL_DNS_TIMEOUT is how long one DNS question may take in
 * all: three tries of a third of it each (at least 100 ms a try), so a
 * timeout costs what the user said, not three times that. */
void cmd_dns_timeouts(struct dns_engine_params *p)
{
    if (!g_opts.timeout_ms)
        return;
    p->attempts = 3;
    p->timeout_ms = g_opts.timeout_ms / 3 > 100 ? g_opts.timeout_ms / 3 : 100;
}

/* Descriptors still free under RLIMIT_NOFILE, less a few kept for files,
 * logs and libraries (OpenSSL, curl) that open their own. */
long cmd_fd_budget(void)
{
    struct rlimit rl;
    long open_now = 0;
    DIR *d;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > 1L << 20)
        return 1L << 20;
    if ((d = opendir("/proc/self/fd"))) {
        for (struct dirent *e; (e = readdir(d));)
            open_now += e->d_name[0] != '.';
        closedir(d);
    } else {
        open_now = 16;
    }
    return (long)rl.rlim_cur - open_now - 16;
}

static struct dns_tape *g_tape;

int cmd_dns_tape(struct dns_tape **out)
{
    char err[512];

    *out = NULL;
    if (g_opts.dns_record && g_opts.dns_replay)
        return cmd_error(EXIT_USAGE, "--dns-record and --dns-replay exclude each other");
    if (!g_tape && (g_opts.dns_record || g_opts.dns_replay) &&
        dns_tape_open(g_opts.dns_record ? g_opts.dns_record : g_opts.dns_replay,
                      g_opts.dns_record ? DNS_TAPE_RECORD : DNS_TAPE_REPLAY, &g_tape,
                      err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "%s", err);
    *out = g_tape;
    return EXIT_OK;
}

void cmd_process_init(void)
{
    signal(SIGXFSZ, SIG_IGN);
}

static bool g_stdout_failed;

int cmd_stdout_check(void)
{
    int e = fflush(stdout) != 0 ? errno : 0;

    if (g_stdout_failed)
        return EXIT_RUNTIME;
    if (!e && !ferror(stdout))
        return EXIT_OK;
    g_stdout_failed = true;
    return cmd_error(EXIT_RUNTIME, "cannot write to standard output%s%s",
                     e ? ": " : "", e ? strerror(e) : "");
}

int cmd_file_error(enum auth_status st, const char *err)
{
    if (st == AUTH_EEXIST)
        return cmd_error(EXIT_USAGE, "%s (use --force to replace it)", err);
    return cmd_error(st == AUTH_EINVAL ? EXIT_USAGE : EXIT_RUNTIME, "%s", err);
}

int cmd_finish(int rc)
{
    char err[512];
    int e;

    if (g_tape && dns_tape_close(g_tape, err, sizeof err) != AUTH_OK) {
        cmd_error(EXIT_RUNTIME, "%s", err);
        rc = rc == EXIT_OK ? EXIT_RUNTIME : rc;
    }
    g_tape = NULL;
    /* Output that did not reach its reader is a failure of the run, in
     * every command (a full disk, a closed pipe's descriptor, /dev/full). */
    if (cmd_stdout_check() != EXIT_OK)
        return rc == EXIT_USAGE ? rc : EXIT_RUNTIME;
    e = fclose(stdout) != 0 ? errno : 0;
    if (e) {
        cmd_error(EXIT_RUNTIME, "cannot write to standard output: %s", strerror(e));
        return rc == EXIT_USAGE ? rc : EXIT_RUNTIME;
    }
    return rc;
}

int cmd_dns_engine(struct dns_engine **out)
{
    struct dns_engine_params p = {0};
    char err[256];
    enum auth_status st;
    int rc = resolvers_from_env();
    long fds;

    if (rc != EXIT_OK)
        return rc;
    if (!g_opts.timeout_ms && getenv("MAILCTL_DNS_TIMEOUT")) {
        g_opts.timeout_ms = parse_seconds(getenv("MAILCTL_DNS_TIMEOUT"));
        if (!g_opts.timeout_ms)
            return cmd_error(EXIT_USAGE, "bad MAILCTL_DNS_TIMEOUT '%s'",
                             getenv("MAILCTL_DNS_TIMEOUT"));
    }
    p.servers = g_opts.resolvers;
    p.nservers = g_opts.nresolvers;
    fds = cmd_fd_budget();
    if (fds < 256)                       /* one socket per query in flight */
        p.max_inflight = fds > 1 ? (unsigned)fds : 1;
    cmd_dns_timeouts(&p);
    if ((rc = cmd_dns_tape(&p.tape)) != EXIT_OK)
        return rc;
    st = dns_engine_new(&p, out, err, sizeof err);
    if (st == AUTH_EINVAL)
        return cmd_error(EXIT_USAGE, "%s", err);
    if (st != AUTH_OK)
        return cmd_error(EXIT_RUNTIME, "cannot start the resolver: %s", err);
    return EXIT_OK;
}

int cmd_global_opts_only(int argc, char **argv, const char *command, void (*usage)(FILE *))
{
    static const struct option longopts[] = { CMD_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0} };
    int opt;

    while ((opt = cmd_getopt(argc, argv, "vqh", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        if (opt == 'h' || opt == OPT_HELP) {
            usage(stdout);
            return EXIT_OK;
        }
        return cmd_usage_error(command, "unknown option");
    }
    return -1;
}
