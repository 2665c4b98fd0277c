#!/usr/bin/python3
"""dkimpy_arc_tool.py - dkimpy (Debian python3-dkim) as the independent ARC
(RFC 8617) implementation of the interop tests, keys from the test NSD.

  dkimpy_arc_tool.py verify PORT FILE...   one line "CV FILE" per file
                                           (pass/fail/none); exit 0 when
                                           every chain passes
  dkimpy_arc_tool.py seal PORT SELECTOR DOMAIN KEYFILE SRVID < msg > sealed
        validates the chain as received with dkimpy, adds the
        Authentication-Results a forwarder would (authserv-id hopN.SRVID,
        arc= from that validation) and seals with dkimpy's arc_sign
        (rsa-sha256)
"""
import sys

import dkim
import dnslib


def make_dnsfunc(port):
    def dnsfunc(name, timeout=5):
        qname = name.decode() if isinstance(name, bytes) else name
        q = dnslib.DNSRecord.question(qname.rstrip("."), "TXT")
        ans = dnslib.DNSRecord.parse(q.send("127.0.0.1", port, timeout=timeout))
        if ans.header.tc:
            ans = dnslib.DNSRecord.parse(q.send("127.0.0.1", port, tcp=True, timeout=timeout))
        for rr in ans.rr:
            if rr.rtype == dnslib.QTYPE.TXT:
                return b"".join(rr.rdata.data)
        return None
    return dnsfunc


def cv_of(msg, dnsfunc):
    try:
        cv, _, _ = dkim.arc_verify(msg, dnsfunc=dnsfunc)
    except Exception as e:                     # dkimpy raises on some bad input
        print("dkimpy: %s" % e, file=sys.stderr)
        return b"fail"
    return cv or b"fail"


def main(argv):
    dnsfunc = make_dnsfunc(int(argv[2]))
    if argv[1] == "verify":
        ok = True
        for f in argv[3:]:
            cv = cv_of(open(f, "rb").read(), dnsfunc).decode()
            print("%s %s" % (cv, f))
            ok = ok and cv == "pass"
        return 0 if ok else 1
    if argv[1] == "seal":
        sel, dom, keyfile, srv = argv[3:7]
        msg = sys.stdin.buffer.read()
        cv = cv_of(msg, dnsfunc)
        # each hop is its own ADMD (SRVID with the instance in front): dkimpy
        # merges every Authentication-Results of one authserv-id, and two
        # arc= results would make it seal cv=fail
        hop = msg.lower().count(b"\narc-seal:") + msg.lower().startswith(b"arc-seal:") + 1
        srv = "hop%d.%s" % (hop, srv)
        eol = b"\r\n" if b"\r\n" in msg else b"\n"
        ar = (b"Authentication-Results: " + srv.encode() + b"; arc=" + cv +
              b"; spf=pass smtp.mailfrom=example.net" + eol)
        msg = ar + msg
        fields = dkim.arc_sign(msg, sel.encode(), dom.encode(), open(keyfile, "rb").read(),
                               srv.encode(), linesep=eol)
        if not fields:
            print("dkimpy arc_sign added nothing", file=sys.stderr)
            return 1
        sys.stdout.buffer.write(b"".join(fields) + msg)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
