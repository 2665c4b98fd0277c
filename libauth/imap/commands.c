/*
 * commands.c - the mailbox commands of the IMAP client: LIST to find the
 * junk folder, EXAMINE, UID SEARCH HEADER, UID FETCH BODY.PEEK[HEADER] and
 * NOOP, each with a handler that picks what it needs out of the untagged
 * responses and ignores the rest (unsolicited EXISTS, FLAGS...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/imap_int.h"

#define MAILBOX_MAX 512

/* Run a command whose NO means "no such thing". */
static enum auth_status simple(struct imap_client *c, const char *line, imap_handler_fn h,
                               void *arg, const char *what)
{
    enum imap_status s = IMAP_ST_NONE;
    char *text = NULL;
    enum auth_status st = imap_command(c, line, NULL, NULL, h, arg, &s, &text);

    if (st == AUTH_OK && s == IMAP_ST_NO)
        st = imap_failed(c, IMAP_FAIL_NO, AUTH_ENOTFOUND, "%s: NO %.200s", what,
                         text ? text : "");
    else if (st == AUTH_OK && s != IMAP_ST_OK)
        st = imap_failed(c, IMAP_FAIL_NO, AUTH_EPARSE, "%s: %s %.200s", what,
                         imap_status_name(s), text ? text : "");
    free(text);
    return st;
}

/* ---------- LIST ---------- */

struct junk_search {
    char special[MAILBOX_MAX];  /* flagged \Junk */
    char named[MAILBOX_MAX];    /* best name match */
    int named_rank;
};

/* Rank of a folder name as a junk folder: lower is better, -1 none. */
static int junk_rank(const char *name, char delim)
{
    static const char *const names[] = { "Junk", "Spam", "Junk E-mail", "Junk Email",
                                         "Bulk Mail" };
    const char *base = name;

    if (delim && strncasecmp(name, "INBOX", 5) == 0 && name[5] == delim)
        base = name + 6;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(base, names[i]) == 0)
            return (int)i;
    return -1;
}

static bool has_flag(const struct imap_item *flags, const char *flag)
{
    for (const struct imap_item *f = flags ? flags->child : NULL; f; f = f->next)
        if (imap_item_is(f, flag))
            return true;
    return false;
}

static enum auth_status on_list(struct imap_client *c, const struct imap_response *r,
                                void *arg)
{
    struct junk_search *js = arg;
    const struct imap_item *flags = r->items, *delim, *name;
    char d;
    int rank;

    (void)c;
    if (!r->name || strcmp(r->name, "LIST") != 0 || !flags || flags->type != IMAP_ITEM_LIST ||
        !(delim = flags->next) || !(name = delim->next) || name->type == IMAP_ITEM_LIST ||
        name->type == IMAP_ITEM_NIL || name->len == 0 || name->len >= MAILBOX_MAX ||
        memchr(name->data, '\0', name->len))
        return AUTH_OK;
    if (has_flag(flags, "\\Noselect") || has_flag(flags, "\\NonExistent"))
        return AUTH_OK;
    if (has_flag(flags, "\\Junk") && !js->special[0])
        snprintf(js->special, sizeof js->special, "%s", name->data);
    d = delim->type == IMAP_ITEM_QUOTED && delim->len == 1 ? delim->data[0] : '\0';
    rank = junk_rank(name->data, d);
    if (rank >= 0 && (js->named_rank < 0 || rank < js->named_rank)) {
        js->named_rank = rank;
        snprintf(js->named, sizeof js->named, "%s", name->data);
    }
    return AUTH_OK;
}

enum auth_status imap_find_junk(struct imap_client *c, char *buf, size_t len)
{
    struct junk_search js = { .named_rank = -1 };
    const char *cmd = imap_client_has_cap(c, "SPECIAL-USE") &&
                      imap_client_has_cap(c, "LIST-EXTENDED")
                          ? "LIST \"\" \"*\" RETURN (SPECIAL-USE)" : "LIST \"\" \"*\"";
    enum auth_status st = simple(c, cmd, on_list, &js, "LIST");
    const char *found = js.special[0] ? js.special : js.named[0] ? js.named : NULL;

    if (st != AUTH_OK)
        return st;
    if (!found)
        return AUTH_ENOTFOUND;
    if (strlen(found) >= len)
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_ELIMIT, "junk folder name too long");
    memcpy(buf, found, strlen(found) + 1);
    return AUTH_OK;
}

/* ---------- EXAMINE, NOOP ---------- */

static enum auth_status on_examine(struct imap_client *c, const struct imap_response *r,
                                   void *arg)
{
    unsigned long *exists = arg;

    (void)c;
    if (r->has_number && r->name && strcmp(r->name, "EXISTS") == 0)
        *exists = r->number;
    return AUTH_OK;
}

enum auth_status imap_examine(struct imap_client *c, const char *mailbox,
                              unsigned long *exists)
{
    char q[2 * MAILBOX_MAX + 3], line[2 * MAILBOX_MAX + 16];
    unsigned long dummy = 0;

    if (!imap_quote(q, sizeof q, mailbox))
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_EINVAL,
                           "mailbox names must be printable ASCII (%d octets at most)",
                           MAILBOX_MAX);
    snprintf(line, sizeof line, "EXAMINE %s", q);
    return simple(c, line, on_examine, exists ? exists : &dummy, "EXAMINE");
}

