/*
 * fuzz_address.c - the From-header address extraction on arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct address *a = NULL;
    char err[256];

    if (auth_msg_address_parse_from((const char *)data, size, &a, err, sizeof err) == AUTH_OK) {
        if (strlen(a->domain_ascii) == 0 || !strchr(a->domain_ascii, '.'))
            __builtin_trap();
        auth_msg_address_free(a);
    }
    return 0;
}
