/*
 * bulk_set.c - the domains of a run already seen or already done, as
 * 16-octet keys (SHA-256 prefixes) in an open-addressing table: 16 octets a
 * domain whatever its length, so a list of a million names costs about
 * 32 MB at most here and nothing else is kept per domain.
 */
#include <stdlib.h>
#include <string.h>

#include "bulk.h"

static bool key_empty(const struct domain_key *k)
{
    static const struct domain_key zero;
    return memcmp(k, &zero, sizeof zero) == 0;
}

/* The all-zero key marks a free slot; a real key of zeros (probability
 * 2^-128, or a digest failure) is stored as ...01 instead. */
static struct domain_key stored_form(const struct domain_key *k)
{
    struct domain_key s = *k;

    if (key_empty(&s))
        s.b[15] = 1;
    return s;
}

static size_t slot_of(const struct domain_set *s, const struct domain_key *k)
{
    size_t h = 0;

    memcpy(&h, k->b + 8, sizeof h);           /* already uniform: a digest */
    for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
        if (key_empty(&s->slots[i]) || !memcmp(&s->slots[i], k, sizeof *k))
            return i;
}

static int grow(struct domain_set *s)
{
    struct domain_set bigger = { .cap = s->cap ? s->cap * 2 : 1024 };

    if (!(bigger.slots = calloc(bigger.cap, sizeof *bigger.slots)))
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (!key_empty(&s->slots[i]))
            bigger.slots[slot_of(&bigger, &s->slots[i])] = s->slots[i];
    bigger.count = s->count;
    free(s->slots);
    *s = bigger;
    return 0;
}

int domain_set_add(struct domain_set *s, const struct domain_key *key)
{
    struct domain_key k = stored_form(key);
    size_t i;

    if ((s->count + 1) * 4 > s->cap * 3 && grow(s) < 0)
        return -1;
    i = slot_of(s, &k);
    if (!key_empty(&s->slots[i]))
        return 0;
    s->slots[i] = k;
    s->count++;
    return 1;
}

bool domain_set_has(const struct domain_set *s, const struct domain_key *key)
{
    struct domain_key k = stored_form(key);

    return s->cap && !key_empty(&s->slots[slot_of(s, &k)]);
}

void domain_set_free(struct domain_set *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}
