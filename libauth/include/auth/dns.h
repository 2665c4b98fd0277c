/*
 * auth/dns.h - the DNS query engine.
 *
 * Many queries in flight on non-blocking UDP sockets (random IDs and source
 * ports, answers matched on ID and question, stray answers ignored), a
 * per-query timeout with retries across the configured servers (after a
 * timeout or SERVFAIL, with a jittered exponential backoff), TCP when an
 * answer has TC=1, EDNS0 (1232-byte buffer), a per-engine cache so a
 * (name, type) is asked once per run, CNAME chains followed with a bound.
 *
 * Results are typed: data / NODATA / NXDOMAIN / SERVFAIL / REFUSED /
 * timeout / malformed are never collapsed into one "not found", because SPF
 * (void lookups, temperror) and the audit ("error", not "missing") depend on
 * the difference.
 *
 * Ownership: the engine owns every result it returns (they live in its
 * cache); a result pointer stays valid until dns_engine_free().  Nothing here
 * prints.  An engine is not thread-safe: use one per thread.  Engines of
 * many threads may share one answer cache (struct dns_answer_cache) and one
 * rate limit (struct dns_rate): those lock themselves.
 *
 * Use:
 *     struct dns_batch *b = dns_batch_new(eng);
 *     size_t i = dns_batch_add(b, "example.com", DNS_T_MX);
 *     size_t j = dns_batch_add(b, "example.com", DNS_T_TXT);
 *     dns_batch_wait(b);                       // all answered or timed out
 *     const struct dns_result *mx = dns_batch_result(b, i);
 *     dns_batch_free(b);
 */
#ifndef AUTH_DNS_H
#define AUTH_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/ipaddr.h"
#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

/* RR types used by mailctl (values are the IANA numbers). */
enum {
    DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_PTR = 12,
    DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_SPF = 99,
    DNS_T_TLSA = 52, DNS_T_DS = 43, DNS_T_DNSKEY = 48, DNS_T_CAA = 257,
};

/* What came back for one question, after CNAMEs were followed. */
enum dns_status {
    DNS_DATA = 0,      /* NOERROR with at least one RR of the asked type */
    DNS_NODATA,        /* NOERROR, name exists, no RR of that type */
    DNS_NXDOMAIN,      /* the name does not exist (RCODE 3) */
    DNS_SERVFAIL,      /* RCODE 2 from every server tried */
    DNS_REFUSED,       /* RCODE 5 from every server tried */
    DNS_TIMEOUT,       /* no usable answer within timeout x attempts */
    DNS_MALFORMED,     /* answers arrived but none parsed / made sense */
    DNS_ERROR,         /* any other RCODE (FORMERR, NOTIMP...) or local error */
};

/* "data", "nodata", "nxdomain", "servfail", "refused", "timeout",
 * "malformed", "error". */
const char *dns_status_name(enum dns_status st);

/* True for the statuses that mean "ask again later" (SPF temperror, audit
 * "error"): SERVFAIL, REFUSED, TIMEOUT, MALFORMED, ERROR. */
bool dns_status_is_temporary(enum dns_status st);

/* "A", "MX", ... or "TYPE123". Never NULL (static or thread-local buffer). */
const char *dns_type_name(uint16_t type);

/* Bounds. */
#define DNS_MAX_NAME      253   /* presentation form, without trailing dot */
#define DNS_MAX_LABEL     63
#define DNS_MAX_CNAME     8     /* default CNAME chain length followed */
#define DNS_MAX_SERVERS   8

/* One resource record of the asked type, as a read-only view.  Strings are
 * owned by the result.  Names are in presentation form, lower-cased, without
 * the trailing dot ("." for the root). */
struct dns_rr {
    uint16_t type;
    uint32_t ttl;
    const char *text;                 /* the RR's rdata in presentation form */
    union {
        struct auth_ip addr;          /* A, AAAA */
        const char *name;             /* PTR, CNAME, NS */
        struct {
            uint16_t preference;
            const char *host;         /* "." for a null MX */
        } mx;
        struct {                      /* TXT, SPF */
            const unsigned char *data; /* the character-strings joined with no
                                          separator (RFC 7208 3.3, RFC 6376
                                          3.6.2.2); NUL-terminated for
                                          convenience, may contain NULs */
            size_t len;
            size_t nstrings;
            const size_t *string_len; /* length of each character-string */
        } txt;
        struct {                      /* TLSA */
            uint8_t usage, selector, mtype;
            const unsigned char *data;
            size_t len;
        } tlsa;
        struct {                      /* anything else: raw rdata */
            const unsigned char *data;
            size_t len;
        } raw;
    } u;
};

struct dns_result;   /* opaque, owned by the engine */

