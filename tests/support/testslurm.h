/*
 * testslurm.h - a real single-node Slurm cluster for a test, as the design
 * notes describe it: munged, slurmctld and slurmd started in the foreground
 * as children of the test (PR_SET_PDEATHSIG: they die with it), with a
 * throwaway munge key, socket, slurm.conf, state and spool in a temporary
 * directory and free ports; test_slurm_start() returns once sinfo shows the
 * node idle (polled).  test_slurm_stop() cancels what is left of the jobs,
 * stops the daemons by their PIDs, reaps them and removes the directory;
 * it is safe to call after a failed start.
 */
#ifndef MAILCTL_TESTSLURM_H
#define MAILCTL_TESTSLURM_H

#include <sys/types.h>

struct test_slurm {
    pid_t munged, slurmctld, slurmd;
    char dir[256];
    char conf[320];              /* DIR/slurm.conf */
    char env_conf[340];          /* "SLURM_CONF=DIR/slurm.conf" for test_run */
};

/* Returns 0 or -1 (why on stderr). */
int test_slurm_start(struct test_slurm *s);
void test_slurm_stop(struct test_slurm *s);

#endif
