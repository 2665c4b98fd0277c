#!/bin/sh
# test_help.sh - every --help ends with two or three examples that only use
# options the command accepts; typos get "did you mean", exit 2.
. "$(dirname "$0")/lib.sh"

# The examples block: the lines after the last "examples:" line.
examples_of() { sed -n '/^examples:$/,$p' | tail -n +2; }

# Each example starts "  PROG ..." (continuations are indented further), and
# every --option in it is one of the command's (or a subcommand's) own.
examples_ok() {   # PROG CMD HELPFILE
    prog=$1; cmd=$2; f=$3
    examples_of < "$f" > "$T_TMP/ex"
    n=$(grep -c "^  $prog " "$T_TMP/ex")
    [ "$n" -ge 2 ] && [ "$n" -le 3 ] || { echo "  $cmd: $n examples"; return 1; }
    grep -v "^  $prog \|^      " "$T_TMP/ex" && { echo "  $cmd: stray line"; return 1; }
    [ "$(tail -n 1 "$f")" = "$(tail -n 1 "$T_TMP/ex")" ] || return 1
    for opt in $(grep -o -- ' --[a-z0-9-]*' "$T_TMP/ex" | sort -u); do
        grep -qx -- "$opt" "$T_TMP/accepted" || { echo "  $cmd: example uses $opt"; return 1; }
    done
}

for cmd in $(commands); do
    { global_options; command_options "$cmd"
      for sub in $(subcommands "$cmd"); do command_options "$cmd" "$sub"; done; } \
        | sort -u > "$T_TMP/accepted"
    "$MAILCTL" "$cmd" --help > "$T_TMP/help" 2>&1
    check "$cmd --help exits 0" [ $? -eq 0 ]
    check "$cmd --help ends with examples" examples_ok mailctl "$cmd" "$T_TMP/help"
done

command_options dkim keygen > "$T_TMP/accepted"
"$BUILD_DIR/dkimkeygen" --help > "$T_TMP/help"
check "dkimkeygen --help ends with examples" examples_ok dkimkeygen dkimkeygen "$T_TMP/help"

# expect_usage_error "STDERR LINE" ARGS...: exit 2, that first line, a Try line.
expect_usage_error() {
    want=$1; shift
    "$MAILCTL" "$@" > "$T_TMP/out" 2> "$T_TMP/err"
    rc=$?
    [ $rc -eq 2 ] || { echo "  exit $rc for $*"; return 1; }
    [ ! -s "$T_TMP/out" ] || return 1
    [ "$(head -n 1 "$T_TMP/err")" = "$want" ] || { echo "  got: $(cat "$T_TMP/err")"; return 1; }
    [ "$(wc -l < "$T_TMP/err")" -eq 2 ] && grep -q "^Try 'mailctl.*--help'\.$" "$T_TMP/err"
}
check "typo in a command" expect_usage_error \
    "mailctl: unknown command 'chek-dns'; did you mean check-dns?" chek-dns example.com
check "swapped letters" expect_usage_error \
    "mailctl: unknown command 'xm'; did you mean mx?" xm example.com
check "prefix of a command" expect_usage_error \
    "mailctl: unknown command 'send'; did you mean send-test?" send
check "nothing near" expect_usage_error "mailctl: unknown command 'frobnicate'" frobnicate
check "typo in an option" expect_usage_error \
    "mailctl: unknown option '--jsn'; did you mean --json?" check-dns example.com --jsn
check "typo in an option with a value" expect_usage_error \
    "mailctl: unknown option '--formt'; did you mean --format?" check-dns --formt=json x.example
check "option of another command" expect_usage_error \
    "mailctl: unknown option '--bogus'" ptr 192.0.2.1 --bogus
check "missing value" expect_usage_error "mailctl: option '--ip' needs a value" check-dns a.example --ip
check "unknown short option" expect_usage_error "mailctl: unknown option '-z'" mx -z a.example
check "typo in a subcommand" expect_usage_error \
    "mailctl: unknown dkim subcommand 'sgin'; did you mean sign?" dkim sgin
check "typo in a subcommand option" expect_usage_error \
    "mailctl: unknown option '--selectr'; did you mean --selector?" dkim record a.example --selectr s
check "typo in a global option" expect_usage_error \
    "mailctl: unknown option '--resolvr'; did you mean --resolver?" --resolvr 127.0.0.1 mx a.example

# The hint names the program's and (sub)command's own --help, which works.
hint_names_own_help() {   # "PROG WORDS..." then the command line
    want=$1; shift
    "$@" --bogus > "$T_TMP/out" 2> "$T_TMP/err"
    [ $? -eq 2 ] || return 1
    [ "$(tail -n 1 "$T_TMP/err")" = "Try '$want --help'." ] || { echo "  got: $(cat "$T_TMP/err")"; return 1; }
    "$@" --help > "$T_TMP/out" 2>&1 || { echo "  $* --help fails"; return 1; }
}
check "dkimkeygen's hint names dkimkeygen" hint_names_own_help dkimkeygen "$BUILD_DIR/dkimkeygen"
"$BUILD_DIR/dkimkeygen" --bogus 2> "$T_TMP/err"
check "dkimkeygen's errors name dkimkeygen" grep -qx "dkimkeygen: unknown option '--bogus'" "$T_TMP/err"
for cmd in $(commands); do
    subs=$(subcommands "$cmd")
    [ -n "$subs" ] || { check "$cmd hint" hint_names_own_help "mailctl $cmd" "$MAILCTL" "$cmd"; continue; }
    for sub in $subs; do
        case $cmd in dmarc) want="mailctl $cmd" ;; *) want="mailctl $cmd $sub" ;; esac
        check "$cmd $sub hint" hint_names_own_help "$want" "$MAILCTL" "$cmd" "$sub"
    done
done
check "dmarc check --help" sh -c '"$0" dmarc check --help | grep -q "^usage: mailctl dmarc check"' "$MAILCTL"
finish
