/*
 * fuzz_authres.c - the Authentication-Results parser on arbitrary bytes, and
 * format -> parse round trips of what it accepted.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct authres *ar = NULL, *back = NULL;
    char err[256], *text = NULL;

    if (authres_parse((const char *)data, size, &ar, err, sizeof err) != AUTH_OK)
        return 0;
    if (authres_format(ar, 1, 1, &text) == AUTH_OK) {
        /* what we print must parse back with the same number of results */
        if (authres_parse(text, strlen(text), &back, err, sizeof err) != AUTH_OK ||
            back->nresults != ar->nresults)
            __builtin_trap();
        authres_free(back);
        free(text);
    }
    authres_free(ar);
    return 0;
}
