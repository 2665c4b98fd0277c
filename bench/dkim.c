/*
 * dkim.c - DKIM sign/verify messages per second on one core (2 KB
 * message, RSA-2048 and Ed25519, key cached) and body hashing rate on
 * 10 MB bodies, printed beside OpenSSL's raw rates (`openssl speed`, raw
 * SHA-256) and dkimpy in-process, with ratios.  Body hashing is shown on
 * one core and with the default setting, which moves hashing to a second
 * thread on large bodies that need much canonicalisation work.
 *
 *   dkim --files ZONEFILE FILE...   (bench/dkim_verify.sh)
 * verifies the given messages in-process on one core instead, read into
 * memory first, the key record taken from the strings of ZONEFILE's TXT
 * line: the in-process figure printed beside `mailctl dkim verify` of the
 * same files.  Prints "MSG_PER_S PASSES" (median of 5 passes).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "auth/message.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *message(size_t body)
{
    char *m = malloc(body + 512);
    int n = snprintf(m, 512, "From: Alice <alice@bench.example>\r\nTo: bob@example.org\r\n"
                     "Subject: bench\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
                     "Message-ID: <b@bench.example>\r\n\r\n");
    for (size_t i = 0; i < body; i++)
        m[n + i] = (i % 72 == 71) ? '\n' : "abcdefgh  ij"[i % 12];
    m[n + body] = '\0';
    return m;
}

static char *sign_msg(EVP_PKEY *key, const char *m, struct msg_headers *h, size_t bo)
{
    struct dkim_sign_params p = { .domain = "bench.example", .selector = "s", .key = key,
                                  .algorithm = -1, .header_canon = DKIM_CANON_RELAXED,
                                  .body_canon = DKIM_CANON_RELAXED, .crlf = true };
    struct dkim_sign *s;
    char err[200], *field = NULL;

    if (dkim_sign_new(&p, h, &s, err, sizeof err) != AUTH_OK)
        return NULL;
    if (dkim_sign_body(s, m + bo, strlen(m + bo)) != AUTH_OK ||
        dkim_sign_final(s, &field, err, sizeof err) != AUTH_OK)
        field = NULL;
    dkim_sign_free(s);
    return field;
}

static int verify_msg(const char *m, size_t len, struct dkim_keystore *ks)
{
    size_t hl, bo;
    struct msg_headers *h;
    struct dkim_verify *v;
    int ok;

    if (auth_msg_header_end(m, len, &hl, &bo) != AUTH_OK)
        hl = bo = len;
    if (auth_msg_headers_parse(m, hl, NULL, &h, NULL, 0) != AUTH_OK)
        return 0;
    if (dkim_verify_new(NULL, h, &v) != AUTH_OK) {
        auth_msg_headers_free(h);
        return 0;
    }
    ok = dkim_verify_body(v, m + bo, len - bo) == AUTH_OK &&
         dkim_verify_final(v, ks) == AUTH_OK && dkim_verify_overall(v) == DKIM_PASS;
    dkim_verify_free(v);
    auth_msg_headers_free(h);
    return ok;
}

static void bench_alg(const char *label, EVP_PKEY *key, double *sign_rate, double *verify_rate)
{
    char *m = message(2048), *rec, *field, *signedm;
    size_t hl, bo, n = 0;
    struct msg_headers *h;
    struct dkim_keystore *ks;
    double t0;

    if (auth_msg_header_end(m, strlen(m), &hl, &bo) != AUTH_OK ||
        auth_msg_headers_parse(m, hl, NULL, &h, NULL, 0) != AUTH_OK)
        exit(1);
    t0 = now();
    while (now() - t0 < 1.0) {
        free(sign_msg(key, m, h, bo));
        n++;
    }
    *sign_rate = n / (now() - t0);
    if (!(field = sign_msg(key, m, h, bo)))
        exit(1);
    signedm = malloc(strlen(field) + strlen(m) + 1);
    memcpy(signedm, field, strlen(field));
    memcpy(signedm + strlen(field), m, strlen(m) + 1);
    if (dkim_record_for_key(key, &rec, NULL, 0) != AUTH_OK || dkim_keystore_new(&ks) != AUTH_OK ||
        dkim_keystore_add(ks, "s", "bench.example", rec, strlen(rec)) != AUTH_OK)
        exit(1);
    if (!verify_msg(signedm, strlen(signedm), ks))
        printf("%s: verification FAILED\n", label);
    n = 0;
    t0 = now();
    while (now() - t0 < 1.0) {
        verify_msg(signedm, strlen(signedm), ks);
        n++;
    }
    *verify_rate = n / (now() - t0);
    dkim_keystore_free(ks);
    free(rec);
    free(field);
    free(signedm);
    auth_msg_headers_free(h);
    free(m);
}

/* The 3rd and 4th numbers after prefix on a line of `openssl speed`:
 * "rsa 2048 bits 0.000251s 0.000016s 3981.0 61426.0". */
