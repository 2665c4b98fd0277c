/*
 * dns-relay.c - a UDP DNS relay for tests and benchmarks that adds a fixed
 * delay to every answer and can drop chosen questions:
 *
 *     dns-relay --upstream 127.0.0.1:PORT [--delay-ms N] [--drop NAME]... [--log FILE]
 *
 * Binds 127.0.0.1 on a free port and prints the port alone on the first
 * line of stdout.  Every query is forwarded to the upstream (on its own
 * connected socket) once it has waited N ms; a query whose name (case
 * folded, no trailing dot) equals a --drop NAME is never answered, which is
 * a resolver timing out on exactly that question.  --log FILE appends
 * "NAME TYPE[+cd]" for every question received.  Runs until killed or its
 * stdin reaches EOF.  Loopback only.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth/dns.h"

#define MAX_PENDING 4096
#define MAX_DROP 16

struct pending {
    bool used, sent;
    int fd;                          /* upstream socket once sent */
    uint64_t due;                    /* when to forward */
    struct sockaddr_storage client;
    socklen_t clen;
    uint8_t q[4096];
    size_t qlen;
};

static struct pending pend[MAX_PENDING];
static const char *drops[MAX_DROP];
static size_t ndrop;
static FILE *logfp;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The question name of a query in presentation form (no trailing dot). */
static bool qname_of(const uint8_t *m, size_t len, char *out, size_t outlen)
{
    size_t p = 12, o = 0;

    if (len < 17)
        return false;
    while (p < len && m[p]) {
        size_t l = m[p++];
        if (l > 63 || p + l > len || o + l + 2 > outlen)
            return false;
        if (o)
            out[o++] = '.';
        for (size_t i = 0; i < l; i++)
            out[o++] = (char)tolower(m[p + i]);
        p += l;
    }
    out[o] = '\0';
    return p < len;
}

/* One line per question: name, type (from after the name), CD flag. */
static void log_question(const uint8_t *q, size_t len)
{
    char name[300];
    size_t p = 12;

    if (!logfp || !qname_of(q, len, name, sizeof name))
        return;
    while (p < len && q[p])
        p += (size_t)q[p] + 1;
    if (p + 3 > len)
        return;
    fprintf(logfp, "%s %u%s\n", name[0] ? name : ".", (unsigned)(q[p + 1] << 8 | q[p + 2]),
            (q[3] & 0x10) ? "+cd" : "");
    fflush(logfp);
}

static bool dropped(const uint8_t *q, size_t len)
{
    char name[300];

    if (!qname_of(q, len, name, sizeof name))
        return false;
    for (size_t i = 0; i < ndrop; i++)
        if (!strcasecmp(name, drops[i]))
            return true;
    return false;
}

static void accept_query(int lfd, unsigned delay)
{
    struct pending *p = NULL;

    for (size_t i = 0; i < MAX_PENDING && !p; i++)
        if (!pend[i].used)
            p = &pend[i];
    uint8_t buf[4096];
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ssize_t n = recvfrom(lfd, buf, sizeof buf, 0, (struct sockaddr *)&ss, &sl);
    if (n >= 12)
        log_question(buf, (size_t)n);
    if (n < 12 || !p || dropped(buf, (size_t)n))
        return;
    memset(p, 0, sizeof *p);
    p->used = true;
    p->fd = -1;
    p->due = now_ms() + delay;
    p->client = ss;
    p->clen = sl;
    memcpy(p->q, buf, (size_t)n);
    p->qlen = (size_t)n;
}

static void forward_due(const struct sockaddr_storage *up, uint64_t now)
{
    for (size_t i = 0; i < MAX_PENDING; i++) {
        struct pending *p = &pend[i];
        if (!p->used || p->sent || p->due > now)
            continue;
        p->fd = socket(up->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (p->fd < 0 || connect(p->fd, (const struct sockaddr *)up,
                                 up->ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                                          : sizeof(struct sockaddr_in6)) < 0 ||
            send(p->fd, p->q, p->qlen, 0) < 0) {
            if (p->fd >= 0)
                close(p->fd);
            p->used = false;
            continue;
        }
        p->sent = true;
        p->due = now + 10000;        /* give up on the upstream after 10 s */
    }
}

static void relay_answer(int lfd, struct pending *p)
{
    uint8_t buf[65536];
    ssize_t n = recv(p->fd, buf, sizeof buf, 0);

    if (n > 0)
        sendto(lfd, buf, (size_t)n, 0, (struct sockaddr *)&p->client, p->clen);
    close(p->fd);
    p->used = false;
}

static int serve(int lfd, const struct sockaddr_storage *up, unsigned delay)
{
    static struct pollfd pfd[MAX_PENDING + 2];
    static size_t owner[MAX_PENDING + 2];

    for (;;) {
        uint64_t now = now_ms(), next = now + 1000;
        size_t np = 2;
        pfd[0] = (struct pollfd){ lfd, POLLIN, 0 };
        pfd[1] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
        for (size_t i = 0; i < MAX_PENDING; i++) {
            if (!pend[i].used)
                continue;
            if (pend[i].due < next)
                next = pend[i].due;
            if (pend[i].sent) {
                pfd[np] = (struct pollfd){ pend[i].fd, POLLIN, 0 };
                owner[np++] = i;
            }
        }
        if (poll(pfd, np, next > now ? (int)(next - now) : 0) < 0 && errno != EINTR)
            return 1;
        if (pfd[1].revents) {
            char c;
            if (read(STDIN_FILENO, &c, 1) <= 0)
                return 0;             /* the parent went away */
        }
        if (pfd[0].revents & POLLIN)
            accept_query(lfd, delay);
        for (size_t j = 2; j < np; j++)
            if (pfd[j].revents)
                relay_answer(lfd, &pend[owner[j]]);
        now = now_ms();
        for (size_t i = 0; i < MAX_PENDING; i++)
            if (pend[i].used && pend[i].sent && pend[i].due <= now) {
                close(pend[i].fd);
                pend[i].used = false;
            }
        forward_due(up, now);
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_storage up;
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t sl = sizeof sa;
    unsigned delay = 0;
    bool have_up = false;
    char err[200];
    int lfd;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--upstream"))
            have_up = dns_server_parse(argv[i + 1], &up, err, sizeof err) == AUTH_OK;
        else if (!strcmp(argv[i], "--delay-ms"))
            delay = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--drop") && ndrop < MAX_DROP)
            drops[ndrop++] = argv[i + 1];
        else if (!strcmp(argv[i], "--log") && !(logfp = fopen(argv[i + 1], "a"))) {
            perror(argv[i + 1]);
            return 1;
        }
    }
    if (!have_up) {
        fprintf(stderr, "usage: dns-relay --upstream HOST:PORT [--delay-ms N] [--drop NAME]... "
                        "[--log FILE]\n");
        return 2;
    }
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
        perror("dns-relay");
        return 1;
    }
    printf("%d\n", ntohs(sa.sin_port));
    fflush(stdout);
    return serve(lfd, &up, delay);
}
