#!/usr/bin/env python3
"""Writes the sample reports of testdata/reports/ (run from that directory).

Each file has the shape a real reporter sends; the figures are invented for
good.example, the demo domain.  Deterministic: same bytes on every run.
"""
import base64, gzip, io, zipfile

DAY = 86400
T0 = 1795478400  # 2026-11-24T00:00:00Z

def rec(ip, count, disp, dkim, spf, hfrom, efrom, dk, sp, reason=None):
    dkx = "".join(f"<dkim><domain>{d}</domain><selector>{s}</selector><result>{r}</result></dkim>"
                  for d, s, r in dk)
    spx = "".join(f"<spf><domain>{d}</domain><scope>mfrom</scope><result>{r}</result></spf>"
                  for d, r in sp)
    rs = f"<reason><type>{reason}</type><comment></comment></reason>" if reason else ""
    return (f"<record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>"
            f"<disposition>{disp}</disposition><dkim>{dkim}</dkim><spf>{spf}</spf>{rs}</policy_evaluated>"
            f"</row><identifiers><header_from>{hfrom}</header_from><envelope_from>{efrom}</envelope_from>"
            f"</identifiers><auth_results>{dkx}{spx}</auth_results></record>\n")

def feedback(org, email, rid, begin, end, records, ns="", extra_policy="", version=""):
    return (f'<?xml version="1.0" encoding="UTF-8" ?>\n<feedback{ns}>\n{version}'
            f"<report_metadata><org_name>{org}</org_name><email>{email}</email>"
            f"<report_id>{rid}</report_id><date_range><begin>{begin}</begin><end>{end}</end>"
            f"</date_range></report_metadata>\n<policy_published><domain>good.example</domain>"
            f"<adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct>{extra_policy}"
            f"</policy_published>\n" + "".join(records) + "</feedback>\n").encode()

def own(n, day):
    return rec("192.0.2.10", n, "none", "pass", "pass", "good.example", "good.example",
               [("good.example", "selector1", "pass")], [("good.example", "pass")])

def mx2(n):
    return rec("192.0.2.11", n, "none", "fail", "pass", "good.example", "good.example",
               [], [("good.example", "pass")])

def provider(n):
    return rec("198.51.100.20", n, "none", "fail", "fail", "good.example", "bounces.sendprovider.example",
               [("sendprovider.example", "sp1", "pass")], [("bounces.sendprovider.example", "pass")])

def spoof(ip, n):
    return rec(ip, n, "none", "fail", "fail", "good.example", "good.example",
               [], [("good.example", "fail")])

def msg(headers, body):
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()

def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\r\n"

def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(data)
    return buf.getvalue()

