#!/usr/bin/env bats
# Cronium's names and rules (its user docs' camelCase, its container SDK's snake_case and extras):
# JSON text stored as JSON, a missing variable as nothing with status 0, its condition words, its
# flat context, send_message, and the functions only its SDK had.

load helper

setup_file() {
  start_providers
  local suffix=$CRONIUM_TEST_TRANSPORT
  put_credential "compat-slack-$suffix" "{\"tool\": \"slack\", \"secret\": {\"url\": \"http://127.0.0.1:$WEBHOOK_PORT/compat-slack\"}}"
  put_credential "compat-discord-$suffix" "{\"tool\": \"discord\", \"secret\": {\"url\": \"http://127.0.0.1:$WEBHOOK_PORT/compat-discord\"}}"
  put_credential "compat-down-$suffix" "{\"tool\": \"slack\", \"secret\": {\"url\": \"http://127.0.0.1:$WEBHOOK_PORT/fail\"}}"
  put_credential "compat-email-$suffix" "{\"tool\": \"email\", \"secret\": {\"host\": \"127.0.0.1\", \"port\": $SMTP_PORT, \"from\": \"cronium@example.test\", \"useTls\": false}}"
}

teardown_file() {
  local name
  for name in slack discord down email; do
    harness api DELETE "/v1/users/$TEST_USER/tool-credentials/compat-$name-$CRONIUM_TEST_TRANSPORT" >/dev/null || true
  done
  stop_providers
}

setup() { default_setup; }

@test "cronium_output and cronium_set_variable store JSON text as JSON, anything else as a string" {
  # given | what the runtime must hold
  while IFS='|' read -r given held; do
    key=$(unique auto)
    run --separate-stderr cronium_set_variable "$key" "$given"
    [ "$status" -eq 0 ]
    [ -z "$output" ] # prints nothing, as Cronium's did
    [ "$(stored_value "$key")" = "$held" ]
    cronium_output "$given"
    [ "$(execution | jq -c .output)" = "$held" ]
  done <<'EOF'
42|42
 42 |42
-3.5|-3.5
1e3|1000
007|"007"
1.2.3|"1.2.3"
true|true
null|null
{"mode": "test", "debug": true}|{"mode":"test","debug":true}
[1, "two"]|[1,"two"]
"quoted"|"quoted"
{not json|"{not json"
hello world|"hello world"
2025-06-17T10:30:00Z|"2025-06-17T10:30:00Z"
-|"-"
|""
EOF
}

@test "a missing variable prints nothing with status 0, so set -euo pipefail scripts default with \${x:-...}" {
  key=$(unique missing)
  run --separate-stderr helper_bash "set -euo pipefail; x=\$(cronium_get_variable '$key'); echo \"[\${x:-fallback}]\"; cronium_getVariable '$key'; echo done"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "$output" = "$(printf '[fallback]\ndone')" ]
}

@test "a null value prints nothing; false prints false; --strict prints null" {
  key=$(unique nothing)
  cronium_set_variable "$key" null
  run --separate-stderr cronium_get_variable "$key"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run --separate-stderr cronium_get_variable --strict "$key"
  [ "$output" = null ]
  cronium_set_variable "$key" false
  run --separate-stderr cronium_get_variable "$key"
  [ "$output" = false ]
}

@test "the user docs' camelCase names: cronium_setVariable, cronium_getVariable, cronium_setCondition, cronium_getCondition" {
  key=$(unique camel)
  cronium_setVariable "$key" 5
  [ "$(cronium_getVariable "$key")" = 5 ]
  [ "$(stored_value "$key")" = 5 ]
  [ "$(cronium_getCondition)" = false ] # never set
  cronium_setCondition true
  [ "$(cronium_getCondition)" = true ]
  [ "$(execution | jq .condition)" = true ]
}

@test "cronium_set_condition takes Cronium's words; cronium_get_condition reads it back" {
  run --separate-stderr cronium_get_condition unset
  [ "$output" = unset ] # DEFAULT when none was set
  while read -r word stored; do
    run --separate-stderr cronium_set_condition "$word"
    [ "$status" -eq 0 ]
    [ "$(execution | jq .condition)" = "$stored" ]
    [ "$(cronium_get_condition)" = "$stored" ]
  done <<'EOF'
yes true
no false
on true
off false
1 true
0 false
TRUE true
False false
EOF
}

@test "the context is flat as in Cronium: cronium_event_field id, name, type, eventName; a missing field prints nothing" {
  new_execution '{"metadata": {"team": "ops"}}'
  [ "$(cronium_event | jq -r '[.id, .name, .type] | join(",")')" = 'evt-test,helper test,BASH' ]
  [ "$(cronium_event_field name)" = 'helper test' ]
  [ "$(cronium_event_field id)" = evt-test ]
  [ "$(cronium_event_field eventType)" = BASH ]
  [ "$(cronium_event_field metadata.team)" = ops ]
  run --separate-stderr cronium_event_field no.such.field
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ -z "$stderr" ]
  run --separate-stderr cronium_event_field workflow # null outside a workflow
  [ -z "$output" ]
}

@test "cronium_variable_exists: 0 when it exists (even as null), 1 when not" {
  key=$(unique exists)
  run cronium_variable_exists "$key"
  [ "$status" -eq 1 ]
  cronium_set_variable "$key" null
  run cronium_variable_exists "$key"
  [ "$status" -eq 0 ]
}

@test "cronium_delete_variable of a missing variable is fine (Cronium's never failed)" {
  run --separate-stderr cronium_delete_variable "$(unique never)"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
}

