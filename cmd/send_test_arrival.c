/*
 * send_test_arrival.c - the arrival report (see send_test_arrival.h): the
 * header block fetched over IMAP is parsed with libauth/message; the
 * Authentication-Results fields with libauth/authres.  The receiver's
 * verdict is taken from the topmost field's authserv-id (fields further down
 * were added by earlier hops, or forged by the sender) and every field of
 * that id: for each of spf, dkim, dmarc a pass when any result passed, else
 * the first result given.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/authres.h"
#include "auth/message.h"
#include "send_test_arrival.h"

#define MAX_LINES   2000
#define VALUE_MAX   2000        /* bytes of one header value kept in the report */

void arrival_init(struct arrival *a, const char *host, int port, const char *mailbox,
                  bool live)
{
    memset(a, 0, sizeof *a);
    a->host = host;
    a->port = port;
    a->mailbox = mailbox;
    a->live = live;
}

void arrival_transcript(void *arg, char dir, const char *line, size_t len)
{
    struct arrival *a = arg;
    struct arrival_line *grown;

    if (a->live)
        printf("%sIMAP %c: %s%s\n", out_dim(), dir, out_escn(line, len > 300 ? 300 : len),
               out_reset());
    if (a->nlines >= MAX_LINES)
        return;
    if (a->nlines % 64 == 0) {
        if (!(grown = realloc(a->lines, (a->nlines + 64) * sizeof *grown)))
            return;
        a->lines = grown;
    }
    a->lines[a->nlines].dir = dir;
    if ((a->lines[a->nlines].text = strndup(line, len > 1000 ? 1000 : len)))
        a->nlines++;
}

void arrival_error(struct arrival *a, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(a->error, sizeof a->error, fmt, ap);
    va_end(ap);
}

void arrival_note_tls(struct arrival *a, const struct tls_facts *f, bool active)
{
    a->tls = active && f;
    if (!a->tls)
        return;
    snprintf(a->tls_version, sizeof a->tls_version, "%s", f->version);
    snprintf(a->tls_cipher, sizeof a->tls_cipher, "%s", f->cipher);
    a->tls_verified = f->verified;
}

void arrival_set_junk_folder(struct arrival *a, const char *name)
{
    snprintf(a->junk_folder, sizeof a->junk_folder, "%s", name);
}

/* The value of a field unfolded to one line, trimmed, at most VALUE_MAX. */
static char *unfolded(const struct msg_header *f)
{
    size_t len, k = 0;
    const char *v = auth_msg_header_value(f, &len);
    char *out = malloc(len + 1);
    bool space = false;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len && k < VALUE_MAX; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch == '\r' || ch == '\n' || ch == ' ' || ch == '\t') {
            space = k > 0;
            continue;
        }
        if (space)
            out[k++] = ' ';
        space = false;
        out[k++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    out[k] = '\0';
    return out;
}

static bool spam_header(const struct msg_header *f)
{
    char name[80];
    size_t n = f->name_len < sizeof name - 1 ? f->name_len : sizeof name - 1;

    memcpy(name, f->raw, n);
    name[n] = '\0';
    return strcasestr(name, "spam") || strcasecmp(name, "X-MS-Exchange-Organization-SCL") == 0 ||
           strncasecmp(name, "X-Rspamd", 8) == 0;
}

static json_t *json_authres(const struct authres *ar)
{
    json_t *results = json_array();

    for (size_t i = 0; i < ar->nresults; i++) {
        const struct authres_result *r = &ar->results[i];
        json_t *props = json_object();
        for (size_t j = 0; j < r->nprops; j++) {
            char key[160];
            snprintf(key, sizeof key, "%s.%s", r->props[j].ptype, r->props[j].property);
            json_object_set_new(props, key, json_string(r->props[j].value));
        }
        json_array_append_new(results, json_pack("{s:s, s:s, s:o, s:o}", "method", r->method,
                                                 "result", r->result,
                                                 "reason", json_str_or_null(r->reason),
                                                 "properties", props));
    }
    return json_pack("{s:s, s:o}", "authserv_id", ar->authserv_id, "results", results);
}

