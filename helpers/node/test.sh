#!/usr/bin/env bash
# The Node helper's suite (node --test) against a live runtime started here with the shared
# harness, run once over loopback TCP and once over the runtime's Unix socket.
#
#   helpers/node/test.sh                 # everything, both transports
#   CRONIUM_NODE_TRANSPORTS=unix helpers/node/test.sh
#   NODE=/path/to/node helpers/node/test.sh     # another Node (18+)
#
# Uses CRONIUM_RUNTIME_DLL when set, else the harness default (artifacts/runtime/Cronium.Runtime.dll,
# published on first use). CRONIUM_TSC names a TypeScript compiler for the typings test (else
# `tsc` on PATH, else typescript@5.9.3 from npm into the scratch folder; skipped when none can be had).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
harness="$root/tests/support/runtime.sh"
node=${NODE:-node}

export CRONIUM_TEST_DIR=$(mktemp -d) CRONIUM_TEST_PORT=${CRONIUM_TEST_PORT:-18381}
cleanup() {
  "$harness" stop || true
  rm -rf "$CRONIUM_TEST_DIR"
}
trap cleanup EXIT

"$node" -e 'const [major] = process.versions.node.split(".").map(Number); if (major < 18) { console.error(`Node ${process.versions.node}: the helper needs Node 18+`); process.exit(1); }'

# The typings test needs a TypeScript compiler: CRONIUM_TSC, else tsc on PATH, else a pinned one
# installed from the npm registry into the scratch folder (the test skips, saying so, if that fails).
if [ -z "${CRONIUM_TSC:-}" ] && ! command -v tsc >/dev/null && command -v npm >/dev/null; then
  if npm install --prefix "$CRONIUM_TEST_DIR/tsc" --no-audit --no-fund --silent typescript@5.9.3 >/dev/null 2>&1; then
    export CRONIUM_TSC="$CRONIUM_TEST_DIR/tsc/node_modules/.bin/tsc"
  else
    echo "note: could not install TypeScript; the typings test will be skipped" >&2
  fi
fi

env_out=$("$harness" start)
tcp=$(sed -n 's/^CRONIUM_RUNTIME_API=//p' <<<"$env_out")
unix=$(sed -n 's/^CRONIUM_RUNTIME_SOCKET=//p' <<<"$env_out")
echo "runtime: $tcp and $unix (node $("$node" --version))"

cd "$here"
# Everything except restart.test.js runs in parallel files; restart.test.js stops and starts the
# runtime, so it runs alone afterwards.
files=()
for f in test/*.test.js; do
  [ "$f" = test/restart.test.js ] || files+=("$f")
done

log="$CRONIUM_TEST_DIR/node-test.log"
: >"$log"
run() {  # pipefail: a failing node fails the pipeline
  CRONIUM_TEST_TRANSPORT=$transport CRONIUM_TEST_API=$api "$node" --test "$@" 2>&1 | tee -a "$log" || status=1
}
count() { sed -nE "s/^(# |ℹ )$1 ([0-9]+)\s*$/\2/p" "$log" | awk '{n += $1} END {print n + 0}'; }

status=0
for transport in ${CRONIUM_NODE_TRANSPORTS:-tcp unix}; do
  case "$transport" in
    tcp) api=$tcp ;;
    unix) api=$unix ;;
    *) echo "unknown transport $transport" >&2; exit 2 ;;
  esac
  echo "== $transport ($api)"
  run "${files[@]}"
  run test/restart.test.js
done
passed=$(count pass) failed=$(count fail) skipped=$(count skipped)
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "node-helper: $passed passed, $failed failed, $skipped skipped"
exit $status
