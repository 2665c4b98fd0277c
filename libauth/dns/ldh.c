/*
 * ldh.c - dns_ldh_name_check(): a name a user gives for something that
 * must be a host-style DNS name (a domain to publish or sign for, a DKIM
 * selector): LDH labels only, so nothing that could end a tag (';'),
 * split a record (' ', '"') or leave a directory ('/') gets through.
 */
#include <stdio.h>
#include <string.h>

#include "auth/dns.h"

static bool is_ldh_label(const char *p, size_t n)
{
    if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return false;
    }
    return true;
}

enum auth_status dns_ldh_name_check(const char *what, const char *name, size_t min_labels,
                                    size_t *nlabels, char *err, size_t errlen)
{
    char why[200];
    size_t labels = 0, len;
    const char *p = name;

    if (!name || !*name)
        return auth_fail(err, errlen, AUTH_EINVAL, "%s is missing", what);
    if (dns_name_check(name, why, sizeof why) != AUTH_OK)
        return auth_fail(err, errlen, AUTH_EINVAL, "%s '%.80s': %s", what, name, why);
    len = strlen(name);
    if (name[len - 1] == '.')
        len--;
    while (p < name + len) {
        size_t n = strcspn(p, ".");
        if (p + n > name + len)
            n = (size_t)(name + len - p);
        if (!is_ldh_label(p, n))
            return auth_fail(err, errlen, AUTH_EINVAL, "%s '%.80s': label '%.*s' is not "
                             "letters, digits and inner hyphens",
                             what, name, (int)(n > 63 ? 63 : n), p);
        labels++;
        p += n + 1;
    }
    if (labels < min_labels)
        return auth_fail(err, errlen, AUTH_EINVAL, "%s '%.80s': not a name under a "
                         "top-level domain", what, name);
    if (nlabels)
        *nlabels = labels;
    return AUTH_OK;
}
