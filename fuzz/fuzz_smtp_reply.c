/*
 * fuzz_smtp_reply.c - the SMTP reply parser on arbitrary bytes, fed whole
 * and in the growing prefixes a network read would give, checking that a
 * complete reply never claims more bytes than it was given and that the
 * queue-id reader stays in bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    char err[128];

    /* Consume replies one after the other, as the client does. */
    while (pos < size) {
        struct smtp_reply r;
        size_t used = 0;
        char id[64];

        if (smtp_reply_parse((const char *)data + pos, size - pos, &r, &used, err,
                             sizeof err) != AUTH_OK || used == 0)
            break;
        if (used > size - pos || r.code < 200 || r.code > 559 || !r.text ||
            strlen(r.text) != r.text_len)
            abort();
        smtp_reply_queue_id(&r, id, sizeof id);
        smtp_reply_clear(&r);
        pos += used;
    }
    /* Prefixes: incomplete input must never be reported complete beyond it. */
    for (size_t n = 0; n < size && n < 64; n++) {
        struct smtp_reply r;
        size_t used = 0;
        if (smtp_reply_parse((const char *)data, n, &r, &used, err, sizeof err) == AUTH_OK &&
            used) {
            if (used > n)
                abort();
            smtp_reply_clear(&r);
        }
    }
    return 0;
}
