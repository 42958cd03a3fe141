#!/usr/bin/env bash
# Benchmark: 500 getVariable calls through the Python helper vs the same 500 calls made raw with
# http.client on one kept-alive connection, in the same run, against a runtime started by the
# test harness, over TCP and over the Unix socket. Prints per-call times and the ratio (target:
# helper within 1.5x of raw); it does not pass or fail.
#
#   bench/helpers/python.sh [CALLS]     (CRONIUM_RUNTIME_DLL, PYTHON and CRONIUM_BENCH_PORT are honoured)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
harness="$root/tests/support/runtime.sh"
python=${PYTHON:-python3}
calls=${1:-500}

export CRONIUM_TEST_DIR=$(mktemp -d) CRONIUM_TEST_PORT=${CRONIUM_BENCH_PORT:-18291}
cleanup() {
  "$harness" stop || true
  rm -rf "$CRONIUM_TEST_DIR"
}
trap cleanup EXIT

env_out=$("$harness" start)
tcp=$(sed -n 's/^CRONIUM_RUNTIME_API=//p' <<<"$env_out")
unix=$(sed -n 's/^CRONIUM_RUNTIME_SOCKET=//p' <<<"$env_out")
exec_json=$("$harness" new-execution)
"$harness" api PUT /v1/users/test-user/variables/bench.value '{"value": {"name": "benchmark", "n": 42, "tags": ["a", "b", "c"]}}' >/dev/null

echo "$("$python" --version 2>&1), $calls getVariable calls per series"
for api in "$tcp" "$unix"; do
  CRONIUM_RUNTIME_API=$api \
  CRONIUM_EXECUTION_TOKEN=$(jq -r .token <<<"$exec_json") \
  CRONIUM_EXECUTION_ID=$(jq -r .executionId <<<"$exec_json") \
    "$python" "$here/python.py" "$calls" bench.value
done
