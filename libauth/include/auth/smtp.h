/*
 * auth/smtp.h - an RFC 5321 SMTP client: plain, STARTTLS (RFC 3207) and
 * implicit TLS (RFC 8314), ESMTP extensions, AUTH PLAIN/LOGIN (RFC 4954),
 * MAIL/RCPT/DATA with dot-stuffing, and a bounded reply parser.
 *
 * The client is an explicit state machine (connect, banner, EHLO/HELO,
 * STARTTLS, EHLO again, AUTH, ready; MAIL, RCPT, DATA, body, ready; QUIT)
 * on a non-blocking socket; every wait is bounded by the per-command timeout
 * RFC 5321 4.5.3.2 suggests (configurable, e.g. shortened in tests).
 * Extensions are forgotten after STARTTLS and asked again.  A reply that is
 * over-long, not printable, malformed, or followed by unrequested data (the
 * STARTTLS command-injection pattern) is a protocol failure.
 *
 * When something fails, smtp_client_failure() says which kind (connect, TLS,
 * protocol, timeout, 4xx, 5xx, local refusal), smtp_client_why() says why in
 * one line, and smtp_client_last_reply() holds the server's last reply.
 *
 * A transcript callback receives every line in both directions; AUTH
 * secrets (the PLAIN response, the LOGIN user name and password) are
 * replaced by "***" before the callback sees them.
 *
 * Ownership: strings in smtp_params are borrowed and must outlive the
 * client.  smtp_client_new / smtp_client_free.  Getters return pointers
 * owned by the client, valid until the next call on it or its free.
 * Nothing here prints, exits or reads the environment.
 */
#ifndef AUTH_SMTP_H
#define AUTH_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dns.h"
#include "auth/net.h"
#include "auth/status.h"
#include "auth/tls.h"
#include "auth/export.h"

AUTH_API_BEGIN

/* Reply parser bounds. */
#define SMTP_LINE_MAX        2048    /* one reply line, CRLF included */
#define SMTP_REPLY_MAX       65536   /* one whole (multi-line) reply */
#define SMTP_REPLY_MAX_LINES 128     /* lines of one reply */
/* Address bounds (RFC 5321 4.5.3.1). */
#define SMTP_LOCAL_MAX       64
#define SMTP_DOMAIN_MAX      255
#define SMTP_PATH_MAX        256     /* with the angle brackets */
#define SMTP_MESSAGE_MAX     (64u * 1024 * 1024)
#define SMTP_MAX_RCPTS       100

/* A parsed reply.  text holds the lines' texts joined by '\n', without the
 * code and without the enhanced status code where one leads a line. */
struct smtp_reply {
    int code;                /* 200..599 */
    char enhanced[16];       /* "2.0.0", or "" when the first line has none */
    size_t nlines;
    char *text;              /* malloc'd, NUL-terminated */
    size_t text_len;
};

/* Parse one reply from the start of buf (len bytes: what has arrived).
 * Lines end in CRLF (a bare LF is accepted).  Each line is "DDD-text" or
 * "DDD text"/"DDD" for the last, the same code on every line, the code
 * 2xx..5xx, only printable bytes (tab and UTF-8 allowed).
 * Returns AUTH_OK with *used > 0 (bytes of the reply) and *out filled;
 * AUTH_OK with *used == 0 when more bytes are needed (out untouched);
 * AUTH_EPARSE (malformed) or AUTH_ELIMIT (a line over SMTP_LINE_MAX, more
 * than SMTP_REPLY_MAX_LINES lines or SMTP_REPLY_MAX bytes) with err saying
 * why, also detected before the reply is complete.  AUTH_ENOMEM.
 * A pure function: no I/O, no state.  Free out with smtp_reply_clear(). */
AUTH_MUST_USE
enum auth_status smtp_reply_parse(const char *buf, size_t len, struct smtp_reply *out,
                                  size_t *used, char *err, size_t errlen);
void smtp_reply_clear(struct smtp_reply *r);

/* The queue id a server gave in its reply to the end of DATA: Postfix's
 * "queued as ID", also "id=ID" and "<ID> queued".  Copies it into buf and
 * returns true; false when none is recognised. */
bool smtp_reply_queue_id(const struct smtp_reply *r, char *buf, size_t len);

/* Check an address for MAIL FROM/RCPT TO before any connection: no CR, LF,
 * NUL or other control character, no space, '<' or '>', one '@' with a
 * non-empty local part of at most SMTP_LOCAL_MAX octets and a domain of at
 * most SMTP_DOMAIN_MAX, at most SMTP_PATH_MAX - 2 in all; non-ASCII only
 * when utf8_ok (SMTPUTF8 wanted).  "" (the null reverse path) is allowed
 * when allow_empty.  AUTH_OK or AUTH_EINVAL with err naming the problem. */
AUTH_MUST_USE
enum auth_status smtp_address_check(const char *addr, bool allow_empty, bool utf8_ok,
                                    char *err, size_t errlen);

/* Whether s has a byte >= 0x80. */
bool smtp_has_8bit(const char *s, size_t len);

