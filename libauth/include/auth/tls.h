/*
 * auth/tls.h - TLS client contexts and sessions on non-blocking sockets, with
 * the facts a report needs (OpenSSL 3).
 *
 * Trust: the system store by default; params.ca_file replaces it (the CLI
 * passes --ca-file or $SSL_CERT_FILE here; libauth reads no environment).
 * Verification is on by default: the chain against the trust anchors and the
 * peer's name against the certificate (RFC 6125: DNS-ID in the SAN, one
 * wildcard only as the whole left-most label, no partial wildcards; an IP
 * literal is matched against iPAddress SANs).  With params.report_only the
 * handshake completes whatever the verification result and the result is
 * only recorded in the facts (the audit's probe needs to see bad
 * certificates; send-test never sets it).
 *
 * Every blocking step (handshake, read, write, shutdown) waits with poll()
 * until an absolute deadline (CLOCK_MONOTONIC milliseconds, see
 * auth_tls_now_ms()).  Nothing here prints or exits.
 *
 * Ownership: auth_tls_ctx_new / auth_tls_ctx_free; auth_tls_session_start / auth_tls_session_free
 * (the session does not own or close the fd).  tls_facts are filled by the
 * session and freed with auth_tls_facts_clear().
 */
#ifndef AUTH_TLS_H
#define AUTH_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth/status.h"
#include "auth/export.h"

AUTH_API_BEGIN

#define TLS_MAX_CHAIN   16        /* peer certificates kept for DANE */
#define TLS_MAX_SAN     64        /* subjectAltName entries kept */

struct tls_params {
    const char *ca_file;      /* PEM bundle replacing the system store, or NULL */
    bool report_only;         /* complete the handshake even when verification
                                 fails; the result is in tls_facts.verified */
    int min_version;          /* TLS1_VERSION..TLS1_3_VERSION, 0: OpenSSL default */
    int max_version;          /* 0: highest supported */
    bool legacy;              /* also speak TLS 1.0/1.1 and weak ciphers
                                 (OpenSSL security level 0), so a probe can
                                 see and report an outdated server instead
                                 of failing the handshake; never for sending */
};

/* What the handshake showed.  Strings are NUL-terminated; lists are owned by
 * the facts and freed by auth_tls_facts_clear(). */
struct tls_facts {
    char version[16];          /* "TLSv1.3" */
    char cipher[64];           /* "TLS_AES_256_GCM_SHA384" */
    bool verified;             /* chain and name both verified */
    char verify_error[160];    /* why not, "" when verified */
    char subject[256];         /* peer certificate subject, one line (RFC 2253) */
    char issuer[256];
    size_t nsan;
    char **san;                /* "DNS:mx.example.org", "IP:192.0.2.1" */
    time_t not_after;          /* peer certificate expiry (UTC), 0 if unknown */
    long expiry_days;          /* whole days from now to not_after; negative: expired */
    size_t nchain;             /* peer chain as sent, leaf first (DER) */
    unsigned char *chain_der[TLS_MAX_CHAIN];
    size_t chain_len[TLS_MAX_CHAIN];
};

struct tls_ctx;
struct tls_session;

/* Build a client context.  AUTH_OK; AUTH_EIO when ca_file cannot be read or
 * holds no certificate (err names the file); AUTH_ECRYPTO; AUTH_ENOMEM.
 * The caller frees *out with auth_tls_ctx_free(). */
AUTH_MUST_USE
enum auth_status auth_tls_ctx_new(const struct tls_params *params, struct tls_ctx **out,
                             char *err, size_t errlen);
void auth_tls_ctx_free(struct tls_ctx *ctx);

/* Monotonic clock in milliseconds, the time base of every deadline here. */
uint64_t auth_tls_now_ms(void);

/* Wait with poll() until fd is ready for events (POLLIN/POLLOUT; an error
 * or hang-up also ends the wait) or the deadline passes.  AUTH_OK,
 * AUTH_ETIMEOUT, AUTH_EIO.  Shared by the plain-socket code of callers. */
AUTH_MUST_USE
enum auth_status auth_tls_wait_fd(int fd, short events, uint64_t deadline_ms);

