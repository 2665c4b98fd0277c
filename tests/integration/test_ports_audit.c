/*
 * test_ports_audit.c - the port checklist reached through DNS, against real
 * servers on loopback and a real NSD:
 *  - `check-dns --ports` runs it for every MX of ports-tests.example (MX 10
 *    mx -> 127.0.0.1: a real Postfix + Dovecot behind --port-map; MX 20 mx2
 *    -> 127.0.0.2: nothing listens), only when --ports is given and only on
 *    loopback addresses with --allow-private;
 *  - `mailctl ports NAME` and the IMAP client resolve a name that only the
 *    test NSD serves (mailctl's DNS engine, not the system resolver), and
 *    the certificate is verified against that name;
 *  - a silent port (a listening socket the test never accepts on: the
 *    connection completes, no greeting ever comes) and a filtered one (a
 *    listening socket whose accept queue is full, so the kernel drops new
 *    SYNs: the connection itself gets no answer) are told apart from each
 *    other and from a closed port.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "auth/dns.h"
#include "auth/imap.h"
#include "testdovecot.h"
#include "testenv.h"
#include "testpostfix.h"

#define DOMAIN "ports-tests.example"
#define MX     "mx." DOMAIN

static struct test_nsd nsd;
static struct test_postfix pf;
static struct test_dovecot dv;
static char good_map[200], stall_map[200];
static int silent_fd = -1, full_fd = -1, filler_fd = -1;

/* A listening socket on 127.0.0.1 with the given backlog; *port gets its port. */
static int listener(int backlog, int *port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, backlog) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        return -1;
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Fill the accept queue of a backlog-0 listener with one connection, so the
 * kernel drops every further SYN (the port then looks filtered).  Waits
 * (poll, no sleep) until that connection is established. */
static int fill_queue(int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct pollfd p = { .fd = fd, .events = POLLOUT };

    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && poll(&p, 1, 5000) != 1)
        return -1;
    return fd;
}

static int start(void **state)
{
    char home[400];
    int silent_port, full_port, closed_port;

    if (test_nsd_start(&nsd, NULL) < 0 || test_postfix_start(&pf, DOMAIN) < 0)
        return -1;
    snprintf(home, sizeof home, "%s/mail/%s", pf.dir, DOMAIN);
    {
        struct test_dovecot_params tls = {
            .user = "u@" DOMAIN, .password = "pw", .home = home,
            .cert_file = pf.ca.cert_file, .key_file = pf.ca.key_file,
            .imaps = true, .pop3s = true,
        };
        if (test_dovecot_start(&dv, &tls) < 0)
            return -1;
    }
    closed_port = test_free_port();
    if ((silent_fd = listener(64, &silent_port)) < 0 || (full_fd = listener(0, &full_port)) < 0 ||
        (filler_fd = fill_queue(full_port)) < 0)
        return -1;
    snprintf(good_map, sizeof good_map, "25=%d,587=%d,465=%d,993=%d,995=%d,110=%d,143=%d",
             pf.port, pf.port, pf.smtps_port, dv.imaps_port, dv.pop3s_port, closed_port,
             closed_port);
    /* 25 and 993 silent, 587 and 995 filtered, 465 closed, 110/143 silent */
    snprintf(stall_map, sizeof stall_map, "25=%d,587=%d,465=%d,993=%d,995=%d,110=%d,143=%d",
             silent_port, full_port, closed_port, silent_port, full_port, silent_port,
             silent_port);
    return 0;
}

static int stop(void **state)
{
    if (filler_fd >= 0)
        close(filler_fd);
    if (full_fd >= 0)
        close(full_fd);
    if (silent_fd >= 0)
        close(silent_fd);
    test_dovecot_stop(&dv);
    test_postfix_stop(&pf);
    test_nsd_stop(&nsd);
    return 0;
}

/* Run mailctl with args (NULL-terminated) and --resolver NSD; parse stdout
 * as JSON; check the exit code. */
static json_t *run_json(int want_exit, const char *const *args)
{
    char *argv[32];
    size_t n = 0;
    struct test_out out;
    json_error_t e;
    json_t *doc;

    argv[n++] = (char *)test_mailctl();
    for (; *args && n < 28; args++)
        argv[n++] = (char *)*args;
    argv[n++] = "--resolver";
    argv[n++] = nsd.spec;
    argv[n++] = "--json";
    argv[n] = NULL;
    assert_int_equal(test_run(argv, NULL, NULL, 0, 90, &out), 0);
    doc = json_loads(out.out, 0, &e);
    if (!doc || out.status != want_exit) {
        fprintf(stderr, "stdout: %s\nstderr: %s\n", out.out, out.err);
        fail_msg("exit %d (want %d)", out.status, want_exit);
    }
    test_out_free(&out);
    return doc;
}

/* Findings with id (and severity when sev is not NULL, and detail or
 * summary holding needle when needle is not NULL). */
