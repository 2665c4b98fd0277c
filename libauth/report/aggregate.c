/*
 * aggregate.c - DMARC aggregate reports (RFC 7489 Appendix C; RFC 9990,
 * namespace urn:ietf:params:xml:ns:dmarc-2.0) with expat.
 *
 * Why expat (and not libxml2's reader): it is a small streaming parser
 * with no network or file access code at all, protection against entity
 * amplification built in, and we refuse entity declarations outright on
 * top of that; it is also what Python's xml.etree runs on, so the bench
 * compares what we do with the parse, not two parsers.
 *
 * The document is matched by local names along the path from the root,
 * whatever the namespace (reporters use none, the draft's URL, or 2.0).
 * Leaf text is bounded (REPORT_MAX_TEXT), depth too (REPORT_MAX_XML_DEPTH).
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include <expat.h>

#include "report/report_int.h"

#define NS_SEP '\x01'
#define PATH_MAX_LEN 512

enum field {
    F_NONE, F_VERSION, F_ORG, F_EMAIL, F_REPORT_ID, F_BEGIN, F_END, F_DOMAIN, F_ADKIM, F_ASPF,
    F_P, F_SP, F_PCT, F_FO, F_NP, F_TESTING, F_DISCOVERY, F_SOURCE_IP, F_COUNT, F_DISPOSITION,
    F_EVAL_DKIM, F_EVAL_SPF, F_REASON_TYPE, F_HEADER_FROM, F_ENVELOPE_FROM, F_DKIM_DOMAIN,
    F_DKIM_SELECTOR, F_DKIM_RESULT, F_SPF_DOMAIN, F_SPF_SCOPE, F_SPF_RESULT,
};

/* Paths below the root <feedback>. */
static const struct { const char *path; enum field f; } leaves[] = {
    {"version", F_VERSION},
    {"report_metadata/org_name", F_ORG},
    {"report_metadata/email", F_EMAIL},
    {"report_metadata/report_id", F_REPORT_ID},
    {"report_metadata/date_range/begin", F_BEGIN},
    {"report_metadata/date_range/end", F_END},
    {"policy_published/domain", F_DOMAIN},
    {"policy_published/adkim", F_ADKIM},
    {"policy_published/aspf", F_ASPF},
    {"policy_published/p", F_P},
    {"policy_published/sp", F_SP},
    {"policy_published/pct", F_PCT},
    {"policy_published/fo", F_FO},
    {"policy_published/np", F_NP},
    {"policy_published/testing", F_TESTING},
    {"policy_published/discovery_method", F_DISCOVERY},
    {"record/row/source_ip", F_SOURCE_IP},
    {"record/row/count", F_COUNT},
    {"record/row/policy_evaluated/disposition", F_DISPOSITION},
    {"record/row/policy_evaluated/dkim", F_EVAL_DKIM},
    {"record/row/policy_evaluated/spf", F_EVAL_SPF},
    {"record/row/policy_evaluated/reason/type", F_REASON_TYPE},
    {"record/identifiers/header_from", F_HEADER_FROM},
    {"record/identifiers/envelope_from", F_ENVELOPE_FROM},
    {"record/auth_results/dkim/domain", F_DKIM_DOMAIN},
    {"record/auth_results/dkim/selector", F_DKIM_SELECTOR},
    {"record/auth_results/dkim/result", F_DKIM_RESULT},
    {"record/auth_results/spf/domain", F_SPF_DOMAIN},
    {"record/auth_results/spf/scope", F_SPF_SCOPE},
    {"record/auth_results/spf/result", F_SPF_RESULT},
};

struct agg {
    XML_Parser xp;
    struct report *r;
    char path[PATH_MAX_LEN];     /* below the root, "a/b/c" */
    size_t plen[REPORT_MAX_XML_DEPTH + 2];
    unsigned depth;              /* 1 inside the root */
    char *text;
    size_t tlen, tcap;
    size_t rec_cap;
    struct report_record *rec;   /* the record being read */
    bool root_closed;
    char fail[200];
};

