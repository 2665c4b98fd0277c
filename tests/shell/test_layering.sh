#!/bin/sh
# test_layering.sh - the layers as linked and included: dkimkeygen carries
# none of mailctl's command layer or the audit (it links libcli.a and
# libauth.a only); libauth's sources include nothing from cmd/, checks/ or
# tests/; checks/ includes nothing from cmd/.
. "$(dirname "$0")/lib.sh"

KEYGEN=$BUILD_DIR/dkimkeygen
nm "$KEYGEN" > "$T_TMP/syms" 2>/dev/null
check "dkimkeygen has symbols to inspect" grep -q ' dkim_keygen_main$' "$T_TMP/syms"
# One defined function from each part of the command layer and the audit.
for sym in audit_run cmd_check_dns cmd_setup dkim_verify_main cmd_report cmd_fleet check_spf; do
    check "dkimkeygen does not link $sym" sh -c "! grep -q ' [Tt] $sym\$' '$T_TMP/syms'"
done
# The same names exist in mailctl, so the probe above can fail.
nm "$MAILCTL" > "$T_TMP/msyms" 2>/dev/null
for sym in audit_run cmd_check_dns cmd_setup dkim_verify_main cmd_report cmd_fleet check_spf; do
    check "mailctl links $sym" grep -q " [Tt] $sym\$" "$T_TMP/msyms"
done

includes_from() {   # DIR PATTERN: the #include lines of DIR's sources that match
    grep -rn --include='*.c' --include='*.h' -E "^#include \"($2)" "$SRC_DIR/$1" || true
}
check "libauth includes nothing from cmd/, checks/, tests/" \
    test -z "$(includes_from libauth '\.\./|cmd\.h|audit\.h|testenv\.h')"
check "checks/ includes nothing from cmd/" \
    test -z "$(includes_from checks '\.\./cmd/|cmd\.h')"
finish
