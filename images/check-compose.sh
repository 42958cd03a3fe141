#!/usr/bin/env bash
# Validates docker-compose.yml without starting anything: `docker-compose config -q` (or `docker compose`)
# with dummy values for the required variables; then checks that every published port is on 127.0.0.1
# and that a missing key is refused. Installs Debian's docker-compose with apt-get when neither exists.
#
#   images/check-compose.sh [FILE]      default: docker-compose.yml at the repository root
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
file=$(realpath "${1:-$here/../docker-compose.yml}")
say() { printf 'check-compose: %s\n' "$*" >&2; }

compose=()
if command -v docker-compose >/dev/null 2>&1; then compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then compose=(docker compose)
else
  say "installing Debian's docker-compose with apt-get"
  sudo_=(); [ "$(id -u)" -eq 0 ] || sudo_=(sudo -n)
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null \
    || { "${sudo_[@]}" apt-get update -qq >/dev/null && "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; }
  compose=(docker-compose)
fi

dummy() {
  env CRONIUM_SIGNING_KEY=ZHVtbXktc2lnbmluZy1rZXktZm9yLWNvbXBvc2UtY2hlY2s= \
      CRONIUM_CREDENTIAL_KEY=ZHVtbXktY3JlZGVudGlhbC1rZXktMzItYnl0ZXMtb2s= \
      CRONIUM_ORCHESTRATOR_KEY=dummy-orchestrator-key-for-the-compose-check \
      CRONIUM_POSTGRES_PASSWORD=dummy-postgres-password \
      CRONIUM_VALKEY_PASSWORD=dummy-valkey-password \
      CRONIUM_DOCKER_GID=999 \
      "$@"
}

# --env-file /dev/null: an .env file beside the compose file must not fill in what this check leaves unset.
empty=$(mktemp); trap 'rm -f "$empty"' EXIT
compose+=(--env-file "$empty" -f "$file")

dummy "${compose[@]}" config -q
say "$file: valid ($(docker-compose version --short 2>/dev/null || docker compose version --short 2>/dev/null || echo '?'))"

resolved=$(dummy "${compose[@]}" config)
py=''
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import yaml' 2>/dev/null; then py=$candidate; break; fi
done
if [ -z "$py" ]; then
  say "no python3 with PyYAML (Debian: python3-yaml): the loopback-port check is skipped"
else
# Every published port on 127.0.0.1, no host networking (the resolved file, short or long port syntax).
printf '%s\n' "$resolved" | "$py" -c '
import sys, yaml
doc = yaml.safe_load(sys.stdin)
bad = []
for name, svc in (doc.get("services") or {}).items():
    if svc.get("network_mode") == "host":
        bad.append("%s: network_mode host" % name)
    for port in svc.get("ports") or []:
        if isinstance(port, dict):
            ok = port.get("host_ip") == "127.0.0.1" or "published" not in port
        else:
            ok = str(port).startswith("127.0.0.1:")
        if not ok:
            bad.append("%s: %s" % (name, port))
if bad:
    sys.exit("published beyond loopback: " + "; ".join(bad))
 ' || { say "a port is published on an address other than 127.0.0.1 (see above)"; exit 1; }
  say "ports: loopback only"
fi

if env -u CRONIUM_SIGNING_KEY CRONIUM_CREDENTIAL_KEY=x CRONIUM_ORCHESTRATOR_KEY=x CRONIUM_POSTGRES_PASSWORD=x CRONIUM_VALKEY_PASSWORD=x CRONIUM_DOCKER_GID=999 \
     "${compose[@]}" config -q >/dev/null 2>&1; then
  say "CRONIUM_SIGNING_KEY unset was accepted: the keys must be required"; exit 1
fi
say "a missing key is refused"
