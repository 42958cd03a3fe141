#!/usr/bin/env bash
# The Python helper's suite against a live runtime (tests/support/runtime.sh): every test case
# runs over TCP and over the Unix socket. Standard library unittest only.
#
#   helpers/python/test.sh                      the whole suite
#   helpers/python/test.sh test_errors          one module (any unittest names work)
#
# Uses CRONIUM_RUNTIME_DLL when set, else the harness default (artifacts/runtime/Cronium.Runtime.dll,
# published when missing). PYTHON picks the interpreter (default python3).
# CRONIUM_TEST_SKIP_TOOL_SENDERS=1 skips the tool-action round trips to the local providers (for a
# runtime that has no senders yet); by default they run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
harness="$root/tests/support/runtime.sh"
python=${PYTHON:-python3}

export CRONIUM_TEST_DIR=$(mktemp -d) CRONIUM_TEST_PORT=${CRONIUM_TEST_PORT:-18281}
cleanup() {
  "$harness" stop || true
  # the rate-limit tests' second runtime (tests/test_rate_limit.py)
  CRONIUM_TEST_DIR="$CRONIUM_TEST_DIR/rate-limited" CRONIUM_TEST_PORT=$((CRONIUM_TEST_PORT + 1)) "$harness" stop || true
  rm -rf "$CRONIUM_TEST_DIR"
}
trap cleanup EXIT

"$harness" start
cd "$here/tests"
PYTHONDONTWRITEBYTECODE=1 "$python" run.py "$@"
