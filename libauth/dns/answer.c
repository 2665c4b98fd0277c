/*
 * answer.c - one DNS message (untrusted wire bytes) considered as the answer
 * to one question: is it for us, is it well-formed, and what does it say.
 *
 * Input: the message, the question (name, type, ID) and the result being
 * built (which may already hold CNAMEs from earlier re-queries).
 * Output: a verdict (stray / malformed / truncated / result / follow) and,
 * for result and follow, the typed result: status by RCODE (NXDOMAIN and
 * NODATA kept apart), the RRs of the asked type at the end of the CNAME
 * chain, the chain itself (bounded, loops detected), the AD bit.
 *
 * A pure function: no I/O, no globals; the unit tests and the fuzz target
 * call it directly.  Parsing is ldns_wire2pkt's (which bounds compression
 * pointers and rejects labels over 63); everything it returns is checked
 * again before use.
 */
#include <arpa/inet.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/dns_internal.h"

#define TEXT_MAX (4 * DNS_MAX_WIRE)   /* presentation form of one rdata */

/* Presentation name of a dname rdf: lower-case, no trailing dot. */
static const char *dname_text(struct dns_result *res, const ldns_rdf *rdf)
{
    char *s, *out;
    size_t n;

    if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
        return NULL;
    s = ldns_rdf2str(rdf);
    if (!s)
        return NULL;
    n = strlen(s);
    if (n > 1 && s[n - 1] == '.')
        n--;
    out = dns_result_strdup(res, s, n);
    if (out)
        for (char *p = out; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    LDNS_FREE(s);
    return out;
}

/* The rdata in presentation form, fields separated by one space. */
static const char *rdata_text(struct dns_result *res, const ldns_rr *rr)
{
    ldns_buffer *buf = ldns_buffer_new(256);
    const char *out = NULL;

    if (!buf)
        return NULL;
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, i);
        ldns_rdf *lower = NULL;
        ldns_status st;

        if (ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME) {
            if (!(lower = ldns_rdf_clone(f)))
                break;
            ldns_dname2canonical(lower);   /* names lower-cased in results */
            f = lower;
        }
        if (i)
            ldns_buffer_write_u8(buf, ' ');
        st = ldns_rdf2buffer_str(buf, f);
        ldns_rdf_deep_free(lower);
        if (st != LDNS_STATUS_OK)
            break;
    }
    if (ldns_buffer_status_ok(buf) && ldns_buffer_position(buf) <= TEXT_MAX)
        out = dns_result_strdup(res, (const char *)ldns_buffer_begin(buf),
                                ldns_buffer_position(buf));
    ldns_buffer_free(buf);
    return out;
}

/* TXT/SPF: character-strings joined with no separator (RFC 7208 3.3). */
static bool fill_txt(struct dns_result *res, const ldns_rr *rr, struct dns_rr *out)
{
    size_t n = ldns_rr_rd_count(rr), total = 0;
    size_t *lens = dns_result_alloc(res, (n ? n : 1) * sizeof *lens);
    unsigned char *data;

    if (!lens)
        return false;
    for (size_t i = 0; i < n; i++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, i);
        if (ldns_rdf_get_type(f) != LDNS_RDF_TYPE_STR || ldns_rdf_size(f) < 1 ||
            (size_t)ldns_rdf_data(f)[0] + 1 != ldns_rdf_size(f))
            return false;
        lens[i] = ldns_rdf_data(f)[0];
        total += lens[i];
    }
    if (total > DNS_MAX_TXT || !(data = dns_result_alloc(res, total + 1)))
        return false;
    total = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(data + total, ldns_rdf_data(ldns_rr_rdf(rr, i)) + 1, lens[i]);
        total += lens[i];
    }
    out->u.txt.data = data;
    out->u.txt.len = total;
    out->u.txt.nstrings = n;
    out->u.txt.string_len = lens;
    return true;
}

