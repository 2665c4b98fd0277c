/*
 * aggregate.c - DMARC aggregate reports (RFC 7489 Appendix C; RFC 9990,
 * namespace urn:ietf:params:xml:ns:dmarc-2.0) with expat.
 *
 * Why expat (and not libxml2's reader): it is a small streaming parser
 * with no network or file access code at all, protection against entity
 * amplification built in, and we refuse entity declarations outright on
 * top of that; it is also what Python's xml.etree runs on, so the bench
 * compares what we do with the parse, not two parsers.  Measured (make
 * bench): libxml2's reader delivering names and text is no faster than
 * expat here (docs/reports.md).
 *
 * The document is matched by local names, whatever the namespace
 * (reporters use none, the draft's URL, or 2.0), against a table of the
 * elements read (nodes[]), each identified once at its start tag.
 * Leaf text is bounded (REPORT_MAX_TEXT), depth too (REPORT_MAX_XML_DEPTH).
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include <arpa/inet.h>
#include <expat.h>

#include "report/report_int.h"

#define NS_SEP '\x01'
#define NAMES_MAX_LEN 512        /* the element names along a path, summed */

/* The elements read, as a tree below the root <feedback>: each entry names
 * its parent, and the children of one parent are listed together (first[]
 * says where), so an element is identified when it starts by a look at its
 * parent's few children (no path strings compared at every end tag: that
 * was most of the parse time).  Leaves carry a value. */
enum node {
    N_OTHER, N_ROOT,
    N_VERSION, N_META, N_POLICY, N_RECORD,                             /* root's */
    N_ORG, N_EMAIL, N_REPORT_ID, N_RANGE,                              /* report_metadata's */
    N_BEGIN, N_END,                                                    /* date_range's */
    N_DOMAIN, N_ADKIM, N_ASPF, N_P, N_SP, N_PCT, N_FO, N_NP, N_TESTING, N_DISCOVERY,
    N_ROW, N_IDENT, N_AUTH,                                            /* record's */
    N_SOURCE_IP, N_COUNT, N_EVAL,                                      /* row's */
    N_DISPOSITION, N_EVAL_DKIM, N_EVAL_SPF, N_REASON,                  /* policy_evaluated's */
    N_REASON_TYPE,
    N_HEADER_FROM, N_ENVELOPE_FROM,                                    /* identifiers' */
    N_AUTH_DKIM, N_AUTH_SPF,                                           /* auth_results' */
    N_DKIM_DOMAIN, N_DKIM_SELECTOR, N_DKIM_RESULT,
    N_SPF_DOMAIN, N_SPF_SCOPE, N_SPF_RESULT,
    N_NODES
};

