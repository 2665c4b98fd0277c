/*
 * dns_internal.h - what the files of libauth/dns share and nobody else sees.
 *
 * The result object (struct dns_result) with its arena, the wire-to-result
 * converter (answer.c, a pure function: unit tests and the fuzz target call
 * it directly), the query builder, the cache and the CSPRNG.
 */
#ifndef AUTH_DNS_INTERNAL_H
#define AUTH_DNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/dns.h"

/* Hard bounds, whatever the parameters say. */
#define DNS_CNAME_HARD_MAX  32      /* max_cname is clamped to this */
#define DNS_MAX_RRS         2048    /* RRs of the asked type kept per result */
#define DNS_MAX_TXT         65536   /* bytes of one joined TXT record */
#define DNS_MAX_WIRE        65535   /* a DNS message (TCP length prefix) */
#define DNS_EDNS_BUFSIZE    1232
#define DNS_MAX_INFLIGHT    4096
#define DNS_SERVER_STRLEN   64      /* "[ffff:...:ffff]:65535" */
#define DNS_WHY_LEN         256

/* A block of memory a result's strings and arrays are carved from, freed
 * in one go with the result. */
struct dns_arena_block;

struct dns_result {
    char *qname;                    /* lower-case, no trailing dot */
    uint16_t qtype;
    enum dns_status status;
    struct dns_rr *rrs;
    size_t nrr, rrcap;
    const char *cnames[DNS_CNAME_HARD_MAX];
    size_t ncname;
    bool ad, tcp;
    bool deferred;                  /* a placeholder of deferred mode */
    int rcode;
    unsigned ms;
    char server[DNS_SERVER_STRLEN];
    char why[DNS_WHY_LEN];
    const char *why_for_people;     /* arena; NULL when the same as why */
    struct dns_hint *hints;          /* DNS_MAX_HINTS slots, arena; NULL until one */
    size_t nhint;
    struct dns_arena_block *arena;
    struct dns_result *next_owned;  /* engine's list of every result */
};

/* At most this many additional-section addresses kept per answer. */
#define DNS_MAX_HINTS DNS_MAX_HINT_ADDRS

struct dns_hint {
    const char *name;               /* owner, lower-case, no trailing dot */
    struct auth_ip addr;
};

/* result.c */
struct dns_result *dns_result_new(const char *qname, uint16_t qtype);
void dns_result_free(struct dns_result *r);
/* Drop RRs and rcode-derived fields before another try (keeps the CNAME
 * chain, which belongs to earlier answers). */
