/*
 * auth/imap.h - the small IMAP4rev1 client subset (RFC 3501) mailctl needs to
 * find a test message after delivery: CAPABILITY, STARTTLS, LOGIN or
 * AUTHENTICATE PLAIN (RFC 4959 SASL-IR when offered), LIST (RFC 6154
 * SPECIAL-USE \Junk when offered), EXAMINE, UID SEARCH HEADER, UID FETCH
 * BODY.PEEK[HEADER] (headers only, never bodies), NOOP, LOGOUT.
 *
 * Two layers:
 *  - imap_response_parse(): a pure, bounded parser of one server response
 *    (tagged, untagged, continuation) out of the bytes read so far, with
 *    literals ({n}), quoted strings and parenthesised lists.  A literal over
 *    the cap is refused as soon as its announcement arrives (a 1 GiB
 *    announcement never makes the client wait for or allocate 1 GiB);
 *    lines, whole responses, items and nesting are bounded too.
 *  - struct imap_client: one connection on a non-blocking socket
 *    (libauth/net, TLS from libauth/tls with verification on), every
 *    command bounded by a deadline covering all its responses, and at most
 *    IMAP_COMMAND_BYTES_MAX bytes of responses per command (a server that
 *    never finishes is cut off by time or by size, whichever comes first).
 *
 * A transcript callback receives every line in both directions; LOGIN and
 * AUTHENTICATE secrets are replaced by "***" before the callback sees them,
 * and literal contents are shown as "{N bytes}".
 *
 * Ownership: strings in imap_params are borrowed and must outlive the
 * client.  imap_client_new / imap_client_free; results handed out by the
 * command functions are malloc'd and freed by the caller as stated.
 * Nothing here prints, exits or reads the environment.
 */
#ifndef AUTH_IMAP_H
#define AUTH_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/net.h"
#include "auth/status.h"
#include "auth/tls.h"
#include "auth/export.h"

AUTH_API_BEGIN

/* Parser bounds. */
#define IMAP_LINE_MAX          (64 * 1024)        /* one line between literals */
#define IMAP_LITERAL_MAX       (1024 * 1024)      /* default cap of one literal */
#define IMAP_RESPONSE_MAX      (4 * 1024 * 1024)  /* one whole response */
#define IMAP_MAX_ITEMS         100000             /* data items of one response */
#define IMAP_MAX_DEPTH         16                 /* list nesting */
#define IMAP_TAG_MAX           32
/* Client bound: all the responses to one command together. */
#define IMAP_COMMAND_BYTES_MAX (16 * 1024 * 1024)
#define IMAP_SEARCH_MAX        100000             /* UIDs kept from one SEARCH */

enum imap_resp_kind { IMAP_RESP_UNTAGGED, IMAP_RESP_TAGGED, IMAP_RESP_CONTINUE };

/* Status of a status response (tagged, or untagged OK/NO/BAD/PREAUTH/BYE). */
enum imap_status { IMAP_ST_NONE = 0, IMAP_ST_OK, IMAP_ST_NO, IMAP_ST_BAD,
                   IMAP_ST_PREAUTH, IMAP_ST_BYE };

enum imap_item_type { IMAP_ITEM_ATOM, IMAP_ITEM_QUOTED, IMAP_ITEM_LITERAL,
                      IMAP_ITEM_NIL, IMAP_ITEM_LIST };

/* One data item.  data is NUL-terminated (a literal may also hold NULs:
 * use len); a quoted string is unescaped.  Lists link their children from
 * child; siblings are linked by next. */
struct imap_item {
    enum imap_item_type type;
    const char *data;              /* atoms, quoted strings, literals; "" else */
    size_t len;
    size_t nchildren;              /* lists */
    const struct imap_item *child; /* first child, or NULL */
    const struct imap_item *next;  /* next sibling, or NULL */
    size_t child_ix, next_ix;      /* internal (parse time links) */
};

/* One parsed response.  Pointers point into storage the response owns. */
struct imap_response {
    enum imap_resp_kind kind;
    char tag[IMAP_TAG_MAX + 1];    /* tagged responses */
    enum imap_status status;       /* IMAP_ST_NONE for data responses */
    const char *code;              /* "UIDVALIDITY 3857529045" (no brackets), or NULL */
    const char *text;              /* status and continuation text ("" when none) */
    bool has_number;               /* "* 23 EXISTS" */
    unsigned long number;
    const char *name;              /* data responses: "CAPABILITY", "FETCH"... (upper case) */
    const struct imap_item *items; /* first item after the name, or NULL */
    size_t nitems;                 /* every item parsed (nested ones too) */
    char *arena_;                  /* storage (internal) */
    struct imap_item *pool_;
};

