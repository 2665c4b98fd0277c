#!/bin/sh
# make demo: start the project's local DNS server (NSD) on 127.0.0.1 with the
# zones in testdata/zones, run the steps of scripts/demo-steps.sh against it
# (real reports, real exit codes), then stop the server.  The last step starts
# the test Postfix too (build/tools/with-postfix) and delivers a test message.
set -u
build=${1:-build}
MAILCTL="$(cd "$build" && pwd)/mailctl"
MAILCTL_TOOLS="$(cd "$build" && pwd)/tools"
export MAILCTL MAILCTL_TOOLS
exec "$build/tools/with-nsd" -- sh scripts/demo-steps.sh
