/*
 * arc_trust.c - `auth --trust-arc DOMAIN...`: what the ARC chain says the
 * first hops saw, for an operator's local DMARC override (RFC 8617 7.2.1,
 * RFC 7489 7.2 "local_policy"): when the chain passes and a set was sealed
 * by a domain the operator trusts, the DMARC result recorded in that set's
 * ARC-Authentication-Results is reported, with whether it would override a
 * failing dmarc= here.  Reported only: the dmarc= verdict never changes.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc_cmd.h"
#include "auth/authres.h"
#include "cmd.h"

/* The result of method in the AAR payload p[0..len), or NULL (borrowed
 * from *ar, which the caller frees). */
static const char *aar_result(const char *p, size_t len, const char *method,
                              struct authres **ar)
{
    char err[128];

    if (!*ar && authres_parse(p, len, ar, err, sizeof err) != AUTH_OK)
        return NULL;
    for (size_t i = 0; *ar && i < (*ar)->nresults; i++)
        if (!strcmp((*ar)->results[i].method, method))
            return (*ar)->results[i].result;
    return NULL;
}

static bool trusted(const char *d, const char *const *list, size_t n)
{
    for (size_t i = 0; d && i < n; i++)
        if (!strcasecmp(d, list[i]))
            return true;
    return false;
}

json_t *arc_trust_json(const struct arc_verify *v, const char *const *list, size_t n,
                       bool dmarc_pass)
{
    json_t *o = json_object(), *sealers = json_array();
    const struct arc_set_result *use = NULL;
    struct authres *ar = NULL;
    const char *dmarc = NULL, *p;
    size_t len;

    for (size_t i = 0; i < n; i++)
        json_array_append_new(sealers, json_string(list[i]));
    json_object_set_new(o, "trusted_sealers", sealers);
    for (size_t i = arc_verify_count(v); arc_verify_result(v) == ARC_PASS && i-- > 0;)
        if (trusted(arc_verify_set(v, i)->domain, list, n)) {
            use = arc_verify_set(v, i);
            break;
        }
    if (use && (p = arc_verify_aar(v, use->instance, &len)))
        dmarc = aar_result(p, len, "dmarc", &ar);
    json_object_set_new(o, "sealer", json_str_or_null(use ? use->domain : NULL));
    json_object_set_new(o, "instance", use ? json_integer(use->instance) : json_null());
    json_object_set_new(o, "aar_dmarc", json_str_or_null(dmarc));
    json_object_set_new(o, "local_override", json_boolean(!dmarc_pass && dmarc &&
                                                          !strcmp(dmarc, "pass")));
    authres_free(ar);
    return o;
}
