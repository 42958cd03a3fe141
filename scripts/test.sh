#!/usr/bin/env bash
# Runs every test from a fresh machine: installs what the tests need (Debian packages), starts the real
# PostgreSQL and Redis on loopback with their data in a temporary folder, starts dockerd with no bridge
# network and builds the runner images on a local Debian base, lints the contract and checks the compose
# file, runs the .NET suites (the compatibility suite with Cronium-style scripts among them), the bash,
# Python and Node helper suites against a live runtime, then every code block of docs/ and the READMEs
# that is marked to run (scripts/doc-examples.py). Everything it starts, it stops (but dockerd and the
# images, which later runs reuse).
#
#   scripts/test.sh            everything
#   scripts/test.sh dotnet     only the .NET suites (still starts PostgreSQL, Redis and dockerd)
#   scripts/test.sh helpers    only the helper suites
#   scripts/test.sh docs       only the documentation's examples
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
what=${1:-all}

# Each step says when it began (minutes:seconds into the run), so a slow run shows where its time went.
say() { printf '\n\033[1m== [%d:%02d] %s\033[0m\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# gcc links the Native AOT runtime (clang would too).
packages=(postgresql redis-server bats jq curl python3 nodejs npm docker.io debootstrap gcc)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# nodejs may come from outside Debian (NodeSource): a working node and npm are enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/cronium-test.XXXXXX)
chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
# The runtime published with Native AOT (gcc or clang links it), once per run (it takes minutes): the runtime image is
# that build, the helper suites run against it, and so does cronium run's native runtime in the CLI suite and the
# documentation examples. The .NET suites run the same code under the JIT.
native_published=0
publish_native_runtime() {
  [ "$native_published" = 1 ] && return 0
  say "publishing the runtime with Native AOT (artifacts/runtime)"
  rm -rf artifacts/runtime
  dotnet publish src/Cronium.Runtime -c Release -r linux-x64 -p:PublishAot=true -o artifacts/runtime --nologo -v q
  native_published=1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

cleanup() {
  set +e
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null
  [ -d "$work/pg/data" ] && as_root runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

say "starting PostgreSQL and Redis (data in $work)"
pg_port=$(free_port)
mkdir -p "$work/pg"
as_root chown postgres "$work/pg"
as_root runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -A trust -U postgres --no-sync >/dev/null
# fsync off: the data is thrown away after the run, and the tests measure behaviour, not durability.
as_root runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $pg_port -k $work/pg -c max_connections=400 -c fsync=off -c synchronous_commit=off" start >/dev/null
export CRONIUM_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --dir "$work" --logfile "$work/redis.log"
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export CRONIUM_TEST_VALKEY="127.0.0.1:$redis_port"

if [ "$what" = all ] || [ "$what" = dotnet ]; then
  say "dockerd (no bridge) and the runner images on a local Debian base"
  scripts/start-dockerd.sh
  images/test-mirror.sh
  images/build.sh --local
  images/test.sh
  publish_native_runtime
  rm -rf artifacts/runtime-image && cp -r artifacts/runtime artifacts/runtime-image
  images/build-runtime.sh --local --no-publish
  images/test.sh --runtime-image
  images/check-compose.sh
  # The stack for real: built from Debian packages and a self-contained publish, up on loopback, a scheduled
  # workflow run on the docker backend, down clean (each wait bounded; what it built is removed).
  timeout 1800 images/compose-test.sh

  say "linting openapi.yaml (@redocly/cli)"
  npm install --silent --no-audit --no-fund --prefix "$work/redocly" @redocly/cli@2.77.0 >/dev/null
  "$work/redocly/node_modules/.bin/redocly" lint --format=stylish openapi.yaml 2>&1 | grep -v -E '^\s*(║|╔|╚)' | tail -n 5

  say "linting openapi.yaml against the OWASP API Security ruleset (Spectral, .spectral.yaml)"
  npm install --silent --no-audit --no-fund --prefix "$work/spectral" @stoplight/spectral-cli@6.16.3 @stoplight/spectral-owasp-ruleset@2.0.1 >/dev/null
  # The ruleset's overrides name openapi.yaml beside it, and its `extends` resolves from its folder.
  cp openapi.yaml .spectral.yaml "$work/spectral/"
  (cd "$work/spectral" && node_modules/.bin/spectral lint openapi.yaml --ruleset .spectral.yaml --fail-severity warn)

  publish_native_runtime
  export CRONIUM_TEST_NATIVE_RUNTIME="$root/artifacts/runtime"
  say ".NET suites"
  dotnet test Cronium.Runtime.sln --nologo -v q --logger "console;verbosity=minimal"
fi

if [ "$what" = all ] || [ "$what" = helpers ]; then
  publish_native_runtime
  export CRONIUM_RUNTIME_DLL="$root/artifacts/runtime/Cronium.Runtime"
  for lang in bash python node; do
    say "$lang helper suite"
    "helpers/$lang/test.sh"
  done
  say "cross-language round trips"
  helpers/crosslang/test.sh
fi

if [ "$what" = all ] || [ "$what" = docs ]; then
  say "documentation examples (docs/, READMEs)"
  dotnet publish src/Cronium.Cli -c Release -o artifacts/cli --nologo -v q
  # As docs/getting-started.md installs it: with the native runtime beside the CLI, which cronium run then uses.
  publish_native_runtime
  rm -rf artifacts/cli/native-runtime && cp -r artifacts/runtime artifacts/cli/native-runtime
  # The install of docs/getting-started.md must be precompiled: a JIT build starts every cronium run ~0.2 s later.
  scripts/check-readytorun.py artifacts/cli/cronium.dll artifacts/cli/Cronium.Runtime.dll artifacts/cli/Cronium.Execution.dll
  CRONIUM_CLI_DLL="$root/artifacts/cli/cronium.dll" scripts/doc-examples.py
fi

say "all tests passed"
