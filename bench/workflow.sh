#!/usr/bin/env bash
# The cost of a workflow node: a 10-node chain and a 10-wide fan-out of no-op bash nodes beside 10 `cronium run`s
# of the same node and the bare interpreter, all in the same run (process backend, embedded runtime). Prints
# medians and ratios; it does not pass or fail. Targets: each node of a workflow at most +50 ms over the bare
# interpreter (one runtime serves the whole run), and the fan-out at least 1.7x faster than the chain.
#
#   bench/workflow.sh [RUNS]      default 5 runs of each
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building cronium (Release, ReadyToRun)..." >&2
dotnet publish src/Cronium.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o "$work/cli" --nologo -v q >/dev/null
cronium=$work/cli/cronium
export TMPDIR=$work XDG_DATA_HOME=$work/data

printf ':\n' > "$work/noop.sh"
{
  echo "name: chain-1"; echo "nodes:"; echo "  - {id: n1, event: noop.sh}"
} > "$work/chain1.yaml"
{
  echo "name: chain-10"; echo "concurrency: 10"; echo "nodes:"
  for i in $(seq 1 10); do echo "  - {id: n$i, event: noop.sh}"; done
  echo "edges:"
  for i in $(seq 1 9); do echo "  - {from: n$i, to: n$((i + 1)), when: ON_SUCCESS}"; done
} > "$work/chain10.yaml"
{
  echo "name: fan-10"; echo "concurrency: 10"; echo "nodes:"
  for i in $(seq 1 10); do echo "  - {id: n$i, event: noop.sh}"; done
} > "$work/fan10.yaml"

ten_runs() { for _ in $(seq 1 10); do "$cronium" run "$work/noop.sh" || return 1; done; }
ten_bare() { for _ in $(seq 1 10); do bash "$work/noop.sh" || return 1; done; }

# Median wall time of a command, in milliseconds, over $runs runs (after one warm-up).
median_ms() {
  "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; return 1; }
  local times=() i s e
  for ((i = 0; i < runs; i++)); do
    s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
    times+=($(((e - s) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs per figure: $runs (median)"
bare=$(median_ms bash "$work/noop.sh")
bare10=$(median_ms ten_bare)
runs10=$(median_ms ten_runs)
chain1=$(median_ms "$cronium" workflow run "$work/chain1.yaml")
chain10=$(median_ms "$cronium" workflow run "$work/chain10.yaml")
fan10=$(median_ms "$cronium" workflow run "$work/fan10.yaml")

# A node's cost inside a workflow: what nine more nodes in a chain add, per node (the runtime's start is in both).
per_node=$(((chain10 - chain1) / 9))
overhead=$((per_node - bare))
speedup=$(awk -v c="$chain10" -v f="$fan10" 'BEGIN { printf "%.2f", c / f }')
# The same without the fixed start every workflow pays once (the embedded runtime, the file), which a 1-node
# workflow measures: what is left is the nodes' own time.
start=$((chain1 - per_node))
nodes_speedup=$(awk -v c="$((chain10 - start))" -v f="$((fan10 - start))" 'BEGIN { printf "%.2f", c / f }')
echo
printf '%-44s %10s\n' "figure" "ms"
printf '%-44s %10s\n' "bare bash no-op" "$bare"
printf '%-44s %10s\n' "10 bare bash no-ops, one after another" "$bare10"
printf '%-44s %10s\n' "10 × cronium run of the no-op" "$runs10"
printf '%-44s %10s\n' "workflow of 1 no-op node" "$chain1"
printf '%-44s %10s\n' "workflow: chain of 10 no-op nodes" "$chain10"
printf '%-44s %10s\n' "workflow: fan-out of 10 no-op nodes" "$fan10"
echo
echo "per node in a chain: $per_node ms = +$overhead ms over the bare interpreter ($( ((overhead <= 50)) && echo "meets ≤ +50 ms" || echo "misses the ≤ +50 ms target"))"
echo "fan-out vs chain: ${speedup}x faster in all ($(awk -v s="$speedup" 'BEGIN { exit !(s >= 1.7) }' && echo "meets ≥ 1.7x" || echo "misses the ≥ 1.7x target"));" \
  "${nodes_speedup}x for the nodes alone (the fixed start, ${start} ms, taken out)"
echo "chain of 10 vs 10 × cronium run: $(awk -v c="$chain10" -v r="$runs10" 'BEGIN { printf "%.2f", r / c }')x faster (one runtime for the whole run)"