/* Run a client handshake on the connected non-blocking socket fd.
 * peer_name: the name to verify (DNS name, or an IP literal) and to send as
 * SNI (names only); NULL disables name checking (chain still checked).
 * facts (may be NULL) receives what the handshake showed, also on a
 * verification failure.  Returns AUTH_OK with *out set; AUTH_ETIMEOUT when
 * the deadline passed; AUTH_ETLS on a handshake or (unless report_only)
 * verification failure, err saying why ("certificate verify failed:
 * hostname mismatch"); AUTH_ENET when the peer closed; AUTH_ENOMEM.
 * The caller frees *out with auth_tls_session_free() (the fd stays open). */
AUTH_MUST_USE
enum auth_status auth_tls_session_start(struct tls_ctx *ctx, int fd, const char *peer_name,
                                   uint64_t deadline_ms, struct tls_session **out,
                                   struct tls_facts *facts, char *err, size_t errlen);

/* Read up to len bytes (at least one) before the deadline.  AUTH_OK with
 * *got > 0; AUTH_ENET with *got == 0 when the peer closed; AUTH_ETIMEOUT;
 * AUTH_ETLS on a TLS error. */
AUTH_MUST_USE
enum auth_status auth_tls_session_read(struct tls_session *s, void *buf, size_t len,
                                  size_t *got, uint64_t deadline_ms,
                                  char *err, size_t errlen);

/* Write all len bytes before the deadline.  AUTH_OK, AUTH_ETIMEOUT,
 * AUTH_ENET (peer closed), AUTH_ETLS. */
AUTH_MUST_USE
enum auth_status auth_tls_session_write(struct tls_session *s, const void *buf, size_t len,
                                   uint64_t deadline_ms, char *err, size_t errlen);

/* Send close_notify (best effort, bounded by the deadline) and free.
 * NULL is fine. */
void auth_tls_session_free(struct tls_session *s, uint64_t deadline_ms);

/* DANE (RFC 6698, RFC 7672): whether one TLSA record matches the chain in
 * facts.  usage 3 (DANE-EE) is matched against the leaf only, usage 2
 * (DANE-TA) against the certificates after the leaf; usages 0 and 1 are not
 * used for SMTP (RFC 7672 3.1.3) and never match.  selector 0: the whole
 * certificate (DER), 1: its SubjectPublicKeyInfo; mtype 0: exact, 1:
 * SHA-256, 2: SHA-512.  Returns true on a match; false otherwise (also for
 * unusable parameters or an unparsable certificate). */
bool auth_tls_dane_match(const struct tls_facts *facts, uint8_t usage, uint8_t selector,
                    uint8_t mtype, const unsigned char *data, size_t len);

/* The same, and for DANE-TA (usage 2) also what RFC 7672 3.2.2-3.2.3 asks:
 * the matched trust anchor must certify the leaf through the chain sent
 * (signatures checked link by link), and the leaf must name host (the MX
 * host; NULL skips the name check).  DANE-EE (3) needs neither (3.1.1). */
bool auth_tls_dane_match_host(const struct tls_facts *facts, uint8_t usage, uint8_t selector,
                         uint8_t mtype, const unsigned char *data, size_t len,
                         const char *host);

/* Whether a TLSA record's parameters are usable for SMTP (usage 2 or 3,
 * selector 0 or 1, mtype 0, 1 or 2). */
bool auth_tls_dane_usable(uint8_t usage, uint8_t selector, uint8_t mtype);

/* Verify the chain in facts (as the peer sent it) again, offline, against
 * ctx's trust anchors and for peer_name (a DNS name with the handshake's
 * RFC 6125 rules, or an IP literal; NULL: the chain only), at the current
 * time: what the handshake's verification would have said for that name.
 * A probe of one address shared by several host names judges each name
 * with it.  true when it verifies; otherwise why gets the reason ("hostname
 * mismatch", "unable to get local issuer certificate", ...). */
bool auth_tls_facts_verify_name(struct tls_ctx *ctx, const struct tls_facts *facts,
                           const char *peer_name, char *why, size_t whylen);

/* Release what the facts own and zero them.  NULL is fine. */
void auth_tls_facts_clear(struct tls_facts *f);

AUTH_API_END

#endif
