/* fuzz_report_input.c - report_parse on arbitrary bytes: shape detection,
 * gzip, zip, MIME, mbox, then the parsers, with small limits so bombs stay
 * cheap. */
#include <stddef.h>
#include <stdint.h>

#include "auth/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct report_limits lim = { .max_bytes = 4u << 20, .max_nesting = 4 };
    struct report_list *l = NULL;

    if (report_parse(data, size, &lim, &l) != AUTH_OK)
        return 0;
    if (l->n == 0)
        __builtin_trap();
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i]->kind == REPORT_NONE && !l->items[i]->error)
            __builtin_trap();
    report_list_free(l);
    return 0;
}
