/*
 * auth/export.h - what libauth.so exports: exactly the functions declared
 * in the public headers (libauth/include/auth/, one per module).
 *
 * The library is built with -fvisibility=hidden, so nothing is exported
 * unless marked.  Each public header wraps its declarations in
 * AUTH_API_BEGIN / AUTH_API_END, which marks every function declared there
 * AUTH_EXPORT; a function declared anywhere else stays inside the library.
 * scripts/abi-check.sh holds the built library to it.
 */
#ifndef AUTH_EXPORT_H
#define AUTH_EXPORT_H

#define AUTH_EXPORT     __attribute__((visibility("default")))
#define AUTH_API_BEGIN  _Pragma("GCC visibility push(default)")
#define AUTH_API_END    _Pragma("GCC visibility pop")

#endif
