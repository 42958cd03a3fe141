#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2054,SC2317 # single-quoted scripts run inside the containers; commas are --tmpfs options
# Checks the runner images from the outside, the way the docker backend runs them (hardened flags,
# --network none): non-root user 10001, read-only root, loopback only, tini as PID 1, no capabilities,
# no-new-privileges, the pids and memory limits bite, and the helpers work with no import (plus an explicit
# import/require). With --runtime it also runs one script per language against a live runtime through the
# mounted Unix socket, calling every non-tool helper, and checks what the runtime recorded.
#
#   images/test.sh                 image checks only (no runtime needed)
#   images/test.sh --runtime       also end to end: needs CRONIUM_TEST_DIR (tests/support/runtime.sh starts
#                                  the runtime there, or reuses the one running)
#   images/test.sh --runtime-image also the runtime API image (cronium/runtime:latest, images/build-runtime.sh):
#                                  started hardened with its socket folder shared with runner containers,
#                                  healthy, and a runner's helper call through that socket
#
# Settings: CRONIUM_IMAGE_PREFIX (cronium), CRONIUM_IMAGE_TAG (latest). Exit status: the number of failures.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
prefix=${CRONIUM_IMAGE_PREFIX:-cronium}
tag=${CRONIUM_IMAGE_TAG:-latest}
with_runtime=0
with_runtime_image=0
for arg in "$@"; do
  case $arg in
    --runtime) with_runtime=1 ;;
    --runtime-image) with_runtime_image=1 ;;
    -h|--help) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "images/test.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

failures=0
cleanups=()
run_cleanups() { local c; for c in "${cleanups[@]}"; do eval "$c"; done; }
trap run_cleanups EXIT
pass() { printf 'ok     %s\n' "$*"; }
fail() { printf 'FAILED %s\n' "$*"; failures=$((failures + 1)); }
check() { # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}

hardened=(--rm --network none --read-only --cap-drop ALL --security-opt no-new-privileges
          --user 10001:10001 --pids-limit 64 --memory 256m --memory-swap 256m
          --tmpfs /tmp:rw,nosuid,nodev,size=16m --tmpfs /work:rw,nosuid,nodev,uid=10001,gid=10001,size=16m)
run() { docker run "${hardened[@]}" "$@" </dev/null 2>&1; } # run IMAGE CMD...

probe='printf "uid=%s " "$(id -u)"
( : > /probe ) 2>/dev/null && printf "rootfs=writable " || printf "rootfs=readonly "
printf "ifaces=%s " "$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" "," )"
printf "pid1=%s " "$(cat /proc/1/comm)"
printf "caps=%s " "$(awk "/^CapEff/ { print \$2 }" /proc/self/status)"
printf "nnp=%s " "$(awk "/^NoNewPrivs/ { print \$2 }" /proc/self/status)"
( echo x > /work/w && echo x > /tmp/t ) 2>/dev/null && printf "scratch=writable" || printf "scratch=readonly"'
want='uid=10001 rootfs=readonly ifaces=lo, pid1=tini caps=0000000000000000 nnp=1 scratch=writable'

for lang in bash python node; do
  image=$prefix/runner-$lang:$tag
  if ! docker image inspect "$image" >/dev/null 2>&1; then fail "$image: missing (images/build.sh --local)"; continue; fi
  check "$lang: hardening seen from inside" "$want" "$(run "$image" bash -c "$probe")"
  # Forks in Python, which fails at once when the limit bites (bash retries a failed fork for seconds, and
  # counting with $(...) or a pipe needs forks of its own: that made this check fail now and then).
  out=$(run "$image" python3 -c 'import os, signal, time
children = []
for _ in range(100):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, signal.SIGKILL)
print("stopped at %d" % len(children) if len(children) < 100 else "not stopped")' | tail -n 1)
  case $out in "stopped at "*) pass "$lang: pids limit stops a fork loop ($out)" ;; *) fail "$lang: pids limit: $out" ;; esac
done

image=$prefix/runner-bash:$tag
check "bash: helper functions with no source" "function function" "$(run "$image" bash -c 'echo $(type -t cronium_get_variable) $(type -t cronium_set_condition)')"
check "bash: Cronium's names, also through source /usr/local/bin/cronium.sh under set -euo pipefail" "function function function" \
  "$(run "$image" bash -c 'set -euo pipefail; source /usr/local/bin/cronium.sh; source cronium.sh; echo $(type -t cronium_getVariable) $(type -t cronium_event_field) $(type -t cronium_increment_variable)')"
check "bash: sh scripts are left alone" "ok" "$(run "$image" sh -c 'command -v cronium_input >/dev/null || echo ok')"
check "bash: memory limit ends the job (137)" "137" "$(docker run "${hardened[@]}" "$image" bash -c 'x=$(head -c 600000000 /dev/zero | tr "\0" a); echo survived' >/dev/null 2>&1; echo $?)"

image=$prefix/runner-python:$tag
check "python: cronium.* with no import" "getVariable get_variable" \
  "$(run "$image" python3 -c 'print(cronium.getVariable.__name__, "get_variable" if cronium.get_variable else "")')"
