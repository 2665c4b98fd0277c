/*
 * check_dns_run.c - check-dns over a stream of domains: names read as they
 * are needed, audited by a pool of --jobs workers, and written in input
 * order through a bounded window, so memory stays flat whatever the length
 * of the list.  Each name is converted to its A-label once here; one not
 * in this --shard, or seen before (also in the file --resume read back), is
 * skipped; one that is not a name becomes an error line and the run goes
 * on.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/name.h"
#include "check_dns_run.h"

#define WINDOW_MIN 64
#define WINDOW_MAX 4096
#define NAME_TEXT_MAX (4096 * 4 + 1)

struct slot {
    char *name;                   /* A-label, or the bad name as safe text */
    char *error;                  /* why it was not audited; NULL: audited */
    struct audit_result *r;
    bool done;
};

struct stream {
    struct check_dns_run *run;
    struct slot *ring;
    size_t w;                     /* window: slots in the ring */
    size_t head, tail, next;      /* emitted < head <= next (taken) <= tail (read) */
    bool src_end, quit, no_workers;
    int src_rc;                   /* the list failed part-way: its exit code */
    size_t emitted;
    pthread_mutex_t lock;
    pthread_cond_t work, fin;
};

/* Audit slot s (called with the lock held; it is released meanwhile). */
static void audit_slot(struct stream *st, struct slot *s)
{
    char err[256] = "";
    struct audit_result *r = NULL;

    pthread_mutex_unlock(&st->lock);
    if (audit_run(s->name, st->run->opt, &r, err, sizeof err) != AUTH_OK)
        r = NULL;
    pthread_mutex_lock(&st->lock);
    s->r = r;
    if (!r)
        s->error = strdup(err[0] ? err : "audit failed");
    s->done = true;
    pthread_cond_broadcast(&st->fin);
}

/* The next slot waiting for an audit, or NULL (lock held).  Error slots
 * are done when read and may be emitted before a worker passes them. */
static struct slot *take(struct stream *st)
{
    if (st->next < st->head)
        st->next = st->head;
    while (st->next < st->tail && st->ring[st->next % st->w].done)
        st->next++;
    return st->next < st->tail && !st->quit ? &st->ring[st->next++ % st->w] : NULL;
}

