/*
 * tape.c - record every final DNS answer of a run to a file, or answer a
 * run from such a file (see auth/dns.h, "DNS tape").
 *
 * What is kept is the wire message the engine accepted for a (name, type),
 * so a replay goes through the same parser and yields the same typed
 * results; questions that ended without a usable message keep their
 * status and reason.  Entries are kept sorted for lookup; a mutex makes
 * one tape usable by the audit's per-thread engines.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "auth/file.h"
#include "dns/dns_internal.h"
#include "core/people.h"

#define TAPE_MAGIC "# mailctl dns tape 1"
#define TAPE_LINE_MAX (DNS_MAX_WIRE / 3 * 4 + 1024)

struct tape_entry {
    char *name;
    uint32_t type;              /* RR type, | DNS_TAPE_CD for a CD=1 query */
    enum dns_status status;     /* DNS_DATA: a wire message is kept */
    bool tcp;
    uint8_t *wire;
    size_t len;
    char *why;
};

struct dns_tape {
    enum dns_tape_mode mode;
    char *path;
    pthread_mutex_t lock;
    struct tape_entry *e;
    size_t n, cap;
    bool sorted;
    bool replace;               /* record over an existing tape */
};

static int entry_cmp(const void *a, const void *b)
{
    const struct tape_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c ? c : x->type < y->type ? -1 : x->type > y->type;
}

static struct tape_entry *tape_append(struct dns_tape *t)
{
    if (t->n >= DNS_TAPE_MAX_ENTRIES)
        return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct tape_entry *n = realloc(t->e, cap * sizeof *n);
        if (!n)
            return NULL;
        t->e = n;
        t->cap = cap;
    }
    memset(&t->e[t->n], 0, sizeof t->e[0]);
    t->sorted = false;
    return &t->e[t->n++];
}

static void entry_free(struct tape_entry *e)
{
    free(e->name);
    free(e->wire);
    free(e->why);
}


/* One line "NAME TYPE KIND REST" into an entry.  false on a bad line. */
static bool parse_line(char *line, struct tape_entry *e)
{
    char *save = NULL, *name = strtok_r(line, " ", &save), *type = strtok_r(NULL, " ", &save);
    char *kind = strtok_r(NULL, " ", &save), *rest = save, *end;
    unsigned long tv;

    if (!name || !type || !kind || !rest || strlen(name) > DNS_MAX_NAME + 1)
        return false;
    errno = 0;
    tv = strtoul(type, &end, 10);
    if (errno || (*end && strcmp(end, "+cd")) || tv > 65535 || !(e->name = strdup(name)))
        return false;
    e->type = (uint32_t)tv | (*end ? DNS_TAPE_CD : 0);
    if (!strcmp(kind, "wire")) {
        char *sp = strchr(rest, ' ');
        size_t b64len;
        int n;
        if (!sp)
            return false;
        *sp = '\0';
        e->tcp = !strcmp(rest, "tcp");
        b64len = strlen(sp + 1);
        if (b64len % 4 || b64len > DNS_MAX_WIRE / 3 * 4 + 4 || !(e->wire = malloc(b64len)))
            return false;
        n = EVP_DecodeBlock(e->wire, (const unsigned char *)sp + 1, (int)b64len);
        if (n < 0)
            return false;
        e->len = (size_t)n - (b64len >= 1 && sp[b64len] == '=') -
                 (b64len >= 2 && sp[b64len - 1] == '=');
        e->status = DNS_DATA;
        return true;
    }
    /* a question that ended without a message: its status by name */
    for (int st = DNS_NODATA; st <= DNS_ERROR; st++) {
        if (!strcmp(kind, dns_status_name((enum dns_status)st))) {
            e->status = (enum dns_status)st;
            return (e->why = strdup(rest)) != NULL;
        }
    }
    return false;
}

static enum auth_status load(struct dns_tape *t, char *err, size_t errlen)
{
    FILE *fp = fopen(t->path, "r");
    char *line = malloc(TAPE_LINE_MAX);
    enum auth_status st = AUTH_OK;
    size_t lineno = 0;