void dns_result_reset_answer(struct dns_result *r);
/* Allocate from the result's arena (zeroed, aligned).  NULL on ENOMEM. */
void *dns_result_alloc(struct dns_result *r, size_t n);
char *dns_result_strdup(struct dns_result *r, const char *s, size_t n);
/* Append an empty RR slot; NULL on ENOMEM or over DNS_MAX_RRS. */
struct dns_rr *dns_result_add_rr(struct dns_result *r);
void dns_result_set_why(struct dns_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* dns_name_check for names the engine is asked (not typed by a user):
 * the same bounds, but a space is a legal label octet. */
AUTH_MUST_USE
enum auth_status dns_name_check_query(const char *name, char *err, size_t errlen);

/* Lower-case copy of name without a trailing dot ("." stays ".") into buf
 * (at least DNS_MAX_NAME + 2 bytes).  Returns false if it does not fit. */
bool dns_name_normalise(const char *name, char *buf, size_t len);

/* answer.c: one wire message considered as the answer to one question. */
struct dns_wire_question {
    const char *name;       /* the name asked in this message (a CNAME target
                               after a re-query), presentation form */
    uint16_t type;
    uint16_t id;
    unsigned max_cname;     /* bound on res->ncname, over all re-queries */
};

enum dns_wire_verdict {
    DNS_WIRE_STRAY,         /* not for this question (short, ID, not a reply) */
    DNS_WIRE_MALFORMED,     /* ID matched but unparsable or wrong question;
                               res->why says what */
    DNS_WIRE_TRUNCATED,     /* TC=1: ask again over TCP */
    DNS_WIRE_RESULT,        /* res holds a final status (may be SERVFAIL...) */
    DNS_WIRE_FOLLOW,        /* CNAME chain ended without data and without an
                               SOA: ask for follow (res->cnames extended) */
};

/* Turn wire (len bytes, untrusted) into a typed result for question q.
 * Fills res (status, rrs, cnames, owner, ad, rcode, why) on RESULT and
 * FOLLOW; on FOLLOW writes the name to ask next into follow (followlen >=
 * DNS_MAX_NAME + 2).  Pure: no I/O, no globals. */
enum dns_wire_verdict dns_answer_parse(const uint8_t *wire, size_t len,
                                       const struct dns_wire_question *q,
                                       struct dns_result *res,
                                       char *follow, size_t followlen);

/* query.c: the wire form of a query (RD=1, AD=1, CD=cd, class IN, EDNS0
 * unless no_edns).
 * *out is malloc'd (caller frees).  AUTH_OK, AUTH_EINVAL, AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status dns_query_wire(const char *name, uint16_t type, uint16_t id,
                                bool edns, bool cd, uint8_t **out, size_t *outlen);

/* random.c: a 16-bit ID from getrandom(2); false if the kernel has none. */
bool dns_random_id(uint16_t *id);

/* cache.c: (name, type) -> result, an open-addressing table that grows. */
struct dns_cache;
struct dns_cache *dns_cache_new(void);
void dns_cache_free(struct dns_cache *c);
/* name must be normalised. */
struct dns_result *dns_cache_get(struct dns_cache *c, const char *name, uint16_t type);
/* Stores r under (r->qname, r->qtype).  false on ENOMEM. */
bool dns_cache_put(struct dns_cache *c, struct dns_result *r);
/* Forget every entry (the results are the engine's to free). */
void dns_cache_empty(struct dns_cache *c);

/* resolv.c: nameservers of a resolv.conf, at most max.  Returns how many
 * were read (0 when the file is missing or lists none). */
size_t dns_resolv_conf_read(const char *path, struct sockaddr_storage *out,
                            size_t max);

/* names.c: "127.0.0.1:53" / "[::1]:53". */
void dns_server_format(const struct sockaddr_storage *ss, char *buf, size_t len);
socklen_t dns_sockaddr_len(const struct sockaddr_storage *ss);
bool dns_sockaddr_equal(const struct sockaddr_storage *a,
                        const struct sockaddr_storage *b);

/* layer.c: what sits between the engine and the network.  A question
 * goes down the engine's layers in order (a tape, then the shared answer
 * cache) before the network; a layer may answer it, pass it down, or ask
 * it to wait (another engine is asking the same).  Whatever answered, the
 * layers above it hear the answer (a recording tape keeps it, the cache
 * keeps it for its TTL).  Keys: the RR type, | DNS_KEY_CD when asked with
 * CD=1 (a validating resolver answers those differently). */
#define DNS_KEY_CD 0x10000u
#define DNS_TAPE_CD DNS_KEY_CD
#define DNS_MAX_LAYERS 2

enum dns_layer_verdict {
    DNS_LAYER_PASS,        /* not here: ask below */
    DNS_LAYER_CLAIM,       /* not here, and this asker is the one to fetch it:
                              the layer must hear how it ended */
    DNS_LAYER_ANSWER,      /* *out holds the answer */
    DNS_LAYER_WAIT,        /* someone else is fetching it: ask again shortly */
};

struct dns_layer_answer {
    enum dns_status status;        /* DNS_DATA: wire holds the message */
    uint8_t *wire;                 /* malloc'd copy, the asker frees it */
    size_t len;
    bool tcp;
    char why[DNS_WHY_LEN];
    char why_for_people[DNS_WHY_LEN];   /* "" when the same as why */
};

struct dns_layer_ops {
    enum dns_layer_verdict (*ask)(void *self, const char *name, uint32_t key,
                                  struct dns_layer_answer *out);
    /* The answer for (name, key) from below: a wire message (status
     * DNS_DATA; it may be a CNAME step) or a final status with its reason. */
    void (*heard)(void *self, const char *name, uint32_t key, enum dns_status st,
                  const uint8_t *wire, size_t len, bool tcp, const char *why);
};

struct dns_layer {
    const struct dns_layer_ops *ops;
    void *self;
};

/* tape.c: the tape as a layer (replay answers, record hears). */
struct dns_layer dns_tape_layer(struct dns_tape *t);
bool dns_tape_recording(const struct dns_tape *t);
bool dns_tape_replaying(const struct dns_tape *t);

/* acache.c: the shared answer cache as a layer. */
struct dns_layer dns_answer_cache_layer(struct dns_answer_cache *c);
/* The TTL (seconds) to keep message wire for, 0: do not keep (pure). */
uint32_t dns_answer_ttl(const uint8_t *wire, size_t len, uint32_t max_ttl,
                        uint32_t max_negative_ttl);
/* random.c: a number in [0, n) from the same CSPRNG pool (0 if none). */
uint32_t dns_random_below(uint32_t n);

/* engine.c / transport.c: the engine and one question in flight. */
struct dns_server {
    struct sockaddr_storage ss;
    char text[DNS_SERVER_STRLEN];
};

struct dns_engine {
    struct dns_server servers[DNS_MAX_SERVERS];
    size_t nservers;
    unsigned timeout_ms, attempts, max_inflight, max_cname;
    bool no_cache, no_edns, checking_disabled;
    struct dns_tape *tape;            /* record or replay, or NULL */
    struct dns_layer layers[DNS_MAX_LAYERS];   /* tape, shared cache; then the network */
    size_t nlayers;
    size_t cache_layer;               /* index of the shared cache's layer, or SIZE_MAX */
    struct dns_rate *rate;            /* shared --qps bucket, or NULL */
    unsigned backoff_ms;
    struct dns_cache *cache;
    struct dns_result *owned;         /* every result, freed with the engine */
    struct dns_stats stats;
    bool deferring;                   /* dns_engine_defer(): misses wait */
    struct dns_result **deferred;     /* placeholders to ask at the next fetch */
    size_t ndeferred, deferred_cap;
    uint8_t rbuf[DNS_MAX_WIRE + 1];   /* one receive buffer for all sockets */
};

enum dns_qstate {
    Q_UDP,              /* datagram sent, waiting for the answer */
    Q_TCP_CONNECT,      /* non-blocking connect in progress */
    Q_TCP_WRITE,        /* writing the length-prefixed query */
    Q_TCP_READ_LEN,     /* reading the 2-byte length */
    Q_TCP_READ,         /* reading the message */
    Q_WAIT_FD,          /* out of file descriptors: try again shortly */
    Q_WAIT_RATE,        /* no --qps token yet */
    Q_WAIT_PEER,        /* another engine is asking it: look again shortly */
    Q_BACKOFF,          /* before a retry after SERVFAIL or a timeout */
    Q_DONE,
};

struct dns_q {
    struct dns_result *res;           /* being built; qname is the original */
    char cur[DNS_MAX_NAME + 2];       /* name asked now (a CNAME target later) */
    enum dns_qstate state;
    int fd;
    uint16_t id;
    bool edns;
    unsigned tries;                   /* tries made for cur, timeouts included */
    unsigned server;                  /* index of the server of this try */
    unsigned rcode_fails;             /* SERVFAIL/REFUSED answers for cur */
    uint64_t start_ms, deadline_ms;
    uint8_t *wire;                    /* the query, 2 spare bytes in front */
    size_t wirelen;
    uint8_t lenbuf[2];
    uint8_t *tbuf;                    /* TCP answer */
    size_t tlen, toff;
    bool garbage;                     /* a malformed answer arrived */
    char garbage_why[160];
    enum dns_status fail_status;      /* SERVFAIL/REFUSED seen, else DNS_DATA */
    char fail_why[DNS_WHY_LEN];
    const char *fail_why_for_people;    /* in the result's arena, or NULL */
    unsigned servers_used;            /* bitmask of servers tried */
    bool taped;                       /* its final message was heard by the layers */
    size_t source;                    /* layer that answered this try (nlayers: network) */
    size_t claimed;                   /* layers + 1 that gave us the fetch (0: none) */
    unsigned peer_waits;              /* Q_WAIT_PEER rounds so far */
};

/* Run n questions to completion, at most eng->max_inflight at once.
 * AUTH_OK or AUTH_ENOMEM; per-question failures are in each result. */
AUTH_MUST_USE
enum auth_status dns_engine_run(struct dns_engine *eng, struct dns_q **qs, size_t n);

#endif
