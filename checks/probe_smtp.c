/*
 * probe_smtp.c - the SMTP probe of one MX address: banner, EHLO, STARTTLS,
 * the handshake with verification recorded (never enforced: the judges
 * decide what a failure means), then QUIT; never MAIL.
 */
#include <stdio.h>
#include <string.h>

#include "probes.h"

/* The first word of the banner text: the server's name for itself. */
static void banner_name(const char *banner, char *buf, size_t len)
{
    size_t n = banner ? strcspn(banner, " \n") : 0;

    snprintf(buf, len, "%.*s", (int)n, banner ? banner : "");
}

void audit_smtp_probe(const char *host, const char *address, unsigned port,
                      const char *ca_file, unsigned timeout_ms, struct audit_smtp_result *r)
{
    struct smtp_params sp = {
        .host = host, .address = address, .port = (uint16_t)port,
        .tls = SMTP_TLS_OPPORTUNISTIC, .ca_file = ca_file, .tls_report_only = true,
        .tls_legacy = true, .timeouts = { .cap_ms = timeout_ms },
    };
    struct smtp_client *c = NULL;

    r->open_st = smtp_client_new(&sp, &c, r->why, sizeof r->why);
    if (r->open_st != AUTH_OK)
        return;
    r->open_st = smtp_open(c);
    r->failure = smtp_client_failure(c);
    r->conn = smtp_client_connect_error(c);
    r->reply_code = smtp_client_last_reply(c) ? smtp_client_last_reply(c)->code : 0;
    r->starttls_offered = r->failure == SMTP_FAIL_TLS ||
                          (smtp_client_extensions(c) & SMTP_EXT_STARTTLS) ||
                          smtp_client_tls_active(c);
    r->tls = smtp_client_tls_active(c);
    banner_name(smtp_client_banner(c), r->banner, sizeof r->banner);
    snprintf(r->ehlo, sizeof r->ehlo, "%s",
             smtp_client_ehlo_name(c) ? smtp_client_ehlo_name(c) : "");
    snprintf(r->why, sizeof r->why, "%s", smtp_client_why(c));
    if (r->open_st == AUTH_OK)
        auth_status_ignore(smtp_quit(c));  /* the probe's outcome is known; QUIT is a courtesy */
    r->facts = smtp_client_tls(c);
    r->client = c;
}
