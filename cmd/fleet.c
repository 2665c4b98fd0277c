/*
 * fleet.c - `mailctl fleet FILE... [--baseline OLD]... [--top N]
 * [--json|--format text|json|html]`: the check-dns JSON lines of one run
 * or many shards (--output files, concatenated or not) as what an operator
 * acts on: domains per verdict, per finding id the domains with it and a
 * few examples, the worst domains, and against an earlier run the problems
 * new and fixed per domain.
 *
 * One JSON model is built (its shape is the --json output) and every
 * format renders it, so the text, the HTML page and the JSON always agree.
 * Exit: 0; 1 with --baseline when a problem is new; 2 a file or a line that
 * could not be read (the rest is still reported).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

enum { OPT_BASELINE = OPT_GLOBAL_LAST + 1, OPT_FORMAT, OPT_TOP };
enum fleet_format { FLEET_TEXT, FLEET_JSON, FLEET_HTML };

#define MAX_FILES 4096

static void usage(FILE *fp)
{
    fprintf(fp,
        "usage: mailctl fleet FILE... [--baseline OLD]... [--top N]\n"
        "         [--json | --format text|json|html]\n\n"
        "Read the JSON lines of `check-dns --json` (one run, or the --output files of\n"
        "many shards; - is stdin) and show the fleet: domains per verdict, per finding\n"
        "id how many domains have it (fail, warn, error) with examples, the N worst\n"
        "domains (default 10), and with --baseline (the files of an earlier run,\n"
        "repeatable) the problems (ids at warn or fail) new and fixed per domain.\n"
        "--format html writes one self-contained page (inline SVG charts, no scripts,\n"
        "no network fetches).\n"
        "exit: 0; 1 with --baseline when a problem is new; 2 a file or line that\n"
        "could not be read (the rest is still reported)\n"
        "\nexamples:\n"
        "  mailctl fleet results-*.jsonl\n"
        "  mailctl fleet tonight.jsonl --baseline yesterday.jsonl --top 20\n"
        "  mailctl fleet shard-*.jsonl --format html > fleet.html\n");
}

struct fleet_cli {
    const char *files[MAX_FILES], *baseline[MAX_FILES];
    size_t nfiles, nbaseline;
    enum fleet_format format;
    long top;
};

static int parse_args(struct fleet_cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_GLOBAL_LONGOPTS,
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"top", required_argument, NULL, OPT_TOP},
        {NULL, 0, NULL, 0},
    };
    int opt;
    char *end;

    while ((opt = cmd_getopt(argc, argv, "vqh", longopts)) != -1) {
        int r = cmd_global_opt(opt, optarg);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (opt) {
        case 'h':
        case OPT_HELP: usage(stdout); return -1;
        case OPT_BASELINE:
            if (c->nbaseline >= MAX_FILES)
                return cmd_error(EXIT_USAGE, "too many --baseline files");
            c->baseline[c->nbaseline++] = optarg;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "text")) c->format = FLEET_TEXT;
            else if (!strcmp(optarg, "json")) c->format = FLEET_JSON;
            else if (!strcmp(optarg, "html")) c->format = FLEET_HTML;
            else return cmd_error(EXIT_USAGE, "--format takes text, json or html");
            break;
        case OPT_TOP:
            errno = 0;
            c->top = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || c->top < 0 || c->top > FLEET_TOP_MAX)
                return cmd_error(EXIT_USAGE, "--top takes 0 to %d", FLEET_TOP_MAX);
            break;
        default: return cmd_usage_error("fleet", "unknown option");
        }
    }
    for (int i = optind; i < argc; i++) {
        if (c->nfiles >= MAX_FILES)
            return cmd_error(EXIT_USAGE, "too many files (at most %d)", MAX_FILES);
        c->files[c->nfiles++] = argv[i];
    }
    if (!c->nfiles)
        return cmd_usage_error("fleet", "fleet needs at least one file of check-dns results");
    if (g_opts.json && c->format == FLEET_TEXT)
        c->format = FLEET_JSON;
    g_opts.machine = c->format != FLEET_TEXT;   /* the HTML page is English (lang="en") */
    return EXIT_OK;
}

/* Read every file into f; the exit code says whether all could be read. */
static int read_all(struct fleet *f, const char *const *files, size_t n)
{
    int rc = EXIT_OK;

    for (size_t i = 0; i < n; i++) {
        int r = fleet_read(f, files[i]);
        if (r == EXIT_RUNTIME)
            return r;                 /* out of memory: no report */
        rc = cmd_exit_worse(rc, r);
    }
    if (f->unreadable)
        rc = cmd_exit_worse(rc, EXIT_USAGE);
    return rc;
}

static int by_domains(const void *a, const void *b)
{
    const struct fleet_id *x = a, *y = b;
    size_t nx = x->fail + x->warn + x->error, ny = y->fail + y->warn + y->error;

    if (nx != ny)
        return nx > ny ? -1 : 1;
    if (x->fail != y->fail)
        return x->fail > y->fail ? -1 : 1;
    return strcmp(x->id, y->id);
}

static json_t *json_verdicts(const size_t *v)
{
    return json_pack("{s:I, s:I, s:I, s:I}", "pass", (json_int_t)v[FV_PASS],
                     "fail", (json_int_t)v[FV_FAIL], "inconclusive", (json_int_t)v[FV_INCONCLUSIVE],
                     "error", (json_int_t)v[FV_ERROR]);
}