static void *worker(void *arg)
{
    struct stream *st = arg;
    struct slot *s;

    pthread_mutex_lock(&st->lock);
    for (;;) {
        if ((s = take(st))) {
            audit_slot(st, s);
            continue;
        }
        if (st->quit || st->src_end)
            break;
        pthread_cond_wait(&st->work, &st->lock);
    }
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

/* The next name of the list that this run audits into slot s: 1, or 0 when
 * the list ended (st->src_rc set when it failed). */
static int read_next(struct stream *st, struct slot *s)
{
    struct check_dns_run *run = st->run;
    char alabel[AUTH_NAME_MAX], why[200], shown[NAME_TEXT_MAX];
    struct domain_key key;
    const char *raw, *name;
    int r;

    for (;;) {
        if ((r = domain_list_next(run->list, &raw)) <= 0) {
            st->src_rc = -r;
            return 0;
        }
        bool ok = cmd_domain_check(raw, alabel, sizeof alabel, why, sizeof why) == EXIT_OK;
        /* an invalid name is shown as escaped text (out_esc), kept in shown:
         * it is also the key the run's set of seen domains holds */
        if (!ok)
            snprintf(shown, sizeof shown, "%s", out_esc(raw));
        name = ok ? alabel : shown;
        domain_key_of(name, &key);
        if (!shard_holds(&run->shard, &key))
            continue;
        if ((r = domain_set_add(run->seen, &key)) == 0)
            continue;                 /* a duplicate, or done in the resumed file */
        memset(s, 0, sizeof *s);
        if (r < 0 || !(s->name = strdup(name)) || (!ok && !(s->error = strdup(why)))) {
            free(s->name);
            st->src_rc = cmd_error(EXIT_RUNTIME, "out of memory");
            return 0;
        }
        s->done = !ok;
        return 1;
    }
}

/* Read names until the window is full or the list ends. */
static void fill(struct stream *st)
{
    while (!st->src_end && st->tail - st->head < st->w) {
        struct slot s;
        if (!read_next(st, &s)) {
            pthread_mutex_lock(&st->lock);
            st->src_end = true;
            pthread_cond_broadcast(&st->work);
            pthread_mutex_unlock(&st->lock);
            return;
        }
        pthread_mutex_lock(&st->lock);
        st->ring[st->tail++ % st->w] = s;
        pthread_cond_signal(&st->work);
        pthread_mutex_unlock(&st->lock);
    }
}

/* One line for the bulk output: JSON or CSV.  EXIT_OK or EXIT_RUNTIME. */
static int emit_line(struct check_dns_run *run, const struct slot *s)
{
    char *line = NULL;
    int rc;

    if (run->fmt == FORMAT_CSV) {
        line = s->r ? report_csv_row(s->r, run->gate) : report_csv_error_row(s->name);
    } else {
        json_t *doc = s->r ? report_json(s->r, run->gate) : report_json_error(s->name, s->error);
        char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        size_t n = text ? strlen(text) : 0;

        json_decref(doc);
        if (text && (line = realloc(text, n + 2))) {
            line[n] = '\n';
            line[n + 1] = '\0';
        } else {
            free(text);
        }
    }
    if (!line)
        return cmd_error(EXIT_RUNTIME, "out of memory");
    rc = bulk_out_line(run->out, line, strlen(line));
    free(line);
    return rc;
}

/* Report slot s as the format asks; returns its exit code, or -EXIT_RUNTIME
 * when the output failed (the run stops). */
static int emit(struct stream *st, struct slot *s)
{
    struct check_dns_run *run = st->run;
    int code = s->r ? report_exit(s->r, run->gate) : EXIT_USAGE;

    if (!s->r)
        cmd_error(EXIT_USAGE, "bad domain '%s': %s", out_esc(s->name), out_esc(s->error));
    if (run->out) {
        if (emit_line(run, s) != EXIT_OK)
            return -EXIT_RUNTIME;
    } else if (s->r && run->fmt == FORMAT_JSON) {
        out_json(report_json(s->r, run->gate));
    } else if (s->r && run->fmt == FORMAT_EXPECT) {
        report_expect(s->r);
    } else if (s->r && run->fmt == FORMAT_TEXT) {
        if (st->emitted)
            printf("\n");
        report_text(s->r, run->gate);
    }
    if (!run->out)
        fflush(stdout);
    if (run->keep && s->r) {
        struct audit_result **k = realloc(run->kept, (run->nkept + 1) * sizeof *k);
        if (!k)
            return -cmd_error(EXIT_RUNTIME, "out of memory");
        run->kept = k;
        run->kept[run->nkept++] = s->r;
        s->r = NULL;
    }
    st->emitted++;
    if (run->progress) {
        fputc('\r', stderr);           /* a progress line rewritten in place */
        fprintf(stderr, _("%zu domains audited"), st->emitted);
    }
    return code;
}

static void slot_free(struct slot *s)
{
    audit_result_free(s->r);
    free(s->name);
    free(s->error);
    memset(s, 0, sizeof *s);
}

/* Emit every slot in order as it completes; the window refilled as it
 * drains.  Returns the run's exit code. */
static int drain(struct stream *st)
{
    int rc = EXIT_OK;

    for (;;) {
        fill(st);
        if (st->head == st->tail)
            break;
        struct slot *s = &st->ring[st->head % st->w], *t;
        pthread_mutex_lock(&st->lock);
        while (!s->done) {
            if (st->no_workers && (t = take(st)))
                audit_slot(st, t);    /* no thread could start: audit here */
            else
                pthread_cond_wait(&st->fin, &st->lock);
        }
        pthread_mutex_unlock(&st->lock);
        int code = emit(st, s);
        slot_free(s);
        pthread_mutex_lock(&st->lock);
        st->head++;
        pthread_mutex_unlock(&st->lock);
        if (code < 0) {
            rc = -code;
            break;
        }
        rc = cmd_exit_worse(rc, code);
    }
    if (st->run->progress) {
        fputc('\r', stderr);
        fprintf(stderr, _("%zu domains audited"), st->emitted);
        fputc('\n', stderr);
    }
    return st->src_rc ? st->src_rc : rc;   /* the list broke off: its error says why */
}

int check_dns_stream(struct check_dns_run *run)
{
    struct stream st = { .run = run, .lock = PTHREAD_MUTEX_INITIALIZER,
                         .work = PTHREAD_COND_INITIALIZER, .fin = PTHREAD_COND_INITIALIZER };
    pthread_t th[CHECK_DNS_MAX_JOBS];
    long jobs, started = 0;
    int rc;

    st.w = (size_t)run->jobs * 4 < WINDOW_MIN ? WINDOW_MIN : (size_t)run->jobs * 4;
    if (st.w > WINDOW_MAX)
        st.w = WINDOW_MAX;
    if (!(st.ring = calloc(st.w, sizeof *st.ring)))
        return cmd_error(EXIT_RUNTIME, "out of memory");
    fill(&st);                        /* a short list is then known in full */
    jobs = run->fit(run->fit_ctx, st.src_end ? st.tail : SIZE_MAX);
    for (long k = 0; k < jobs && (size_t)k < st.tail + !st.src_end; k++)
        if (pthread_create(&th[k], NULL, worker, &st) == 0)
            started++;
    st.no_workers = !started;
    rc = drain(&st);
    pthread_mutex_lock(&st.lock);
    st.quit = true;
    pthread_cond_broadcast(&st.work);
    pthread_mutex_unlock(&st.lock);
    for (long k = 0; k < started; k++)
        pthread_join(th[k], NULL);
    for (size_t i = st.head; i < st.tail; i++)
        slot_free(&st.ring[i % st.w]);
    domain_list_close(run->list);
    free(st.ring);
    return rc;
}