/* The DATA payload of a message: line ends normalised to CRLF, a leading
 * '.' doubled (RFC 5321 4.5.2), a final CRLF added when missing, then the
 * ".\r\n" terminator.  AUTH_OK with *out malloc'd (caller frees) and
 * *outlen; AUTH_ELIMIT over SMTP_MESSAGE_MAX; AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status smtp_dot_stuff(const char *msg, size_t len, char **out, size_t *outlen);

enum smtp_tls_mode {
    SMTP_TLS_STARTTLS = 0,     /* STARTTLS required, verified */
    SMTP_TLS_IMPLICIT,         /* TLS from the first byte (port 465) */
    SMTP_TLS_OPPORTUNISTIC,    /* STARTTLS when offered, unverified allowed */
    SMTP_TLS_NONE,             /* never */
};

enum smtp_failure {
    SMTP_FAIL_NONE = 0,
    SMTP_FAIL_CONNECT,         /* see smtp_client_connect_error() */
    SMTP_FAIL_TLS,             /* handshake, verification, STARTTLS not offered */
    SMTP_FAIL_PROTOCOL,        /* malformed/over-long reply, closed mid-reply */
    SMTP_FAIL_TIMEOUT,         /* a reply or write did not complete in time */
    SMTP_FAIL_REPLY_TEMP,      /* 4xx (421: the server is closing) */
    SMTP_FAIL_REPLY_PERM,      /* 5xx */
    SMTP_FAIL_LOCAL,           /* refused here: AUTH in clear, size, no mechanism */
};

enum smtp_connect_error {
    SMTP_CONN_OK = 0,
    SMTP_CONN_RESOLVE,         /* the host name did not resolve */
    SMTP_CONN_REFUSED,
    SMTP_CONN_TIMEOUT,         /* no answer: often outbound port 25 blocked */
    SMTP_CONN_UNREACHABLE,     /* network or host unreachable */
    SMTP_CONN_OTHER,
};

/* "connect", "tls", "protocol", "timeout", "temporary", "permanent",
 * "local", "none". */
const char *smtp_failure_name(enum smtp_failure f);
/* "refused", "timeout", "unreachable", "resolve", "other", "ok". */
const char *smtp_connect_error_name(enum smtp_connect_error e);

/* Waits in milliseconds; 0 takes the default (RFC 5321 4.5.3.2 where it
 * gives one).  cap_ms, when not 0, bounds every one of them. */
struct smtp_timeouts {
    unsigned connect_ms;       /* 30 s */
    unsigned greeting_ms;      /* 5 min */
    unsigned tls_ms;           /* handshake, 1 min */
    unsigned command_ms;       /* EHLO, HELO, STARTTLS, AUTH, QUIT: 5 min */
    unsigned mail_ms;          /* 5 min */
    unsigned rcpt_ms;          /* 5 min */
    unsigned data_init_ms;     /* 2 min */
    unsigned data_block_ms;    /* each write of the body: 3 min */
    unsigned data_term_ms;     /* reply to the final ".": 10 min */
    unsigned cap_ms;
};

/* dir is 'C' (client to server) or 'S'; line has no CRLF. */
typedef void (*smtp_transcript_fn)(void *arg, char dir, const char *line, size_t len);

/* AUTH mechanisms (bit flags). */
enum { SMTP_AUTH_PLAIN = 1u << 0, SMTP_AUTH_LOGIN = 1u << 1 };

/* ESMTP extensions seen in the last EHLO reply (bit flags). */
enum {
    SMTP_EXT_SIZE = 1u << 0, SMTP_EXT_8BITMIME = 1u << 1, SMTP_EXT_PIPELINING = 1u << 2,
    SMTP_EXT_ENHANCEDSTATUSCODES = 1u << 3, SMTP_EXT_SMTPUTF8 = 1u << 4,
    SMTP_EXT_STARTTLS = 1u << 5, SMTP_EXT_AUTH = 1u << 6,
};

struct smtp_params {
    const char *host;            /* server name: verified against the certificate */
    const char *address;         /* IP literal to connect to; NULL: resolve host */
    const struct net_addrs *addrs; /* addresses to try in turn (before address) */
    struct dns_engine *eng;      /* resolves host (A+AAAA) when neither is given */
    uint16_t port;               /* 0: 465 for implicit TLS, else 25 */
    enum smtp_tls_mode tls;
    const char *helo_name;       /* NULL: the local address as a literal "[a.b.c.d]" */
    const char *ca_file;         /* NULL: the system trust store */
    bool tls_report_only;        /* handshake whatever the verification (probes) */
    int tls_min_version;         /* 0: OpenSSL default */
    const char *user;            /* AUTH when set */
    const char *password;
    unsigned auth_mechs;         /* SMTP_AUTH_* allowed; 0: any (PLAIN preferred) */
    bool allow_plaintext_auth;   /* AUTH without TLS */
    struct smtp_timeouts timeouts;
    smtp_transcript_fn transcript;
    void *transcript_arg;
    bool tls_legacy;             /* tls_params.legacy: probes only */
};

