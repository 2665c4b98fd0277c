/*
 * send_test_imap.c - the --check-imap part of `mailctl send-test`: options,
 * the imaps://USER@HOST[:PORT]/[MAILBOX] URL, the IMAP password, and the
 * bounded poll of the mailbox and the junk folder for the message's token
 * (X-Mailctl-Token header) once it has been delivered.  The report itself
 * is built by send_test_arrival.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "send_test_arrival.h"
#include "send_test_imap.h"
#include "send_test_msg.h"

#define WAIT_DEFAULT_S   120
#define WAIT_MAX_S       86400
#define POLL_MS          500       /* cadence of the mailbox polls */
#define COMMAND_MS       30000     /* one IMAP command, when --timeout is not given */

int st_imap_option(struct st_imap *im, int opt, const char *arg)
{
    char *end;
    long v;

    switch (opt) {
    case O_IMAP_URL: im->url = arg; return 1;
    case O_IMAP_PASSFILE: im->password_file = arg; return 1;
    case O_IMAP_WAIT:
        errno = 0;
        v = strtol(arg, &end, 10);
        if (errno || end == arg || *end || v < 0 || v > WAIT_MAX_S) {
            cmd_usage_error("send-test", "bad --wait '%s': seconds, 0 to %d", arg, WAIT_MAX_S);
            return -EXIT_USAGE;
        }
        im->wait_s = (int)v;
        return 1;
    default:
        return 0;
    }
}

bool st_imap_wanted(const struct st_imap *im)
{
    return im->url != NULL;
}

/* Percent-decode src[0..n) into dst; false on a bad escape, a control
 * byte, or overflow. */
static bool pct_decode(const char *src, size_t n, char *dst, size_t len)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)src[i];
        if (ch == '%') {
            char hex[3] = {0};
            if (i + 2 >= n)
                return false;
            hex[0] = src[i + 1];
            hex[1] = src[i + 2];
            if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]))
                return false;
            ch = (unsigned char)strtoul(hex, NULL, 16);
            i += 2;
        }
        if (ch < 0x20 || ch == 0x7f || k + 1 >= len)
            return false;
        dst[k++] = (char)ch;
    }
    dst[k] = '\0';
    return true;
}

static bool parse_port(const char *s, size_t n, int *port)
{
    long v = 0;

    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return false;
    *port = (int)v;
    return true;
}

/* HOST, HOST:PORT, [V6], [V6]:PORT */
static bool parse_hostport(struct st_imap *im, const char *s, size_t n)
{
    const char *colon;
    size_t hn;

    if (n && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close)
            return false;
        hn = (size_t)(close - s - 1);
        if (hn == 0 || hn >= sizeof im->host)
            return false;
        memcpy(im->host, s + 1, hn);
        im->host[hn] = '\0';
        if ((size_t)(close - s) + 1 == n)
            return true;
        return close[1] == ':' && parse_port(close + 2, n - (size_t)(close - s) - 2, &im->port);
    }
    colon = memchr(s, ':', n);
    hn = colon ? (size_t)(colon - s) : n;
    if (hn == 0 || hn >= sizeof im->host)
        return false;
    memcpy(im->host, s, hn);
    im->host[hn] = '\0';
    for (size_t i = 0; i < hn; i++)
        if (!isalnum((unsigned char)im->host[i]) && !strchr(".-_", im->host[i]))
            return false;
    return !colon || parse_port(colon + 1, n - hn - 1, &im->port);
}

