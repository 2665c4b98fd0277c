/*
 * zone.c - setup_record_zone_text(): one record as a master-file line
 * (RFC 1035 5.1): absolute owner name, TTL, class, type, and the data with
 * TXT split into quoted character-strings of at most 255 octets each.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/setup.h"

#define TXT_CHUNK 255        /* one <character-string> (RFC 1035 3.3) */

/* A buffer whose size is fixed at creation; appends past it set failed. */
struct zbuf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void put(struct zbuf *b, const char *s, size_t n)
{
    if (b->failed || n >= b->cap - b->len) {
        b->failed = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(struct zbuf *b, const char *s) { put(b, s, strlen(s)); }

static void put_uint(struct zbuf *b, unsigned v)
{
    char d[12];
    size_t i = sizeof d;

    do
        d[--i] = (char)('0' + v % 10);
    while ((v /= 10) && i > 0);
    put(b, d + i, sizeof d - i);
}

/* "a" "b": each string at most TXT_CHUNK octets of the value, escaped. */
static void put_txt(struct zbuf *b, const char *v)
{
    size_t len = strlen(v);

    if (!len)
        puts_(b, "\"\"");
    for (size_t i = 0; i < len; i += TXT_CHUNK) {
        size_t end = len - i > TXT_CHUNK ? i + TXT_CHUNK : len;
        if (i)
            puts_(b, " ");
        puts_(b, "\"");
        for (size_t j = i; j < end; j++) {
            if (v[j] == '"' || v[j] == '\\')
                puts_(b, "\\");
            put(b, v + j, 1);
        }
        puts_(b, "\"");
    }
}

/* A host name in data: absolute. */
static void put_host(struct zbuf *b, const char *h)
{
    puts_(b, h);
    if (!*h || h[strlen(h) - 1] != '.')
        puts_(b, ".");
}

char *setup_record_zone_text(const struct setup_record *r)
{
    size_t vlen = strlen(r->value);
    struct zbuf b = { .cap = strlen(r->name) + 2 * vlen + 4 * (vlen / TXT_CHUNK + 1) + 64 };
    const char *sp;

    if (!(b.p = malloc(b.cap)))
        return NULL;
    b.p[0] = '\0';
    put_host(&b, r->name);
    puts_(&b, "\t");
    put_uint(&b, r->ttl);
    puts_(&b, "\tIN\t");
    puts_(&b, r->type);
    puts_(&b, "\t");
    if (!strcmp(r->type, "TXT")) {
        put_txt(&b, r->value);
    } else if (!strcmp(r->type, "MX") && (sp = strchr(r->value, ' '))) {
        put(&b, r->value, (size_t)(sp - r->value) + 1);
        put_host(&b, sp + 1);
    } else if (!strcmp(r->type, "CNAME") || !strcmp(r->type, "PTR")) {
        put_host(&b, r->value);
    } else {
        puts_(&b, r->value);
    }
    puts_(&b, "\n");
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
