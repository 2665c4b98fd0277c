/* fuzz_report_arf.c - failure reports (RFC 6591 ARF): MIME split, header
 * fields, dates, original headers. */
#include <stddef.h>
#include <stdint.h>

#include "auth/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct report *r = report_parse_arf((const char *)data, size);

    if (r && r->kind == REPORT_FAILURE && !r->feedback_type)
        __builtin_trap();
    report_free(r);
    return 0;
}
