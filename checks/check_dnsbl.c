/*
 * check_dnsbl.c - the dnsbl family: the MX addresses and the --ip sending
 * addresses looked up in each --dnsbl zone (none by default: no third-party
 * list is queried unasked), every (address, zone) pair in one stage, A and
 * TXT together.  Answers are judged as RFC 5782 says: NXDOMAIN is "not
 * listed", only 127.0.0.0/8 answers count as listings, 127.255.255.x is the
 * list refusing the query (an error, e.g. through a public resolver), and
 * anything else is an invalid answer (error, not a listing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth/mx.h"

#define MAX_ADDRS 128

struct target {
    struct auth_ip ip;
    char text[AUTH_IP_STRLEN];
    const char *what;           /* "MX mx.example.org" / "sending" */
};

/* "4.3.2.1.ZONE" / nibbles.ZONE (RFC 5782 2.1, 2.4). */
static bool query_name(const struct auth_ip *ip, const char *zone, char *buf, size_t len)
{
    char rev[128];
    size_t n;

    auth_ip_reverse_name(ip, rev, sizeof rev);
    n = strlen(rev);
    n -= ip->family == AF_INET ? strlen(".in-addr.arpa") : strlen(".ip6.arpa");
    return (size_t)snprintf(buf, len, "%.*s.%s", (int)n, rev, zone) < len;
}

static size_t gather(struct audit_ctx *ctx, struct target *t, struct finding_list *out)
{
    struct mx_report *mx = NULL;
    char err[200];
    size_t n = 0;

    for (size_t i = 0; i < ctx->opt->nips && n < MAX_ADDRS; i++) {
        t[n] = (struct target){ .ip = ctx->opt->ips[i], .what = TR("sending address") };
        auth_ip_format(&t[n].ip, t[n].text, sizeof t[n].text);
        n++;
    }
    if (mx_lookup(ctx->eng, ctx->domain, &mx, err, sizeof err) != AUTH_OK) {
        /* losing this note to memory leaves the run's other findings */
        auth_status_ignore(auth_finding_addf(out, "dnsbl.listed", SEV_ERROR, "MX lookup failed", NULL,
                                        NULL, "%s", err));
        return n;
    }
    for (size_t h = 0; h < mx->nhosts; h++)
        for (size_t k = 0; k < mx->hosts[h].naddrs && n < MAX_ADDRS; k++) {
            t[n] = (struct target){ .ip = mx->hosts[h].addrs[k].addr, .what = TR("MX address") };
            auth_ip_format(&t[n].ip, t[n].text, sizeof t[n].text);
            n++;
        }
    mx_report_free(mx);
    return n;
}

/* One (address, zone) answer into a finding. */
static enum auth_status judge(const struct target *t, const char *zone,
                              const struct dns_result *a, const struct dns_result *txt,
                              struct finding_list *out)
{
    enum dns_status s = dns_result_status(a);
    char codes[160] = "";
    size_t n = 0;
    bool refused = false, invalid = false;

    if (s == DNS_NXDOMAIN || s == DNS_NODATA)
        return auth_finding_addf(out, "dnsbl.listed", SEV_PASS, "not listed", NULL, "RFC 5782",
                            "%s %s is not on %s", t->what, t->text, zone);
    if (dns_status_is_temporary(s))
        return audit_dns_error(out, "dnsbl.listed", dns_result_qname(a), a);
    for (size_t i = 0; i < dns_result_count(a); i++) {
        const struct auth_ip *ip = &dns_result_rr(a, i)->u.addr;
        char buf[AUTH_IP_STRLEN];
        if (ip->family != AF_INET || ip->b[0] != 127)
            invalid = true;
        else if (ip->b[1] == 255 && ip->b[2] == 255)
            refused = true;
        if (n < sizeof codes - AUTH_IP_STRLEN - 2)
            n += (size_t)snprintf(codes + n, sizeof codes - n, "%s%s", n ? " " : "",
                                  auth_ip_format(ip, buf, sizeof buf));
    }
    if (refused || invalid)
        return auth_finding_addf(out, "dnsbl.listed", SEV_ERROR, refused ? "the list refused the "
                            "query" : N_("invalid answer from the list"), NULL, "RFC 5782 2.1",
                            "%s on %s answered %s: %s", t->text, zone, codes, refused ?
                            TR("127.255.255.x means the list refuses queries from this "
                               "resolver (public resolvers are often blocked); use your own "
                               "resolver")
                            : TR("only 127.0.0.0/8 answers are listings; the zone may be "
                                 "defunct or wildcarded"));
    return auth_finding_addf(out, "dnsbl.listed", SEV_FAIL, "address is on a blocklist",
                        "find why (open relay, compromised account, spam), fix it, then "
                        "request delisting from the list's operator", "RFC 5782",
                        "%s %s is listed on %s (%s)%s%.*s", t->what, t->text, zone, codes,
                        dns_result_count(txt) ? ": " : "",
                        dns_result_count(txt) ? (int)dns_result_rr(txt, 0)->u.txt.len : 0,
                        dns_result_count(txt) ? (const char *)dns_result_rr(txt, 0)->u.txt.data
                                              : "");
}

enum auth_status check_dnsbl(struct audit_ctx *ctx, struct finding_list *out)
{
    struct target t[MAX_ADDRS];
    struct dns_batch *b;
    size_t n, (*idx)[2];
    enum auth_status st;

    if (!ctx->opt->ndnsbl)
        return AUTH_OK;        /* nothing asked: no list is queried unasked */
    n = gather(ctx, t, out);
    if (!(b = dns_batch_new(ctx->eng)) || !(idx = calloc(n * ctx->opt->ndnsbl + 1, sizeof *idx))) {
        dns_batch_free(b);
        return AUTH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t z = 0; z < ctx->opt->ndnsbl; z++) {
            char name[DNS_MAX_NAME + 80];
            size_t k = i * ctx->opt->ndnsbl + z;
            if (!query_name(&t[i].ip, ctx->opt->dnsbl[z], name, sizeof name))
                name[0] = '\0';
            idx[k][0] = dns_batch_add(b, name, DNS_T_A);
            idx[k][1] = dns_batch_add(b, name, DNS_T_TXT);
        }
    st = dns_batch_wait(b);
    for (size_t i = 0; st == AUTH_OK && i < n; i++)
        for (size_t z = 0; st == AUTH_OK && z < ctx->opt->ndnsbl; z++) {
            size_t k = i * ctx->opt->ndnsbl + z;
            st = judge(&t[i], ctx->opt->dnsbl[z], dns_batch_result(b, idx[k][0]),
                       dns_batch_result(b, idx[k][1]), out);
        }
    free(idx);
    dns_batch_free(b);
    return st;
}
