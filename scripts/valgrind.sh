#!/bin/sh
# Memory errors and leaks under valgrind: every unit test, then the commands
# people run, offline (answers from the recorded tape), text and JSON, in
# English and in Chinese.  Any invalid access, use of uninitialised memory
# or definite leak fails, and so does a command that exits otherwise than it
# should (so that each one is known to have done its work).
#   valgrind.sh BUILD
# scripts/valgrind.supp holds what is not ours (a library's one-time init).
set -u
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
mailctl=$build/mailctl
tape=$src/testdata/replay/audit.tape
export MAILCTL_LOCALEDIR="$build/locale" LOCPATH="$tmp"
localedef -i zh_CN -f UTF-8 "$tmp/zh_CN.UTF-8" >/dev/null 2>&1 || true
unset LC_ALL LANGUAGE LC_MESSAGES
pass=0
failed=0

# vg NAME RC CMD...: CMD under valgrind, expected to exit RC; its output and
# valgrind's report kept in $tmp/NAME.out and $tmp/NAME.log.  With -q
# valgrind writes nothing unless something is wrong: any line of its own
# (==PID==) fails, a fatal start-up error as much as a leak.
vg() {
    name=$1 want=$2
    shift 2
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --suppressions="$src/scripts/valgrind.supp" \
        "$@" > "$tmp/$name.out" 2> "$tmp/$name.log" < /dev/null
    rc=$?
    if [ $rc -ne "$want" ] || grep -q '^==[0-9]*==' "$tmp/$name.log"; then
        failed=$((failed + 1))
        echo "[  FAILED  ] $name (exit $rc, want $want)"
        head -n 40 "$tmp/$name.log"
    else
        pass=$((pass + 1))
        echo "[       OK ] $name"
    fi
}

for t in "$build"/tests/unit/test_*; do
    vg "$(basename "$t")" 0 "$t"
done

printf 'From: a@syntax.spf-tests.example\r\nTo: b@example.net\r\nSubject: t\r\n\r\nhi\r\n' \
    > "$tmp/syntax.eml"
printf 'ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.com; s=s1; b=AAAA\r\nFrom: a@example.com\r\n\r\nhi\r\n' \
    > "$tmp/arc.eml"
printf '<?xml version="1.0"?><foo/>' > "$tmp/notdmarc.xml"
for lang in C zh_CN.UTF-8; do
    export LANG=$lang
    l=${lang%%.*}
    vg "$l-check-dns" 0 "$mailctl" check-dns good.example --no-smtp -v --dns-replay "$tape"
    vg "$l-check-dns-bulk" 1 "$mailctl" check-dns --file "$src/testdata/replay/audit-domains.txt" \
        --no-smtp --json --jobs 2 --dns-replay "$tape" --output "$tmp/$l-bulk.jsonl"
    vg "$l-fleet" 0 "$mailctl" fleet "$tmp/$l-bulk.jsonl"
    vg "$l-spf-check" 1 "$mailctl" spf check --ip 192.0.2.1 --mail-from a@syntax.spf-tests.example \
        --dns-replay "$tape"
    vg "$l-spf-lint" 0 "$mailctl" spf lint big.spfaudit.example --dns-replay "$tape"
    vg "$l-spf-tree" 1 "$mailctl" spf tree temp.spf-tests.example --dns-replay "$tape"
    vg "$l-dmarc-check" 1 "$mailctl" dmarc check syntax.policies.example --dns-replay "$tape"
    vg "$l-dkim-record" 1 "$mailctl" dkim record weak.keys.example --selector selector1 \
        --dns-replay "$tape"
    vg "$l-mx" 3 "$mailctl" mx nonexist.example --dns-replay "$tape"
    vg "$l-auth" 1 "$mailctl" auth "$tmp/syntax.eml" --ip 192.0.2.1 --helo syntax.spf-tests.example \
        --mail-from a@syntax.spf-tests.example --dns-replay "$tape"
    vg "$l-auth-json" 1 "$mailctl" auth "$tmp/syntax.eml" --ip 192.0.2.1 --json \
        --helo syntax.spf-tests.example --mail-from a@syntax.spf-tests.example --dns-replay "$tape"
    vg "$l-arc-verify" 1 "$mailctl" arc verify "$tmp/arc.eml" --dns-replay "$tape"
    vg "$l-dkim-verify" 1 "$mailctl" dkim verify "$src"/testdata/messages/*.eml --dns-replay "$tape"
    vg "$l-report-parse" 2 "$mailctl" report parse "$tmp/notdmarc.xml" "$src"/testdata/reports/*.xml \
        "$src"/testdata/reports/*.eml "$src"/testdata/reports/*.gz
    vg "$l-report-import" 2 "$mailctl" report import --db "$tmp/$l.db" "$tmp/notdmarc.xml" \
        "$src"/testdata/reports/*.xml "$src"/testdata/reports/*.eml "$src"/testdata/reports/*.gz
    vg "$l-report-summary" 0 "$mailctl" report summary --db "$tmp/$l.db" --no-dns
    vg "$l-report-html" 0 "$mailctl" report summary --db "$tmp/$l.db" --no-dns --format html \
        --out "$tmp/$l.html"
    mkdir -p "$tmp/$l-setup"
    vg "$l-setup" 0 "$mailctl" setup example.com --mail-host mx.example.com --ip 192.0.2.25 \
        --algorithm ed25519 --out "$tmp/$l-setup/k"
    vg "$l-dkimkeygen" 0 "$build/dkimkeygen" --domain example.com --selector s1 \
        --out "$tmp/$l-setup/g"
done

echo "valgrind: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
