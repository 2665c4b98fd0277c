/*
 * transport.c - questions in flight: one non-blocking socket per try (so
 * the kernel picks a fresh random source port), a CSPRNG ID, answers
 * accepted only from the server asked (connected socket, and the source is
 * checked again) with the right ID and question; a per-try deadline with
 * retries rotating over the servers; TCP (non-blocking connect, 2-byte
 * length framing) when an answer has TC=1; EDNS0 dropped after FORMERR;
 * SERVFAIL/REFUSED retried at the next server; CNAME targets re-asked.
 * One poll(2) loop drives them all.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/people.h"
#include "dns/dns_internal.h"

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void close_fd(struct dns_q *q)
{
    if (q->fd >= 0)
        close(q->fd);
    q->fd = -1;
    free(q->tbuf);
    q->tbuf = NULL;
}

static const struct dns_server *server_of(const struct dns_engine *eng,
                                          const struct dns_q *q)
{
    return &eng->servers[q->server % eng->nservers];
}

/* The list of servers tried, for "no answer from ..." */
static void servers_tried(const struct dns_engine *eng, const struct dns_q *q,
                          char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < eng->nservers && off < len; i++) {
        if (!(q->servers_used & (1u << i)))
            continue;
        int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
                         eng->servers[i].text);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

/* The layer key of a question: its type, marked when asked with CD=1 (a
 * validating resolver answers those differently). */
static uint32_t layer_key(const struct dns_engine *eng, uint16_t type)
{
    return type | (eng->checking_disabled ? DNS_KEY_CD : 0);
}

/* The layers above the one that answered this try hear the answer (a
 * recording tape keeps it, the shared cache keeps it for its TTL); a claim
 * to fetch q->cur ends with it. */
static void hear(struct dns_engine *eng, struct dns_q *q, enum dns_status st,
                 const uint8_t *wire, size_t len, bool tcp, const char *why)
{
    for (size_t i = 0; i < q->source && i < eng->nlayers; i++)
        eng->layers[i].ops->heard(eng->layers[i].self, q->cur, layer_key(eng, q->res->qtype),
                                  st, wire, len, tcp, why);
    q->claimed = 0;
}

/* The question is answered: set the final reason, release the socket. */
static void finish(struct dns_engine *eng, struct dns_q *q, uint64_t now)
{
    struct dns_result *r = q->res;
    char detail[DNS_WHY_LEN], servers[DNS_WHY_LEN];
    const char *detail_for_people = r->why_for_people;     /* in r's arena */

    close_fd(q);
    free(q->wire);
    q->wire = NULL;
    q->state = Q_DONE;
    r->ms = (unsigned)(now - q->start_ms);
    servers_tried(eng, q, servers, sizeof servers);
    memcpy(detail, r->why, sizeof detail);
    switch (r->status) {
    case DNS_TIMEOUT:
        /* whole sentences, one per case, so that a catalog can say each */
        if (q->tries == 1 && !q->garbage_why[0])
            dns_result_set_why(r, "timeout: no answer from %.80s after 1 try", servers);
        else if (q->tries == 1)
            dns_result_set_why(r, "timeout: no answer from %.80s after 1 try (%s)", servers,
                               q->garbage_why);
        else if (!q->garbage_why[0])
            dns_result_set_why(r, "timeout: no answer from %.80s after %u tries", servers,
                               q->tries);
        else
            dns_result_set_why(r, "timeout: no answer from %.80s after %u tries (%s)", servers,
                               q->tries, q->garbage_why);
        break;
    case DNS_MALFORMED:
        dns_result_set_why(r, "malformed: only unusable answers from %.80s (%s)",
                           servers, q->garbage_why);
        break;
    default:
        dns_result_set_why(r, "%s: %.160s, from %s", dns_status_name(r->status),
                           detail, r->server[0] ? r->server : servers);
        if (detail_for_people) {
            char text[DNS_WHY_LEN];
            snprintf(text, sizeof text, auth_people_text("%s: %.160s, from %s"),
                     dns_status_name(r->status), detail_for_people,
                     r->server[0] ? r->server : servers);
            r->why_for_people = dns_result_strdup(r, text, strlen(text));
        }
    }
    if (!q->taped)
        hear(eng, q, r->status, NULL, 0, false, r->why);
}

/* Done with the status and reason a layer gave (a replayed failure keeps
 * its recorded words). */
static void done_as_is(struct dns_engine *eng, struct dns_q *q)
{
    q->state = Q_DONE;
    hear(eng, q, q->res->status, NULL, 0, false, q->res->why);
}

