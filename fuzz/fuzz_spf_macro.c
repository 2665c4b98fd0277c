/*
 * fuzz_spf_macro.c - the SPF macro expander on arbitrary specs: the first
 * input byte picks the mode (domain-spec, explanation, domain expansion with
 * truncation) and the output size, so buffer edges are exercised; the rest
 * is the spec.  Output must stay NUL-terminated inside the buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *ptr_name(void *arg)
{
    (void)arg;
    return "mail.example.org";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct spf_macro_env env = {
        .sender = "first.last-x+y@sub.example.com", .local = "first.last-x+y",
        .sender_domain = "sub.example.com", .domain = "a.b.c.d.example.com",
        .helo = "mx.example.org", .timestamp = 1700000000, .ptr_name = ptr_name,
    };
    char err[256], *out;
    size_t outlen, n = 0;
    unsigned mode;

    if (size < 1)
        return 0;
    mode = data[0];
    data++;
    size--;
    if (auth_ip_parse(mode & 0x80 ? "2001:db8::cb01" : "192.0.2.3", &env.ip) != AUTH_OK)
        abort();
    outlen = (mode & 3) == 3 ? SPF_MAX_MACRO_OUT : 1 + (size_t)(mode >> 2) % 64;
    out = malloc(outlen);
    if (!out)
        return 0;
    if ((mode & 3) == 2) {
        char *spec = malloc(size + 1);
        if (spec) {
            memcpy(spec, data, size);
            spec[size] = '\0';
            if (spf_macro_expand_domain(spec, &env, out, outlen, err, sizeof err) == AUTH_OK &&
                strlen(out) >= outlen)
                __builtin_trap();
            free(spec);
        }
    } else {
        (void)spf_macro_check((const char *)data, size, mode & 1, err, sizeof err);
        (void)spf_domain_spec_check((const char *)data, size, err, sizeof err);
        /* a failed expansion must still leave out and n consistent */
        auth_status_ignore(spf_macro_expand((const char *)data, size, &env, mode & 1, out,
                                            outlen, &n, err, sizeof err));
        if (n >= outlen || strlen(out) != n)
            __builtin_trap();
    }
    free(out);
    return 0;
}
