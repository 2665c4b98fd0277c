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

# DMARC aggregate/failure reports and TLS-RPT: the sample reports bundled in
# testdata/reports (one per reporter's shape) for good.example, imported into
# a throwaway database, summarised (PTR names from the local NSD), and the
# same summary as one HTML file.
reports=$(mktemp -d /tmp/mailctl-demo-reports-XXXXXX)
run report import --db "$reports/reports.db" testdata/reports/google.eml \
    testdata/reports/microsoft.eml testdata/reports/yahoo.eml testdata/reports/rfc9990.xml \
    testdata/reports/google-tlsrpt.json.gz testdata/reports/microsoft-tlsrpt.eml \
    testdata/reports/failure-arf.eml
run report summary --db "$reports/reports.db" --domain good.example
run report summary --db "$reports/reports.db" --domain good.example --format html \
    --out "$reports/good.example.html"
echo "The HTML report is $reports/good.example.html (open it in a browser)."
