/*
 * cmd.h - what every mailctl subcommand shares: exit codes, global options,
 * engine construction from them, output helpers.
 *
 * Only cmd/ (and the programs' main files) print, exit or read argv.
 */
#ifndef MAILCTL_CMD_H
#define MAILCTL_CMD_H

#include <openssl/types.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>
#include <libintl.h>

#include "auth/dns.h"
#include "auth/finding.h"

/* Exit codes (../shared/cli.md). */
enum {
    EXIT_OK = 0,        /* success, check passed */
    EXIT_PROBLEM = 1,   /* the check found a problem at or above the gate */
    EXIT_USAGE = 2,     /* usage error or bad input */
    EXIT_RUNTIME = 3,   /* runtime failure: DNS unreachable, I/O error */
};

/* The exit code of a run that judged several things (domains, files,
 * signatures): the one that says most about them.  A definite problem
 * beats bad input (the rest was still judged), which beats a runtime
 * failure (it says nothing about the input), which beats success:
 * 1 > 2 > 3 > 0.  Every command combines exit codes through this. */
int cmd_exit_worse(int a, int b);

struct cmd_globals {
    const char *resolvers[DNS_MAX_SERVERS];
    size_t nresolvers;
    unsigned timeout_ms;   /* 0: engine default or MAILCTL_DNS_TIMEOUT */
    bool json;
    bool machine;          /* output is for programs (JUnit, expect...): English */
    int color;             /* -1 auto (TTY), 0 never, 1 always */
    int verbose;           /* -1 quiet, 0 normal, 1+ verbose */
    const char *ca_file;
    const char *dns_record;   /* --dns-record FILE: save every DNS answer */
    const char *dns_replay;   /* --dns-replay FILE: answer DNS from it */
};
extern struct cmd_globals g_opts;

/* Messages in the user's language (cmd/i18n.c).  _() marks and translates
 * a literal; N_() only marks one translated later. */
#define _(s) gettext(s)
#define N_(s) (s)
/* T_() translates only when the output is for people (text): the same
 * literal then serves JSON in English (auth_finding_text). */
#define T_(s) auth_finding_text(s)
/* A text with a count: the catalog's plural form for n when the output is
 * for people (not --json, not g_opts.machine), else one (n == 1) or many,
 * in English. */
#define NP_(one, many, n) cmd_plural(one, many, n)
const char *cmd_plural(const char *one, const char *many, unsigned long long n)
    __attribute__((format_arg(1), format_arg(2)));
/* setlocale and the "mailctl" catalog; first thing in main(). */
void cmd_i18n_init(void);
/* Display columns of UTF-8 text (CJK: two per character). */
size_t cmd_text_width(const char *s);
/* s, then spaces up to width display columns. */
void cmd_print_padded(FILE *fp, const char *s, size_t width);
/* A table cell of exactly width display columns: s padded, or cut at a
 * character boundary and ended with "..." when wider (a long PTR name). */
void cmd_print_cell(FILE *fp, const char *s, size_t width);
/* Spaces, then s, ending at width display columns (numbers, their heads). */
void cmd_print_right(FILE *fp, const char *s, size_t width);

/* Long options every command accepts too, so `mailctl mx D --json` works.
 * Values >= 1000 so they never collide with a command's short options. */
enum {
    OPT_RESOLVER = 1000, OPT_TIMEOUT, OPT_JSON, OPT_NO_COLOR, OPT_CA_FILE,
    OPT_VERBOSE, OPT_QUIET, OPT_HELP, OPT_DNS_RECORD, OPT_DNS_REPLAY, OPT_GLOBAL_LAST,
    OPT_BAD = 999             /* cmd_getopt: a bad option (cmd_global_opt reports it) */
};
#define CMD_GLOBAL_LONGOPTS                                          \
    {"resolver", required_argument, NULL, OPT_RESOLVER},             \
    {"timeout", required_argument, NULL, OPT_TIMEOUT},               \
    {"json", no_argument, NULL, OPT_JSON},                           \
    {"no-color", no_argument, NULL, OPT_NO_COLOR},                   \
    {"ca-file", required_argument, NULL, OPT_CA_FILE},               \
    {"verbose", no_argument, NULL, OPT_VERBOSE},                     \
    {"quiet", no_argument, NULL, OPT_QUIET},                         \
    {"help", no_argument, NULL, OPT_HELP},                           \
    {"dns-record", required_argument, NULL, OPT_DNS_RECORD},         \
    {"dns-replay", required_argument, NULL, OPT_DNS_REPLAY}

