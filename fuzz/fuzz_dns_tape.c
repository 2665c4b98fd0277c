/*
 * fuzz_dns_tape.c - the DNS tape loader (--dns-replay FILE reads a file the
 * user hands over) and a replay through the engine's answer parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "auth/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char magic[] = "# mailctl dns tape 1\n";
    char path[64], err[256];
    struct dns_tape *t = NULL;
    int fd = memfd_create("tape", 0);

    if (fd < 0)
        return 0;
    if (write(fd, magic, sizeof magic - 1) == (ssize_t)(sizeof magic - 1) &&
        write(fd, data, size) == (ssize_t)size) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        if (dns_tape_open(path, DNS_TAPE_REPLAY, &t, err, sizeof err) == AUTH_OK) {
            struct dns_engine_params p = { .tape = t, .timeout_ms = 10, .attempts = 1 };
            struct dns_engine *eng = NULL;
            const struct dns_result *r;
            if (dns_engine_new(&p, &eng, err, sizeof err) == AUTH_OK) {
                /* any answer will do: the replay is what is fuzzed */
                auth_status_ignore(dns_query(eng, "example.com", DNS_T_TXT, &r));
                auth_status_ignore(dns_query(eng, "example.com", DNS_T_MX, &r));
                dns_engine_free(eng);
            }
            auth_status_ignore(dns_tape_close(t, err, sizeof err));
        }
    }
    close(fd);
    return 0;
}