static const struct node_def {
    unsigned char parent, len;
    bool leaf;
    char name[18];
} nodes[N_NODES] = {
    [N_VERSION] = {N_ROOT, 7, true, "version"},
    [N_META] = {N_ROOT, 15, false, "report_metadata"},
    [N_POLICY] = {N_ROOT, 16, false, "policy_published"},
    [N_RECORD] = {N_ROOT, 6, false, "record"},
    [N_ORG] = {N_META, 8, true, "org_name"},
    [N_EMAIL] = {N_META, 5, true, "email"},
    [N_REPORT_ID] = {N_META, 9, true, "report_id"},
    [N_RANGE] = {N_META, 10, false, "date_range"},
    [N_BEGIN] = {N_RANGE, 5, true, "begin"},
    [N_END] = {N_RANGE, 3, true, "end"},
    [N_DOMAIN] = {N_POLICY, 6, true, "domain"},
    [N_ADKIM] = {N_POLICY, 5, true, "adkim"},
    [N_ASPF] = {N_POLICY, 4, true, "aspf"},
    [N_P] = {N_POLICY, 1, true, "p"},
    [N_SP] = {N_POLICY, 2, true, "sp"},
    [N_PCT] = {N_POLICY, 3, true, "pct"},
    [N_FO] = {N_POLICY, 2, true, "fo"},
    [N_NP] = {N_POLICY, 2, true, "np"},
    [N_TESTING] = {N_POLICY, 7, true, "testing"},
    [N_DISCOVERY] = {N_POLICY, 16, true, "discovery_method"},
    [N_ROW] = {N_RECORD, 3, false, "row"},
    [N_IDENT] = {N_RECORD, 11, false, "identifiers"},
    [N_AUTH] = {N_RECORD, 12, false, "auth_results"},
    [N_SOURCE_IP] = {N_ROW, 9, true, "source_ip"},
    [N_COUNT] = {N_ROW, 5, true, "count"},
    [N_EVAL] = {N_ROW, 16, false, "policy_evaluated"},
    [N_DISPOSITION] = {N_EVAL, 11, true, "disposition"},
    [N_EVAL_DKIM] = {N_EVAL, 4, true, "dkim"},
    [N_EVAL_SPF] = {N_EVAL, 3, true, "spf"},
    [N_REASON] = {N_EVAL, 6, false, "reason"},
    [N_REASON_TYPE] = {N_REASON, 4, true, "type"},
    [N_HEADER_FROM] = {N_IDENT, 11, true, "header_from"},
    [N_ENVELOPE_FROM] = {N_IDENT, 13, true, "envelope_from"},
    [N_AUTH_DKIM] = {N_AUTH, 4, false, "dkim"},
    [N_AUTH_SPF] = {N_AUTH, 3, false, "spf"},
    [N_DKIM_DOMAIN] = {N_AUTH_DKIM, 6, true, "domain"},
    [N_DKIM_SELECTOR] = {N_AUTH_DKIM, 8, true, "selector"},
    [N_DKIM_RESULT] = {N_AUTH_DKIM, 6, true, "result"},
    [N_SPF_DOMAIN] = {N_AUTH_SPF, 6, true, "domain"},
    [N_SPF_SCOPE] = {N_AUTH_SPF, 5, true, "scope"},
    [N_SPF_RESULT] = {N_AUTH_SPF, 6, true, "result"},
};

/* Where each parent's children start (0: a leaf, or not read). */
static const unsigned char first[N_NODES] = {
    [N_ROOT] = N_VERSION, [N_META] = N_ORG, [N_RANGE] = N_BEGIN, [N_POLICY] = N_DOMAIN,
    [N_RECORD] = N_ROW, [N_ROW] = N_SOURCE_IP, [N_EVAL] = N_DISPOSITION,
    [N_REASON] = N_REASON_TYPE, [N_IDENT] = N_HEADER_FROM, [N_AUTH] = N_AUTH_DKIM,
    [N_AUTH_DKIM] = N_DKIM_DOMAIN, [N_AUTH_SPF] = N_SPF_DOMAIN,
};

struct agg {
    XML_Parser xp;
    struct report *r;
    unsigned char node[REPORT_MAX_XML_DEPTH + 2];   /* enum node per depth */
    size_t nlen[REPORT_MAX_XML_DEPTH + 2];          /* names summed along the path */
    unsigned depth;              /* 1 inside the root */
    char *text;                  /* the current leaf's text (only leaves are copied) */
    size_t tlen, tcap;
    size_t rec_cap;
    struct report_record *rec;   /* the record being read */
    bool root_closed;
    const char *fail;            /* why the parse stopped: a catalog literal */
    char bad_root[64];           /* ... or the root element that is not <feedback> */
};

/* why: a fixed message, marked for the catalog (report_fail_msg). */
static void stop(struct agg *a, const char *why)
{
    if (!a->fail)
        a->fail = why;
    XML_StopParser(a->xp, XML_FALSE);
}

/* The local part of expat's "URI\x01local" (or name itself), its length
 * in *len: one pass over the name. */
static const char *local_name(const char *name, struct agg *a, size_t *len)
{
    const char *sep = NULL, *p = name;

    for (; *p; p++)
        if (*p == NS_SEP)
            sep = p;
    if (!sep) {
        *len = (size_t)(p - name);
        return name;
    }
    *len = (size_t)(p - sep - 1);
    if (a->depth == 0) {
        size_t n = (size_t)(sep - name);
        if (!(n == 30 && memcmp(name, "http://dmarc.org/dmarc-xml/0.1", n) == 0) &&
            !(n == 32 && memcmp(name, "urn:ietf:params:xml:ns:dmarc-2.0", n) == 0))
            report_warn(a->r, "unexpected namespace %.*s on the root element: read as DMARC",
                        (int)(n > 100 ? 100 : n), name);
    }
    return sep + 1;
}

