/*
 * resolv_port_shim.c - LD_PRELOAD shim for the OpenDKIM interop test:
 * libopendkim resolves through glibc's res_ninit()/res_nquery(), which
 * only ever use port 53 of the servers in /etc/resolv.conf.  After the
 * real res_ninit(), this points the resolver at 127.0.0.1:$DKIM_TEST_DNS_PORT
 * (the test NSD).  Built by the test at run time; never installed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>

int __res_ninit(res_state statp);

int __res_ninit(res_state statp)
{
    int (*real)(res_state) = (int (*)(res_state))dlsym(RTLD_NEXT, "__res_ninit");
    const char *port = getenv("DKIM_TEST_DNS_PORT");
    int r = real ? real(statp) : -1;
    long p;

    if (r != 0 || !port)
        return r;
    p = strtol(port, NULL, 10);
    if (p <= 0 || p > 65535)
        return r;
    statp->nscount = 1;
    statp->nsaddr_list[0].sin_family = AF_INET;
    statp->nsaddr_list[0].sin_port = htons((unsigned short)p);
    inet_pton(AF_INET, "127.0.0.1", &statp->nsaddr_list[0].sin_addr);
    statp->retrans = 2;
    statp->retry = 2;
    return r;
}
