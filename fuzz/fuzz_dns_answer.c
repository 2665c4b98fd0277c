/*
 * fuzz_dns_answer.c - libFuzzer target for dns_answer_parse(), the function
 * that turns untrusted wire bytes into a typed DNS result.
 *
 * The first 3 input bytes choose the question (type from a short list, the
 * CNAME bound); the rest is the message.  The message's own ID is used as
 * the question's, and its question name when it has a readable one, so the
 * fuzzer reaches the answer-typing code rather than stopping at "stray".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dns/dns_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t types[] = {
    DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_TXT, DNS_T_PTR, DNS_T_CNAME,
    DNS_T_NS, DNS_T_TLSA, DNS_T_SPF, DNS_T_CAA, DNS_T_SOA, DNS_T_DS,
};

/* The message's first question name in presentation form, when it is made
 * of plain labels (no pointers) that fit; else "fuzz.example". */
static void first_qname(const uint8_t *msg, size_t len, char *out, size_t outlen)
{
    size_t pos = 12, o = 0;

    snprintf(out, outlen, "fuzz.example");
    while (pos < len && msg[pos] != 0) {
        size_t l = msg[pos];
        if (l > 63 || pos + 1 + l > len || o + l + 2 > outlen)
            return;
        for (size_t i = 0; i < l; i++) {
            char c = (char)msg[pos + 1 + i];
            if (c <= ' ' || c == '.' || c == '\\' || c > '~')
                return;
        }
        memcpy(out + o, msg + pos + 1, l);
        o += l;
        out[o++] = '.';
        pos += 1 + l;
    }
    if (o > 1)
        out[o - 1] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char qname[DNS_MAX_NAME + 2], follow[DNS_MAX_NAME + 2];
    struct dns_wire_question q;
    struct dns_result *res;

    if (size < 3 + 12)
        return 0;
    q.type = types[data[0] % (sizeof types / sizeof types[0])];
    q.max_cname = data[1] % 40;
    data += 3;
    size -= 3;
    first_qname(data, size, qname, sizeof qname);
    q.name = qname;
    q.id = (uint16_t)(data[0] << 8 | data[1]);
    res = dns_result_new(qname, q.type);
    if (!res)
        return 0;
    /* twice on one result, as the engine does after a CNAME re-query */
    if (dns_answer_parse(data, size, &q, res, follow, sizeof follow) == DNS_WIRE_FOLLOW) {
        q.name = follow;
        dns_answer_parse(data, size, &q, res, follow, sizeof follow);
    }
    for (size_t i = 0; i < dns_result_count(res); i++) {
        const struct dns_rr *rr = dns_result_rr(res, i);
        if (rr->type == DNS_T_TXT && rr->u.txt.data[rr->u.txt.len] != '\0')
            __builtin_trap();
    }
    (void)dns_result_owner(res);
    dns_result_free(res);
    return 0;
}
