#!/usr/bin/env bats
# Every function's happy path against the live runtime, and the strict value rules of the explicit
# names: a _text argument is a JSON string, a _json one is JSON, reads print strings raw and every
# other value as compact JSON (--json: always JSON). compat.bats covers Cronium's rules.

load helper

setup() { default_setup; }

@test "cronium_input prints an object input as compact JSON" {
  run --separate-stderr cronium_input
  [ "$status" -eq 0 ]
  [ "$output" = '{"hello":"world"}' ]
}

@test "cronium_input prints a string input raw, and as JSON with --json" {
  new_execution '{"input": "plain \"text\""}'
  run --separate-stderr cronium_input
  [ "$status" -eq 0 ]
  [ "$output" = 'plain "text"' ]
  run --separate-stderr cronium_input --json
  [ "$output" = '"plain \"text\""' ]
}

@test "cronium_input prints nothing when the execution has no input; --strict and --json print null" {
  new_execution '{"input": null}'
  run --separate-stderr cronium_input
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run --separate-stderr cronium_input --strict
  [ "$output" = null ]
  run --separate-stderr cronium_input --json
  [ "$output" = null ]
}

@test "cronium_output_text stores its argument as a JSON string" {
  run --separate-stderr cronium_output_text '{"looks": "like json"}'
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ "$(execution | jq -c .output)" = '"{\"looks\": \"like json\"}"' ]
}

@test "cronium_output_json stores JSON; the last call wins" {
  cronium_output first
  run --separate-stderr cronium_output_json '{"rows": 3, "ok": true, "names": ["a", "b"], "none": null}'
  [ "$status" -eq 0 ]
  [ "$(execution | jq -c .output)" = '{"rows":3,"ok":true,"names":["a","b"],"none":null}' ]
}

@test "cronium_set_variable_text prints the new version; cronium_get_variable prints the string raw" {
  key=$(unique greeting)
  run --separate-stderr cronium_set_variable_text "$key" 'hello "world"'
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
  run --separate-stderr cronium_set_variable_text "$key" 'hello again'
  [ "$output" = 2 ]
  run --separate-stderr cronium_get_variable "$key"
  [ "$status" -eq 0 ]
  [ "$output" = 'hello again' ]
  [ "$(stored_value "$key")" = '"hello again"' ]
}

@test "a _text argument stays a string whatever it looks like" {
  for text in 42 true null '{"a": 1}' '[1,2]' '"quoted"' '-3.5' ''; do
    key=$(unique plain)
    cronium_set_variable_text "$key" "$text" >/dev/null
    [ "$(stored "$key" | jq -r '.value | type')" = string ]
    [ "$(stored "$key" | jq -r .value)" = "$text" ]
    run --separate-stderr cronium_get_variable "$key"
    [ "$output" = "$text" ]
    run --separate-stderr cronium_get_variable --json "$key"
    [ "$output" = "$(jq -cn --arg t "$text" '$t')" ]
  done
}

@test "_json values keep their type: numbers, booleans, null, objects, arrays" {
  # value as given | what the runtime must hold | what a read prints
  while IFS='|' read -r given held printed; do
    key=$(unique typed)
    run --separate-stderr cronium_set_variable_json "$key" "$given"
    [ "$status" -eq 0 ]
    [ "$(stored_value "$key")" = "$held" ]
    run --separate-stderr cronium_get_variable --strict "$key" # --strict: null prints null
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    if [ -n "$printed" ]; then
      [ "$output" = "$printed" ]
    else
      [ "$(jq -c . <<<"$output")" = "$held" ] # compact JSON, the same value
    fi
  done <<'EOF'
42|42|42
-7|-7|-7
3.25|3.25|3.25
true|true|true
false|false|false
null|null|null
"a string"|"a string"|a string
{"a": 1, "b": [true, null, {"c": "d"}]}|{"a":1,"b":[true,null,{"c":"d"}]}|
[1, "two", 3.5, [], {}]|[1,"two",3.5,[],{}]|
{}|{}|{}
[]|[]|[]
EOF
}

@test "a JSON string read back prints raw, and as JSON with --json" {
  key=$(unique jsonstr)
  cronium_set_variable_json "$key" '"line one\nline \"two\"\ttab"' >/dev/null
  cronium_get_variable "$key" >"$BATS_TEST_TMPDIR/raw"
  printf 'line one\nline "two"\ttab\n' | cmp - "$BATS_TEST_TMPDIR/raw"
  run --separate-stderr cronium_get_variable --json "$key"
  [ "$(jq -r . <<<"$output")" = "$(printf 'line one\nline "two"\ttab')" ]
}

