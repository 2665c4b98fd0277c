/*
 * testsnap.c - zone-style answer lines into a DNS replay tape (testsnap.h),
 * the messages built with ldns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "auth/dns.h"
#include "testsnap.h"

/* "NAME TYPE status" lines: the status word, or NULL for an RR line. */
static const char *status_word(const char *line, char *name, size_t nlen, char *type,
                               size_t tlen)
{
    static const char *const words[] = { "nodata", "nxdomain", "servfail", "refused",
                                          "timeout", NULL };
    char w[32];

    if (sscanf(line, "%255s %15s %31s", name, type, w) != 3)
        return NULL;
    (void)nlen;
    (void)tlen;
    for (size_t i = 0; words[i]; i++)
        if (!strcmp(w, words[i]))
            return words[i];
    return NULL;
}

static void lower_nodot(char *s)
{
    size_t n = strlen(s);

    for (char *p = s; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    if (n > 1 && s[n - 1] == '.')
        s[n - 1] = '\0';
}

/* One answer message for the RRs (same owner and type) as a tape line. */
static int write_answer(FILE *fp, ldns_rr_list *rrs)
{
    ldns_rr *first = ldns_rr_list_rr(rrs, 0);
    ldns_pkt *pkt = ldns_pkt_new();
    ldns_rr *q = ldns_rr_new();
    uint8_t *wire = NULL;
    size_t len = 0;
    char *owner = ldns_rdf2str(ldns_rr_owner(first));
    int rc = -1;

    ldns_rr_set_owner(q, ldns_rdf_clone(ldns_rr_owner(first)));
    ldns_rr_set_type(q, ldns_rr_get_type(first));
    ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
    ldns_rr_set_question(q, true);
    ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, q);
    for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++)
        ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, ldns_rr_clone(ldns_rr_list_rr(rrs, i)));
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_rd(pkt, true);
    ldns_pkt_set_ra(pkt, true);
    if (ldns_pkt2wire(&wire, pkt, &len) == LDNS_STATUS_OK && owner) {
        char *b64 = malloc(len / 3 * 4 + 8);
        lower_nodot(owner);
        if (b64) {
            EVP_EncodeBlock((unsigned char *)b64, wire, (int)len);
            fprintf(fp, "%s %u wire udp %s\n", owner, (unsigned)ldns_rr_get_type(first), b64);
            rc = 0;
        }
        free(b64);
    }
    free(wire);
    free(owner);
    ldns_pkt_free(pkt);
    return rc;
}

int test_snapshot_tape(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    ldns_rr_list *all = ldns_rr_list_new();
    char *copy = strdup(text), *save = NULL;
    int rc = 0;

    if (!fp || !all || !copy) {
        perror(path);
        rc = -1;
        goto out;
    }
    fprintf(fp, "# mailctl dns tape 1\n");
    for (char *line = strtok_r(copy, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
        char name[256], type[16];
        const char *st = status_word(line, name, sizeof name, type, sizeof type);
        ldns_rr *rr = NULL;
        if (st) {
            lower_nodot(name);
            fprintf(fp, "%s %u %s hand-made snapshot\n", name,
                    (unsigned)ldns_get_rr_type_by_name(type), st);
        } else if (ldns_rr_new_frm_str(&rr, line, 300, NULL, NULL) == LDNS_STATUS_OK) {
            ldns_rr_list_push_rr(all, rr);
        } else {
            fprintf(stderr, "testsnap: not an RR: %s\n", line);
            rc = -1;
        }
    }
    /* group by (owner, type), first appearance order */
    for (size_t i = 0; !rc && i < ldns_rr_list_rr_count(all); i++) {
        ldns_rr *a = ldns_rr_list_rr(all, i);
        ldns_rr_list *set = ldns_rr_list_new();
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            ldns_rr *b = ldns_rr_list_rr(all, j);
            seen = ldns_rr_get_type(a) == ldns_rr_get_type(b) &&
                   !ldns_dname_compare(ldns_rr_owner(a), ldns_rr_owner(b));
        }
        for (size_t j = i; !seen && j < ldns_rr_list_rr_count(all); j++) {
            ldns_rr *b = ldns_rr_list_rr(all, j);
            if (ldns_rr_get_type(a) == ldns_rr_get_type(b) &&
                !ldns_dname_compare(ldns_rr_owner(a), ldns_rr_owner(b)))
                ldns_rr_list_push_rr(set, b);
        }
        if (!seen)
            rc = write_answer(fp, set);
        ldns_rr_list_free(set);           /* the RRs belong to all */
    }
out:
    if (fp && fclose(fp) != 0)
        rc = -1;
    ldns_rr_list_deep_free(all);
    free(copy);
    return rc;
}

struct dns_tape *test_snapshot_open(const char *text)
{
    char path[] = "/tmp/mailctl-snap-XXXXXX", err[256];
    struct dns_tape *tape = NULL;
    int fd = mkstemp(path);

    if (fd < 0) {
        perror("testsnap: mkstemp");
        return NULL;
    }
    close(fd);
    if (test_snapshot_tape(path, text) == 0 &&
        dns_tape_open(path, DNS_TAPE_REPLAY, &tape, err, sizeof err) != AUTH_OK) {
        fprintf(stderr, "testsnap: %s\n", err);
        tape = NULL;
    }
    unlink(path);
    return tape;
}
