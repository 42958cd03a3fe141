#!/usr/bin/env bash
# Benchmark: 500 getVariable calls through the Node helper vs the same 500 calls made raw with
# `http` and a keep-alive Agent, in the same run, against a runtime started by the test harness,
# over TCP and over the Unix socket. Prints figures and the ratio (target: helper within 1.5x of
# raw); it does not pass or fail.
#
#   bench/helpers/node.sh [CALLS]       (CRONIUM_RUNTIME_DLL, NODE and CRONIUM_BENCH_PORT are honoured)
set -euo pipefail

node=${NODE:-node}
calls=${1:-500}
source "$(dirname "${BASH_SOURCE[0]}")/live-runtime.sh" 18391

echo "node $("$node" --version), $calls getVariable calls per series"
for api in "$tcp" "$unix"; do
  CRONIUM_RUNTIME_API=$api \
  CRONIUM_EXECUTION_TOKEN=$token \
  CRONIUM_EXECUTION_ID=$execution \
    "$node" "$here/node.js" "$calls" bench.value
done
