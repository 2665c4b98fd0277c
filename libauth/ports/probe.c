/*
 * probe.c - `ports_probe()`: one thread per port, SMTP probes through
 * smtp_probe() (libauth/smtp) and IMAP probes through libauth/imap (TLS report-only, no
 * credentials ever sent), and the outbound port-25 check.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth/imap.h"
#include "auth/smtp.h"
#include "ports/ports_int.h"

#define DEFAULT_TIMEOUT_MS 10000u

static const struct {
    uint16_t port;
    const char *service;
    int proto;
    bool implicit;
} services[] = {
    { 25, "smtp", PROTO_SMTP, false }, { 465, "submissions", PROTO_SMTP, true },
    { 587, "submission", PROTO_SMTP, false }, { 993, "imaps", PROTO_IMAP, true },
    { 995, "pop3s", PROTO_POP3, true }, { 110, "pop3", PROTO_POP3, false },
    { 143, "imap", PROTO_IMAP, false }, { 4190, "sieve", PROTO_SIEVE, false },
};

const char *ports_state_name(enum port_state s)
{
    static const char *const names[] = { "open", "closed", "filtered", "error", "silent" };

    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "error";
}

enum port_state ports_state_of(enum net_connect_error e)
{
    return e == NET_CONN_REFUSED ? PORT_CLOSED : e == NET_CONN_TIMEOUT ? PORT_FILTERED
                                                                        : PORT_ERROR;
}

void ports_copy_facts(struct tls_facts *dst, const struct tls_facts *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src)
        return;
    memcpy(dst->version, src->version, sizeof dst->version);
    memcpy(dst->cipher, src->cipher, sizeof dst->cipher);
    memcpy(dst->verify_error, src->verify_error, sizeof dst->verify_error);
    memcpy(dst->subject, src->subject, sizeof dst->subject);
    memcpy(dst->issuer, src->issuer, sizeof dst->issuer);
    dst->verified = src->verified;
    dst->not_after = src->not_after;
    dst->expiry_days = src->expiry_days;
}

void ports_set_banner(struct port_probe *o, const char *text, size_t len)
{
    size_t k = 0;

    for (size_t i = 0; i < len && text[i] != '\n' && k + 1 < sizeof o->banner; i++)
        if (text[i] >= 0x20 && text[i] < 0x7f)
            o->banner[k++] = text[i];
    o->banner[k] = '\0';
}

/* ---------- SMTP ---------- */

/* The one SMTP probe (libauth/smtp), read as a port of the checklist. */
void ports_probe_smtp(struct probe_job *j)
{
    struct port_probe *o = j->out;
    struct smtp_probe_params pp = {
        .host = j->p->host, .addrs = j->addrs, .port = o->probed_port,
        .tls = o->implicit_tls ? SMTP_TLS_IMPLICIT : SMTP_TLS_STARTTLS,
        .ca_file = j->p->ca_file, .timeout_ms = j->p->timeout_ms,
    };
    struct smtp_probe r;
    const struct smtp_client *c;

    smtp_probe(&pp, &r);
    if (!(c = r.client)) {
        o->state = PORT_ERROR;
        snprintf(o->error, sizeof o->error, "%s", r.err);
        return;
    }
    if (smtp_client_failure(c) == SMTP_FAIL_CONNECT) {
        enum smtp_connect_error e = smtp_client_connect_error(c);
        o->state = e == SMTP_CONN_REFUSED ? PORT_CLOSED
                 : e == SMTP_CONN_TIMEOUT ? PORT_FILTERED : PORT_ERROR;
    } else {
        const char *banner = smtp_client_banner(c);
        /* accepted, but no greeting (or implicit-TLS handshake) in time */
        o->state = smtp_client_failure(c) == SMTP_FAIL_TIMEOUT && !banner ? PORT_SILENT
                                                                           : PORT_OPEN;
        if (banner)
            ports_set_banner(o, banner, strlen(banner));
        ports_copy_facts(&o->tls, smtp_client_tls(c));
        o->tls_done = o->tls.version[0] != '\0';
        o->starttls_offered = r.starttls_in_clear;
        o->auth_before_tls = !o->implicit_tls && r.auth_in_clear;
    }
    if (r.st != AUTH_OK)
        snprintf(o->error, sizeof o->error, "%s", smtp_client_why(c));
    smtp_probe_clear(&r);
}

/* ---------- IMAP ---------- */

void ports_probe_imap(struct probe_job *j)
{
    struct port_probe *o = j->out;
    struct imap_params ip = {
        .host = j->p->host, .addrs = j->addrs, .port = o->probed_port,
        .tls = o->implicit_tls ? IMAP_TLS_IMPLICIT : IMAP_TLS_STARTTLS,
        .ca_file = j->p->ca_file, .tls_report_only = true,
        .connect_ms = j->p->timeout_ms, .command_ms = j->p->timeout_ms,
    };
    struct imap_client *c = NULL;
    enum auth_status st;

    if (imap_client_new(&ip, &c, o->error, sizeof o->error) != AUTH_OK) {
        o->state = PORT_ERROR;
        return;
    }
    st = imap_open(c);
    if (imap_client_failure(c) == IMAP_FAIL_CONNECT) {
        o->state = ports_state_of(imap_client_connect_error(c));
    } else {
        const char *caps = imap_client_caps_before_tls(c);
        o->state = imap_client_failure(c) == IMAP_FAIL_TIMEOUT && !imap_client_greeting(c)[0]
                   ? PORT_SILENT : PORT_OPEN;
        ports_set_banner(o, imap_client_greeting(c), strlen(imap_client_greeting(c)));
        ports_copy_facts(&o->tls, imap_client_tls(c));
        o->tls_done = o->tls.version[0] != '\0';
        o->starttls_offered = strstr(caps, "STARTTLS") != NULL;
        o->auth_before_tls = !o->implicit_tls && caps[0] && imap_client_login_before_tls(c);
    }
    if (st != AUTH_OK)
        snprintf(o->error, sizeof o->error, "%s", imap_client_why(c));
    else
        auth_status_ignore(imap_logout(c));
    imap_client_free(c);
}