@test "cronium_increment_variable counts from 0, by N, and refuses what is not a whole number" {
  key=$(unique counter)
  [ "$(cronium_increment_variable "$key")" = 1 ]
  [ "$(cronium_increment_variable "$key" 5)" = 6 ]
  [ "$(stored_value "$key")" = 6 ]
  cronium_set_variable_text "$key" 41 >/dev/null # a number as text, as old scripts stored it
  [ "$(cronium_increment_variable "$key")" = 42 ]
  cronium_set_variable "$key" '{"n": 1}'
  run --separate-stderr cronium_increment_variable "$key"
  [ "$status" -eq 1 ]
  [[ $stderr == "cronium_increment_variable: not_a_number (0): "* ]]
  [ "$(stored_value "$key")" = '{"n":1}' ]
}

@test "cronium_increment_variable from parallel scripts: every increment counts" {
  key=$(unique parallel)
  for _ in $(seq 8); do
    (cronium_increment_variable "$key" >/dev/null) 3>&- 4>&- &
  done
  wait
  [ "$(stored_value "$key")" = 8 ]
}

@test "cronium_append_variable joins with the separator and prints nothing" {
  key=$(unique log)
  run --separate-stderr cronium_append_variable "$key" first ', '
  [ -z "$output" ]
  cronium_append_variable "$key" second ', '
  cronium_append_variable "$key" third
  [ "$(stored_value "$key")" = '"first, secondthird"' ]
}

@test "cronium_info says where it talks to and never shows the token, not even its start" {
  run --separate-stderr cronium_info
  [ "$status" -eq 0 ]
  [[ $output == *'Cronium Bash SDK'* ]]
  [[ $output == *"API URL: $CRONIUM_RUNTIME_API"* ]]
  [[ $output == *"Execution ID: $CRONIUM_EXECUTION_ID"* ]]
  [[ $output != *"${CRONIUM_EXECUTION_TOKEN:0:10}"* ]]
}

@test "cronium_execute_tool_action with send_message prints the provider's answer; a failure is status 7" {
  text="legacy $RANDOM"
  run --separate-stderr cronium_execute_tool_action slack send_message "{\"text\": \"$text\"}" "compat-slack-$CRONIUM_TEST_TRANSPORT"
  [ "$status" -eq 0 ]
  [ "$output" = '{"status":200,"body":"ok"}' ]
  received '"/compat-slack"' "$text"
  run --separate-stderr cronium_execute_tool_action slack send_message '{"text": "x"}' "compat-down-$CRONIUM_TEST_TRANSPORT"
  [ "$status" -eq 7 ]
  [[ $stderr == "cronium_execute_tool_action: tool_failed (200): "* ]]
}

@test "cronium_send_slack_message and cronium_send_discord_message send Cronium's options" {
  text="slack $RANDOM" content="discord $RANDOM"
  run --separate-stderr cronium_send_slack_message '#ops' "$text" --username bot --icon-emoji :robot: --credential "compat-slack-$CRONIUM_TEST_TRANSPORT"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  received '"/compat-slack"' "$text"
  [ "$(grep -F "$text" "$BATS_FILE_TMPDIR/received.jsonl" | jq -c .body)" = "{\"channel\":\"#ops\",\"text\":\"$text\",\"username\":\"bot\",\"icon_emoji\":\":robot:\"}" ]
  run --separate-stderr cronium_send_discord_message 1234 "$content" --embed '{"title": "t"}' --credential "compat-discord-$CRONIUM_TEST_TRANSPORT"
  [ "$status" -eq 0 ]
  received '"/compat-discord"' "$content"
  [ "$(grep -F "$content" "$BATS_FILE_TMPDIR/received.jsonl" | jq -c .body)" = "{\"channelId\":\"1234\",\"content\":\"$content\",\"embeds\":[{\"title\":\"t\"}]}" ]
}

@test "cronium_send_email takes comma-separated addresses, --cc, --bcc and --html" {
  subject="html $RANDOM"
  run --separate-stderr cronium_send_email 'a@example.test, b@example.test' "$subject" '<p>hi</p>' "compat-email-$CRONIUM_TEST_TRANSPORT" --cc c@example.test --bcc 'd@example.test,e@example.test' --html
  [ "$status" -eq 0 ]
  received '"email"' "$subject"
  mail=$(grep -F "$subject" "$BATS_FILE_TMPDIR/received.jsonl")
  [ "$(jq '.to | length' <<<"$mail")" -eq 5 ]
  [[ $(jq -r .data <<<"$mail") == *text/html* ]]
}

@test "sourced through a link (the images' /usr/local/bin/cronium.sh) it still brings Cronium's names" {
  ln -s "$CRONIUM_SH" "$BATS_TEST_TMPDIR/cronium.sh"
  run --separate-stderr env -u CRONIUM_HELPERS bash -c "source '$BATS_TEST_TMPDIR/cronium.sh'; declare -F cronium_event_field cronium_getVariable"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "${#lines[@]}" -eq 2 ]
}

@test "a copy of cronium.sh without cronium-compat.sh says what is missing" {
  cp "$CRONIUM_SH" "$BATS_TEST_TMPDIR/alone.sh"
  run --separate-stderr env -u CRONIUM_HELPERS bash -c "source '$BATS_TEST_TMPDIR/alone.sh'; declare -F cronium_get_variable"
  [ "$status" -eq 0 ]
  [ "$output" = cronium_get_variable ]
  [[ $stderr == *'cronium-compat.sh is not beside'* ]]
}