static int parse_url(struct st_imap *im)
{
    const char *u = im->url, *rest, *slash, *at;

    if (strncmp(u, "imaps://", 8) == 0) {
        im->tls = IMAP_TLS_IMPLICIT;
        rest = u + 8;
    } else if (strncmp(u, "imap://", 7) == 0) {
        im->tls = IMAP_TLS_STARTTLS;
        rest = u + 7;
    } else {
        return cmd_usage_error("send-test", "bad --check-imap '%s': imaps://USER@HOST[:PORT]/"
                               "[MAILBOX] (or imap:// for STARTTLS)", u);
    }
    slash = strchr(rest, '/');
    if (!slash)
        slash = rest + strlen(rest);
    /* the last '@' before the path: a user name may itself hold one */
    at = NULL;
    for (const char *p = rest; p < slash; p++)
        if (*p == '@')
            at = p;
    if (!at || at == rest || !pct_decode(rest, (size_t)(at - rest), im->user, sizeof im->user))
        return cmd_usage_error("send-test", "bad --check-imap '%s': no USER@ (a '@' in the "
                               "user name may be written %%40)", u);
    if (!parse_hostport(im, at + 1, (size_t)(slash - at - 1)))
        return cmd_usage_error("send-test", "bad --check-imap '%s': bad HOST[:PORT]", u);
    if (!*slash || !slash[1])
        snprintf(im->mailbox, sizeof im->mailbox, "INBOX");
    else if (!pct_decode(slash + 1, strlen(slash + 1), im->mailbox, sizeof im->mailbox))
        return cmd_usage_error("send-test", "bad --check-imap '%s': bad MAILBOX", u);
    if (!im->port)
        im->port = im->tls == IMAP_TLS_IMPLICIT ? 993 : 143;
    return EXIT_OK;
}

static int read_password(struct st_imap *im)
{
    const char *env = getenv("MAILCTL_IMAP_PASSWORD");

    if (im->password_file) {
        int rc = cmd_read_password_file("--imap-password-file", im->password_file,
                                        &im->password);
        if (rc != EXIT_OK)
            return rc;
    } else if (env) {
        if (!(im->password = strdup(env)))
            return cmd_error(EXIT_RUNTIME, "out of memory");
    } else {
        return cmd_usage_error("send-test", "--check-imap needs --imap-password-file or "
                               "MAILCTL_IMAP_PASSWORD");
    }
    if (!im->password[0] || strlen(im->password) > 255)
        return cmd_error(EXIT_USAGE, "the IMAP password is empty or over 255 octets");
    return EXIT_OK;
}

int st_imap_prepare(struct st_imap *im, bool allow_plaintext)
{
    int rc;

    (void)allow_plaintext;
    if (!im->url) {
        if (im->password_file || im->wait_s >= 0)
            return cmd_usage_error("send-test", "--imap-password-file and --wait go with "
                                   "--check-imap");
        return EXIT_OK;
    }
    if (im->wait_s < 0)
        im->wait_s = WAIT_DEFAULT_S;
    if ((rc = parse_url(im)) != EXIT_OK)
        return rc;
    return read_password(im);
}

void st_imap_free(struct st_imap *im)
{
    if (im->password) {
        memset(im->password, 0, strlen(im->password));
        free(im->password);
        im->password = NULL;
    }
}

/* ---------- polling ---------- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Open, (fall back to plaintext when STARTTLS is missing and allowed), log in. */
static struct imap_client *connect_login(const struct st_imap *im, bool allow_plaintext,
                                         struct dns_engine *eng, struct arrival *a)
{
    const char *ca = g_opts.ca_file ? g_opts.ca_file : getenv("SSL_CERT_FILE");
    unsigned cmd_ms = g_opts.timeout_ms ? g_opts.timeout_ms : COMMAND_MS;
    struct imap_params p = {
        .host = im->host, .eng = eng, .port = (uint16_t)im->port, .tls = im->tls, .ca_file = ca,
        .user = im->user, .password = im->password, .allow_plaintext_auth = allow_plaintext,
        .connect_ms = cmd_ms, .command_ms = cmd_ms,
        .transcript = arrival_transcript, .transcript_arg = a,
    };
    struct imap_client *c = NULL;
    char err[300];

