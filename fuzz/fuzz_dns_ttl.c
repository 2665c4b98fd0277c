/*
 * fuzz_dns_ttl.c - libFuzzer target for dns_answer_ttl(), the shared answer
 * cache's quick walk over an untrusted wire message (the TTL to keep it
 * for), and for the cache keeping and serving that message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_answer_cache_params p = { .max_entries = 64, .max_bytes = 1 << 16 };
    struct dns_answer_cache *c = NULL;
    struct dns_layer_answer a = {0};
    struct dns_layer l;
    uint32_t ttl = dns_answer_ttl(data, size, 86400, 3600);

    if (ttl > 86400)
        abort();                       /* never past the cap */
    if (dns_answer_cache_new(&p, &c) != AUTH_OK)
        return 0;
    l = dns_answer_cache_layer(c);
    if (l.ops->ask(l.self, "fuzz.example", DNS_T_A, &a) != DNS_LAYER_CLAIM)
        abort();                       /* an empty cache has nothing */
    l.ops->heard(l.self, "fuzz.example", DNS_T_A, DNS_DATA, data, size, false, NULL);
    memset(&a, 0, sizeof a);
    if (l.ops->ask(l.self, "fuzz.example", DNS_T_A, &a) == DNS_LAYER_ANSWER) {
        if (a.len != size || memcmp(a.wire, data, size))
            abort();                   /* what is served is what was heard */
        free(a.wire);
    } else if (ttl && size + 256 < (1 << 16)) {
        abort();                       /* a message with a TTL that fits is kept */
    }
    dns_answer_cache_free(c);
    return 0;
}