static bool fill_raw(struct dns_result *res, const ldns_rr *rr, struct dns_rr *out)
{
    ldns_buffer *buf = ldns_buffer_new(256);
    bool ok = false;

    if (!buf)
        return false;
    if (ldns_rr_rdata2buffer_wire(buf, rr) == LDNS_STATUS_OK &&
        ldns_buffer_position(buf) <= DNS_MAX_WIRE) {
        size_t n = ldns_buffer_position(buf);
        unsigned char *d = dns_result_alloc(res, n + 1);
        if (d) {
            memcpy(d, ldns_buffer_begin(buf), n);
            out->u.raw.data = d;
            out->u.raw.len = n;
            ok = true;
        }
    }
    ldns_buffer_free(buf);
    return ok;
}

static bool rdf_is(const ldns_rr *rr, size_t i, ldns_rdf_type t, size_t size)
{
    const ldns_rdf *f = i < ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, i) : NULL;
    return f && ldns_rdf_get_type(f) == t && (size == 0 || ldns_rdf_size(f) == size);
}

/* One RR of the asked type into the result's typed view. */
static bool fill_rr(struct dns_result *res, const ldns_rr *rr, struct dns_rr *out)
{
    out->type = (uint16_t)ldns_rr_get_type(rr);
    out->ttl = ldns_rr_ttl(rr);
    if (!(out->text = rdata_text(res, rr)))
        return false;
    switch (out->type) {
    case DNS_T_A:
        if (!rdf_is(rr, 0, LDNS_RDF_TYPE_A, 4))
            return false;
        out->u.addr.family = AF_INET;
        memcpy(out->u.addr.b, ldns_rdf_data(ldns_rr_rdf(rr, 0)), 4);
        return true;
    case DNS_T_AAAA:
        if (!rdf_is(rr, 0, LDNS_RDF_TYPE_AAAA, 16))
            return false;
        out->u.addr.family = AF_INET6;
        memcpy(out->u.addr.b, ldns_rdf_data(ldns_rr_rdf(rr, 0)), 16);
        return true;
    case DNS_T_PTR: case DNS_T_CNAME: case DNS_T_NS:
        return (out->u.name = dname_text(res, ldns_rr_rdf(rr, 0))) != NULL;
    case DNS_T_MX:
        if (!rdf_is(rr, 0, LDNS_RDF_TYPE_INT16, 2))
            return false;
        out->u.mx.preference = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
        return (out->u.mx.host = dname_text(res, ldns_rr_rdf(rr, 1))) != NULL;
    case DNS_T_TXT: case DNS_T_SPF:
        return fill_txt(res, rr, out);
    case DNS_T_TLSA:
        if (!rdf_is(rr, 0, LDNS_RDF_TYPE_CERTIFICATE_USAGE, 1) ||
            !rdf_is(rr, 1, LDNS_RDF_TYPE_SELECTOR, 1) ||
            !rdf_is(rr, 2, LDNS_RDF_TYPE_MATCHING_TYPE, 1) || ldns_rr_rd_count(rr) != 4)
            return false;
        out->u.tlsa.usage = ldns_rdf_data(ldns_rr_rdf(rr, 0))[0];
        out->u.tlsa.selector = ldns_rdf_data(ldns_rr_rdf(rr, 1))[0];
        out->u.tlsa.mtype = ldns_rdf_data(ldns_rr_rdf(rr, 2))[0];
        out->u.tlsa.data = ldns_rdf_data(ldns_rr_rdf(rr, 3));
        out->u.tlsa.len = ldns_rdf_size(ldns_rr_rdf(rr, 3));
        {   /* copy into the arena: the ldns packet is freed */
            unsigned char *d = dns_result_alloc(res, out->u.tlsa.len + 1);
            if (!d)
                return false;
            memcpy(d, out->u.tlsa.data, out->u.tlsa.len);
            out->u.tlsa.data = d;
        }
        return true;
    default:
        return fill_raw(res, rr, out);
    }
}

