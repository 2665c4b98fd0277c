#!/bin/sh
# Build every fuzz/fuzz_NAME.c as a libFuzzer target (clang, ASan+UBSan,
# linked with all of libauth) and run each.
#   FUZZ_RUNS=N     executions per target (default 20000; the issues' bar is
#                   1000000: FUZZ_RUNS=1000000 make fuzz)
#   FUZZ_ONLY=NAME  just that target
# Seeds: fuzz/corpus/NAME/ when present (copied to a scratch corpus).
set -eu
runs=${FUZZ_RUNS:-20000}
out=build-fuzz
mkdir -p "$out/obj"
pkgs="ldns libssl libcrypto jansson libpsl libidn2 libcurl expat zlib libarchive sqlite3"
cflags="-std=c11 -D_GNU_SOURCE -g -O1 -Ilibauth/include -Ilibauth $(pkg-config --cflags $pkgs)"
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
libs="$(pkg-config --libs $pkgs) -lm"
objs=""
for src in $(find libauth -name '*.c' | sort); do
    o="$out/obj/$(echo "$src" | tr '/' '_' | sed 's/\.c$/.o/')"
    # rebuilt when the source or any libauth header is newer (a header can
    # change a struct every file shares)
    if [ ! -f "$o" ] || [ "$src" -nt "$o" ] ||
       [ -n "$(find libauth -name '*.h' -newer "$o" | head -n 1)" ]; then
        clang $cflags $san -c "$src" -o "$o"
    fi
    objs="$objs $o"
done
status=0
for f in fuzz/fuzz_*.c; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .c)
    [ -z "${FUZZ_ONLY:-}" ] || [ "$FUZZ_ONLY" = "$name" ] || [ "$FUZZ_ONLY" = "${name#fuzz_}" ] || continue
    # the harness is held to the project's warnings (a dropped status, say)
    clang $cflags -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all "$f" $objs -o "$out/$name" $libs
    corpus="$out/corpus/$name"
    mkdir -p "$corpus"
    [ -d "fuzz/corpus/${name#fuzz_}" ] && cp -n fuzz/corpus/"${name#fuzz_}"/* "$corpus"/ 2>/dev/null || true
    echo "== $name: $runs runs"
    if ! "$out/$name" -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
         -print_final_stats=1 "$corpus" > "$out/$name.log" 2>&1; then
        echo "FAIL: $name (see $out/$name.log)"; tail -30 "$out/$name.log"; status=1
    else
        grep -E 'stat::number_of_executed_units|Done' "$out/$name.log" | tail -2
    fi
done
exit $status
