#!/bin/sh
# test_completion.sh - bash completion (completion/mailctl.bash) run through
# bash-completion's own machinery: commands, subcommands, options and fixed
# value sets complete as the program lists them; the zsh one parses.
. "$(dirname "$0")/lib.sh"
BASH_COMPLETION=/usr/share/bash-completion/bash_completion

# complete WORD...: the sorted completions offered for the last word.
complete() {
    PATH=$BUILD_DIR:$PATH bash -c '
        . "$0" || exit 1
        . "$1" || exit 1
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _mailctl "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}" | sort' \
        "$BASH_COMPLETION" "$SRC_DIR/completion/mailctl.bash" "$@"
}

# offers "WANT" WORD...: the completions are exactly WANT (space-separated).
offers() {
    want=$1; shift
    got=$(complete "$@" | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] || { echo "  for '$*': got '$got', want '$want'"; return 1; }
}
# includes "WANT..." WORD...: each of WANT is offered.
includes() {
    want=$1; shift
    complete "$@" > "$T_TMP/c"
    for w in $want; do grep -qx -- "$w" "$T_TMP/c" || { echo "  '$*' lacks $w"; return 1; }; done
}

check "commands" offers "check-dns" mailctl chec
check "every command" offers "$(commands | sort | tr '\n' ' ' | sed 's/ $//')" mailctl ""
check "command after a global option with a value" offers "mx" mailctl --resolver 127.0.0.1 m
check "global options" includes "--resolver --timeout --json --version" mailctl --
check "subcommands" offers "keygen record sign verify" mailctl dkim ""
check "spf subcommands" offers "check lint tree" mailctl spf ""
check "command options" includes "--selector --format --checks --profile --json" mailctl check-dns --
check "option prefix" offers "--fail-on --file --format" mailctl check-dns example.com --f
check "subcommand options" offers "--selector" mailctl dkim record example.com --sel
check "--format values" offers "expect json junit text" mailctl check-dns example.com --format ""
check "--format=value" offers "json junit" mailctl check-dns --format=j
check "--profile values" offers "gmail-bulk" mailctl check-dns --profile gm
check "--checks values" includes "dkim dmarc dnsbl dnssec mx spf" mailctl check-dns --checks ""
check "--checks list" offers "mx,spf" mailctl check-dns --checks mx,sp
check "--algorithm of keygen" offers "ed25519 rsa" mailctl dkim keygen --algorithm ""
check "--algorithm of sign" offers "ed25519-sha256 rsa-sha256" mailctl dkim sign --algorithm ""
check "--algorithm of setup" offers "ed25519 rsa" mailctl setup example.com --algorithm ""
check "--tls values" offers "implicit" mailctl send-test --tls im
check "--dkim-discovery values" offers "common provider" mailctl check-dns --dkim-discovery ""
check "dkimkeygen options" offers "--from-key" dkimkeygen --from
check "dkimkeygen values" offers "ed25519 rsa" dkimkeygen --algorithm ""
check "a value is not taken for a command" offers "check-dns" mailctl --timeout check check-d
# The value sets completion offers are the values the commands accept: each
# listed value gets past option parsing (the error that follows, for the
# missing operands, does not name the option), a bogus one is refused by name.
values_accepted() {   # COMMAND [SUB]
    value_sets "$@" > "$T_TMP/sets"
    [ -s "$T_TMP/sets" ] || return 0
    rc=0
    while read -r opt values; do
        for v in $values; do
            # dmarc takes its options before the word "check"
            "$MAILCTL" "$@" "$opt=$v" $( [ "$1" = dmarc ] && echo check ) \
                > /dev/null 2> "$T_TMP/err" < /dev/null
            if grep -q -- "$opt" "$T_TMP/err"; then
                echo "  $* $opt=$v refused: $(head -n 1 "$T_TMP/err")"; rc=1
            fi
        done
    done < "$T_TMP/sets"
    return $rc
}
for cmd in $(commands); do
    for sub in "" $(subcommands "$cmd"); do
        check "values listed for $cmd $sub are accepted" values_accepted $cmd $sub
    done
done
for opt in --format --checks --profile --fail-on; do
    "$MAILCTL" check-dns "$opt=bogus" > /dev/null 2> "$T_TMP/err"
    check "check-dns $opt=bogus is refused by name" grep -q -- "$opt" "$T_TMP/err"
done

check "zsh completion parses" zsh -n "$SRC_DIR/completion/_mailctl"

# zsh_offers "WANT" WORD...: completion/_mailctl offers exactly WANT.
zsh_offers() {
    want=$1; shift
    got=$(PATH=$BUILD_DIR:$PATH zsh -f "$SRC_DIR/tests/shell/zsh_complete.zsh" "$@" 2>&1 \
          | sort | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] || { echo "  zsh, for '$*': got '$got', want '$want'"; return 1; }
}
check "zsh: commands" zsh_offers "$(commands | sort | tr '\n' ' ' | sed 's/ $//')" mailctl ""
check "zsh: after a global option's value" \
    zsh_offers "$(commands | sort | tr '\n' ' ' | sed 's/ $//')" mailctl --timeout 3 ""
check "zsh: subcommands" zsh_offers "keygen record sign verify" mailctl dkim ""
check "zsh: --format values" zsh_offers "expect json junit text" mailctl check-dns --format ""
check "zsh: --algorithm of sign" zsh_offers "ed25519-sha256 rsa-sha256" mailctl dkim sign --algorithm ""
check "zsh: dkimkeygen --algorithm" zsh_offers "ed25519 rsa" dkimkeygen --algorithm ""
check "zsh: --checks values" zsh_offers \
    "$("$MAILCTL" --list-options check-dns | sed -n 's/^--checks=//p' | tr '|' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" \
    mailctl check-dns --checks ""
check "zsh: a file value" zsh_offers "<files>" mailctl check-dns --file ""
finish
