#!/bin/sh
# Run the OpenSPF RFC 7208 test suite (../shared/conformance, never copied
# into the project) against `mailctl spf check`, then the ARC suite against
# `mailctl arc`, from the project root.
#   conformance.sh [BUILD_DIR]        (make conformance passes $(BUILD))
# Extra arguments after the build dir go to the runner (e.g. -k NAME -v).
# The last line is "SPF suite: N passed, M failed"; exit 0 only when M is 0.
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
suite=../shared/conformance/spf_suite.py
if [ ! -f "$suite" ]; then
    echo "conformance: $suite not found, skipped"
    exit 0
fi
if [ ! -x "$build/mailctl" ]; then
    echo "conformance: $build/mailctl not built (run make first)" >&2
    exit 2
fi
spf_rc=0
"$suite" -j 2 "$@" \
    --cmd "$build/mailctl spf check --ip {host} --mail-from {mailfrom} --helo {helo} --json" \
    || spf_rc=$?
# The ARC (RFC 8617) suite beside it: validation through `arc verify --json`,
# signing through `arc seal --use-ar` (docs/arc-conformance.md: the one test
# that contradicts the RFC).  Last line "ARC suite: N passed, M failed".
# Tests listed in docs/arc-conformance.md (expectations against RFC 8617 as
# published) are reported but do not fail the run; any other failure does.
arc_rc=0
arc_suite=../shared/conformance/arc_suite.py
arc_known='ams_fields_c_na'
if [ -f "$arc_suite" ]; then
    out=$("$arc_suite" --cmd "$build/mailctl" -v) || arc_rc=$?
    printf '%s\n' "$out"
    unexpected=$(printf '%s\n' "$out" | awk '/^FAIL /{print $3}' | grep -vxF "$arc_known" || true)
    if [ "$arc_rc" -ne 0 ] && [ -z "$unexpected" ]; then
        echo "ARC: only the failures documented in docs/arc-conformance.md ($arc_known)"
        arc_rc=0
    fi
fi
[ "$spf_rc" -eq 0 ] && [ "$arc_rc" -eq 0 ]