def zipped(name, data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        zi = zipfile.ZipInfo(name, date_time=(2026, 11, 24, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, data)
    return buf.getvalue()

def write(name, data):
    with open(name, "wb") as f:
        f.write(data)

# Google: a single-part message whose whole body is the zip, base64.
g_xml = feedback("google.com", "noreply-dmarc-support@google.com", "12795163046914736018",
                 T0 - DAY, T0 - 1, [own(1180, 0), mx2(240), provider(410), spoof("203.0.113.66", 37)])
g_name = f"google.com!good.example!{T0 - DAY}!{T0 - 1}.zip"
write("google.eml", msg([
    "From: noreply-dmarc-support@google.com",
    "To: dmarc@good.example",
    f"Subject: Report domain: good.example Submitter: google.com Report-ID: 12795163046914736018",
    "Date: Tue, 24 Nov 2026 05:59:59 -0800",
    "Message-ID: <12795163046914736018@google.com>",
    "MIME-Version: 1.0",
    f'Content-Type: application/zip; name="{g_name}"',
    f'Content-Disposition: attachment; filename="{g_name}"',
    "Content-Transfer-Encoding: base64",
], b64(zipped(g_name[:-4] + ".xml", g_xml))))

# Microsoft: multipart/mixed, a text part, then the gzip'd XML as application/gzip.
m_xml = feedback("Enterprise Outlook", "dmarcreport@microsoft.com", "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                 T0 - DAY, T0 - 1, [own(820, 0), provider(155), spoof("192.0.2.77", 12)],
                 ns=' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
                 version="<version>1.0</version>")
m_name = f"enterprise.protection.outlook.com!good.example!{T0 - DAY}!{T0 - 1}.xml.gz"
write("microsoft.eml", msg([
    "From: DMARC Aggregate Report <dmarcreport@microsoft.com>",
    "To: <dmarc@good.example>",
    "Subject: Report Domain: good.example Submitter: enterprise.protection.outlook.com Report-ID: <a1b2c3d4e5f60718293a4b5c6d7e8f90>",
    "Date: Tue, 24 Nov 2026 10:12:41 +0000",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="_000_MSREPORT_"',
], "This is a multi-part message in MIME format.\r\n\r\n--_000_MSREPORT_\r\n"
   "Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
   "This is a DMARC aggregate report for good.example. Please do not reply=\r\n to this message.\r\n"
   "--_000_MSREPORT_\r\n"
   f'Content-Type: application/gzip; name="{m_name}"\r\n'
   f'Content-Disposition: attachment; filename="{m_name}"\r\n'
   "Content-Transfer-Encoding: base64\r\n\r\n" + b64(gz(m_xml)) + "--_000_MSREPORT_--\r\n"))

# Yahoo: no namespace, a span over 24 h, an empty reason, Latin-1 in the org name;
# multipart with an RFC 2231 filename and the zip as application/zip.
y_xml = feedback("Yahoo", "dmarchelp@yahooinc.com", "1700000000.778899", T0 - 2 * DAY, T0 + 3600,
                 [own(530, 0), mx2(60), provider(98), spoof("203.0.113.66", 5)]
                 ).replace(b"<type>", b"<type>").replace(b"</policy_evaluated>", b"<reason><type></type></reason></policy_evaluated>", 1)
y_xml = y_xml.replace(b"<email>dmarchelp@yahooinc.com</email>", b"<email>dmarchelp@yahooinc.com</email><extra_contact_info>Yahoo \xe9quipe</extra_contact_info>")
write("yahoo.eml", msg([
    "From: Yahoo DMARC <noreply@dmarc.yahoo.com>",
    "To: dmarc@good.example",
    "Subject: Report Domain: good.example Submitter: yahoo.com",
    "Date: Wed, 25 Nov 2026 01:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: multipart/mixed;\r\n\tboundary=\"----=_Part_0_1234.5678\"",
], "------=_Part_0_1234.5678\r\nContent-Type: text/plain\r\n\r\nDMARC report attached.\r\n"
   "------=_Part_0_1234.5678\r\n"
   "Content-Type: application/zip\r\n"
   "Content-Disposition: attachment;\r\n filename*=utf-8''yahoo.com%21good.example%21report.zip\r\n"
   "Content-Transfer-Encoding: base64\r\n\r\n" + b64(zipped("yahoo.xml", y_xml)) +
   "------=_Part_0_1234.5678--\r\n"))

# RFC 9990 (dmarc-2.0 namespace): raw XML as a file, with np, testing, discovery_method.
r_xml = feedback("mail.receiver.example", "dmarc-reports@receiver.example", "r9990-2026-11-23",
                 T0 - DAY, T0 - 1, [own(75, 0), spoof("203.0.113.66", 3)],
                 ns=' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"',
                 extra_policy="<np>reject</np><testing>n</testing><discovery_method>treewalk</discovery_method>",
                 version="<version>2.0</version>").replace(b"<pct>100</pct>", b"")
write("rfc9990.xml", r_xml)

# TLS-RPT as its receivers send it: gzip'd JSON, raw and attached.
tls = ('{"organization-name":"Google Inc.","date-range":{"start-datetime":"2026-11-23T00:00:00Z",'
       '"end-datetime":"2026-11-23T23:59:59Z"},"contact-info":"smtp-tls-reporting@google.com",'
       '"report-id":"2026-11-23T00:00:00Z_good.example","policies":[{"policy":{"policy-type":"sts",'
       '"policy-string":["version: STSv1","mode: enforce","mx: mail.good.example","max_age: 86400"],'
       '"policy-domain":"good.example","mx-host":["mail.good.example"]},"summary":'
       '{"total-successful-session-count":1520,"total-failure-session-count":14},"failure-details":'
       '[{"result-type":"certificate-expired","sending-mta-ip":"209.85.220.41",'
       '"receiving-mx-hostname":"mx2.good.example","failed-session-count":9},'
       '{"result-type":"starttls-not-supported","sending-mta-ip":"209.85.220.42",'
       '"receiving-mx-hostname":"mx2.good.example","failed-session-count":5}]}]}\n').encode()
write("google-tlsrpt.json.gz", gz(tls))
write("microsoft-tlsrpt.eml", msg([
    "From: tlsrpt-noreply@microsoft.com",
    "To: tlsrpt@good.example",
    "Subject: Report Domain: good.example Submitter: microsoft.com Report-ID: <133456>",
    "Date: Tue, 24 Nov 2026 02:00:00 +0000",
    "TLS-Report-Domain: good.example",
    "TLS-Report-Submitter: microsoft.com",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type="tlsrpt"; boundary="tlsrpt-b"',
], "--tlsrpt-b\r\nContent-Type: text/plain\r\n\r\nTLS report for good.example\r\n--tlsrpt-b\r\n"
   'Content-Type: application/tlsrpt+gzip; name="microsoft.com!good.example!1795392000!1795478399.json.gz"\r\n'
   "Content-Transfer-Encoding: base64\r\n\r\n" +
   b64(gz(tls.replace(b"Google Inc.", b"Microsoft Corporation").replace(b"_good.example", b"_ms")
          .replace(b'"total-failure-session-count":14', b'"total-failure-session-count":0')
          .replace(b'"failure-details":[', b'"failure-details":[],"x":[')))
   + "--tlsrpt-b--\r\n"))

# A failure report (RFC 6591 ARF).
write("failure-arf.eml", msg([
    "From: dmarc-failures@receiver.example",
    "To: ruf@good.example",
    "Subject: FW: invoice",
    "Date: Mon, 23 Nov 2026 14:03:11 +0100",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=feedback-report;\r\n\tboundary="arf_boundary"',
], "--arf_boundary\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
   "This is an authentication failure report for an email message received from IP\r\n"
   "203.0.113.66 on Mon, 23 Nov 2026 14:03:05 +0100.\r\n\r\n"
   "--arf_boundary\r\nContent-Type: message/feedback-report\r\n\r\n"
   "Feedback-Type: auth-failure\r\nUser-Agent: Receiver/1.0\r\nVersion: 1\r\n"
   "Original-Mail-From: <billing@good.example>\r\nArrival-Date: Mon, 23 Nov 2026 14:03:05 +0100\r\n"
   "Source-IP: 203.0.113.66\r\nReported-Domain: good.example\r\nAuth-Failure: dmarc\r\n"
   "Authentication-Results: receiver.example; dmarc=fail (p=none) header.from=good.example\r\n\r\n"
   "--arf_boundary\r\nContent-Type: text/rfc822-headers\r\n\r\n"
   "From: \"Billing\" <billing@good.example>\r\nTo: victim@receiver.example\r\n"
   "Subject: invoice\r\n\tnumber 4711\r\nDate: Mon, 23 Nov 2026 14:03:01 +0100\r\n"
   "Message-ID: <spoof-4711@203.0.113.66>\r\n\r\n--arf_boundary--\r\n"))
