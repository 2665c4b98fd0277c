/*
 * people.h - marking text libauth makes for people (errors, parser
 * problems, notes) so scripts/po.sh extracts it into the catalog.
 *
 * TR(s) is s in the user's language when the program set a translator
 * (auth_finding_set_translator: text output), s itself otherwise, so JSON
 * and the other machine formats keep the English.  A format is translated
 * before it is filled in: the catalog holds formats, not results.
 * auth_fail() translates its own format, so its callers need no marker.
 *
 * Text that also goes into a message header (Authentication-Results
 * reasons) is protocol text, read by programs as much as by people: it is
 * made twice, with auth_text_pair(), once as written for the header and the
 * JSON, once for people.
 */
#ifndef AUTH_CORE_PEOPLE_H
#define AUTH_CORE_PEOPLE_H

#include <stdarg.h>
#include <stdbool.h>

#include "auth/finding.h"

#define TR(s) auth_finding_text(s)
/* marks s for the catalog where it is translated later, through TR() */
#define N_(s) (s)

/* Until the matching auth_english_end(), on this thread, TR() and
 * auth_fail() keep the English: for an error that becomes part of protocol
 * text (an SPF record's syntax error inside the reason of a header). */
void auth_english_begin(void);
void auth_english_end(void);
/* s in the user's language even inside auth_english_begin(): for the
 * people's half of a pair. */
const char *auth_people_text(const char *s) __attribute__((format_arg(1)));
/* fmt filled in as written into *en, and in the user's language into
 * *people (an equal copy when there is no translator or no translation).
 * Both are malloc'd; false, with both NULL, when out of memory. */
bool auth_text_pair(char **en, char **people, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool auth_text_vpair(char **en, char **people, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