static bool rates_after(const char *p, double *sign, double *verify)
{
    double v[4];
    char *end;

    for (int i = 0; i < 4; i++) {
        v[i] = strtod(p, &end);
        if (end == p)
            return false;
        p = end + (*end == 's');
    }
    *sign = v[2];
    *verify = v[3];
    return true;
}

static void openssl_speed(double *rs, double *rv, double *es, double *ev)
{
    FILE *p = popen("openssl speed -seconds 1 rsa2048 ed25519 2>/dev/null", "r");
    char line[512];

    *rs = *rv = *es = *ev = 0;
    if (!p)
        return;
    while (fgets(line, sizeof line, p)) {
        if (!strncmp(line, "rsa 2048 bits", 13))
            rates_after(line + 13, rs, rv);
        if (strstr(line, "(Ed25519)"))
            rates_after(strstr(line, "(Ed25519)") + 9, es, ev);
    }
    pclose(p);
}

/* dkimpy in-process through bench/dkimpy_bench.py, found in dir (passed
 * by scripts/bench.sh; the source tree's bench/ when run by hand). */
static void dkimpy(const char *dir, double *s, double *v)
{
    char cmd[4200];
    FILE *p;

    *s = *v = 0;
    if (strchr(dir, '\'') || (size_t)snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/dkimpy_bench.py' "
                                              "2>/dev/null", dir) >= sizeof cmd) {
        fprintf(stderr, "dkim bench: unusable bench directory %s\n", dir);
        return;
    }
    p = popen(cmd, "r");
    if (p) {
        char line[128], *end;
        if (fgets(line, sizeof line, p)) {
            *s = strtod(line, &end);
            *v = strtod(end, NULL);
        }
        pclose(p);
    }
    if (*s <= 0)
        fprintf(stderr, "dkim bench: dkimpy figures missing (%s/dkimpy_bench.py, "
                "python3-dkim)\n", dir);
}

/* A body of len bytes: the pattern repeated, a line end every 72 bytes. */
static char *body(size_t len, const char *pattern, bool crlf)
{
    char *b = malloc(len);
    size_t pl = strlen(pattern);

    for (size_t i = 0; i < len; i++)
        b[i] = i % 72 == 71 ? '\n' : crlf && i % 72 == 70 ? '\r' : pattern[i % pl];
    return b;
}

/* Body hash and raw SHA-256 MB/s over the same 10 MB body (fed in 64 KiB
 * chunks), best of 9 runs taken in turns so that load from other
 * processes hits both alike.  after: the pipeline setting (0: one core). */
