/* fuzz_dkim_key.c - the DKIM key-record parser and linter on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dkim_key *k = NULL;
    struct dkim_key_problems pl = {0};
    char err[160];

    if (dkim_key_parse((const char *)data, size, &k, err, sizeof err) == AUTH_OK) {
        (void)dkim_key_bits(k);
        (void)dkim_key_allows_hash(k, "sha256");
        (void)dkim_key_allows_email(k);
        dkim_key_free(k);
    }
    /* out of memory is no finding of the fuzzer's: the list is freed either way */
    auth_status_ignore(dkim_key_lint((const char *)data, size, &pl));
    dkim_key_problems_clear(&pl);
    return 0;
}
