/*
 * arc_int.h - shared by the files of libauth/arc (not public).
 *
 * A parsed chain: for each instance 1..ARC_MAX_SETS the three header
 * fields of its set (views into the message), with the tag lists of the
 * AMS and the AS.  Structure problems (RFC 8617 5.2 step 3) are recorded as
 * the first reason found; the sets are kept for reporting.
 */
#ifndef AUTH_ARC_INT_H
#define AUTH_ARC_INT_H

#include "auth/arc.h"
#include "dkim/dkim_int.h"

struct arc_member {
    const struct msg_header *f;    /* NULL: missing */
    const char *value;             /* after the colon */
    size_t value_len;
    struct dkim_tags tags;         /* AMS and AS only */
};

enum { ARC_AAR = 0, ARC_AMS, ARC_AS, ARC_KINDS };

struct arc_set {
    struct arc_member m[ARC_KINDS];
};

struct arc_chain {
    struct arc_set *set[ARC_MAX_SETS + 1];   /* by instance; [0] unused */
    unsigned newest;                         /* highest instance seen */
    size_t fields;                           /* ARC header fields seen */
    bool broken;                             /* structure invalid */
    struct dkim_tags scratch;                /* tags of the field being placed */
    char reason[200];                        /* first structure problem */
    char reason_for_people[200];             /* the same in the user's language */
};

/* "ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal". */
extern const char *const arc_kind_name[ARC_KINDS];

/* Collect the ARC fields of hdrs into c (zeroed by the caller) and check
 * the structure.  AUTH_OK (see c->broken) or AUTH_ENOMEM. */
enum auth_status arc_chain_parse(const struct msg_headers *hdrs, struct arc_chain *c);
void arc_chain_clear(struct arc_chain *c);

/* cv= of a seal's tags: ARC_NONE/PASS/FAIL, or -1 when absent or invalid. */
int arc_cv_of(const struct dkim_tags *t);

/* Digest for the ARC-Seal of instance n (RFC 8617 5.1.1): relaxed AAR,
 * AMS, AS of every set 1..n in that order; the AS of n is as_raw[0..len)
 * with its b= value [b_off, b_end) emptied and without line end.  For n's
 * AAR and AMS the given raw fields are used (aar_n, ams_n), so a signer can
 * pass fields not yet in the message.  AUTH_OK, AUTH_ENOMEM, AUTH_ECRYPTO. */
struct arc_raw {
    const char *p;
    size_t len;
};
enum auth_status arc_seal_digest(const struct arc_chain *c, unsigned n,
                                 struct arc_raw aar_n, struct arc_raw ams_n,
                                 struct arc_raw as_n, size_t b_off, size_t b_end,
                                 unsigned char *md, unsigned int *mdlen);

/* The digests of every seal of a complete chain at once, md[i] for the
 * AS of instance i (1..c->newest): one running hash over the sets, so a
 * chain of n sets costs n canonicalisations of each field, not n^2/2.
 * Each AS must have a b= tag.  AUTH_OK, AUTH_ENOMEM, AUTH_ECRYPTO. */
enum auth_status arc_seal_digests(const struct arc_chain *c, unsigned char (*md)[64],
                                  unsigned int *mdlen);

/* Whether d= looks like a domain name (LDH labels, underscores allowed). */
bool arc_domain_ok(const char *s, size_t len);

#endif
