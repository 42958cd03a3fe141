#!/usr/bin/env bash
# The bash helper's bats suite against a live runtime started here with the shared harness
# (tests/support/runtime.sh), run once over loopback TCP and once over the runtime's Unix socket.
#
#   helpers/bash/test.sh                        everything, both transports
#   helpers/bash/test.sh test/errors.bats       some files
#   CRONIUM_BASH_TRANSPORTS=unix helpers/bash/test.sh
#
# Uses CRONIUM_RUNTIME_DLL when set, else the harness default (artifacts/runtime/Cronium.Runtime.dll,
# published when missing). Needs bats (apt-get install bats), curl, jq and python3 (the local
# tool-action providers). Ends with "bash-helper: N passed, N failed, N skipped".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
harness="$root/tests/support/runtime.sh"

for tool in bats curl jq python3; do
  command -v "$tool" >/dev/null || { echo "test.sh: $tool is required (apt-get install $tool)" >&2; exit 1; }
done

CRONIUM_TEST_DIR=$(mktemp -d)
export CRONIUM_TEST_DIR CRONIUM_TEST_PORT=${CRONIUM_TEST_PORT:-18181}
cleanup() {
  "$harness" stop || true
  # the second, rate-limited runtime of test/resilience.bats, should a run have been cut short
  CRONIUM_TEST_DIR=$CRONIUM_TEST_DIR/rate-limited CRONIUM_TEST_PORT=$((CRONIUM_TEST_PORT + 1)) "$harness" stop || true
  rm -rf "$CRONIUM_TEST_DIR"
}
trap cleanup EXIT
trap 'exit 143' TERM INT # so that the EXIT trap stops the runtimes then too

env_out=$("$harness" start)
tcp=$(sed -n 's/^CRONIUM_RUNTIME_API=//p' <<<"$env_out")
unix=$(sed -n 's/^CRONIUM_RUNTIME_SOCKET=//p' <<<"$env_out")
echo "runtime: $tcp and $unix ($(bash --version | head -n1), $(curl --version | head -n1 | cut -d' ' -f1-2), $(jq --version))"

cd "$here"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/*.bats)

log=$CRONIUM_TEST_DIR/bats.log
: >"$log"
status=0
for transport in ${CRONIUM_BASH_TRANSPORTS:-tcp unix}; do
  case $transport in
    tcp) api=$tcp ;;
    unix) api=$unix ;;
    *) echo "unknown transport $transport" >&2; exit 2 ;;
  esac
  echo "== $transport ($api)"
  # TAP, so the counts below can be read; the test names say what failed.
  CRONIUM_TEST_TRANSPORT=$transport CRONIUM_TEST_API=$api \
    bats --tap "${files[@]}" 2>&1 | sed -u "s/^\(ok\|not ok\) \([0-9]*\) /\1 \2 [$transport] /" | tee -a "$log" || status=1
done

passed=$(grep -c '^ok .* # skip' "$log" || true)
skipped=$passed
passed=$(($(grep -c '^ok ' "$log" || true) - skipped))
failed=$(grep -c '^not ok ' "$log" || true)
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "bash-helper: $passed passed, $failed failed, $skipped skipped"
exit $status
