#!/usr/bin/env bats
# Retries for real: the runtime goes away and comes back mid-call, a runtime with a low rate
# limit answers 429 with Retry-After, and a runtime that never comes back ends in "unavailable".

load helper

RATE_LIMIT=2 # permits per second on the second, rate-limited runtime

setup_file() {
  # A second runtime with a low rate limit, its own state and port (the main one keeps 10000/s).
  export LIMITED_DIR=$CRONIUM_TEST_DIR/rate-limited LIMITED_PORT=$((CRONIUM_TEST_PORT + 1))
  CRONIUM_TEST_DIR=$LIMITED_DIR CRONIUM_TEST_PORT=$LIMITED_PORT CRONIUM_TEST_RATE_LIMIT=$RATE_LIMIT \
    harness start >"$BATS_FILE_TMPDIR/limited.env"
}

teardown_file() {
  CRONIUM_TEST_DIR=$LIMITED_DIR CRONIUM_TEST_PORT=$LIMITED_PORT harness stop
}

setup() { default_setup; }

teardown() {
  if [ -f "$BATS_TEST_TMPDIR/relay.pid" ]; then kill "$(cat "$BATS_TEST_TMPDIR/relay.pid")" 2>/dev/null || true; fi
  harness start >/dev/null # whatever a test did to the main runtime, it is up for the next one
}

# on_limited: point the helper at a fresh execution on the rate-limited runtime.
on_limited() {
  local out api
  if [ "$CRONIUM_TEST_TRANSPORT" = unix ]; then
    api=$(sed -n 's/^CRONIUM_RUNTIME_SOCKET=//p' "$BATS_FILE_TMPDIR/limited.env")
  else
    api=$(sed -n 's/^CRONIUM_RUNTIME_API=//p' "$BATS_FILE_TMPDIR/limited.env")
  fi
  out=$(CRONIUM_TEST_DIR=$LIMITED_DIR CRONIUM_TEST_PORT=$LIMITED_PORT harness new-execution)
  export CRONIUM_RUNTIME_API=$api
  CRONIUM_EXECUTION_ID=$(jq -r .executionId <<<"$out")
  CRONIUM_EXECUTION_TOKEN=$(jq -r .token <<<"$out")
}

@test "a write made while the runtime is down lands exactly once when it comes back" {
  key=$(unique restart)
  cronium_set_variable "$key" before >/dev/null
  [ "$(stored_version "$key")" -eq 1 ]
  harness stop
  (
    cronium_set_variable_text "$key" after >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
    echo $? >"$BATS_TEST_TMPDIR/status"
  ) 3>&- 4>&- &
  writer=$!
  sleep 1.5
  harness start >/dev/null
  wait "$writer"
  [ "$(cat "$BATS_TEST_TMPDIR/status")" -eq 0 ]
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = 2 ]
  [ ! -s "$BATS_TEST_TMPDIR/err" ] # retries are silent when they end well
  [ "$(stored_version "$key")" -eq 2 ]
  [ "$(stored_value "$key")" = '"after"' ]
}

@test "reads and the other writes ride out a restart too" {
  key=$(unique restart2)
  cronium_set_variable_json "$key" '{"n": 1}' >/dev/null
  harness stop
  (
    {
      cronium_get_variable "$key" && cronium_set_condition true && cronium_output "done" && cronium_delete_variable "$key"
    } >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
    echo $? >"$BATS_TEST_TMPDIR/status"
  ) 3>&- 4>&- &
  worker=$!
  sleep 1
  harness start >/dev/null
  wait "$worker"
  [ "$(cat "$BATS_TEST_TMPDIR/status")" -eq 0 ]
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = '{"n":1}' ]
  [ "$(execution | jq -c '[.condition, .output]')" = '[true,"done"]' ]
  run --separate-stderr cronium_get_variable --strict "$key"
  [ "$status" -eq 3 ]
}

@test "an answer lost after the write: the retry, same Idempotency-Key, has no second effect" {
  key=$(unique lost)
  cronium_set_variable "$key" before >/dev/null
  relay 1
  run --separate-stderr cronium_set_variable_text "$key" after
  [ "$status" -eq 0 ]
  [ "$output" = 2 ] # the first attempt's version, replayed
  [ "$(cat "$BATS_TEST_TMPDIR/relay.log")" = "$(printf 'dropped\npassed')" ]
  [ "$(stored_version "$key")" -eq 2 ] # one write, not two
  [ "$(stored_value "$key")" = '"after"' ]
}

@test "a delete whose answer is lost is not variable_not_found on the retry" {
  key=$(unique lostdelete)
  cronium_set_variable "$key" doomed >/dev/null
  relay 1
  run --separate-stderr cronium_delete_variable --strict "$key"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "$(grep -c dropped "$BATS_TEST_TMPDIR/relay.log")" -eq 1 ]
  run --separate-stderr cronium_get_variable --strict "$key"
  [ "$status" -eq 3 ]
}

@test "a runtime that stays away: unavailable after CRONIUM_RETRY_DEADLINE, status 6" {
  harness stop
  start=$SECONDS
  CRONIUM_RETRY_DEADLINE=2 run --separate-stderr cronium_get_variable "$(unique away)"
  elapsed=$((SECONDS - start))
  [ "$status" -eq 6 ]
  [[ $stderr == "cronium_get_variable: unavailable (0): cannot reach the runtime at $CRONIUM_RUNTIME_API ("* ]]
  [[ $stderr == *"gave up after"* ]]
  [ "${#stderr_lines[@]}" -eq 1 ]
  ((elapsed >= 1 && elapsed <= 5))
}

@test "CRONIUM_RETRY_DEADLINE=0 makes one attempt" {
  harness stop
  start=$SECONDS
  CRONIUM_RETRY_DEADLINE=0 run --separate-stderr cronium_set_variable "$(unique once)" v
  [ "$status" -eq 6 ]
  [[ $stderr == *"1 attempts"* ]]
  (((SECONDS - start) <= 1))
}

@test "429 is retried after Retry-After and every call gets through" {
  on_limited
  key=$(unique limited)
  cronium_set_variable "$key" v >/dev/null
  start=$EPOCHREALTIME
  for i in $(seq $((RATE_LIMIT * 4))); do
    run --separate-stderr cronium_get_variable "$key"
    [ "$status" -eq 0 ]
    [ "$output" = v ]
    [ -z "$stderr" ]
  done
  elapsed_ms=$(((${EPOCHREALTIME/./} - ${start/./}) / 1000))
  # 8 calls at 2 a second cannot all pass in under a second: the limit was met, and waited out.
  ((elapsed_ms >= 1000))
}

@test "429 with no time left to wait: rate_limited (429) surfaces, status 6" {
  on_limited
  key=$(unique limited)
  got=''
  for i in $(seq 40); do
    CRONIUM_RETRY_DEADLINE=0 run --separate-stderr cronium_get_variable "$key" dflt
    if [ "$status" -ne 0 ]; then got=$stderr; break; fi
  done
  [ "$status" -eq 6 ]
  [[ $got == "cronium_get_variable: rate_limited (429): "*"gave up after"* ]]
}
