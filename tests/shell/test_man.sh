#!/bin/sh
# test_man.sh - the man pages in man/: every page renders without a warning
# (mandoc -T lint, and man -l through groff -ww); every command has a page;
# each page names exactly the options its command accepts (the command's own
# getopt table, from `mailctl --list-options`); the libauth(3) example
# builds through pkg-config against the build and runs.
. "$(dirname "$0")/lib.sh"
MAN=$SRC_DIR/man

render() { mandoc -T ascii -O width=400 "$1" | col -b; }

lint_clean() {
    out=$(mandoc -T lint -W warning "$1" 2>&1; MANROFFOPT=-ww man -l "$1" 2>&1 >/dev/null)
    [ -z "$out" ] || { echo "$out"; return 1; }
}

# The options COMMAND [SUB...] accepts beyond the global ones, one per line.
own_options() {
    { command_options "$@"
      [ $# -eq 1 ] && for sub in $(subcommands "$1"); do command_options "$1" "$sub"; done
    } | sort -u | grep -vxF -f "$T_TMP/globals"
}

# page_agrees PAGE ACCEPTED ALLOWED: every option of ACCEPTED is named in the
# page; every --option the page names is in ALLOWED.
page_agrees() {
    render "$1" > "$T_TMP/text"
    rc=0
    while read -r opt; do
        case $opt in
        --*) grep -q -- "$opt\([^a-z0-9-]\|$\)" "$T_TMP/text" ;;
        *) grep -q -- "\(^\|[^a-zA-Z0-9-]\)$opt\([^a-zA-Z0-9-]\|$\)" "$T_TMP/text" ;;
        esac || { echo "  $(basename "$1") does not mention $opt"; rc=1; }
    done < "$2"
    for opt in $(grep -o -- '--[a-z0-9][a-z0-9-]*' "$T_TMP/text" | sort -u); do
        grep -qxF -- "$opt" "$3" || { echo "  $(basename "$1") names $opt, not accepted"; rc=1; }
    done
    return $rc
}

global_options > "$T_TMP/globals"

for page in "$MAN"/*.[1-9]; do
    check "$(basename "$page") renders without warnings" lint_clean "$page"
done

: > "$T_TMP/all"
for cmd in $(commands); do
    page=$MAN/mailctl-$cmd.1
    check "mailctl-$cmd.1 exists" [ -f "$page" ]
    [ -f "$page" ] || continue
    own_options "$cmd" > "$T_TMP/own"
    cat "$T_TMP/own" "$T_TMP/globals" > "$T_TMP/allowed"
    cat "$T_TMP/own" >> "$T_TMP/all"
    check "mailctl-$cmd.1 names the options of $cmd" page_agrees "$page" "$T_TMP/own" "$T_TMP/allowed"
    check "mailctl.1 lists $cmd" grep -q "^\.Xr mailctl-$cmd 1" "$MAN/mailctl.1"
done

# values_named PAGE COMMAND [SUB]: each value of a fixed set (what shell
# completion offers) is named in the page.
values_named() {
    page=$1; shift
    render "$page" > "$T_TMP/text"
    value_sets "$@" > "$T_TMP/sets"
    rc=0
    while read -r opt values; do
        for v in $values; do
            grep -q -- "\(^\|[^a-z0-9-]\)$v\([^a-z0-9-]\|$\)" "$T_TMP/text" ||
                { echo "  $(basename "$page"): $* $opt $v not named"; rc=1; }
        done
    done < "$T_TMP/sets"
    return $rc
}
for cmd in $(commands); do
    [ -f "$MAN/mailctl-$cmd.1" ] || continue
    for sub in "" $(subcommands "$cmd"); do
        check "mailctl-$cmd.1 names the values of $cmd $sub" \
            values_named "$MAN/mailctl-$cmd.1" $cmd $sub
    done
done

cat "$T_TMP/globals" "$T_TMP/all" | sort -u > "$T_TMP/allowed"
check "mailctl.1 names the global options" page_agrees "$MAN/mailctl.1" "$T_TMP/globals" "$T_TMP/allowed"

own_options dkim keygen > "$T_TMP/own"
cat "$T_TMP/own" "$T_TMP/globals" > "$T_TMP/allowed"
check "dkimkeygen.1 names the options of dkimkeygen" \
    page_agrees "$MAN/dkimkeygen.1" "$T_TMP/own" "$T_TMP/allowed"

# A wrong page must fail: drop one option line from a copy of a page.
sed '/^\.It Fl \\-no\\-smtp$/,/^\.It /{/^\.It Fl \\-no\\-smtp$/d}' "$MAN/mailctl-check-dns.1" \
    | sed 's/\[--no-smtp\]//; /Op Fl \\-no\\-smtp/d' > "$T_TMP/bad.1"
own_options check-dns > "$T_TMP/own"
cat "$T_TMP/own" "$T_TMP/globals" > "$T_TMP/allowed"
if page_agrees "$T_TMP/bad.1" "$T_TMP/own" "$T_TMP/allowed" > /dev/null; then
    fail "a page missing an option is caught"
else
    pass "a page missing an option is caught"
fi
printf '.Pp\nUse\n.Fl \\-no\\-such\\-option .\n' >> "$T_TMP/bad.1"
if page_agrees "$T_TMP/bad.1" "$T_TMP/own" "$T_TMP/allowed" | grep -q -- '--no-such-option'; then
    pass "a page naming a rejected option is caught"
else
    fail "a page naming a rejected option is caught"
fi

# libauth(3): the program of its EXAMPLES section, built with pkg-config
# flags pointing at this build, run on a record.
example_runs() {
    sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$MAN/libauth.3" \
        | awk '/^\.Ed/ { exit } go { print } /^\.Bd -literal/ { go = 1 }' \
        | sed 's/\\-/-/g; s/\\e/\\/g' > "$T_TMP/example.c"
    grep -q 'main(' "$T_TMP/example.c" || return 1
    ln -s "$BUILD_DIR/libauth.so" "$T_TMP/libauth.so.0"
    cflags=$(PKG_CONFIG_PATH=$BUILD_DIR pkg-config --define-variable=includedir="$SRC_DIR/libauth/include" --cflags libauth)
    libs=$(PKG_CONFIG_PATH=$BUILD_DIR pkg-config --define-variable=libdir="$BUILD_DIR" --libs libauth)
    # a library built for check-asan needs the sanitizer runtimes in the program too
    san=$(nm -D "$BUILD_DIR/libauth.so" | grep -q ' U __asan_' && echo -fsanitize=address,undefined)
    cc -std=c11 -Wall -Wextra -Werror $san $cflags "$T_TMP/example.c" -o "$T_TMP/example" $libs \
        || return 1
    out=$(LD_LIBRARY_PATH=$T_TMP "$T_TMP/example" 'v=spf1 mx include:_spf.example.net -all') || return 1
    echo "$out" | grep -q '^include *_spf.example.net$' || { echo "$out"; return 1; }
    ! LD_LIBRARY_PATH=$T_TMP "$T_TMP/example" 'v=spf1 ip4:300.1.1.1 -all' > /dev/null 2>&1
}
check "libauth.3 example builds with pkg-config and runs" example_runs
finish