/* getopt_long for every command (cmd/options.c): long options only in
 * full (no prefixes: `--password` is not `--password-file`), and on any bad
 * option it returns OPT_BAD instead of printing getopt's message, which
 * would echo the value.  cmd_global_opt(OPT_BAD) then prints one line
 * naming the option (never its value) with a --help hint for the command
 * set by cmd_set_command(). */
int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
void cmd_set_command(const char *name);
/* Print the last cmd_getopt problem; returns EXIT_USAGE. */
int cmd_bad_option(void);

/* Read a password from a file named by option opt (e.g. "--password-file"):
 * its first line, at most 255 octets.  Errors never show the path (it may
 * be a password given by mistake); a file group or others can read gets a
 * warning on stderr.  Returns EXIT_OK with *out (malloc, caller cleanses
 * and frees) or prints the error and returns EXIT_USAGE/EXIT_RUNTIME. */
int cmd_read_password_file(const char *opt, const char *path, char **out);
/* Load a DKIM private key (dkim_privkey_load), warning on stderr when
 * group or others can read the file.  EXIT_OK or EXIT_USAGE (printed). */
int cmd_load_private_key(const char *path, EVP_PKEY **out);
/* Just the warning, for a key loaded some other way. */
void cmd_warn_exposed_key(const char *path);

/* Handle one global option returned by getopt_long.  Returns 1 when it was
 * a global option and was applied, 0 when it is not one of them, and
 * -EXIT_USAGE after printing a one-line error for a bad value. */
int cmd_global_opt(int opt, const char *arg);

/* Option parsing for a command that takes only the global options: returns
 * -1 to go on (optind at the first operand), else the exit code to return
 * (after --help, or a one-line error for an unknown option). */
int cmd_global_opts_only(int argc, char **argv, const char *command, void (*usage)(FILE *));

/* Print "mailctl: MESSAGE" to stderr (one line).  Returns code. */
int cmd_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same line without an exit code (a warning, a skipped item). */
void cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The program named in those lines and in "Try 'PROG COMMAND --help'."
 * ("mailctl" unless set: the dkimkeygen program sets its own). */
void cmd_set_program(const char *name);
/* Unknown option / missing argument: one line plus a hint; returns EXIT_USAGE. */
int cmd_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Build the DNS engine from --resolver/MAILCTL_RESOLVER, --timeout/
 * MAILCTL_DNS_TIMEOUT.  Returns EXIT_OK, or prints the error and returns
 * EXIT_USAGE (bad spec) or EXIT_RUNTIME (no resolver). */
int cmd_dns_engine(struct dns_engine **out);

/* File descriptors free under RLIMIT_NOFILE (less a reserve): what DNS
 * queries in flight and parallel jobs may use at most. */
long cmd_fd_budget(void);

/* Apply --timeout/MAILCTL_DNS_TIMEOUT (a budget per DNS question, split
 * over the tries) to engine parameters; no-op when neither was given. */
void cmd_dns_timeouts(struct dns_engine_params *p);

/* The DNS tape of --dns-record/--dns-replay, opened on first use (NULL
 * when neither was given).  Returns EXIT_OK or prints and returns
 * EXIT_USAGE (unreadable or bad replay file). */
