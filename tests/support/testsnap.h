/*
 * testsnap.h - hand-made DNS snapshots for judging the audit's families
 * without any server: answers written like zone lines are turned into a
 * DNS replay tape (the form the audit's gather stage reads answers from).
 *
 *     "good.test. 300 IN MX 10 mail.good.test.\n"
 *     "mail.good.test. 300 IN A 192.0.2.10\n"
 *     "good.test. TXT nodata\n"              (also nxdomain, servfail, timeout)
 *
 * RRs with the same owner and type make one answer.  Questions the text
 * does not answer are "not in the replay file" (a DNS error) when asked.
 */
#ifndef MAILCTL_TESTSNAP_H
#define MAILCTL_TESTSNAP_H

struct dns_tape;

/* Write the tape to path.  0, or -1 with a message on stderr. */
int test_snapshot_tape(const char *path, const char *text);
/* The same tape opened for replay (its file already gone: a replay tape is
 * read whole when opened).  NULL, with a message on stderr, on failure;
 * close it with dns_tape_close(). */
struct dns_tape *test_snapshot_open(const char *text);

#endif
