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

/* Write the tape to path.  0, or -1 with a message on stderr. */
int test_snapshot_tape(const char *path, const char *text);

#endif
