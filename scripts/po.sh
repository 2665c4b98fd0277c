#!/bin/sh
# Extract every string marked for translation into a PO template.
#   po.sh OUT.pot
# Marked are: _(), N_(), T_(), NP_(), and auth_people_text() in libauth; the formats of cmd_error(), cmd_usage_error(), cmd_warn()
# (translated inside them); TR() in libauth (auth_finding_text: setup's notes and
# checklist); a finding's summary, detail and fix as given to
# auth_finding_add() / auth_finding_addf() (translated when made, for text output);
# the formats of libauth's reason formatters, which translate them the same way:
# auth_fail(), smtp_failed(), imap_failed(), the DMARC record's problems
# (dmarc_problem_add(), problem()), the address parser's fail(), and the DMARC
# and SPF reasons made in two languages (dmarc_reason(), spf_set_reason(),
# spf_fail_with(), DKIM's verdict(), DMARC discovery's set_error()), and the SPF
# parser's term_error() reasons; the DNS answers' why (dns_result_set_why()); the IMAP response parser's failed()
# and the SPF tree's node_error(); ARC's broken() and decide(); the
# report parser's report_fail(), report_error_new(), report_warn() and stop().
# xgettext takes one argument per keyword and pass, hence the passes.
set -eu
out=$1
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"
files=$(find cmd checks libauth dkimkeygen -name '*.c' | sort)
n=0
for kw in _ N_ cmd_error:2 cmd_usage_error:2 cmd_warn:1 auth_finding_add:4 auth_finding_add:5 auth_finding_add:6 \
          auth_finding_addf:4 auth_finding_addf:5 auth_finding_addf:7 \
          auth_fail:4 smtp_failed:4 imap_failed:4 dmarc_problem_add:5 problem:4 fail:3 \
          dmarc_reason:3 spf_set_reason:3 spf_fail_with:4 term_error:5 verdict:4 set_error:2 \
          dns_result_set_why:2 failed:3 node_error:3 broken:2 decide:3 \
          report_fail:2 report_error_new:1 report_warn:2 stop:2; do
    n=$((n + 1))
    # shellcheck disable=SC2086
    xgettext --from-code=UTF-8 --language=C --keyword --keyword="$kw" --keyword=TR --keyword=auth_people_text --keyword=T_ --keyword=NP_:1,2 \
        --flag=cmd_error:2:c-format --flag=cmd_usage_error:2:c-format --flag=cmd_warn:1:c-format \
        --flag=auth_finding_addf:7:c-format \
        --flag=auth_fail:4:c-format --flag=smtp_failed:4:c-format --flag=imap_failed:4:c-format \
        --flag=dmarc_problem_add:5:c-format --flag=problem:4:c-format --flag=fail:3:c-format \
        --flag=dmarc_reason:3:c-format --flag=spf_set_reason:3:c-format --flag=spf_fail_with:4:c-format --flag=verdict:4:c-format --flag=set_error:2:c-format --flag=dns_result_set_why:2:c-format --flag=broken:2:c-format --flag=decide:3:c-format \
        --flag=report_fail:2:c-format --flag=report_error_new:1:c-format --flag=report_warn:2:c-format --flag=_:1:pass-c-format --flag=TR:1:pass-c-format --flag=T_:1:pass-c-format --flag=NP_:1:pass-c-format --flag=NP_:2:pass-c-format \
        --add-comments=TRANSLATORS: --package-name=mailctl \
        --msgid-bugs-address=dev@mailctl.invalid -o "$tmp/$n.pot" $files
done
msgcat --use-first -o "$tmp/all.pot" "$tmp"/*.pot
sed 's/charset=CHARSET/charset=UTF-8/' "$tmp/all.pot" > "$out"
