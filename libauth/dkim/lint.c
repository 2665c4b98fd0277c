/*
 * lint.c - findings about a published DKIM key record (checks.md dkim.*):
 * syntax, revoked, weak RSA size, testing mode, h= without sha256.  Shared
 * by `mailctl dkim record` and the audit.
 */
#include <stdio.h>
#include <string.h>

#include "dkim_int.h"

#define REF "RFC 6376 3.6.1"

enum auth_status dkim_key_lint(const char *selector, const char *domain,
                               const char *txt, size_t len, struct finding_list *out)
{
    struct dkim_key *k;
    char err[160], where[300];
    enum auth_status st;
    unsigned bits;

    snprintf(where, sizeof where, "%s._domainkey.%s", selector, domain);
    if (dkim_key_parse(txt, len, &k, err, sizeof err) != AUTH_OK)
        return finding_addf(out, "dkim.key-syntax", SEV_FAIL, "key record does not parse",
                            NULL, REF, "%s: %s", where, err);
    bits = dkim_key_bits(k);
    if (dkim_key_revoked(k))
        st = finding_addf(out, "dkim.key-revoked", SEV_INFO, "key is revoked (empty p=)",
                          NULL, REF, "%s publishes an empty p=: signatures with this "
                          "selector cannot verify", where);
    else if (dkim_key_type(k) == DKIM_KEY_ED25519)
        st = finding_addf(out, "dkim.key-weak", SEV_PASS, "Ed25519 key", NULL, "RFC 8463",
                          "%s: Ed25519 (note: some verifiers do not support it yet; "
                          "publish an RSA key beside it)", where);
    else if (bits < 1024)
        st = finding_addf(out, "dkim.key-weak", SEV_FAIL, "RSA key under 1024 bits",
                          "mailctl dkim keygen --bits 2048", "RFC 8301 3.2",
                          "%s: %u-bit RSA; verifiers must reject it", where, bits);
    else if (bits < 2048)
        st = finding_addf(out, "dkim.key-weak", SEV_WARN, "RSA key under 2048 bits",
                          "mailctl dkim keygen --bits 2048", "RFC 8301 3.2",
                          "%s: %u-bit RSA; 2048 bits is the recommended size", where, bits);
    else
        st = finding_addf(out, "dkim.key-weak", SEV_PASS, "RSA key size is fine", NULL,
                          "RFC 8301 3.2", "%s: %u-bit RSA", where, bits);
    if (st == AUTH_OK && dkim_key_testing(k))
        st = finding_addf(out, "dkim.key-testing", SEV_WARN, "key is in testing mode (t=y)",
                          NULL, REF, "%s: verifiers may treat failures as passes; remove "
                          "t=y once signing works", where);
    if (st == AUTH_OK && !dkim_key_allows_hash(k, "sha256"))
        st = finding_addf(out, "dkim.key-hash", SEV_FAIL, "key h= excludes sha256", NULL,
                          "RFC 8301 3.1", "%s: rsa-sha256 signatures cannot use this key",
                          where);
    dkim_key_free(k);
    return st;
}