struct smtp_client;

/* AUTH_OK; AUTH_EINVAL (no host, user without password); AUTH_ENOMEM;
 * the TLS context's errors (bad CA file).  Free with smtp_client_free(). */
AUTH_MUST_USE
enum auth_status smtp_client_new(const struct smtp_params *p, struct smtp_client **out,
                                 char *err, size_t errlen);
/* Closes the connection if still open (no QUIT). NULL is fine. */
void smtp_client_free(struct smtp_client *c);

/* Connect, read the banner, EHLO (HELO when EHLO is refused), STARTTLS or
 * implicit TLS as the mode says, EHLO again, AUTH when a user is set.
 * AUTH_OK: ready for smtp_send().  Otherwise: AUTH_ENET (connect), AUTH_ETLS,
 * AUTH_EPARSE / AUTH_ELIMIT (protocol), AUTH_ETIMEOUT, AUTH_ETEMP (4xx),
 * AUTH_EPERM (5xx or local refusal), AUTH_ENOMEM; details from the getters. */
AUTH_MUST_USE
enum auth_status smtp_open(struct smtp_client *c);

/* MAIL FROM (with SIZE=, BODY=8BITMIME, SMTPUTF8 as offered and needed),
 * RCPT TO for each recipient (pipelined when offered), DATA, the
 * dot-stuffed message, and the final reply.  Every recipient must be
 * accepted or nothing is sent.  Same returns as smtp_open(). */
AUTH_MUST_USE
enum auth_status smtp_send(struct smtp_client *c, const char *from,
                           const char *const *rcpts, size_t nrcpts,
                           const char *msg, size_t msglen);

/* QUIT and close, when the connection is still usable; always closes.
 * Returns AUTH_OK when a 221 came back. */
AUTH_MUST_USE
enum auth_status smtp_quit(struct smtp_client *c);

enum smtp_failure smtp_client_failure(const struct smtp_client *c);
enum smtp_connect_error smtp_client_connect_error(const struct smtp_client *c);
/* One line: why the last call failed ("" when it did not). */
const char *smtp_client_why(const struct smtp_client *c);
/* The last reply read, or NULL before any. */
const struct smtp_reply *smtp_client_last_reply(const struct smtp_client *c);
/* The banner reply (text), or NULL. */
const char *smtp_client_banner(const struct smtp_client *c);
/* The server's name from the first line of its last EHLO reply, or NULL. */
const char *smtp_client_ehlo_name(const struct smtp_client *c);
/* TLS facts when TLS is (or was attempted and produced facts), else NULL. */
const struct tls_facts *smtp_client_tls(const struct smtp_client *c);
/* Whether TLS is active on the connection. */
bool smtp_client_tls_active(const struct smtp_client *c);
unsigned smtp_client_extensions(const struct smtp_client *c);
unsigned smtp_client_auth_mechs(const struct smtp_client *c);
unsigned long smtp_client_size_limit(const struct smtp_client *c);   /* 0: none given */
/* Text form of the address connected to ("127.0.0.1"), "" before. */
const char *smtp_client_peer(const struct smtp_client *c);
uint16_t smtp_client_port(const struct smtp_client *c);

/* ---- probe ------------------------------------------------------------ */

/* One SMTP probe of a server, the one every prober uses (the port
 * checklist, the audit's port-25 probe): connect, banner, EHLO, STARTTLS
 * (or implicit TLS) with the handshake completed whatever the verification
 * says (recorded in the facts, never enforced, no credentials ever sent),
 * then QUIT; never MAIL.  What the server offered in clear is watched on
 * the wire, before TLS changes the EHLO reply. */
struct smtp_probe_params {
    const char *host;            /* name (for certificates), or an IP literal */
    const char *address;         /* IP literal to connect to, or NULL */
    const struct net_addrs *addrs; /* addresses to try in turn, or NULL */
    uint16_t port;
    enum smtp_tls_mode tls;      /* STARTTLS, IMPLICIT or OPPORTUNISTIC */
    bool tls_legacy;             /* allow old TLS versions, so they can be reported */
    const char *ca_file;         /* NULL: the system trust store */
    unsigned timeout_ms;         /* each step; 0: the client's defaults */
};

struct smtp_probe {
    enum auth_status st;         /* of making the client, else of smtp_open() */
    struct smtp_client *client;  /* closed (QUIT sent when it could be); the
                                    getters say what was seen and it owns the
                                    TLS facts; NULL when it could not be made */
    bool starttls_in_clear;      /* the EHLO reply before TLS offered STARTTLS */
    bool auth_in_clear;          /* ... and AUTH */
    bool tls_active;             /* TLS was up when the dialogue ended (the
                                    client, closed, no longer says) */
    char err[320];               /* why, when the client could not be made */
};

/* Probe; out is overwritten.  Free what it holds with smtp_probe_clear(). */
void smtp_probe(const struct smtp_probe_params *p, struct smtp_probe *out);
void smtp_probe_clear(struct smtp_probe *r);

AUTH_API_END

#endif