static size_t count(json_t *doc, const char *id, const char *sev, const char *needle)
{
    json_t *f;
    size_t i, n = 0;

    json_array_foreach(json_object_get(doc, "findings"), i, f) {
        const char *d = json_string_value(json_object_get(f, "detail"));
        const char *s = json_string_value(json_object_get(f, "summary"));
        if (strcmp(json_string_value(json_object_get(f, "id")), id) == 0 &&
            (!sev || strcmp(json_string_value(json_object_get(f, "severity")), sev) == 0) &&
            (!needle || (d && strstr(d, needle)) || (s && strstr(s, needle))))
            n++;
    }
    return n;
}

static size_t count_family(json_t *doc, const char *prefix)
{
    json_t *f;
    size_t i, n = 0;

    json_array_foreach(json_object_get(doc, "findings"), i, f)
        if (strncmp(json_string_value(json_object_get(f, "id")), prefix, strlen(prefix)) == 0)
            n++;
    return n;
}

static const char *state_of(json_t *doc, int port)
{
    json_t *p;
    size_t i;

    json_array_foreach(json_object_get(doc, "ports"), i, p)
        if (json_integer_value(json_object_get(p, "port")) == port)
            return json_string_value(json_object_get(p, "state"));
    fail_msg("no probe for port %d", port);
    return NULL;
}

static void audit_probes_each_mx(void **state)
{
    const char *args[] = { "check-dns", DOMAIN, "--checks", "ports", "--ports",
                           "--allow-private", "--port-map", good_map, "--ca-file",
                           pf.ca.ca_file, "--timeout", "5", NULL };
    json_t *doc = run_json(1, args);
    const char *mx1 = MX " [127.0.0.1]", *mx2 = "mx2." DOMAIN " [127.0.0.2]";

    /* the good MX: every TLS port verified against its name */
    assert_int_equal(count(doc, "ports.tls-ok", "pass", mx1), 5);
    assert_int_equal(count(doc, "ports.smtp-open", "pass", mx1), 1);
    assert_int_equal(count(doc, "ports.submission-open", "pass", mx1), 1);
    assert_int_equal(count(doc, "ports.smtp-closed", NULL, mx1), 0);
    /* the second MX: nothing listens on 127.0.0.2 */
    assert_int_equal(count(doc, "ports.smtp-closed", "fail", mx2), 1);
    assert_int_equal(count(doc, "ports.submission-closed", "fail", mx2), 1);
    assert_int_equal(count(doc, "ports.tls-ok", NULL, mx2), 0);
    /* probed at once, reported in MX order: no finding of the first MX
     * after one of the second */
    {
        json_t *f;
        size_t i;
        bool second = false;

        json_array_foreach(json_object_get(doc, "findings"), i, f) {
            const char *d = json_string_value(json_object_get(f, "detail"));
            second |= d && strstr(d, mx2) != NULL;
            if (second && d && strstr(d, mx1))
                fail_msg("finding of %s after one of %s: %s", mx1, mx2, d);
        }
        assert_true(second);
    }
    json_decref(doc);
}

static void audit_without_ports_probes_nothing(void **state)
{
    const char *args[] = { "check-dns", DOMAIN, "--checks", "ports", "--allow-private", NULL };
    json_t *doc = run_json(0, args);

    assert_int_equal(count_family(doc, "ports."), 0);
    json_decref(doc);
}

static void audit_skips_private_and_documentation(void **state)
{
    const char *args[] = { "check-dns", DOMAIN, "--checks", "ports", "--ports",
                           "--port-map", good_map, NULL };
    const char *args_doc[] = { "check-dns", "doc." DOMAIN, "--checks", "ports", "--ports",
                               "--allow-private", NULL };
    json_t *doc = run_json(0, args);

    assert_int_equal(count(doc, "ports.not-probed", "skipped", "127.0.0.1"), 1);
    assert_int_equal(count(doc, "ports.not-probed", "skipped", "127.0.0.2"), 1);
    assert_int_equal(count_family(doc, "ports."), 2);
    json_decref(doc);
    doc = run_json(0, args_doc);
    assert_int_equal(count(doc, "ports.not-probed", "skipped", "documentation"), 1);
    assert_int_equal(count_family(doc, "ports."), 1);
    json_decref(doc);
}

static void audit_bad_port_map(void **state)
{
    char *argv[] = { (char *)test_mailctl(), "check-dns", DOMAIN, "--ports", "--port-map",
                     "25=0", NULL };
    struct test_out out;

    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "--port-map"));
    test_out_free(&out);
    argv[3] = "--allow-private";                    /* --port-map without --ports */
    argv[5] = "25=2525";
    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "--port-map needs --ports"));
    test_out_free(&out);
}

/* `mailctl ports NAME`: the name exists only in the test NSD. */
static void ports_resolves_with_the_engine(void **state)
{
    const char *args[] = { "ports", MX, "--port-map", good_map, "--ca-file", pf.ca.ca_file,
                           "--timeout", "5", NULL };
    char *argv[] = { (char *)test_mailctl(), "ports", "nosuch." DOMAIN, "--resolver", nsd.spec,
                     NULL };
    json_t *doc = run_json(0, args);
    struct test_out out;

    assert_int_equal(count(doc, "ports.tls-ok", "pass", NULL), 5);
    assert_string_equal(json_string_value(json_object_get(doc, "host")), MX);
    json_decref(doc);
    assert_int_equal(test_run(argv, NULL, NULL, 0, 30, &out), 0);
    assert_int_equal(out.status, 3);
    assert_non_null(strstr(out.err, "cannot resolve nosuch." DOMAIN));
    assert_non_null(strstr(out.err, "nxdomain"));
    test_out_free(&out);
}

