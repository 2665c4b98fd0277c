# lib.sh - sourced by the shell tests: binaries, counters, and the cmocka-like
# summary lines scripts/run-tests.sh counts.
#   MAILCTL_BIN   the mailctl under test (run-tests.sh sets it; else build/)
set -u
MAILCTL=${MAILCTL_BIN:-build/mailctl}
case $MAILCTL in /*) ;; *) MAILCTL=$PWD/$MAILCTL ;; esac
BUILD_DIR=$(dirname "$MAILCTL")
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
# Under check-asan: glibc's own gettext cache is not a leak of ours.
export LSAN_OPTIONS="suppressions=$SRC_DIR/tests/shell/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
T_PASS=0
T_FAIL=0
T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT

pass() { T_PASS=$((T_PASS + 1)); echo "[       OK ] $1"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "[  ERROR   ] $1"; }
# check NAME COMMAND...: one test case from a command's exit status.
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

# The global options (documented in mailctl(1)) and a command's own ones.
global_options() { "$MAILCTL" --list-options | grep '^-' | sed 's/=.*//'; }
command_options() { "$MAILCTL" --list-options "$@" | grep '^-' | sed 's/=.*//'; }
# "--format text json ..." per option of COMMAND [SUB] whose value is one of a set.
value_sets() { "$MAILCTL" --list-options "$@" | sed -n 's/^\(--[a-z0-9-]*\)=\(.\)/\1 \2/p' | tr '|' ' '; }
commands() { "$MAILCTL" --list-commands | cut -f1; }
# Subcommand names of COMMAND (empty when it has none).
subcommands() { "$MAILCTL" --list-options "$1" | grep -v '^-' || true; }

finish() {
    echo "[  PASSED  ] $T_PASS test(s)."
    if [ "$T_FAIL" -gt 0 ]; then
        echo "[  FAILED  ] $T_FAIL test(s)."
        exit 1
    fi
    exit 0
}
