/*
 * fuzz_dmarc_record.c - the DMARC record parser on arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dmarc_record *r = NULL;
    char err[256];

    (void)dmarc_is_record((const char *)data, size);
    if (dmarc_record_parse((const char *)data, size, &r, err, sizeof err) == AUTH_OK) {
        /* every string must be terminated and printable */
        for (size_t i = 0; i < r->ntags; i++)
            (void)strlen(r->tags[i].value);
        for (size_t i = 0; i < r->nproblems; i++)
            (void)strlen(r->problems[i].message);
        dmarc_record_free(r);
    }
    return 0;
}
