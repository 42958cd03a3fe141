#!/usr/bin/env bash
# The cost of an event: `cronium run` of a no-op script per language beside the bare interpreter (process
# backend, embedded runtime start-up included), and `cronium run --backend docker` beside a bare
# `docker run --rm --network none IMAGE true`, all in the same run. Prints medians and the overhead, and below
# each table where the time of a cronium run goes, phase by phase; it does not pass or fail. Targets: process
# backend at most +300 ms over the interpreter, docker backend at most +250 ms over the bare docker run.
#
# The install is docs/getting-started.md's: the CLI with the runtime's Native AOT build beside it, which cronium run
# starts as a child process; one more row runs bash with the runtime in the command's own process
# (CRONIUM_NATIVE_RUNTIME=off), the baseline that native build is measured against.
#
#   bench/run-overhead.sh [RUNS]      default 10 runs of each
#   CRONIUM_BIN=path/to/cronium bench/run-overhead.sh   measures that build instead of publishing one (with its
#                                     native-runtime/ folder when it has one)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ -n ${CRONIUM_BIN:-} ]]; then
  cronium=$(realpath "$CRONIUM_BIN")
else
  # The install of docs/getting-started.md, which is ReadyToRun for this machine (src/Cronium.Cli's project file).
  echo "building cronium and its native runtime (dotnet publish, as docs/getting-started.md installs them)..." >&2
  dotnet publish src/Cronium.Cli -c Release -o "$work/cli" --nologo -v q >/dev/null
  dotnet publish src/Cronium.Runtime -c Release -r linux-x64 -p:PublishAot=true -o "$work/cli/native-runtime" --nologo -v q >/dev/null
  cronium=$work/cli/cronium
fi
export TMPDIR=$work XDG_DATA_HOME=$work/data

printf 'pass\n' > "$work/noop.py"
printf ':\n' > "$work/noop.sh"
declare -A breakdown
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

# Where the time of a cronium run goes: $runs runs with CRONIUM_TIMINGS=1 (each phase's end, in ms since the
# process started, and the JIT's time in that phase, on stderr), then each phase's median duration and median JIT
# time, one line, in the order the phases happen. "exit" is the wall time after the runtime stopped (the .NET runtime
# shutting down, the process reaped).
phases() {
  local i s e out
  for ((i = 0; i < runs; i++)); do
    s=$(date +%s%N); out=$(CRONIUM_TIMINGS=1 "$@" 2>&1 >/dev/null); e=$(date +%s%N)
    printf '%s\n' "$out" | awk -v wall=$(((e - s) / 1000000)) -v run=$i '
      $1 == "cronium-timing" { print run, $2, $4, $6 + 0; last = $3; jit += $6 }
      END { print run, "exit", wall - last, 0; print run, "total", wall, jit }'
  done | awk '
    function median(k, col,    c, a, b, t, w) {
      c = count[k]
      for (a = 1; a <= c; a++) w[a] = v[k, a, col]
      for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++) if (w[b] < w[a]) { t = w[a]; w[a] = w[b]; w[b] = t }
      return (c % 2) ? w[(c + 1) / 2] : int((w[c / 2] + w[c / 2 + 1]) / 2)
    }
    !($2 in seen) { seen[$2] = ++n; name[n] = $2 }
    { c = ++count[$2]; v[$2, c, 1] = $3; v[$2, c, 2] = $4 }
    END {
      for (i = 1; i <= n; i++) {
        k = name[i]; j = median(k, 2)
        printf (j > 0 ? "%s %d (JIT %d)  " : "%s %d  "), k, median(k, 1), j
      }
      printf "\n"
    }'
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
  breakdown[$lang]=$(phases "$cronium" run "$script")
done
b=$(median_ms bash "$work/noop.sh")
c=$(median_ms env CRONIUM_NATIVE_RUNTIME=off "$cronium" run "$work/noop.sh")
printf '%-28s %10s %10s %10s  %s\n' "bash, runtime in-process" "$b" "$c" "+$((c - b))" "$(verdict $((c - b)) 300)"
breakdown[in-process]=$(phases env CRONIUM_NATIVE_RUNTIME=off "$cronium" run "$work/noop.sh")
echo
echo "where the time goes (median ms of each phase and, in brackets, of the JIT's work in it on any thread; main = process start to Main, run-created = the first request):"
for lang in bash python node; do echo "  $lang: ${breakdown[$lang]}"; done
echo "  bash, runtime in-process: ${breakdown[in-process]}"
[ -x "$(dirname "$cronium")/native-runtime/Cronium.Runtime" ] || echo "(this build has no native-runtime/ beside it: every row ran the runtime in-process)"

if docker info >/dev/null 2>&1 && docker image inspect cronium/runner-bash:latest >/dev/null 2>&1; then
  echo
  printf '%-28s %10s %10s %10s  %s\n' "docker backend" "bare ms" "cronium ms" "overhead" "target"
  for lang in bash python node; do
    case $lang in bash) script=$work/noop.sh ;; python) script=$work/noop.py ;; node) script=$work/noop.mjs ;; esac
    b=$(median_ms docker run --rm --network none "cronium/runner-$lang:latest" true)
    c=$(median_ms "$cronium" run --backend docker "$script")
    printf '%-28s %10s %10s %10s  %s\n' "$lang" "$b" "$c" "+$((c - b))" "$(verdict $((c - b)) 250)"
    breakdown[$lang]=$(phases "$cronium" run --backend docker "$script")
  done
  echo
  echo "where the time goes (median ms of each phase):"
  for lang in bash python node; do echo "  $lang: ${breakdown[$lang]}"; done
else
  echo
  echo "docker backend: skipped (no daemon or no runner images: scripts/start-dockerd.sh && images/build.sh --local)"
fi
