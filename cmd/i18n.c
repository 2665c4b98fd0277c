/*
 * i18n.c - messages in the user's language (GNU gettext, domain "mailctl",
 * chosen by LANGUAGE / LC_ALL / LC_MESSAGES / LANG) and text columns
 * counted in display width, since a CJK character takes two.
 *
 * Only text for people is translated: finding ids, JSON, JUnit, CSV and
 * the --format expect lines stay as they are, for the programs that read
 * them.  libauth's text for people (findings, errors, reasons) is
 * translated when it is made, from a translated format, through the
 * translator set here, which asks g_opts each time: a command sets
 * g_opts.json / g_opts.machine while it reads its options, before it
 * makes any.
 */
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "auth/finding.h"
#include "cmd.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/share/locale"
#endif

/* gettext when the output is for people, except that "" stays ""
 * (gettext("") is the catalog header); as written for programs. */
static const char *translate(const char *s)
{
    return s && *s && !g_opts.json && !g_opts.machine ? gettext(s) : s;
}

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
    auth_finding_set_translator(translate);
}

const char *cmd_plural(const char *one, const char *many, unsigned long long n)
{
    if (!g_opts.json && !g_opts.machine)
        return ngettext(one, many, (unsigned long)(n > ULONG_MAX ? ULONG_MAX : n));
    return n == 1 ? one : many;
}

/* Display width of the character at s (n octets in *len), or 1 for an
 * octet that is not one. */
static size_t char_width(const char *s, size_t *len)
{
    mbstate_t st;
    wchar_t wc;
    size_t n;
    int w;

    memset(&st, 0, sizeof st);
    n = mbrtowc(&wc, s, strnlen(s, MB_LEN_MAX), &st);
    if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
        *len = 1;
        return 1;
    }
    *len = n;
    w = wcwidth(wc);
    return w > 0 ? (size_t)w : 0;
}

size_t cmd_text_width(const char *s)
{
    size_t width = 0, n;

    while (*s) {
        width += char_width(s, &n);
        s += n;
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

void cmd_print_cell(FILE *fp, const char *s, size_t width)
{
    size_t w = 0, n, cw, room;

    if (cmd_text_width(s) <= width) {
        cmd_print_padded(fp, s, width);
        return;
    }
    room = width > 3 ? width - 3 : 0;
    while (*s && w + (cw = char_width(s, &n)) <= room) {
        fwrite(s, 1, n, fp);
        w += cw;
        s += n;
    }
    for (size_t i = 0; i < 3 && w < width; i++, w++)
        fputc('.', fp);
    while (w++ < width)                /* a wide character did not fit */
        fputc(' ', fp);
}

void cmd_print_right(FILE *fp, const char *s, size_t width)
{
    for (size_t w = cmd_text_width(s); w < width; w++)
        fputc(' ', fp);
    fputs(s, fp);
}