    if (!fp || !line) {
        free(line);
        if (fp)
            fclose(fp);
        return auth_fail(err, errlen, fp ? AUTH_ENOMEM : AUTH_EIO, "cannot read %s: %s",
                         t->path, strerror(errno));
    }
    while (st == AUTH_OK && fgets(line, TAPE_LINE_MAX, fp)) {
        struct tape_entry *e;
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1 && strcmp(line, TAPE_MAGIC))
            st = auth_fail(err, errlen, AUTH_EPARSE, "%s is not a mailctl DNS tape", t->path);
        else if (lineno == 1 || !line[0] || line[0] == '#')
            continue;
        else if (!(e = tape_append(t)))
            st = auth_fail(err, errlen, AUTH_ELIMIT, "%s: too many entries", t->path);
        else if (!parse_line(line, e))
            st = auth_fail(err, errlen, AUTH_EPARSE, "%s: line %zu is not a tape entry",
                           t->path, lineno);
    }
    fclose(fp);
    free(line);
    if (st == AUTH_OK) {
        if (t->n)
            qsort(t->e, t->n, sizeof t->e[0], entry_cmp);
        t->sorted = true;
    }
    return st;
}

/* Recording may replace a file only if it is itself a tape (re-recording
 * in place) or empty (made by mktemp(1) for the run: nothing to lose);
 * anything else already there is refused before the run. */
static enum auth_status record_target(struct dns_tape *t, char *err, size_t errlen)
{
    char head[sizeof TAPE_MAGIC + 1] = "";
    bool exists;
    enum auth_status st = auth_file_check(t->path, AUTH_FILE_REPLACE, &exists, err, errlen);
    int fd;
    ssize_t n = 0;

    if (st != AUTH_OK || !exists)
        return st;
    fd = open(t->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, head, sizeof head - 1);
        close(fd);
    }
    if (fd >= 0 && n == 0) {
        t->replace = true;
        return AUTH_OK;
    }
    if (n < (ssize_t)strlen(TAPE_MAGIC) || memcmp(head, TAPE_MAGIC, strlen(TAPE_MAGIC)) ||
        (head[strlen(TAPE_MAGIC)] != '\n' && head[strlen(TAPE_MAGIC)] != '\r'))
        return auth_fail(err, errlen, AUTH_EEXIST,
                         "%s exists and is not a mailctl DNS tape: refusing to replace it",
                         t->path);
    t->replace = true;
    return AUTH_OK;
}

enum auth_status dns_tape_open(const char *path, enum dns_tape_mode mode,
                               struct dns_tape **out, char *err, size_t errlen)
{
    struct dns_tape *t = calloc(1, sizeof *t);
    enum auth_status st = AUTH_OK;

    *out = NULL;
    if (!t || !(t->path = strdup(path))) {
        free(t);
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    }
    t->mode = mode;
    pthread_mutex_init(&t->lock, NULL);
    if (mode == DNS_TAPE_REPLAY)
        st = load(t, err, errlen);
    else
        st = record_target(t, err, errlen);
    if (st != AUTH_OK) {
        t->mode = DNS_TAPE_REPLAY;          /* close without writing */
        /* already failing with st; nothing was recorded */
        auth_status_ignore(dns_tape_close(t, NULL, 0));
        return st;
    }
    *out = t;
    return AUTH_OK;
}

static bool write_entry(FILE *fp, const struct tape_entry *e)
{
    const char *cd = e->type & DNS_TAPE_CD ? "+cd" : "";
    unsigned type = e->type & 0xffff;

    if (e->status != DNS_DATA)
        return fprintf(fp, "%s %u%s %s %s\n", e->name, type, cd, dns_status_name(e->status),
                       e->why ? e->why : "") > 0;
    char *b64 = malloc(e->len / 3 * 4 + 8);
    bool ok = b64 != NULL;
    if (ok) {
        EVP_EncodeBlock((unsigned char *)b64, e->wire, (int)e->len);
        ok = fprintf(fp, "%s %u%s wire %s %s\n", e->name, type, cd, e->tcp ? "tcp" : "udp",
                     b64) > 0;
    }
    free(b64);
    return ok;
}

