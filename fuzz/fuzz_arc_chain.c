/*
 * fuzz_arc_chain.c - ARC (RFC 8617) set parsing, chain validation and
 * sealing on an arbitrary message: the header block is parsed, the chain
 * validated (keys from a store holding one RSA key, at
 * k._domainkey.example.org, made on the first run) and, when the newest
 * seal allows it, a new set is sealed over it.  Checks the result's
 * invariants: none/pass/fail only, a reason with every fail, oldest-pass
 * within the chain, at most ARC_MAX_SETS sets.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "auth/message.h"

static EVP_PKEY *key;
static char *record;

static void init(void)
{
    char err[128];

    if (key)
        return;
    if (dkim_keygen(DKIM_KEY_RSA, 1024, &key, err, sizeof err) != AUTH_OK ||
        dkim_record_for_key(key, &record, err, sizeof err) != AUTH_OK)
        __builtin_trap();
}

static void check(const struct arc_verify *v)
{
    enum arc_result r = arc_verify_result(v);
    unsigned n = arc_verify_instances(v);

    if (r != ARC_NONE && r != ARC_PASS && r != ARC_FAIL)
        __builtin_trap();
    if (r == ARC_FAIL && !arc_verify_reason(v))
        __builtin_trap();
    if (r == ARC_PASS && (arc_verify_oldest_pass(v) < 1 || arc_verify_oldest_pass(v) > n))
        __builtin_trap();
    if (arc_verify_count(v) > ARC_MAX_SETS || n > ARC_MAX_SETS)
        __builtin_trap();
    for (size_t i = 0; i < arc_verify_count(v); i++) {
        const struct arc_set_result *s = arc_verify_set(v, i);
        if (r == ARC_PASS && (s->seal != ARC_PASS || s->cv == ARC_FAIL))
            __builtin_trap();
    }
}

static void seal(const struct msg_headers *h, const char *body, size_t len)
{
    struct arc_seal_params p = { .domain = "example.org", .selector = "k", .key = key,
                                 .algorithm = -1, .timestamp = 1, .crlf = true,
                                 .results = "fuzz.example; spf=pass", .cv = ARC_PASS };
    struct arc_seal *s = NULL;
    char err[160], *fields = NULL;

    if (arc_seal_new(&p, h, &s, err, sizeof err) != AUTH_OK)
        return;
    auth_status_ignore(arc_seal_body(s, body, len));   /* final reports it */
    if (arc_seal_final(s, &fields, err, sizeof err) != AUTH_OK || !fields)
        __builtin_trap();
    free(fields);
    arc_seal_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *msg = (const char *)data;
    struct msg_headers *h = NULL;
    struct arc_verify *v = NULL;
    struct dkim_keystore *ks = NULL;
    size_t hl, bo;
    char err[160];

    init();
    if (auth_msg_header_end(msg, size, &hl, &bo) != AUTH_OK)
        hl = bo = size;
    if (auth_msg_headers_parse(msg, hl, NULL, &h, err, sizeof err) != AUTH_OK)
        return 0;
    if (dkim_keystore_new(&ks) == AUTH_OK &&
        dkim_keystore_add(ks, "k", "example.org", record, strlen(record)) == AUTH_OK &&
        arc_verify_new(NULL, h, &v) == AUTH_OK) {
        auth_status_ignore(arc_verify_body(v, msg + bo, size - bo));
        if (arc_verify_final(v, ks) == AUTH_OK)
            check(v);
        if (size < 8192)
            seal(h, msg + bo, size - bo);
    }
    arc_verify_free(v);
    dkim_keystore_free(ks);
    auth_msg_headers_free(h);
    return 0;
}