/* Does the message's question match ours?  A message with no question is
 * accepted only for error RCODEs (some servers drop it on FORMERR etc.). */
static bool question_matches(const ldns_pkt *pkt, const ldns_rdf *qname,
                             uint16_t qtype, char *why, size_t whylen)
{
    const ldns_rr_list *ql = ldns_pkt_question(pkt);
    size_t n = ql ? ldns_rr_list_rr_count(ql) : 0;
    ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
    const ldns_rr *q;

    if (n == 0 && rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN)
        return true;
    if (n != 1) {
        snprintf(why, whylen, "answer has %zu questions", n);
        return false;
    }
    q = ldns_rr_list_rr(ql, 0);
    if (ldns_dname_compare(ldns_rr_owner(q), qname) != 0 ||
        (uint16_t)ldns_rr_get_type(q) != qtype ||
        ldns_rr_get_class(q) != LDNS_RR_CLASS_IN) {
        char *s = ldns_rdf2str(ldns_rr_owner(q));
        snprintf(why, whylen, "question mismatch: answer is for %.100s %s",
                 s ? s : "?", dns_type_name((uint16_t)ldns_rr_get_type(q)));
        LDNS_FREE(s);
        return false;
    }
    return true;
}

static bool name_seen(const struct dns_result *res, const char *name)
{
    if (strcmp(res->qname, name) == 0)
        return true;
    for (size_t i = 0; i < res->ncname; i++)
        if (strcmp(res->cnames[i], name) == 0)
            return true;
    return false;
}

static bool has_soa_above(const ldns_pkt *pkt, const ldns_rdf *name)
{
    const ldns_rr_list *au = ldns_pkt_authority(pkt);

    for (size_t i = 0; au && i < ldns_rr_list_rr_count(au); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(au, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
            (ldns_dname_compare(ldns_rr_owner(rr), name) == 0 ||
             ldns_dname_is_subdomain(name, ldns_rr_owner(rr))))
            return true;
    }
    return false;
}

enum walk { WALK_DATA, WALK_END, WALK_BAD };

/* Follow the CNAME chain inside the answer section from *cur, collecting
 * the RRs of the asked type at its end.  *cur is updated to the last name
 * (the caller frees it). */
static enum walk walk_answer(const ldns_pkt *pkt, const struct dns_wire_question *q,
                             struct dns_result *res, ldns_rdf **cur)
{
    const ldns_rr_list *an = ldns_pkt_answer(pkt);
    size_t n = an ? ldns_rr_list_rr_count(an) : 0;
    unsigned max = q->max_cname < DNS_CNAME_HARD_MAX ? q->max_cname : DNS_CNAME_HARD_MAX;

    for (;;) {
        const ldns_rr *cname = NULL;
        const char *target;

        for (size_t i = 0; i < n; i++) {
            const ldns_rr *rr = ldns_rr_list_rr(an, i);
            uint16_t t = (uint16_t)ldns_rr_get_type(rr);
            struct dns_rr *out;

            if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
                ldns_dname_compare(ldns_rr_owner(rr), *cur) != 0)
                continue;
            if (t == q->type) {
                if (!(out = dns_result_add_rr(res)) || !fill_rr(res, rr, out)) {
                    dns_result_set_why(res, "unusable %s record in answer "
                                       "(bad rdata or over %d records)",
                                       dns_type_name(t), DNS_MAX_RRS);
                    return WALK_BAD;
                }
            } else if (t == DNS_T_CNAME && !cname) {
                cname = rr;
            }
        }
        if (res->nrr)
            return WALK_DATA;
        if (!cname)
            return WALK_END;
        if (!(target = dname_text(res, ldns_rr_rdf(cname, 0)))) {
            dns_result_set_why(res, "unusable CNAME record in answer");
            return WALK_BAD;
        }
        if (name_seen(res, target)) {
            res->status = DNS_ERROR;
            dns_result_set_why(res, "CNAME loop at %s", target);
            return WALK_BAD;
        }
        if (res->ncname >= max) {
            res->status = DNS_ERROR;
            dns_result_set_why(res, "CNAME chain from %s longer than %u",
                               res->qname, max);
            return WALK_BAD;
        }
        res->cnames[res->ncname++] = target;
        ldns_rdf_deep_free(*cur);
        *cur = ldns_rdf_clone(ldns_rr_rdf(cname, 0));
        if (!*cur) {
            dns_result_set_why(res, "out of memory");
            return WALK_BAD;
        }
    }
}

