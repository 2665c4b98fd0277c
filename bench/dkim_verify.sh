#!/bin/sh
# DKIM verify bench: 2,000 small signed messages through one
# `mailctl dkim verify --json FILE...` call (the key fetched from the test NSD
# once and parsed once per run), msg/s beside, all measured in this run: the
# same files verified in-process by libauth on one core (build/bench/dkim
# --files, built by `make bench`), OpenSSL's raw RSA-2048 verify on one core
# (`openssl speed`), and dkimpy verifying the same files in one Python
# process (key record from a dnsfunc: no DNS at all); with ratios.
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
# mailctl: 5 runs inside one NSD, the median rate printed (each run times
# the whole command: process start, key lookup, reading, verifying, output)
cat > "$tmp/run.sh" <<EOS
for r in 1 2 3 4 5; do
    t0=\$(date +%s.%N)
    "$mailctl" dkim verify --json "$tmp"/msgs/*.eml > "$tmp/out.json"
    echo \$? > "$tmp/rc"
    t1=\$(date +%s.%N)
    echo "\$t0 \$t1" >> "$tmp/time"
done
EOS
: > "$tmp/time"
"$build/tools/with-nsd" -z "$tmp/zones" -- sh "$tmp/run.sh"
pass=$(grep -c '^{"file":"[^"]*","result":"pass"' "$tmp/out.json")
rate=$(awk -v n=$n '{print n / ($2 - $1)}' "$tmp/time" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]}')
# in-process: the same files through libauth on one core, from memory
inproc=0
if [ -x "$build/bench/dkim" ]; then
    inproc=$("$build/bench/dkim" --files "$tmp/keys/s1.txt" "$tmp"/msgs/*.eml | awk '{print $1}')
fi
# OpenSSL's own RSA-2048 verify on one core (no hashing, no parsing), by
# the wall clock like the others (-elapsed; by default it divides by CPU
# time, which a busy machine does not slow down)
raw=$(openssl speed -elapsed -seconds 1 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $NF}')
raw=${raw:-0}
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
pyrate=${py%% *}
pyrate=${pyrate:-0}
cores=$(nproc 2>/dev/null || echo 1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
echo "dkim verify --json, $n small signed RSA-2048 messages in one call (one key, fetched and parsed once):"
printf '  %-44s %8s msg/s  (median of 5; %s of %s pass, exit %s; up to %s cores)\n' \
    "mailctl dkim verify --json FILE..." "$rate" "$pass" "$n" "$(cat "$tmp/rc")" "$cores"
printf '  %-44s %8s msg/s  mailctl/in-process %s\n' "in-process libauth, one core, from memory" \
    "$inproc" "$(ratio "$rate" "$inproc")"
printf '  %-44s %8.0f /s     mailctl/raw %s\n' "openssl speed -elapsed rsa2048 verify, 1 core" "$raw" \
    "$(ratio "$rate" "$raw")"
printf '  %-44s %8s msg/s  mailctl/dkimpy %s  (%s pass)\n' "dkimpy, in-process, no DNS" \
    "${py:+$pyrate}" "$(ratio "$rate" "$pyrate")" "${py#* }"
echo "  goal: mailctl >= 30000 msg/s"
[ "$pass" -eq $n ]