/* The child of parent called name[0..n), or N_OTHER. */
static enum node child_node(unsigned parent, const char *name, size_t n)
{
    for (unsigned i = first[parent]; i && i < N_NODES && nodes[i].parent == parent; i++)
        if (nodes[i].len == n && memcmp(nodes[i].name, name, n) == 0)
            return (enum node)i;
    return N_OTHER;
}

static bool new_record(struct agg *a)
{
    struct report *r = a->r;

    if (r->nrecords >= REPORT_MAX_RECORDS) {
        stop(a, "more than 1000000 records");
        return false;
    }
    if (r->nrecords == a->rec_cap) {
        size_t cap = a->rec_cap ? a->rec_cap * 2 : 8;
        struct report_record *p = realloc(r->records, cap * sizeof *p);
        if (!p) {
            stop(a, "out of memory");
            return false;
        }
        r->records = p;
        a->rec_cap = cap;
    }
    a->rec = &r->records[r->nrecords++];
    memset(a->rec, 0, sizeof *a->rec);
    return true;
}

static bool grow(void **arr, size_t n, size_t size)
{
    void *p;

    if (n >= 1000)   /* auth results per record: real ones have 1-3 */
        return false;
    if (!(p = realloc(*arr, (n + 1) * size)))
        return false;
    memset((char *)p + n * size, 0, size);
    *arr = p;
    return true;
}

static void open_root(struct agg *a, const char *local)
{
    if (a->root_closed) {
        stop(a, "a second root element");
        return;
    }
    if (strcmp(local, "feedback") != 0) {
        snprintf(a->bad_root, sizeof a->bad_root, "%s", local);
        stop(a, a->bad_root);
        return;
    }
    a->depth = 1;
    a->node[1] = N_ROOT;
    a->nlen[1] = 0;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct agg *a = ud;
    size_t n, names;
    const char *local = local_name(name, a, &n);
    enum node node;

    (void)attrs;
    a->tlen = 0;
    if (a->depth == 0) {
        open_root(a, local);
        return;
    }
    if (a->depth >= REPORT_MAX_XML_DEPTH) {
        stop(a, "XML nested deeper than 32 elements");
        return;
    }
    names = a->nlen[a->depth];
    if (names + n + 2 >= NAMES_MAX_LEN) {
        stop(a, "XML element names too long");
        return;
    }
    names += names ? 1 : 0;   /* counted as "a/b/c" */
    node = child_node(a->node[a->depth], local, n);
    a->depth++;
    a->node[a->depth] = (unsigned char)node;
    a->nlen[a->depth] = names + n;
    if (node == N_RECORD) {
        new_record(a);
    } else if (node == N_AUTH_DKIM && a->rec) {
        if (!grow((void **)&a->rec->dkim_auth, a->rec->ndkim_auth, sizeof *a->rec->dkim_auth))
            stop(a, "too many DKIM results in one record");
        else
            a->rec->ndkim_auth++;
    } else if (node == N_AUTH_SPF && a->rec) {
        if (!grow((void **)&a->rec->spf_auth, a->rec->nspf_auth, sizeof *a->rec->spf_auth))
            stop(a, "too many SPF results in one record");
        else
            a->rec->nspf_auth++;
    }
}

/* Text is counted against the bound wherever it is, but copied only
 * inside a leaf we read. */
static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct agg *a = ud;

    if (a->depth < 2 || len <= 0)
        return;
    if (a->tlen + (size_t)len > REPORT_MAX_TEXT) {
        stop(a, "an XML text value over 64 KiB");
        return;
    }
    if (!nodes[a->node[a->depth]].leaf) {
        a->tlen += (size_t)len;
        return;
    }
    if (a->tlen + (size_t)len + 1 > a->tcap) {
        size_t cap = a->tcap ? a->tcap : 256;
        char *p;
        while (cap < a->tlen + (size_t)len + 1)
            cap *= 2;
        if (!(p = realloc(a->text, cap))) {
            stop(a, "out of memory");
            return;
        }
        a->text = p;
        a->tcap = cap;
    }
    memcpy(a->text + a->tlen, s, (size_t)len);
    a->tlen += (size_t)len;
}