static bool on_message(struct dns_engine *eng, struct dns_q *q, const uint8_t *msg,
                       size_t len, bool tcp, uint64_t now);

/* Layer i answered this try (a replay tape, the shared cache): a message
 * goes through the same checks as one from the network. */
static void layer_answer(struct dns_engine *eng, struct dns_q *q, size_t i,
                         struct dns_layer_answer *a, uint64_t now)
{
    q->source = i;
    if (a->status != DNS_DATA) {
        q->res->status = a->status;
        dns_result_set_why(q->res, "%s", a->why);
        if (a->why_for_people[0])
            q->res->why_for_people = dns_result_strdup(q->res, a->why_for_people,
                                                       strlen(a->why_for_people));
        done_as_is(eng, q);
        return;
    }
    if (i == eng->cache_layer)
        eng->stats.shared_hits++;
    a->wire[0] = (uint8_t)(q->id >> 8);       /* the kept reply, for this query */
    a->wire[1] = (uint8_t)q->id;
    if (!on_message(eng, q, a->wire, a->len, a->tcp, now) && q->state != Q_DONE) {
        q->res->status = DNS_MALFORMED;
        dns_result_set_why(q->res, "the %s message for %s does not answer it",
                           dns_tape_replaying(eng->tape) ? "replayed" : "cached", q->cur);
        done_as_is(eng, q);
    }
    free(a->wire);
}

/* Ask the layers before the network.  true when one answered or asked us
 * to wait (q->state says which); false: send it. */
static bool ask_layers(struct dns_engine *eng, struct dns_q *q, uint64_t now)
{
    uint32_t key = layer_key(eng, q->res->qtype);

    q->source = eng->nlayers;
    if (q->claimed)                    /* a retry of our own fetch */
        return false;
    for (size_t i = 0; i < eng->nlayers; i++) {
        struct dns_layer_answer a = { .status = DNS_DATA };
        switch (eng->layers[i].ops->ask(eng->layers[i].self, q->cur, key, &a)) {
        case DNS_LAYER_PASS:
            break;
        case DNS_LAYER_CLAIM:
            q->claimed = i + 1;
            break;
        case DNS_LAYER_WAIT:
            /* another engine is fetching it; past our own time budget we
             * stop waiting and ask ourselves */
            if (now - q->start_ms < (uint64_t)eng->timeout_ms * eng->attempts) {
                q->state = Q_WAIT_PEER;
                q->deadline_ms = now + (q->peer_waits < 4 ? 1u << q->peer_waits : 16);
                q->peer_waits++;
                return true;
            }
            break;
        case DNS_LAYER_ANSWER:
            layer_answer(eng, q, i, &a, now);
            return true;
        }
    }
    return false;
}

/* A local failure that no retry will fix. */
static void fail_local(struct dns_engine *eng, struct dns_q *q, uint64_t now,
                       const char *what)
{
    q->res->status = DNS_ERROR;
    dns_result_set_why(q->res, "%s: %s", what, strerror(errno));
    finish(eng, q, now);
}

static void send_try(struct dns_engine *eng, struct dns_q *q, uint64_t now);

/* This try got nothing usable: next try at the next server, or give up. */
static void next_try(struct dns_engine *eng, struct dns_q *q, uint64_t now)
{
    close_fd(q);
    q->tries++;
    if (q->tries < eng->attempts) {
        /* back off before asking again: base << (tries - 1), at most 2 s,
         * plus up to half of that at random (retrying clients do not
         * arrive in step) */
        unsigned shift = q->tries - 1 < 5 ? q->tries - 1 : 5;
        uint64_t delay = (uint64_t)eng->backoff_ms << shift;
        if (delay > 2000)
            delay = 2000;
        delay += dns_random_below((uint32_t)delay / 2 + 1);
        q->server = (q->server + 1) % (unsigned)eng->nservers;
        eng->stats.retries++;
        q->state = Q_BACKOFF;
        q->deadline_ms = now + delay;
        return;
    }
    if (q->fail_status != DNS_DATA) {
        q->res->status = q->fail_status;
        memcpy(q->res->why, q->fail_why, sizeof q->res->why);
        q->res->why_for_people = q->fail_why_for_people;
    } else {
        q->res->status = q->garbage ? DNS_MALFORMED : DNS_TIMEOUT;
    }
    finish(eng, q, now);
}