/* Parse one response from the start of buf (len bytes: what has arrived).
 * Lines end in CRLF (a bare LF is accepted).  literal_max caps each literal
 * (0: IMAP_LITERAL_MAX; never above IMAP_RESPONSE_MAX).
 * Returns AUTH_OK with *used > 0 and *out filled; AUTH_OK with *used == 0
 * when more bytes are needed (out untouched); AUTH_ELIMIT (a literal over
 * the cap, a line over IMAP_LINE_MAX, a response over IMAP_RESPONSE_MAX,
 * too many items or too deep nesting), detected as soon as the bytes that
 * show it have arrived; AUTH_EPARSE (malformed: bad tag, control byte, an
 * unterminated quoted string or list, unbalanced parenthesis) with err
 * saying why; AUTH_ENOMEM.  A pure function: no I/O, no state.
 * Free out with imap_response_clear(). */
AUTH_MUST_USE
enum auth_status imap_response_parse(const char *buf, size_t len, size_t literal_max,
                                     struct imap_response *out, size_t *used,
                                     char *err, size_t errlen);
void imap_response_clear(struct imap_response *r);

/* Whether an atom item equals s (ASCII case-insensitive). */
bool imap_item_is(const struct imap_item *it, const char *s);
/* An atom of digits as a number below 2^32: true with *v, else false. */
bool imap_item_u32(const struct imap_item *it, uint32_t *v);
/* "OK", "NO", "BAD", "PREAUTH", "BYE", "" */
const char *imap_status_name(enum imap_status s);

/* ---------- client ---------- */

enum imap_tls_mode {
    IMAP_TLS_IMPLICIT = 0,     /* imaps, port 993 */
    IMAP_TLS_STARTTLS,         /* port 143, STARTTLS required */
    IMAP_TLS_NONE,             /* never (LOGIN refused unless allow_plaintext_auth) */
};

enum imap_failure {
    IMAP_FAIL_NONE = 0,
    IMAP_FAIL_CONNECT,         /* see imap_client_connect_error() */
    IMAP_FAIL_TLS,             /* handshake, verification, STARTTLS not offered */
    IMAP_FAIL_PROTOCOL,        /* malformed/over-long response, closed, BYE */
    IMAP_FAIL_TIMEOUT,         /* a command did not complete in time */
    IMAP_FAIL_AUTH,            /* the login was refused */
    IMAP_FAIL_NO,              /* a command was answered NO or BAD */
    IMAP_FAIL_LOCAL,           /* refused here: password in clear, no mechanism */
};

/* "connect", "tls", "protocol", "timeout", "auth", "refused", "local", "none". */
const char *imap_failure_name(enum imap_failure f);

/* dir is 'C' (client to server) or 'S'; line has no CRLF. */
typedef void (*imap_transcript_fn)(void *arg, char dir, const char *line, size_t len);

struct imap_params {
    const char *host;          /* server name: verified against the certificate */
    const char *address;       /* IP literal to connect to; NULL: resolve host */
    const struct net_addrs *addrs; /* addresses to try in turn (before address) */
    struct dns_engine *eng;    /* resolves host (A+AAAA) when neither is given */
    uint16_t port;             /* 0: 993 implicit, else 143 */
    enum imap_tls_mode tls;
    const char *ca_file;       /* NULL: the system trust store */
    bool tls_report_only;      /* handshake whatever the verification (probes) */
    const char *user;          /* imap_login() */
    const char *password;
    bool allow_plaintext_auth; /* log in without TLS */
    unsigned connect_ms;       /* 0: 30 s */
    unsigned command_ms;       /* each command with all its responses; 0: 60 s */
    size_t literal_max;        /* 0: IMAP_LITERAL_MAX */
    imap_transcript_fn transcript;
    void *transcript_arg;
};

struct imap_client;

/* AUTH_OK; AUTH_EINVAL (no host); AUTH_ENOMEM; the TLS context's errors
 * (bad CA file).  Free with imap_client_free(). */
AUTH_MUST_USE
enum auth_status imap_client_new(const struct imap_params *p, struct imap_client **out,
                                 char *err, size_t errlen);
/* Closes the connection if open (no LOGOUT).  NULL is fine. */
void imap_client_free(struct imap_client *c);

/* Connect, implicit TLS or greeting + CAPABILITY + STARTTLS as the mode
 * says, CAPABILITY again.  AUTH_OK: ready for imap_login().  Otherwise
 * AUTH_ENET (connect), AUTH_ETIMEOUT, AUTH_ETLS, AUTH_EPARSE/AUTH_ELIMIT
 * (protocol), AUTH_EPERM (BYE greeting); details from the getters. */
AUTH_MUST_USE
enum auth_status imap_open(struct imap_client *c);

/* Log in with params.user/password: AUTHENTICATE PLAIN when offered, else
 * LOGIN (not when LOGINDISABLED).  Refused locally (AUTH_EPERM, failure
 * LOCAL) without TLS unless allow_plaintext_auth.  AUTH_EPERM with failure
 * AUTH when the server says NO. */
AUTH_MUST_USE
enum auth_status imap_login(struct imap_client *c);

