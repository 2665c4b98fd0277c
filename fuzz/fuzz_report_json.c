/* fuzz_report_json.c - TLS-RPT JSON (jansson behind our depth bound). */
#include <stddef.h>
#include <stdint.h>

#include "auth/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct report *r = report_parse_tlsrpt_json((const char *)data, size);

    if (r && r->kind == REPORT_TLSRPT && (!r->org_name || !r->report_id))
        __builtin_trap();
    report_free(r);
    return 0;
}
