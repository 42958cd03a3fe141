#!/usr/bin/env bash
# The compose stack for real: builds PostgreSQL and Redis images from Debian packages on the local base
# (cronium/base:local) and the `cronium serve` image from a self-contained publish, hands them to
# docker-compose.yml through its image variables, brings the stack up on the host network bound to 127.0.0.1
# (images/compose-test.override.yml: no bridge network, nothing beyond loopback), puts a workflow scheduled
# every 5 s (images/compose-test/defs) and waits for a run of it to succeed on the docker backend (its
# nodes in runner containers with no network), then brings it down and checks nothing is left: no container,
# volume or runner container; the images it built and its folders are removed too.
#
#   images/compose-test.sh      needs dockerd, cronium/base:local and the runner images (images/build.sh --local),
#                               docker-compose or `docker compose` (images/check-compose.sh installs it), root or sudo
#                               for the jobs folder's owner. CRONIUM_COMPOSE_TEST_SECONDS bounds the waits (default 180).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
say() { printf 'compose-test: %s\n' "$*" >&2; }
limit=${CRONIUM_COMPOSE_TEST_SECONDS:-180}
start=$SECONDS
project=cronium-compose-test
postgres_image=cronium/compose-test-postgres:local
redis_image=cronium/compose-test-redis:local
service_image=cronium/service:compose-test

compose=()
if command -v docker-compose >/dev/null 2>&1; then compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then compose=(docker compose)
else say "neither docker-compose nor docker compose (images/check-compose.sh installs Debian's)"; exit 1; fi
for image in cronium/base:local cronium/runner-bash:latest cronium/runner-python:latest; do
  docker image inspect "$image" >/dev/null 2>&1 || { say "$image is missing (images/build.sh --local)"; exit 1; }
done
sudo_=(); [ "$(id -u)" -eq 0 ] || sudo_=(sudo -n)

work=$(mktemp -d /tmp/cronium-compose-test.XXXXXX)
# The jobs' work folders: the same path on the host and in the service (the daemon mounts them by host path).
jobs=$work/jobs
mkdir -m 0755 "$jobs"
"${sudo_[@]}" chown 10001:10001 "$jobs"
built=()
dangling_before=$(docker images -q -f dangling=true --no-trunc | sort)
cleanup() {
  local rc=$?
  [ "$rc" -eq 0 ] || { say "FAILED; the stack's last words:"; "${compose[@]}" logs --no-color --tail 60 >&2 2>/dev/null || true; }
  timeout 120 "${compose[@]}" down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
  for image in "${built[@]}"; do docker rmi -f "$image" >/dev/null 2>&1 || true; done
  # The legacy builder leaves each multi-stage build's earlier stages behind as dangling images: ours go too.
  comm -13 <(printf '%s\n' "$dangling_before") <(docker images -q -f dangling=true --no-trunc | sort) \
    | xargs -r docker rmi >/dev/null 2>&1 || true
  "${sudo_[@]}" rm -rf "$work" "$root/artifacts/service-image"
  exit "$rc"
}
trap cleanup EXIT

# Three free loopback ports, the keys, and the compose command with the base file less what host networking refuses.
read -r service_port postgres_port valkey_port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
export CRONIUM_TEST_SERVICE_PORT=$service_port CRONIUM_TEST_POSTGRES_PORT=$postgres_port CRONIUM_TEST_VALKEY_PORT=$valkey_port
export CRONIUM_SIGNING_KEY=$(openssl rand -base64 32) CRONIUM_CREDENTIAL_KEY=$(openssl rand -base64 32)
export CRONIUM_ORCHESTRATOR_KEY=$(openssl rand -hex 32)
export CRONIUM_POSTGRES_PASSWORD=$(openssl rand -hex 24) CRONIUM_VALKEY_PASSWORD=$(openssl rand -hex 24)
export CRONIUM_DOCKER_GID=$(stat -c %g /var/run/docker.sock) CRONIUM_JOBS_DIR=$jobs
export CRONIUM_SERVICE_IMAGE=$service_image CRONIUM_POSTGRES_IMAGE=$postgres_image CRONIUM_VALKEY_IMAGE=$redis_image
python3 -c '
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
doc.pop("networks", None)
for svc in doc["services"].values():
    svc.pop("networks", None); svc.pop("ports", None)
yaml.safe_dump(doc, open(sys.argv[2], "w"), sort_keys=False)' "$root/docker-compose.yml" "$work/docker-compose.yml"
empty=$work/empty.env; : >"$empty"
compose+=(--env-file "$empty" --project-name "$project" --project-directory "$root" -f "$work/docker-compose.yml" -f "$here/compose-test.override.yml")

