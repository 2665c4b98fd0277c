#!/usr/bin/python3
"""spf_pyspf_adapter.py - pyspf (Debian python3-spf) behind the command line
of `mailctl spf check`, printing the same JSON keys, so the OpenSPF suite
runner can time both the same way (bench/spf.sh).

    spf_pyspf_adapter.py --ip IP --mail-from ADDR --helo NAME --json

The DNS server comes from MAILCTL_RESOLVER (HOST:PORT), the per-lookup
timeout from MAILCTL_DNS_TIMEOUT (seconds), as the runner sets them.
"""
import argparse
import json
import os
import sys

import dns.resolver
import spf


PYSPF_DEFAULT_EXPLANATION = 'SPF fail - not authorized'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ip', required=True)
    ap.add_argument('--mail-from', default='')
    ap.add_argument('--helo', default='')
    ap.add_argument('--json', action='store_true')
    args = ap.parse_args()
    server = os.environ.get('MAILCTL_RESOLVER', '127.0.0.1:53')
    host, _, port = server.rpartition(':')
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [host.strip('[]')]
    res.port = int(port)
    dns.resolver.default_resolver = res
    timeout = float(os.environ.get('MAILCTL_DNS_TIMEOUT', '2'))
    q = spf.query(i=args.ip, s=args.mail_from, h=args.helo, timeout=timeout,
                  querytime=timeout)
    result, _code, explanation = q.check()
    # pyspf fills in its own default text when there is no exp=: that is
    # the suite's "DEFAULT", reported as null like mailctl does.
    if result != 'fail' or explanation == PYSPF_DEFAULT_EXPLANATION:
        explanation = None
    print(json.dumps({'result': result, 'explanation': explanation or None,
                      'mechanism': getattr(q, 'mechanism', None),
                      'domain': q.d, 'lookups': q.lookups, 'void_lookups': 0,
                      'trace': []}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