enum dns_status dns_result_status(const struct dns_result *r);
const char *dns_result_qname(const struct dns_result *r);
uint16_t dns_result_qtype(const struct dns_result *r);
/* Number of RRs of the asked type (0 unless DNS_DATA). */
size_t dns_result_count(const struct dns_result *r);
/* The i-th RR, i < count. */
const struct dns_rr *dns_result_rr(const struct dns_result *r, size_t i);
/* CNAMEs followed from qname: count and each target in order. */
size_t dns_result_cname_count(const struct dns_result *r);
const char *dns_result_cname(const struct dns_result *r, size_t i);
/* The name the data belongs to (the last CNAME target, else qname). */
const char *dns_result_owner(const struct dns_result *r);
/* AD bit of the (last) answer: the upstream validating resolver said the
 * data is DNSSEC-authenticated. */
bool dns_result_ad(const struct dns_result *r);
/* RCODE of the last answer (or -1 when none arrived). */
int dns_result_rcode(const struct dns_result *r);
/* "127.0.0.1:53" of the server that answered, or NULL. */
const char *dns_result_server(const struct dns_result *r);
/* Whether the answer came over TCP (after TC=1). */
bool dns_result_tcp(const struct dns_result *r);
/* A one-line human reason for a non-DATA status, e.g.
 * "timeout: no answer from 127.0.0.1:53 after 3 tries".  Never NULL. */
const char *dns_result_why(const struct dns_result *r);
/* The same in the user's language when the program set a translator
 * (auth_finding_set_translator: text output); dns_result_why() stays
 * English, for JSON and for reasons that go into message headers. */
const char *dns_result_why_for_people(const struct dns_result *r);
/* Milliseconds from first send to the final answer (0 from cache). */
unsigned dns_result_ms(const struct dns_result *r);
/* Addresses of name that an MX answer's additional section carried (RFC
 * 1035 3.3.9), at most max into out; the count.  Hints only: a server may
 * send stale or no glue, so they may prompt questions asked ahead (the
 * PTR of a likely address) but are never judged as the name's addresses. */
#define DNS_MAX_HINT_ADDRS 16
size_t dns_result_hint_addrs(const struct dns_result *r, const char *name,
                             struct auth_ip *out, size_t max);

/* Engine configuration; zero-initialise and set what you need. */
struct dns_engine_params {
    /* "HOST[:PORT]" specs: IPv4 literal, or IPv6 literal in brackets when a
     * port is given ("[::1]:5353"; plain "::1" also accepted).  When nservers
     * is 0, the nameservers of /etc/resolv.conf (or resolv_conf) are used. */
    const char *const *servers;
    size_t nservers;
    const char *resolv_conf;     /* NULL: /etc/resolv.conf */
    unsigned timeout_ms;         /* per try; 0: 2000 */
    unsigned attempts;           /* tries per query (a timeout or SERVFAIL
                                    spends one), rotating servers; 0: 3 */
    unsigned max_inflight;       /* 0: 256 */
    unsigned max_cname;          /* 0: DNS_MAX_CNAME */
    bool no_cache;               /* ask every time (benchmarks) */
    bool no_edns;                /* plain 512-byte UDP */
    bool checking_disabled;      /* CD=1 on every query: a validating resolver
                                    answers without validating (RFC 4035
                                    3.2.2); used to tell DNSSEC-bogus data
                                    (SERVFAIL, but data with CD) from a
                                    broken server.  Queries always carry AD=1
                                    so dns_result_ad() is meaningful. */
    struct dns_tape *tape;       /* record answers to, or replay from (below) */
    struct dns_answer_cache *cache; /* shared answers of a run (below), or NULL */
    struct dns_rate *rate;       /* shared cap on queries a second, or NULL */
    unsigned retry_backoff_ms;   /* wait before a retry after SERVFAIL or a
                                    timeout: this, doubled per retry (at most
                                    2 s), plus up to half as much again at
                                    random; 0: 100 */
};

struct dns_engine;
struct dns_tape;
struct dns_answer_cache;
struct dns_rate;

/* A monotonic clock in microseconds, for the answer cache and the rate
 * limit; tests inject their own.  NULL in the params: CLOCK_MONOTONIC. */
typedef uint64_t (*dns_clock_fn)(void *ctx);

/* Create an engine.  AUTH_OK; AUTH_EINVAL with err naming the bad server
 * spec; AUTH_ENOTFOUND when no server is configured anywhere; AUTH_ENOMEM;
 * AUTH_EIO.  The caller frees *out with dns_engine_free(). */
AUTH_MUST_USE
enum auth_status dns_engine_new(const struct dns_engine_params *params,
                                struct dns_engine **out,
                                char *err, size_t errlen);
void dns_engine_free(struct dns_engine *eng);

/* Parse one "HOST[:PORT]" spec (default port 53) into a sockaddr storage.
 * AUTH_OK or AUTH_EINVAL with err saying what is wrong. */
