#!/usr/bin/env bash
# Benchmark: CALLS cronium_get_variable calls through the bash helper vs the same calls made with
# raw curl (a new curl per call, as the helper does), in the same run, against a runtime started
# by the test harness, over TCP and over the Unix socket. The two series alternate call by call,
# so load from elsewhere on the machine hits both alike. Prints figures and the ratio (target:
# helper within 1.2x of raw curl); it does not pass or fail.
#
#   bench/helpers/bash.sh [CALLS]       (CRONIUM_RUNTIME_DLL and CRONIUM_BENCH_PORT are honoured)
#
# The value read is the Node/Python benchmarks' object, stored compact. A last line shows a value
# stored with whitespace, which the helper compacts through jq (the slow path), with fewer calls.
set -euo pipefail

calls=${1:-500}
source "$(dirname "${BASH_SOURCE[0]}")/live-runtime.sh" 18191
trap 'exit 143' TERM INT
"$harness" api PUT /v1/users/test-user/variables/bench.spaced '{"value": {"name": "benchmark", "n": 42, "tags": ["a", "b", "c"]}}' >/dev/null

export CRONIUM_EXECUTION_TOKEN=$token CRONIUM_EXECUTION_ID=$execution
# shellcheck source=../../helpers/bash/cronium.sh
source "$root/helpers/bash/cronium.sh"

raw_get() { # the same request, made directly: one curl, token on its command line
  if [ -n "$socket" ]; then
    curl -s --unix-socket "$socket" -H "Authorization: Bearer $CRONIUM_EXECUTION_TOKEN" "http://localhost/v1/executions/$CRONIUM_EXECUTION_ID/variables/$1" >/dev/null
  else
    curl -s -H "Authorization: Bearer $CRONIUM_EXECUTION_TOKEN" "$CRONIUM_RUNTIME_API/v1/executions/$CRONIUM_EXECUTION_ID/variables/$1" >/dev/null
  fi
}

# series KEY N: N raw calls and N helper calls, alternating one by one (load from elsewhere on
# the machine then weighs on both alike); sets raw_us and helper_us, the totals.
series() {
  local key=$1 n=$2 i t0 t1 t2
  raw_us=0 helper_us=0
  for ((i = 0; i < n; i++)); do
    t0=${EPOCHREALTIME/[.,]/}
    raw_get "$key"
    t1=${EPOCHREALTIME/[.,]/}
    cronium_get_variable "$key" >/dev/null || exit 1
    t2=${EPOCHREALTIME/[.,]/}
    raw_us=$((raw_us + t1 - t0)) helper_us=$((helper_us + t2 - t1))
  done
}

report() { # LABEL N
  awk -v label="$1" -v n="$2" -v raw="$raw_us" -v helper="$helper_us" 'BEGIN {
    printf "%-30s %5d calls   raw curl %6.2f ms/call   helper %6.2f ms/call   ratio %.2fx\n",
      label, n, raw / n / 1000, helper / n / 1000, helper / raw }'
}

echo "bash ${BASH_VERSION%%(*}, $(curl --version | head -n1 | cut -d' ' -f1-2), $(jq --version); getVariable, $calls calls per series"
for api in "$tcp" "$unix"; do
  export CRONIUM_RUNTIME_API=$api
  socket=''
  [[ $api == unix://* ]] && socket=${api#unix://}
  transport=tcp
  [ -n "$socket" ] && transport=unix
  [ "$(cronium_get_variable bench.value)" = '{"name":"benchmark","n":42,"tags":["a","b","c"]}' ] || { echo "unexpected value" >&2; exit 1; }
  series bench.value 20 # warm-up: the runtime's JIT and caches, the page cache for curl
  series bench.value "$calls"
  report "$transport, compact object" "$calls"
done
export CRONIUM_RUNTIME_API=$tcp socket=''
slow=$(((calls + 4) / 5))
series bench.spaced "$slow"
report "tcp, object with spaces (jq)" "$slow"
