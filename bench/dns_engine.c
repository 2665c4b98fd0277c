/*
 * dns_engine.c - bench: 10,000 lookups of distinct names against a local
 * NSD, the mailctl engine (256 in flight, no cache) beside one-at-a-time
 * ldns_resolver_query(), printed side by side with the ratio.
 *
 * The zone (bench.example, names n0..n9999 with one A record each) is
 * generated into a temporary directory which NSD serves alone.
 *
 * Two rounds: straight to NSD over loopback (a round trip of some 20 us,
 * where NSD's own speed is the limit and parallelism gains little), and
 * through a small UDP relay in this process that holds each query for
 * DELAY_MS before passing it on: a resolver 1 ms away, as on a LAN, and
 * closer than any resolver on the Internet.  The second is the figure the
 * engine is built for: a sequential client pays the round trip per query.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "auth/dns.h"
#include "testenv.h"

#define NNAMES 10000
#define DELAY_MS 1
#define RELAY_SLOTS 65536

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The delaying relay: front socket for clients, back socket to NSD.  A
 * query gets a relay ID (its slot) on the way up, and its own ID and client
 * back on the way down.  Queries wait in a FIFO until DELAY_MS passed. */
struct relay_slot {
    struct sockaddr_in client;
    uint16_t id;
    double due;
    uint16_t len;
    unsigned char msg[512];
};

struct relay {
    int front, back, port;
    volatile int stop;
    pthread_t thread;
    struct relay_slot *slot;          /* RELAY_SLOTS, indexed by relay ID */
    uint16_t *fifo;                   /* slots waiting, in arrival order */
    size_t head, tail;
    uint16_t next;
};

static void relay_up(struct relay *r, double now)
{
    for (int k = 0; k < 64; k++) {
        struct relay_slot *s = &r->slot[r->next];
        socklen_t sl = sizeof s->client;
        ssize_t n = recvfrom(r->front, s->msg, sizeof s->msg, 0,
                             (struct sockaddr *)&s->client, &sl);
        if (n < 12)
            return;
        s->id = (uint16_t)(s->msg[0] << 8 | s->msg[1]);
        s->msg[0] = (unsigned char)(r->next >> 8);
        s->msg[1] = (unsigned char)r->next;
        s->len = (uint16_t)n;
        s->due = now + DELAY_MS / 1000.0;
        r->fifo[r->tail++ % RELAY_SLOTS] = r->next++;
    }
}

static void relay_down(struct relay *r)
{
    unsigned char buf[4096];

    for (int k = 0; k < 64; k++) {
        ssize_t n = recv(r->back, buf, sizeof buf, 0);
        struct relay_slot *s;
        if (n < 12)
            return;
        s = &r->slot[buf[0] << 8 | buf[1]];
        buf[0] = (unsigned char)(s->id >> 8);
        buf[1] = (unsigned char)s->id;
        sendto(r->front, buf, (size_t)n, 0, (struct sockaddr *)&s->client,
               sizeof s->client);
    }
}

static double now_s(void);

static void *relay_run(void *arg)
{
    struct relay *r = arg;

    while (!r->stop) {
        struct pollfd pf[2] = { { r->front, POLLIN, 0 }, { r->back, POLLIN, 0 } };
        double now = now_s(), wait = 0.05;
        struct timespec ts;

        while (r->head != r->tail && r->slot[r->fifo[r->head % RELAY_SLOTS]].due <= now) {
            struct relay_slot *s = &r->slot[r->fifo[r->head++ % RELAY_SLOTS]];
            send(r->back, s->msg, s->len, 0);
        }
        if (r->head != r->tail) {
            wait = r->slot[r->fifo[r->head % RELAY_SLOTS]].due - now;
        }
        ts.tv_sec = (time_t)wait;
        ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
        if (ppoll(pf, 2, &ts, NULL) < 0 && errno != EINTR)
            break;
        now = now_s();
        if (pf[0].revents)
            relay_up(r, now);
        if (pf[1].revents)
            relay_down(r);
    }
    return NULL;
}

