/*
 * fetch.c - the MTA-STS policy fetch (RFC 8461 3.3) over HTTPS with libcurl.
 *
 * mta-sts.DOMAIN is resolved by the caller's DNS engine (A and AAAA in one
 * batch) and the addresses are handed to curl with CURLOPT_RESOLVE, so the
 * report's resolver is the only one asked and curl never resolves.  The
 * transfer is HTTPS only, verified, without redirects, capped in size and
 * time.  Inputs: the policy domain and limits.  Output: the status line
 * facts and the body.  Returns an auth_status naming the failure kind.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ipaddr.h"
#include "auth/mtasts.h"

#define FETCH_MAX_ADDRS 8

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status;

static void curl_init(void) { curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT); }

struct body_buf {
    char *data;
    size_t len;
    bool too_big;
};

/* curl's write callback: append, refuse once the cap would be passed. */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct body_buf *b = arg;
    size_t n = size * nmemb;
    char *grown;

    if (n > MTASTS_MAX_POLICY - b->len) {
        b->too_big = true;
        return 0;                          /* aborts the transfer */
    }
    grown = realloc(b->data, b->len + n + 1);
    if (!grown)
        return 0;
    b->data = grown;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* The curl --resolve entry "HOST:PORT:ADDR[,ADDR]..." from the addresses of
 * host (its A answer ra and AAAA answer r6) that may be used.  Returns how
 * many addresses went in. */
static size_t resolve_entry(const struct dns_result *ra, const struct dns_result *r6,
                            const char *host, unsigned port,
                            bool allow_private, bool *not_probed, char *entry, size_t len,
                            enum auth_status *st, char *err, size_t errlen)
{
    size_t used = 0, nprivate = 0;
    int n = snprintf(entry, len, "%s:%u:", host, port);

    *st = AUTH_OK;
    for (int k = 0; k < 2; k++) {
        const struct dns_result *r = k ? r6 : ra;
        for (size_t j = 0; j < dns_result_count(r) && used < FETCH_MAX_ADDRS; j++) {
            const struct auth_ip *ip = &dns_result_rr(r, j)->u.addr;
            char a[AUTH_IP_STRLEN];
            if (auth_ip_is_documentation(ip) || (auth_ip_is_private(ip) && !allow_private)) {
                nprivate++;
                continue;
            }
            auth_ip_format(ip, a, sizeof a);
            n += snprintf(entry + n, len - (size_t)n, ip->family == AF_INET6 ? "%s[%s]" : "%s%s",
                          used ? "," : "", a);
            if ((size_t)n >= len)
                break;
            used++;
        }
    }
    if (!used) {
        enum dns_status sa = dns_result_status(ra), s6 = dns_result_status(r6);
        *not_probed = nprivate > 0;
        if (nprivate)
            *st = auth_fail(err, errlen, AUTH_EPERM, "%s has only private or documentation addresses (not probed)", host);
        else if (dns_status_is_temporary(sa) || dns_status_is_temporary(s6))
            *st = auth_fail(err, errlen, AUTH_ETEMP, "address lookup of %s failed: %s", host,
                            dns_result_why_for_people(dns_status_is_temporary(sa) ? ra : r6));
        else
            *st = auth_fail(err, errlen, AUTH_ENOTFOUND, "%s has no address (A %s, AAAA %s)",
                            host, dns_status_name(sa), dns_status_name(s6));
    }
    return (size_t)n < len ? used : 0;
}

/* Map a failed transfer to a status and a reason. */
static enum auth_status curl_failure(CURLcode rc, const struct body_buf *body,
                                     const char *ebuf, char *err, size_t errlen)
{
    const char *why = ebuf[0] ? ebuf : curl_easy_strerror(rc);

    if (body->too_big)
        return auth_fail(err, errlen, AUTH_ELIMIT, "policy is larger than %d bytes",
                         MTASTS_MAX_POLICY);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return auth_fail(err, errlen, AUTH_ETIMEOUT, "policy fetch timed out: %s", why);
    case CURLE_FILESIZE_EXCEEDED:
        return auth_fail(err, errlen, AUTH_ELIMIT, "policy is larger than %d bytes",
                         MTASTS_MAX_POLICY);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return auth_fail(err, errlen, AUTH_ETLS, "HTTPS: %s", why);
    case CURLE_COULDNT_CONNECT:
        return auth_fail(err, errlen, AUTH_ENET, "cannot connect: %s", why);
    case CURLE_OUT_OF_MEMORY:
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    default:
        return auth_fail(err, errlen, AUTH_ETEMP, "policy fetch failed: %s", why);
    }
}

static void set_options(CURL *h, const struct mtasts_fetch_params *p, const char *url,
                        struct curl_slist *resolve, struct body_buf *body, char *ebuf)
{
    long ms = p->timeout_ms ? (long)p->timeout_ms : 15000L;

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);         /* RFC 8461 3.3 */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (p->ca_file) {                                         /* replaces the store */
        curl_easy_setopt(h, CURLOPT_CAINFO, p->ca_file);
        curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MTASTS_MAX_POLICY);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);                /* threads */
    curl_easy_setopt(h, CURLOPT_PROXY, "");                   /* no proxy from the env */
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mailctl (MTA-STS policy check)");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
}

