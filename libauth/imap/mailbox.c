/*
 * mailbox.c - the commands that take messages out of a mailbox (report
 * import): SELECT, UID SEARCH UNSEEN, UID FETCH RFC822.SIZE and
 * BODY.PEEK[] (never sets \Seen by itself), UID STORE +FLAGS.SILENT
 * (\Seen), which the caller sends only once what it fetched is safe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap_int.h"

#define MAILBOX_MAX 512
#define STORE_UIDS_PER_COMMAND 500

static enum auth_status on_select(struct imap_client *c, const struct imap_response *r,
                                  void *arg)
{
    unsigned long *exists = arg;

    (void)c;
    if (r->has_number && r->name && strcmp(r->name, "EXISTS") == 0)
        *exists = r->number;
    return AUTH_OK;
}

enum auth_status imap_select(struct imap_client *c, const char *mailbox, unsigned long *exists)
{
    char q[2 * MAILBOX_MAX + 3], line[2 * MAILBOX_MAX + 16];
    unsigned long dummy = 0;

    if (!imap_quote(q, sizeof q, mailbox))
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_EINVAL,
                           "mailbox names must be printable ASCII (%d octets at most)",
                           MAILBOX_MAX);
    snprintf(line, sizeof line, "SELECT %s", q);
    return imap_simple_command(c, line, on_select, exists ? exists : &dummy, "SELECT");
}

enum auth_status imap_uid_search_unseen(struct imap_client *c, uint32_t **uids, size_t *n)
{
    return imap_uid_search_line(c, "UID SEARCH UNSEEN", uids, n);
}

/* One FETCH response's attribute value for key, when it is about uid. */
static const struct imap_item *fetch_att(const struct imap_response *r, uint32_t want,
                                         const char *key)
{
    const struct imap_item *att = r->items, *value = NULL;
    bool other_uid = false;

    if (!r->name || strcmp(r->name, "FETCH") != 0 || !att || att->type != IMAP_ITEM_LIST)
        return NULL;
    for (const struct imap_item *k = att->child; k && k->next; k = k->next->next) {
        uint32_t uid;
        if (imap_item_is(k, "UID") && imap_item_u32(k->next, &uid))
            other_uid = uid != want;
        else if (imap_item_is(k, key))
            value = k->next;
    }
    return other_uid ? NULL : value;
}

struct size_fetch { uint32_t uid; uint64_t size; bool got; };

static enum auth_status on_size(struct imap_client *c, const struct imap_response *r, void *arg)
{
    struct size_fetch *sf = arg;
    const struct imap_item *v = fetch_att(r, sf->uid, "RFC822.SIZE");
    uint32_t n;

    (void)c;
    if (v && imap_item_u32(v, &n)) {
        sf->size = n;
        sf->got = true;
    }
    return AUTH_OK;
}

enum auth_status imap_uid_fetch_size(struct imap_client *c, uint32_t uid, uint64_t *size)
{
    struct size_fetch sf = { .uid = uid };
    char line[64];
    enum auth_status st;

    snprintf(line, sizeof line, "UID FETCH %u (RFC822.SIZE)", (unsigned)uid);
    st = imap_simple_command(c, line, on_size, &sf, "UID FETCH");
    if (st == AUTH_OK && !sf.got)
        st = AUTH_ENOTFOUND;
    *size = sf.size;
    return st;
}

struct body_fetch { uint32_t uid; char *msg; size_t len; };

static enum auth_status on_body(struct imap_client *c, const struct imap_response *r, void *arg)
{
    struct body_fetch *bf = arg;
    const struct imap_item *v = fetch_att(r, bf->uid, "BODY[]");

    if (!v || bf->msg || (v->type != IMAP_ITEM_LITERAL && v->type != IMAP_ITEM_QUOTED))
        return AUTH_OK;
    if (!(bf->msg = malloc(v->len + 1)))
        return imap_failed(c, IMAP_FAIL_LOCAL, AUTH_ENOMEM, "out of memory");
    memcpy(bf->msg, v->data, v->len);
    bf->msg[v->len] = '\0';
    bf->len = v->len;
    return AUTH_OK;
}

enum auth_status imap_uid_fetch_message(struct imap_client *c, uint32_t uid, char **msg,
                                        size_t *len)
{
    struct body_fetch bf = { .uid = uid };
    char line[64];
    enum auth_status st;

    *msg = NULL;
    *len = 0;
    snprintf(line, sizeof line, "UID FETCH %u (BODY.PEEK[])", (unsigned)uid);
    st = imap_simple_command(c, line, on_body, &bf, "UID FETCH");
    if (st == AUTH_OK && !bf.msg)
        st = AUTH_ENOTFOUND;
    if (st != AUTH_OK) {
        free(bf.msg);
        return st;
    }
    *msg = bf.msg;
    *len = bf.len;
    return AUTH_OK;
}

enum auth_status imap_uid_mark_seen(struct imap_client *c, const uint32_t *uids, size_t n)
{
    char line[STORE_UIDS_PER_COMMAND * 11 + 64];

    for (size_t i = 0; i < n;) {
        size_t len = (size_t)snprintf(line, sizeof line, "UID STORE ");
        for (size_t k = 0; k < STORE_UIDS_PER_COMMAND && i < n; k++, i++)
            len += (size_t)snprintf(line + len, sizeof line - len, "%s%u", k ? "," : "",
                                    (unsigned)uids[i]);
        snprintf(line + len, sizeof line - len, " +FLAGS.SILENT (\\Seen)");
        enum auth_status st = imap_simple_command(c, line, NULL, NULL, "UID STORE");
        if (st != AUTH_OK)
            return st;
    }
    return AUTH_OK;
}