check "python: Cronium's SDK names" "True" \
  "$(run "$image" python3 -c 'import cronium; from cronium import Cronium, AsyncCronium, CroniumAPIError, execute_tool_action; print(issubclass(CroniumAPIError, cronium.CroniumError) and callable(Cronium().send_slack_message))')"
check "python: import cronium is the same module" "True" \
  "$(run "$image" python3 -c 'import builtins, cronium; from cronium import setCondition; print(cronium is builtins.cronium and callable(setCondition))')"
check "python: helper byte-code is precompiled (read-only root)" "yes" \
  "$(run "$image" python3 -c 'import importlib.util as u, os; print("yes" if os.path.exists(u.cache_from_source(cronium.__file__)) else "no")')"
check "python: memory limit ends the job (137)" "137" "$(docker run "${hardened[@]}" "$image" python3 -c 'b = bytearray(600 * 1024 * 1024)' >/dev/null 2>&1; echo $?)"

image=$prefix/runner-node:$tag
check "node: cronium.* with no import" "function" "$(run "$image" node -e 'console.log(typeof cronium.getVariable)')"
check "node: require('cronium') is the global" "true" "$(run "$image" node -e 'console.log(require("cronium") === cronium)')"
check "node: Cronium's class and names" "object function function" \
  "$(run "$image" node -e 'const Cronium = require("cronium"); console.log(typeof new Cronium(), typeof Cronium.executeToolAction, typeof require("cronium").cronium.sendSlackMessage)')"
check "node: import from an ES module in /work" "function true" \
  "$(run "$image" bash -c 'echo "import c, { setCondition } from \"cronium\"; console.log(typeof setCondition, c === globalThis.cronium)" > /work/m.mjs && node /work/m.mjs')"
check "node: import from an ES module elsewhere (/tmp)" "function" \
  "$(run "$image" bash -c 'mkdir -p /tmp/a/b && echo "import { getVariable } from \"cronium\"; console.log(typeof getVariable)" > /tmp/a/b/m.mjs && node /tmp/a/b/m.mjs')"

if [ "$with_runtime" -eq 1 ]; then
  : "${CRONIUM_TEST_DIR:?--runtime needs CRONIUM_TEST_DIR (see tests/support/runtime.sh)}"
  rt=$root/tests/support/runtime.sh
  started=0
  if ! { [ -f "$CRONIUM_TEST_DIR/runtime.pid" ] && kill -0 "$(cat "$CRONIUM_TEST_DIR/runtime.pid")" 2>/dev/null; }; then started=1; fi
  "$rt" start >/dev/null || { fail "runtime: did not start"; exit "$failures"; }
  # A runtime this script started is stopped at the end; one that was already running is left running.
  [ "$started" -eq 1 ] && cleanups+=('"$rt" stop >/dev/null')
  sock=$CRONIUM_TEST_DIR/runtime.sock
  # Only the socket is mounted, never the runtime's folder (its database and signing key live there).
  e2e() { # e2e LANG TYPE EXPECTED-OUTPUT-JSON EXPECTED-CONDITION IMAGE CMD...
    local lang=$1 type=$2 want_output=$3 want_condition=$4; shift 4
    local ex id token out state
    ex=$(CRONIUM_TEST_USER=images-test-$$ "$rt" new-execution "{\"event\":{\"id\":\"img-$lang\",\"name\":\"image test\",\"type\":\"$type\"},\"input\":{\"name\":\"$lang\"}}") \
      || { fail "$lang e2e: createExecution"; return; }
    id=$(jq -r .executionId <<<"$ex"); token=$(jq -r .token <<<"$ex")
    out=$(docker run "${hardened[@]}" -v "$sock:/run/cronium/runtime.sock" \
          -e CRONIUM_RUNTIME_API=unix:///run/cronium/runtime.sock -e CRONIUM_EXECUTION_ID="$id" \
          -e CRONIUM_EXECUTION_TOKEN="$token" "$@" 2>&1)
    local rc=$?
    state=$("$rt" api GET "/v1/executions/$id")
    "$rt" complete "$id" >/dev/null
    if [ $rc -ne 0 ]; then fail "$lang e2e over the socket: exit $rc: $out"; return; fi
    check "$lang e2e over the socket: output" "$want_output" "$(jq -c .output <<<"$state")"
    check "$lang e2e over the socket: condition" "$want_condition" "$(jq -c .condition <<<"$state")"
    check "$lang e2e over the socket: script saw" "hello $lang" "$(tail -n 1 <<<"$out")"
  }
  e2e bash BASH '{"lang":"bash","n":2}' true "$prefix/runner-bash:$tag" bash -c '
    set -e
    name=$(cronium_input | jq -r .name)
    cronium_set_variable img_bash_a one >/dev/null
    cronium_set_variable_json img_bash_b "{\"x\":2}" >/dev/null
    n=$(cronium_list_variables img_bash_ | wc -l)
    cronium_delete_variable img_bash_a
    [ "$(cronium_event | jq -r .event.type)" = BASH ]
    cronium_output_json "$(jq -cn --arg l "$name" --argjson n "$n" "{lang: \$l, n: \$n}")"
    cronium_set_condition true
    [ "$(cronium_get_variable img_bash_b | jq -r .x)" = 2 ]
    echo "hello $name"'
  e2e python PYTHON '{"lang":"python","n":2}' true "$prefix/runner-python:$tag" python3 -c '
