#!/usr/bin/env bash
# Benchmark: 500 getVariable calls through the Python helper vs the same 500 calls made raw with
# http.client on one kept-alive connection, in the same run, against a runtime started by the
# test harness, over TCP and over the Unix socket. Prints per-call times and the ratio (target:
# helper within 1.5x of raw); it does not pass or fail.
#
#   bench/helpers/python.sh [CALLS]     (CRONIUM_RUNTIME_DLL, PYTHON and CRONIUM_BENCH_PORT are honoured)
set -euo pipefail

python=${PYTHON:-python3}
calls=${1:-500}
source "$(dirname "${BASH_SOURCE[0]}")/live-runtime.sh" 18291

echo "$("$python" --version 2>&1), $calls getVariable calls per series"
for api in "$tcp" "$unix"; do
  CRONIUM_RUNTIME_API=$api \
  CRONIUM_EXECUTION_TOKEN=$token \
  CRONIUM_EXECUTION_ID=$execution \
    "$python" "$here/python.py" "$calls" bench.value
done
