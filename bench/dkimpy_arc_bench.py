#!/usr/bin/python3
"""dkimpy_arc_bench.py MESSAGE RECORD - dkimpy's arc_verify in-process on
MESSAGE (a sealed chain), the key record RECORD given by the dnsfunc (key
cached), best of three 1-second rounds.  Prints "MSGS_PER_SECOND CV"; the
rate is only meaningful when CV is pass."""
import sys
import time

import dkim

msg = open(sys.argv[1], "rb").read()
rec = open(sys.argv[2], "rb").read().strip()
dnsfunc = lambda name, timeout=5: rec
cv = dkim.arc_verify(msg, dnsfunc=dnsfunc)[0].decode()
best = 0.0
for _ in range(3):                 # best of three 1-second rounds
    n, t0 = 0, time.time()
    while time.time() - t0 < 1.0:
        dkim.arc_verify(msg, dnsfunc=dnsfunc)
        n += 1
    best = max(best, n / (time.time() - t0))
print("%.1f %s" % (best, cv))