static void rcode_result(struct dns_result *res, ldns_pkt_rcode rc)
{
    ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, (int)rc);

    switch (rc) {
    case LDNS_RCODE_SERVFAIL:
        res->status = DNS_SERVFAIL;
        dns_result_set_why(res, "server failure (SERVFAIL) for %s %s",
                           res->qname, dns_type_name(res->qtype));
        break;
    case LDNS_RCODE_REFUSED:
        res->status = DNS_REFUSED;
        dns_result_set_why(res, "query refused (REFUSED) for %s %s",
                           res->qname, dns_type_name(res->qtype));
        break;
    default:
        res->status = DNS_ERROR;
        dns_result_set_why(res, "error RCODE %d (%s) for %s %s", (int)rc,
                           lt ? lt->name : "unknown", res->qname,
                           dns_type_name(res->qtype));
    }
}

/* NOERROR / NXDOMAIN: walk the chain and type the answer. */
static bool is_mx_target(const struct dns_result *res, const char *name)
{
    for (size_t i = 0; i < res->nrr; i++)
        if (res->rrs[i].type == DNS_T_MX && strcmp(res->rrs[i].u.mx.host, name) == 0)
            return true;
    return false;
}

/* The addresses an MX answer's additional section carries for its targets
 * (RFC 1035 3.3.9): kept as hints (dns_result_hint_addrs), never as data. */
static void take_hints(const ldns_pkt *pkt, struct dns_result *res)
{
    const ldns_rr_list *add = ldns_pkt_additional(pkt);

    for (size_t i = 0; i < ldns_rr_list_rr_count(add) && res->nhint < DNS_MAX_HINTS; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(add, i);
        uint16_t t = (uint16_t)ldns_rr_get_type(rr);
        size_t len = t == DNS_T_A ? 4 : 16;
        const char *owner;

        if ((t != DNS_T_A && t != DNS_T_AAAA) ||
            !rdf_is(rr, 0, t == DNS_T_A ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA, len))
            continue;
        owner = dname_text(res, ldns_rr_owner(rr));
        if (!owner || !is_mx_target(res, owner))
            continue;
        if (!res->hints &&
            !(res->hints = dns_result_alloc(res, DNS_MAX_HINTS * sizeof *res->hints)))
            return;
        res->hints[res->nhint].name = owner;
        res->hints[res->nhint].addr.family = t == DNS_T_A ? AF_INET : AF_INET6;
        memcpy(res->hints[res->nhint].addr.b, ldns_rdf_data(ldns_rr_rdf(rr, 0)), len);
        res->nhint++;
    }
}

