#!/usr/bin/env bash
# The cost of an event: `cronium run` of a no-op script per language beside the bare interpreter (process
# backend, embedded runtime start-up included), and `cronium run --backend docker` beside a bare
# `docker run --rm --network none IMAGE true`, all in the same run. Prints medians and the overhead; it does
# not pass or fail. Targets: process backend at most +300 ms over the interpreter, docker backend at most
# +250 ms over the bare docker run.
#
#   bench/run-overhead.sh [RUNS]      default 10 runs of each
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building cronium (Release, ReadyToRun)..." >&2
dotnet publish src/Cronium.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o "$work/cli" --nologo -v q >/dev/null
cronium=$work/cli/cronium
export TMPDIR=$work XDG_DATA_HOME=$work/data

printf 'pass\n' > "$work/noop.py"
printf ':\n' > "$work/noop.sh"
printf '\n' > "$work/noop.mjs"

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

verdict() { (($1 <= $2)) && echo "meets (≤ +$2 ms)" || echo "misses (target ≤ +$2 ms)"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs per figure: $runs (median)"
echo
printf '%-28s %10s %10s %10s  %s\n' "process backend" "bare ms" "cronium ms" "overhead" "target"
for lang in bash python node; do
  case $lang in
    bash) script=$work/noop.sh; bare=(bash "$script") ;;
    python) script=$work/noop.py; bare=(python3 "$script") ;;
    node) script=$work/noop.mjs; bare=(node "$script") ;;
  esac
  b=$(median_ms "${bare[@]}")
  c=$(median_ms "$cronium" run "$script")
  printf '%-28s %10s %10s %10s  %s\n' "$lang" "$b" "$c" "+$((c - b))" "$(verdict $((c - b)) 300)"
done

if docker info >/dev/null 2>&1 && docker image inspect cronium/runner-bash:latest >/dev/null 2>&1; then
  echo
  printf '%-28s %10s %10s %10s  %s\n' "docker backend" "bare ms" "cronium ms" "overhead" "target"
  for lang in bash python node; do
    case $lang in bash) script=$work/noop.sh ;; python) script=$work/noop.py ;; node) script=$work/noop.mjs ;; esac
    b=$(median_ms docker run --rm --network none "cronium/runner-$lang:latest" true)
    c=$(median_ms "$cronium" run --backend docker "$script")
    printf '%-28s %10s %10s %10s  %s\n' "$lang" "$b" "$c" "+$((c - b))" "$(verdict $((c - b)) 250)"
  done
else
  echo
  echo "docker backend: skipped (no daemon or no runner images: scripts/start-dockerd.sh && images/build.sh --local)"
fi
