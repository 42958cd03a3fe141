#!/usr/bin/env bash
# Cross-language round trips: each value is written by one helper (bash, Python, Node) and read back by all
# three, against a live runtime (tests/support/runtime.sh). Values: Unicode, nested JSON, null, booleans,
# numbers, and a string just under the 1 MiB value limit. Readers print JSON; a value "reads the same" when
# the canonical forms agree (keys sorted, every number as a double, so 1 and 1.0 are one number as in JSON).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
own_dir=''
[ -n "${CRONIUM_TEST_DIR:-}" ] || { CRONIUM_TEST_DIR=$(mktemp -d); own_dir=1; }
export CRONIUM_TEST_DIR CRONIUM_TEST_PORT=${CRONIUM_TEST_PORT:-18481}
harness=$root/tests/support/runtime.sh
# Tests remove what they create: the runtime's folder too, when this script made it.
trap '"$harness" stop; [ -z "$own_dir" ] || rm -rf "$CRONIUM_TEST_DIR"' EXIT
eval "$("$harness" start | sed 's/^/export /')"

created=$("$harness" new-execution)
export CRONIUM_EXECUTION_ID CRONIUM_EXECUTION_TOKEN
CRONIUM_EXECUTION_ID=$(jq -r .executionId <<<"$created")
CRONIUM_EXECUTION_TOKEN=$(jq -r .token <<<"$created")
export PYTHONPATH=$root/helpers/python/preload
source "$root/helpers/bash/cronium.sh"

near_limit=$(python3 -c 'print("\"" + "ü" * ((1024 * 1024 - 2) // 2 - 8) + "\"")')
values=(
  '"plain"'
  '"héllo ✓ 日本語 🚀 \" \\ \t quote-and-escapes"'
  '""'
  'null' 'true' 'false'
  '0' '-17' '3.141592653589793' '1e-7' '9007199254740991' '1.5e300'
  '[]' '{}'
  '[1,"two",[3,[4,{"five":null}]],true,false,null]'
  '{"b":{"c":[{"d":"ü"}]},"a":1,"empty":{},"list":[]}'
  "$near_limit"
)

canonical() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read(), parse_int=float), sort_keys=True, ensure_ascii=False, separators=(",", ":")))'; }

write() { # LANG KEY  (the value's JSON on stdin)
  case $1 in
    bash) cronium_set_variable_json "$2" "$(cat)" >/dev/null ;;
    python) python3 -c 'import cronium,json,sys; cronium.setVariable(sys.argv[1], json.loads(sys.stdin.read()))' "$2" ;;
    node) node --require "$root/helpers/node/preload.cjs" -e '
      let s = ""; process.stdin.setEncoding("utf8").on("data", (d) => (s += d)).on("end", () => cronium.setVariable(process.argv[1], JSON.parse(s)).catch((e) => { console.error(e); process.exit(1); }));' "$2" ;;
  esac
}

read_back() { # LANG KEY → the value as JSON
  case $1 in
    bash) cronium_get_variable --json "$2" ;;
    python) python3 -c 'import cronium,json,sys; print(json.dumps(cronium.getVariable(sys.argv[1], "__missing__"), ensure_ascii=False))' "$2" ;;
    node) node --require "$root/helpers/node/preload.cjs" -e 'cronium.getVariable(process.argv[1], "__missing__").then((v) => console.log(JSON.stringify(v)))' "$2" ;;
  esac
}

failures=0 checks=0
for writer in bash python node; do
  for i in "${!values[@]}"; do
    key="x.$writer.$i"
    expected=$(canonical <<<"${values[$i]}")
    write "$writer" "$key" <<<"${values[$i]}" || { echo "FAIL write $writer #$i"; failures=$((failures + 1)); continue; }
    for reader in bash python node; do
      checks=$((checks + 1))
      got=$(read_back "$reader" "$key" | canonical) || got="<error>"
      if [[ $got != "$expected" ]]; then
        failures=$((failures + 1))
        echo "FAIL value #$i written by $writer, read by $reader: expected ${expected:0:120} got ${got:0:120}"
      fi
    done
  done
done
echo "crosslang: $checks checks, $failures failures"
((failures == 0))
