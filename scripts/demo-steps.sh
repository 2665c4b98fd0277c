#!/bin/sh
# The demo's steps; MAILCTL_RESOLVER points at the test NSD (scripts/demo.sh).
if [ -t 1 ]; then b='\033[1m'; n='\033[0m'; else b=''; n=''; fi
run() {
    printf "\n${b}\$ mailctl %s${n}\n" "$*"
    "$MAILCTL" "$@"
    printf '(exit %d)\n' "$?"
}
echo "Local test DNS (NSD) at $MAILCTL_RESOLVER, serving testdata/zones/"
run mx good.example
run mx broken.example
run ptr 192.0.2.10
run ptr 192.0.2.99
run mx --json good.example
run check-dns --no-smtp good.example
run check-dns --no-smtp broken.example
# SMTP/TLS on a local MX: a real Postfix for demo-mx.example (see
# scripts/demo-transport.sh); skipped when the helper is not built.
tools=$(dirname "$MAILCTL")/tools
if [ -x "$tools/with-postfix-mx" ]; then
    "$tools/with-postfix-mx" demo-mx.example -- sh scripts/demo-transport.sh
fi

# A new mail domain: every record to publish, with a fresh DKIM key.
keys=$(mktemp -d /tmp/mailctl-demo-XXXXXX)
run setup demo.example --mail-host mail.demo.example --ip 192.0.2.25 --ipv6 2001:db8::25 \
    --selector demo --out "$keys"
rm -rf "$keys"

# Last: a real delivery to a local Postfix (scripts/demo-send.sh runs inside
# build/tools/with-postfix, which exports the server, its CA and Maildir; with
# -i also a Dovecot on the same Maildir), ending with the arrival report.
"$MAILCTL_TOOLS/with-postfix" -i -- sh scripts/demo-send.sh