int cmd_dns_tape(struct dns_tape **out);
/* At exit: write the --dns-record file and make sure stdout reached its
 * reader (flush, error flag, close).  Returns rc, or EXIT_RUNTIME when
 * either failed (after printing why; a usage error keeps EXIT_USAGE). */
int cmd_finish(int rc);
/* First thing in main: a file-size limit (ulimit -f) then shows as a write
 * error (EFBIG, exit 3, temporary files removed) instead of killing us. */
void cmd_process_init(void);
/* Flush stdout now: EXIT_OK, or EXIT_RUNTIME after printing the error
 * (once).  For a command that must know its output was written before it
 * commits something (setup and keygen put the key in place only then). */
int cmd_stdout_check(void);
/* Print an auth/file.h failure and map it: AUTH_EEXIST (with a --force
 * hint) and AUTH_EINVAL (a symlink or special file) are EXIT_USAGE, the
 * rest EXIT_RUNTIME. */
int cmd_file_error(enum auth_status st, const char *err);

/* A text file read line by line with bounds (cmd/lines.c): path "-" is
 * stdin; what names it in errors ("--file").  next returns 1 with the line
 * (no end-of-line) in r->line, 0 at the end, or -EXIT_USAGE after printing
 * why (a line over max_line octets, the file over max_bytes, a NUL byte, a
 * read error such as a directory). */
struct line_reader {
    FILE *fp;
    const char *what, *path;
    char *line;
    size_t max_line, max_bytes, lineno, total;
};
int line_reader_open(struct line_reader *r, const char *what, const char *path,
                     size_t max_line, size_t max_bytes);
/* The same over a stream already open (closed by line_reader_close unless
 * it is stdin). */
int line_reader_open_stream(struct line_reader *r, const char *what, const char *path,
                            FILE *fp, size_t max_line, size_t max_bytes);
int line_reader_next(struct line_reader *r);
void line_reader_close(struct line_reader *r);

/* CLI self-description (cmd/cli_meta.c).  Every command parses its options
 * with cmd_getopt, so a command's struct option table is the one list of
 * its options: `mailctl --list-options COMMAND` sets list mode, and the
 * command's first cmd_getopt call prints that table and exits (for the man
 * page test and shell completion); a rejected option's error names the
 * nearest one in it. */
void cmd_list_options_if_asked(const char *shortopts, const struct option *longopts);
const char *cmd_nearest_option(const char *name, const struct option *longopts);
/* argv: the command words after --list-options ("dkim", "sign"). */
void cmd_set_list_mode(int argc, char **argv);
bool cmd_list_mode(void);
/* The candidate nearest to word (a typo or unique prefix), or NULL. */
const char *cmd_nearest(const char *word, const char *const *cands, size_t n);
/* A command made of subcommands (`dkim sign`): run the one argv[1] names
 * with argv shifted by one; an unknown name gets a hint.  In list mode
 * without a subcommand, print the subcommand names and exit. */
struct cmd_sub {
    const char *name;
    int (*run)(int argc, char **argv);
};
/* Who prints the fixed value sets of options that only the command layer
 * knows, in list mode (cmd/cli_meta.c); mailctl's main sets it. */
void cmd_set_value_lister(void (*lister)(const char *command, const char *option));
/* check-dns's lister (cmd/check_dns.c). */
void check_dns_list_values(const char *command, const char *option);
int cmd_run_sub(const char *command, const struct cmd_sub *subs, size_t n,
                int argc, char **argv);

/* Names at the boundary (cmd/names.c): argv and list entries converted to
 * A-labels once, here.  Each returns EXIT_OK, or prints one line naming
 * the bad value (what: "domain", "--selector"...) and returns EXIT_USAGE:
 * an IP address where a name belongs, the root, a name that is not one. */
int cmd_domain_arg(const char *what, const char *arg, char *out, size_t outlen);
/* As cmd_domain_arg, but quiet: EXIT_USAGE with why filled (a list entry
 * that is not a name is one error line of a bulk run, not its end). */
