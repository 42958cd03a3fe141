# Sourced by the helper benchmarks: a runtime from the test harness on CRONIUM_BENCH_PORT (or $1), one
# execution, and the value every benchmark reads. Sets: harness, tcp, unix, exec_json, token, execution.
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
root=$(cd "$here/../.." && pwd)
harness="$root/tests/support/runtime.sh"

CRONIUM_TEST_DIR=$(mktemp -d)
export CRONIUM_TEST_DIR CRONIUM_TEST_PORT=${CRONIUM_BENCH_PORT:-$1}
cleanup() {
  "$harness" stop || true
  rm -rf "$CRONIUM_TEST_DIR"
}
trap cleanup EXIT

env_out=$("$harness" start)
tcp=$(sed -n 's/^CRONIUM_RUNTIME_API=//p' <<<"$env_out")
unix=$(sed -n 's/^CRONIUM_RUNTIME_SOCKET=//p' <<<"$env_out")
exec_json=$("$harness" new-execution)
token=$(jq -r .token <<<"$exec_json")
execution=$(jq -r .executionId <<<"$exec_json")
"$harness" api PUT /v1/users/test-user/variables/bench.value '{"value":{"name":"benchmark","n":42,"tags":["a","b","c"]}}' >/dev/null
