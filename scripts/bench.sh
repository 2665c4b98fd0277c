#!/bin/sh
# Run every benchmark: the compiled build/bench/* programs (which start their
# own test servers) and bench/*.sh scripts, in name order.
#   bench.sh BUILD BENCH...
set -u
build=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
export MAILCTL_BIN="$build/mailctl" BUILD_DIR="$build"
status=0
for b in "$@" bench/*.sh; do
    [ -x "$b" ] || [ -f "$b" ] || continue
    echo "== $b"
    case "$b" in
        *.sh) sh "$b" "$build" || status=1 ;;
        *) "$b" "$root/bench" || status=1 ;;
    esac
    echo
done
exit $status