/* Everything into memory first, then one atomic write (auth/file.h). */
static enum auth_status save(struct dns_tape *t, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    enum auth_status st;
    bool ok;

    if (!fp)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    if (t->n)
        qsort(t->e, t->n, sizeof t->e[0], entry_cmp);
    ok = fprintf(fp, "%s\n", TAPE_MAGIC) > 0;
    for (size_t i = 0; ok && i < t->n; i++)
        if (i == 0 || entry_cmp(&t->e[i - 1], &t->e[i]))   /* one per question */
            ok = write_entry(fp, &t->e[i]);
    ok = fclose(fp) == 0 && ok;
    st = ok ? auth_file_write(t->path, buf, len, 0644, t->replace ? AUTH_FILE_REPLACE : 0,
                              err, errlen)
            : auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    free(buf);
    return st;
}

enum auth_status dns_tape_close(struct dns_tape *t, char *err, size_t errlen)
{
    enum auth_status st = AUTH_OK;

    if (!t)
        return AUTH_OK;
    if (t->mode == DNS_TAPE_RECORD)
        st = save(t, err, errlen);
    for (size_t i = 0; i < t->n; i++)
        entry_free(&t->e[i]);
    free(t->e);
    free(t->path);
    pthread_mutex_destroy(&t->lock);
    free(t);
    return st;
}

bool dns_tape_recording(const struct dns_tape *t)
{
    return t && t->mode == DNS_TAPE_RECORD;
}

bool dns_tape_replaying(const struct dns_tape *t)
{
    return t && t->mode == DNS_TAPE_REPLAY;
}

/* Record the final answer for (name, type): a wire message (status
 * DNS_DATA) or a status with its reason.  Out of memory drops the entry. */
static void tape_put(struct dns_tape *t, const char *name, uint32_t type,
                     enum dns_status status, const uint8_t *wire, size_t len, bool tcp,
                     const char *why)
{
    struct tape_entry *e;

    pthread_mutex_lock(&t->lock);
    if ((e = tape_append(t))) {
        e->name = strdup(name);
        e->type = type;
        e->status = status;
        e->tcp = tcp;
        if (wire && (e->wire = malloc(len ? len : 1)))
            memcpy(e->wire, wire, len);
        e->len = len;
        e->why = why ? strdup(why) : NULL;
        if (!e->name || (wire && !e->wire)) {   /* out of memory: drop it */
            entry_free(e);
            t->n--;
        }
    }
    pthread_mutex_unlock(&t->lock);
}

/* The layer: a replaying tape answers every question (those it lacks with
 * an error), a recording one passes them down and keeps what it hears. */
static enum dns_layer_verdict tape_ask(void *self, const char *name, uint32_t key,
                                       struct dns_layer_answer *out)
{
    struct dns_tape *t = self;
    struct tape_entry k = { .name = (char *)name, .type = key }, *e;

    if (t->mode != DNS_TAPE_REPLAY)
        return DNS_LAYER_PASS;
    e = t->n ? bsearch(&k, t->e, t->n, sizeof t->e[0], entry_cmp) : NULL;  /* sorted at load */
    if (!e) {
        out->status = DNS_ERROR;
        const char *type = dns_type_name((uint16_t)key);

        snprintf(out->why, sizeof out->why, "%s %s is not in the replay file", name, type);
        snprintf(out->why_for_people, sizeof out->why_for_people,
                 auth_people_text("%s %s is not in the replay file"), name, type);
        return DNS_LAYER_ANSWER;
    }
    if (e->status != DNS_DATA || e->len < 12 || !(out->wire = malloc(e->len))) {
        out->status = e->status == DNS_DATA ? DNS_MALFORMED : e->status;
        snprintf(out->why, sizeof out->why, "%s", e->why ? e->why : "replayed without a message");
        return DNS_LAYER_ANSWER;
    }
    memcpy(out->wire, e->wire, e->len);
    out->len = e->len;
    out->tcp = e->tcp;
    out->status = DNS_DATA;
    return DNS_LAYER_ANSWER;
}

static void tape_heard(void *self, const char *name, uint32_t key, enum dns_status st,
                       const uint8_t *wire, size_t len, bool tcp, const char *why)
{
    struct dns_tape *t = self;

    if (t->mode == DNS_TAPE_RECORD)
        tape_put(t, name, key, st, wire, len, tcp, why);
}

struct dns_layer dns_tape_layer(struct dns_tape *t)
{
    static const struct dns_layer_ops ops = { tape_ask, tape_heard };

    return (struct dns_layer){ &ops, t };
}
