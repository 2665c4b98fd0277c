/*
 * send_test.c - `mailctl send-test`: deliver a generated test message through
 * a relay (--server) or straight to the recipient domain's MX hosts, with
 * STARTTLS or implicit TLS verified by default, optional AUTH and DKIM, and
 * show the whole SMTP transcript (AUTH secrets masked).
 *
 * Exit: 0 delivered; 1 rejected (the reply is shown; also a wrong password
 * or a null MX); 2 bad input (refused before any connection); 3 could not
 * connect or talk to any server (refused, timeout, TLS failure, protocol
 * violation, 421).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/ipaddr.h"
#include "auth/mx.h"
#include "auth/smtp.h"
#include "auth/name.h"
#include "cmd.h"
#include "send_test_imap.h"
#include "send_test_msg.h"

#define MAX_TO        SMTP_MAX_RCPTS
#define MAX_LINES     4000            /* transcript lines kept for output */
#define MAX_SHOWN     1000            /* bytes of one transcript line kept */

struct opts {
    const char *from, *to[MAX_TO];
    size_t nto;
    const char *server, *tls, *user, *password_file, *dkim_key, *selector;
    const char *subject, *body_file, *helo;
    unsigned auth_mechs;      /* --auth-mech: SMTP_AUTH_*, 0 any */
    int port;                 /* --port for direct MX delivery (labs/tests) */
    bool plaintext_auth, smtputf8;
    struct st_imap imap;      /* --check-imap (send_test_imap.c) */
};

struct line { char dir; char *text; };

struct run {
    struct line *lines;
    size_t nlines;
    bool live;                /* print lines as they come (text mode) */
};

enum { O_FROM = OPT_GLOBAL_LAST + 1, O_TO, O_SERVER, O_TLS, O_USER, O_PASSFILE, O_DKIMKEY,
       O_SELECTOR, O_SUBJECT, O_BODYFILE, O_HELO, O_PORT, O_PLAINAUTH, O_SMTPUTF8,
       O_AUTHMECH };

static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: mailctl send-test --from ADDR --to ADDR [--to ADDR]... [--server HOST[:PORT]]\n"
        "         [--tls starttls|implicit|opportunistic|none] [--user U --password-file F]\n"
        "         [--auth-mech plain|login]\n"
        "         [--dkim-key K --selector S] [--subject S] [--body-file F] [--helo NAME]\n"
        "         [--port N] [--allow-plaintext-auth] [--smtputf8] [--ca-file F] [--json]\n"
        ));
    fputs(ST_IMAP_USAGE "\n", fp);
    fputs(_(
        "Send a test message with a unique token and show the SMTP transcript.\n"
        "--server: submit through that relay (port 587, or 465 with --tls implicit);\n"
        "without it the message goes to the recipients' domain's MX hosts on port 25\n"
        "(--port changes that for lab setups).  TLS is verified by default (system\n"
        "trust store; --ca-file or SSL_CERT_FILE replaces it).  The password comes\n"
        "from --password-file or MAILCTL_PASSWORD, never from the command line.\n"
        "--timeout SEC bounds DNS and every SMTP wait.\n"
        "--check-imap: then find the message over IMAP (imaps://, or imap:// for\n"
        "STARTTLS) in MAILBOX (default INBOX) or the junk folder, polling up to\n"
        "--wait seconds (120); password from --imap-password-file or\n"
        "MAILCTL_IMAP_PASSWORD.  Reports folder, time, the receiver's verdict.\n"
        "exit: 0 delivered, 1 rejected, 2 bad input, 3 could not connect or talk;\n"
        "with --check-imap: 0 arrived with dmarc=pass, 1 arrived failing or in junk,\n"
        "3 not arrived in time\n"
        "\nexamples:\n"
        "  mailctl send-test --from me@example.com --to check@example.net\n"
        "  mailctl send-test --server smtp.example.com --user me --password-file ~/.smtp-pass \\\n"
        "      --from me@example.com --to you@example.org --dkim-key mail.private --selector mail\n"), fp);
}

/* ---------- transcript ---------- */

