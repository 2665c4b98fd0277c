/*
 * check_dns_expect.c - `check-dns --expect FILE`: a CI pipeline pins the
 * findings it accepts for its own domain; a finding that appears or
 * disappears fails the gate.
 *
 * File format, one finding per line, pass findings not listed:
 *     # comment
 *     DOMAIN ID SEVERITY        e.g.  example.com dmarc.policy-none warn
 * (`--format expect` prints the current findings in this format.)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_dns.h"

#define EXPECT_MAX_LINES 10000
#define EXPECT_LINE_MAX 1024

struct pin { char domain[256], id[64], sev[16]; bool seen; };
struct expect_pins { struct pin *pins; size_t n; };

static int parse_line(char *line, struct pin *p)
{
    char *save = NULL, *d, *i, *s;

    d = strtok_r(line, " \t\r\n", &save);
    if (!d || *d == '#')
        return 0;
    i = strtok_r(NULL, " \t\r\n", &save);
    s = strtok_r(NULL, " \t\r\n", &save);
    if (!i || !s || strtok_r(NULL, " \t\r\n", &save) || auth_finding_severity_parse(s) < 0 ||
        strlen(d) >= sizeof p->domain || strlen(i) >= sizeof p->id)
        return -1;
    snprintf(p->domain, sizeof p->domain, "%s", d);
    snprintf(p->id, sizeof p->id, "%s", i);
    snprintf(p->sev, sizeof p->sev, "%s", s);
    return 1;
}

static struct pin *read_pins(const char *path, size_t *n)
{
    struct pin *pins = calloc(EXPECT_MAX_LINES, sizeof *pins);
    struct line_reader lr = { 0 };
    int r;

    *n = 0;
    if (!pins) {
        cmd_error(EXIT_RUNTIME, "out of memory");
        return NULL;
    }
    if (line_reader_open(&lr, "--expect", path, EXPECT_LINE_MAX,
                         (size_t)EXPECT_MAX_LINES * EXPECT_LINE_MAX) != EXIT_OK)
        goto fail;
    while ((r = line_reader_next(&lr)) > 0) {
        if (*n >= EXPECT_MAX_LINES) {
            cmd_error(EXIT_USAGE, "%s: more than %d lines", path, EXPECT_MAX_LINES);
            goto fail;
        }
        r = parse_line(lr.line, &pins[*n]);
        if (r < 0) {
            cmd_error(EXIT_USAGE, "%s:%zu: want 'DOMAIN ID SEVERITY'", path, lr.lineno);
            goto fail;
        }
        *n += (size_t)r;
    }
    if (r < 0)
        goto fail;
    line_reader_close(&lr);
    return pins;
fail:
    line_reader_close(&lr);
    free(pins);
    return NULL;
}

int expect_load(const char *path, struct expect_pins **out)
{
    struct expect_pins *e = calloc(1, sizeof *e);

    *out = NULL;
    if (!e)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    if (!(e->pins = read_pins(path, &e->n))) {
        free(e);
        return EXIT_USAGE;
    }
    *out = e;
    return EXIT_OK;
}

void expect_free(struct expect_pins *e)
{
    if (e)
        free(e->pins);
    free(e);
}

int expect_compare(struct expect_pins *e, struct audit_result *const *results, size_t n)
{
    size_t npins = e->n;
    struct pin *pins = e->pins;
    int rc = EXIT_OK;

    for (size_t d = 0; d < n; d++) {
        for (size_t i = 0; i < results[d]->findings.count; i++) {
            const struct finding *f = &results[d]->findings.items[i];
            const char *sev = auth_finding_severity_name(f->severity);
            bool found = false;
            if (f->severity == SEV_PASS)
                continue;
            for (size_t k = 0; k < npins && !found; k++)
                if (!pins[k].seen && !strcmp(pins[k].domain, results[d]->domain) &&
                    !strcmp(pins[k].id, f->id) && !strcmp(pins[k].sev, sev))
                    found = pins[k].seen = true;
            if (!found) {
                fprintf(stderr, _("expect: new finding: %s %s %s (%s)\n"), results[d]->domain,
                        f->id, sev, out_esc(f->summary));
                rc = EXIT_PROBLEM;
            }
        }
    }
    for (size_t k = 0; k < npins; k++) {
        if (!pins[k].seen) {
            fprintf(stderr, _("expect: finding gone: %s %s %s\n"), out_esc(pins[k].domain),
                    out_esc(pins[k].id), out_esc(pins[k].sev));
            rc = EXIT_PROBLEM;
        }
    }
    return rc;
}
