/*
 * status.c - names for enum auth_status and the bounded reason formatter,
 * which gives the reason in the user's language when the program asked for
 * it (core/people.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "auth/status.h"
#include "core/people.h"

const char *auth_strerror(enum auth_status st)
{
    switch (st) {
    case AUTH_OK: return "ok";
    case AUTH_ENOMEM: return "out of memory";
    case AUTH_EINVAL: return "invalid argument";
    case AUTH_EPARSE: return "parse error";
    case AUTH_ETIMEOUT: return "timeout";
    case AUTH_ETEMP: return "temporary failure";
    case AUTH_EPERM: return "permanent failure";
    case AUTH_ENOTFOUND: return "not found";
    case AUTH_ELIMIT: return "limit exceeded";
    case AUTH_EIO: return "I/O error";
    case AUTH_ECRYPTO: return "cryptographic failure";
    case AUTH_EEXIST: return "already exists";
    case AUTH_ETLS: return "TLS failure";
    case AUTH_ENET: return "network failure";
    }
    return "unknown status";
}

enum auth_status auth_fail(char *err, size_t errlen, enum auth_status st,
                           const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, TR(fmt), ap);
        va_end(ap);
    }
    return st;
}
