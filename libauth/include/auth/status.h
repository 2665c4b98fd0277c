/*
 * auth/status.h - the one status code every libauth call returns.
 *
 * AUTH_OK is 0.  Codes are never renumbered: callers may store them.
 * Temporary and permanent failures are distinct codes because SPF and DMARC
 * must map them to temperror and permerror respectively.
 * Functions that can fail also take a caller-supplied buffer (err, errlen)
 * that receives a one-line human reason; it is always NUL-terminated when
 * errlen > 0, and untouched on AUTH_OK unless documented otherwise.
 */
#ifndef AUTH_STATUS_H
#define AUTH_STATUS_H

#include <stddef.h>

/* Every function returning enum auth_status carries this: a status nobody
 * looks at is how an internal error turns into a wrong verdict.  gcc does
 * not accept a (void) cast as a use, so a deliberate ignore goes through
 * auth_status_ignore() with a comment saying why. */
#define AUTH_MUST_USE __attribute__((warn_unused_result))

enum auth_status {
    AUTH_OK = 0,
    AUTH_ENOMEM = 1,     /* allocation failed */
    AUTH_EINVAL = 2,     /* bad argument or bad input from the user */
    AUTH_EPARSE = 3,     /* input does not parse (permanent) */
    AUTH_ETIMEOUT = 4,   /* no answer in time (temporary) */
    AUTH_ETEMP = 5,      /* other temporary failure: SERVFAIL, connection reset, 4xx */
    AUTH_EPERM = 6,      /* permanent failure: refused, 5xx, policy */
    AUTH_ENOTFOUND = 7,  /* the thing asked for does not exist */
    AUTH_ELIMIT = 8,     /* a size, count or recursion bound was exceeded */
    AUTH_EIO = 9,        /* local I/O or system call failure */
    AUTH_ECRYPTO = 10,   /* cryptographic library failure */
    AUTH_EEXIST = 11,    /* refusing to overwrite */
    AUTH_ETLS = 12,      /* TLS handshake or verification failure */
    AUTH_ENET = 13,      /* network unreachable, connection refused */
};

/* Short fixed English name of a status, e.g. "timeout".  Never NULL. */
const char *auth_strerror(enum auth_status st);

/* Deliberately drop a status (say why at the call). */
static inline void auth_status_ignore(enum auth_status st)
{
    (void)st;
}

/* Format a reason into err (bounded, always terminated) and return st. */
AUTH_MUST_USE
enum auth_status auth_fail(char *err, size_t errlen, enum auth_status st,
                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
