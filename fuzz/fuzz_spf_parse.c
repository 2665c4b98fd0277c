/*
 * fuzz_spf_parse.c - the SPF record parser on arbitrary bytes, then the
 * domain-spec checker on each term's target, and a walk over every term.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct spf_record *rec = NULL;
    char err[256];
    size_t pos = 0;

    (void)spf_is_record(data, size);
    if (spf_record_parse((const char *)data, size, &rec, &pos, err, sizeof err) != AUTH_OK) {
        if (pos > size)
            __builtin_trap();
        return 0;
    }
    for (size_t i = 0; i < spf_record_count(rec); i++) {
        const struct spf_term *t = spf_record_term(rec, i);
        if (t->pos + t->len > size || strlen(t->text) != t->len)
            __builtin_trap();
        if (t->domain_spec)
            (void)spf_domain_spec_check(t->domain_spec, strlen(t->domain_spec), err, sizeof err);
    }
    (void)spf_record_redirect(rec);
    (void)spf_record_exp(rec);
    spf_record_free(rec);
    return 0;
}
