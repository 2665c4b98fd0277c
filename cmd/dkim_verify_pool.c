/*
 * dkim_verify_pool.c - `dkim verify` of many files: this thread and one
 * more per available core (POOL_MAX in all at most) each take the next
 * file, read and verify it.  Results are printed in argument order: a
 * thread that finishes a job prints every finished job from the first
 * not yet printed on, unless another thread is printing (which then
 * prints it); nobody sleeps waiting for a particular file.  Threads run at
 * most WINDOW files ahead of the printing, which bounds the memory held.
 * They share the run's key store (each key fetched and parsed once) and
 * hash bodies themselves (no body-hash thread on top).  Few files, or one
 * core: everything on this thread.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dkim_cmd.h"
#include "dkim_verify_int.h"

#define POOL_MAX 8
#define POOL_MIN_FILES 4         /* fewer: not worth starting threads */
#define WINDOW 256

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t room;         /* jobs were printed (threads ahead wait) */
    const char *const *files;
    size_t n, next, printed;
    size_t waiting;
    bool printing;               /* a thread is printing */
    int rc;
    struct dkim_vrun run;
    struct dkim_vjob slot[WINDOW];
    bool done[WINDOW];
};

/* With the lock held: print the finished jobs in order, unless another
 * thread is at it.  The lock is let go while printing. */
static void print_ready(struct pool *p)
{
    if (p->printing)
        return;
    p->printing = true;
    while (p->printed < p->n && p->done[p->printed % WINDOW]) {
        struct dkim_vjob *j = &p->slot[p->printed % WINDOW];
        int rc;
        pthread_mutex_unlock(&p->lock);
        rc = dkim_vjob_emit(j, &p->run);
        pthread_mutex_lock(&p->lock);
        p->rc = cmd_exit_worse(p->rc, rc);
        p->done[p->printed % WINDOW] = false;
        p->printed++;
        if (p->waiting)
            pthread_cond_broadcast(&p->room);
    }
    p->printing = false;
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    struct msg_input keep = { .fd = -1 };

    pthread_mutex_lock(&p->lock);
    for (;;) {
        size_t i;
        while (p->next < p->n && p->next >= p->printed + WINDOW) {
            p->waiting++;
            pthread_cond_wait(&p->room, &p->lock);
            p->waiting--;
        }
        if (p->next >= p->n)
            break;
        i = p->next++;
        pthread_mutex_unlock(&p->lock);
        p->slot[i % WINDOW].file = p->files[i];
        dkim_vjob_run(&p->slot[i % WINDOW], &p->run, &keep);
        pthread_mutex_lock(&p->lock);
        p->done[i % WINDOW] = true;
        print_ready(p);
    }
    print_ready(p);
    pthread_mutex_unlock(&p->lock);
    msg_input_free(&keep);
    return NULL;
}

/* Cores this process may run on. */
static size_t cores(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    return (size_t)CPU_COUNT(&set);
}

static int one_by_one(const char *const *files, size_t n, const struct dkim_vrun *run)
{
    struct msg_input keep = { .fd = -1 };
    int rc = EXIT_OK;

    for (size_t i = 0; i < n; i++) {
        struct dkim_vjob j = { .file = files[i] };
        dkim_vjob_run(&j, run, &keep);
        rc = cmd_exit_worse(rc, dkim_vjob_emit(&j, run));
    }
    msg_input_free(&keep);
    return rc;
}

int dkim_verify_files(const char *const *files, size_t n, const struct dkim_vrun *run)
{
    size_t want = cores(), started = 0;
    pthread_t th[POOL_MAX];
    struct pool *p;
    int rc;

    want = want > POOL_MAX ? POOL_MAX : want;
    want = want > n ? n : want;
    if (want < 2 || n < POOL_MIN_FILES || !(p = calloc(1, sizeof *p)))
        return one_by_one(files, n, run);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->room, NULL);
    p->files = files;
    p->n = n;
    p->rc = EXIT_OK;
    p->run = *run;
    p->run.hash_thread_after = 0;      /* the cores are busy with messages already */
    out_color_enabled();               /* its answer cached before threads read it */
    while (started + 1 < want && pthread_create(&th[started], NULL, worker, p) == 0)
        started++;
    worker(p);                         /* this thread too; then the others finish */
    for (size_t k = 0; k < started; k++)
        pthread_join(th[k], NULL);
    rc = p->rc;
    pthread_cond_destroy(&p->room);
    pthread_mutex_destroy(&p->lock);
    free(p);
    return rc;
}
