/*
 * plan.c - setup_plan_new(): the records of a new mail domain, the MTA-STS
 * policy text and the checklist of what DNS cannot do, as data.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/finding.h"
#include "core/people.h"
#include "auth/smtp.h"
#include "setup/setup_int.h"


#define TEXT_MAX 1200        /* one value or checklist line: names are <= 253 */
#define RUA_MAX  320         /* "dmarc-reports@" + a 253-octet domain */

struct setup_plan {
    char domain[256], mail_host[256];
    struct setup_record rec[SETUP_MAX_RECORDS];
    size_t nrec;
    char *checklist[SETUP_MAX_CHECKLIST];
    size_t ncheck;
    char *policy, *policy_url;
    bool failed;             /* sticky: an allocation or bound failed */
};

/* Lower case, no trailing dot. */
static void normalise(char *dst, size_t len, const char *src)
{
    size_t n = 0;

    for (; src[n] && n + 1 < len; n++)
        dst[n] = (char)tolower((unsigned char)src[n]);
    dst[n] = '\0';
    if (n && dst[n - 1] == '.')
        dst[n - 1] = '\0';
}

static char *fmt(struct setup_plan *pl, const char *f, ...) __attribute__((format(printf, 2, 3)));
static char *fmt(struct setup_plan *pl, const char *f, ...)
{
    char buf[TEXT_MAX];
    va_list ap;
    int n;
    char *s;

    va_start(ap, f);
    n = vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    s = n < 0 || (size_t)n >= sizeof buf ? NULL : strdup(buf);
    if (!s)
        pl->failed = true;
    return s;
}

/* Append a record; name and value are formatted copies the plan owns. */
static void add(struct setup_plan *pl, unsigned ttl, bool outside, const char *type,
                const char *note, char *name, char *value)
{
    struct setup_record *r;

    if (pl->failed || !name || !value || pl->nrec >= SETUP_MAX_RECORDS) {
        free(name);
        free(value);
        pl->failed = true;
        return;
    }
    r = &pl->rec[pl->nrec++];
    r->name = name;
    r->value = value;
    r->type = type;
    r->ttl = ttl;
    r->outside_zone = outside;
    r->note = note;
}

static void check_item(struct setup_plan *pl, char *text)
{
    if (!text || pl->ncheck >= SETUP_MAX_CHECKLIST) {
        free(text);
        pl->failed = true;
        return;
    }
    pl->checklist[pl->ncheck++] = text;
}

/* Whether host is domain or a name under it. */
static bool in_zone(const char *host, const char *domain)
{
    size_t h = strlen(host), d = strlen(domain);

    return h == d ? strcmp(host, domain) == 0
                  : h > d && host[h - d - 1] == '.' && strcmp(host + h - d, domain) == 0;
}

static void address_records(struct setup_plan *pl, const struct auth_ip *ip, unsigned ttl)
{
    char text[AUTH_IP_STRLEN];
    bool outside = !in_zone(pl->mail_host, pl->domain);

    auth_ip_format(ip, text, sizeof text);
    add(pl, ttl, outside, ip->family == AF_INET ? "A" : "AAAA",
        outside ? TR("address of the mail host: publish it in the mail host's own zone")
                : TR("address of the mail host"),
        fmt(pl, "%s", pl->mail_host), fmt(pl, "%s", text));
}

static void ptr_record(struct setup_plan *pl, const struct auth_ip *ip, unsigned ttl)
{
    char rev[AUTH_IP_REVLEN];

    auth_ip_reverse_name(ip, rev, sizeof rev);
    add(pl, ttl, true, "PTR", TR("reverse DNS: set by whoever holds the address (your "
        "hosting provider)"), fmt(pl, "%s", rev), fmt(pl, "%s", pl->mail_host));
}

static void spf_record(struct setup_plan *pl, const struct setup_params *p,
                       const struct auth_ip ip[2], size_t nip, unsigned ttl)
{
    char a[2][AUTH_IP_STRLEN] = { "", "" };

    for (size_t i = 0; i < nip; i++)
        auth_ip_format(&ip[i], a[i], sizeof a[i]);
    if (p->spf == SETUP_SPF_MX)
        add(pl, ttl, false, "TXT", TR("SPF: only the MX hosts send mail for the domain"),
            fmt(pl, "%s", pl->domain), fmt(pl, "v=spf1 mx -all"));
    else
        add(pl, ttl, false, "TXT", TR("SPF: only the mail host's addresses send mail for the "
            "domain"), fmt(pl, "%s", pl->domain),
            fmt(pl, "v=spf1 %s:%s%s%s -all", ip[0].family == AF_INET ? "ip4" : "ip6", a[0],
                nip > 1 ? " ip6:" : "", a[1]));
}

/* The DMARC report address (checked by setup_params_check) into addr. */
static void rua_of(const struct setup_plan *pl, const struct setup_params *p, char *addr,
                   size_t len)
{
    char err[200];

    if (!p->dmarc_rua || setup_rua_address(p->dmarc_rua, addr, len, err, sizeof err) != AUTH_OK)
        snprintf(addr, len, "dmarc-reports@%s", pl->domain);
}