static void stop(struct agg *a, const char *why)
{
    if (!a->fail[0])
        snprintf(a->fail, sizeof a->fail, "%s", why);
    XML_StopParser(a->xp, XML_FALSE);
}

static const char *local_name(const char *name, struct agg *a)
{
    const char *sep = strchr(name, NS_SEP);

    if (!sep)
        return name;
    if (a->depth == 0) {
        size_t n = (size_t)(sep - name);
        if (!(n == 30 && memcmp(name, "http://dmarc.org/dmarc-xml/0.1", n) == 0) &&
            !(n == 32 && memcmp(name, "urn:ietf:params:xml:ns:dmarc-2.0", n) == 0))
            report_warn(a->r, "unexpected namespace %.*s on the root element: read as DMARC",
                        (int)(n > 100 ? 100 : n), name);
    }
    return sep + 1;
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

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct agg *a = ud;
    const char *local = local_name(name, a);
    size_t n = strlen(local), cur;

    (void)attrs;
    a->tlen = 0;
    if (a->depth == 0) {
        if (a->root_closed) {
            stop(a, "a second root element");
            return;
        }
        if (strcmp(local, "feedback") != 0) {
            char why[160];
            snprintf(why, sizeof why, "not a DMARC aggregate report (root element <%.60s>)", local);
            stop(a, why);
            return;
        }
        a->depth = 1;
        a->plen[1] = 0;
        a->path[0] = '\0';
        return;
    }
    if (a->depth >= REPORT_MAX_XML_DEPTH) {
        stop(a, "XML nested deeper than 32 elements");
        return;
    }
    cur = a->plen[a->depth];
    if (cur + n + 2 >= PATH_MAX_LEN) {
        stop(a, "XML element names too long");
        return;
    }
    if (cur)
        a->path[cur++] = '/';
    memcpy(a->path + cur, local, n + 1);
    a->plen[++a->depth] = cur + n;
    if (a->depth == 2 && strcmp(a->path, "record") == 0)
        new_record(a);
    else if (a->rec && strcmp(a->path, "record/auth_results/dkim") == 0) {
        if (!grow((void **)&a->rec->dkim_auth, a->rec->ndkim_auth, sizeof *a->rec->dkim_auth))
            stop(a, "too many DKIM results in one record");
        else
            a->rec->ndkim_auth++;
    } else if (a->rec && strcmp(a->path, "record/auth_results/spf") == 0) {
        if (!grow((void **)&a->rec->spf_auth, a->rec->nspf_auth, sizeof *a->rec->spf_auth))
            stop(a, "too many SPF results in one record");
        else
            a->rec->nspf_auth++;
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct agg *a = ud;

    if (a->depth < 2 || len <= 0)
        return;
    if (a->tlen + (size_t)len > REPORT_MAX_TEXT) {
        stop(a, "an XML text value over 64 KiB");
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

static void set_record_field(struct agg *a, enum field f, char *v)
{
    struct report_record *x = a->rec;
    struct report_dkim_auth *d = x->ndkim_auth ? &x->dkim_auth[x->ndkim_auth - 1] : NULL;
    struct report_spf_auth *s = x->nspf_auth ? &x->spf_auth[x->nspf_auth - 1] : NULL;

    switch (f) {
    case F_SOURCE_IP: {
        char *ip = report_ip_canonical(v);
        if (ip) {
            free(v);
            v = ip;
        } else {
            report_warn(a->r, "source_ip '%.60s' is not an IP address", v);
        }
        set_str(a, &x->source_ip, v, "source_ip");
        return;
    }
    case F_COUNT:
        if (!report_parse_u64(v, &x->count))
            report_warn(a->r, "count '%.40s' is not a number: 0 taken", v);
        free(v);
        return;
    case F_DISPOSITION: report_lower(v); set_str(a, &x->disposition, v, "disposition"); return;
    case F_EVAL_DKIM: report_lower(v); set_str(a, &x->dkim, v, "policy_evaluated/dkim"); return;
    case F_EVAL_SPF: report_lower(v); set_str(a, &x->spf, v, "policy_evaluated/spf"); return;
    case F_REASON_TYPE:
        if (!*v) {
            report_warn(a->r, "empty policy override reason ignored");
            free(v);
            return;
        }
        report_lower(v);
        set_str(a, &x->reason, v, "reason");
        return;
    case F_HEADER_FROM: report_lower(v); set_str(a, &x->header_from, v, "header_from"); return;
    case F_ENVELOPE_FROM: report_lower(v); set_str(a, &x->envelope_from, v, "envelope_from"); return;
    default: break;
    }
    if (d && (f == F_DKIM_DOMAIN || f == F_DKIM_SELECTOR || f == F_DKIM_RESULT)) {
        if (f != F_DKIM_SELECTOR)
            report_lower(v);
        set_str(a, f == F_DKIM_DOMAIN ? &d->domain : f == F_DKIM_SELECTOR ? &d->selector : &d->result,
                v, "auth_results/dkim field");
        return;
    }
    if (s && (f == F_SPF_DOMAIN || f == F_SPF_SCOPE || f == F_SPF_RESULT)) {
        report_lower(v);
        set_str(a, f == F_SPF_DOMAIN ? &s->domain : f == F_SPF_SCOPE ? &s->scope : &s->result, v,
                "auth_results/spf field");
        return;
    }
    free(v);
}

static void set_field(struct agg *a, enum field f, char *v)
{
    struct report *r = a->r;
    struct report_policy *p = &r->policy;

    switch (f) {
    case F_VERSION: set_str(a, &r->version, v, "version"); return;
    case F_ORG: set_str(a, &r->org_name, v, "org_name"); return;
    case F_EMAIL: set_str(a, &r->email, v, "email"); return;
    case F_REPORT_ID: set_str(a, &r->report_id, v, "report_id"); return;
    case F_BEGIN: set_time(a, &r->begin, v, "begin"); free(v); return;
    case F_END: set_time(a, &r->end, v, "end"); free(v); return;
    case F_DOMAIN: report_lower(v); set_str(a, &r->domain, v, "policy_published/domain"); return;
    case F_ADKIM: report_lower(v); set_str(a, &p->adkim, v, "adkim"); return;
    case F_ASPF: report_lower(v); set_str(a, &p->aspf, v, "aspf"); return;
    case F_P: report_lower(v); set_str(a, &p->p, v, "p"); return;
    case F_SP: report_lower(v); set_str(a, &p->sp, v, "sp"); return;
    case F_NP: report_lower(v); set_str(a, &p->np, v, "np"); return;
    case F_FO: set_str(a, &p->fo, v, "fo"); return;
    case F_TESTING: report_lower(v); set_str(a, &p->testing, v, "testing"); return;
    case F_DISCOVERY: report_lower(v); set_str(a, &p->discovery_method, v, "discovery_method"); return;
    case F_PCT: {
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

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct agg *a = ud;

    (void)name;
    if (a->depth == 0)
        return;
    if (a->depth == 1) {
        a->depth = 0;
        a->root_closed = true;
        return;
    }
    for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
        if (strcmp(a->path, leaves[i].path) != 0)
            continue;
        char *v = report_strndup_trim(a->text ? a->text : "", a->tlen);
        if (!v) {
            stop(a, "out of memory");
            return;
        }
        set_field(a, leaves[i].f, v);
        break;
    }
    a->tlen = 0;
    a->depth--;
    a->path[a->plen[a->depth]] = '\0';
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
    st = len > (size_t)INT32_MAX ? XML_STATUS_ERROR : XML_Parse(a.xp, xml, (int)len, 1);
    if (a.fail[0]) {
        report_fail(r, "%s", a.fail);
    } else if (st != XML_STATUS_OK) {
        if (a.root_closed)
            report_warn(r, "junk after the end of the XML document ignored");
        else
            report_fail(r, "not well-formed XML (line %lu: %s)",
                        (unsigned long)XML_GetCurrentLineNumber(a.xp),
                        XML_ErrorString(XML_GetErrorCode(a.xp)));
    } else if (!a.root_closed) {
        report_fail(r, "no XML document");
    }
    if (r->kind == REPORT_AGGREGATE)
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