/* Fold one field of the receiver into the verdict. */
static void take_verdict(struct arrival *a, const struct authres *ar)
{
    struct { const char *method; char *slot; size_t len; } m[] = {
        {"spf", a->spf, sizeof a->spf}, {"dkim", a->dkim, sizeof a->dkim},
        {"dmarc", a->dmarc, sizeof a->dmarc},
    };

    if (!a->authserv_id[0])
        snprintf(a->authserv_id, sizeof a->authserv_id, "%s", ar->authserv_id);
    if (strcasecmp(a->authserv_id, ar->authserv_id) != 0)
        return;
    for (size_t i = 0; i < ar->nresults; i++)
        for (size_t k = 0; k < sizeof m / sizeof m[0]; k++)
            if (strcmp(ar->results[i].method, m[k].method) == 0 &&
                (!m[k].slot[0] || strcmp(ar->results[i].result, "pass") == 0))
                snprintf(m[k].slot, m[k].len, "%s", ar->results[i].result);
}

static void add_authres(struct arrival *a, const struct msg_header *f, json_t *fields,
                        json_t *raw)
{
    size_t len;
    const char *v = auth_msg_header_value(f, &len);
    char *line = unfolded(f), err[200];
    struct authres *ar = NULL;

    json_array_append_new(raw, json_string(line ? line : ""));
    free(line);
    if (authres_parse(v, len, &ar, err, sizeof err) != AUTH_OK) {
        json_array_append_new(fields, json_pack("{s:s}", "error", err));
        return;
    }
    json_array_append_new(fields, json_authres(ar));
    take_verdict(a, ar);
    authres_free(ar);
}

void arrival_found(struct arrival *a, const char *folder, const char *hdr, size_t len)
{
    struct msg_headers *h = NULL;
    json_t *fields = json_array(), *raw = json_array(), *received = json_array(),
           *spam = json_array();
    char err[200];
    size_t hlen = len, body_off;

    /* BODY[HEADER] ends with the blank line: parse the fields before it */
    if (auth_msg_header_end(hdr, len, &hlen, &body_off) != AUTH_OK)
        hlen = len;
    a->found = true;
    snprintf(a->folder, sizeof a->folder, "%s", folder);
    a->in_junk = a->junk_folder[0] && strcmp(folder, a->junk_folder) == 0;
    a->error[0] = '\0';
    if (auth_msg_headers_parse(hdr, hlen, NULL, &h, err, sizeof err) != AUTH_OK) {
        arrival_error(a, "the delivered header does not parse: %s", err);
        h = NULL;
    }
    for (size_t i = 0; h && i < auth_msg_headers_count(h); i++) {
        const struct msg_header *f = auth_msg_headers_get(h, i);
        char *line;
        if (auth_msg_header_name_is(f, "Authentication-Results", 22)) {
            add_authres(a, f, fields, raw);
            continue;
        }
        if (!auth_msg_header_name_is(f, "Received", 8) && !spam_header(f))
            continue;
        if (!(line = unfolded(f)))
            continue;
        if (auth_msg_header_name_is(f, "Received", 8))
            json_array_append_new(received, json_string(line));
        else
            json_array_append_new(spam, json_pack("{s:s%, s:s}", "name", f->raw, f->name_len,
                                                  "value", line));
        free(line);
    }
    auth_msg_headers_free(h);
    a->auth_results = json_pack("{s:o, s:o, s:o, s:o, s:o}",
                                "authserv_id", json_str_or_null(a->authserv_id[0] ? a->authserv_id : NULL),
                                "spf", json_str_or_null(a->spf[0] ? a->spf : NULL),
                                "dkim", json_str_or_null(a->dkim[0] ? a->dkim : NULL),
                                "dmarc", json_str_or_null(a->dmarc[0] ? a->dmarc : NULL),
                                "fields", fields);
    a->headers = json_pack("{s:o, s:I, s:o, s:o}", "received", received,
                           "received_hops", (json_int_t)json_array_size(received),
                           "spam", spam, "authentication_results", raw);
}

