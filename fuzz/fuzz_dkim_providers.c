/*
 * fuzz_dkim_providers.c - the mail provider recognised from MX host names
 * and an SPF record (checks/dkim_providers.c: the label matcher and the
 * include:/redirect= scan) on arbitrary bytes: MX names one per line, then
 * a NUL, then the SPF text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../checks/dkim_providers.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 2), *spf = NULL, *save = NULL;
    const char *hosts[16], *sel[64];
    const struct dkim_provider *p[DKIM_PROVIDERS_MAX];
    char names[160];
    size_t nh = 0, n, ns;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = '\0';
    if (strlen(buf) < size)
        spf = buf + strlen(buf) + 1;
    for (char *t = strtok_r(buf, "\n", &save); t && nh < 16; t = strtok_r(NULL, "\n", &save))
        hosts[nh++] = t;
    n = dkim_providers_match(hosts, nh, spf, p, DKIM_PROVIDERS_MAX);
    if (n > DKIM_PROVIDERS_MAX)
        __builtin_trap();
    ns = dkim_providers_selectors(p, n, sel, 64);
    for (size_t i = 0; i < ns; i++)
        for (size_t k = i + 1; k < ns; k++)
            if (!strcmp(sel[i], sel[k]))
                __builtin_trap();              /* each selector once */
    dkim_providers_names(p, n, names, sizeof names);
    if (strlen(names) >= sizeof names)
        __builtin_trap();
    free(buf);
    return 0;
}
