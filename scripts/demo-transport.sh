#!/bin/sh
# The demo's SMTP/TLS step: run under with-postfix-mx (a real Postfix for
# demo-mx.example on loopback), audit the transport families of that domain.
# The port and CA come from with-postfix-mx; --allow-private because the MX
# is 127.0.0.1 (production probes port 25 and only flag private addresses).
if [ -t 1 ]; then b='\033[1m'; n='\033[0m'; else b=''; n=''; fi
echo "Local Postfix for demo-mx.example on 127.0.0.1:$MAILCTL_DEMO_SMTP_PORT (STARTTLS, test CA)"
set -- check-dns --checks smtp,mtasts,tlsrpt,dnssec --allow-private \
    --smtp-port "$MAILCTL_DEMO_SMTP_PORT" --ca-file "$MAILCTL_DEMO_CA_FILE" demo-mx.example
printf "\n${b}\$ mailctl %s${n}\n" "$*"
"$MAILCTL" "$@"
printf '(exit %d)\n' "$?"