name = cronium.input()["name"]
cronium.setVariable("img_py_a", 1); cronium.set_variable("img_py_b", {"x": 2})
n = len(cronium.listVariables("img_py_"))
cronium.deleteVariable("img_py_a")
assert cronium.event()["event"]["type"] == "PYTHON"
assert cronium.getVariable("img_py_a", "gone") == "gone"
cronium.output({"lang": name, "n": n}); cronium.setCondition(True)
print("hello", name if cronium.getVariable("img_py_b")["x"] == 2 else "?")'
  e2e node NODEJS '{"lang":"node","n":2}' false "$prefix/runner-node:$tag" bash -c 'cat > /work/e2e.mjs <<"JS"
import c from "cronium";
const name = (await cronium.input()).name;
await cronium.setVariable("img_node_a", 1); await c.setVariable("img_node_b", { x: 2 });
const n = (await cronium.listVariables("img_node_")).length;
await cronium.deleteVariable("img_node_a");
if ((await cronium.event()).event.type !== "NODEJS") throw new Error("event");
await cronium.output({ lang: name, n }); await cronium.setCondition(false);
console.log("hello", (await cronium.getVariable("img_node_b")).x === 2 ? name : "?");
JS
node /work/e2e.mjs'
fi

if [ "$with_runtime_image" -eq 1 ]; then
  image=$prefix/runtime:$tag
  name=cronium-images-test-$$
  sockdir=$(mktemp -d)
  chmod 0777 "$sockdir" # the runtime (uid 10001) creates its socket here
  key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  cleanup_runtime_image() { docker rm -f -v "$name" >/dev/null 2>&1; rm -rf "$sockdir"; }
  cleanups+=(cleanup_runtime_image)
  start=$(date +%s%N)
  if ! docker run -d --name "$name" --network none --read-only --cap-drop ALL --security-opt no-new-privileges \
       --pids-limit 256 --memory 512m --tmpfs /tmp --tmpfs /data:uid=10001,gid=10001 -v "$sockdir:/run/cronium" \
       -e Runtime__SigningKey="$(head -c 32 /dev/urandom | base64)" -e Runtime__CredentialKey="$(head -c 32 /dev/urandom | base64)" \
       -e Runtime__OrchestratorKeys__0="$key" "$image" >/dev/null; then
    fail "$image: did not start"
  else
    for _ in $(seq 1 150); do
      curl -fsS --unix-socket "$sockdir/runtime.sock" http://localhost/health/live >/dev/null 2>&1 && break
      [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ] || break
      sleep 0.1
    done
    live=$(curl -sS --unix-socket "$sockdir/runtime.sock" http://localhost/health/live 2>&1)
    check "runtime image: /health/live over the shared socket ($(( ($(date +%s%N) - start) / 1000000 )) ms)" "Healthy" "$live"
    [ "$live" = Healthy ] || docker logs "$name" 2>&1 | tail -n 20
    check "runtime image: runs as 10001, Production" "10001 Production" "$(docker exec "$name" sh -c 'echo "$(id -u) $ASPNETCORE_ENVIRONMENT"')"
    check "runtime image: healthcheck command" "0" "$(docker exec "$name" /usr/local/bin/cronium-healthcheck >/dev/null 2>&1; echo $?)"
    ex=$(curl -sS --unix-socket "$sockdir/runtime.sock" -X POST http://localhost/v1/executions -H "Authorization: Bearer $key" \
      -H 'Content-Type: application/json' -d '{"event":{"id":"img","name":"image test","type":"PYTHON"},"userId":"images-test","input":{"n":41}}')
    out=$(docker run "${hardened[@]}" -v "$sockdir:/run/cronium" -e CRONIUM_RUNTIME_API=unix:///run/cronium/runtime.sock \
      -e CRONIUM_EXECUTION_ID="$(jq -r .executionId <<<"$ex")" -e CRONIUM_EXECUTION_TOKEN="$(jq -r .token <<<"$ex")" \
      "$prefix/runner-python:$tag" python3 -c 'cronium.output(cronium.input()["n"] + 1); print(cronium.event()["event"]["type"])' 2>&1)
    state=$(curl -sS --unix-socket "$sockdir/runtime.sock" "http://localhost/v1/executions/$(jq -r .executionId <<<"$ex")" -H "Authorization: Bearer $key")
    check "runtime image: a runner container's helper calls through the shared socket" "PYTHON 42" "$out $(jq -c .output <<<"$state")"
  fi
fi

if [ "$failures" -eq 0 ]; then echo "images/test.sh: all checks passed"; else echo "images/test.sh: $failures failed"; fi
exit "$failures"
