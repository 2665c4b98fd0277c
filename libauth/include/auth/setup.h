/*
 * auth/setup.h - the DNS records (and the few things outside DNS) a new
 * mail domain needs, as data: MX, A/AAAA of the mail host, SPF, DKIM,
 * DMARC (p=none with a report address), TLS-RPT, MTA-STS (record, policy
 * host and policy text in testing mode), and the PTR records to ask the
 * address's owner for.  `mailctl setup` renders them as a zone-file snippet
 * or JSON; nothing here prints or does I/O.
 *
 * Names are lower-case, absolute and written without the trailing dot.
 * Values are what a DNS provider's form wants: TXT unsplit and unquoted;
 * MX "PREF HOST"; CNAME and PTR "HOST".  setup_record_zone_text() gives the
 * zone-file line (trailing dots, TXT split into quoted strings of at most
 * 255 octets).
 *
 * Ownership: setup_plan_new() copies what it needs from the params; the
 * plan owns every string its getters return, valid until setup_plan_free().
 */
#ifndef AUTH_SETUP_H
#define AUTH_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/status.h"

#define SETUP_TTL_DEFAULT   3600u
#define SETUP_MX_PREFERENCE 10
#define SETUP_MAX_RECORDS   16
#define SETUP_MAX_CHECKLIST 16
/* MTA-STS max_age of the first, testing-mode policy (one day), and the one
 * the checklist recommends once it enforces (two weeks, RFC 8461 3.2). */
#define SETUP_STS_MAX_AGE_TESTING  86400u
#define SETUP_STS_MAX_AGE_ENFORCE  1209600u

enum setup_spf_style {
    SETUP_SPF_IP = 0,        /* "v=spf1 ip4:IP [ip6:IP] -all": no DNS lookups */
    SETUP_SPF_MX,            /* "v=spf1 mx -all": follows the MX records */
};

struct setup_params {
    const char *domain;       /* the mail domain, e.g. "example.com" (required) */
    const char *mail_host;    /* its MX host, e.g. "mail.example.com" (required) */
    const char *ip;           /* the mail host's address, IPv4 or IPv6 (required) */
    const char *ipv6;         /* a second address, IPv6 (may be NULL) */
    const char *selector;     /* DKIM selector (required) */
    const char *dkim_record;  /* "v=DKIM1; k=rsa; p=..." (required by setup_plan_new) */
    const char *key_file;     /* where the private key is, for the checklist (may be NULL) */
    const char *dmarc_rua;    /* "ADDR" or "mailto:ADDR"; NULL: dmarc-reports@DOMAIN */
    const char *mta_sts_id;   /* 1..32 letters/digits, e.g. the UTC time (required) */
    enum setup_spf_style spf;
    unsigned ttl;             /* 0: SETUP_TTL_DEFAULT */
};

struct setup_record {
    const char *name;         /* "_dmarc.example.com" */
    const char *type;         /* "MX", "A", "AAAA", "TXT", "CNAME", "PTR" */
    const char *value;        /* see the top of this file */
    unsigned ttl;
    bool outside_zone;        /* belongs to another zone (PTR, a foreign host) */
    const char *note;         /* one line: what it is for */
};

/* Check every input of p except dkim_record and mta_sts_id, before any key
 * is made: domain and mail host are host names of at least two LDH labels
 * under a non-numeric top-level label (not localhost, .local, .invalid);
 * ip parses and is not unspecified, multicast or broadcast, ipv6 is IPv6
 * and only one address per family; the selector is one or more LDH labels;
 * the report address is a plain ASCII address.  AUTH_OK or AUTH_EINVAL
 * with err naming the argument ("--ip '300.1.2.3': not an IP address"). */
AUTH_MUST_USE
enum auth_status setup_params_check(const struct setup_params *p, char *err, size_t errlen);

struct setup_plan;

/* Build the plan.  AUTH_OK with *out (free with setup_plan_free);
 * AUTH_EINVAL as setup_params_check, or a missing dkim_record/mta_sts_id;
 * AUTH_ENOMEM. */
AUTH_MUST_USE
enum auth_status setup_plan_new(const struct setup_params *p, struct setup_plan **out,
                                char *err, size_t errlen);
void setup_plan_free(struct setup_plan *plan);

/* The normalised domain and mail host (lower case, no trailing dot). */
const char *setup_plan_domain(const struct setup_plan *plan);
const char *setup_plan_mail_host(const struct setup_plan *plan);

/* Records in publishing order: the domain's zone first, then those with
 * outside_zone set.  i < setup_plan_nrecords(). */
size_t setup_plan_nrecords(const struct setup_plan *plan);
const struct setup_record *setup_plan_record(const struct setup_plan *plan, size_t i);

/* The MTA-STS policy file, LF line ends, for
 * https://mta-sts.DOMAIN/.well-known/mta-sts.txt (mode testing). */
const char *setup_plan_mta_sts_policy(const struct setup_plan *plan);
/* Its URL. */
const char *setup_plan_mta_sts_url(const struct setup_plan *plan);

/* What must be done outside DNS, one imperative sentence each. */
size_t setup_plan_nchecklist(const struct setup_plan *plan);
const char *setup_plan_checklist(const struct setup_plan *plan, size_t i);

/* One record as a zone-file line "NAME.\tTTL\tIN\tTYPE\tRDATA\n" (TXT as
 * quoted strings of at most 255 octets each, '"' and '\\' escaped; host
 * names in MX/CNAME/PTR data absolute with the trailing dot).  malloc'd
 * (caller frees); NULL on allocation failure. */
char *setup_record_zone_text(const struct setup_record *r);

#endif
