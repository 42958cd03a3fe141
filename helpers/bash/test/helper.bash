# Shared by the bats files: a fresh execution per test on the live runtime test.sh started.
# test.sh exports CRONIUM_TEST_DIR, CRONIUM_TEST_PORT, CRONIUM_TEST_TRANSPORT (tcp|unix) and
# CRONIUM_TEST_API (the URL for that transport).
bats_require_minimum_version 1.5.0

HELPER_DIR=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
ROOT=$(cd "$HELPER_DIR/../.." && pwd)
HARNESS=$ROOT/tests/support/runtime.sh
CRONIUM_SH=$HELPER_DIR/cronium.sh
TEST_USER=${CRONIUM_TEST_USER:-test-user}

: "${CRONIUM_TEST_API:?run the suite through helpers/bash/test.sh}"

# The harness, with bats' fds 3 (output) and 4 (tracing) closed: a runtime it starts must not
# hold bats' pipes open, or bats waits for it at the end.
harness() { "$HARNESS" "$@" 3>&- 4>&-; }

# new_execution [JSON-overrides]: create an execution and point the helper at it.
new_execution() {
  local out
  out=$(harness new-execution "${1:-"{}"}") || return
  EXECUTION_JSON=$out
  export CRONIUM_RUNTIME_API=$CRONIUM_TEST_API
  CRONIUM_EXECUTION_ID=$(jq -r .executionId <<<"$out")
  CRONIUM_EXECUTION_TOKEN=$(jq -r .token <<<"$out")
  export CRONIUM_EXECUTION_ID CRONIUM_EXECUTION_TOKEN
}

# A variable key no other test (or transport run) uses.
unique() { printf '%s.%s.%s.%s' "$1" "$CRONIUM_TEST_TRANSPORT" "$BATS_TEST_NUMBER" "$RANDOM$RANDOM"; }

# What the runtime holds, read with the orchestrator key (not through the helper under test).
stored() { harness api GET "/v1/users/$TEST_USER/variables/$1"; }
stored_value() { stored "$1" | jq -c .value; }
stored_version() { stored "$1" | jq -r .version; }
execution() { harness api GET "/v1/executions/$CRONIUM_EXECUTION_ID"; }

# A fresh bash that has the helper and the test's environment: for what must not touch the
# test's own shell (exit, options, PATH tricks).
helper_bash() { bash -c "source '$CRONIUM_SH'; $1"; }

default_setup() {
  # shellcheck source=../cronium.sh
  source "$CRONIUM_SH"
  new_execution
}

# relay DROP [WATCH]: a relay (relay.py) in front of the runtime that loses the first DROP answers
# (with WATCH: breaks those connections once WATCH grows); points the helper at it. A test's
# teardown stops it (kill "$(cat "$BATS_TEST_TMPDIR/relay.pid")").
relay() {
  python3 "$BATS_TEST_DIRNAME/relay.py" "$BATS_TEST_TMPDIR" "$CRONIUM_RUNTIME_API" "$1" ${2:+"$2"} >/dev/null 2>&1 3>&- 4>&- &
  echo $! >"$BATS_TEST_TMPDIR/relay.pid"
  for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/relay.api" ] && break; sleep 0.1; done
  CRONIUM_RUNTIME_API=$(cat "$BATS_TEST_TMPDIR/relay.api")
}

# start_providers: the local tool providers (tests/support/providers.py) for this file: a webhook
# receiver (WEBHOOK_PORT) and an SMTP server (SMTP_PORT) recording into received.jsonl.
start_providers() {
  python3 "$ROOT/tests/support/providers.py" "$BATS_FILE_TMPDIR" >/dev/null 2>&1 3>&- 4>&- &
  echo $! >"$BATS_FILE_TMPDIR/providers.pid"
  for _ in $(seq 100); do [ -s "$BATS_FILE_TMPDIR/ports" ] && break; sleep 0.1; done
  read -r _ WEBHOOK_PORT _ SMTP_PORT <"$BATS_FILE_TMPDIR/ports"
  export WEBHOOK_PORT SMTP_PORT
}

stop_providers() { kill "$(cat "$BATS_FILE_TMPDIR/providers.pid")" 2>/dev/null || true; }

put_credential() { harness api PUT "/v1/users/$TEST_USER/tool-credentials/$1" "$2" >/dev/null; }

# received KIND-OR-PATH NEEDLE: the provider got a request containing NEEDLE.
received() {
  local i
  for i in $(seq 50); do
    grep -F -- "$2" "$BATS_FILE_TMPDIR/received.jsonl" 2>/dev/null | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "the provider did not receive $1 with $2" >&2
  return 1
}