static void body_rate(const char *b, size_t len, enum dkim_canon c, uint64_t after,
                      double *canon, double *raw)
{
    struct dkim_bodyhash *bh;
    unsigned char md[64];
    unsigned n;
    size_t mdlen;
    double best = 1e9, best_raw = 1e9;

    for (int r = 0; r < 9; r++) {
        double t0 = now(), t;
        bool ok;
        if (dkim_bodyhash_new(c, DKIM_RSA_SHA256, (uint64_t)-1, &bh) != AUTH_OK)
            exit(1);
        dkim_bodyhash_set_pipeline(bh, after);
        ok = true;
        for (size_t i = 0; i < len && ok; i += 65536)
            ok = dkim_bodyhash_update(bh, b + i, len - i < 65536 ? len - i : 65536) == AUTH_OK;
        ok = ok && dkim_bodyhash_final(bh, md, &mdlen, NULL) == AUTH_OK;
        dkim_bodyhash_free(bh);
        if (!ok)
            exit(1);
        t = now() - t0;
        best = t < best ? t : best;
        t0 = now();
        EVP_Digest(b, len, md, &n, EVP_sha256(), NULL);
        t = now() - t0;
        best_raw = t < best_raw ? t : best_raw;
    }
    *canon = len / best / 1e6;
    *raw = len / best_raw / 1e6;
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

/* The quoted strings of a zone file's TXT line, joined (malloc'd). */
static char *zone_record(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *rec = calloc(1, 8192), *txt = calloc(1, 8192), *q;
    size_t n = 0, k = 0;
    bool in = false;

    if (!fp || !rec || !txt)
        exit(1);
    n = fread(txt, 1, 8191, fp);
    fclose(fp);
    for (q = txt; q < txt + n; q++) {
        if (*q == '"')
            in = !in;
        else if (in)
            rec[k++] = *q;
    }
    free(txt);
    return rec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int files_mode(int argc, char **argv)
{
    char *rec = zone_record(argv[2]), **msg = calloc((size_t)argc, sizeof *msg);
    size_t *len = calloc((size_t)argc, sizeof *len), nf = (size_t)argc - 3;
    struct dkim_keystore *ks;
    double rate[5];
    int ok = 0;

    for (size_t i = 0; i < nf; i++) {
        FILE *fp = fopen(argv[3 + i], "rb");
        msg[i] = malloc(1 << 16);
        if (!fp || !msg[i])
            return 1;
        len[i] = fread(msg[i], 1, (1 << 16) - 1, fp);
        msg[i][len[i]] = '\0';
        fclose(fp);
    }
    if (dkim_keystore_new(&ks) != AUTH_OK ||
        dkim_keystore_add(ks, "s1", "bench.example", rec, strlen(rec)) != AUTH_OK)
        return 1;
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        ok = 0;
        for (size_t i = 0; i < nf; i++)
            ok += verify_msg(msg[i], len[i], ks);
        rate[r] = nf / (now() - t0);
    }
    qsort(rate, 5, sizeof *rate, cmp_double);
    printf("%.0f %d\n", rate[2], ok);
    dkim_keystore_free(ks);
    for (size_t i = 0; i < nf; i++)
        free(msg[i]);
    free(msg);
    free(len);
    free(rec);
    return 0;
}

/* argv[1]: the directory holding dkimpy_bench.py (scripts/bench.sh passes
 * it; by hand it defaults to the source tree's bench/). */
static int alg_bench(int argc, char **argv);

int main(int argc, char **argv)
{
    if (argc > 3 && strcmp(argv[1], "--files") == 0)
        return files_mode(argc, argv);
    return alg_bench(argc, argv);
}

static int alg_bench(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : TEST_DATADIR "/../bench";
    const size_t blen = 10u << 20;
    static const struct {
        const char *name, *pattern;
        bool crlf;
    } bodies[] = {
        { "base64 lines, CRLF", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3g5", true },
        { "prose, CRLF", "The quick brown fox jumps over the lazy dog. ", true },
        { "prose, 2 spaces per stop, CRLF", "The quick brown fox jumps over the lazy dog.  ", true },
        { "\"  \" every 12 B, LF only", "abcdefgh  ij", false },
    };
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    double rs, rv, es, ev, ors, orv, oes, oev, ps, pv;

    bench_alg("rsa", rsa, &rs, &rv);
    bench_alg("ed25519", ed, &es, &ev);
    openssl_speed(&ors, &orv, &oes, &oev);
    dkimpy(dir, &ps, &pv);
    printf("DKIM, 2 KB message, one core, key cached      libauth   openssl-raw  ratio   dkimpy   x dkimpy\n");
    printf("  rsa-sha256 sign   msg/s                   %9.0f  %11.0f  %5.2f  %7.0f  %7.1f\n", rs, ors, ratio(rs, ors), ps, ratio(rs, ps));
    printf("  rsa-sha256 verify msg/s                   %9.0f  %11.0f  %5.2f  %7.0f  %7.1f\n", rv, orv, ratio(rv, orv), pv, ratio(rv, pv));
    printf("  ed25519-sha256 sign   msg/s               %9.0f  %11.0f  %5.2f\n", es, oes, ratio(es, oes));
    printf("  ed25519-sha256 verify msg/s               %9.0f  %11.0f  %5.2f\n", ev, oev, ratio(ev, oev));
    printf("Body hash, 10 MB body, MB/s      canon    one core  ratio   default  ratio   raw SHA-256\n");
    for (size_t k = 0; k < sizeof bodies / sizeof *bodies; k++) {
        char *b = body(blen, bodies[k].pattern, bodies[k].crlf);
        for (int c = 0; c < 2; c++) {
            enum dkim_canon canon = c ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED;
            double one, raw1, dflt, raw2;

            body_rate(b, blen, canon, 0, &one, &raw1);
            body_rate(b, blen, canon, DKIM_BODYHASH_PIPELINE_AFTER, &dflt, &raw2);
            printf("  %-30s %-8s %9.0f  %5.2f  %8.0f  %5.2f  %11.0f\n", bodies[k].name,
                   dkim_canon_name(canon), one, ratio(one, raw1), dflt, ratio(dflt, raw2),
                   (raw1 + raw2) / 2);
        }
        free(b);
    }
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
    return 0;
}
