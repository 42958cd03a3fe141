#!/usr/bin/env bash
# Checks which Debian mirror images/build-local-base.sh picks (--print-mirror) from sample apt sources:
# the machine's own archive for the suite, never a security, source or disabled entry, and debootstrap's
# default when apt has none. No root, no network; the samples live in a temporary folder removed at the end.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0

expect() { # expect NAME WANTED [ENV...]: what --print-mirror says with $dir/etc as apt's folder
  local name=$1 want=$2 got
  shift 2
  got=$(env CRONIUM_APT_DIR="$dir/etc" CRONIUM_DEBIAN_SUITE=bookworm "$@" "$here/build-local-base.sh" --print-mirror)
  if [ "$got" = "$want" ]; then echo "ok     $name"; else echo "FAIL   $name: wanted '$want', got '$got'"; failed=1; fi
}

mkdir -p "$dir/etc/sources.list.d"
expect "no apt sources: debootstrap's default" "debootstrap's default mirror"

cat >"$dir/etc/sources.list.d/debian.sources" <<'SOURCES'
Types: deb-src
URIs: http://src.mirror.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://old.mirror.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb
# a comment inside the stanza
URIs: http://security.mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://mirror.example/debian http://second.example/debian
Suites: bookworm bookworm-updates
Components: main
SOURCES
expect "deb822: the first enabled binary source for the suite" "http://mirror.example/debian"
expect "the environment wins" "http://chosen.example/debian" CRONIUM_DEBIAN_MIRROR=http://chosen.example/debian
expect "another suite: debootstrap's default" "debootstrap's default mirror" CRONIUM_DEBIAN_SUITE=trixie

rm "$dir/etc/sources.list.d/debian.sources"
cat >"$dir/etc/sources.list" <<'LIST'
# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian.gpg] http://proxy.example:3142/debian bookworm main
LIST
expect "one-line sources with options" "http://proxy.example:3142/debian"

[ "$failed" -eq 0 ] && echo "images/test-mirror.sh: all checks passed"
exit "$failed"
