/*
 * resolv.c - the nameservers of /etc/resolv.conf ("nameserver ADDR" lines;
 * a "%scope" suffix on link-local IPv6 is dropped; everything else in the
 * file is ignored).  Port 53.
 */
#include <stdio.h>
#include <string.h>

#include "dns/dns_internal.h"

size_t dns_resolv_conf_read(const char *path, struct sockaddr_storage *out,
                            size_t max)
{
    FILE *fp = fopen(path ? path : "/etc/resolv.conf", "re");
    char line[512];
    size_t n = 0;

    if (!fp)
        return 0;
    while (n < max && fgets(line, sizeof line, fp)) {
        char *p = line, *addr, *end;
        char err[128];

        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "nameserver", 10) != 0 || (p[10] != ' ' && p[10] != '\t'))
            continue;
        addr = p + 10;
        while (*addr == ' ' || *addr == '\t')
            addr++;
        end = addr;
        while (*end && *end != ' ' && *end != '\t' && *end != '\n' &&
               *end != '\r' && *end != '%' && *end != '#' && *end != ';')
            end++;
        *end = '\0';
        /* a bare address: bracket IPv6 so a ':' is never read as a port */
        if (strchr(addr, ':')) {
            char b[80];
            snprintf(b, sizeof b, "[%s]", addr);
            if (dns_server_parse(b, &out[n], err, sizeof err) == AUTH_OK)
                n++;
        } else if (dns_server_parse(addr, &out[n], err, sizeof err) == AUTH_OK) {
            n++;
        }
    }
    fclose(fp);
    return n;
}
