/*
 * dkim_providers.c - which mail provider a domain uses, from its MX hosts
 * and its SPF includes, and the DKIM selectors that provider documents.
 *
 * Sources (the providers' setup guides): Microsoft 365 publishes
 * selector1/selector2 as CNAMEs to the tenant, MX *.mail.protection.outlook.com
 * (and *.mx.microsoft), SPF spf.protection.outlook.com; Google Workspace
 * signs with "google" by default, MX aspmx.l.google.com / smtp.google.com,
 * SPF _spf.google.com; SendGrid s1/s2 (automated security) and the older
 * smtpapi, SPF sendgrid.net; Mailchimp k1/k2/k3 (CNAMEs to dkim*.mcsv.net),
 * SPF servers.mcsv.net; Mandrill "mandrill" and mte1/mte2, SPF
 * spf.mandrillapp.com; Zoho asks the admin for a selector, its guides use
 * "zoho" and "zmail"; Yandex 360 "mail"; Fastmail fm1-fm3; Proton
 * protonmail/protonmail2/protonmail3; Mailgun pdk1/pdk2 (automatic sender
 * security) and the older k1, smtp, mx; Brevo brevo1/brevo2 and the older
 * "mail"; iCloud custom domains sig1; Alibaba Cloud DirectMail
 * aliyun-REGION.  Amazon SES (Easy DKIM), Tencent Exmail and Alibaba Mail
 * make selectors per domain (or document none): they are recognised, so
 * the report can say so, and the common list is asked for them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dkim_providers.h"

#define L(...) (const char *const[]){ __VA_ARGS__, NULL }
#define NONE   (const char *const[]){ NULL }

static const struct dkim_provider providers[] = {
    { "Microsoft 365", L("mail.protection.outlook.com", "mx.microsoft"),
      L("spf.protection.outlook.com"), L("selector1", "selector2") },
    { "Google Workspace", L("aspmx.l.google.com", "googlemail.com", "smtp.google.com"),
      L("_spf.google.com"), L("google") },
    { "Amazon SES", L("inbound-smtp.*.amazonaws.com"), L("amazonses.com"), NONE },
    { "SendGrid", L("mx.sendgrid.net"), L("sendgrid.net"), L("s1", "s2", "smtpapi") },
    { "Mailchimp", NONE, L("servers.mcsv.net"), L("k1", "k2", "k3") },
    { "Mandrill", NONE, L("spf.mandrillapp.com"), L("mandrill", "mte1", "mte2") },
    { "Zoho Mail", L("zoho.com", "zoho.eu", "zoho.in", "zoho.com.au", "zoho.jp", "zoho.com.cn",
                     "zohocloud.ca", "zoho.sa", "zohomail.com"),
      L("zoho.com", "zoho.eu", "zoho.in", "zoho.com.au", "zoho.jp", "zohocloud.ca",
        "zohomail.com"), L("zoho", "zmail") },
    { "Yandex 360", L("mx.yandex.net", "mx.yandex.ru"), L("_spf.yandex.net", "_spf.yandex.ru"),
      L("mail") },
    { "Tencent Exmail", L("exmail.qq.com", "mxbiz1.qq.com", "mxbiz2.qq.com"),
      L("spf.mail.qq.com"), NONE },
    { "Alibaba Mail", L("qiye.aliyun.com", "mxhichina.com"),
      L("spf.qiye.aliyun.com", "spf.mxhichina.com"), NONE },
    { "Alibaba DirectMail", NONE, L("spf1.dm.aliyun.com"),
      L("aliyun-cn-hangzhou", "aliyun-ap-southeast-1") },
    { "Fastmail", L("messagingengine.com"), L("spf.messagingengine.com"),
      L("fm1", "fm2", "fm3") },
    { "Proton Mail", L("protonmail.ch"), L("_spf.protonmail.ch"),
      L("protonmail", "protonmail2", "protonmail3") },
    { "Mailgun", L("mailgun.org"), L("mailgun.org"), L("pdk1", "pdk2", "k1", "smtp", "mx") },
    { "Brevo", NONE, L("spf.brevo.com", "spf.sendinblue.com"), L("brevo1", "brevo2", "mail") },
    { "iCloud Mail", L("mail.icloud.com"), L("icloud.com"), L("sig1") },
};
#define NPROVIDERS (sizeof providers / sizeof providers[0])

/* The length of name without a trailing dot. */
static size_t bare_len(const char *name)
{
    size_t n = strlen(name);
    return n && name[n - 1] == '.' ? n - 1 : n;
}

int dkim_provider_name_matches(const char *pattern, const char *name)
{
    size_t pe = bare_len(pattern), ne = bare_len(name);

    while (pe > 0) {
        size_t ps = pe, ns = ne;
        while (ps > 0 && pattern[ps - 1] != '.')
            ps--;
        while (ns > 0 && name[ns - 1] != '.')
            ns--;
        if (ne == 0 || ns == ne)
            return 0;                      /* the name ran out of labels */
        if (!(pe - ps == 1 && pattern[ps] == '*') &&
            (pe - ps != ne - ns || strncasecmp(pattern + ps, name + ns, pe - ps)))
            return 0;
        pe = ps ? ps - 1 : 0;
        ne = ns ? ns - 1 : 0;
        if (ps == 0)
            return 1;                      /* every pattern label matched */
        if (ns == 0)
            return 0;
    }
    return 0;
}

static int any_matches(const char *const *patterns, const char *name)
{
    for (size_t i = 0; patterns[i]; i++)
        if (dkim_provider_name_matches(patterns[i], name))
            return 1;
    return 0;
}

/* Whether an SPF term include:D or redirect=D of spf names a pattern. */
static int spf_names(const char *spf, const char *const *patterns)
{
    for (const char *p = spf; *p; ) {
        size_t n = strcspn(p, " \t");
        const char *t = p;
        char dom[256];

        if (n && strchr("+-~?", *t))
            t++, n--;
        if (n > 8 && !strncasecmp(t, "include:", 8))
            snprintf(dom, sizeof dom, "%.*s", (int)(n - 8), t + 8);
        else if (n > 9 && !strncasecmp(t, "redirect=", 9))
            snprintf(dom, sizeof dom, "%.*s", (int)(n - 9), t + 9);
        else
            dom[0] = '\0';
        if (dom[0] && any_matches(patterns, dom))
            return 1;
        p = t + n;
        p += strspn(p, " \t");
    }
    return 0;
}

size_t dkim_providers_match(const char *const *mx_hosts, size_t nmx, const char *spf,
                            const struct dkim_provider **out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < NPROVIDERS && n < max; i++) {
        int hit = spf && spf_names(spf, providers[i].spf);
        for (size_t k = 0; !hit && k < nmx; k++)
            hit = any_matches(providers[i].mx, mx_hosts[k]);
        if (hit)
            out[n++] = &providers[i];
    }
    return n;
}

size_t dkim_providers_selectors(const struct dkim_provider *const *p, size_t n,
                                const char **sel, size_t max)
{
    size_t m = 0;

    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; p[i]->selectors[k] && m < max; k++) {
            size_t j = 0;
            while (j < m && strcmp(sel[j], p[i]->selectors[k]))
                j++;
            if (j == m)
                sel[m++] = p[i]->selectors[k];
        }
    return m;
}

void dkim_providers_names(const struct dkim_provider *const *p, size_t n, char *buf,
                          size_t len)
{
    size_t used = 0;

    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", p[i]->name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}