/* ---------- threads ---------- */

static void *run_job(void *arg)
{
    struct probe_job *j = arg;
    uint64_t t0 = auth_tls_now_ms();

    if (j->proto == PROTO_SMTP)
        ports_probe_smtp(j);
    else if (j->proto == PROTO_IMAP)
        ports_probe_imap(j);
    else
        ports_probe_lines(j);
    j->out->ms = (unsigned)(auth_tls_now_ms() - t0);
    return NULL;
}

static int parse_u16(const char *s, size_t n, uint16_t *v)
{
    long x = 0;

    if (n == 0 || n > 5)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    if (x < 1 || x > 65535)
        return -1;
    *v = (uint16_t)x;
    return 0;
}

int ports_parse_map(const char *spec, struct ports_params *p)
{
    const char *s = spec;

    while (*s) {
        size_t n = strcspn(s, ","), k = strcspn(s, "=");
        if (k >= n || p->nmap >= PORTS_MAP_MAX ||
            parse_u16(s, k, &p->map[p->nmap].from) < 0 ||
            parse_u16(s + k + 1, n - k - 1, &p->map[p->nmap].to) < 0)
            return -1;
        p->nmap++;
        s += n;
        if (*s == ',')
            s++;
    }
    return p->nmap ? 0 : -1;
}

static uint16_t mapped(const struct ports_params *p, uint16_t port)
{
    for (size_t i = 0; i < p->nmap && i < PORTS_MAP_MAX; i++)
        if (p->map[i].from == port)
            return p->map[i].to;
    return port;
}

enum auth_status ports_probe(const struct ports_params *params, struct ports_report *out,
                             char *err, size_t errlen)
{
    struct ports_params p = *params;
    struct net_addrs addrs;
    struct probe_job jobs[PORTS_MAX];
    pthread_t tid[PORTS_MAX];
    bool started[PORTS_MAX] = {0};
    enum auth_status st;

    memset(out, 0, sizeof *out);
    if (!p.host || !*p.host)
        return auth_fail(err, errlen, AUTH_EINVAL, "no host given");
    if (p.addrs)
        addrs = *p.addrs;
    else if ((st = auth_net_resolve(p.eng, p.host, &addrs, err, errlen)) != AUTH_OK)
        return st;
    if (!p.timeout_ms)
        p.timeout_ms = DEFAULT_TIMEOUT_MS;
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
        struct port_probe *o;
        if (services[i].port == 4190 && !p.sieve)
            continue;
        o = &out->probes[out->n];
        o->port = services[i].port;
        o->probed_port = mapped(&p, services[i].port);
        o->service = services[i].service;
        o->implicit_tls = services[i].implicit;
        jobs[out->n] = (struct probe_job){ .p = &p, .addrs = &addrs, .out = o,
                                           .proto = services[i].proto };
        out->n++;
    }
    for (size_t i = 0; i < out->n; i++)
        started[i] = p.parallel && pthread_create(&tid[i], NULL, run_job, &jobs[i]) == 0;
    for (size_t i = 0; i < out->n; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            run_job(&jobs[i]);             /* no thread: probe in turn */
    }
    return AUTH_OK;
}

void ports_report_clear(struct ports_report *r)
{
    for (size_t i = 0; r && i < r->n; i++)
        auth_tls_facts_clear(&r->probes[i].tls);
    if (r)
        r->n = 0;
}

/* ---------- outbound ---------- */

enum auth_status ports_outbound(struct dns_engine *eng, const char *host, uint16_t port,
                                unsigned timeout_ms, struct port_probe *out, char *err,
                                size_t errlen)
{
    enum net_connect_error why = NET_CONN_OK;
    struct net_addrs addrs;
    struct net_conn *c = NULL;
    uint64_t t0 = auth_tls_now_ms(), deadline;
    enum auth_status st;
    char buf[512];
    size_t got = 0;

    memset(out, 0, sizeof *out);
    out->port = 25;
    out->probed_port = port;
    out->service = "smtp";
    if ((st = auth_net_resolve(eng, host, &addrs, err, errlen)) != AUTH_OK)
        return st;
    deadline = t0 + (timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS);
    st = auth_net_connect_addrs(&addrs, host, port, deadline, &c, &why, out->error,
                           sizeof out->error);
    if (st != AUTH_OK) {
        out->state = ports_state_of(why);
    } else {
        st = auth_net_read(c, buf, sizeof buf - 1, &got, deadline, out->error, sizeof out->error);
        /* reached: a silent server still proves egress to the port works */
        out->state = st == AUTH_ETIMEOUT ? PORT_SILENT : PORT_OPEN;
        if (st == AUTH_OK)
            ports_set_banner(out, buf, got);
        auth_net_close(c, false);
    }
    out->ms = (unsigned)(auth_tls_now_ms() - t0);
    return AUTH_OK;
}