enum auth_status imap_noop(struct imap_client *c)
{
    return simple(c, "NOOP", NULL, NULL, "NOOP");
}

/* ---------- UID SEARCH ---------- */

struct uid_list {
    uint32_t *v;
    size_t n, cap;
    bool oom;
};

static enum auth_status on_search(struct imap_client *c, const struct imap_response *r,
                                  void *arg)
{
    struct uid_list *l = arg;

    if (!r->name || strcmp(r->name, "SEARCH") != 0)
        return AUTH_OK;
    for (const struct imap_item *it = r->items; it; it = it->next) {
        uint32_t uid;
        if (!imap_item_u32(it, &uid) || uid == 0 || l->n >= IMAP_SEARCH_MAX)
            continue;
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 16;
            uint32_t *p = realloc(l->v, cap * sizeof *p);
            if (!p)
                return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_ENOMEM, "out of memory");
            l->v = p;
            l->cap = cap;
        }
        l->v[l->n++] = uid;
    }
    return AUTH_OK;
}

static bool header_name_ok(const char *s)
{
    if (!*s || strlen(s) > 76)
        return false;
    for (; *s; s++)
        if (*s <= 0x20 || *s >= 0x7f || *s == ':' || *s == '"' || *s == '\\')
            return false;
    return true;
}

enum auth_status imap_uid_search_header(struct imap_client *c, const char *field,
                                        const char *value, uint32_t **uids, size_t *n)
{
    struct uid_list l = {0};
    char q[1024], line[1200];
    enum auth_status st;

    *uids = NULL;
    *n = 0;
    if (!header_name_ok(field) || strlen(value) > 400 || !imap_quote(q, sizeof q, value))
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_EINVAL, "bad header search");
    snprintf(line, sizeof line, "UID SEARCH HEADER %s %s", field, q);
    st = simple(c, line, on_search, &l, "UID SEARCH");
    if (st != AUTH_OK) {
        free(l.v);
        return st;
    }
    *uids = l.v;
    *n = l.n;
    return AUTH_OK;
}

/* ---------- UID FETCH ---------- */

struct header_fetch {
    uint32_t uid;
    char *hdr;
    size_t len;
};

static enum auth_status on_fetch(struct imap_client *c, const struct imap_response *r,
                                 void *arg)
{
    struct header_fetch *hf = arg;
    const struct imap_item *att = r->items, *value = NULL;
    bool other_uid = false;

    if (!r->name || strcmp(r->name, "FETCH") != 0 || !att || att->type != IMAP_ITEM_LIST)
        return AUTH_OK;
    for (const struct imap_item *k = att->child; k && k->next; k = k->next->next) {
        uint32_t uid;
        if (imap_item_is(k, "UID") && imap_item_u32(k->next, &uid))
            other_uid = uid != hf->uid;
        else if (imap_item_is(k, "BODY[HEADER]") &&
                 (k->next->type == IMAP_ITEM_LITERAL || k->next->type == IMAP_ITEM_QUOTED))
            value = k->next;
    }
    if (!value || other_uid || hf->hdr)
        return AUTH_OK;
    if (!(hf->hdr = malloc(value->len + 1)))
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_ENOMEM, "out of memory");
    memcpy(hf->hdr, value->data, value->len);
    hf->hdr[value->len] = '\0';
    hf->len = value->len;
    return AUTH_OK;
}

enum auth_status imap_uid_fetch_header(struct imap_client *c, uint32_t uid,
                                       char **hdr, size_t *len)
{
    struct header_fetch hf = { .uid = uid };
    char line[64];
    enum auth_status st;

    *hdr = NULL;
    *len = 0;
    snprintf(line, sizeof line, "UID FETCH %u (BODY.PEEK[HEADER])", (unsigned)uid);
    st = simple(c, line, on_fetch, &hf, "UID FETCH");
    if (st == AUTH_OK && !hf.hdr)
        st = AUTH_ENOTFOUND;
    if (st != AUTH_OK) {
        free(hf.hdr);
        return st;
    }
    *hdr = hf.hdr;
    *len = hf.len;
    return AUTH_OK;
}

/* ---------- for the other files of the client (mailbox.c) ---------- */

enum auth_status imap_simple_command(struct imap_client *c, const char *line, imap_handler_fn h,
                                     void *arg, const char *what)
{
    return simple(c, line, h, arg, what);
}

enum auth_status imap_uid_search_line(struct imap_client *c, const char *line, uint32_t **uids,
                                      size_t *n)
{
    struct uid_list l = {0};
    enum auth_status st = simple(c, line, on_search, &l, "UID SEARCH");

    *uids = NULL;
    *n = 0;
    if (st != AUTH_OK) {
        free(l.v);
        return st;
    }
    *uids = l.v;
    *n = l.n;
    return AUTH_OK;
}