/* Store v (owned) in *slot; a second value for the same field is a repair. */
static void set_str(struct agg *a, char **slot, char *v, const char *what)
{
    if (*slot) {
        report_warn(a->r, "%s given twice: the first kept", what);
        free(v);
        return;
    }
    *slot = v;
}

static void set_time(struct agg *a, int64_t *slot, const char *v, const char *what)
{
    uint64_t t;

    if (!report_parse_u64(v, &t) || t > 253402300799u) {
        report_warn(a->r, "%s '%.40s' is not a Unix time", what, v);
        return;
    }
    *slot = (int64_t)t;
}

static void set_record_field(struct agg *a, enum node f, char *v)
{
    struct report_record *x = a->rec;
    struct report_dkim_auth *d = x->ndkim_auth ? &x->dkim_auth[x->ndkim_auth - 1] : NULL;
    struct report_spf_auth *s = x->nspf_auth ? &x->spf_auth[x->nspf_auth - 1] : NULL;

    switch (f) {
    case N_SOURCE_IP: {
        unsigned char v4[4];
        char *ip;
        /* inet_pton takes IPv4 only in dotted decimal without leading
         * zeros: such text is canonical already, kept as it is */
        if (inet_pton(AF_INET, v, v4) == 1) {
            set_str(a, &x->source_ip, v, "source_ip");
            return;
        }
        if ((ip = report_ip_canonical(v))) {
            free(v);
            v = ip;
        } else {
            report_warn(a->r, "source_ip '%.60s' is not an IP address", v);
        }
        set_str(a, &x->source_ip, v, "source_ip");
        return;
    }
    case N_COUNT:
        if (!report_parse_u64(v, &x->count))
            report_warn(a->r, "count '%.40s' is not a number: 0 taken", v);
        free(v);
        return;
    case N_DISPOSITION: report_lower(v); set_str(a, &x->disposition, v, "disposition"); return;
    case N_EVAL_DKIM: report_lower(v); set_str(a, &x->dkim, v, "policy_evaluated/dkim"); return;
    case N_EVAL_SPF: report_lower(v); set_str(a, &x->spf, v, "policy_evaluated/spf"); return;
    case N_REASON_TYPE:
        if (!*v) {
            report_warn(a->r, "empty policy override reason ignored");
            free(v);
            return;
        }
        report_lower(v);
        set_str(a, &x->reason, v, "reason");
        return;
    case N_HEADER_FROM: report_lower(v); set_str(a, &x->header_from, v, "header_from"); return;
    case N_ENVELOPE_FROM: report_lower(v); set_str(a, &x->envelope_from, v, "envelope_from"); return;
    default: break;
    }
    if (d && (f == N_DKIM_DOMAIN || f == N_DKIM_SELECTOR || f == N_DKIM_RESULT)) {
        if (f != N_DKIM_SELECTOR)
            report_lower(v);
        set_str(a, f == N_DKIM_DOMAIN ? &d->domain : f == N_DKIM_SELECTOR ? &d->selector : &d->result,
                v, "auth_results/dkim field");
        return;
    }
    if (s && (f == N_SPF_DOMAIN || f == N_SPF_SCOPE || f == N_SPF_RESULT)) {
        report_lower(v);
        set_str(a, f == N_SPF_DOMAIN ? &s->domain : f == N_SPF_SCOPE ? &s->scope : &s->result, v,
                "auth_results/spf field");
        return;
    }
    free(v);
}