/* socket() failed.  Out of descriptors (other engines in other threads,
 * a low RLIMIT_NOFILE): wait a little for some to close, without spending
 * a try, up to the time all tries would have taken.  Anything else: fail. */
static void wait_for_fd(struct dns_engine *eng, struct dns_q *q, uint64_t now)
{
    if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) &&
        now - q->start_ms < (uint64_t)eng->timeout_ms * eng->attempts) {
        q->state = Q_WAIT_FD;
        q->deadline_ms = now + 5;
        return;
    }
    fail_local(eng, q, now, "socket");
}

static void send_try(struct dns_engine *eng, struct dns_q *q, uint64_t now)
{
    const struct dns_server *s = server_of(eng, q);
    uint8_t *wire;
    size_t len;
    enum auth_status st;

    free(q->wire);
    q->wire = NULL;
    if (!dns_random_id(&q->id)) {
        fail_local(eng, q, now, "getrandom");
        return;
    }
    if (ask_layers(eng, q, now))
        return;
    if (eng->rate) {
        uint64_t wait_us = dns_rate_take(eng->rate);
        if (wait_us) {                 /* no --qps token yet */
            eng->stats.rate_waits++;
            q->state = Q_WAIT_RATE;
            q->deadline_ms = now + (wait_us + 999) / 1000;
            return;
        }
    }
    st = dns_query_wire(q->cur, q->res->qtype, q->id, q->edns, eng->checking_disabled, &wire, &len);
    if (st != AUTH_OK || !(q->wire = malloc(len + 2))) {
        if (st == AUTH_OK)
            free(wire);
        q->res->status = DNS_ERROR;
        dns_result_set_why(q->res, "cannot build a query for %s", q->cur);
        finish(eng, q, now);
        return;
    }
    q->wire[0] = (uint8_t)(len >> 8);
    q->wire[1] = (uint8_t)len;
    memcpy(q->wire + 2, wire, len);
    free(wire);
    q->wirelen = len;
    q->servers_used |= 1u << (q->server % eng->nservers);
    q->deadline_ms = now + eng->timeout_ms;
    q->state = Q_UDP;
    q->fd = socket(s->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (q->fd < 0) {
        wait_for_fd(eng, q, now);
        return;
    }
    eng->stats.queries_sent++;
    /* connect: the kernel binds a random port and drops datagrams from
     * anyone but the server; ICMP "port unreachable" becomes ECONNREFUSED */
    if (connect(q->fd, (const struct sockaddr *)&s->ss, dns_sockaddr_len(&s->ss)) < 0 ||
        send(q->fd, q->wire + 2, len, 0) < 0) {
        snprintf(q->garbage_why, sizeof q->garbage_why, "%s", strerror(errno));
        next_try(eng, q, now);
    }
}

static void start_tcp(struct dns_engine *eng, struct dns_q *q, uint64_t now)
{
    const struct dns_server *s = server_of(eng, q);

    close_fd(q);
    eng->stats.tcp_fallbacks++;
    eng->stats.queries_sent++;
    q->deadline_ms = now + eng->timeout_ms;
    q->fd = socket(s->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (q->fd < 0) {
        fail_local(eng, q, now, "socket");   /* rare: a TCP retry; keep simple */
        return;
    }
    q->state = Q_TCP_CONNECT;
    q->toff = 0;
    if (connect(q->fd, (const struct sockaddr *)&s->ss, dns_sockaddr_len(&s->ss)) < 0 &&
        errno != EINPROGRESS) {
        snprintf(q->garbage_why, sizeof q->garbage_why, "TCP: %s", strerror(errno));
        next_try(eng, q, now);
    }
}

/* A wire message arrived for q (over UDP or TCP): act on the verdict.
 * Returns true when q stops listening on this socket. */
static bool on_message(struct dns_engine *eng, struct dns_q *q, const uint8_t *msg,
                       size_t len, bool tcp, uint64_t now)
{
    struct dns_wire_question wq = { q->cur, q->res->qtype, q->id, eng->max_cname };
    char follow[DNS_MAX_NAME + 2];
    struct dns_result *r = q->res;
    enum dns_wire_verdict v = dns_answer_parse(msg, len, &wq, r, follow, sizeof follow);

    switch (v) {
    case DNS_WIRE_STRAY:
    case DNS_WIRE_MALFORMED:
        eng->stats.stray++;
        if (v == DNS_WIRE_MALFORMED || tcp) {
            q->garbage = true;
            snprintf(q->garbage_why, sizeof q->garbage_why, "%.150s",
                     v == DNS_WIRE_MALFORMED ? r->why : "wrong ID over TCP");
        }
        if (tcp)
            next_try(eng, q, now);   /* nothing more comes on this stream */
        return tcp;
    case DNS_WIRE_TRUNCATED:
        if (tcp) {
            q->garbage = true;
            snprintf(q->garbage_why, sizeof q->garbage_why, "TC=1 over TCP");
            next_try(eng, q, now);
        } else {
            start_tcp(eng, q, now);
        }
        return true;
    case DNS_WIRE_FOLLOW:
        eng->stats.answers++;
        hear(eng, q, DNS_DATA, msg, len, tcp, NULL);
        snprintf(q->cur, sizeof q->cur, "%s", follow);
        q->tries = q->rcode_fails = 0;
        q->garbage = false;
        q->fail_status = DNS_DATA;
        q->fail_why_for_people = NULL;
        close_fd(q);
        send_try(eng, q, now);
        return true;
    case DNS_WIRE_RESULT:
        break;
    }
    eng->stats.answers++;
    r->tcp = tcp;
    memcpy(r->server, server_of(eng, q)->text, sizeof r->server);
    /* SERVFAIL: retried (after a backoff) while tries remain; REFUSED: only
     * at another server */
    if (q->tries + 1 < eng->attempts &&
        (r->status == DNS_SERVFAIL ||
         (r->status == DNS_REFUSED && ++q->rcode_fails < eng->nservers))) {
        q->fail_status = r->status;
        memcpy(q->fail_why, r->why, sizeof q->fail_why);
        q->fail_why_for_people = r->why_for_people;     /* r's arena lives on */
        r->server[0] = '\0';
        next_try(eng, q, now);
        return true;
    }
    if (r->status == DNS_ERROR && r->rcode == 1 && q->edns) {
        q->edns = false;             /* FORMERR: a server that cannot EDNS */
        r->server[0] = '\0';
        close_fd(q);
        send_try(eng, q, now);
        return true;
    }
    hear(eng, q, DNS_DATA, msg, len, tcp, NULL);
    q->taped = true;
    finish(eng, q, now);
    return true;
}

static void udp_readable(struct dns_engine *eng, struct dns_q *q, uint64_t now)
{
    const struct dns_server *s = server_of(eng, q);

    for (int i = 0; i < 16 && q->state == Q_UDP; i++) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(q->fd, eng->rbuf, sizeof eng->rbuf, 0,
                             (struct sockaddr *)&from, &flen);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            snprintf(q->garbage_why, sizeof q->garbage_why, "%s", strerror(errno));
            eng->stats.timeouts++;
            next_try(eng, q, now);   /* ECONNREFUSED: nobody listens there */
            return;
        }
        if (!dns_sockaddr_equal(&from, &s->ss)) {
            eng->stats.stray++;
            continue;
        }
        if (on_message(eng, q, eng->rbuf, (size_t)n, false, now))
            return;
    }
}

