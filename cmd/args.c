/*
 * args.c - a host argument: an address (also "[::1]") or a host name,
 * so that `ports '[::1]'` probes an address instead of looking the
 * bracketed text up as a name.
 */
#include <string.h>

#include "auth/ipaddr.h"
#include "cmd.h"

int cmd_host_arg(const char *what, const char *arg, char *out, size_t outlen)
{
    size_t n = strlen(arg);
    struct auth_ip ip;

    if (n > 2 && arg[0] == '[' && arg[n - 1] == ']' && n - 2 < outlen) {
        memcpy(out, arg + 1, n - 2);           /* "[::1]": an address in brackets */
        out[n - 2] = '\0';
        if (auth_ip_parse(out, &ip) == AUTH_OK)
            return EXIT_OK;
    }
    if (auth_ip_parse(arg, &ip) == AUTH_OK) {
        if (n >= outlen)
            return cmd_error(EXIT_USAGE, "bad %s: too long", what);
        memcpy(out, arg, n + 1);
        return EXIT_OK;
    }
    return cmd_domain_arg(what, arg, out, outlen);    /* a name, as an A-label */
}
