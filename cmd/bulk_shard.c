/*
 * bulk_shard.c - which shard a domain belongs to (../shared/cli.md, "Bulk
 * audits at scale"): the first 8 octets of the SHA-256 of its lower-cased
 * A-label form without a trailing dot, big-endian, mod N, so every run,
 * machine and version agrees; and --shard K/N or auto from a batch
 * engine's environment (Slurm array jobs, Kubernetes Indexed Jobs).
 */
#include <ctype.h>
#include <string.h>

#include <openssl/evp.h>

#include "bulk.h"

void domain_key_of(const char *name, struct domain_key *key)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t n = strlen(name);
    char buf[4096 * 4 + 1];

    if (n && name[n - 1] == '.')
        n--;
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)name[i]);
    /* EVP_Digest fails only without memory; a zero key then puts the name in
     * shard 0, which every shard set still covers exactly once. */
    if (!EVP_Digest(buf, n, md, &mdlen, EVP_sha256(), NULL) || mdlen < sizeof key->b)
        memset(md, 0, sizeof key->b);
    memcpy(key->b, md, sizeof key->b);
}

uint64_t domain_key_shard_hash(const struct domain_key *key)
{
    uint64_t h = 0;

    for (int i = 0; i < 8; i++)
        h = h << 8 | key->b[i];
    return h;
}

bool shard_holds(const struct shard *s, const struct domain_key *key)
{
    return s->n == 0 || domain_key_shard_hash(key) % s->n == s->k;
}

/* A decimal number without sign or spaces, at most max. */
static bool parse_count(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;

    if (!s || !*s || strlen(s) > 9)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static int shard_in_range(const char *from, unsigned long k, unsigned long n, struct shard *out)
{
    if (n == 0 || n > SHARD_MAX)
        return cmd_error(EXIT_USAGE, "--shard %s: the number of shards must be 1 to %lu",
                         from, SHARD_MAX);
    if (k >= n)
        return cmd_error(EXIT_USAGE, "--shard %s: shard %lu is out of range for %lu shards "
                         "(0 to %lu)", from, k, n, n - 1);
    out->k = k;
    out->n = n;
    return EXIT_OK;
}

/* K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, N = SLURM_ARRAY_TASK_COUNT;
 * the array must be one contiguous range with step 1. */
static int shard_from_slurm(char *(*env)(const char *), struct shard *out)
{
    const char *id = env("SLURM_ARRAY_TASK_ID"), *min = env("SLURM_ARRAY_TASK_MIN");
    const char *count = env("SLURM_ARRAY_TASK_COUNT"), *max = env("SLURM_ARRAY_TASK_MAX");
    const char *step = env("SLURM_ARRAY_TASK_STEP");
    unsigned long vid, vmin, vcount, vmax, vstep;

    if (!parse_count(id, 999999999, &vid) || !parse_count(min, 999999999, &vmin) ||
        !parse_count(count, 999999999, &vcount))
        return cmd_error(EXIT_USAGE, "--shard auto: SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN "
                         "and SLURM_ARRAY_TASK_COUNT must all be set to numbers");
    if (step && (!parse_count(step, 999999999, &vstep) || vstep != 1))
        return cmd_error(EXIT_USAGE, "--shard auto: a stepped Slurm array (step %s) leaves "
                         "shards unrun; use --array=0-%lu", step, vcount ? vcount - 1 : 0);
    if (max && (!parse_count(max, 999999999, &vmax) || vmax < vmin ||
                vmax - vmin + 1 != vcount))
        return cmd_error(EXIT_USAGE, "--shard auto: the Slurm array is not one range "
                         "(min %lu, max %s, %lu tasks); use --array=0-%lu", vmin, max, vcount,
                         vcount ? vcount - 1 : 0);
    if (vid < vmin)
        return cmd_error(EXIT_USAGE, "--shard auto: SLURM_ARRAY_TASK_ID %lu is below "
                         "SLURM_ARRAY_TASK_MIN %lu", vid, vmin);
    return shard_in_range("auto (Slurm)", vid - vmin, vcount, out);
}

/* K = JOB_COMPLETION_INDEX, N = MAILCTL_SHARDS (the Job's completions). */
static int shard_from_kubernetes(char *(*env)(const char *), struct shard *out)
{
    const char *index = env("JOB_COMPLETION_INDEX"), *shards = env("MAILCTL_SHARDS");
    unsigned long k, n;

    if (!index && !shards)
        return cmd_error(EXIT_USAGE, "--shard auto: no Slurm array (SLURM_ARRAY_TASK_ID) and "
                         "no Kubernetes Indexed Job (JOB_COMPLETION_INDEX with MAILCTL_SHARDS) "
                         "in the environment");
    if (!index || !shards)
        return cmd_error(EXIT_USAGE, "--shard auto: %s is set but %s is not",
                         index ? "JOB_COMPLETION_INDEX" : "MAILCTL_SHARDS",
                         index ? "MAILCTL_SHARDS" : "JOB_COMPLETION_INDEX");
    if (!parse_count(index, 999999999, &k) || !parse_count(shards, 999999999, &n))
        return cmd_error(EXIT_USAGE, "--shard auto: JOB_COMPLETION_INDEX and MAILCTL_SHARDS "
                         "must be numbers");
    return shard_in_range("auto (Kubernetes)", k, n, out);
}

int shard_parse(const char *arg, char *(*env)(const char *), struct shard *out)
{
    const char *slash = strchr(arg, '/');
    char kbuf[16];
    unsigned long k, n;

    if (!strcmp(arg, "auto")) {
        if (env("SLURM_ARRAY_TASK_ID") || env("SLURM_ARRAY_TASK_COUNT") ||
            env("SLURM_ARRAY_TASK_MIN"))
            return shard_from_slurm(env, out);
        return shard_from_kubernetes(env, out);
    }
    if (!slash || (size_t)(slash - arg) >= sizeof kbuf)
        return cmd_error(EXIT_USAGE, "--shard takes K/N (0 <= K < N) or auto");
    memcpy(kbuf, arg, (size_t)(slash - arg));
    kbuf[slash - arg] = '\0';
    if (!parse_count(kbuf, 999999999, &k) || !parse_count(slash + 1, 999999999, &n))
        return cmd_error(EXIT_USAGE, "--shard takes K/N (0 <= K < N) or auto");
    return shard_in_range(arg, k, n, out);
}