/* The IMAP client itself resolves through a DNS engine it is given. */
static void imap_client_resolves_with_the_engine(void **state)
{
    const char *servers[] = { nsd.spec };
    struct dns_engine_params ep = { .servers = servers, .nservers = 1 };
    struct dns_engine *eng = NULL;
    struct imap_params ip = {
        .host = MX, .port = (uint16_t)dv.imaps_port, .tls = IMAP_TLS_IMPLICIT,
        .ca_file = pf.ca.ca_file, .connect_ms = 5000, .command_ms = 5000,
    };
    struct imap_client *c = NULL;
    char err[256];

    assert_int_equal(dns_engine_new(&ep, &eng, err, sizeof err), AUTH_OK);
    ip.eng = eng;
    assert_int_equal(imap_client_new(&ip, &c, err, sizeof err), AUTH_OK);
    assert_int_equal(imap_open(c), AUTH_OK);
    assert_string_equal(imap_client_peer(c), "127.0.0.1");
    assert_true(imap_client_tls(c)->verified);
    /* the session's outcome was asserted; LOGOUT is a courtesy */
    auth_status_ignore(imap_logout(c));
    imap_client_free(c);
    ip.host = "nosuch." DOMAIN;
    assert_int_equal(imap_client_new(&ip, &c, err, sizeof err), AUTH_OK);
    assert_int_not_equal(imap_open(c), AUTH_OK);
    assert_int_equal(imap_client_failure(c), IMAP_FAIL_CONNECT);
    assert_int_equal(imap_client_connect_error(c), NET_CONN_RESOLVE);
    assert_non_null(strstr(imap_client_why(c), "nxdomain"));
    imap_client_free(c);
    dns_engine_free(eng);
}

/* Silent (accepted, never a word), filtered (SYN dropped) and closed (RST)
 * are three different things. */
static void silent_filtered_closed(void **state)
{
    const char *args[] = { "ports", "127.0.0.1", "--port-map", stall_map, "--timeout", "2",
                           NULL };
    json_t *doc = run_json(1, args);

    assert_string_equal(state_of(doc, 25), "silent");
    assert_string_equal(state_of(doc, 993), "silent");
    assert_string_equal(state_of(doc, 110), "silent");
    assert_string_equal(state_of(doc, 143), "silent");
    assert_string_equal(state_of(doc, 587), "filtered");
    assert_string_equal(state_of(doc, 995), "filtered");
    assert_string_equal(state_of(doc, 465), "closed");
    assert_int_equal(count(doc, "ports.no-greeting", "fail", "port 25 "), 1);
    assert_int_equal(count(doc, "ports.no-greeting", "warn", NULL), 3);
    assert_int_equal(count(doc, "ports.filtered", "info", NULL), 2);
    assert_int_equal(count(doc, "ports.smtp-closed", NULL, NULL), 0);   /* not "closed" */
    assert_int_equal(count(doc, "ports.smtp-open", NULL, NULL), 0);     /* nor "open" */
    assert_int_equal(count(doc, "ports.submission-closed", "fail", NULL), 1);
    json_decref(doc);
}

/* --outbound: a silent port 25 proves egress works (or is intercepted); a
 * filtered one is the blocked-egress verdict. */
static void outbound_silent_and_filtered(void **state)
{
    char map[40];
    const char *args[] = { "ports", "127.0.0.1", "--outbound", "--port-map", map, "--timeout",
                           "2", NULL };
    json_t *doc;

    snprintf(map, sizeof map, "25=%.*s", 20, strstr(stall_map, "25=") + 3);
    map[strcspn(map, ",")] = '\0';                 /* the silent port */
    doc = run_json(0, args);
    assert_int_equal(count(doc, "ports.outbound-25-silent", "warn", NULL), 1);
    json_decref(doc);
    snprintf(map, sizeof map, "25=%.*s", 20, strstr(stall_map, "587=") + 4);
    map[strcspn(map, ",")] = '\0';                 /* the full accept queue */
    doc = run_json(1, args);
    assert_int_equal(count(doc, "ports.outbound-25-blocked", "fail", NULL), 1);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(audit_probes_each_mx),
        cmocka_unit_test(audit_without_ports_probes_nothing),
        cmocka_unit_test(audit_skips_private_and_documentation),
        cmocka_unit_test(audit_bad_port_map),
        cmocka_unit_test(ports_resolves_with_the_engine),
        cmocka_unit_test(imap_client_resolves_with_the_engine),
        cmocka_unit_test(silent_filtered_closed),
        cmocka_unit_test(outbound_silent_and_filtered),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
