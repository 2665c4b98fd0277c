/* fuzz_message_header.c - header block split and parse on arbitrary bytes,
 * then DKIM verification setup of whatever signatures it holds. */
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"
#include "auth/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct msg_headers *h;
    struct msg_parse_params p = { .max_fields = 500 };
    size_t hl = size, bo = size;
    char err[128];

    if (auth_msg_header_end(buf, size, &hl, &bo) != AUTH_OK)
        hl = bo = size;
    if (auth_msg_headers_parse(buf, hl, &p, &h, err, sizeof err) != AUTH_OK)
        return 0;
    for (size_t i = 0; i < auth_msg_headers_count(h); i++) {
        size_t vl;
        const struct msg_header *f = auth_msg_headers_get(h, i);
        (void)auth_msg_header_value(f, &vl);
        if (f->raw + f->raw_len > buf + hl)
            __builtin_trap();
    }
    {
        struct dkim_verify *v;
        struct dkim_keystore *ks;
        if (dkim_keystore_new(&ks) == AUTH_OK) {
            if (dkim_verify_new(NULL, h, &v) == AUTH_OK) {
                /* a verdict of any kind will do: the parsing is what is fuzzed */
                auth_status_ignore(dkim_verify_body(v, buf + bo, size - bo));
                auth_status_ignore(dkim_verify_final(v, ks));
                (void)dkim_verify_overall(v);
                dkim_verify_free(v);
            }
            dkim_keystore_free(ks);
        }
    }
    auth_msg_headers_free(h);
    return 0;
}
