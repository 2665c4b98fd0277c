/*
 * setup_int.h - what the files of libauth/setup share.
 */
#ifndef AUTH_SETUP_INT_H
#define AUTH_SETUP_INT_H

#include <sys/socket.h>

#include "auth/ipaddr.h"
#include "auth/setup.h"

/* Parse and judge one address argument (what names it in err). */
AUTH_MUST_USE
enum auth_status setup_ip_check(const char *what, const char *text, struct auth_ip *out,
                                char *err, size_t errlen);
/* The report address without "mailto:", checked, into addr. */
AUTH_MUST_USE
enum auth_status setup_rua_address(const char *rua, char *addr, size_t len,
                                   char *err, size_t errlen);

#endif
