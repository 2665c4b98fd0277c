#!/bin/sh
# The ABI of libauth.so is its public headers: every symbol the built
# library exports must be declared in libauth/include/auth/*.h.
#   abi-check.sh BUILD
set -u
lib=${1:-build}/libauth.so
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$lib" ] || { echo "abi-check: $lib not built" >&2; exit 2; }
syms=$(nm -D --defined-only "$lib" | awk '{print $NF}' | grep -v '^_\(init\|fini\)$' | sort -u)
n=0; bad=0
for s in $syms; do
    n=$((n + 1))
    if ! grep -qE "(^|[^A-Za-z0-9_])$s([^A-Za-z0-9_]|$)" "$root"/libauth/include/auth/*.h; then
        echo "abi-check: $lib exports $s, which no public header declares" >&2
        bad=$((bad + 1))
    fi
done
[ "$n" -gt 0 ] || { echo "abi-check: $lib exports nothing" >&2; exit 1; }
echo "abi-check: $n symbols exported, all declared in libauth/include/auth/*.h"
[ "$bad" -eq 0 ]
