/*
 * fuzz_mtasts_policy.c - the MTA-STS policy parser, the MTA-STS and TLS-RPT
 * record parsers, the BIMI record parser and MX pattern matching on
 * arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/bimi.h"
#include "auth/mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mtasts_policy pol;
    struct mtasts_record rec;
    struct tlsrpt_record rpt;
    struct bimi_record bimi;
    char err[256];
    const char *s = (const char *)data;

    if (mtasts_policy_parse(s, size, &pol, err, sizeof err) == AUTH_OK)
        for (size_t i = 0; i < pol.nmx; i++)
            (void)mtasts_mx_match(pol.mx[i], "mail.example.com");
    mtasts_policy_clear(&pol);
    (void)mtasts_record_parse(s, size, &rec, err, sizeof err);
    (void)tlsrpt_record_parse(s, size, &rpt, err, sizeof err);
    (void)bimi_record_parse(s, size, &bimi, err, sizeof err);
    return 0;
}