@test "text round-trips byte for byte: unicode, quotes, backslashes, control characters, newlines" {
  for text in 'héllo wörld ✓ 😀 日本語' $'tab\there\nnew "line" \\ back\\slash' $'\x01\x02\x1f end' $'trailing newlines\n\n' '--if-version' '-' '$HOME `x` $(y)'; do
    key=$(unique text)
    cronium_set_variable "$key" "$text" >/dev/null
    stored "$key" | jq -j .value | cmp - <(printf '%s' "$text")
    cronium_get_variable "$key" >"$BATS_TEST_TMPDIR/got"
    printf '%s\n' "$text" | cmp - "$BATS_TEST_TMPDIR/got"
  done
}

@test "a long text with characters to escape round-trips (the jq encoding path)" {
  text=$(for i in $(seq 1 4000); do printf 'line %d "quoted" \\ tab\there\n' "$i"; done)
  ((${#text} > 4096))
  key=$(unique long)
  cronium_set_variable "$key" "$text" >/dev/null
  cronium_get_variable "$key" >"$BATS_TEST_TMPDIR/got"
  printf '%s\n' "$text" | cmp - "$BATS_TEST_TMPDIR/got"
}

@test "a near-limit value (1,000,000 bytes) round-trips" {
  text=$(head -c 1000000 /dev/zero | tr '\0' x)
  key=$(unique nearlimit)
  run --separate-stderr cronium_set_variable "$key" "$text"
  [ "$status" -eq 0 ]
  cronium_get_variable "$key" >"$BATS_TEST_TMPDIR/got"
  printf '%s\n' "$text" | cmp - "$BATS_TEST_TMPDIR/got"
}

@test "nested JSON and unicode read back as the same value" {
  key=$(unique nested)
  value='{"name":"Zoë","tags":["α","β"],"deep":{"a":{"b":{"c":[1,{"d":null}]}}},"emoji":"😀","esc":"q\"b\\"}'
  cronium_set_variable_json "$key" "$value" >/dev/null
  run --separate-stderr cronium_get_variable "$key"
  [ "$status" -eq 0 ]
  [ "$(jq -cS . <<<"$output")" = "$(jq -cS . <<<"$value")" ]
}

@test "an integer beyond double precision keeps its digits on the way in and out" {
  key=$(unique bignum)
  cronium_set_variable_json "$key" 12345678901234567890 >/dev/null
  run --separate-stderr cronium_get_variable "$key"
  [ "$output" = 12345678901234567890 ]
}

@test "cronium_get_variable prints DEFAULT for a missing variable, with status 0" {
  run --separate-stderr cronium_get_variable "$(unique missing)" 'fallback value'
  [ "$status" -eq 0 ]
  [ "$output" = 'fallback value' ]
  [ -z "$stderr" ]
  run --separate-stderr cronium_get_variable "$(unique missing)" ''
  [ "$status" -eq 0 ]
  [ "$output" = '' ]
}

@test "cronium_get_variable ignores DEFAULT when the variable exists" {
  key=$(unique present)
  cronium_set_variable "$key" real >/dev/null
  run --separate-stderr cronium_get_variable "$key" fallback
  [ "$output" = real ]
}

@test "--if-version: 0 creates only when absent, N replaces only version N" {
  key=$(unique cas)
  run --separate-stderr cronium_set_variable_text --if-version 0 "$key" first
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
  run --separate-stderr cronium_set_variable "$key" second --if-version 1
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ "$(stored_version "$key")" = 2 ]
  run --separate-stderr cronium_set_variable_json --if-version=2 "$key" '{"third": 3}'
  [ "$status" -eq 0 ]
  [ "$output" = 3 ]
  [ "$(stored_value "$key")" = '{"third":3}' ]
}

@test "cronium_delete_variable removes it" {
  key=$(unique gone)
  cronium_set_variable "$key" x >/dev/null
  run --separate-stderr cronium_delete_variable "$key"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run --separate-stderr cronium_get_variable --strict "$key"
  [ "$status" -eq 3 ]
}

@test "cronium_list_variables prints keys one per line, filtered by prefix, in key order" {
  prefix=$(unique list).
  for k in b a c; do cronium_set_variable "$prefix$k" "$k" >/dev/null; done
  run --separate-stderr cronium_list_variables "$prefix"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '%s\n' "${prefix}a" "${prefix}b" "${prefix}c")" ]
  run --separate-stderr cronium_list_variables "$prefix-nothing-here"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "cronium_list_variables --json prints one array of {key, version, updatedAt}" {
  prefix=$(unique listjson).
  cronium_set_variable "${prefix}one" 1 >/dev/null
  cronium_set_variable "${prefix}one" 2 >/dev/null
  cronium_set_variable "${prefix}two" 1 >/dev/null
  run --separate-stderr cronium_list_variables --json "$prefix"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [ "$(jq -c 'map([.key, .version])' <<<"$output")" = "[[\"${prefix}one\",2],[\"${prefix}two\",1]]" ]
  [ "$(jq -r 'map(.updatedAt | type) | unique | .[]' <<<"$output")" = string ]
  run --separate-stderr cronium_list_variables --json "$prefix-nothing-here"
  [ "$output" = '[]' ]
}

@test "cronium_list_variables follows nextAfter across pages (1,001 keys, pages of 1,000)" {
  prefix=$(unique paged).
  # Made with one parallel curl through the orchestrator API: 1,001 helper calls would be slow.
  urls=()
  for i in $(seq -w 1 1001); do urls+=(-X PUT "http://127.0.0.1:$CRONIUM_TEST_PORT/v1/users/$TEST_USER/variables/$prefix$i"); done
  curl -sS -f -Z --parallel-max 16 -o /dev/null -H "Authorization: Bearer ${CRONIUM_TEST_ORCHESTRATOR_KEY:-test-orchestrator-key-0123456789abcdef}" \
    -H 'Content-Type: application/json' --data-binary '{"value": 1}' "${urls[@]}"
  run --separate-stderr cronium_list_variables "$prefix"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1001 ]
  [ "${lines[0]}" = "${prefix}0001" ]
  [ "${lines[1000]}" = "${prefix}1001" ]
  run --separate-stderr cronium_list_variables --json "$prefix"
  [ "$(jq length <<<"$output")" -eq 1001 ]
}

@test "cronium_set_condition stores true and false" {
  run --separate-stderr cronium_set_condition true
  [ "$status" -eq 0 ]
  [ "$(execution | jq .condition)" = true ]
  cronium_set_condition false
  [ "$(execution | jq .condition)" = false ]
}

@test "cronium_event prints the whole context as compact JSON" {
  run --separate-stderr cronium_event
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [ "$(jq -r .executionId <<<"$output")" = "$CRONIUM_EXECUTION_ID" ]
  [ "$(jq -c .event <<<"$output")" = '{"id":"evt-test","name":"helper test","type":"BASH"}' ]
  [ "$(jq -r .userId <<<"$output")" = "$TEST_USER" ]
}

@test "cronium_event FIELD prints one field: strings raw, the rest compact" {
  new_execution '{"metadata": {"team": "ops", "tier": "gold"}, "attempt": 2, "workflow": {"id": "wf-1", "runId": "run-9", "nodeId": "node-a"}}'
  run --separate-stderr cronium_event event.name
  [ "$output" = 'helper test' ]
  run --separate-stderr cronium_event .event.type
  [ "$output" = BASH ]
  run --separate-stderr cronium_event metadata.team
  [ "$output" = ops ]
  run --separate-stderr cronium_event attempt
  [ "$output" = 2 ]
  run --separate-stderr cronium_event workflow
  [ "$output" = '{"id":"wf-1","runId":"run-9","nodeId":"node-a"}' ]
  run --separate-stderr cronium_event workflow.runId
  [ "$output" = run-9 ]
  run --separate-stderr cronium_event executionId
  [ "$output" = "$CRONIUM_EXECUTION_ID" ]
}

@test "cronium_event prints null for a field that is null, and refuses a field that is not there" {
  run --separate-stderr cronium_event workflow
  [ "$status" -eq 0 ]
  [ "$output" = null ]
  run --separate-stderr cronium_event event.colour
  [ "$status" -eq 3 ]
  [[ $stderr == *'cronium_event: field_not_found'*'event.colour'* ]]
  run --separate-stderr cronium_event event.name.first
  [ "$status" -eq 3 ]
}
