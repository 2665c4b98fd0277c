/*
 * send_test_msg.c - compose the message `mailctl send-test` delivers: RFC
 * 5322 headers with a generated Date and Message-ID and an X-Mailctl-Token
 * header the recipient can search for, and the body (given or default).
 */
#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/dkim.h"
#include "auth/message.h"
#include "cmd.h"
#include "send_test_msg.h"

/* Append into a growing buffer; *cap doubles as needed. */
static int put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = (*cap ? *cap : 1024);
        char *nb;
        while (nc < *len + n + 1)
            nc *= 2;
        if (!(nb = realloc(*buf, nc)))
            return -1;
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

static int puts_(char **buf, size_t *len, size_t *cap, const char *s)
{
    return put(buf, len, cap, s, strlen(s));
}

static void make_token(char *tok, size_t len)
{
    unsigned char r[16];
    size_t n = (size_t)snprintf(tok, len, "mailctl-");

    if (RAND_bytes(r, sizeof r) != 1) {    /* never expected; still unique enough */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        memcpy(r, &ts, sizeof ts < sizeof r ? sizeof ts : sizeof r);
    }
    for (size_t i = 0; i < sizeof r && n + 3 <= len; i++)
        n += (size_t)snprintf(tok + n, len - n, "%02x", r[i]);
}

/* Body with bare LF made CRLF. */
static int put_body(char **buf, size_t *len, size_t *cap, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) {
            if (put(buf, len, cap, "\r\n", 2) < 0)
                return -1;
        } else if (put(buf, len, cap, b + i, 1) < 0)
            return -1;
    }
    if (n && b[n - 1] != '\n')
        return put(buf, len, cap, "\r\n", 2);
    return 0;
}

int st_message_build(struct st_message *m, const char *from, const char *const *to,
                     size_t nto, const char *subject, const char *body, size_t bodylen,
                     char *err, size_t errlen)
{
    char line[1024], date[64], deftext[512];
    const char *at = strrchr(from, '@');
    time_t now = time(NULL);
    struct tm tm;
    size_t cap = 0;
    int bad = 0;

    memset(m, 0, sizeof *m);
    if (subject && strpbrk(subject, "\r\n")) {
        snprintf(err, errlen, "--subject must not contain CR or LF");
        return -1;
    }
    make_token(m->token, sizeof m->token);
    snprintf(m->message_id, sizeof m->message_id, "<%s@%s>", m->token,
             at && at[1] ? at + 1 : "mailctl.invalid");
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);

    snprintf(line, sizeof line, "From: <%s>\r\nTo: ", from);
    bad |= puts_(&m->text, &m->len, &cap, line);
    for (size_t i = 0; i < nto; i++) {
        snprintf(line, sizeof line, "%s<%s>", i ? ",\r\n " : "", to[i]);
        bad |= puts_(&m->text, &m->len, &cap, line);
    }
    snprintf(line, sizeof line, "\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n"
             "X-Mailctl-Token: %s\r\nMIME-Version: 1.0\r\n"
             "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
             subject ? subject : "mailctl send-test", date, m->message_id, m->token);
    bad |= puts_(&m->text, &m->len, &cap, line);
    if (!body) {
        snprintf(deftext, sizeof deftext,
                 "This is a test message sent by mailctl send-test.\n"
                 "Token: %s\nSent: %s\n", m->token, date);
        body = deftext;
        bodylen = strlen(deftext);
    }
    bad |= put_body(&m->text, &m->len, &cap, body, bodylen);
    if (bad) {
        st_message_free(m);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void st_message_free(struct st_message *m)
{
    free(m->text);
    m->text = NULL;
    m->len = 0;
}

int st_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    size_t n;

    *out = NULL;
    *len = 0;
    if (!fp) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    buf = malloc(max + 2);
    if (!buf) {
        fclose(fp);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    n = fread(buf, 1, max + 1, fp);
    if (ferror(fp) || n > max) {
        snprintf(err, errlen, ferror(fp) ? "cannot read '%s'" : "'%s' is over the size limit",
                 path);
        fclose(fp);
        free(buf);
        return -1;
    }
    fclose(fp);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* Prepend a DKIM-Signature (relaxed/relaxed, default header set) made with
 * the key at key_path for d=domain, s=selector. */
int st_message_sign(struct st_message *m, const char *key_path, const char *domain,
                    const char *selector, char *err, size_t errlen)
{
    struct dkim_sign_params p = { .domain = domain, .selector = selector, .algorithm = -1,
                                  .header_canon = DKIM_CANON_RELAXED,
                                  .body_canon = DKIM_CANON_RELAXED, .crlf = true };
    struct msg_headers *hdrs = NULL;
    struct dkim_sign *s = NULL;
    EVP_PKEY *key = NULL;
    size_t hdr_len, body_off, hlen;
    char *field = NULL, *signed_text;
    int rc = -1;

    if (dkim_privkey_load(key_path, &key, err, errlen) != AUTH_OK)
        return -1;
    cmd_warn_exposed_key(key_path);
    p.key = key;
    if (auth_msg_header_end(m->text, m->len, &hdr_len, &body_off) != AUTH_OK ||
        auth_msg_headers_parse(m->text, hdr_len, NULL, &hdrs, err, errlen) != AUTH_OK)
        goto out;
    if (dkim_sign_new(&p, hdrs, &s, err, errlen) != AUTH_OK ||
        dkim_sign_body(s, m->text + body_off, m->len - body_off) != AUTH_OK ||
        dkim_sign_final(s, &field, err, errlen) != AUTH_OK)
        goto out;
    hlen = strlen(field);
    if (!(signed_text = malloc(hlen + m->len + 1))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    memcpy(signed_text, field, hlen);
    memcpy(signed_text + hlen, m->text, m->len + 1);
    free(m->text);
    m->text = signed_text;
    m->len += hlen;
    rc = 0;
out:
    free(field);
    dkim_sign_free(s);
    auth_msg_headers_free(hdrs);
    EVP_PKEY_free(key);
    return rc;
}
