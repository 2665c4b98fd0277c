#!/bin/sh
# test_finding_ids.sh - finding ids have one home, checks/: no string
# literal shaped like one ("spf.lookup-limit") in libauth/, whose linters
# return typed problems (scripts/check-finding-ids.sh); and the check
# itself catches a planted id while letting prose in comments through.
. "$(dirname "$0")/lib.sh"
CHECK=$SRC_DIR/scripts/check-finding-ids.sh

check "libauth/ makes no finding id" "$CHECK" "$SRC_DIR/libauth"

mkdir -p "$T_TMP/planted" "$T_TMP/prose"
cat > "$T_TMP/planted/lint.c" <<'C'
static int lint(struct finding_list *l)
{
    return auth_finding_add(l, "dmarc.policy-none", SEV_WARN, "p=none", 0, 0, 0);
}
C
cat > "$T_TMP/prose/lint.c" <<'C'
/* The checks map this kind to "dmarc.policy-none". */
static const char *host = "mx.example.com";   /* a host name, not an id */
C
check "a planted id is caught" sh -c "! '$CHECK' '$T_TMP/planted' > '$T_TMP/out'"
check "the hit names the file and the id" grep -q 'planted/lint.c:3:"dmarc.policy-none"' "$T_TMP/out"
check "ids in comments and other dotted names pass" "$CHECK" "$T_TMP/prose"
check "checks/ does hold ids (the check has something to find)" sh -c "! '$CHECK' '$SRC_DIR/checks' > /dev/null"
finish
