#!/bin/sh
# SPF bench: the OpenSPF RFC 7208 suite's wall time through the same runner
# and the same number of jobs, mailctl beside pyspf (Debian python3-spf via
# bench/spf_pyspf_adapter.py), with the ratio and each one's pass count.
# (check_host() evaluations per second in-process: build/bench/spf_eval.)
#   sh bench/spf.sh BUILD_DIR [JOBS]
set -u
build=${1:-build}
jobs=${2:-2}
suite=../shared/conformance/spf_suite.py
if [ ! -f "$suite" ]; then
    echo "spf bench: $suite not present, suite timing skipped"
    exit 0
fi
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

# The tests whose zone never answers: their time is the DNS timeout policy
# (mailctl's engine: 3 tries x MAILCTL_DNS_TIMEOUT per question; pyspf: one
# MAILCTL_DNS_TIMEOUT lifetime), not evaluation speed; timed separately.
waits='txttimeout|nospftxttimeout|alltimeout|include-temperror|exists-dnserr|exp-dns-error'

run() {   # name cmd [runner args...]
    name=$1; cmd=$2; shift 2
    t0=$(date +%s.%N)
    "$suite" -j "$jobs" "$@" --cmd "$cmd" > "$out/$name.log" 2>&1
    t1=$(date +%s.%N)
    line=$(tail -n 1 "$out/$name.log")
    echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}' > "$out/$name.time"
    echo "$line" | sed -n 's/^SPF suite: \([0-9]*\) passed, \([0-9]*\) failed/\1 \2/p' > "$out/$name.count"
}

show() {  # title suffix
    m=$(cat "$out/mailctl$2.time"); p=$(cat "$out/pyspf$2.time")
    set -- "$1" $(cat "$out/mailctl$2.count") $(cat "$out/pyspf$2.count")
    echo "$1"
    printf '  %-10s %8s s   %s passed, %s failed\n' mailctl "$m" "${2:-?}" "${3:-?}"
    printf '  %-10s %8s s   %s passed, %s failed\n' pyspf "$p" "${4:-?}" "${5:-?}"
    echo "$m $p" | awk '{ if ($1 > 0 && $2 > 0) printf "  ratio mailctl/pyspf: %.2f (pyspf takes %.1fx as long)\n", $1 / $2, $2 / $1 }'
}

mcmd="$build/mailctl spf check --ip {host} --mail-from {mailfrom} --helo {helo} --json"
pcmd="bench/spf_pyspf_adapter.py --ip {host} --mail-from {mailfrom} --helo {helo} --json"
run mailctl "$mcmd"
run pyspf "$pcmd"
run mailctl_eval "$mcmd" -k "^(?!($waits)\$)"
run pyspf_eval "$pcmd" -k "^(?!($waits)\$)"
show "OpenSPF RFC 7208 suite, all 203 tests, same runner, -j $jobs, MAILCTL_DNS_TIMEOUT=2:" ""
show "The 197 tests that do not wait for a DNS timeout (evaluation speed):" "_eval"
