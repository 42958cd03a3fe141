#!/bin/bash
# The runtime image's HEALTHCHECK: exits 0 when GET /health/live answers 200. Needs no dotnet: curl when the
# image has it (over the Unix socket when there is one, else TCP), else bash's /dev/tcp over TCP.
# CRONIUM_HEALTH_PORT overrides the port taken from Urls (default 8081).
set -u
path=/health/live
sock=${Runtime__UnixSocket:-}
url=${Urls:-http://127.0.0.1:8081}
url=${url%%;*}
port=${CRONIUM_HEALTH_PORT:-${url##*:}}
port=${port%%/*}
[[ $port =~ ^[0-9]+$ ]] || port=8081
tcp=1
case ${Runtime__ListenTcp:-true} in [Ff]alse|0) tcp=0 ;; esac

if command -v curl >/dev/null 2>&1; then
  if [ -n "$sock" ] && [ -S "$sock" ]; then
    exec curl -fsS -o /dev/null --max-time 3 --unix-socket "$sock" "http://localhost$path"
  fi
  exec curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$port$path"
fi

[ "$tcp" = 1 ] || { echo "healthcheck: no curl in this image and no TCP listener (Runtime__ListenTcp=false)" >&2; exit 1; }
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS=' ' read -r -t 3 _ status _ <&3 || exit 1
[ "$status" = 200 ]