/* TCP: connect done -> write the framed query -> read length -> read body. */
static void tcp_io(struct dns_engine *eng, struct dns_q *q, uint64_t now)
{
    ssize_t n;
    int soerr = 0;
    socklen_t sl = sizeof soerr;

    switch (q->state) {
    case Q_TCP_CONNECT:
        if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
            snprintf(q->garbage_why, sizeof q->garbage_why, "TCP connect: %s",
                     strerror(soerr ? soerr : errno));
            next_try(eng, q, now);
            return;
        }
        q->state = Q_TCP_WRITE;
        q->toff = 0;
        /* fall through */
    case Q_TCP_WRITE:
        n = send(q->fd, q->wire + q->toff, q->wirelen + 2 - q->toff, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0)
            break;
        q->toff += (size_t)n;
        if (q->toff == q->wirelen + 2) {
            q->state = Q_TCP_READ_LEN;
            q->toff = 0;
        }
        return;
    case Q_TCP_READ_LEN:
        n = recv(q->fd, q->lenbuf + q->toff, 2 - q->toff, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0)
            break;
        q->toff += (size_t)n;
        if (q->toff == 2) {
            q->tlen = (size_t)q->lenbuf[0] << 8 | q->lenbuf[1];
            q->toff = 0;
            if (q->tlen < 12 || !(q->tbuf = malloc(q->tlen))) {
                q->garbage = true;
                snprintf(q->garbage_why, sizeof q->garbage_why,
                         "TCP message of %zu bytes", q->tlen);
                next_try(eng, q, now);
                return;
            }
            q->state = Q_TCP_READ;
        }
        return;
    case Q_TCP_READ:
        n = recv(q->fd, q->tbuf + q->toff, q->tlen - q->toff, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0)
            break;
        q->toff += (size_t)n;
        if (q->toff == q->tlen)
            on_message(eng, q, q->tbuf, q->tlen, true, now);
        return;
    default:
        return;
    }
    snprintf(q->garbage_why, sizeof q->garbage_why, "TCP: %s",
             n == 0 ? TR("connection closed early") : strerror(errno));
    next_try(eng, q, now);
}