struct sockaddr_storage;
AUTH_MUST_USE
enum auth_status dns_server_parse(const char *spec, struct sockaddr_storage *ss,
                                  char *err, size_t errlen);

/* Check a domain name as typed by a user: at most 253 octets, labels 1..63,
 * no empty label (a single trailing dot is allowed).  AUTH_OK or AUTH_EINVAL
 * with err naming the problem ("label 'xxx…' is 70 octets, over 63"). */
AUTH_MUST_USE
enum auth_status dns_name_check(const char *name, char *err, size_t errlen);
/* The same, and every label LDH (letters, digits, inner hyphens: RFC 1123),
 * at least min_labels of them: a domain to publish or sign for, a DKIM
 * selector.  what names the thing in err ("--selector 'a;b': label ...").
 * *nlabels (may be NULL) gets the count.  AUTH_OK or AUTH_EINVAL. */
AUTH_MUST_USE
enum auth_status dns_ldh_name_check(const char *what, const char *name, size_t min_labels,
                                    size_t *nlabels, char *err, size_t errlen);

/* A DNS tape: every final answer of a run saved to a file (record), or a
 * run answered from such a file instead of the network (replay), so a CI
 * gate can be re-run offline and a report reproduced exactly.  One tape may
 * serve several engines at once (the audit runs one engine per thread): it
 * locks itself.  Replay answers a question the tape lacks with DNS_ERROR
 * ("not in the replay file"); with a replay tape the engine needs no server.
 *
 * File: text, "# mailctl dns tape 1" first, then one line per answer:
 *     NAME TYPE wire udp|tcp BASE64-OF-THE-MESSAGE
 *     NAME TYPE STATUS WHY...     (a dns_status_name other than "data")
 * (TYPE is the number, with "+cd" for a query sent with CD=1.)
 * Bounded on load: DNS_TAPE_MAX_ENTRIES lines, a message of 64 KiB. */
#define DNS_TAPE_MAX_ENTRIES 1000000
enum dns_tape_mode { DNS_TAPE_RECORD, DNS_TAPE_REPLAY };

/* Record: the file is written by dns_tape_close() (atomically, auth/file.h);
 * it may replace an existing tape or empty file, but any other file, a symlink
 * or a special file is refused now (AUTH_EEXIST, AUTH_EINVAL).  Replay: the
 * file is read now.  AUTH_OK; AUTH_EIO (cannot read), AUTH_EPARSE (line N
 * is bad), AUTH_ELIMIT, AUTH_ENOMEM; err says which. */
AUTH_MUST_USE
enum auth_status dns_tape_open(const char *path, enum dns_tape_mode mode,
                               struct dns_tape **out, char *err, size_t errlen);
/* Record: write the file atomically (temp file and rename).  Frees the tape
 * either way; no engine may use it afterwards.  AUTH_OK or AUTH_EIO. */
AUTH_MUST_USE
enum auth_status dns_tape_close(struct dns_tape *t, char *err, size_t errlen);

/* The answer cache of a run, shared by the engines of every thread: each
 * answer the network gave (a wire message, NOERROR or NXDOMAIN) is kept
 * under the (name, type, CD) asked, for its TTL: the smallest TTL of the
 * answer section, capped at max_ttl; a negative answer (NXDOMAIN, NODATA)
 * for the SOA's minimum (RFC 2308 5: the smaller of the SOA's TTL and its
 * MINIMUM field), capped at max_negative_ttl, and not at all without an
 * SOA.  SERVFAIL, REFUSED, timeouts and TTL 0 are never kept.  An expired
 * answer is asked again.  Bounded by entries and bytes: past either bound
 * the least recently used answers go first.  While one engine asks a
 * question, another engine asking the same waits for that answer instead
 * of asking too (bounded by its own timeout), so a run asks each question
 * once per TTL.  Answers are copied in and out under a lock. */
struct dns_answer_cache_params {
    size_t max_entries;          /* 0: 100000 */
    size_t max_bytes;            /* 0: 64 MiB (messages, names, bookkeeping) */
    uint32_t max_ttl;            /* seconds; 0: 86400 */
    uint32_t max_negative_ttl;   /* seconds; 0: 3600 */
    dns_clock_fn clock;          /* NULL: CLOCK_MONOTONIC */
    void *clock_ctx;
};
struct dns_answer_cache_stats {
    unsigned long hits;          /* questions answered from the cache */
    unsigned long misses;        /* questions passed to the network */
    unsigned long evictions;     /* answers dropped for room (entries, bytes) */
    unsigned long expired;       /* answers found past their TTL (asked again) */
    unsigned long waits;         /* questions that waited for another engine's answer */
    unsigned long not_kept;      /* answers not kept (SERVFAIL, TTL 0, no SOA...) */
    size_t entries, bytes;       /* held now */
};
/* NULL params: the defaults.  AUTH_OK or AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status dns_answer_cache_new(const struct dns_answer_cache_params *p,
                                      struct dns_answer_cache **out);
/* No engine may use it afterwards. */
void dns_answer_cache_free(struct dns_answer_cache *c);
void dns_answer_cache_stats(struct dns_answer_cache *c, struct dns_answer_cache_stats *out);

