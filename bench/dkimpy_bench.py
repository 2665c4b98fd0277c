#!/usr/bin/python3
"""dkimpy_bench.py - dkimpy in-process: rsa-sha256 sign and verify msg/s on
a 2 KB message (key cached in the dnsfunc).  Prints "SIGN VERIFY"."""
import time
import dkim
import subprocess

key = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                      "rsa_keygen_bits:2048"], capture_output=True).stdout
pub = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=key,
                     capture_output=True).stdout
import base64
rec = b"v=DKIM1; k=rsa; p=" + base64.b64encode(pub)
body = "".join("abcdefgh  ij"[i % 12] if i % 72 != 71 else "\n" for i in range(2048))
msg = ("From: Alice <alice@bench.example>\r\nTo: bob@example.org\r\nSubject: bench\r\n"
       "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <b@bench.example>\r\n\r\n"
       + body).encode()
def rate(fn):
    n, t0 = 0, time.time()
    while time.time() - t0 < 1.0:
        fn(); n += 1
    return n / (time.time() - t0)
sign = lambda: dkim.sign(msg, b"s", b"bench.example", key, canonicalize=(b"relaxed", b"relaxed"))
signed = sign() + msg
verify = lambda: dkim.verify(signed, dnsfunc=lambda name, timeout=5: rec)
print("%.0f %.0f" % (rate(sign), rate(verify)))