int arrival_exit_code(const struct arrival *a)
{
    if (!a->found)
        return EXIT_RUNTIME;
    return !a->in_junk && strcmp(a->dmarc, "pass") == 0 ? EXIT_OK : EXIT_PROBLEM;
}

static const char *or_none(const char *s)
{
    return s[0] ? s : "none";
}

void arrival_print(const struct arrival *a)
{
    json_t *spam = a->headers ? json_object_get(a->headers, "spam") : NULL;
    json_t *recv = a->headers ? json_object_get(a->headers, "received") : NULL;
    size_t i;
    json_t *v;

    printf(_("-- IMAP %s port %d, mailbox %s"), out_esc(a->host), a->port, out_esc(a->mailbox));
    if (a->junk_folder[0])
        printf(_(", junk folder %s"), out_esc(a->junk_folder));
    if (a->tls)
        fputs(a->tls_verified ? _(" (TLS verified)") : _(" (TLS NOT verified)"), stdout);
    putchar('\n');
    if (!a->found) {
        printf(_("%snot found%s: %s\n"), out_red(), out_reset(), out_esc(a->error));
        return;
    }
    printf(a->in_junk ? _("%sarrived%s in %s (JUNK) after %.2f s\n")
                      : _("%sarrived%s in %s after %.2f s\n"),
           a->in_junk ? out_red() : out_green(), out_reset(), out_esc(a->folder), a->seconds);
    printf(_("verdict of %s: spf=%s dkim=%s dmarc=%s%s\n"),
           a->authserv_id[0] ? out_esc(a->authserv_id) : _("(no Authentication-Results)"),
           out_esc(or_none(a->spf)), out_esc(or_none(a->dkim)), out_esc(or_none(a->dmarc)),
           strcmp(a->dmarc, "pass") == 0 ? "" : _("  <- DMARC did not pass"));
    printf(_("Received hops: %zu\n"), recv ? json_array_size(recv) : 0);
    json_array_foreach(recv, i, v)
        printf("  %.160s\n", out_esc(json_string_value(v)));
    json_array_foreach(spam, i, v)
        printf("%s: %s\n", out_esc(json_string_value(json_object_get(v, "name"))),
               out_esc(json_string_value(json_object_get(v, "value"))));
}

json_t *arrival_json(const struct arrival *a)
{
    json_t *tr = json_array(), *tls = json_null();

    for (size_t i = 0; i < a->nlines; i++)
        json_array_append_new(tr, json_pack("{s:s#, s:s}", "dir", a->lines[i].dir == 'C' ?
                                            "C" : "S", (size_t)1, "line", a->lines[i].text));
    if (a->tls)
        tls = json_pack("{s:s, s:s, s:b}", "version", a->tls_version, "cipher", a->tls_cipher,
                        "verified", a->tls_verified);
    return json_pack("{s:b, s:o, s:b, s:o, s:o, s:o, s:o, s:s, s:i, s:s, s:o, s:I, s:o, s:o}",
                     "found", a->found, "folder", json_str_or_null(a->found ? a->folder : NULL),
                     "junk", a->in_junk,
                     "seconds", a->found ? json_real(a->seconds) : json_null(),
                     "auth_results", a->auth_results ? json_incref(a->auth_results) : json_null(),
                     "headers", a->headers ? json_incref(a->headers) : json_null(),
                     "junk_folder", json_str_or_null(a->junk_folder[0] ? a->junk_folder : NULL),
                     "server", a->host, "port", a->port, "mailbox", a->mailbox, "tls", tls,
                     "polls", (json_int_t)a->polls,
                     "error", json_str_or_null(a->error[0] ? a->error : NULL),
                     "transcript", tr);
}

void arrival_free(struct arrival *a)
{
    for (size_t i = 0; i < a->nlines; i++)
        free(a->lines[i].text);
    free(a->lines);
    json_decref(a->auth_results);
    json_decref(a->headers);
    a->lines = NULL;
    a->nlines = 0;
    a->auth_results = a->headers = NULL;
}
