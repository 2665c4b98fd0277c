/* fuzz_dkim_tags.c - the RFC 6376 tag-list parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dkim_tags t;
    char err[128];

    if (dkim_tags_parse((const char *)data, size, &t, err, sizeof err) == AUTH_OK) {
        for (size_t i = 0; i < t.count; i++) {
            const struct dkim_tag *g = &t.tag[i];
            if (g->raw_value_off > g->raw_value_end || g->raw_value_end > size ||
                g->value < (const char *)data || g->value + g->value_len > (const char *)data + size)
                __builtin_trap();
        }
        (void)dkim_tags_get(&t, "b");
    }
    return 0;
}
