/*
 * bulk.h - what a fleet-sized check-dns run needs beside the audit itself
 * (../shared/cli.md, "Bulk audits at scale"): the stable shard of a domain,
 * a set of domains seen (duplicates audited once), the domain list read as
 * a stream, and the resumable output file.
 */
#ifndef MAILCTL_BULK_H
#define MAILCTL_BULK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmd.h"

/* ---- keys and shards (cmd/bulk_shard.c) ---- */

/* SHA-256 of the name lower-cased without one trailing dot: the first 8
 * octets (big-endian) place it in a shard, the first 16 identify it in a
 * domain set. */
struct domain_key {
    uint8_t b[16];
};
void domain_key_of(const char *name, struct domain_key *key);
uint64_t domain_key_shard_hash(const struct domain_key *key);

/* --shard K/N or auto; n == 0: no sharding. */
struct shard {
    unsigned long k, n;
};
#define SHARD_MAX 1000000UL
/* Parse --shard's argument; "auto" reads the batch engine's environment
 * through env (getenv in the program, a table in tests): Slurm array
 * variables first, then JOB_COMPLETION_INDEX with MAILCTL_SHARDS.
 * EXIT_OK, or EXIT_USAGE after printing one line saying why. */
int shard_parse(const char *arg, char *(*env)(const char *), struct shard *out);
/* Whether the domain with this key belongs to the shard (always when none). */
bool shard_holds(const struct shard *s, const struct domain_key *key);

/* ---- a set of domain keys (cmd/bulk_set.c), open addressing ---- */
struct domain_set {
    struct domain_key *slots;
    size_t cap, count;
};
/* 1 when added, 0 when it was there already, -1 out of memory. */
int domain_set_add(struct domain_set *s, const struct domain_key *key);
bool domain_set_has(const struct domain_set *s, const struct domain_key *key);
void domain_set_free(struct domain_set *s);

/* ---- the domain list as a stream (cmd/bulk_list.c) ---- */

/* Domains from each --file in turn ("-" is stdin), one a line, blank
 * lines and # comments skipped; then those of argv. */
#define DOMAIN_LIST_MAX_FILES 64
struct domain_list {
    char **args;
    size_t nargs, iarg;
    const char *files[DOMAIN_LIST_MAX_FILES];
    size_t nfiles, ifile;
    struct line_reader lr;
    bool reading;
};
/* 1 with *name (valid until the next call), 0 at the end, or -EXIT_USAGE
 * / -EXIT_RUNTIME after printing why (a list over its bounds). */
int domain_list_next(struct domain_list *l, const char **name);
void domain_list_close(struct domain_list *l);

/* ---- the output (cmd/bulk_out.c) ---- */

enum bulk_format { BULK_JSON, BULK_CSV };
#define BULK_CSV_HEADER "domain,verdict,pass,info,warn,fail,error,skipped,problems\r\n"

struct bulk_out {
    int fd;                 /* --output FILE (O_APPEND), or 1 for stdout */
    bool file;
    const char *path;
    enum bulk_format format;
    off_t size;             /* bytes in FILE, all of them complete lines */
    bool failed;
};
/* Open --output FILE (path NULL: stdout).  A file that exists and holds
 * something is refused unless resume; with resume a torn last line is cut
 * off and every domain with a line that parses goes into done, its exit
 * code into *rc.  The CSV header is written when the output starts empty.
 * EXIT_OK, or the exit code after printing why. */
int bulk_out_open(struct bulk_out *o, const char *path, enum bulk_format format, bool resume,
                  struct domain_set *done, int *rc);
/* One complete line (ending in a newline) in one write(2).  A write that
 * fails part-way is cut back, so the file always ends after a complete
 * line.  EXIT_OK or EXIT_RUNTIME (printed once). */
int bulk_out_line(struct bulk_out *o, const char *line, size_t len);
void bulk_out_close(struct bulk_out *o);

/* The exit code a line read back stands for (verdict pass 0, fail 1,
 * inconclusive 3, error 2); -1 when the line does not parse.  The domain
 * (as written) goes to name. */
int bulk_parse_json_line(const char *line, size_t len, char *name, size_t namelen);
int bulk_parse_csv_line(const char *line, char *name, size_t namelen);

#endif