/* Status line facts into out; AUTH_OK only for 200. */
static enum auth_status judge_answer(CURL *h, struct mtasts_fetch_result *out,
                                     char *err, size_t errlen)
{
    char *ct = NULL, *ip = NULL, *loc = NULL;

    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->http_status);
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        snprintf(out->content_type, sizeof out->content_type, "%s", ct);
    if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
        snprintf(out->address, sizeof out->address, "%s", ip);
    if (out->http_status >= 300 && out->http_status < 400) {
        curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
        return auth_fail(err, errlen, AUTH_EPERM, "HTTP %ld redirect to %.200s: RFC 8461 3.3 "
                         "forbids following redirects", out->http_status, loc ? loc : "?");
    }
    if (out->http_status >= 500)
        return auth_fail(err, errlen, AUTH_ETEMP, "HTTP %ld from the policy server",
                         out->http_status);
    if (out->http_status != 200)
        return auth_fail(err, errlen, AUTH_EPERM, "HTTP %ld from the policy server",
                         out->http_status);
    return AUTH_OK;
}

enum auth_status mtasts_policy_fetch(struct dns_engine *eng, const struct mtasts_fetch_params *p,
                                     struct mtasts_fetch_result *out, char *err, size_t errlen)
{
    char host[DNS_MAX_NAME + 16];
    struct dns_batch *b;
    enum auth_status st;
    size_t ia, i6;

    memset(out, 0, sizeof *out);
    if (!p->domain || strlen(p->domain) > DNS_MAX_NAME - 8)
        return auth_fail(err, errlen, AUTH_EINVAL, "bad policy domain");
    snprintf(host, sizeof host, "mta-sts.%s", p->domain);
    if (!(b = dns_batch_new(eng)))
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    ia = dns_batch_add(b, host, DNS_T_A);
    i6 = dns_batch_add(b, host, DNS_T_AAAA);
    if (dns_batch_wait(b) != AUTH_OK)
        st = auth_fail(err, errlen, AUTH_EIO, "lookup of %s failed", host);
    else
        st = mtasts_policy_fetch_resolved(p, dns_batch_result(b, ia), dns_batch_result(b, i6),
                                          out, err, errlen);
    dns_batch_free(b);
    return st;
}

enum auth_status mtasts_policy_fetch_resolved(const struct mtasts_fetch_params *p,
                                              const struct dns_result *a,
                                              const struct dns_result *aaaa,
                                              struct mtasts_fetch_result *out,
                                              char *err, size_t errlen)
{
    char host[DNS_MAX_NAME + 16], url[DNS_MAX_NAME + 64], entry[1024], ebuf[CURL_ERROR_SIZE];
    unsigned port = p->port ? p->port : 443;
    struct body_buf body = {0};
    struct curl_slist *resolve = NULL;
    enum auth_status st;
    CURL *h;
    CURLcode rc;

    memset(out, 0, sizeof *out);
    ebuf[0] = '\0';
    if (!p->domain || strlen(p->domain) > DNS_MAX_NAME - 8)
        return auth_fail(err, errlen, AUTH_EINVAL, "bad policy domain");
    snprintf(host, sizeof host, "mta-sts.%s", p->domain);
    snprintf(url, sizeof url, "https://%s:%u/.well-known/mta-sts.txt", host, port);
    if (!a || !aaaa)
        return auth_fail(err, errlen, AUTH_EINVAL, "no address answers for %s", host);
    if (!resolve_entry(a, aaaa, host, port, p->allow_private, &out->not_probed, entry, sizeof entry, &st, err, errlen))
        return st != AUTH_OK ? st : auth_fail(err, errlen, AUTH_ENOTFOUND, "%s has no address",
                                               host);
    pthread_once(&curl_once, curl_init);
    if (curl_init_status != CURLE_OK || !(h = curl_easy_init()))
        return auth_fail(err, errlen, AUTH_ENOMEM, "cannot start libcurl");
    if (!(resolve = curl_slist_append(NULL, entry))) {
        curl_easy_cleanup(h);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    set_options(h, p, url, resolve, &body, ebuf);
    rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        char *ip = NULL;
        if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
            snprintf(out->address, sizeof out->address, "%s", ip);
        st = curl_failure(rc, &body, ebuf, err, errlen);
    } else {
        st = judge_answer(h, out, err, errlen);
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(resolve);
    if (st == AUTH_OK) {
        out->body = body.data ? body.data : strdup("");
        out->body_len = body.len;
        return out->body ? AUTH_OK : auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    free(body.data);
    return st;
}

void mtasts_fetch_clear(struct mtasts_fetch_result *r)
{
    if (!r)
        return;
    free(r->body);
    memset(r, 0, sizeof *r);
}
