/*
 * fuzz_imap_response.c - the IMAP response parser on arbitrary bytes, fed
 * whole (responses one after the other, as the client consumes them) and as
 * the growing prefixes a network read gives, with a small literal cap so the
 * bound is hit too; walks every parsed item tree checking its links.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/imap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct imap_item *it, int depth)
{
    size_t n = 0;

    if (depth > IMAP_MAX_DEPTH + 1)
        abort();
    for (; it; it = it->next) {
        size_t kids = 0;
        n++;
        if (!it->data || (it->type != IMAP_ITEM_LITERAL && strlen(it->data) > it->len))
            abort();
        for (const struct imap_item *k = it->child; k; k = k->next)
            kids++;
        if (kids != it->nchildren)
            abort();
        n += walk(it->child, depth + 1);
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    size_t pos = 0;
    char err[256];

    while (pos < size) {
        struct imap_response r;
        size_t used = 0;
        if (imap_response_parse(buf + pos, size - pos, 4096, &r, &used, err, sizeof err) !=
                AUTH_OK || used == 0)
            break;
        if (used > size - pos || !r.text || walk(r.items, 0) > r.nitems)
            abort();
        imap_response_clear(&r);
        pos += used;
    }
    for (size_t n = 0; n < size && n < 48; n++) {
        struct imap_response r;
        size_t used = 0;
        if (imap_response_parse(buf, n, 0, &r, &used, err, sizeof err) == AUTH_OK && used) {
            if (used > n)
                abort();
            imap_response_clear(&r);
        }
    }
    return 0;
}