/* Whether the report address is outside the domain (RFC 7489 7.1 then
 * wants the report domain's consent). */
static bool rua_foreign(const struct setup_plan *pl, const char *addr)
{
    return !in_zone(strrchr(addr, '@') + 1, pl->domain);
}

static void dmarc_records(struct setup_plan *pl, const struct setup_params *p, unsigned ttl)
{
    char addr[RUA_MAX];

    rua_of(pl, p, addr, sizeof addr);
    add(pl, ttl, false, "TXT", TR("DMARC: monitoring first (p=none), reports to the rua "
        "address"), fmt(pl, "_dmarc.%s", pl->domain),
        fmt(pl, "v=DMARC1; p=none; rua=mailto:%s", addr));
    if (rua_foreign(pl, addr))
        add(pl, ttl, true, "TXT", TR("lets the report domain receive this domain's DMARC "
            "reports (RFC 7489 7.1): published in the report domain's zone"),
            fmt(pl, "%s._report._dmarc.%s", pl->domain, strrchr(addr, '@') + 1),
            fmt(pl, "v=DMARC1"));
}

static void mtasts_records(struct setup_plan *pl, const struct setup_params *p, unsigned ttl)
{
    add(pl, ttl, false, "TXT", TR("SMTP TLS reporting (RFC 8460)"),
        fmt(pl, "_smtp._tls.%s", pl->domain),
        fmt(pl, "v=TLSRPTv1; rua=mailto:tls-reports@%s", pl->domain));
    add(pl, ttl, false, "TXT", TR("MTA-STS: a policy exists; change the id whenever the "
        "policy changes"), fmt(pl, "_mta-sts.%s", pl->domain),
        fmt(pl, "v=STSv1; id=%s", p->mta_sts_id));
    /* The policy host is a CNAME to the mail host, unless it is the mail host. */
    if (strncmp(pl->mail_host, "mta-sts.", 8) != 0 || strcmp(pl->mail_host + 8, pl->domain))
        add(pl, ttl, false, "CNAME", TR("the MTA-STS policy host: served by the mail host "
            "over HTTPS"), fmt(pl, "mta-sts.%s", pl->domain), fmt(pl, "%s", pl->mail_host));
    pl->policy = fmt(pl, "version: STSv1\nmode: testing\nmx: %s\nmax_age: %u\n",
                     pl->mail_host, SETUP_STS_MAX_AGE_TESTING);
    pl->policy_url = fmt(pl, "https://mta-sts.%s/.well-known/mta-sts.txt", pl->domain);
}

/* What DNS cannot do, in the order an admin does it. */
static void checklist(struct setup_plan *pl, const struct setup_params *p,
                      const struct auth_ip ip[2], size_t nip)
{
    char a[AUTH_IP_STRLEN], addr[RUA_MAX];

    rua_of(pl, p, addr, sizeof addr);
    for (size_t i = 0; i < nip; i++)
        check_item(pl, fmt(pl, TR("Ask the provider of %s to set its reverse DNS (PTR) to %s "
                               "(receivers reject mail from addresses without a PTR that "
                               "resolves back)"), auth_ip_format(&ip[i], a, sizeof a),
                           pl->mail_host));
    for (size_t i = 0; i < nip; i++)
        if (auth_ip_is_private(&ip[i]))
            check_item(pl, fmt(pl, TR("%s is a private or loopback address: fine for a lab, "
                                   "but the Internet cannot reach it"),
                               auth_ip_format(&ip[i], a, sizeof a)));
    check_item(pl, fmt(pl, TR("Open inbound TCP ports 25 (SMTP), 587 (submission, STARTTLS), "
                           "465 (submission, implicit TLS) and 993 (IMAPS) on %s"),
                       pl->mail_host));
    check_item(pl, fmt(pl, TR("Make sure outbound TCP port 25 is not blocked (many hosting "
                           "providers block it until asked)")));
    check_item(pl, fmt(pl, TR("Get a certificate for %s (STARTTLS on 25/587, TLS on 465/993) "
                           "and one for mta-sts.%s"), pl->mail_host, pl->domain));
    check_item(pl, fmt(pl, TR("Sign outgoing mail with DKIM: private key %s, selector %s, "
                           "domain %s"), p->key_file ? p->key_file : "(the generated key)",
                       p->selector, pl->domain));
    check_item(pl, fmt(pl, TR("Serve the MTA-STS policy at %s"),
                       pl->policy_url ? pl->policy_url : "https://mta-sts.DOMAIN/"));
    check_item(pl, fmt(pl, TR("Make sure %s (DMARC aggregate reports) and tls-reports@%s "
                           "(TLS-RPT reports) receive mail"), addr, pl->domain));
    if (rua_foreign(pl, addr))
        check_item(pl, fmt(pl, TR("Have %s publish %s._report._dmarc.%s TXT \"v=DMARC1\", or "
                               "receivers will not send it this domain's reports"),
                           strrchr(addr, '@') + 1, pl->domain, strrchr(addr, '@') + 1));
    check_item(pl, fmt(pl, TR("DMARC path: read the aggregate reports for 2 to 4 weeks; when "
                           "all legitimate mail passes SPF or DKIM aligned, change _dmarc.%s "
                           "to p=quarantine (pct=25, then 100)"), pl->domain));
    check_item(pl, fmt(pl, TR("DMARC path: after some weeks at p=quarantine with clean "
                           "reports, move to p=reject")));
    check_item(pl, fmt(pl, TR("MTA-STS path: when the TLS reports are clean, set \"mode: "
                           "enforce\" and \"max_age: %u\" in the policy and publish a new id "
                           "in _mta-sts.%s"), SETUP_STS_MAX_AGE_ENFORCE, pl->domain));
}