static int udp_socket(struct sockaddr_in *bind_to, const struct sockaddr_in *peer)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int big = 4 << 20;

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if ((bind_to && bind(fd, (struct sockaddr *)bind_to, sizeof *bind_to) < 0) ||
        (peer && connect(fd, (const struct sockaddr *)peer, sizeof *peer) < 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int relay_start(struct relay *r, int nsd_port)
{
    struct sockaddr_in a = { .sin_family = AF_INET }, up = a;
    socklen_t sl = sizeof a;

    memset(r, 0, sizeof *r);
    a.sin_addr.s_addr = up.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    up.sin_port = htons((uint16_t)nsd_port);
    r->slot = calloc(RELAY_SLOTS, sizeof *r->slot);
    r->fifo = calloc(RELAY_SLOTS, sizeof *r->fifo);
    if (!r->slot || !r->fifo || (r->front = udp_socket(&a, NULL)) < 0 ||
        (r->back = udp_socket(NULL, &up)) < 0 ||
        getsockname(r->front, (struct sockaddr *)&a, &sl) < 0)
        return -1;
    r->port = ntohs(a.sin_port);
    return pthread_create(&r->thread, NULL, relay_run, r) == 0 ? 0 : -1;
}

static void relay_stop(struct relay *r)
{
    r->stop = 1;
    pthread_join(r->thread, NULL);
    close(r->front);
    close(r->back);
    free(r->slot);
    free(r->fifo);
}

static int write_zone(const char *dir)
{
    char path[512];
    FILE *fp;

    snprintf(path, sizeof path, "%s/bench.example.zone", dir);
    if (!(fp = fopen(path, "w")))
        return -1;
    fprintf(fp, "$ORIGIN bench.example.\n$TTL 300\n"
            "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n"
            "ns1 IN A 192.0.2.53\n");
    for (int i = 0; i < NNAMES; i++)
        fprintf(fp, "n%d IN A 192.0.%d.%d\n", i, (i / 250) % 256, i % 250 + 1);
    return fclose(fp);
}

/* The engine: one batch of all names, 256 in flight. */
static double run_engine(const char *spec, int *ok)
{
    const char *servers[] = { spec };
    struct dns_engine_params p = { .servers = servers, .nservers = 1,
                                   .max_inflight = 256, .no_cache = true };
    struct dns_engine *eng;
    struct dns_batch *b;
    char err[256], name[64];
    double t0, t;

    if (dns_engine_new(&p, &eng, err, sizeof err) != AUTH_OK) {
        fprintf(stderr, "engine: %s\n", err);
        return -1;
    }
    b = dns_batch_new(eng);
    for (int i = 0; i < NNAMES; i++) {
        snprintf(name, sizeof name, "n%d.bench.example", i);
        dns_batch_add(b, name, DNS_T_A);
    }
    t0 = now_s();
    /* a failed wait leaves the results unanswered: counted below as not ok */
    auth_status_ignore(dns_batch_wait(b));
    t = now_s() - t0;
    *ok = 0;
    for (size_t i = 0; i < dns_batch_count(b); i++)
        *ok += dns_result_status(dns_batch_result(b, i)) == DNS_DATA;
    dns_batch_free(b);
    dns_engine_free(eng);
    return t;
}

/* ldns, the way a simple tool does it: one query, wait, the next. */
static double run_ldns(int port, int *ok)
{
    ldns_resolver *res = ldns_resolver_new();
    ldns_rdf *ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "127.0.0.1");
    char name[64];
    double t0;

    *ok = 0;
    if (!res || !ns || ldns_resolver_push_nameserver(res, ns) != LDNS_STATUS_OK)
        return -1;
    ldns_resolver_set_port(res, (uint16_t)port);
    ldns_resolver_set_recursive(res, true);
    t0 = now_s();
    for (int i = 0; i < NNAMES; i++) {
        ldns_rdf *q;
        ldns_pkt *pkt;

        snprintf(name, sizeof name, "n%d.bench.example.", i);
        q = ldns_dname_new_frm_str(name);
        pkt = ldns_resolver_query(res, q, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD);
        if (pkt && ldns_pkt_ancount(pkt) > 0)
            (*ok)++;
        ldns_pkt_free(pkt);
        ldns_rdf_deep_free(q);
    }
    t0 = now_s() - t0;
    ldns_rdf_deep_free(ns);
    ldns_resolver_deep_free(res);
    return t0;
}

static void remove_zone_dir(const char *dir)
{
    char path[512];

    snprintf(path, sizeof path, "%s/bench.example.zone", dir);
    unlink(path);
    rmdir(dir);
}

static int round_trip(const char *title, const char *spec, int port)
{
    double te, tl;
    int oke = 0, okl = 0;

    te = run_engine(spec, &oke);
    tl = run_ldns(port, &okl);
    if (te <= 0 || tl <= 0) {
        fprintf(stderr, "bench failed\n");
        return 1;
    }
    printf("%s\n", title);
    printf("  %-36s %9.0f queries/s  (%.3f s, %d answered)\n",
           "mailctl engine, 256 in flight:", NNAMES / te, te, oke);
    printf("  %-36s %9.0f queries/s  (%.3f s, %d answered)\n",
           "ldns_resolver_query, sequential:", NNAMES / tl, tl, okl);
    printf("  ratio: %.1fx\n", tl / te);
    return oke == NNAMES && okl == NNAMES ? 0 : 1;
}

int main(void)
{
    char dir[] = "/tmp/mailctl-bench-XXXXXX", spec[64], title[128];
    struct test_nsd nsd;
    struct relay relay;
    int rc = 0;

    if (!mkdtemp(dir) || write_zone(dir) < 0) {
        perror("bench zone");
        return 1;
    }
    if (test_nsd_start(&nsd, dir) < 0) {
        remove_zone_dir(dir);
        return 1;
    }
    printf("dns_engine: %d A lookups of distinct names, local NSD\n", NNAMES);
    if (relay_start(&relay, nsd.port) < 0) {
        perror("relay");
        rc = 1;
    } else {
        snprintf(spec, sizeof spec, "127.0.0.1:%d", relay.port);
        snprintf(title, sizeof title, "resolver %d ms away (delaying relay):", DELAY_MS);
        rc |= round_trip(title, spec, relay.port);
        relay_stop(&relay);
    }
    rc |= round_trip("straight over loopback (NSD-bound):", nsd.spec, nsd.port);
    test_nsd_stop(&nsd);
    remove_zone_dir(dir);
    return rc;
}
