#!/bin/sh
# The first build step of every runner image (images/runner-*/Dockerfile), run as root:
#   runner-setup.sh [COMMAND:PACKAGE ...]
# installs only what the base lacks (bash, curl, jq, tini, CA certificates, and each COMMAND from its Debian
# PACKAGE), so on cronium/base:local (images/build-local-base.sh) nothing is missing and the step needs no
# network at all; then makes user cronium (10001), /work and /opt/cronium/helpers, and links
# /usr/local/bin/cronium.sh to the bash helper (copied there by each Dockerfile).
set -eu
missing=''
for tool in bash curl jq tini; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done
for pair in "$@"; do command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"; done
[ -s /etc/ssl/certs/ca-certificates.crt ] || missing="$missing ca-certificates"
if [ -n "$missing" ]; then
  echo "installing:$missing"
  apt-get update -q
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*
fi
[ -x /usr/bin/tini ] || ln -s "$(command -v tini)" /usr/bin/tini
if command -v useradd >/dev/null 2>&1; then
  groupadd --gid 10001 cronium
  useradd --uid 10001 --gid 10001 --no-create-home --home-dir /work --shell /bin/bash --comment 'Cronium job' cronium
else
  echo 'cronium:x:10001:' >>/etc/group
  echo 'cronium:x:10001:10001:Cronium job:/work:/bin/bash' >>/etc/passwd
fi
mkdir -p /work /opt/cronium/helpers
chown 10001:10001 /work
# Where Cronium's runner images kept the bash helper: its scripts `source /usr/local/bin/cronium.sh`.
ln -sf /opt/cronium/helpers/bash/cronium.sh /usr/local/bin/cronium.sh
