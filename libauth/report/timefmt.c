/*
 * timefmt.c - the date forms reports carry: Unix seconds (aggregate),
 * RFC 3339 (TLS-RPT), RFC 5322 (ARF Arrival-Date), all given out as
 * ISO 8601 UTC.  Hand-written because strptime depends on the locale and
 * does not take the obsolete zone names RFC 5322 still allows.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "report/report_int.h"

const char *report_time_iso(int64_t t, char *buf, size_t len)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (len == 0)
        return buf;
    if (t < 0 || !gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999) {
        buf[0] = '\0';
        return buf;
    }
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int64_t make_time(int y, int mo, int d, int h, int mi, int s, int off_min)
{
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || s < 0 || s > 60)
        return -1;
    int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
                (s == 60 ? 59 : s) - (int64_t)off_min * 60;
    return t < 0 ? -1 : t;
}

/* n digits at *p into *v; advances. */
static bool digits(const char **p, int n, int *v)
{
    int x = 0;

    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return false;
        x = x * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *v = x;
    return true;
}

int64_t report_time_rfc3339(const char *s)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 1;

    if (!s)
        return -1;
    while (*s == ' ')
        s++;
    if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
        !digits(&s, 2, &d))
        return -1;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        s++;
        if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi))
            return -1;
        if (*s == ':') {
            s++;
            if (!digits(&s, 2, &sec))
                return -1;
        }
        if (*s == '.')
            for (s++; *s >= '0' && *s <= '9'; s++)
                ;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s++ == '-' ? -1 : 1;
        if (!digits(&s, 2, &oh) || (*s == ':' && !(s++, 1)) || !digits(&s, 2, &om))
            return -1;
    }
    while (*s == ' ')
        s++;
    if (*s)
        return -1;
    return make_time(y, mo, d, h, mi, sec, sign * (oh * 60 + om));
}

static int month_of(const char *s)
{
    static const char m[] = "janfebmaraprmayjunjulaugsepoctnovdec";

    for (int i = 0; i < 12; i++)
        if (strncasecmp(s, m + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

/* Zone: +hhmm / -hhmm, or UT, GMT, Z and the US names of RFC 5322 4.3. */
static bool zone_of(const char *s, int *off)
{
    static const struct { const char *n; int h; } names[] = {
        {"UT", 0}, {"UTC", 0}, {"GMT", 0}, {"Z", 0}, {"EST", -5}, {"EDT", -4}, {"CST", -6},
        {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7},
    };
    int hh, mm;

    if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1;
        const char *p = s + 1;
        if (!digits(&p, 2, &hh) || !digits(&p, 2, &mm))
            return false;
        *off = sign * (hh * 60 + mm);
        return true;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i].n);
        if (strncasecmp(s, names[i].n, n) == 0 && (s[n] == '\0' || s[n] == ' ' || s[n] == '(')) {
            *off = names[i].h * 60;
            return true;
        }
    }
    return false;
}

int64_t report_time_rfc5322(const char *s)
{
    int d, y, h, mi, sec = 0, mo, off = 0;
    const char *comma;

    if (!s)
        return -1;
    if ((comma = strchr(s, ',')) && comma - s < 12)
        s = comma + 1;
    while (*s == ' ')
        s++;
    if (!digits(&s, 2, &d) && !digits(&s, 1, &d))
        return -1;
    while (*s == ' ')
        s++;
    if (!(mo = month_of(s)))
        return -1;
    s += 3;
    while (*s == ' ')
        s++;
    if (!digits(&s, 4, &y)) {
        if (!digits(&s, 2, &y))
            return -1;
        y += y < 50 ? 2000 : 1900;
    }
    while (*s == ' ')
        s++;
    if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi))
        return -1;
    if (*s == ':') {
        s++;
        if (!digits(&s, 2, &sec))
            return -1;
    }
    while (*s == ' ')
        s++;
    if (*s && !zone_of(s, &off))
        off = 0;   /* unknown zone: RFC 5322 says treat as -0000 (UTC) */
    return make_time(y, mo, d, h, mi, sec, off);
}