/* Records of the domain's zone first, outside ones after, order kept. */
static void partition(struct setup_plan *pl)
{
    struct setup_record tmp[SETUP_MAX_RECORDS];
    size_t n = 0;

    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < pl->nrec; i++)
            if (pl->rec[i].outside_zone == (pass == 1))
                tmp[n++] = pl->rec[i];
    memcpy(pl->rec, tmp, n * sizeof tmp[0]);
}

enum auth_status setup_plan_new(const struct setup_params *p, struct setup_plan **out,
                                char *err, size_t errlen)
{
    struct setup_plan *pl;
    struct auth_ip ip[2];
    size_t nip = 1;
    unsigned ttl = p->ttl ? p->ttl : SETUP_TTL_DEFAULT;
    enum auth_status st = setup_params_check(p, err, errlen);

    *out = NULL;
    if (st != AUTH_OK)
        return st;
    if (!p->dkim_record || !*p->dkim_record)
        return auth_fail(err, errlen, AUTH_EINVAL, "no DKIM record given");
    if (!p->mta_sts_id || !*p->mta_sts_id || strlen(p->mta_sts_id) > 32 ||
        strspn(p->mta_sts_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "0123456789") != strlen(p->mta_sts_id))
        return auth_fail(err, errlen, AUTH_EINVAL, "MTA-STS id: 1 to 32 letters or digits");
    if (!(pl = calloc(1, sizeof *pl)))
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    normalise(pl->domain, sizeof pl->domain, p->domain);
    normalise(pl->mail_host, sizeof pl->mail_host, p->mail_host);
    /* setup_params_check accepted both; a failure here is a broken invariant */
    if (setup_ip_check("--ip", p->ip, &ip[0], err, errlen) != AUTH_OK ||
        (p->ipv6 && setup_ip_check("--ipv6", p->ipv6, &ip[nip++], err, errlen) != AUTH_OK)) {
        setup_plan_free(pl);
        return AUTH_EINVAL;
    }

    add(pl, ttl, false, "MX", TR("mail for the domain goes to the mail host"),
        fmt(pl, "%s", pl->domain), fmt(pl, "%d %s", SETUP_MX_PREFERENCE, pl->mail_host));
    for (size_t i = 0; i < nip; i++)
        address_records(pl, &ip[i], ttl);
    spf_record(pl, p, ip, nip, ttl);
    add(pl, ttl, false, "TXT", TR("DKIM public key"), fmt(pl, "%s._domainkey.%s", p->selector,
        pl->domain), fmt(pl, "%s", p->dkim_record));
    dmarc_records(pl, p, ttl);
    mtasts_records(pl, p, ttl);
    for (size_t i = 0; i < nip; i++)
        ptr_record(pl, &ip[i], ttl);
    checklist(pl, p, ip, nip);
    partition(pl);
    if (pl->failed) {
        setup_plan_free(pl);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    *out = pl;
    return AUTH_OK;
}

void setup_plan_free(struct setup_plan *pl)
{
    if (!pl)
        return;
    for (size_t i = 0; i < pl->nrec; i++) {
        free((char *)pl->rec[i].name);
        free((char *)pl->rec[i].value);
    }
    for (size_t i = 0; i < pl->ncheck; i++)
        free(pl->checklist[i]);
    free(pl->policy);
    free(pl->policy_url);
    free(pl);
}

const char *setup_plan_domain(const struct setup_plan *pl) { return pl->domain; }
const char *setup_plan_mail_host(const struct setup_plan *pl) { return pl->mail_host; }
size_t setup_plan_nrecords(const struct setup_plan *pl) { return pl->nrec; }
const struct setup_record *setup_plan_record(const struct setup_plan *pl, size_t i)
{
    return i < pl->nrec ? &pl->rec[i] : NULL;
}
const char *setup_plan_mta_sts_policy(const struct setup_plan *pl) { return pl->policy; }
const char *setup_plan_mta_sts_url(const struct setup_plan *pl) { return pl->policy_url; }
size_t setup_plan_nchecklist(const struct setup_plan *pl) { return pl->ncheck; }
const char *setup_plan_checklist(const struct setup_plan *pl, size_t i)
{
    return i < pl->ncheck ? pl->checklist[i] : NULL;
}
