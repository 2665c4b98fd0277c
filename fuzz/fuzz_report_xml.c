/* fuzz_report_xml.c - DMARC aggregate report XML (expat) on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct report *r = report_parse_aggregate_xml((const char *)data, size);

    if (r && r->kind == REPORT_AGGREGATE) {
        uint64_t sum = 0;
        for (size_t i = 0; i < r->nrecords; i++)
            sum += r->records[i].count;
        if (sum != r->messages || !r->org_name || !r->report_id || !r->domain)
            __builtin_trap();
    }
    report_free(r);
    return 0;
}