static json_t *json_ids(struct fleet *f)
{
    json_t *a = json_array();

    if (f->nids)                      /* qsort(NULL, 0) is undefined */
        qsort(f->ids, f->nids, sizeof *f->ids, by_domains);
    for (size_t i = 0; i < f->nids; i++) {
        const struct fleet_id *e = &f->ids[i];
        json_t *ex = json_array();
        for (size_t k = 0; k < e->nexamples; k++)
            json_array_append_new(ex, json_string(e->examples[k]));
        json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "id", e->id,
                                           "domains", (json_int_t)(e->fail + e->warn + e->error),
                                           "fail", (json_int_t)e->fail,
                                           "warn", (json_int_t)e->warn,
                                           "error", (json_int_t)e->error, "examples", ex));
    }
    return a;
}

static json_t *json_worst(const struct fleet *f)
{
    json_t *a = json_array();

    for (size_t i = 0; i < f->nworst; i++) {
        const struct fleet_domain *d = &f->worst[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:I}", "domain", d->name,
                                           "verdict", fleet_verdict_name(d->verdict),
                                           "fail", (json_int_t)d->fail,
                                           "warn", (json_int_t)d->warn,
                                           "error", (json_int_t)d->error));
    }
    return a;
}

/* Whether the space-separated list holds id. */
static bool holds(const char *list, const char *id, size_t n)
{
    for (const char *p = list; p && *p; ) {
        size_t len = strcspn(p, " ");
        if (len == n && !memcmp(p, id, n))
            return true;
        p += len + (p[len] == ' ');
    }
    return false;
}

/* The ids of a not in b, appended to out; returns how many. */
static size_t minus(const char *a, const char *b, json_t *out)
{
    size_t n = 0;

    for (const char *p = a; p && *p; ) {
        size_t len = strcspn(p, " ");
        if (!holds(b, p, len)) {
            json_array_append_new(out, json_stringn(p, len));
            n++;
        }
        p += len + (p[len] == ' ');
    }
    return n;
}

static json_t *json_baseline(const struct fleet *cur, const struct fleet *old)
{
    json_t *changes = json_array();
    size_t added = 0, removed = 0, nnew = 0, nfixed = 0;

    for (size_t i = 0; i < cur->nall; i++) {
        const struct fleet_domain *d = &cur->all[i];
        size_t at = fleet_find(old, d->name);
        const char *was = at ? old->all[at - 1].problems : NULL;
        json_t *fresh = json_array(), *fixed = json_array();
        size_t a = minus(d->problems, was, fresh), b = at ? minus(was, d->problems, fixed) : 0;

        added += !at;
        nnew += a;
        nfixed += b;
        if (a || b)
            json_array_append_new(changes, json_pack("{s:s, s:o, s:o, s:b, s:b}", "domain",
                                                     d->name, "new", fresh, "fixed", fixed,
                                                     "added", !at, "removed", 0));
        else {
            json_decref(fresh);
            json_decref(fixed);
        }
    }
    for (size_t i = 0; i < old->nall; i++)
        if (!fleet_find(cur, old->all[i].name)) {
            removed++;
            json_array_append_new(changes, json_pack("{s:s, s:[], s:[], s:b, s:b}", "domain",
                                                     old->all[i].name, "new", "fixed",
                                                     "added", 0, "removed", 1));
        }
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
                     "files", (json_int_t)old->files,
                     "domains", (json_int_t)old->nall, "new_problems", (json_int_t)nnew,
                     "fixed_problems", (json_int_t)nfixed, "domains_added", (json_int_t)added,
                     "domains_removed", (json_int_t)removed, "changes", changes);
}

static json_t *model(struct fleet *f, const struct fleet *old)
{
    size_t domains = 0;

    for (int v = 0; v < FV_COUNT; v++)
        domains += f->verdicts[v];
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}",
                     "files", (json_int_t)f->files, "lines", (json_int_t)f->lines,
                     "domains", (json_int_t)domains, "unreadable", (json_int_t)f->unreadable,
                     "duplicates", (json_int_t)f->duplicates,
                     "verdicts", json_verdicts(f->verdicts), "findings", json_ids(f),
                     "worst", json_worst(f),
                     "baseline", old ? json_baseline(f, old) : json_null());
}

int cmd_fleet(int argc, char **argv)
{
    struct fleet_cli c = { .top = 10 };
    struct fleet cur = {0}, old = {0};
    json_t *doc = NULL;
    int rc = parse_args(&c, argc, argv), r2 = EXIT_OK;

    if (rc != EXIT_OK)
        return rc < 0 ? EXIT_OK : rc;
    cur.top = (size_t)c.top;
    cur.keep_problems = old.keep_problems = c.nbaseline > 0;
    if (!(cur.worst = calloc(cur.top ? cur.top : 1, sizeof *cur.worst)))
        return cmd_error(EXIT_RUNTIME, "out of memory");
    rc = read_all(&cur, c.files, c.nfiles);
    if (rc != EXIT_RUNTIME && c.nbaseline)
        r2 = read_all(&old, c.baseline, c.nbaseline);
    if (rc != EXIT_RUNTIME && r2 != EXIT_RUNTIME) {
        rc = cmd_exit_worse(rc, r2);
        if (!(doc = model(&cur, c.nbaseline ? &old : NULL)))
            rc = cmd_error(EXIT_RUNTIME, "out of memory");
    } else {
        rc = EXIT_RUNTIME;
    }
    if (doc) {
        json_int_t fresh = json_integer_value(json_object_get(json_object_get(doc, "baseline"),
                                                              "new_problems"));
        if (fresh > 0)
            rc = cmd_exit_worse(rc, EXIT_PROBLEM);
        if (c.format == FLEET_JSON)
            out_json(json_incref(doc));
        else if (c.format == FLEET_HTML)
            fleet_print_html(doc);
        else
            fleet_print_text(doc);
        json_decref(doc);
    }
    fleet_free(&cur);
    fleet_free(&old);
    return rc;
}
