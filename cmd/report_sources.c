/*
 * report_sources.c - the mailbox sources of `report import`: a Maildir
 * (new/ and cur/ messages without the S flag) and an IMAP mailbox
 * (UNSEEN messages).  Each batch is stored in one transaction; its
 * messages are marked seen only after the commit.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/reportdb.h"
#include "report_import.h"

#define IMAP_BATCH 100
#define IMAP_MESSAGE_MAX (IMAP_RESPONSE_MAX - IMAP_LINE_MAX)
#define IDLE_MS (25u * 60 * 1000)

/* ---------- Maildir ---------- */

struct md_list {
    char **paths;             /* "new/NAME" or "cur/NAME:2,FLAGS" */
    size_t n, cap;
};

static bool seen_flag(const char *name)
{
    const char *info = strstr(name, ":2,");
    return info && strchr(info + 3, 'S');
}

static int md_scan(const char *dir, const char *sub, struct md_list *l)
{
    char path[4096];
    DIR *d;
    struct dirent *e;

    snprintf(path, sizeof path, "%s/%s", dir, sub);
    if (!(d = opendir(path)))
        return errno == ENOENT ? 0 : -1;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || (strcmp(sub, "cur") == 0 && seen_flag(e->d_name)))
            continue;
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 64;
            char **p = realloc(l->paths, cap * sizeof *p);
            if (!p) {
                closedir(d);
                return -1;
            }
            l->paths = p;
            l->cap = cap;
        }
        if (!(l->paths[l->n] = malloc(strlen(sub) + strlen(e->d_name) + 2))) {
            closedir(d);
            return -1;
        }
        snprintf(l->paths[l->n], strlen(sub) + strlen(e->d_name) + 2, "%s/%s", sub, e->d_name);
        l->n++;
    }
    closedir(d);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_char(const void *a, const void *b)
{
    return *(const char *)a - *(const char *)b;
}

/* new/NAME -> cur/NAME:2,S; cur/NAME:2,FL -> cur/NAME:2,FLS (flags sorted). */
static void md_mark_seen(const char *dir, const char *rel)
{
    char from[4096], to[4096], flags[64] = "";
    const char *name = strchr(rel, '/') + 1, *info = strstr(name, ":2,");
    size_t base = info ? (size_t)(info - name) : strlen(name), k = 0;

    if (info)
        snprintf(flags, sizeof flags, "%s", info + 3);
    k = strlen(flags);
    if (k + 1 < sizeof flags) {
        flags[k++] = 'S';
        flags[k] = '\0';
        qsort(flags, k, 1, cmp_char);
    }
    snprintf(from, sizeof from, "%s/%s", dir, rel);
    snprintf(to, sizeof to, "%s/cur/%.*s:2,%s", dir, (int)base, name, flags);
    if (rename(from, to) != 0 && g_opts.verbose >= 0)
        cmd_warn("%s stored but not marked seen: %s", rpt_safe(from), strerror(errno));
}

int imp_maildir(struct imp *im, const char *dir)
{
    struct md_list l = {0};
    int rc = EXIT_OK;
    size_t batch_start = 0;

    if (md_scan(dir, "new", &l) < 0 || md_scan(dir, "cur", &l) < 0) {
        snprintf(im->why, sizeof im->why, "%s: %s", rpt_safe(dir), strerror(errno));
        rc = EXIT_RUNTIME;
    }
    if (rc == EXIT_OK && l.n)   /* qsort(NULL, 0) is undefined */
        qsort(l.paths, l.n, sizeof *l.paths, cmp_str);
    for (size_t i = 0; i < l.n && rc == EXIT_OK; i++) {
        char path[4096], *buf;
        size_t len;
        int st;
        if (i == batch_start && (rc = imp_begin(im)) != EXIT_OK)
            break;
        snprintf(path, sizeof path, "%s/%s", dir, l.paths[i]);
        st = rpt_read_file(path, REPORT_MAX_BYTES, &buf, &len);
        if (st < 0 && errno == ENOENT)
            continue;   /* another reader took it meanwhile */
        if (st < 0) {
            snprintf(im->why, sizeof im->why, "%s: %s", rpt_safe(path), strerror(errno));
            rc = EXIT_RUNTIME;
        } else if (st > 0) {
            rc = imp_store_error(im, path, "more than 64 MiB");
        } else {
            rc = imp_store_buffer(im, buf, len, path);
            free(buf);
        }
        if (rc == EXIT_OK && (i + 1 == l.n || i + 1 - batch_start == IMP_BATCH)) {
            if ((rc = imp_commit(im)) != EXIT_OK)
                break;
            for (size_t k = batch_start; k <= i; k++)
                md_mark_seen(dir, l.paths[k]);
            batch_start = i + 1;
        }
    }
    if (rc != EXIT_OK)
        report_db_rollback(im->db);
    for (size_t i = 0; i < l.n; i++)
        free(l.paths[i]);
    free(l.paths);
    return rc;
}

/* ---------- IMAP ---------- */