static void set_field(struct agg *a, enum node f, char *v)
{
    struct report *r = a->r;
    struct report_policy *p = &r->policy;

    switch (f) {
    case N_VERSION: set_str(a, &r->version, v, "version"); return;
    case N_ORG: set_str(a, &r->org_name, v, "org_name"); return;
    case N_EMAIL: set_str(a, &r->email, v, "email"); return;
    case N_REPORT_ID: set_str(a, &r->report_id, v, "report_id"); return;
    case N_BEGIN: set_time(a, &r->begin, v, "begin"); free(v); return;
    case N_END: set_time(a, &r->end, v, "end"); free(v); return;
    case N_DOMAIN: report_lower(v); set_str(a, &r->domain, v, "policy_published/domain"); return;
    case N_ADKIM: report_lower(v); set_str(a, &p->adkim, v, "adkim"); return;
    case N_ASPF: report_lower(v); set_str(a, &p->aspf, v, "aspf"); return;
    case N_P: report_lower(v); set_str(a, &p->p, v, "p"); return;
    case N_SP: report_lower(v); set_str(a, &p->sp, v, "sp"); return;
    case N_NP: report_lower(v); set_str(a, &p->np, v, "np"); return;
    case N_FO: set_str(a, &p->fo, v, "fo"); return;
    case N_TESTING: report_lower(v); set_str(a, &p->testing, v, "testing"); return;
    case N_DISCOVERY: report_lower(v); set_str(a, &p->discovery_method, v, "discovery_method"); return;
    case N_PCT: {
        uint64_t n;
        if (*v && (!report_parse_u64(v, &n) || n > 100))
            report_warn(a->r, "pct '%.20s' is not 0-100: ignored", v);
        else if (*v)
            p->pct = (int)n;
        free(v);
        return;
    }
    default:
        break;
    }
    if (a->rec)
        set_record_field(a, f, v);
    else
        free(v);
}

/* Numbers written plainly (digits, maybe white space around) are taken
 * from the text buffer without a copy; anything else goes the general
 * way, which also words the warning.  true when taken. */
static bool set_plain_number(struct agg *a, enum node f)
{
    uint64_t n;

    if (f != N_COUNT && f != N_BEGIN && f != N_END)
        return false;
    a->text[a->tlen] = '\0';
    if (!report_parse_u64(a->text, &n) || (f != N_COUNT && n > 253402300799u))
        return false;
    if (f == N_COUNT && a->rec)
        a->rec->count = n;
    else if (f == N_BEGIN)
        a->r->begin = (int64_t)n;
    else if (f == N_END)
        a->r->end = (int64_t)n;
    return true;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct agg *a = ud;
    enum node node;

    (void)name;
    if (a->depth == 0)
        return;
    if (a->depth == 1) {
        a->depth = 0;
        a->root_closed = true;
        return;
    }
    node = (enum node)a->node[a->depth];
    if (nodes[node].leaf && !(a->tlen && set_plain_number(a, node))) {
        char *v = report_strndup_trim(a->tlen ? a->text : "", a->tlen);
        if (!v) {
            stop(a, "out of memory");
            return;
        }
        set_field(a, node, v);
    }
    a->tlen = 0;
    a->depth--;
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int pe, const XML_Char *value,
                                   int vlen, const XML_Char *base, const XML_Char *sys,
                                   const XML_Char *pub, const XML_Char *notation)
{
    (void)name; (void)pe; (void)value; (void)vlen; (void)base; (void)sys; (void)pub;
    (void)notation;
    stop(ud, "XML entity declarations are refused");
}

/* Leading junk before the first '<' (a BOM, blank lines, a stray line
 * some reporters write) is skipped. */
