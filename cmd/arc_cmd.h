/*
 * arc_cmd.h - the pieces of `mailctl arc` shared with other commands
 * (`auth` reports the chain too).
 */
#ifndef MAILCTL_ARC_CMD_H
#define MAILCTL_ARC_CMD_H

#include <jansson.h>

#include "auth/arc.h"

/* The `arc verify` JSON shape of ../shared/cli.md (plus "temperror"). */
json_t *arc_verify_json(const struct arc_verify *v);

/* What `arc seal` evaluates a message as received with (arc_eval.c). */
struct arc_eval_opts {
    const char *ip, *mail_from, *helo, *authserv_id;
};
struct dns_engine;
struct msg_headers;
/* SPF (MAIL FROM), every DKIM signature, DMARC and the ARC chain (already
 * validated: chain) as an Authentication-Results payload "ID; spf=...;
 * dkim=...; dmarc=...; arc=..." in *out (malloc).  Returns an exit code,
 * the error printed. */
int arc_eval_results(const struct arc_eval_opts *o, const char *msg, size_t len,
                     const struct msg_headers *h, size_t body_off, struct dns_engine *eng,
                     struct dkim_keystore *ks, const struct arc_verify *chain, char **out);
/* Add "arc=RESULT" with header.oldest-pass and smtp.remote-ip (RFC 8617
 * 7.2; ip may be NULL) to an Authentication-Results under construction. */
struct authres;
bool arc_authres_add(struct authres *ar, const struct arc_verify *chain, const char *ip);

/* `auth --trust-arc`: {"trusted_sealers", "sealer", "instance", "aar_dmarc",
 * "local_override"} for the newest set of a passing chain sealed by a
 * listed domain (arc_trust.c).  Information only. */
json_t *arc_trust_json(const struct arc_verify *v, const char *const *list, size_t n,
                       bool dmarc_pass);

int arc_verify_main(int argc, char **argv);
int arc_seal_main(int argc, char **argv);

#endif
