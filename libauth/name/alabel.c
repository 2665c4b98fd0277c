/*
 * alabel.c - domain names to A-labels and back (libidn2), the one place
 * libauth converts names; see auth/name.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "auth/name.h"
#include "core/people.h"

#define MAX_LABEL 63
#define MAX_NAME 253
#define MAX_INPUT 1024   /* U-labels take more octets than their A-labels */

static bool is_ldh_or_underscore(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Lengths and characters of a lower-case ASCII name. */
static enum auth_status check_ascii(const char *s, char *err, size_t errlen)
{
    size_t len = strlen(s), label = 0, nlabel = 1;

    if (len > MAX_NAME)
        return auth_fail(err, errlen, AUTH_EINVAL, "%zu octets, over %d", len, MAX_NAME);
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '.' || c == '\0') {
            if (label == 0)
                return auth_fail(err, errlen, AUTH_EINVAL, "empty label");
            if (label > MAX_LABEL)
                return auth_fail(err, errlen, AUTH_EINVAL, "label %zu is %zu octets, over %d",
                                 nlabel, label, MAX_LABEL);
            label = 0;
            nlabel++;
            continue;
        }
        if (!is_ldh_or_underscore(c))
            return auth_fail(err, errlen, AUTH_EINVAL,
                             c < 0x20 || c == 0x7f ? "control character 0x%02x"
                                                   : N_("character '%c' not allowed"), c);
        label++;
    }
    return AUTH_OK;
}

/* An "xn--" label that does not decode is no name at all (and the DNS
 * would never hold what the user meant). */
static enum auth_status check_alabels(const char *s, char *err, size_t errlen)
{
    char *u = NULL;
    int rc;

    if (strncmp(s, "xn--", 4) != 0 && !strstr(s, ".xn--"))
        return AUTH_OK;
    rc = idn2_to_unicode_8z8z(s, &u, 0);
    idn2_free(u);
    if (rc == IDN2_MALLOC)
        return AUTH_ENOMEM;
    if (rc != IDN2_OK)
        return auth_fail(err, errlen, AUTH_EINVAL, "bad A-label (%s)", idn2_strerror(rc));
    return AUTH_OK;
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s | 0x20);
}

enum auth_status auth_name_to_alabel(const char *name, char *out, size_t outlen,
                                     char *err, size_t errlen)
{
    size_t len = name ? strlen(name) : 0;
    char in[MAX_INPUT + 1], *alabel = NULL;
    enum auth_status st;
    bool ascii = true;

    if (len && name[len - 1] == '.')
        len--;
    if (len == 0)
        return auth_fail(err, errlen, AUTH_EINVAL, name && *name ? "the root is not a domain"
                                                                 : N_("empty name"));
    if (len > MAX_INPUT)
        return auth_fail(err, errlen, AUTH_EINVAL, "%zu octets, too long", len);
    memcpy(in, name, len);
    in[len] = '\0';
    for (size_t i = 0; i < len; i++)
        ascii = ascii && (unsigned char)in[i] < 0x80;
    if (!ascii) {
        int rc = idn2_to_ascii_8z(in, &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);

        if (rc == IDN2_MALLOC)
            return AUTH_ENOMEM;
        if (rc != IDN2_OK) {
            idn2_free(alabel);
            return auth_fail(err, errlen, AUTH_EINVAL, "not a valid internationalised name (%s)",
                             idn2_strerror(rc));
        }
        len = strlen(alabel);
        if (len > MAX_INPUT) {
            idn2_free(alabel);
            return auth_fail(err, errlen, AUTH_EINVAL, "too long");
        }
        memcpy(in, alabel, len + 1);
        idn2_free(alabel);
    }
    lower_ascii(in);
    if ((st = check_ascii(in, err, errlen)) != AUTH_OK ||
        (st = check_alabels(in, err, errlen)) != AUTH_OK)
        return st;
    if (len + 1 > outlen)
        return auth_fail(err, errlen, AUTH_EINVAL, "too long");
    memcpy(out, in, len + 1);
    return AUTH_OK;
}

enum auth_status auth_selector_to_alabel(const char *selector, char *out, size_t outlen,
                                         char *err, size_t errlen)
{
    enum auth_status st;

    if (selector && *selector && selector[strlen(selector) - 1] == '.')
        return auth_fail(err, errlen, AUTH_EINVAL, "a selector has no trailing dot");
    st = auth_name_to_alabel(selector, out, outlen, err, errlen);
    if (st != AUTH_OK)
        return st;
    if (strchr(out, '_'))
        return auth_fail(err, errlen, AUTH_EINVAL, "character '_' not allowed in a selector");
    if (strlen(out) > MAX_NAME - 12)
        return auth_fail(err, errlen, AUTH_EINVAL, "%zu octets: no room for ._domainkey and "
                         "a domain", strlen(out));
    return AUTH_OK;
}

bool auth_name_is_idn(const char *alabel)
{
    return alabel && (strncasecmp(alabel, "xn--", 4) == 0 || strcasestr(alabel, ".xn--"));
}

bool auth_name_to_ulabel(const char *alabel, char *out, size_t outlen)
{
    char *u = NULL;
    bool ok;

    if (!auth_name_is_idn(alabel))
        return false;
    ok = idn2_to_unicode_8z8z(alabel, &u, 0) == IDN2_OK && u && strlen(u) < outlen;
    if (ok)
        memcpy(out, u, strlen(u) + 1);
    idn2_free(u);
    return ok;
}
