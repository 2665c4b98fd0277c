/*
 * i18n.c - messages in the user's language (GNU gettext, domain "mailctl",
 * chosen by LANGUAGE / LC_ALL / LC_MESSAGES / LANG) and text columns
 * counted in display width, since a CJK character takes two.
 *
 * Only text for people is translated: finding ids, JSON, JUnit, CSV and
 * the --format expect lines stay as they are, for the programs that read
 * them.  Findings are translated when they are made (their detail is
 * formatted from a translated format), so that happens only once the
 * command knows its output is text: cmd_findings_for_people().
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "auth/finding.h"
#include "cmd.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/share/locale"
#endif

void cmd_i18n_init(void)
{
    /* MAILCTL_LOCALEDIR: catalogs of an uninstalled build (the tests). */
    const char *dir = getenv("MAILCTL_LOCALEDIR");

    setlocale(LC_ALL, "");
    /* Numbers on the command line and in JSON keep the C syntax ("0.5"). */
    setlocale(LC_NUMERIC, "C");
    bindtextdomain("mailctl", dir && *dir ? dir : LOCALEDIR);
    bind_textdomain_codeset("mailctl", "UTF-8");
    textdomain("mailctl");
}

/* gettext, except that "" stays "" (gettext("") is the catalog header). */
static const char *translate(const char *s)
{
    return s && *s ? gettext(s) : s;
}

void cmd_findings_for_people(void)
{
    if (!g_opts.json && !g_opts.machine)
        finding_set_translator(translate);
}

size_t cmd_text_width(const char *s)
{
    mbstate_t st;
    size_t width = 0;

    memset(&st, 0, sizeof st);
    while (*s) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, strlen(s), &st);
        int w;

        if (n == (size_t)-1 || n == (size_t)-2) {   /* not text: a byte, a column */
            memset(&st, 0, sizeof st);
            width++;
            s++;
            continue;
        }
        w = wcwidth(wc);
        width += w > 0 ? (size_t)w : 0;
        s += n ? n : 1;
    }
    return width;
}

void cmd_print_padded(FILE *fp, const char *s, size_t width)
{
    size_t w = cmd_text_width(s);

    fputs(s, fp);
    while (w++ < width)
        fputc(' ', fp);
}
