#!/bin/sh
# Build the Debian packages from a fresh clone of the committed tree (so
# nothing uncommitted or already built leaks in) and copy them to OUT.
#   deb.sh OUT
set -eu
out=$(mkdir -p "$1" && cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$src" "$work/mailctl"
(cd "$work/mailctl" && dpkg-buildpackage -b -us -uc)
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
lintian --fail-on warning,error --tag-display-limit 0 "$out"/*.changes
ls -l "$out"