static size_t xml_start(struct report *r, const char *xml, size_t len)
{
    size_t i = 0;

    if (len >= 3 && memcmp(xml, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len && (xml[i] == ' ' || xml[i] == '\t' || xml[i] == '\r' || xml[i] == '\n'))
        i++;
    if (i < len && xml[i] != '<') {
        const char *lt = memchr(xml + i, '<', len - i);
        if (!lt)
            return len;
        report_warn(r, "text before the XML document skipped");
        i = (size_t)(lt - xml);
    } else if (i > 3 || (i > 0 && xml[0] != '\xef')) {
        report_warn(r, "white space before the XML declaration skipped");
    }
    return i;
}

/* Whether the XML declaration names an encoding other than UTF-8 (expat
 * then converts itself and the UTF-8 check does not apply). */
static bool declares_other_encoding(const char *xml, size_t len)
{
    const char *end, *enc;

    if (len < 5 || memcmp(xml, "<?xml", 5) != 0 || !(end = memmem(xml, len, "?>", 2)))
        return false;
    if (!(enc = memmem(xml, (size_t)(end - xml), "encoding", 8)))
        return false;
    enc += 8;
    while (enc < end && (*enc == ' ' || *enc == '=' || *enc == '"' || *enc == '\''))
        enc++;
    return (size_t)(end - enc) >= 5 && strncasecmp(enc, "utf-8", 5) != 0 &&
           strncasecmp(enc, "utf8", 4) != 0;
}

static void check_report(struct agg *a)
{
    struct report *r = a->r;

    if (!r->org_name || !*r->org_name) {
        report_fail(r, "aggregate report without org_name");
        return;
    }
    if (!r->report_id || !*r->report_id) {
        report_fail(r, "aggregate report without report_id");
        return;
    }
    if (!r->domain || !*r->domain) {
        report_fail(r, "aggregate report without policy_published/domain");
        return;
    }
    if (r->begin < 0 || r->end < 0)
        report_warn(r, "date_range incomplete");
    else if (r->end < r->begin)
        report_warn(r, "date_range ends before it begins");
    else if (r->end - r->begin > 86400 + 60)
        report_warn(r, "date_range spans %lld hours (more than 24)",
                    (long long)((r->end - r->begin) / 3600));
    for (size_t i = 0; i < r->nrecords; i++) {
        struct report_record *x = &r->records[i];
        if (!x->source_ip)
            report_warn(r, "record %zu has no source_ip", i + 1);
        if (UINT64_MAX - r->messages < x->count) {
            report_fail(r, "record counts overflow");
            return;
        }
        r->messages += x->count;
    }
}

static struct report *parse_xml(struct report *r, const char *xml, size_t len)
{
    struct agg a = { .r = r };
    enum XML_Status st;

    if (!(a.xp = XML_ParserCreateNS(NULL, NS_SEP)))
        return report_fail(r, "out of memory");
    XML_SetUserData(a.xp, &a);
    XML_SetElementHandler(a.xp, on_start, on_end);
    XML_SetCharacterDataHandler(a.xp, on_text);
    XML_SetEntityDeclHandler(a.xp, on_entity_decl);
    XML_SetParamEntityParsing(a.xp, XML_PARAM_ENTITY_PARSING_NEVER);
    /* in one call: fed in pieces, expat recounts line positions over each
     * piece, which measured 13 % more instructions for no gain */
    st = len > (size_t)INT32_MAX ? XML_STATUS_ERROR : XML_Parse(a.xp, xml, (int)len, 1);
    /* report_fail() frees r when out of memory: r is NULL then */
    if (a.fail && a.bad_root[0]) {
        r = report_fail(r, "not a DMARC aggregate report (root element <%.60s>)", a.bad_root);
    } else if (a.fail) {
        r = report_fail_msg(r, a.fail);
    } else if (st != XML_STATUS_OK) {
        if (a.root_closed)
            report_warn(r, "junk after the end of the XML document ignored");
        else
            r = report_fail(r, "not well-formed XML (line %lu: %s)",
                            (unsigned long)XML_GetCurrentLineNumber(a.xp),
                            XML_ErrorString(XML_GetErrorCode(a.xp)));
    } else if (!a.root_closed) {
        r = report_fail(r, "no XML document");
    }
    if (r && r->kind == REPORT_AGGREGATE)
        check_report(&a);
    free(a.text);
    XML_ParserFree(a.xp);
    return r;
}

struct report *report_parse_aggregate_xml(const char *xml, size_t len)
{
    struct report *r = report_new(REPORT_AGGREGATE);
    char *fixed = NULL;
    size_t off, flen;

    if (!r)
        return NULL;
    off = xml_start(r, xml, len);
    xml += off;
    len -= off;
    if (!len)
        return report_fail(r, "no XML document");
    if (!declares_other_encoding(xml, len) && !report_utf8_valid(xml, len)) {
        if (!(fixed = report_utf8_repair(xml, len, &flen)))
            return report_fail(r, "out of memory");
        report_warn(r, "invalid UTF-8 replaced by U+FFFD");
        xml = fixed;
        len = flen;
    }
    parse_xml(r, xml, len);
    free(fixed);
    return r;
}
