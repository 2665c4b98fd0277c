/*
 * hashpipe.c - a second thread that digests what one producer writes, in
 * order, so that canonicalising a large body and hashing it overlap.
 *
 * With hardware SHA-256 the hash runs at about 2 GB/s and any separate
 * pass over the body costs a visible share of that; on a body of
 * megabytes, handing the canonical bytes to a hashing thread through a
 * small ring makes the body hash take the time of SHA-256 alone.  The ring
 * is eight 64 KiB slots: the producer fills one while the thread hashes
 * the ones before, and waits only when all are full.  The digest context belongs
 * to the thread from start to finish; the mutex hand-offs order every use.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim_int.h"

#define HP_SLOTS 8
#define HP_SLOT_SIZE (64 * 1024)

struct hashpipe {
    EVP_MD_CTX *md;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t filled, emptied;
    unsigned head;                 /* the slot the producer fills */
    unsigned tail;                 /* the slot the thread hashes next */
    unsigned queued;               /* slots handed over, not yet hashed */
    bool hasher_waits, producer_waits;
    bool closing;                  /* no more slots will come */
    bool failed;                   /* a digest update failed */
    size_t len[HP_SLOTS];
    unsigned char slot[HP_SLOTS][HP_SLOT_SIZE];
};

/*
 * Waking a sleeping thread is a system call that costs microseconds (more
 * in a virtual machine), as much as hashing several kilobytes; so each
 * side signals only when the other sleeps, and a producer that found the
 * ring full sleeps until half of it is free, not one slot.
 */
static void *hasher(void *arg)
{
    struct hashpipe *hp = arg;

    pthread_mutex_lock(&hp->lock);
    for (;;) {
        unsigned t = hp->tail;

        if (!hp->queued) {
            if (hp->closing)
                break;
            hp->hasher_waits = true;
            pthread_cond_wait(&hp->filled, &hp->lock);
            hp->hasher_waits = false;
            continue;
        }
        pthread_mutex_unlock(&hp->lock);
        if (!EVP_DigestUpdate(hp->md, hp->slot[t], hp->len[t]))
            hp->failed = true;     /* read by finish only after the join */
        pthread_mutex_lock(&hp->lock);
        hp->queued--;
        hp->tail = (t + 1) % HP_SLOTS;
        if (hp->producer_waits && hp->queued <= HP_SLOTS / 2) {
            hp->producer_waits = false;
            pthread_cond_signal(&hp->emptied);
        }
    }
    pthread_mutex_unlock(&hp->lock);
    return NULL;
}

struct hashpipe *hashpipe_start(struct evp_md_ctx_st *md)
{
    struct hashpipe *hp = calloc(1, sizeof *hp);

    if (!hp)
        return NULL;
    hp->md = md;
    if (pthread_mutex_init(&hp->lock, NULL) != 0)
        goto no_lock;
    if (pthread_cond_init(&hp->filled, NULL) != 0)
        goto no_filled;
    if (pthread_cond_init(&hp->emptied, NULL) != 0)
        goto no_emptied;
    if (pthread_create(&hp->thread, NULL, hasher, hp) != 0)
        goto no_thread;
    return hp;
no_thread:
    pthread_cond_destroy(&hp->emptied);
no_emptied:
    pthread_cond_destroy(&hp->filled);
no_filled:
    pthread_mutex_destroy(&hp->lock);
no_lock:
    free(hp);
    return NULL;
}

/* Hand the slot being filled to the thread; when none is left free, wait
 * for half of them. */
static void publish(struct hashpipe *hp)
{
    pthread_mutex_lock(&hp->lock);
    hp->queued++;
    if (hp->hasher_waits)
        pthread_cond_signal(&hp->filled);
    hp->head = (hp->head + 1) % HP_SLOTS;
    if (hp->queued == HP_SLOTS) {
        hp->producer_waits = true;
        while (hp->producer_waits)
            pthread_cond_wait(&hp->emptied, &hp->lock);
    }
    hp->len[hp->head] = 0;
    pthread_mutex_unlock(&hp->lock);
}

void hashpipe_write(struct hashpipe *hp, const void *data, size_t n)
{
    const unsigned char *p = data;

    while (n) {
        size_t *len = &hp->len[hp->head];
        size_t take = HP_SLOT_SIZE - *len < n ? HP_SLOT_SIZE - *len : n;

        memcpy(hp->slot[hp->head] + *len, p, take);
        *len += take;
        p += take;
        n -= take;
        if (*len == HP_SLOT_SIZE)
            publish(hp);
    }
}

bool hashpipe_finish(struct hashpipe *hp)
{
    bool ok;

    pthread_mutex_lock(&hp->lock);
    if (hp->len[hp->head])
        hp->queued++;
    hp->closing = true;
    pthread_cond_signal(&hp->filled);
    pthread_mutex_unlock(&hp->lock);
    pthread_join(hp->thread, NULL);
    ok = !hp->failed;
    pthread_cond_destroy(&hp->filled);
    pthread_cond_destroy(&hp->emptied);
    pthread_mutex_destroy(&hp->lock);
    free(hp);
    return ok;
}