static short wanted_events(const struct dns_q *q)
{
    return q->state == Q_TCP_CONNECT || q->state == Q_TCP_WRITE ? POLLOUT : POLLIN;
}

static void start(struct dns_engine *eng, struct dns_q *q, uint64_t now)
{
    q->fd = -1;
    q->start_ms = now;
    q->edns = !eng->no_edns;
    q->fail_status = DNS_DATA;
    q->fail_why_for_people = NULL;
    q->source = eng->nlayers;
    q->claimed = 0;
    snprintf(q->cur, sizeof q->cur, "%s", q->res->qname);
    send_try(eng, q, now);
}

enum auth_status dns_engine_run(struct dns_engine *eng, struct dns_q **qs, size_t n)
{
    size_t max = eng->max_inflight, next = 0, nact = 0, done = 0, np;
    struct dns_q **act = calloc(max, sizeof *act);
    struct dns_q **owner = calloc(max, sizeof *owner);
    struct pollfd *pfd = calloc(max, sizeof *pfd);

    if (!act || !pfd || !owner) {
        free(act);
        free(owner);
        free(pfd);
        return AUTH_ENOMEM;
    }
    while (done < n) {
        uint64_t now = now_ms(), first = UINT64_MAX;
        int rc;

        while (nact < max && next < n) {
            start(eng, qs[next], now);
            act[nact++] = qs[next++];
        }
        /* only live sockets: poll() refuses more entries than RLIMIT_NOFILE */
        np = 0;
        for (size_t i = 0; i < nact; i++) {
            struct dns_q *q = act[i];
            if (q->state == Q_DONE)
                continue;
            if (q->deadline_ms < first)
                first = q->deadline_ms;
            if (q->state == Q_WAIT_FD || q->state == Q_WAIT_RATE || q->state == Q_WAIT_PEER ||
                q->state == Q_BACKOFF || q->fd < 0)
                continue;
            pfd[np].fd = q->fd;
            pfd[np].events = wanted_events(q);
            pfd[np].revents = 0;
            owner[np++] = q;
        }
        rc = poll(pfd, np, first == UINT64_MAX ? 0 :
                  first <= now ? 0 : (int)(first - now));
        if (rc < 0 && errno != EINTR)
            break;
        now = now_ms();
        for (size_t j = 0; rc > 0 && j < np; j++) {
            struct dns_q *q = owner[j];
            if (q->state == Q_DONE || pfd[j].fd != q->fd || !pfd[j].revents)
                continue;
            if (q->state == Q_UDP)
                udp_readable(eng, q, now);
            else
                tcp_io(eng, q, now);
        }
        for (size_t i = 0; i < nact; i++) {
            struct dns_q *q = act[i];
            bool waiting = q->state == Q_WAIT_FD || q->state == Q_WAIT_RATE ||
                           q->state == Q_WAIT_PEER || q->state == Q_BACKOFF;
            if (waiting && now >= q->deadline_ms) {
                send_try(eng, q, now);
            } else if (q->state != Q_DONE && now >= q->deadline_ms) {
                eng->stats.timeouts++;
                next_try(eng, q, now);
            }
        }
        for (size_t i = 0; i < nact;) {
            if (act[i]->state == Q_DONE) {
                act[i] = act[--nact];
                done++;
            } else {
                i++;
            }
        }
    }
    if (done < n) {                       /* poll failed: fail what is left */
        uint64_t now = now_ms();
        for (size_t i = 0; i < nact; i++)
            if (act[i]->state != Q_DONE)
                fail_local(eng, act[i], now, "poll");
        for (; next < n; next++) {
            qs[next]->fd = -1;
            qs[next]->start_ms = now;
            fail_local(eng, qs[next], now, "poll");
        }
    }
    free(act);
    free(owner);
    free(pfd);
    return done == n ? AUTH_OK : AUTH_EIO;
}