say "images: PostgreSQL and Redis from Debian packages on cronium/base:local, cronium serve self-contained"
for pair in "$postgres_image postgres" "$redis_image redis"; do
  set -- $pair
  built+=("$1")
  DOCKER_BUILDKIT=0 timeout 600 docker build -q --network host -f "$here/compose-test/$2.Dockerfile" -t "$1" "$here/compose-test" >/dev/null
done
rm -rf "$root/artifacts/service-image"
timeout 900 dotnet publish "$root/src/Cronium.Cli" -c Release -r linux-x64 --self-contained -o "$root/artifacts/service-image" --nologo -v q >&2
built+=("$service_image")
DOCKER_BUILDKIT=0 timeout 600 docker build -q --network none --target service-prebuilt --build-arg RUNTIME_BASE=cronium/base:local \
  -t "$service_image" "$root" >/dev/null
say "images built in $((SECONDS - start))s"

up=$SECONDS
timeout "$limit" "${compose[@]}" up -d --no-build >&2
api=http://127.0.0.1:$service_port
auth=(-H "Authorization: Bearer $CRONIUM_ORCHESTRATOR_KEY")
until curl -fsS -o /dev/null "$api/health/ready" 2>/dev/null; do
  [ $((SECONDS - up)) -lt "$limit" ] || { say "cronium serve never answered /health/ready on $api"; exit 1; }
  sleep 1
done
say "up in $((SECONDS - up))s: cronium serve on $api, PostgreSQL on 127.0.0.1:$postgres_port, Redis on 127.0.0.1:$valkey_port"

# The workflow and its files over HTTP, as a user would PUT them.
python3 -c '
import json, os, sys
d = sys.argv[1]
files = {f: open(os.path.join(d, f)).read() for f in sorted(os.listdir(d)) if f != "compose-check.yaml"}
print(json.dumps({"definition": open(os.path.join(d, "compose-check.yaml")).read(), "files": files}))' "$here/compose-test/defs" \
  | curl -fsS -X PUT "$api/v1/workflows/compose-check" "${auth[@]}" -H 'Content-Type: application/json' --data-binary @- >/dev/null

fired=$SECONDS
while :; do
  run=$(curl -fsS "$api/v1/runs?name=compose-check&status=succeeded&limit=1" "${auth[@]}" | jq -r '.items[0].runId // empty')
  [ -z "$run" ] || break
  failed=$(curl -fsS "$api/v1/runs?name=compose-check&status=failed&limit=1" "${auth[@]}" | jq -r '.items[0].runId // empty')
  [ -z "$failed" ] || { curl -fsS "$api/v1/runs/$failed" "${auth[@]}" | jq . >&2; say "a scheduled run failed"; exit 1; }
  [ $((SECONDS - fired)) -lt "$limit" ] || { say "no scheduled run succeeded within ${limit}s"; exit 1; }
  sleep 1
done
record=$(curl -fsS "$api/v1/runs/$run" "${auth[@]}")
where=$(jq -c '.nodes[] | select(.nodeId == "where") | .output' <<<"$record")
echo=$(jq -c '.nodes[] | select(.nodeId == "echo") | .output.received' <<<"$record")
jq -e '.container == true and .networks == 0 and (.scheduledAt | length) > 0' <<<"$where" >/dev/null \
  || { say "the node did not run in a runner container without a network: $where"; exit 1; }
[ "$where" = "$echo" ] || { say "the second node did not receive the first one's output: $echo"; exit 1; }
say "scheduled run $run succeeded in $((SECONDS - fired))s on the docker backend: $where"

# No more fires; the runs under way end; then every execution's runner container must be gone with the stack.
curl -fsS -X DELETE "$api/v1/workflows/compose-check" "${auth[@]}" >/dev/null
settled=$SECONDS
while [ -n "$(curl -fsS "$api/v1/runs?name=compose-check&status=running&limit=1" "${auth[@]}" | jq -r '.items[0].runId // empty')" ]; do
  [ $((SECONDS - settled)) -lt "$limit" ] || { say "a run never ended after its schedule was removed"; exit 1; }
  sleep 1
done
executions=$(curl -fsS "$api/v1/runs?name=compose-check&limit=500" "${auth[@]}" | jq -r '.items[].runId' \
  | while read -r id; do curl -fsS "$api/v1/runs/$id" "${auth[@]}" | jq -r '.executions[].executionId'; done)
timeout 120 "${compose[@]}" down --volumes --remove-orphans --timeout 30 >&2
left=$(docker ps -aq --filter "label=com.docker.compose.project=$project"
       for id in $executions; do docker ps -aq --filter "label=cronium.execution=$id"; done
       docker volume ls -q --filter "label=com.docker.compose.project=$project"; docker volume ls -q --filter name=cronium-socket)
[ -z "$left" ] || { say "left behind after down: $left"; exit 1; }
say "down clean; all in $((SECONDS - start))s"
