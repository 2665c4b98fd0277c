/*
 * check_dns_run.h - check-dns over a stream of domains (cmd/check_dns_run.c).
 */
#ifndef MAILCTL_CHECK_DNS_RUN_H
#define MAILCTL_CHECK_DNS_RUN_H

#include "bulk.h"
#include "check_dns.h"

#define CHECK_DNS_MAX_JOBS 256

struct check_dns_run {
    const struct audit_options *opt;
    enum report_format fmt;
    enum finding_severity gate;
    long jobs;
    struct domain_list *list;
    struct shard shard;
    struct domain_set *seen;       /* names seen, and those done in --resume's file */
    struct bulk_out *out;          /* JSON lines or CSV; NULL: text, one JSON document, expect */
    bool progress;                 /* a count on a terminal's stderr */
    bool keep;                     /* junit / --expect: results kept in kept[] */
    struct audit_result **kept;
    size_t nkept;
    /* How many workers to start for about n domains (SIZE_MAX: unknown). */
    long (*fit)(void *ctx, size_t n);
    void *fit_ctx;
};

/* Audit every name of run->list; returns the exit code of the run. */
int check_dns_stream(struct check_dns_run *run);

#endif
