/*
 * args.c - checks on command-line arguments shared by every command: the
 * option parser's errors, domain names and DKIM selectors.  One place, so
 * that each command rejects the same bad input with the same one-line
 * message and exit 2, before anything is looked up.
 */
#include <stdio.h>
#include <string.h>

#include "auth/ipaddr.h"
#include "cmd.h"

/* s for an error line: at most 80 bytes, anything unprintable as \xHH. */
static const char *printable(const char *s, char *buf, size_t len)
{
    size_t o = 0;

    for (size_t i = 0; s[i] && i < 80 && o + 5 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < ' ' || c >= 0x7f)
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = '\0';
    return buf;
}

/* The element of argv getopt_long just complained about. */
static const char *offending(int argc, char **argv)
{
    int i = optind > 0 ? optind - 1 : 0;

    return i < argc && argv[i] ? argv[i] : "?";
}

int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    int opt;

    opterr = 0;                        /* our message, not getopt's plus ours */
    opt = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (opt != '?' && opt != ':')
        return opt;
    {
        const char *el = offending(argc, argv);
        bool is_long = el[0] == '-' && el[1] == '-';
        const char *sc = optopt > 0 && optopt < 256 ? strchr(shortopts, optopt) : NULL;
        bool missing = is_long ? optopt != 0 : sc != NULL;
        char shown[80];

        if (is_long) {
            const char *eq = strchr(el, '=');
            int n = eq ? (int)(eq - el) : (int)strlen(el);
            snprintf(shown, sizeof shown, "%.*s", n > 60 ? 60 : n, el);
        } else {
            snprintf(shown, sizeof shown, "-%c", optopt > 32 && optopt < 127 ? optopt : '?');
        }
        if (missing)
            cmd_error(EXIT_USAGE, "option '%s' needs a value", shown);
        else
            cmd_error(EXIT_USAGE, "unknown option '%s' (see --help)", shown);
    }
    return CMD_OPT_BAD;
}

int cmd_check_domain(const char *what, const char *name)
{
    char err[200];
    struct auth_ip ip;
    const char *s = name;
    size_t n = strlen(name);
    char inner[64], buf[420];

    /* "[::1]" and "192.0.2.1" are addresses, not names to look up */
    if (n > 2 && n - 2 < sizeof inner && name[0] == '[' && name[n - 1] == ']') {
        memcpy(inner, name + 1, n - 2);
        inner[n - 2] = '\0';
        s = inner;
    }
    if (auth_ip_parse(s, &ip) == AUTH_OK)
        return cmd_error(EXIT_USAGE, "bad %s '%s': an IP address, not a domain name", what,
                         printable(name, buf, sizeof buf));
    if (dns_name_check(name, err, sizeof err) != AUTH_OK)
        return cmd_error(EXIT_USAGE, "bad %s '%s': %s", what, printable(name, buf, sizeof buf),
                         err);
    if (strcmp(name, ".") == 0)
        return cmd_error(EXIT_USAGE, "bad %s '.': the DNS root is not a domain name", what);
    if (strpbrk(name, "@/:"))      /* an address, a URL: not a name to look up */
        return cmd_error(EXIT_USAGE, "bad %s '%s': '%c' cannot be in a domain name", what,
                         printable(name, buf, sizeof buf), *strpbrk(name, "@/:"));
    return EXIT_OK;
}

int cmd_host_arg(const char *what, const char *arg, char *out, size_t outlen)
{
    size_t n = strlen(arg);
    struct auth_ip ip;

    if (n > 2 && arg[0] == '[' && arg[n - 1] == ']' && n - 2 < outlen) {
        memcpy(out, arg + 1, n - 2);           /* "[::1]": an address in brackets */
        out[n - 2] = '\0';
        if (auth_ip_parse(out, &ip) == AUTH_OK)
            return EXIT_OK;
    }
    if (auth_ip_parse(arg, &ip) == AUTH_OK && n < outlen) {
        memcpy(out, arg, n + 1);
        return EXIT_OK;
    }
    if (cmd_check_domain(what, arg) != EXIT_OK)
        return EXIT_USAGE;
    if (n >= outlen)
        return cmd_error(EXIT_USAGE, "bad %s: too long", what);
    memcpy(out, arg, n + 1);
    return EXIT_OK;
}

int cmd_check_selector(const char *what, const char *sel)
{
    char err[200], buf[420];

    if (!*sel)
        return cmd_error(EXIT_USAGE, "bad %s '': a selector is one or more DNS labels, "
                         "not empty", what);
    if (dns_name_check(sel, err, sizeof err) != AUTH_OK || sel[strlen(sel) - 1] == '.' ||
        strcmp(sel, ".") == 0)
        return cmd_error(EXIT_USAGE, "bad %s '%s': %s", what, printable(sel, buf, sizeof buf),
                         sel[strlen(sel) - 1] == '.' ? "a selector does not end in a dot" : err);
    for (const char *p = sel; *p; p++)
        if (strchr(";=,\"'", *p))
            return cmd_error(EXIT_USAGE, "bad %s '%s': '%c' cannot be in a selector",
                             what, printable(sel, buf, sizeof buf), *p);
    return EXIT_OK;
}
