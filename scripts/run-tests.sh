#!/bin/sh
# Run every test binary given, each in turn; report and count.
#   run-tests.sh BUILD_DIR TEST...
# The last line is "tests: N passed, M failed" (N, M count test cases from
# cmocka's own summary; a binary that crashes counts as one failure).
set -u
build=$1; shift
export MAILCTL_BIN="$build/mailctl"
passed=0; failed=0; bad=""
log=$(mktemp); trap 'rm -f "$log"' EXIT
for t in "$@"; do
    echo "== $t"
    "$t" >"$log" 2>&1
    rc=$?
    cat "$log"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    passed=$((passed + ${p:-0}))
    if [ "$rc" -ne 0 ] && [ -z "$f" ]; then f=1; fi
    failed=$((failed + ${f:-0}))
    [ "$rc" -eq 0 ] || bad="$bad $t"
done
[ -z "$bad" ] || echo "failing binaries:$bad"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$bad" ]
