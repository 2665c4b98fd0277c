#!/bin/sh
# Install the packages built by deb.sh with apt, check the program, its man
# page and the library's pkg-config file, then remove them again.
#   deb-test.sh DEBDIR
set -eu
dir=$(cd "$1" && pwd)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
removed=no
cleanup() { [ $removed = yes ] || $SUDO apt-get remove -y -qq mailctl libauth-dev libauth0 >/dev/null 2>&1 || true; }
trap cleanup EXIT
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    "$dir"/mailctl_*.deb "$dir"/libauth0_*.deb "$dir"/libauth-dev_*.deb
/usr/bin/mailctl --version
man -w mailctl
man -w mailctl-check-dns
man -w 3 libauth
test -f /usr/share/bash-completion/completions/mailctl
test -f /usr/share/zsh/vendor-completions/_mailctl
test -f /usr/share/locale/zh_CN/LC_MESSAGES/mailctl.mo
pkg-config --modversion libauth
# libauth-dev: a program builds and links against the installed library.
tmp=$(mktemp -d)
printf '#include <auth/status.h>\nint main(void) { return auth_strerror(AUTH_OK) == 0; }\n' > "$tmp/t.c"
cc "$tmp/t.c" -o "$tmp/t" $(pkg-config --cflags --libs libauth) && "$tmp/t"
rm -rf "$tmp"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq mailctl libauth-dev libauth0
removed=yes
! command -v mailctl >/dev/null 2>&1 || [ "$(command -v mailctl)" != /usr/bin/mailctl ]
echo "deb-test: installed, checked and removed"