static void print_line(char dir, const char *s, size_t n)
{
    printf("%s%s %s%s\n", dir == 'C' ? out_bold() : out_dim(), dir == 'C' ? "C:" : "S:",
           out_reset(), out_escn(s, n));
}

static void on_line(void *arg, char dir, const char *line, size_t len)
{
    struct run *run = arg;
    size_t n = len > MAX_SHOWN ? MAX_SHOWN : len;
    struct line *grown;

    if (run->live)
        print_line(dir, line, n);
    if (run->nlines >= MAX_LINES)
        return;
    if (run->nlines % 64 == 0) {
        grown = realloc(run->lines, (run->nlines + 64) * sizeof *grown);
        if (!grown)
            return;
        run->lines = grown;
    }
    run->lines[run->nlines].dir = dir;
    if ((run->lines[run->nlines].text = strndup(line, n)))
        run->nlines++;
}

static void run_free(struct run *run)
{
    for (size_t i = 0; i < run->nlines; i++)
        free(run->lines[i].text);
    free(run->lines);
}

/* ---------- options ---------- */

static int parse_port(const char *s, int *port)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 65535)
        return -1;
    *port = (int)v;
    return 0;
}

/* "host", "host:587", "[::1]:587", "192.0.2.1:25" into host (copied) and port. */
static int parse_server(const char *spec, char *host, size_t hlen, int *port)
{
    const char *colon, *end;
    size_t n;

    if (spec[0] == '[') {
        end = strchr(spec, ']');
        if (!end)
            return -1;
        n = (size_t)(end - spec - 1);
        if (n == 0 || n >= hlen)
            return -1;
        memcpy(host, spec + 1, n);
        host[n] = '\0';
        if (!end[1])
            return 0;
        return end[1] == ':' ? parse_port(end + 2, port) : -1;
    }
    colon = strchr(spec, ':');
    if (colon && strchr(colon + 1, ':'))
        colon = NULL;                        /* a bare IPv6 literal */
    n = colon ? (size_t)(colon - spec) : strlen(spec);
    if (n == 0 || n >= hlen)
        return -1;
    memcpy(host, spec, n);
    host[n] = '\0';
    if (cmd_idn_in_identity("--server", host, host, hlen) != EXIT_OK)
        return -1;
    return colon ? parse_port(colon + 1, port) : 0;
}

static int tls_mode(const char *s, enum smtp_tls_mode *m)
{
    static const struct { const char *name; enum smtp_tls_mode mode; } modes[] = {
        {"starttls", SMTP_TLS_STARTTLS}, {"implicit", SMTP_TLS_IMPLICIT},
        {"opportunistic", SMTP_TLS_OPPORTUNISTIC}, {"none", SMTP_TLS_NONE},
    };

    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(s, modes[i].name) == 0) {
            *m = modes[i].mode;
            return 0;
        }
    return -1;
}

/* Envelope domains and the selector as A-labels (a U-label local part is
 * kept: that is SMTPUTF8's business). */
