#!/usr/bin/python3
"""dkimpy_tool.py - dkimpy (Debian python3-dkim) as the independent DKIM
implementation of the interop tests, keys fetched from the test NSD.

  dkimpy_tool.py verify PORT FILE...    one line "pass FILE" / "fail FILE"
                                        per file; exit 0 when all pass
  dkimpy_tool.py sign SELECTOR DOMAIN KEYFILE ALG CANON < msg > signed
        ALG: rsa-sha256 | ed25519-sha256 | rsa-sha1, CANON: H/B

Keys are looked up with dnslib over UDP at 127.0.0.1:PORT, retried over
TCP when the answer is truncated (the 4096-bit key's is).
"""
import base64
import re
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

def ed25519_seed(pem):
    """dkimpy wants the base64 32-octet seed: the tail of the PKCS#8 DER."""
    body = "".join(l for l in pem.decode().splitlines() if not l.startswith("-----"))
    return base64.b64encode(base64.b64decode(body)[-32:])

def main(argv):
    if argv[1] == "verify":
        dnsfunc = make_dnsfunc(int(argv[2]))
        ok = True
        for f in argv[3:]:
            msg = open(f, "rb").read()
            try:
                res = dkim.verify(msg, dnsfunc=dnsfunc)
            except Exception as e:          # dkimpy raises on some bad input
                print("error %s %s" % (f, e), file=sys.stderr)
                res = False
            print("%s %s" % ("pass" if res else "fail", f))
            ok = ok and res
        return 0 if ok else 1
    if argv[1] == "sign":
        sel, dom, keyfile, alg, canon = argv[2:7]
        key = open(keyfile, "rb").read()
        if alg == "ed25519-sha256":
            key = ed25519_seed(key)
        hc, bc = canon.split("/")
        msg = sys.stdin.buffer.read()
        sig = dkim.sign(msg, sel.encode(), dom.encode(), key,
                        signature_algorithm=alg.encode(),
                        canonicalize=(hc.encode(), bc.encode()))
        sys.stdout.buffer.write(sig + msg)
        return 0
    return 2

if __name__ == "__main__":
    sys.exit(main(sys.argv))