static enum dns_wire_verdict type_answer(const ldns_pkt *pkt,
                                         const struct dns_wire_question *q,
                                         const ldns_rdf *qname,
                                         struct dns_result *res,
                                         char *follow, size_t followlen)
{
    ldns_rdf *cur = ldns_rdf_clone(qname);
    enum dns_wire_verdict v = DNS_WIRE_RESULT;
    const char *owner;

    if (!cur) {
        res->status = DNS_ERROR;
        dns_result_set_why(res, "out of memory");
        return DNS_WIRE_RESULT;
    }
    switch (walk_answer(pkt, q, res, &cur)) {
    case WALK_DATA:
        res->status = DNS_DATA;
        if (res->qtype == DNS_T_MX)
            take_hints(pkt, res);
        if (res->nrr == 1)
            dns_result_set_why(res, "1 %s record for %s", dns_type_name(res->qtype),
                               dns_result_owner(res));
        else
            dns_result_set_why(res, "%zu %s records for %s", res->nrr,
                               dns_type_name(res->qtype), dns_result_owner(res));
        break;
    case WALK_BAD:
        if (res->status != DNS_ERROR) {   /* rdata we cannot use */
            res->nrr = 0;
            v = DNS_WIRE_MALFORMED;
        }
        break;
    case WALK_END:
        owner = dns_result_owner(res);
        if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN) {
            res->status = DNS_NXDOMAIN;
            dns_result_set_why(res, "%s does not exist (NXDOMAIN)", owner);
        } else if (ldns_dname_compare(cur, qname) != 0 && !has_soa_above(pkt, cur)) {
            if (strlen(owner) + 1 > followlen) {
                res->status = DNS_ERROR;
                dns_result_set_why(res, "CNAME target too long");
            } else {
                memcpy(follow, owner, strlen(owner) + 1);
                v = DNS_WIRE_FOLLOW;
            }
        } else {
            res->status = DNS_NODATA;
            dns_result_set_why(res, "no %s record for %s (the name exists)",
                               dns_type_name(res->qtype), owner);
        }
        break;
    }
    ldns_rdf_deep_free(cur);
    return v;
}

enum dns_wire_verdict dns_answer_parse(const uint8_t *wire, size_t len,
                                       const struct dns_wire_question *q,
                                       struct dns_result *res,
                                       char *follow, size_t followlen)
{
    ldns_pkt *pkt = NULL;
    ldns_rdf *qname = NULL;
    ldns_status st;
    enum dns_wire_verdict v;
    ldns_pkt_rcode rc;
    char why[200];
    bool tc;

    if (len < LDNS_HEADER_SIZE || len > DNS_MAX_WIRE ||
        (uint16_t)(wire[0] << 8 | wire[1]) != q->id || !(wire[2] & 0x80))
        return DNS_WIRE_STRAY;
    tc = (wire[2] & 0x02) != 0;
    if (ldns_str2rdf_dname(&qname, q->name) != LDNS_STATUS_OK) {
        dns_result_set_why(res, "cannot encode the question name");
        return DNS_WIRE_MALFORMED;
    }
    st = ldns_wire2pkt(&pkt, wire, len);
    if (st != LDNS_STATUS_OK) {
        ldns_rdf_deep_free(qname);
        if (tc)
            return DNS_WIRE_TRUNCATED;  /* a cut message: TCP will tell */
        dns_result_set_why(res, "unparsable answer (%s)", ldns_get_errorstr_by_id(st));
        return DNS_WIRE_MALFORMED;
    }
    if (ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY) {
        dns_result_set_why(res, "answer has opcode %d", (int)ldns_pkt_get_opcode(pkt));
        v = DNS_WIRE_MALFORMED;
    } else if (!question_matches(pkt, qname, q->type, why, sizeof why)) {
        dns_result_set_why(res, "%s", why);
        v = DNS_WIRE_MALFORMED;
    } else if (tc) {
        v = DNS_WIRE_TRUNCATED;
    } else {
        size_t ncname = res->ncname;
        dns_result_reset_answer(res);
        rc = ldns_pkt_get_rcode(pkt);
        res->rcode = (int)rc;
        res->ad = ldns_pkt_ad(pkt);
        if (rc == LDNS_RCODE_NOERROR || rc == LDNS_RCODE_NXDOMAIN) {
            v = type_answer(pkt, q, qname, res, follow, followlen);
            if (v == DNS_WIRE_MALFORMED)
                res->ncname = ncname;   /* forget a chain from a bad message */
        } else {
            rcode_result(res, rc);
            v = DNS_WIRE_RESULT;
        }
    }
    ldns_pkt_free(pkt);
    ldns_rdf_deep_free(qname);
    return v;
}
