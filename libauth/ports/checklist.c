/*
 * checklist.c - the port checklist of the mail-server guides over a probe
 * report, as typed problems (enum ports_problem_kind of auth/ports.h):
 * 25 open (inbound mail), 587 or 465 open (submission), STARTTLS on 25/587,
 * plaintext 110/143 closed (or at least STARTTLS-only), no login before
 * TLS, valid certificates on every TLS port, TLS 1.2 or later.  The checks
 * layer turns them into the ports.* findings.
 */
#include <string.h>

#include "ports/ports_int.h"

/* Index of the probe of port in r, or r->n. */
static size_t find(const struct ports_report *r, uint16_t port)
{
    size_t i = 0;

    while (i < r->n && r->probes[i].port != port)
        i++;
    return i;
}

static bool is_open(const struct ports_report *r, uint16_t port)
{
    size_t i = find(r, port);
    return i < r->n && r->probes[i].state == PORT_OPEN;
}

static struct ports_problem *add(struct ports_problems *l, enum ports_problem_kind kind,
                                 size_t probe)
{
    struct ports_problem *p;

    if (l->count >= PORTS_PROBLEMS_MAX)
        return NULL;
    p = &l->items[l->count++];
    *p = (struct ports_problem){ .kind = kind, .probe = probe };
    return p;
}

static void inbound_and_submission(const struct ports_report *r, struct ports_problems *l)
{
    size_t smtp = find(r, 25), sub = find(r, 587), subs = find(r, 465);
    struct ports_problem *p;

    if (smtp < r->n) {
        enum port_state s = r->probes[smtp].state;
        if (s != PORT_OPEN && s != PORT_SILENT)
            add(l, PORTS_PROB_SMTP_CLOSED, smtp);
        else if (s == PORT_OPEN)
            add(l, PORTS_PROB_SMTP_OPEN, smtp);
    }
    if (sub == r->n || subs == r->n)
        return;
    if (!is_open(r, 587) && !is_open(r, 465)) {
        add(l, PORTS_PROB_SUBMISSION_CLOSED, sub);
    } else if ((p = add(l, PORTS_PROB_SUBMISSION_OPEN, is_open(r, 465) ? subs : sub))) {
        p->submission = is_open(r, 587);
        p->submissions = is_open(r, 465);
    }
}

static void cleartext_ports(const struct port_probe *p, size_t i, struct ports_problems *l)
{
    bool smtp = p->port == 25 || p->port == 587;
    bool mailbox = p->port == 110 || p->port == 143;

    if (p->state != PORT_OPEN || p->implicit_tls || p->port == 4190)
        return;
    if (smtp && !p->starttls_offered)
        add(l, PORTS_PROB_STARTTLS_MISSING, i);
    else if (mailbox)
        add(l, p->starttls_offered ? PORTS_PROB_PLAINTEXT_PORT_OPEN : PORTS_PROB_PLAINTEXT_OPEN,
            i);
}

static enum ports_problem_kind tls_kind(const struct port_probe *p)
{
    if (!p->tls_done)
        return PORTS_PROB_TLS_FAILED;
    if (!p->tls.verified)
        return PORTS_PROB_TLS_INVALID;
    if (strcmp(p->tls.version, "TLSv1.2") != 0 && strcmp(p->tls.version, "TLSv1.3") != 0)
        return PORTS_PROB_TLS_OLD;
    return PORTS_PROB_TLS_OK;
}

static void auth_and_tls(const struct port_probe *p, size_t i, struct ports_problems *l)
{
    if (p->state != PORT_OPEN)
        return;
    if (p->auth_before_tls)
        add(l, PORTS_PROB_AUTH_BEFORE_TLS, i);
    if (p->implicit_tls || p->starttls_offered)
        add(l, tls_kind(p), i);
}

void ports_problems(const struct ports_report *r, struct ports_problems *out)
{
    size_t imaps = find(r, 993), pop3s = find(r, 995);

    memset(out, 0, sizeof *out);
    inbound_and_submission(r, out);
    for (size_t i = 0; i < r->n; i++) {
        const struct port_probe *p = &r->probes[i];
        cleartext_ports(p, i, out);
        auth_and_tls(p, i, out);
        if (p->state == PORT_FILTERED)
            add(out, PORTS_PROB_FILTERED, i);
        if (p->state == PORT_SILENT)
            add(out, PORTS_PROB_SILENT, i);
    }
    if (imaps < r->n && pop3s < r->n && !is_open(r, 993) && !is_open(r, 995))
        add(out, PORTS_PROB_MAILBOX_TLS_CLOSED, imaps);
}
