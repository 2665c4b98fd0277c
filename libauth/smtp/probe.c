/*
 * probe.c - `smtp_probe()`: the one SMTP probe (banner, EHLO, STARTTLS or
 * implicit TLS, the handshake in report-only mode, QUIT; never MAIL),
 * watching the clear-text EHLO reply for STARTTLS and AUTH on the wire.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/smtp.h"

struct watch {
    bool after_starttls;
    struct smtp_probe *out;
};

/* What the EHLO reply said before STARTTLS was sent. */
static void watch_line(void *arg, char dir, const char *line, size_t len)
{
    struct watch *w = arg;

    if (dir == 'C') {
        if (len == 8 && strncasecmp(line, "STARTTLS", 8) == 0)
            w->after_starttls = true;
        return;
    }
    if (w->after_starttls || len < 8 || strncmp(line, "250", 3) != 0 ||
        (line[3] != '-' && line[3] != ' '))
        return;
    if (len == 12 && strncasecmp(line + 4, "STARTTLS", 8) == 0)
        w->out->starttls_in_clear = true;
    if (strncasecmp(line + 4, "AUTH", 4) == 0 && (line[8] == ' ' || line[8] == '='))
        w->out->auth_in_clear = true;
}

void smtp_probe(const struct smtp_probe_params *p, struct smtp_probe *out)
{
    struct watch w = { .out = out };
    struct smtp_params sp = {
        .host = p->host, .address = p->address, .addrs = p->addrs, .port = p->port,
        .tls = p->tls, .ca_file = p->ca_file, .tls_report_only = true,
        .tls_legacy = p->tls_legacy, .timeouts = { .cap_ms = p->timeout_ms },
        .transcript = watch_line, .transcript_arg = &w,
    };

    memset(out, 0, sizeof *out);
    out->st = smtp_client_new(&sp, &out->client, out->err, sizeof out->err);
    if (out->st != AUTH_OK) {
        out->client = NULL;
        return;
    }
    out->st = smtp_open(out->client);
    out->tls_active = smtp_client_tls_active(out->client);
    if (out->st == AUTH_OK)
        auth_status_ignore(smtp_quit(out->client));  /* the outcome is known; QUIT is a courtesy */
    /* the connection is closed now: the watch (on this stack) is never called again */
}

void smtp_probe_clear(struct smtp_probe *r)
{
    if (!r)
        return;
    smtp_client_free(r->client);
    r->client = NULL;
}