    for (int attempt = 0; attempt < 2; attempt++) {
        if (imap_client_new(&p, &c, err, sizeof err) != AUTH_OK) {
            arrival_error(a, "%s", err);
            return NULL;
        }
        if (imap_open(c) == AUTH_OK && imap_login(c) == AUTH_OK) {
            arrival_note_tls(a, imap_client_tls(c), imap_client_tls_active(c));
            return c;
        }
        arrival_error(a, "IMAP %s: %s", imap_failure_name(imap_client_failure(c)),
                      imap_client_why(c));
        if (attempt == 0 && allow_plaintext && p.tls == IMAP_TLS_STARTTLS &&
            imap_client_failure(c) == IMAP_FAIL_TLS && !imap_client_tls_active(c) &&
            !imap_client_tls(c)) {
            imap_client_free(c);
            c = NULL;
            p.tls = IMAP_TLS_NONE;        /* no STARTTLS offered: plaintext was allowed */
            continue;
        }
        break;
    }
    imap_client_free(c);
    return NULL;
}

/* Look in one folder: 1 found (headers fetched), 0 not there, -1 IMAP failure. */
static int look_in(struct imap_client *c, const char *folder, const char *token,
                   struct arrival *a)
{
    uint32_t *uids = NULL;
    size_t n = 0, hlen = 0;
    char *hdr = NULL;
    enum auth_status st = imap_examine(c, folder, NULL);

    if (st == AUTH_ENOTFOUND)
        return 0;
    if (st == AUTH_OK)
        st = imap_uid_search_header(c, "X-Mailctl-Token", token, &uids, &n);
    if (st == AUTH_OK && n > 0)
        st = imap_uid_fetch_header(c, uids[n - 1], &hdr, &hlen);
    free(uids);
    if (st == AUTH_OK && hdr) {
        arrival_found(a, folder, hdr, hlen);
        free(hdr);
        return 1;
    }
    if (st != AUTH_OK && st != AUTH_ENOTFOUND) {
        arrival_error(a, "IMAP %s: %s", imap_failure_name(imap_client_failure(c)),
                      imap_client_why(c));
        return -1;
    }
    return 0;
}

static void poll_pause(const struct timespec *t0, double wait_s)
{
    double left = wait_s - seconds_since(t0);
    long ms = left <= 0 ? 0 : left * 1000 < POLL_MS ? (long)(left * 1000) : POLL_MS;

    /* the poll cadence: the only wait between two looks */
    nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

json_t *st_imap_arrival(const struct st_imap *im, const char *token, bool allow_plaintext,
                        int *rc)
{
    struct arrival a;
    struct timespec t0;
    struct imap_client *c = NULL;
    struct dns_engine *eng = NULL;
    struct auth_ip ip;
    char junk[512] = "";
    int found = 0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    arrival_init(&a, im->host, im->port, im->mailbox, !g_opts.json && g_opts.verbose > 0);
    /* a host name is resolved by mailctl's DNS engine (--resolver) */
    if (auth_ip_parse(im->host, &ip) != AUTH_OK && cmd_dns_engine(&eng) != EXIT_OK)
        arrival_error(&a, "no DNS engine to resolve %s", im->host);
    else
        c = connect_login(im, allow_plaintext, eng, &a);
    if (c) {
        enum auth_status st = imap_find_junk(c, junk, sizeof junk);
        if (st != AUTH_OK && st != AUTH_ENOTFOUND)
            found = -1;
        else if (st == AUTH_OK && strcmp(junk, im->mailbox) != 0)
            arrival_set_junk_folder(&a, junk);
        else
            junk[0] = '\0';
        while (found == 0) {
            a.polls++;
            found = look_in(c, im->mailbox, token, &a);
            if (found == 0 && junk[0])
                found = look_in(c, junk, token, &a);
            if (found != 0 || seconds_since(&t0) >= im->wait_s)
                break;
            poll_pause(&t0, im->wait_s);
        }
        if (found == 1)
            a.seconds = seconds_since(&t0);
        else if (found == 0)
            arrival_error(&a, "the message did not arrive in %s%s%s within %d s",
                          im->mailbox, junk[0] ? " or " : "", junk, im->wait_s);
        /* the search is done; LOGOUT is a courtesy */
        auth_status_ignore(imap_logout(c));
        imap_client_free(c);
    }
    dns_engine_free(eng);
    *rc = arrival_exit_code(&a);
    if (!g_opts.json)
        arrival_print(&a);
    {
        json_t *j = arrival_json(&a);
        arrival_free(&a);
        return j;
    }
}