static struct imap_client *imap_connect(struct imp *im, const struct st_imap *imap,
                                        struct dns_engine *eng)
{
    unsigned ms = g_opts.timeout_ms ? g_opts.timeout_ms : 30000;
    struct imap_params p = {
        .host = imap->host, .eng = eng, .port = (uint16_t)imap->port, .tls = imap->tls,
        .ca_file = g_opts.ca_file, .user = imap->user, .password = imap->password,
        .connect_ms = ms, .command_ms = ms, .literal_max = IMAP_MESSAGE_MAX,
    };
    struct imap_client *c = NULL;

    if (imap_client_new(&p, &c, im->why, sizeof im->why) != AUTH_OK)
        return NULL;
    if (imap_open(c) != AUTH_OK || imap_login(c) != AUTH_OK ||
        imap_select(c, imap->mailbox, NULL) != AUTH_OK) {
        snprintf(im->why, sizeof im->why, "IMAP %s: %s", imap_failure_name(imap_client_failure(c)),
                 imap_client_why(c));
        imap_client_free(c);
        return NULL;
    }
    return c;
}

/* Fetch and store one message (or an error entry when it is too large). */
static int imap_one(struct imp *im, struct imap_client *c, const struct st_imap *imap,
                    uint32_t uid)
{
    char origin[1100], *msg;
    size_t len;
    uint64_t size = 0;
    int rc;

    snprintf(origin, sizeof origin, "imap://%s/%s;UID=%u", imap->host, imap->mailbox,
             (unsigned)uid);
    if (imap_uid_fetch_size(c, uid, &size) == AUTH_OK && size > IMAP_MESSAGE_MAX)
        return imp_store_error(im, origin, "message over 4 MiB, not fetched");
    if (imap_uid_fetch_message(c, uid, &msg, &len) != AUTH_OK) {
        snprintf(im->why, sizeof im->why, "IMAP UID %u: %s", (unsigned)uid, imap_client_why(c));
        return EXIT_RUNTIME;
    }
    rc = imp_store_buffer(im, msg, len, origin);
    free(msg);
    return rc;
}

static int imap_batches(struct imp *im, struct imap_client *c, const struct st_imap *imap)
{
    uint32_t *uids = NULL;
    size_t n = 0;
    int rc = EXIT_OK;

    if (imap_uid_search_unseen(c, &uids, &n) != AUTH_OK) {
        snprintf(im->why, sizeof im->why, "IMAP SEARCH: %s", imap_client_why(c));
        return EXIT_RUNTIME;
    }
    for (size_t at = 0; at < n && rc == EXIT_OK; at += IMAP_BATCH) {
        size_t end = at + IMAP_BATCH < n ? at + IMAP_BATCH : n;
        if ((rc = imp_begin(im)) != EXIT_OK)
            break;
        for (size_t i = at; i < end && rc == EXIT_OK; i++)
            rc = imap_one(im, c, imap, uids[i]);
        if (rc == EXIT_OK)
            rc = imp_commit(im);
        if (rc != EXIT_OK) {
            report_db_rollback(im->db);
            break;
        }
        /* stored: now, and only now, the messages may be marked seen */
        if (imap_uid_mark_seen(c, uids + at, end - at) != AUTH_OK) {
            snprintf(im->why, sizeof im->why, "stored, but marking seen failed: %s",
                     imap_client_why(c));
            rc = EXIT_RUNTIME;
        }
    }
    free(uids);
    return rc;
}

/* --watch: IDLE until the server announces mail (or IDLE_MS passes: the
 * server may drop an idle client after 30 min, RFC 2177), then import what
 * is unseen. */
static int imap_watch_round(struct imp *im, struct imap_client *c, const struct st_imap *imap)
{
    uint64_t before = im->stored + im->duplicates + im->unreadable;
    bool changed = false;
    int rc;

    if (imap_idle(c, IDLE_MS, &changed) != AUTH_OK) {
        snprintf(im->why, sizeof im->why, "IMAP IDLE: %s", imap_client_why(c));
        return EXIT_RUNTIME;
    }
    if ((rc = imap_batches(im, c, imap)) != EXIT_OK)
        return rc;
    if (im->stored + im->duplicates + im->unreadable != before && g_opts.verbose >= 0 &&
        !g_opts.json) {
        printf(_("watching: %llu stored, %llu already there, %llu unreadable so far\n"),
               (unsigned long long)im->stored, (unsigned long long)im->duplicates,
               (unsigned long long)im->unreadable);
        fflush(stdout);
    }
    return EXIT_OK;
}

int imp_imap(struct imp *im, const struct st_imap *imap)
{
    struct dns_engine *eng = NULL;
    struct imap_client *c;
    int rc;

    if ((rc = cmd_dns_engine(&eng)) != EXIT_OK) {
        snprintf(im->why, sizeof im->why, "no DNS resolver");
        return rc;
    }
    if (!(c = imap_connect(im, imap, eng))) {
        dns_engine_free(eng);
        return EXIT_RUNTIME;
    }
    rc = imap_batches(im, c, imap);
    while (rc == EXIT_OK && im->watch)
        rc = imap_watch_round(im, c, imap);
    /* the reports are stored (or the batch rolled back) whatever LOGOUT says */
    auth_status_ignore(imap_logout(c));   /* the imports are committed; a failed goodbye loses nothing */
    imap_client_free(c);
    dns_engine_free(eng);
    return rc;
}
