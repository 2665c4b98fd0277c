#!/bin/sh
# Run the OpenSPF RFC 7208 test suite (../shared/conformance, never copied
# into the project) against `mailctl spf check`, from the project root.
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
exec "$suite" -j 2 "$@" \
    --cmd "$build/mailctl spf check --ip {host} --mail-from {mailfrom} --helo {helo} --json"
