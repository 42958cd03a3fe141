#!/usr/bin/env bash
# Makes sure a Docker daemon answers, starting one with no bridge network if needed.
#
#   scripts/start-dockerd.sh        idempotent: does nothing when `docker info` already answers
#
# When no daemon answers it installs Debian's docker.io (apt-get) if dockerd is missing, starts
#   dockerd --bridge=none --iptables=false --ip6tables=false
# in the background (no bridge, no NAT rules: containers get --network none or host only, and
# nothing is published on a non-loopback address), logs to $CRONIUM_DOCKERD_LOG
# (default /var/log/cronium-dockerd.log, or /tmp/cronium-dockerd.log when /var/log is not
# writable) and waits up to $CRONIUM_DOCKERD_TIMEOUT seconds (default 60) for `docker info`.
# Needs root, or sudo without a password, for apt-get and dockerd.
set -euo pipefail

timeout=${CRONIUM_DOCKERD_TIMEOUT:-60}

say() { printf 'start-dockerd: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else say "need root (or sudo) to run: $*"; return 1
  fi
}

docker_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

if docker_answers; then
  say "a Docker daemon already answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi

conf=/etc/docker/daemon.json
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  # On a machine with systemd the package starts its own daemon: make that one bridge-less too.
  if ! as_root test -e "$conf"; then
    say "writing $conf (no bridge, no iptables) before installing docker.io"
    as_root mkdir -p /etc/docker
    printf '{\n  "bridge": "none",\n  "iptables": false,\n  "ip6tables": false\n}\n' | as_root tee "$conf" >/dev/null
  fi
  say "installing docker.io with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io >&2 \
    || { as_root apt-get update -q >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io >&2; }
fi

log=${CRONIUM_DOCKERD_LOG:-}
if [ -z "$log" ]; then
  if as_root test -w /var/log; then log=/var/log/cronium-dockerd.log; else log=/tmp/cronium-dockerd.log; fi
fi

# dockerd refuses a setting given both as a flag and in daemon.json: pass only those the file lacks.
flags=()
for setting in bridge=none iptables=false ip6tables=false; do
  as_root grep -qs "\"${setting%%=*}\"" "$conf" || flags+=("--$setting")
done

# A daemon of ours may still be starting (a concurrent call): wait for it rather than start a second.
began=$SECONDS
if ! pgrep -x dockerd >/dev/null 2>&1; then
  say "starting dockerd ${flags[*]} (no bridge, no iptables); log: $log"
  # setsid + nohup: the daemon outlives this script and the test run's process group.
  # shellcheck disable=SC2016 # expanded by the inner sh
  as_root sh -c 'log=$1; shift; setsid nohup dockerd "$@" >>"$log" 2>&1 </dev/null &' sh "$log" "${flags[@]}"
else
  say "a dockerd process exists but does not answer yet; waiting for it"
fi

deadline=$((SECONDS + timeout))
until docker_answers; do
  if [ $((SECONDS - began)) -ge 3 ] && command -v pgrep >/dev/null 2>&1 && ! pgrep -x dockerd >/dev/null 2>&1; then
    say "ERROR: dockerd exited; last lines of $log:"
    as_root tail -n 30 "$log" >&2 2>/dev/null || true
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "ERROR: the Docker daemon did not answer within ${timeout}s; last lines of $log:"
    as_root tail -n 30 "$log" >&2 2>/dev/null || true
    if ! docker info >/dev/null 2>&1 && [ "$(id -u)" -ne 0 ]; then
      say "(if dockerd is running, this user may lack access to /var/run/docker.sock: add it to the docker group)"
    fi
    exit 1
  fi
  sleep 0.5
done
say "Docker daemon ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
