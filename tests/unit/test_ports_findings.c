/*
 * test_ports_findings.c - the port checklist verdicts from synthetic
 * probes (no network): the library's problem kinds (libauth/ports), and the
 * ids and severities checks/ gives them; the outbound check says clearly
 * when egress to 25 is blocked (filtered) as opposed to refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/ports.h"
#include "../checks/problems.h"

static const struct finding *only(const struct finding_list *l)
{
    assert_int_equal(l->count, 1);
    return &l->items[0];
}

static void outbound_blocked_vs_refused(void **state)
{
    struct port_probe o = { .port = 25, .probed_port = 25, .service = "smtp",
                            .state = PORT_FILTERED, .ms = 10000 };
    struct finding_list l = {0};

    assert_int_equal(findings_ports_outbound(&o, &l), AUTH_OK);
    assert_string_equal(only(&l)->id, "ports.outbound-25-blocked");
    assert_int_equal(only(&l)->severity, SEV_FAIL);
    assert_non_null(strstr(only(&l)->summary, "BLOCKED"));
    auth_finding_list_clear(&l);
    o.state = PORT_CLOSED;
    assert_int_equal(findings_ports_outbound(&o, &l), AUTH_OK);
    assert_string_equal(only(&l)->id, "ports.outbound-25-refused");
    assert_non_null(strstr(only(&l)->summary, "not blocked"));
    auth_finding_list_clear(&l);
}

static size_t count(const struct finding_list *l, const char *id)
{
    size_t n = 0;

    for (size_t i = 0; i < l->count; i++)
        n += strcmp(l->items[i].id, id) == 0;
    return n;
}

static size_t kinds(const struct ports_problems *pl, enum ports_problem_kind k)
{
    size_t n = 0;

    for (size_t i = 0; i < pl->count; i++)
        n += pl->items[i].kind == k;
    return n;
}

/* A host like the one of inbound_checklist, as the library sees it. */
static const struct ports_report typical = { .n = 7, .probes = {
    { .port = 25, .service = "smtp", .state = PORT_OPEN, .starttls_offered = true,
      .tls_done = true, .auth_before_tls = true,
      .tls = { .version = "TLSv1.2", .verified = true } },
    { .port = 465, .service = "submissions", .implicit_tls = true, .state = PORT_OPEN,
      .tls_done = true, .tls = { .version = "TLSv1", .verified = true } },
    { .port = 587, .service = "submission", .state = PORT_FILTERED },
    { .port = 993, .service = "imaps", .implicit_tls = true, .state = PORT_OPEN,
      .tls_done = true, .tls = { .version = "TLSv1.3", .verify_error = "expired" } },
    { .port = 995, .service = "pop3s", .implicit_tls = true, .state = PORT_OPEN },
    { .port = 110, .service = "pop3", .state = PORT_CLOSED },
    { .port = 143, .service = "imap", .state = PORT_OPEN },
} };

static void library_problem_kinds(void **state)
{
    struct ports_problems pl;

    ports_problems(&typical, &pl);
    assert_int_equal(kinds(&pl, PORTS_PROB_SMTP_OPEN), 1);
    assert_int_equal(kinds(&pl, PORTS_PROB_SUBMISSION_OPEN), 1);
    for (size_t i = 0; i < pl.count; i++)
        if (pl.items[i].kind == PORTS_PROB_SUBMISSION_OPEN) {
            assert_int_equal(typical.probes[pl.items[i].probe].port, 465);
            assert_true(pl.items[i].submissions && !pl.items[i].submission);
        }
    assert_int_equal(kinds(&pl, PORTS_PROB_AUTH_BEFORE_TLS), 1);
    assert_int_equal(kinds(&pl, PORTS_PROB_TLS_OLD), 1);
    assert_int_equal(kinds(&pl, PORTS_PROB_TLS_INVALID), 1);
    assert_int_equal(kinds(&pl, PORTS_PROB_TLS_FAILED), 1);
    assert_int_equal(kinds(&pl, PORTS_PROB_PLAINTEXT_OPEN), 1);
    assert_int_equal(kinds(&pl, PORTS_PROB_FILTERED), 1);
    assert_int_equal(kinds(&pl, PORTS_PROB_TLS_OK), 1);
    assert_int_equal(kinds(&pl, PORTS_PROB_SUBMISSION_CLOSED), 0);
    assert_int_equal(kinds(&pl, PORTS_PROB_MAILBOX_TLS_CLOSED), 0);
}

static void inbound_checklist(void **state)
{
    struct finding_list l = {0};

    assert_int_equal(findings_from_ports(&typical, &l), AUTH_OK);
    assert_int_equal(count(&l, "ports.smtp-open"), 1);
    assert_int_equal(count(&l, "ports.submission-open"), 1);      /* 465 */
    assert_int_equal(count(&l, "ports.auth-before-tls"), 1);       /* 25: warn */
    assert_int_equal(count(&l, "ports.tls-old"), 1);               /* 465 TLSv1 */
    assert_int_equal(count(&l, "ports.tls-invalid"), 1);           /* 993 */
    assert_int_equal(count(&l, "ports.tls-failed"), 1);            /* 995 */
    assert_int_equal(count(&l, "ports.plaintext-open"), 1);        /* 143 */
    assert_int_equal(count(&l, "ports.filtered"), 1);              /* 587 */
    assert_int_equal(count(&l, "ports.tls-ok"), 1);                /* 25 */
    assert_int_equal(count(&l, "ports.submission-closed"), 0);
    auth_finding_list_clear(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outbound_blocked_vs_refused),
        cmocka_unit_test(library_problem_kinds),
        cmocka_unit_test(inbound_checklist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
