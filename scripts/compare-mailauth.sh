#!/bin/sh
# Compare `mailctl auth` with mailauth (npm mailauth@4.13.3, an independent
# SPF/DKIM/DMARC implementation) on the DMARC test messages and zones; see
# docs/comparison-mailauth.md.  `make compare` runs it.
#
#   compare-mailauth.sh [BUILD]
#
# mailauth is installed with npm into BUILD/peers/node_modules (gitignored,
# under the build directory) on first use, so the first run needs the npm
# registry; later runs are offline.  Both implementations get DNS from the
# test NSD on 127.0.0.1 only (build/tools/with-nsd).  Exit 0 when every
# disagreement is one the document explains.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${1:-build}
peers="$root/$build/peers"
version=4.13.3

command -v node >/dev/null || { echo "compare: node not found (Debian nodejs)" >&2; exit 3; }
installed=$(node -p "try { require('$peers/node_modules/mailauth/package.json').version } catch (e) { '' }")
if [ "$installed" != "$version" ]; then
    command -v npm >/dev/null || { echo "compare: npm not found (apt-get install npm)" >&2; exit 3; }
    echo "compare: installing mailauth@$version into $build/peers" >&2
    mkdir -p "$peers"
    npm install --prefix "$peers" --no-audit --no-fund --loglevel=error "mailauth@$version" >&2
fi
exec "$build/tools/with-nsd" -- node tests/peers/compare-mailauth.js "$build/mailctl" "$peers" \
    "$root/testdata"
