#!/bin/sh
# The demo's last step, run by build/tools/with-postfix: send a DKIM-signed
# test message through the local Postfix (STARTTLS, certificate of the test
# CA), show the transcript, then verify the copy Postfix delivered.
if [ -t 1 ]; then b='\033[1m'; n='\033[0m'; else b=''; n=''; fi
printf "\nLocal Postfix for sendtest.example at %s (STARTTLS, test CA %s)\n" \
    "$MAILCTL_TEST_SMTP" "$MAILCTL_TEST_CA"
printf "\n${b}\$ mailctl --ca-file \$MAILCTL_TEST_CA send-test --from demo@sendtest.example --to postmaster@sendtest.example --server %s --dkim-key testdata/keys/sendtest-st1.private --selector st1 --subject 'mailctl demo'${n}\n" "$MAILCTL_TEST_SMTP"
"$MAILCTL" --ca-file "$MAILCTL_TEST_CA" send-test --from demo@sendtest.example \
    --to postmaster@sendtest.example --server "$MAILCTL_TEST_SMTP" \
    --dkim-key testdata/keys/sendtest-st1.private --selector st1 --subject 'mailctl demo'
rc=$?
printf '(exit %d)\n' "$rc"
[ "$rc" -eq 0 ] || exit "$rc"
# Delivery is asynchronous after the 250: poll the Maildir (10 s at most).
i=0
while [ -z "$(ls "$MAILCTL_TEST_MAILBOX" 2>/dev/null)" ] && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
msg=$(ls -t "$MAILCTL_TEST_MAILBOX"/* 2>/dev/null | head -1)
[ -n "$msg" ] || { echo "no message delivered to $MAILCTL_TEST_MAILBOX"; exit 1; }
printf "\nDelivered to %s\n" "$msg"
printf "\n${b}\$ mailctl dkim verify DELIVERED-MESSAGE${n}\n"
"$MAILCTL" dkim verify "$msg"
printf '(exit %d)\n' "$?"

# Proof of arrival: send again and find the message over IMAPS (Dovecot on
# the same Maildir), with the receiver's verdict from Authentication-Results.
if [ -n "${MAILCTL_TEST_IMAPS:-}" ]; then
    url="imaps://$(echo "$MAILCTL_TEST_IMAP_USER" | sed 's/@/%40/')@$MAILCTL_TEST_IMAPS/"
    printf "\n${b}\$ mailctl --ca-file \$MAILCTL_TEST_CA send-test --from demo@sendtest.example --to postmaster@sendtest.example --server %s --check-imap %s --wait 30 -q${n}\n" "$MAILCTL_TEST_SMTP" "$url"
    "$MAILCTL" --ca-file "$MAILCTL_TEST_CA" send-test --from demo@sendtest.example \
        --to postmaster@sendtest.example --server "$MAILCTL_TEST_SMTP" \
        --dkim-key testdata/keys/sendtest-st1.private --selector st1 \
        --check-imap "$url" --wait 30 -q
    printf '(exit %d)\n' "$?"
fi
