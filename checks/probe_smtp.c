/*
 * probe_smtp.c - the audit's port-25 probe of one MX address: the
 * library's one SMTP probe (smtp_probe(): banner, EHLO, STARTTLS, the
 * handshake with verification recorded, never enforced, QUIT; never MAIL),
 * its result kept in the form the smtp family judges.
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
    struct smtp_probe_params pp = {
        .host = host, .address = address, .port = (uint16_t)port,
        .tls = SMTP_TLS_OPPORTUNISTIC, .tls_legacy = true, .ca_file = ca_file,
        .timeout_ms = timeout_ms,
    };
    struct smtp_probe p;
    struct smtp_client *c;

    smtp_probe(&pp, &p);
    r->open_st = p.st;
    if (!(c = p.client)) {
        snprintf(r->why, sizeof r->why, "%s", p.err);
        return;
    }
    r->failure = smtp_client_failure(c);
    r->conn = smtp_client_connect_error(c);
    r->reply_code = smtp_client_last_reply(c) ? smtp_client_last_reply(c)->code : 0;
    r->starttls_offered = r->failure == SMTP_FAIL_TLS ||
                          (smtp_client_extensions(c) & SMTP_EXT_STARTTLS) || p.tls_active;
    r->tls = p.tls_active;
    banner_name(smtp_client_banner(c), r->banner, sizeof r->banner);
    snprintf(r->why, sizeof r->why, "%s", smtp_client_why(c));
    snprintf(r->ehlo, sizeof r->ehlo, "%s",
             smtp_client_ehlo_name(c) ? smtp_client_ehlo_name(c) : "");
    r->facts = smtp_client_tls(c);
    r->client = c;                     /* owns facts; freed with the probe (probes.c) */
}
