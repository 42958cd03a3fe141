#!/usr/bin/env bash
# A live runtime for the helper and end-to-end suites: the embedded default (SQLite), listening on
# loopback TCP and on a Unix socket, with a known orchestrator key. State lives in $CRONIUM_TEST_DIR
# so that a stop and start keep the same database and signing key (tokens stay valid across restarts).
# Tokens get a 1 s grace and no clock skew here, so an execution created with timeoutSeconds 1 has an
# expired token two seconds later. Tool actions may reach loopback here (the suites' stand-in providers listen there).
#
#   runtime.sh start              start (no-op when already running); prints the env a helper needs
#   runtime.sh stop | restart
#   runtime.sh new-execution [JSON-overrides]   create an execution; prints {executionId, token, ...}
#   runtime.sh complete ID [STATUS]             complete it (the token dies)
#   runtime.sh api METHOD PATH [BODY]           an orchestrator call; prints the body, fails on >= 400
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=${CRONIUM_TEST_DIR:?set CRONIUM_TEST_DIR to a folder for the test runtime state}
port=${CRONIUM_TEST_PORT:-18081}
# CRONIUM_RUNTIME_DLL: a Cronium.Runtime.dll (run by dotnet) or a native, Native AOT-published Cronium.Runtime.
dll=${CRONIUM_RUNTIME_DLL:-$root/artifacts/runtime/Cronium.Runtime.dll}
key=${CRONIUM_TEST_ORCHESTRATOR_KEY:-test-orchestrator-key-0123456789abcdef}
base="http://127.0.0.1:$port"
mkdir -p "$dir"

build() {
  [ -f "$dll" ] && return 0
  dotnet publish "$root/src/Cronium.Runtime" -c Release -o "$(dirname "$dll")" --nologo -v q >&2
}

running() { [ -f "$dir/runtime.pid" ] && kill -0 "$(cat "$dir/runtime.pid")" 2>/dev/null; }

start() {
  if ! running; then
    build
    [ -f "$dir/signing.key" ] || head -c 32 /dev/urandom | base64 > "$dir/signing.key"
    ASPNETCORE_ENVIRONMENT=Development \
    Runtime__SigningKey="$(cat "$dir/signing.key")" \
    Runtime__OrchestratorKeys__0="$key" \
    Runtime__SqlitePath="$dir/runtime.db" \
    Runtime__UnixSocket="$dir/runtime.sock" \
    Runtime__RateLimit__PermitsPerSecond="${CRONIUM_TEST_RATE_LIMIT:-10000}" \
    Runtime__TokenGraceSeconds="${CRONIUM_TEST_TOKEN_GRACE:-1}" \
    Runtime__ClockSkewSeconds=0 \
    Runtime__ToolActions__AllowedNetworks__0=127.0.0.0/8 \
    Logging__LogLevel__Default=Warning \
      nohup $(case "$dll" in *.dll) echo dotnet ;; esac) "$dll" --urls "$base" >>"$dir/runtime.log" 2>&1 &
    echo $! > "$dir/runtime.pid"
    for _ in $(seq 1 200); do
      curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
      running || { cat "$dir/runtime.log" >&2; echo "runtime exited during start-up" >&2; return 1; }
      sleep 0.1
    done
    curl -fsS "$base/health/ready" >/dev/null || { echo "runtime not ready on $base" >&2; return 1; }
  fi
  echo "CRONIUM_RUNTIME_API=$base"
  echo "CRONIUM_RUNTIME_SOCKET=unix://$dir/runtime.sock"
}

stop() {
  running || return 0
  local pid; pid=$(cat "$dir/runtime.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/runtime.pid"
}

api() {
  local method=$1 path=$2 body=${3:-}
  local args=(-sS -X "$method" -H "Authorization: Bearer $key" -w '\n%{http_code}')
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local out code
  out=$(curl "${args[@]}" "$base$path")
  code=${out##*$'\n'}; out=${out%$'\n'*}
  printf '%s\n' "$out"
  [ "$code" -lt 400 ]
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  new-execution)
    user=${CRONIUM_TEST_USER:-test-user}
    body=$(jq -cn --arg user "$user" --argjson extra "${2:-{\}}" \
      '{event: {id: "evt-test", name: "helper test", type: "BASH"}, userId: $user, input: {"hello": "world"}, timeoutSeconds: 600} + $extra')
    api POST /v1/executions "$body" ;;
  complete) api POST "/v1/executions/$2/complete" "$(jq -cn --arg s "${3:-succeeded}" '{status: $s, exitCode: 0}')" ;;
  api) shift; api "$@" ;;
  *) echo "usage: runtime.sh start|stop|restart|new-execution|complete|api" >&2; exit 2 ;;
esac