int cmd_domain_check(const char *arg, char *out, size_t outlen, char *why, size_t whylen);
int cmd_selector_arg(const char *what, const char *arg, char *out, size_t outlen);
/* LOCAL@DOMAIN with the domain converted (the local part is kept). */
int cmd_address_arg(const char *what, const char *arg, char *out, size_t outlen);
/* An SPF/SMTP identity as given (MAIL FROM, HELO: LOCAL@DOMAIN or a bare
 * name) with a U-label domain converted; ASCII is passed through as it is,
 * since check_host() itself judges odd names (RFC 7208 4.3). */
int cmd_idn_in_identity(const char *what, const char *arg, char *out, size_t outlen);
/* "xn--bcher-kva.example (bücher.example)" for an IDN, else the name. */
const char *cmd_name_for_people(const char *alabel, char *buf, size_t len);
/* Outside text made safe for one terminal line (control bytes as \xNN). */
const char *cmd_shown(const char *s, char *buf, size_t len);

/* Colour: whether to use ANSI colour on stdout. */
bool out_color_enabled(void);
/* ANSI sequences or "" when colour is off. */
const char *out_green(void);
const char *out_yellow(void);
const char *out_red(void);
const char *out_bold(void);
const char *out_dim(void);
const char *out_reset(void);

/* Outside data (DNS records, SMTP replies, header fields, names) for text
 * output: control octets, invalid UTF-8 and the code points a terminal
 * acts on (C1 controls, bidi overrides) become \xHH or \u{H...}; anything
 * else, UTF-8 text included, is unchanged.  The result is s itself when
 * nothing needed escaping, else a buffer valid for the next 15 calls in
 * the same thread (enough for one printf); "" for NULL.  JSON output needs
 * none of this (jansson escapes). */
const char *out_esc(const char *s);
const char *out_escn(const char *s, size_t n);

/* Print a JSON document on stdout (indented) followed by a newline and steal
 * the reference.  Returns EXIT_OK or EXIT_RUNTIME on write failure. */
int out_json(json_t *doc);
/* One compact JSON object per line (bulk / JSON lines). */
int out_json_line(json_t *doc);
/* json_string or json_null for a possibly NULL string. */
json_t *json_str_or_null(const char *s);

/* PTR names of one address: JSON array [{name, fcrdns}] and text lines
 * (shared by mx, ptr and the audit). */
struct ptr_report;
json_t *json_ptr_names(const struct ptr_report *p);
void print_ptr_names(const struct ptr_report *p, const char *indent);

/* Findings (cmd/findings_out.c): JSON per ../shared/cli.md and text. */
struct finding;
struct finding_list;
json_t *json_finding(const struct finding *f);
json_t *json_findings(const struct finding_list *l);
/* {"pass":n, "info":n, "warn":n, "fail":n, "error":n, "skipped":n} */
json_t *json_finding_summary(const struct finding_list *l);
void print_finding(const struct finding *f, int verbose);
void print_findings(const struct finding_list *l, int verbose);

/* A host argument (cmd/args.c): an IP address (IPv6 also in brackets,
 * "[::1]") or a host name as cmd_domain_arg converts it; out gets the
 * address without brackets or the A-label.  EXIT_OK or EXIT_USAGE after a
 * line naming it. */
int cmd_host_arg(const char *what, const char *arg, char *out, size_t outlen);

/* Subcommands: each returns its exit code. argv[0] is the command name. */
int cmd_check_dns(int argc, char **argv);
int cmd_mx(int argc, char **argv);
int cmd_ptr(int argc, char **argv);
int cmd_spf(int argc, char **argv);
int cmd_dkim(int argc, char **argv);
int cmd_dmarc(int argc, char **argv);
int cmd_auth(int argc, char **argv);
int cmd_setup(int argc, char **argv);
int cmd_send_test(int argc, char **argv);
int cmd_ports(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_arc(int argc, char **argv);

#endif
