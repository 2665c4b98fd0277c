#!/bin/sh
# DKIM verify bench: 2,000 small signed messages through one
# `mailctl dkim verify --json FILE...` call (the key fetched from the test NSD
# once and parsed once per run), msg/s beside dkimpy verifying the same files
# in one Python process (key record from a dnsfunc: no DNS at all).
# Goal: >= 30,000 msg/s for mailctl.
#   sh bench/dkim_verify.sh BUILD_DIR
set -u
build=${1:-build}
n=2000
tmp=${DKIM_BENCH_DIR:-$(mktemp -d)}; [ -n "${DKIM_BENCH_DIR:-}" ] || trap 'rm -rf "$tmp"' EXIT
mailctl=$build/mailctl
mkdir -p "$tmp/zones" "$tmp/keys" "$tmp/msgs"
"$mailctl" -q dkim keygen --domain bench.example --selector s1 --out "$tmp/keys" > /dev/null || exit 1
{
    printf '$ORIGIN bench.example.\n$TTL 3600\n@ IN SOA ns1 hm 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n'
    cat "$tmp/keys/s1.txt"
} > "$tmp/zones/bench.example.zone"
# 20 distinct messages, each signed, copied to make n files
i=0
while [ $i -lt 20 ]; do
    printf 'From: Alice <alice@bench.example>\r\nTo: bob@example.org\r\nSubject: bench %d\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <%d@bench.example>\r\n\r\nHello Bob,\r\n\r\nmessage %d of the verify bench.\r\n' $i $i $i > "$tmp/m.eml"
    "$mailctl" dkim sign --domain bench.example --selector s1 --key "$tmp/keys/s1.private" "$tmp/m.eml" > "$tmp/s$i.eml" || exit 1
    i=$((i + 1))
done
i=0
while [ $i -lt $n ]; do
    cp "$tmp/s$((i % 20)).eml" "$tmp/msgs/m$i.eml"
    i=$((i + 1))
done
cat > "$tmp/run.sh" <<EOS
t0=\$(date +%s.%N)
"$mailctl" dkim verify --json "$tmp"/msgs/*.eml > "$tmp/out.json"
echo \$? > "$tmp/rc"
t1=\$(date +%s.%N)
echo "\$t0 \$t1" > "$tmp/time"
EOS
"$build/tools/with-nsd" -z "$tmp/zones" -- sh "$tmp/run.sh"
pass=$(grep -c '^{"file":"[^"]*","result":"pass"' "$tmp/out.json")
rate=$(awk -v n=$n '{printf "%.0f", n / ($2 - $1)}' "$tmp/time")
py=$(/usr/bin/python3 - "$tmp/msgs" "$tmp/keys/s1.txt" <<'EOP' 2>/dev/null
import os, re, sys, time
import dkim
d = sys.argv[1]
rec = "".join(re.findall(r'"([^"]*)"', open(sys.argv[2]).read())).encode()   # the zone line's strings
msgs = [open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))]
t0 = time.time()
ok = sum(1 for m in msgs if dkim.verify(m, dnsfunc=lambda name, timeout=5: rec))
print("%.0f %d" % (len(msgs) / (time.time() - t0), ok))
EOP
)
echo "dkim verify --json, $n small signed messages in one call (one key, fetched and parsed once):"
echo "  mailctl $rate msg/s ($pass of $n pass, exit $(cat "$tmp/rc")); dkimpy ${py:-not available} (msg/s, passes); goal >= 30000 msg/s"
[ "$pass" -eq $n ]
