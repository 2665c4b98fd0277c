/*
 * random.c - query IDs from the kernel CSPRNG (getrandom), drawn from a
 * small pool so a batch of thousands costs a handful of system calls.
 * An ID that could be guessed would let an off-path attacker spoof answers.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "dns/dns_internal.h"

static _Thread_local uint16_t pool[256];
static _Thread_local size_t left;

static bool refill(void)
{
    size_t got = 0;

    while (got < sizeof pool) {
        ssize_t n = getrandom((unsigned char *)pool + got, sizeof pool - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;   /* no kernel randomness: never use guessable IDs */
        got += (size_t)n;
    }
    left = sizeof pool / sizeof pool[0];
    return true;
}

bool dns_random_id(uint16_t *id)
{
    if (left == 0 && !refill())
        return false;
    *id = pool[--left];
    return true;
}

uint32_t dns_random_below(uint32_t n)
{
    uint16_t a, b;

    if (n == 0 || !dns_random_id(&a) || !dns_random_id(&b))
        return 0;
    return (((uint32_t)a << 16) | b) % n;     /* jitter: the bias does not matter */
}
