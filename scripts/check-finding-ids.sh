#!/bin/sh
# Finding ids are made in checks/ only: fail when a string literal shaped
# like one ("spf.lookup-limit", "ports.", the family prefix alone) appears
# in the C sources under the given directories (default: libauth).
# Comments are stripped first (the compiler's preprocessor, no includes
# expanded), so a header may still name an id in prose.  The families are
# those of the catalog (../shared/checks.md), the ports and profile ones,
# and any other that checks/ gives auth_finding_add().
#   check-finding-ids.sh [DIR...]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- "$root/libauth"
families="mx ptr smtp spf dkim dmarc mtasts tlsrpt dnssec dane bimi dnsbl ports profile"
used=$(grep -rhoE 'auth_finding_addf?\([^,]+, "[a-z]+\.' --include='*.c' "$root/checks" 2>/dev/null |
       sed 's/.*"\([a-z]*\)\.$/\1/' | sort -u)
re=$(echo $families $used | tr ' ' '\n' | sort -u | paste -sd'|' -)
hits=$(find "$@" -name '*.[ch]' | sort | while read -r f; do
    ${CC:-cc} -fpreprocessed -dD -E -P "$f" 2>/dev/null |
        grep -noE "\"($re)\.[a-z0-9-]*\"" | sed "s|^|$f:|"
done)
if [ -n "$hits" ]; then
    echo "check-finding-ids: finding ids belong in checks/ (library linters return typed problems):"
    echo "$hits"
    exit 1
fi
echo "check-finding-ids: no finding id in $*"
