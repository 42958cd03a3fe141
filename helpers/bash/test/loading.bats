#!/usr/bin/env bats
# How scripts get the functions (BASH_ENV with nothing imported, or source), and that the
# operations table matches openapi.yaml.

load helper

setup() { new_execution; }

@test "BASH_ENV=cronium.sh: a script uses every function with nothing imported" {
  key=$(unique bashenv)
  cat >"$BATS_TEST_TMPDIR/script.sh" <<EOF
input=\$(cronium_input)
cronium_set_variable '$key' "from \$input"
cronium_get_variable '$key'
cronium_set_variable_json '$key' '[1,2]' >/dev/null
cronium_get_variable '$key'
cronium_list_variables '$key'
cronium_delete_variable '$key'
cronium_get_variable '$key' gone
cronium_event event.name
cronium_set_condition true
cronium_output_json '{"done": true}'
EOF
  run --separate-stderr env BASH_ENV="$CRONIUM_SH" bash "$BATS_TEST_TMPDIR/script.sh"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "$output" = "$(printf '%s\n' 'from {"hello":"world"}' '[1,2]' "$key" gone 'helper test')" ]
  [ "$(execution | jq -c '[.output, .condition]')" = '[{"done":true},true]' ]
}

@test "the README's first example runs as it is, with nothing imported" {
  new_execution '{"input": {"rows": [1, 2, 3]}, "event": {"id": "evt-readme", "name": "nightly", "type": "BASH"}}'
  awk '/^```bash$/ { on = 1; next } on && /^```$/ { exit } on' "$HELPER_DIR/README.md" >"$BATS_TEST_TMPDIR/example.sh"
  grep -q cronium_send_slack "$BATS_TEST_TMPDIR/example.sh"
  key=runs
  before=$(stored "$key" | jq '.value // 0')
  run --separate-stderr env BASH_ENV="$CRONIUM_SH" bash "$BATS_TEST_TMPDIR/example.sh"
  [ "$status" -eq 0 ]
  [ "$(execution | jq -c '[.output, .condition]')" = '[{"processed":3},true]' ]
  [ "$(stored_value last_run_by)" = '"nightly"' ]
  [ "$(stored_value "$key")" -eq $((before + 1)) ]
}

@test "BASH_ENV reaches child bash scripts too" {
  printf 'cronium_event event.type\n' >"$BATS_TEST_TMPDIR/child.sh"
  printf 'bash %q\n' "$BATS_TEST_TMPDIR/child.sh" >"$BATS_TEST_TMPDIR/parent.sh"
  run --separate-stderr env BASH_ENV="$CRONIUM_SH" bash "$BATS_TEST_TMPDIR/parent.sh"
  [ "$status" -eq 0 ]
  [ "$output" = BASH ]
}

@test "an explicit source works, and sourcing twice is harmless" {
  run --separate-stderr bash -c "source '$CRONIUM_SH'; source '$CRONIUM_SH'; cronium_event event.id"
  [ "$status" -eq 0 ]
  [ "$output" = evt-test ]
}

@test "sourcing defines functions only: no output, no request, status 0" {
  run --separate-stderr env -u CRONIUM_RUNTIME_API bash -c "source '$CRONIUM_SH'; echo \"sourced \$?\"; declare -F cronium_get_variable"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "$output" = "$(printf 'sourced 0\ncronium_get_variable')" ]
}

@test "a non-bash shell that reads the file defines nothing and carries on" {
  command -v dash >/dev/null || skip "no dash here"
  run --separate-stderr dash -c ". '$CRONIUM_SH'; echo after"
  [ "$status" -eq 0 ]
  [ "$output" = after ]
}

@test "every public function is there" {
  source "$CRONIUM_SH"
  for f in cronium_input cronium_output cronium_output_json cronium_get_variable cronium_set_variable \
    cronium_set_variable_json cronium_delete_variable cronium_list_variables cronium_set_condition cronium_event \
    cronium_tool_action cronium_send_email cronium_send_slack cronium_send_discord; do
    declare -F "$f" >/dev/null
  done
}

# openapi.yaml's script-facing operations as "operationId METHOD path", sorted.
contract_operations() {
  awk '
    /^  \/[^ ]*:$/ { path = $1; sub(/:$/, "", path) }
    /^    (get|put|post|delete|patch):$/ { method = toupper($1); sub(/:$/, "", method) }
    /^      operationId:/ { op = $2 }
    /^      tags: \[Script\]/ { print op, method, path }
  ' "$ROOT/openapi.yaml" | sort
}

# The helper's table lines as "operationId METHOD path", sorted.
table_operations() {
  sed -nE "s/^ *([A-Za-z]+)\) +_cronium_op='([A-Z]+) ([^']+)' ;;$/\1 \2 \3/p" "$CRONIUM_SH" | sort
}

@test "conformance: the operations table is exactly openapi.yaml's script operations" {
  [ "$(contract_operations | wc -l)" -eq 10 ]
  diff <(contract_operations) <(table_operations)
}

@test "conformance: no API path outside the table, and every call names an operation in it" {
  [ "$(grep -c '/v1/' "$CRONIUM_SH")" -eq "$(table_operations | wc -l)" ]
  ! grep -q '/v1/' "$HELPER_DIR/cronium-compat.sh"
  used=$(grep -hv '^ *#' "$CRONIUM_SH" "$HELPER_DIR/cronium-compat.sh" | grep -oE '_cronium_call [^ ]+ [A-Za-z]+' | awk '{print $3}' | sort -u)
  [ -n "$used" ]
  for op in $used; do
    table_operations | grep -q "^$op "
  done
  # and every operation in the table is used by some function
  for op in $(table_operations | awk '{print $1}'); do
    grep -qE "_cronium_call [^ ]+ $op " "$CRONIUM_SH"
  done
}