/* The folder flagged \Junk (RFC 6154) when the server lists one, else the
 * first of Junk, Spam, "Junk E-mail", "Junk Email", "Bulk Mail" that exists
 * (case-insensitive, also under INBOX.).  AUTH_OK with the name copied to
 * buf; AUTH_ENOTFOUND when none; other failures as above. */
AUTH_MUST_USE
enum auth_status imap_find_junk(struct imap_client *c, char *buf, size_t len);

/* EXAMINE (read only: nothing is marked seen) mailbox.  *exists (may be
 * NULL) gets the message count.  AUTH_ENOTFOUND when the server says NO. */
AUTH_MUST_USE
enum auth_status imap_examine(struct imap_client *c, const char *mailbox,
                              unsigned long *exists);

/* UID SEARCH HEADER field value in the selected mailbox.  *uids (malloc,
 * caller frees; NULL when none) and *n: at most IMAP_SEARCH_MAX UIDs.
 * field: a header name (printable, no space or ':'); value: printable. */
AUTH_MUST_USE
enum auth_status imap_uid_search_header(struct imap_client *c, const char *field,
                                        const char *value, uint32_t **uids, size_t *n);

/* UID FETCH uid (BODY.PEEK[HEADER]): the header block only, never the
 * body, and without setting \Seen.  *hdr (malloc, NUL-terminated, caller
 * frees) and *len.  AUTH_ENOTFOUND when the server returned no header. */
AUTH_MUST_USE
enum auth_status imap_uid_fetch_header(struct imap_client *c, uint32_t uid,
                                       char **hdr, size_t *len);

/* ---- taking messages out of a mailbox (report import) ---- */

/* SELECT (read-write) mailbox.  *exists (may be NULL) gets the message
 * count.  AUTH_ENOTFOUND when the server says NO. */
AUTH_MUST_USE
enum auth_status imap_select(struct imap_client *c, const char *mailbox, unsigned long *exists);

/* UID SEARCH UNSEEN in the selected mailbox: *uids (malloc, caller frees;
 * NULL when none) and *n, at most IMAP_SEARCH_MAX. */
AUTH_MUST_USE
enum auth_status imap_uid_search_unseen(struct imap_client *c, uint32_t **uids, size_t *n);

/* UID FETCH uid (RFC822.SIZE): the message's size.  AUTH_ENOTFOUND when
 * the server returned none. */
AUTH_MUST_USE
enum auth_status imap_uid_fetch_size(struct imap_client *c, uint32_t uid, uint64_t *size);

/* UID FETCH uid (BODY.PEEK[]): the whole message without setting \Seen
 * (at most params.literal_max bytes).  *msg (malloc, NUL-terminated, caller
 * frees) and *len.  AUTH_ENOTFOUND when the server returned none. */
AUTH_MUST_USE
enum auth_status imap_uid_fetch_message(struct imap_client *c, uint32_t uid, char **msg,
                                        size_t *len);

/* UID STORE uids +FLAGS.SILENT (\Seen), in commands of at most 500 UIDs. */
AUTH_MUST_USE
enum auth_status imap_uid_mark_seen(struct imap_client *c, const uint32_t *uids, size_t n);

/* IDLE (RFC 2177) in the selected mailbox until the server reports new
 * messages (EXISTS) or wait_ms passes, then DONE.  *changed says which.
 * AUTH_EPERM (failure LOCAL) when the server does not offer IDLE; other
 * failures as for any command. */
AUTH_MUST_USE
enum auth_status imap_idle(struct imap_client *c, unsigned wait_ms, bool *changed);

/* NOOP (lets the server report new messages). */
AUTH_MUST_USE
enum auth_status imap_noop(struct imap_client *c);

/* LOGOUT when the connection is usable; always closes.  AUTH_OK when the
 * server answered OK. */
AUTH_MUST_USE
enum auth_status imap_logout(struct imap_client *c);

enum imap_failure imap_client_failure(const struct imap_client *c);
enum net_connect_error imap_client_connect_error(const struct imap_client *c);
/* One line: why the last call failed ("" when it did not). */
const char *imap_client_why(const struct imap_client *c);
/* The greeting's text, or "" before. */
const char *imap_client_greeting(const struct imap_client *c);
/* Whether the last CAPABILITY listed cap (case-insensitive, "IDLE",
 * "AUTH=PLAIN"). */
bool imap_client_has_cap(const struct imap_client *c, const char *cap);
/* Capabilities seen before TLS (space-separated, "" when TLS was implicit
 * or none were seen). */
const char *imap_client_caps_before_tls(const struct imap_client *c);
/* Whether a login was possible before TLS: the server offered neither
 * LOGINDISABLED nor STARTTLS-only; false with implicit TLS. */
bool imap_client_login_before_tls(const struct imap_client *c);
/* TLS facts when TLS was attempted and produced any, else NULL. */
const struct tls_facts *imap_client_tls(const struct imap_client *c);
bool imap_client_tls_active(const struct imap_client *c);
/* Text form of the address connected to, "" before. */
const char *imap_client_peer(const struct imap_client *c);

AUTH_API_END

#endif