/* A token bucket shared by the engines of a run: at most qps queries a
 * second are sent (retries included; answers from a tape or the answer
 * cache take none).  The bucket holds qps/50 tokens (at least 1), so over
 * any second at most qps + qps/50 + 1 go out.  A query without a token
 * waits (the engine keeps the others going).  qps must be > 0.
 * NULL on ENOMEM. */
struct dns_rate *dns_rate_new(double qps, dns_clock_fn clock, void *clock_ctx);
void dns_rate_free(struct dns_rate *r);
/* Take one token now: 0 when granted, else the microseconds until one will
 * be there (nothing taken). */
uint64_t dns_rate_take(struct dns_rate *r);
/* Tokens granted, and refusals (each a wait), since creation. */
void dns_rate_counts(struct dns_rate *r, unsigned long *granted, unsigned long *refused);

/* Statistics of an engine since creation (for benchmarks and -v). */
struct dns_stats {
    unsigned long queries_sent;   /* datagrams/TCP queries sent, retries included */
    unsigned long answers;        /* answers accepted */
    unsigned long stray;          /* datagrams ignored (wrong ID/question/source) */
    unsigned long cache_hits;
    unsigned long tcp_fallbacks;
    unsigned long timeouts;       /* tries that timed out */
    unsigned long questions;      /* distinct (name, type) sent to the wire (or
                                     the replay tape): with the cache on, no
                                     question is counted twice */
    unsigned long shared_hits;    /* tries answered by the shared answer cache */
    unsigned long retries;        /* tries after a SERVFAIL or a timeout */
    unsigned long rate_waits;     /* times a query waited for a --qps token */
};
void dns_engine_stats(const struct dns_engine *eng, struct dns_stats *out);

/* Deferred mode, for callers that gather first and judge after (the
 * audit): while on, a question whose answer is not in the cache is not sent;
 * it gets a placeholder result (status DNS_ERROR, why "deferred: ...") and
 * is remembered.  dns_engine_fetch_deferred() then asks every remembered
 * question at once, all in flight together, and fills the placeholders in
 * place, so later lookups read the real answers from the cache.  A caller
 * runs its (pure) judges with deferral on until a pass leaves nothing
 * deferred: that pass read only answered questions.  Needs the cache (no
 * effect with no_cache). */
void dns_engine_defer(struct dns_engine *eng, bool on);
/* Whether r is such a placeholder (its question not asked yet). */
bool dns_result_deferred(const struct dns_result *r);
/* Questions waiting for the next fetch. */
size_t dns_engine_deferred(const struct dns_engine *eng);
/* Ask them.  AUTH_OK (answers may be timeouts...), AUTH_ENOMEM, AUTH_EIO. */
AUTH_MUST_USE
enum auth_status dns_engine_fetch_deferred(struct dns_engine *eng);

/* Forget every answer (the cache and every result handed out: borrowed
 * pointers die here), so a long-lived caller can reuse one engine job after
 * job without its memory growing.  Statistics are kept. */
void dns_engine_clear(struct dns_engine *eng);

/* A batch: questions answered together, all in flight at once. */
struct dns_batch;

/* NULL only on allocation failure.  Free with dns_batch_free(). */
struct dns_batch *dns_batch_new(struct dns_engine *eng);
/* Queue a question; returns its index in the batch.  Duplicate questions in
 * a batch or already cached are answered once.  A name that fails
 * dns_name_check (but for spaces, which a label may hold: RFC 2181 11)
 * gets a DNS_ERROR result, not a query. */
size_t dns_batch_add(struct dns_batch *b, const char *name, uint16_t type);
/* Send everything queued and wait until every question has a result.
 * AUTH_OK (results may still be timeouts etc.); AUTH_ENOMEM; AUTH_EIO. */
AUTH_MUST_USE
enum auth_status dns_batch_wait(struct dns_batch *b);
/* The result of question i after dns_batch_wait(); owned by the engine. */
const struct dns_result *dns_batch_result(const struct dns_batch *b, size_t i);
size_t dns_batch_count(const struct dns_batch *b);
void dns_batch_free(struct dns_batch *b);

/* One question, synchronously.  *out is owned by the engine.
 * AUTH_OK (inspect dns_result_status), AUTH_ENOMEM, AUTH_EIO. */
AUTH_MUST_USE
enum auth_status dns_query(struct dns_engine *eng, const char *name,
                           uint16_t type, const struct dns_result **out);

AUTH_API_END

#endif