static int names_to_alabels(struct opts *o)
{
    static char from[1024], to[MAX_TO][1024], selector[AUTH_NAME_MAX];
    int rc;

    if ((rc = cmd_idn_in_identity("--from", o->from, from, sizeof from)) != EXIT_OK)
        return rc;
    o->from = from;
    for (size_t i = 0; i < o->nto; i++) {
        if ((rc = cmd_idn_in_identity("--to", o->to[i], to[i], sizeof to[i])) != EXIT_OK)
            return rc;
        o->to[i] = to[i];
    }
    if (o->selector) {
        if ((rc = cmd_selector_arg("--selector", o->selector, selector,
                                   sizeof selector)) != EXIT_OK)
            return rc;
        o->selector = selector;
    }
    return EXIT_OK;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"from", required_argument, NULL, O_FROM}, {"to", required_argument, NULL, O_TO},
        {"server", required_argument, NULL, O_SERVER}, {"tls", required_argument, NULL, O_TLS},
        {"user", required_argument, NULL, O_USER},
        {"password-file", required_argument, NULL, O_PASSFILE},
        {"dkim-key", required_argument, NULL, O_DKIMKEY},
        {"selector", required_argument, NULL, O_SELECTOR},
        {"subject", required_argument, NULL, O_SUBJECT},
        {"body-file", required_argument, NULL, O_BODYFILE},
        {"helo", required_argument, NULL, O_HELO}, {"port", required_argument, NULL, O_PORT},
        {"allow-plaintext-auth", no_argument, NULL, O_PLAINAUTH},
        {"smtputf8", no_argument, NULL, O_SMTPUTF8},
        {"auth-mech", required_argument, NULL, O_AUTHMECH},
        ST_IMAP_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    int opt;

    while ((opt = cmd_getopt(argc, argv, "vqh", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (opt) {
        case O_FROM: o->from = optarg; break;
        case O_TO:
            if (o->nto >= MAX_TO)
                return cmd_usage_error("send-test", "at most %d --to", MAX_TO);
            o->to[o->nto++] = optarg;
            break;
        case O_SERVER: o->server = optarg; break;
        case O_TLS: o->tls = optarg; break;
        case O_USER: o->user = optarg; break;
        case O_PASSFILE: o->password_file = optarg; break;
        case O_DKIMKEY: o->dkim_key = optarg; break;
        case O_SELECTOR: o->selector = optarg; break;
        case O_SUBJECT: o->subject = optarg; break;
        case O_BODYFILE: o->body_file = optarg; break;
        case O_HELO: o->helo = optarg; break;
        case O_PORT:
            if (parse_port(optarg, &o->port) < 0)
                return cmd_usage_error("send-test", "bad --port '%s'", optarg);
            break;
        case O_PLAINAUTH: o->plaintext_auth = true; break;
        case O_SMTPUTF8: o->smtputf8 = true; break;
        case O_AUTHMECH:
            if (strcasecmp(optarg, "plain") && strcasecmp(optarg, "login"))
                return cmd_usage_error("send-test", "bad --auth-mech '%s': plain or login",
                                       optarg);
            o->auth_mechs = strcasecmp(optarg, "plain") ? SMTP_AUTH_LOGIN : SMTP_AUTH_PLAIN;
            break;
        case 'h': case OPT_HELP: usage(stdout); return -1;
        default:
            if ((r = st_imap_option(&o->imap, opt, optarg)) < 0)
                return -r;
            if (r == 0)
                return cmd_usage_error("send-test", "unknown option");
        }
    }
    if (optind < argc)
        return cmd_usage_error("send-test", "unexpected argument '%s'", argv[optind]);
    if (!o->from || !o->nto)
        return cmd_usage_error("send-test", "--from and at least one --to are required");
    return names_to_alabels(o);
}

/* Every address and free-text input checked before any connection. */
static int check_input(const struct opts *o)
{
    char err[200];

    if (smtp_address_check(o->from, true, o->smtputf8, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "bad --from: %s", err);
    for (size_t i = 0; i < o->nto; i++)
        if (smtp_address_check(o->to[i], false, o->smtputf8, err, sizeof err) != AUTH_OK)
            return cmd_error(EXIT_USAGE, "bad --to: %s", err);
    if (o->helo && (strpbrk(o->helo, " \r\n\t") || !*o->helo || strlen(o->helo) > 255))
        return cmd_error(EXIT_USAGE, "bad --helo: one name without spaces");
    if (o->user && (strpbrk(o->user, "\r\n") || !*o->user))
        return cmd_error(EXIT_USAGE, "bad --user");
    if ((o->dkim_key != NULL) != (o->selector != NULL))
        return cmd_usage_error("send-test", "--dkim-key and --selector go together");
    return EXIT_OK;
}

/* The password from --password-file (first line) or MAILCTL_PASSWORD. */
static int read_password(const struct opts *o, char **pw)
{
    const char *env = getenv("MAILCTL_PASSWORD");

    *pw = NULL;
    if (!o->user)
        return EXIT_OK;
    if (o->password_file) {
        int rc = cmd_read_password_file("--password-file", o->password_file, pw);
        if (rc != EXIT_OK)
            return rc;
    } else if (env) {
        *pw = strdup(env);
    } else {
        return cmd_usage_error("send-test", "--user needs --password-file or MAILCTL_PASSWORD");
    }
    if (!*pw)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    if (!**pw || strlen(*pw) > 255) {
        free(*pw);
        *pw = NULL;
        return cmd_error(EXIT_USAGE, "the password is empty or over 255 octets");
    }
    return EXIT_OK;
}

/* ---------- delivery ---------- */

struct target {
    char host[DNS_MAX_NAME + 1];
    char address[AUTH_IP_STRLEN];    /* "" to resolve host */
    int port;
};

struct outcome {
    bool delivered;
    enum smtp_failure failure;
    int reply_code;
    char enhanced[16];
    char *reply_text;
    char queue_id[128];
    char why[320];
    struct target used;
    bool tls;
    struct tls_facts facts;
    char tls_fallback[320];   /* why TLS failed before a plain-text retry, or "" */
};

static void outcome_clear(struct outcome *r)
{
    free(r->reply_text);
    auth_tls_facts_clear(&r->facts);
    memset(r, 0, sizeof *r);
}

static unsigned smtp_cap_ms(void)
{
    return g_opts.timeout_ms;   /* 0: the RFC 5321 timeouts */
}

/* One attempt at one server.  Fills out. */
static void attempt(const struct opts *o, const struct target *t, enum smtp_tls_mode mode,
                    const char *password, const struct st_message *msg, struct run *run,
                    struct outcome *out)
{
    const char *ca = g_opts.ca_file ? g_opts.ca_file : getenv("SSL_CERT_FILE");
    struct smtp_params p = {
        .host = t->host, .address = t->address[0] ? t->address : NULL,
        .port = (uint16_t)t->port, .tls = mode, .helo_name = o->helo, .ca_file = ca,
        .user = o->user, .password = password, .allow_plaintext_auth = o->plaintext_auth,
        .auth_mechs = o->auth_mechs,
        .timeouts = { .cap_ms = smtp_cap_ms() },
        .transcript = on_line, .transcript_arg = run,
    };
    struct smtp_client *c = NULL;
    struct dns_engine *eng = NULL;
    const struct smtp_reply *rep;
    const struct tls_facts *f;
    char err[300];

    outcome_clear(out);
    /* --server NAME: resolved by mailctl's DNS engine (--resolver) */
    if (!t->address[0] && cmd_dns_engine(&eng) != EXIT_OK) {
        out->failure = SMTP_FAIL_LOCAL;
        snprintf(out->why, sizeof out->why, "no DNS engine to resolve %s", t->host);
        return;
    }
    p.eng = eng;
    out->used = *t;
    if (run->live)
        printf(_("%s-- %s [%s] port %d%s\n"), out_dim(), t->host,
               t->address[0] ? t->address : t->host, t->port, out_reset());
    if (smtp_client_new(&p, &c, err, sizeof err) != AUTH_OK) {
        out->failure = SMTP_FAIL_LOCAL;
        snprintf(out->why, sizeof out->why, "%s", err);
        dns_engine_free(eng);
        return;
    }
    if (smtp_open(c) == AUTH_OK &&
        smtp_send(c, o->from, o->to, o->nto, msg->text, msg->len) == AUTH_OK) {
        out->delivered = true;
    }
    out->failure = smtp_client_failure(c);
    snprintf(out->why, sizeof out->why, "%s", smtp_client_why(c));
    if ((rep = smtp_client_last_reply(c))) {
        out->reply_code = rep->code;
        memcpy(out->enhanced, rep->enhanced, sizeof out->enhanced);
        out->reply_text = strdup(rep->text);
        if (out->delivered && !smtp_reply_queue_id(rep, out->queue_id, sizeof out->queue_id))
            out->queue_id[0] = '\0';
    }
    if ((f = smtp_client_tls(c))) {
        out->tls = f->version[0] != '\0';
        snprintf(out->facts.version, sizeof out->facts.version, "%s", f->version);
        snprintf(out->facts.cipher, sizeof out->facts.cipher, "%s", f->cipher);
        snprintf(out->facts.subject, sizeof out->facts.subject, "%s", f->subject);
        snprintf(out->facts.verify_error, sizeof out->facts.verify_error, "%s", f->verify_error);
        out->facts.verified = f->verified;
        out->facts.expiry_days = f->expiry_days;
    }
    /* the address a --server NAME resolved to, for the report */
    if (!out->used.address[0])
        snprintf(out->used.address, sizeof out->used.address, "%s", smtp_client_peer(c));
    /* the message is sent or failed already; QUIT is a courtesy */
    auth_status_ignore(smtp_quit(c));
    smtp_client_free(c);
    dns_engine_free(eng);
}

/* --tls opportunistic: STARTTLS was offered but could not be completed (a
 * failed handshake, or a refused STARTTLS).  What a sending MTA then does,
 * and so what a delivery tester must show: once more, in plain text, on a
 * new connection.  AUTH stays refused in clear without
 * --allow-plaintext-auth (the SMTP client enforces it). */
static void attempt_opportunistic(const struct opts *o, const struct target *t,
                                  const char *password, const struct st_message *msg,
                                  struct run *run, struct outcome *out)
{
    char why[sizeof out->tls_fallback];

    attempt(o, t, SMTP_TLS_OPPORTUNISTIC, password, msg, run, out);
    if (out->delivered || out->failure != SMTP_FAIL_TLS)
        return;
    snprintf(why, sizeof why, "%s", out->why);
    if (run->live)
        printf(_("%s-- TLS failed (%s): retrying once in plain text on a new connection "
                 "(--tls opportunistic)%s\n"), out_yellow(), out_esc(why), out_reset());
    attempt(o, t, SMTP_TLS_NONE, password, msg, run, out);
    snprintf(out->tls_fallback, sizeof out->tls_fallback, "%s", why);
}

/* Worth trying the next server after this failure? */
static bool try_next(const struct outcome *r)
{
    return r->failure == SMTP_FAIL_CONNECT || r->failure == SMTP_FAIL_TIMEOUT ||
           r->failure == SMTP_FAIL_PROTOCOL || r->failure == SMTP_FAIL_TLS ||
           r->failure == SMTP_FAIL_REPLY_TEMP;
}

static int exit_of(const struct outcome *r)
{
    if (r->delivered)
        return EXIT_OK;
    if (r->failure == SMTP_FAIL_REPLY_PERM || r->failure == SMTP_FAIL_LOCAL ||
        (r->failure == SMTP_FAIL_REPLY_TEMP && r->reply_code != 421))
        return EXIT_PROBLEM;
    return EXIT_RUNTIME;
}

/* The MX targets of the recipients' domain, in preference order. */
static int mx_targets(const struct opts *o, struct target **out, size_t *n)
{
    const char *dom = strrchr(o->to[0], '@') + 1;
    struct dns_engine *eng = NULL;
    struct mx_report *rep = NULL;
    char err[256];
    int rc;

    *out = NULL;
    *n = 0;
    for (size_t i = 1; i < o->nto; i++)
        if (strcasecmp(strrchr(o->to[i], '@') + 1, dom) != 0)
            return cmd_usage_error("send-test",
                                   "direct delivery needs every --to in one domain (or --server)");
    if (dns_name_check(dom, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "bad recipient domain '%.80s': %s", dom, err);
    if ((rc = cmd_dns_engine(&eng)) != EXIT_OK)
        return rc;
    if (mx_lookup(eng, dom, &rep, err, sizeof err) != AUTH_OK) {
        dns_engine_free(eng);
        return cmd_error(EXIT_RUNTIME, "MX lookup for %s failed: %s", dom, err);
    }
    rc = EXIT_OK;
    if (rep->null_mx && !rep->nhosts)
        rc = cmd_error(EXIT_PROBLEM, "%s has a null MX (RFC 7505): it accepts no mail", dom);
    else if (rep->error && !rep->nhosts)
        rc = cmd_error(dns_status_is_temporary(rep->mx_status) ? EXIT_RUNTIME : EXIT_PROBLEM,
                       "MX lookup for %s: %s", dom, rep->error);
    for (size_t i = 0; rc == EXIT_OK && i < rep->nhosts; i++) {
        const struct mx_host *h = &rep->hosts[i];
        for (size_t j = 0; j < h->naddrs; j++) {
            struct target *t = realloc(*out, (*n + 1) * sizeof *t);
            if (!t) {
                rc = cmd_error(EXIT_RUNTIME, "out of memory");
                break;
            }
            *out = t;
            t += *n;
            memset(t, 0, sizeof *t);
            snprintf(t->host, sizeof t->host, "%s", h->host);
            snprintf(t->address, sizeof t->address, "%s", h->addrs[j].address);
            t->port = o->port ? o->port : 25;
            (*n)++;
        }
    }
    if (rc == EXIT_OK && *n == 0)
        rc = cmd_error(EXIT_PROBLEM, "no MX host of %s has an address", dom);
    mx_report_free(rep);
    dns_engine_free(eng);
    return rc;
}

/* ---------- output ---------- */

static json_t *json_outcome(const struct outcome *r, const struct run *run,
                            const struct st_message *m)
{
    json_t *tr = json_array(), *tls = json_null(), *reply = json_null();

    for (size_t i = 0; i < run->nlines; i++)
        json_array_append_new(tr, json_pack("{s:s#, s:s}", "dir",
                                             run->lines[i].dir == 'C' ? "C" : "S", (size_t)1,
                                             "line", run->lines[i].text));
    if (r->tls)
        tls = json_pack("{s:s, s:s, s:b, s:s?, s:I}", "version", r->facts.version,
                        "cipher", r->facts.cipher, "verified", r->facts.verified,
                        "subject", r->facts.subject[0] ? r->facts.subject : NULL,
                        "expiry_days", (json_int_t)r->facts.expiry_days);
    if (r->reply_code)
        reply = json_pack("{s:i, s:o, s:s}", "code", r->reply_code,
                          "enhanced", json_str_or_null(r->enhanced[0] ? r->enhanced : NULL),
                          "text", r->reply_text ? r->reply_text : "");
    return json_pack("{s:b, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o}",
                     "delivered", r->delivered, "server", r->used.host,
                     "address", r->used.address[0] ? r->used.address : r->used.host,
                     "port", r->used.port, "tls", tls,
                     "queue_id", json_str_or_null(r->queue_id[0] ? r->queue_id : NULL),
                     "reply", reply,
                     "failure", r->delivered ? json_null() : json_string(smtp_failure_name(r->failure)),
                     "error", json_str_or_null(r->delivered ? NULL : r->why),
                     "token", m->token, "message_id", m->message_id,
                     "transcript", tr,
                     "tls_fallback", json_str_or_null(r->tls_fallback[0] ? r->tls_fallback
                                                                          : NULL));
}

static void print_outcome(const struct outcome *r, const struct st_message *m)
{
    if (r->tls_fallback[0])
        printf(_("%sTLS failed%s (%s); retried in plain text (--tls opportunistic)\n"),
               out_yellow(), out_reset(), out_esc(r->tls_fallback));
    if (r->tls && r->facts.verified)
        printf(_("TLS: %s %s, certificate verified\n"), r->facts.version, r->facts.cipher);
    else if (r->tls)
        printf(_("TLS: %s %s, certificate NOT verified (%s)\n"), r->facts.version,
               r->facts.cipher, out_esc(r->facts.verify_error));
    if (r->delivered && r->queue_id[0])
        printf(_("%sdelivered%s to %s port %d, queued as %s; token %s\n"), out_green(),
               out_reset(), out_esc(r->used.host), r->used.port, out_esc(r->queue_id), m->token);
    else if (r->delivered)
        printf(_("%sdelivered%s to %s port %d; token %s\n"), out_green(), out_reset(),
               out_esc(r->used.host), r->used.port, m->token);
    else
        printf(_("%snot delivered%s (%s): %s\n"), out_red(), out_reset(),
               smtp_failure_name(r->failure), out_esc(r->why));
}

static int deliver(const struct opts *o, enum smtp_tls_mode mode, const char *password,
                   struct target *targets, size_t ntargets, const struct st_message *msg)
{
    struct run run = { .live = !g_opts.json && g_opts.verbose >= 0 };
    struct outcome r = {0};
    json_t *arrival = NULL;
    int rc;

    for (size_t i = 0; i < ntargets; i++) {
        if (mode == SMTP_TLS_OPPORTUNISTIC)
            attempt_opportunistic(o, &targets[i], password, msg, &run, &r);
        else
            attempt(o, &targets[i], mode, password, msg, &run, &r);
        if (r.delivered || !try_next(&r))
            break;
    }
    rc = exit_of(&r);
    if (!g_opts.json)
        print_outcome(&r, msg);
    if (r.delivered && st_imap_wanted(&o->imap))
        arrival = st_imap_arrival(&o->imap, msg->token, o->plaintext_auth, &rc);
    if (g_opts.json) {
        json_t *doc = json_outcome(&r, &run, msg);
        int w;
        if (arrival)
            json_object_set_new(doc, "arrival", arrival);
        if ((w = out_json(doc)) != EXIT_OK)
            rc = w;
    } else {
        json_decref(arrival);
    }
    if (!r.delivered)
        cmd_warn("send-test: %s", r.why);
    outcome_clear(&r);
    run_free(&run);
    return rc;
}

int cmd_send_test(int argc, char **argv)
{
    struct opts o = { .imap.wait_s = -1 };
    enum smtp_tls_mode mode = SMTP_TLS_STARTTLS;
    struct target one = {0}, *targets = NULL;
    size_t ntargets = 0;
    struct st_message msg;
    char *password = NULL, *body = NULL, err[300];
    size_t bodylen = 0;
    int rc = parse_args(argc, argv, &o);

    if (rc < 0)
        return EXIT_OK;                                  /* --help */
    if (rc != EXIT_OK || (rc = check_input(&o)) != EXIT_OK)
        return rc;
    if (o.tls && tls_mode(o.tls, &mode) < 0)
        return cmd_usage_error("send-test", "bad --tls '%s': starttls, implicit, "
                               "opportunistic or none", o.tls);
    if (o.server) {
        one.port = 0;
        if (parse_server(o.server, one.host, sizeof one.host, &one.port) < 0)
            return cmd_usage_error("send-test", "bad --server '%s': HOST[:PORT]", o.server);
        if (!o.tls && one.port == 465)
            mode = SMTP_TLS_IMPLICIT;
        if (!one.port)
            one.port = o.port ? o.port : mode == SMTP_TLS_IMPLICIT ? 465 : 587;
        if (strchr(one.host, ':') || strspn(one.host, "0123456789.") == strlen(one.host)) {
            struct auth_ip ip;
            if (auth_ip_parse(one.host, &ip) != AUTH_OK)
                return cmd_usage_error("send-test", "bad --server address '%s'", one.host);
            auth_ip_format(&ip, one.address, sizeof one.address);
        }
    }
    if (o.user && mode == SMTP_TLS_NONE && !o.plaintext_auth)
        return cmd_usage_error("send-test", "--user with --tls none sends the password in "
                               "clear; add --allow-plaintext-auth to really do that");
    if ((rc = read_password(&o, &password)) != EXIT_OK)
        return rc;
    if (o.body_file && st_read_file(o.body_file, ST_BODY_MAX, &body, &bodylen, err,
                                    sizeof err) < 0) {
        free(password);
        return cmd_error(EXIT_USAGE, "--body-file: %s", err);
    }
    if (st_message_build(&msg, o.from, o.to, o.nto, o.subject, body, bodylen, err,
                         sizeof err) < 0) {
        free(body);
        free(password);
        return cmd_error(EXIT_USAGE, "%s", err);
    }
    free(body);
    if (o.dkim_key && st_message_sign(&msg, o.dkim_key, strrchr(o.from, '@') ?
                                      strrchr(o.from, '@') + 1 : "", o.selector, err,
                                      sizeof err) < 0) {
        st_message_free(&msg);
        free(password);
        return cmd_error(EXIT_USAGE, "--dkim-key: %s", err);
    }
    if ((rc = st_imap_prepare(&o.imap, o.plaintext_auth)) != EXIT_OK)
        ;                                                /* refused before sending */
    else if (o.server)
        rc = deliver(&o, mode, password, &one, 1, &msg);
    else if ((rc = mx_targets(&o, &targets, &ntargets)) == EXIT_OK)
        rc = deliver(&o, mode, password, targets, ntargets, &msg);
    free(targets);
    st_imap_free(&o.imap);
    st_message_free(&msg);
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    return rc;
}
