/*
 * parse.c - find the ARC sets of a message (RFC 8617 4.1, 4.2) and check
 * their structure (5.2 step 3): every instance from 1 to the highest has
 * exactly one ARC-Authentication-Results, ARC-Message-Signature and
 * ARC-Seal; instances are 1..50; no field is over ARC_MAX_FIELD octets.
 *
 * The AAR's instance is its leading "i=N;" (RFC 8617 4.1.1: i= first, then
 * a semicolon, then the Authentication-Results payload); the AMS and AS
 * carry it as the tag i=.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc_int.h"
#include "core/people.h"

const char *const arc_kind_name[ARC_KINDS] = {
    "ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"
};

static bool fws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void broken(struct arc_chain *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void broken(struct arc_chain *c, const char *fmt, ...)
{
    va_list ap, again;

    if (c->broken)
        return;
    c->broken = true;
    va_start(ap, fmt);
    va_copy(again, ap);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    vsnprintf(c->reason_for_people, sizeof c->reason_for_people, auth_people_text(fmt), again);
    va_end(again);
    va_end(ap);
}

/* Decimal digits s[0..len) as an instance; 0 when not 1..999. */
static unsigned instance_value(const char *s, size_t len)
{
    unsigned v = 0;

    if (!len || len > 3)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return v;
}

/* "i" FWS? "=" FWS? DIGITS FWS? ";" at the start of an AAR value. */
static unsigned aar_instance(const char *s, size_t len)
{
    size_t i = 0, d;

    while (i < len && fws(s[i]))
        i++;
    if (i >= len || s[i++] != 'i')
        return 0;
    while (i < len && fws(s[i]))
        i++;
    if (i >= len || s[i++] != '=')
        return 0;
    while (i < len && fws(s[i]))
        i++;
    d = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d)
        return 0;
    {
        unsigned v = instance_value(s + d, i - d);
        while (i < len && fws(s[i]))
            i++;
        return i < len && s[i] == ';' ? v : 0;
    }
}

/* RFC 6376 3.2: tag-list = tag-spec *( ";" tag-spec ) [ ";" ].  The DKIM
 * parser forgives empty tag-specs (";;"); a seal is held to the grammar. */
static bool empty_tag_spec(const char *s, size_t len)
{
    bool content = false;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == ';') {
            if (!content)
                return true;
            content = false;
        } else if (!fws(s[i])) {
            content = true;
        }
    }
    return false;
}

static int kind_of(const struct msg_header *f)
{
    for (int k = 0; k < ARC_KINDS; k++)
        if (auth_msg_header_name_is(f, arc_kind_name[k], strlen(arc_kind_name[k])))
            return k;
    return -1;
}

/* The instance of one field (its tags into c->scratch); 0 after marking
 * the chain broken. */
static unsigned field_instance(struct arc_chain *c, int kind, const char *value, size_t len)
{
    const struct dkim_tag *it;
    char err[160];
    unsigned inst;

    c->scratch.count = 0;
    if (kind == ARC_AAR) {
        if (!(inst = aar_instance(value, len)))
            broken(c, "an ARC-Authentication-Results field does not start with i=N;");
        return inst;
    }
    if (dkim_tags_parse(value, len, &c->scratch, err, sizeof err) != AUTH_OK) {
        broken(c, "an %s field has a bad tag list: %s", arc_kind_name[kind], err);
        return 0;
    }
    if (empty_tag_spec(value, len)) {
        broken(c, "an %s field has an empty tag-spec (\";;\", RFC 6376 3.2)",
               arc_kind_name[kind]);
        return 0;
    }
    it = dkim_tags_get(&c->scratch, "i");
    if (!(inst = it ? instance_value(it->value, it->value_len) : 0))
        broken(c, "an %s field has no valid i= tag", arc_kind_name[kind]);
    return inst;
}

/* Place one ARC field into its set (allocated on first use). */
static enum auth_status place(struct arc_chain *c, const struct msg_header *f, int kind)
{
    const struct dkim_tags *t = &c->scratch;
    struct arc_member *m;
    const char *value;
    size_t value_len;
    unsigned inst;

    value = auth_msg_header_value(f, &value_len);
    if (f->raw_len > ARC_MAX_FIELD) {
        broken(c, "an %s field of %zu octets is over the %d limit", arc_kind_name[kind],
               f->raw_len, ARC_MAX_FIELD);
        return AUTH_OK;
    }
    if (!(inst = field_instance(c, kind, value, value_len)))
        return AUTH_OK;
    if (inst > ARC_MAX_SETS) {
        broken(c, "instance i=%u: more than %d ARC sets", inst, ARC_MAX_SETS);
        return AUTH_OK;
    }
    if (!c->set[inst]) {
        /* not zeroed whole: a member's tags are read only when its f is set */
        if (!(c->set[inst] = malloc(sizeof *c->set[inst])))
            return AUTH_ENOMEM;
        for (int k = 0; k < ARC_KINDS; k++)
            c->set[inst]->m[k].f = NULL;
    }
    m = &c->set[inst]->m[kind];
    if (m->f) {
        broken(c, "instance i=%u has more than one %s", inst, arc_kind_name[kind]);
        return AUTH_OK;
    }
    m->f = f;
    m->value = value;
    m->value_len = value_len;
    m->tags.count = t->count;
    memcpy(m->tags.tag, t->tag, t->count * sizeof t->tag[0]);
    if (inst > c->newest)
        c->newest = inst;
    return AUTH_OK;
}

enum auth_status arc_chain_parse(const struct msg_headers *hdrs, struct arc_chain *c)
{
    size_t n = auth_msg_headers_count(hdrs);

    for (size_t i = 0; i < n; i++) {
        const struct msg_header *f = auth_msg_headers_get(hdrs, i);
        int kind = f->name_len >= 8 && (f->raw[0] | 0x20) == 'a' ? kind_of(f) : -1;

        if (kind < 0)
            continue;
        if (++c->fields > 3 * ARC_MAX_SETS) {
            broken(c, "more than %d ARC header fields (%d sets)", 3 * ARC_MAX_SETS,
                   ARC_MAX_SETS);
            break;
        }
        if (place(c, f, kind) != AUTH_OK)
            return AUTH_ENOMEM;
    }
    for (unsigned i = 1; i <= c->newest; i++)
        for (int k = 0; k < ARC_KINDS; k++)
            if (!c->set[i] || !c->set[i]->m[k].f)
                broken(c, "instance i=%u has no %s", i, arc_kind_name[k]);
    return AUTH_OK;
}

void arc_chain_clear(struct arc_chain *c)
{
    for (unsigned i = 0; i <= ARC_MAX_SETS; i++)
        free(c->set[i]);
    memset(c, 0, sizeof *c);
}

int arc_cv_of(const struct dkim_tags *t)
{
    const struct dkim_tag *cv = dkim_tags_get(t, "cv");

    if (!cv)
        return -1;
    if (cv->value_len == 4 && memcmp(cv->value, "none", 4) == 0)
        return ARC_NONE;
    if (cv->value_len == 4 && memcmp(cv->value, "pass", 4) == 0)
        return ARC_PASS;
    if (cv->value_len == 4 && memcmp(cv->value, "fail", 4) == 0)
        return ARC_FAIL;
    return -1;
}

bool arc_domain_ok(const char *s, size_t len)
{
    size_t label = 0;

    if (!len || len > 253)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (!label)
                return false;
            label = 0;
            continue;
        }
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') || ++label > 63)
            return false;
    }
    return label > 0 || len > 1;
}
