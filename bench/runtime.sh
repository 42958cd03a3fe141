#!/usr/bin/env bash
# Benchmark: the runtime API on PostgreSQL + Redis, all on loopback. wrk at 64 connections measures
# getVariable (served from the cache), setVariable and getInput beside a bare endpoint of the same
# runtime (GET /health/live), and pgbench runs the runtime's own setVariable upsert at the same
# concurrency, all in one run. Prints req/s, p50, p99, the ratios, and per request the runtime's CPU and
# managed allocation and PostgreSQL's CPU; targets (not pass/fail):
#   getVariable >= 0.5x bare with p99 < 5 ms;  setVariable >= 0.5x pgbench with p99 < 50 ms;
#   getVariable p99 < 2 ms at a fixed offered load of a quarter of bare's maximum (h2load --h1 --rps);
#   the runtime's resident memory < 80 MB idle and < 200 MB under load.
# It fails only when something could not run.
#
#   bench/runtime.sh
#
# Environment: CRONIUM_RUNTIME_DLL (use a prebuilt Cronium.Runtime.dll instead of publishing this
# checkout; a path not ending in .dll is run as a native, Native AOT-published runtime), BENCH_SECONDS (10), BENCH_WARMUP (3), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_PG_PORT (55432), BENCH_REDIS_PORT (56379), BENCH_RUNTIME_PORT (58081): the next free port is taken;
# BENCH_RATE_CLIENTS (16): h2load's connections for the fixed-rate figure; BENCH_FIXED_RATE (a quarter of bare's
# maximum, as issue #10 sets it): that figure's offered load in req/s, to compare two builds at one load;
# BENCH_TRACE (a file name): a CPU profile of the runtime (perf record, with the runtime's perf map) during
# the measured part of BENCH_TRACE_OP (getVariable; or bare, getInput, setVariable), its top frames printed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-3}
conns=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-2}
user=bench-user          # the runtime's rows
pgbench_user=pgbench-user  # pgbench's row: same table, same statement, a row of its own
var_key=bench.value
value='{"n":1,"s":"hello"}'

say() { printf '%s\n' "$*" >&2; }
die() { say "bench/runtime.sh: $*"; exit 1; }

# --- packages -------------------------------------------------------------------------------------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
missing=()
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] && [ -x "$(pg_bin)/pgbench" ] || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
command -v h2load >/dev/null || missing+=(nghttp2-client)
[ -z "${BENCH_TRACE:-}" ] || command -v perf >/dev/null || missing+=(linux-perf)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; install them (apt-get install -y ${missing[*]}) or run as root"
  say "installing ${missing[*]} ..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } \
    || die "apt-get install ${missing[*]} failed"
fi
command -v dotnet >/dev/null || [ -n "${CRONIUM_RUNTIME_DLL:-}" ] || die "dotnet not found (or set CRONIUM_RUNTIME_DLL and have dotnet to run it)"
pgbin=$(pg_bin)
pgbench=$pgbin/pgbench

# --- work dir and teardown ------------------------------------------------------------------------
work=$(mktemp -d /tmp/cronium-bench-runtime.XXXXXX)
chmod 755 "$work"   # PostgreSQL runs as the postgres user below and must reach its folder
runtime_pid='' redis_pid='' pg_started=''
# initdb and postgres refuse to run as root: run them as the postgres user, from a folder it can read.
as_pg() { if [ "$(id -u)" = 0 ]; then (cd "$work" && runuser -u postgres -- "$@"); else "$@"; fi; }
cleanup() {
  set +e
  [ -n "$runtime_pid" ] && kill "$runtime_pid" 2>/dev/null && wait "$runtime_pid" 2>/dev/null
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  [ -n "$pg_started" ] && as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1
  # The perf map and jitdump the .NET runtime wrote for BENCH_TRACE (in /tmp, where perf looks for them).
  [ -n "${BENCH_TRACE:-}" ] && [ -n "$runtime_pid" ] && rm -f "/tmp/perf-$runtime_pid.map" "/tmp/perfinfo-$runtime_pid.map" "/tmp/jit-$runtime_pid.dump"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while ! port_free "$p"; do p=$((p + 1)); done; echo "$p"; }
pg_port=$(free_port "${BENCH_PG_PORT:-55432}")
redis_port=$(free_port "${BENCH_REDIS_PORT:-56379}")
rt_port=$(free_port "${BENCH_RUNTIME_PORT:-58081}")
[ "$rt_port" != "$pg_port" ] && [ "$rt_port" != "$redis_port" ] || die "port clash"
base="http://127.0.0.1:$rt_port"

# --- build (first, so the slow part fails before anything is started) ------------------------------
if [ -n "${CRONIUM_RUNTIME_DLL:-}" ]; then
  dll=$CRONIUM_RUNTIME_DLL
  [ -f "$dll" ] || die "CRONIUM_RUNTIME_DLL=$dll does not exist"
else
  say "publishing src/Cronium.Runtime (Release) ..."
  dotnet publish "$root/src/Cronium.Runtime" -c Release -o "$work/runtime" --nologo -v q >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log" >&2; die "dotnet publish failed"; }
  dll=$work/runtime/Cronium.Runtime.dll
fi

# --- PostgreSQL: a throwaway cluster, trust auth on loopback (a benchmark, nothing to protect) -------
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres: "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C >"$work/pg/initdb.log" 2>&1 \
  || { cat "$work/pg/initdb.log" >&2; die "initdb failed"; }
# max_connections: the runtime's pool (64) stays open while pgbench adds its 64 clients.
as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work/pg -c max_connections=200" start >/dev/null \
  || { cat "$work/pg/server.log" >&2; die "PostgreSQL did not start"; }
pg_started=1
psql_() { "$pgbin/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
psql_ -d postgres -c 'CREATE DATABASE cronium' >/dev/null

# --- Redis: no persistence, so nothing but the cache itself is measured ----------------------------
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
  >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 100); do port_free "$redis_port" || break; sleep 0.1; done
port_free "$redis_port" && { cat "$work/redis.log" >&2; die "redis-server did not start"; }

# --- the runtime ----------------------------------------------------------------------------------
orchestrator_key=$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)
[ ${#orchestrator_key} -ge 32 ] || orchestrator_key=bench-orchestrator-key-0123456789abcdef
# The rate limit is lifted: the bench is one execution hammering, which is exactly what it would refuse.
ASPNETCORE_ENVIRONMENT=Production \
ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=cronium;Pooling=true;Maximum Pool Size=64" \
ConnectionStrings__Valkey="127.0.0.1:$redis_port" \
Runtime__SigningKey="$(head -c 32 /dev/urandom | base64)" \
Runtime__CredentialKey="$(head -c 32 /dev/urandom | base64)" \
Runtime__OrchestratorKeys__0="$orchestrator_key" \
Runtime__RateLimit__PermitsPerSecond=100000000 \
DOTNET_PerfMapEnabled=$([ -n "${BENCH_TRACE:-}" ] && echo 1 || echo 0) DOTNET_ReadyToRun=$([ -n "${BENCH_TRACE:-}" ] && echo 0 || echo 1) \
DOTNET_EnableWriteXorExecute=$([ -n "${BENCH_TRACE:-}" ] && echo 0 || echo 1) \
Logging__LogLevel__Default=Warning \
  $(case "$dll" in *.dll) echo dotnet ;; esac) "$dll" --urls "$base" >"$work/runtime.log" 2>&1 &
runtime_pid=$!
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "$base/health/ready" 2>/dev/null && break
  kill -0 "$runtime_pid" 2>/dev/null || { cat "$work/runtime.log" >&2; die "the runtime exited during start-up"; }
  sleep 0.1
done
curl -fsS -o /dev/null "$base/health/ready" || { cat "$work/runtime.log" >&2; die "the runtime is not ready on $base"; }

# One execution, one variable written once (so getVariable is a cache hit from the first call).
created=$(curl -fsS -X POST "$base/v1/executions" -H "Authorization: Bearer $orchestrator_key" \
  -H 'Content-Type: application/json' \
  --data-binary "{\"event\":{\"id\":\"bench\",\"name\":\"runtime bench\",\"type\":\"BASH\"},\"userId\":\"$user\",\"input\":$value,\"timeoutSeconds\":3600}") \
  || die "createExecution failed"
execution_id=$(jq -r .executionId <<<"$created")
token=$(jq -r .token <<<"$created")
exec_path=/v1/executions/$execution_id
put_body="{\"value\":$value}"
curl -fsS -o /dev/null -X PUT "$base$exec_path/variables/$var_key" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' --data-binary "$put_body" || die "setVariable (setup) failed"
curl -fsS -o /dev/null "$base$exec_path/variables/$var_key" -H "Authorization: Bearer $token" || die "getVariable (setup) failed"
curl -fsS -o /dev/null "$base$exec_path/input" -H "Authorization: Bearer $token" || die "getInput (setup) failed"

# Wait (at most 15 s) until the audit trail stops growing: its batched writes run off the request
# path and would otherwise spill from one measurement into the next (and into pgbench).
settle() {
  local last=-1 now
  for _ in $(seq 1 30); do
    now=$(psql_ -d cronium -Atc 'SELECT coalesce(sum(cardinality(ats)), 0) FROM audit_batches')
    [ "$now" = "$last" ] && return 0
    last=$now; sleep 0.5
  done
}

# The machine may be shared: count the CPU that processes other than this bench used meanwhile, so a
# reader can tell a quiet run from a disturbed one. Clock ticks: /proc/stat for the whole machine;
# for the bench, the runtime, Redis, PostgreSQL (the postmaster, its live backends and the ones it
# reaped) and this shell's finished children (wrk, pgbench, psql, curl; `times` must run in this shell).
hz=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
proc_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {
  local t=0 p pm
  pm=$(head -n 1 "$work/pg/data/postmaster.pid")
  for p in "$pm" $(ps -o pid= --ppid "$pm"); do t=$((t + $(proc_ticks "$p"))); done
  echo "$t"
}
# Sets $children: the CPU ticks of this shell's finished children (wrk, pgbench, psql, curl). Not to be called in
# $(...): in a subshell `times` no longer sees this shell's children.
children_ticks() {
  times >"$work/times"
  # second line of `times`: user and system time of finished children, like "0m1.234s 0m0.567s"
  children=$(awk -v hz="$hz" 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } }
    END { printf "%d", s * hz }' "$work/times")
}
# Sets $ticks, as above.
bench_ticks() {
  children_ticks
  ticks=$(( $(proc_ticks "$runtime_pid") + $(proc_ticks "$redis_pid") + $(pg_ticks) + children ))
}
# Redis commands served so far: per request, how many round trips an operation costs the cache.
redis_calls() { redis-cli -p "$redis_port" info commandstats | awk -F'[=,:]' '/^cmdstat_/ { n += $3 } END { print n + 0 }'; }
# Round trips, at most: the socket reads Redis served (commands a script runs count above but need no read;
# pipelined commands may share one).
redis_trips() { redis-cli -p "$redis_port" info stats | awk -F: '/^total_reads_processed:/ { print $2 + 0 }'; }
# Context switches of the runtime's threads so far (voluntary and not): per request, how often a call put a thread to
# sleep or woke one, the kernel's share of the runtime's CPU. Threads that ended take their counts with them.
ctx_switches() { cat /proc/"$runtime_pid"/task/*/status 2>/dev/null | awk '/ctxt_switches:/ { n += $2 } END { print n + 0 }'; }
# Bytes the runtime has allocated on its managed heap so far (.NET's own counter, exported on /metrics): per request,
# what its garbage collector has to clear.
allocated() { curl -fsS "$base/metrics" | awk '/^system_runtime_dotnet_gc_heap_total_allocated / { printf "%.0f", $2 }'; }
# The runtime's resident memory now and at its peak, in MB.
rss_mb() { awk -v f="$1" '$1 == f":" { printf "%.0f", $2 / 1024 }' "/proc/$runtime_pid/status"; }

# --- wrk ------------------------------------------------------------------------------------------
declare -A rps p50 p99 bad rcalls rtrips rtcpu pgcpu vkcpu wrkcpu ctxsw alloc peak
ops=()
measure() { # name method path [body]
  local name=$1 method=$2 path=$3 body=${4:-} tok=$token line
  [ "$name" = bare ] && tok=''   # the bare endpoint is anonymous
  settle
  say "  $name: ${warmup}s warm-up, ${seconds}s measured ..."
  # --timeout 30s: wrk drops replies slower than its timeout (2 s) from the histogram and counts them
  # as errors; a slow reply is a latency to report, not an error.
  BENCH_METHOD=$method BENCH_BODY=$body BENCH_TOKEN=$tok \
    wrk -t"$threads" -c"$conns" -d"${warmup}s" --timeout 30s -s "$root/bench/runtime/wrk.lua" "$base$path" >/dev/null \
    || die "wrk ($name warm-up) failed"
  # Where the time goes, per request over the measured part: Redis commands and round trips, the CPU of the runtime,
  # PostgreSQL, Redis and wrk, the runtime's context switches and its allocation.
  local calls0 trips0 rt0 pg0 vk0 cs0 al0; calls0=$(redis_calls) trips0=$(redis_trips) rt0=$(proc_ticks "$runtime_pid") pg0=$(pg_ticks) vk0=$(proc_ticks "$redis_pid") cs0=$(ctx_switches) al0=$(allocated)
  local tracer=''
  if [ -n "${BENCH_TRACE:-}" ] && [ "$name" = "${BENCH_TRACE_OP:-getVariable}" ]; then
    perf record -F 499 -g -p "$runtime_pid" -o "$BENCH_TRACE" -- sleep "$seconds" >"$work/trace.log" 2>&1 &
    tracer=$!
  fi
  children_ticks; local wrk0=$children
  BENCH_METHOD=$method BENCH_BODY=$body BENCH_TOKEN=$tok \
    wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 30s --latency -s "$root/bench/runtime/wrk.lua" "$base$path" \
    >"$work/wrk-$name.txt" || die "wrk ($name) failed"
  children_ticks; local wrk1=$children
  local calls1 trips1 rt1 pg1 vk1 cs1 al1; calls1=$(redis_calls) trips1=$(redis_trips) rt1=$(proc_ticks "$runtime_pid") pg1=$(pg_ticks) vk1=$(proc_ticks "$redis_pid") cs1=$(ctx_switches) al1=$(allocated)
  [ -z "$tracer" ] || wait "$tracer" || { cat "$work/trace.log" >&2; die "perf record failed"; }
  line=$(grep '^BENCH_RESULT' "$work/wrk-$name.txt") || { cat "$work/wrk-$name.txt" >&2; die "no result from wrk ($name)"; }
  kv() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
  rps[$name]=$(awk -v r="$(kv requests)" -v d="$(kv duration_us)" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
  p50[$name]=$(awk -v u="$(kv p50_us)" 'BEGIN { printf "%.2f", u / 1000 }')
  p99[$name]=$(awk -v u="$(kv p99_us)" 'BEGIN { printf "%.2f", u / 1000 }')
  rcalls[$name]=$(awk -v c=$((calls1 - calls0 - 1)) -v r="$(kv requests)" 'BEGIN { printf "%.1f", (r > 0 ? c / r : 0) }')
  rtrips[$name]=$(awk -v c=$((trips1 - trips0 - 1)) -v r="$(kv requests)" 'BEGIN { printf "%.1f", (r > 0 ? c / r : 0) }')
  per_req_us() { awk -v t="$1" -v hz="$hz" -v r="$(kv requests)" 'BEGIN { printf "%.0f", (r > 0 ? t / hz * 1e6 / r : 0) }'; }
  rtcpu[$name]=$(per_req_us $((rt1 - rt0)))
  pgcpu[$name]=$(per_req_us $((pg1 - pg0)))
  vkcpu[$name]=$(per_req_us $((vk1 - vk0)))
  wrkcpu[$name]=$(per_req_us $((wrk1 - wrk0)))
  ctxsw[$name]=$(awk -v c=$((cs1 - cs0)) -v r="$(kv requests)" 'BEGIN { printf "%.1f", (r > 0 ? c / r : 0) }')
  # "?" when the counter read the same before and after (seen once, for setVariable, cause not found): not a zero.
  alloc[$name]=$(awk -v b=$((${al1:-0} - ${al0:-0})) -v r="$(kv requests)" 'BEGIN { if (b <= 0 || r <= 0) print "?"; else printf "%.1f", b / r / 1024 }')
  peak[$name]=$(rss_mb VmHWM)   # the peak so far: where it rises is the operation that raised it
  bad[$name]=$(( $(kv non2xx) + $(kv connect) + $(kv read) + $(kv write) + $(kv timeout) ))
  if [ "${bad[$name]}" -gt 0 ]; then
    say "!!! $name: $(kv non2xx) non-2xx/3xx responses, socket errors connect $(kv connect) read $(kv read) write $(kv write) timeout $(kv timeout): THIS FIGURE IS INVALID"
    # Show what the runtime answers right now, so the failure is visible and not just a count.
    say "!!! a single $method $path now answers: $(curl -sS -X "$method" "$base$path" ${tok:+-H "Authorization: Bearer $tok"} \
      ${body:+-H 'Content-Type: application/json' --data-binary "$body"} -w ' [HTTP %{http_code}]' 2>&1 | head -c 600)"
  fi
  ops+=("$name")
}

# Fixed offered load (not as fast as it goes): latency when the runtime is not saturated. h2load paces each of
# its connections at rate/clients requests per second and logs every request's latency, in microseconds.
fixed_rate() { # name path rate
  local name=$1 path=$2 rate=$3 clients=${BENCH_RATE_CLIENTS:-16}
  local per=$(( (rate + clients - 1) / clients ))
  settle
  say "  $name at a fixed $((per * clients)) req/s: ${seconds}s ..."
  h2load --h1 -t "$threads" -c "$clients" --rps "$per" -D "$seconds" --warm-up-time "${warmup}s" \
    -H "Authorization: Bearer $token" --log-file "$work/h2load-$name.log" "$base$path" >"$work/h2load-$name.txt" 2>&1 \
    || { cat "$work/h2load-$name.txt" >&2; die "h2load ($name) failed"; }
  fixed_offered=$((per * clients))
  fixed_done=$(awk '/^finished in/ { gsub(/,/, ""); print $4 }' "$work/h2load-$name.txt" | sed 's/req\/s//')
  fixed_failed=$(awk '/^requests:/ { print $9 + $11 }' "$work/h2load-$name.txt")
  # The log: start time (us since epoch), status, latency (us) per request.
  read -r fixed_p50 fixed_p99 < <(awk '{ print $3 }' "$work/h2load-$name.log" | sort -n \
    | awk '{ a[NR] = $1 } END { if (NR == 0) { print "? ?"; exit }
        i = int(NR * 0.5); if (i < 1) i = 1; j = int(NR * 0.99); if (j < 1) j = 1
        printf "%.2f %.2f\n", a[i] / 1000, a[j] / 1000 }')
}

load_before=$(cut -d' ' -f1 /proc/loadavg)
epoch0=$(psql_ -d cronium -Atc 'SELECT epoch FROM cache_epoch')
rss_idle=$(rss_mb VmRSS)
bench_ticks; bench0=$ticks machine0=$(machine_ticks) started=$(date +%s)
say "measuring on $base (wrk -t$threads -c$conns) ..."
measure bare GET /health/live
measure getInput GET "$exec_path/input"
# Before setVariable, so every read is a hit on the entry the setup write put in the cache.
measure getVariable GET "$exec_path/variables/$var_key"
measure setVariable PUT "$exec_path/variables/$var_key" "$put_body"
# A quarter of bare's maximum, getVariable again (the entry the last setVariable wrote is in the cache).
fixed_rate getVariable "$exec_path/variables/$var_key" "${BENCH_FIXED_RATE:-$(( ${rps[bare]} / 4 ))}"
rss_load=$(rss_mb VmHWM)

# --- pgbench: the same upsert, same table, same concurrency --------------------------------------
settle
say "  pgbench: ${warmup}s warm-up, ${seconds}s measured ..."
pgb=("$pgbench" -h 127.0.0.1 -p "$pg_port" -U postgres -n -M prepared -c "$conns" -j "$threads"
  -f "$root/bench/runtime/upsert.sql" -D "user_id=$pgbench_user" -D "key=$var_key" -D "value=$value"
  -D "now=$(date +%s%3N)")
"${pgb[@]}" -T "$warmup" cronium >/dev/null 2>"$work/pgbench-warmup.err" || { cat "$work/pgbench-warmup.err" >&2; die "pgbench (warm-up) failed"; }
pg0=$(pg_ticks)
# -l: every transaction's latency, so the upsert's own p99 (row lock waits included) sits beside setVariable's.
(cd "$work" && "${pgb[@]}" -T "$seconds" -l --log-prefix="$work/pgbench-log" cronium) >"$work/pgbench.txt" 2>&1 \
  || { cat "$work/pgbench.txt" >&2; die "pgbench failed"; }
pg_p99=$(cat "$work"/pgbench-log* | awk '{ print $3 }' | sort -n | awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2f", a[i] / 1000 }')
pg1=$(pg_ticks)
pg_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.txt" | tail -n 1)
pg_lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$work/pgbench.txt")
pg_failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/pgbench.txt")
[ -n "$pg_tps" ] || { cat "$work/pgbench.txt" >&2; die "no tps in pgbench's output"; }
pg_cpu=$(awk -v t=$((pg1 - pg0)) -v hz="$hz" -v n="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.txt")" \
  'BEGIN { printf "%.0f", (n > 0 ? t / hz * 1e6 / n : 0) }')

bench_ticks; bench1=$ticks machine1=$(machine_ticks) elapsed=$(( $(date +%s) - started ))
# Of the machine's capacity over the run (nproc x elapsed), the share the bench used and the rest's.
share() { awk -v t="$1" -v hz="$hz" -v n="$(nproc)" -v s="$elapsed" 'BEGIN { v = t / (hz * n * (s > 0 ? s : 1)) * 100; printf "%.0f", (v < 0 ? 0 : v) }'; }
cpu_bench=$(share $((bench1 - bench0)))
cpu_other=$(share $((machine1 - machine0 - (bench1 - bench0))))

# The runtime must still be alive and healthy after all that.
runtime_state=alive
kill -0 "$runtime_pid" 2>/dev/null || runtime_state="EXITED (see log below)"
ready=$(curl -sS -o /dev/null -w '%{http_code}' "$base/health/ready" 2>/dev/null || true)

# --- report ---------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
verdict() { awk "BEGIN { exit !($1) }" && echo meets || echo misses; }   # $1: a numeric comparison
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
[ -n "$cpu" ] || cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)

echo
echo "Cronium runtime API benchmark"
echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}; $(uname -sr)"
echo "everything on loopback (127.0.0.1): runtime :$rt_port, PostgreSQL :$pg_port, Redis :$redis_port, wrk and pgbench on this machine"
echo "versions: .NET $(dotnet --version 2>/dev/null || echo '?'), $("$pgbin/postgres" --version), $(redis-server --version | cut -d' ' -f1-3), wrk $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f2)"
echo "CPU during the ${elapsed}s of measurements: the bench ${cpu_bench}%, other processes ${cpu_other}% of $(nproc) CPUs (1-min load before: $load_before)"
[ "$cpu_other" -le 10 ] || echo "!!! other work took ${cpu_other}% of the CPUs meanwhile: these figures are disturbed; run again on a quiet machine"
echo "load: wrk -t$threads -c$conns, ${warmup}s warm-up + ${seconds}s per operation; one execution, one variable key"
echo
printf '%-13s %8s %8s %8s %14s %10s %11s %10s %10s %10s %10s %11s %10s\n' operation 'req/s' 'p50 ms' 'p99 ms' 'ratio-to-bare' 'redis/req' 'redis-reads' 'runtime-cpu' 'pg-cpu' 'redis-cpu' 'wrk-cpu' 'switches/req' 'alloc/req'
for op in "${ops[@]}"; do
  printf '%-13s %8s %8s %8s %14s %10s %11s %8sus %8sus %8sus %8sus %11s %8sKB%s\n' "$op" "${rps[$op]}" "${p50[$op]}" "${p99[$op]}" \
    "$(ratio "${rps[$op]}" "${rps[bare]}")" "${rcalls[$op]}" "${rtrips[$op]}" "${rtcpu[$op]}" "${pgcpu[$op]}" "${vkcpu[$op]}" "${wrkcpu[$op]}" "${ctxsw[$op]}" "${alloc[$op]}" "$([ "${bad[$op]}" -gt 0 ] && echo "  INVALID: ${bad[$op]} errors/non-2xx")"
done
echo "(bare = GET /health/live, anonymous; the others carry the execution token. redis/req: Redis commands per request,
those a script runs included; redis-reads: socket reads Redis served per request, an upper bound of round trips; runtime-cpu, pg-cpu, redis-cpu, wrk-cpu: CPU time the
runtime process, PostgreSQL, Redis and the load generator spent per request, in microseconds (on a machine these share,
their sum per request sets the rate); switches/req: the runtime's threads' context
switches per request; alloc/req: what the runtime allocated on its managed heap per
request)"
echo
echo "getVariable at a fixed offered load of ${fixed_offered} req/s ($([ -n "${BENCH_FIXED_RATE:-}" ] && echo "BENCH_FIXED_RATE" || echo "a quarter of bare's maximum"); h2load --h1, ${BENCH_RATE_CLIENTS:-16} connections, ${seconds}s):"
echo "  served ${fixed_done:-?} req/s, p50 ${fixed_p50} ms, p99 ${fixed_p99} ms${fixed_failed:+, failed/errored ${fixed_failed}}"
echo "runtime resident memory: ${rss_idle} MB idle (after start and setup), ${rss_load} MB at its peak under load"
echo "  its peak after each operation: $(for op in "${ops[@]}"; do printf '%s %s MB, ' "$op" "${peak[$op]}"; done)after the fixed rate ${rss_load} MB"
echo
echo "pgbench, the setVariable upsert (-c $conns -j $threads -M prepared, ${seconds}s): $(printf '%.0f' "$pg_tps") tps, latency average ${pg_lat:-?} ms, p99 ${pg_p99} ms, pg-cpu ${pg_cpu}us/tx${pg_failed:+, failed transactions $pg_failed}"
set_ratio=$(ratio "${rps[setVariable]}" "$pg_tps")
echo "setVariable / pgbench: $set_ratio"
# Each bump is a write the cache did not take, acknowledged only after the cache lease (1 s): a tail to explain.
echo "cache epoch bumps during the run: $(( $(psql_ -d cronium -Atc 'SELECT epoch FROM cache_epoch') - epoch0 ))"
echo
echo "targets (figures, not pass/fail):"
get_ratio=$(ratio "${rps[getVariable]}" "${rps[bare]}")
echo "  getVariable >= 0.5x bare:   $get_ratio  -> $(verdict "$get_ratio >= 0.5")"
echo "  getVariable p99 < 5 ms:     ${p99[getVariable]} ms  -> $(verdict "${p99[getVariable]} < 5")"
echo "  setVariable >= 0.5x pgbench: $set_ratio  -> $(verdict "$set_ratio >= 0.5")"
echo "  setVariable p99 < 50 ms:    ${p99[setVariable]} ms  -> $(verdict "${p99[setVariable]} < 50")"
echo "  getVariable fixed-rate p99 < 2 ms: ${fixed_p99} ms  -> $(verdict "${fixed_p99:-99} < 2")"
echo "  RSS idle < 80 MB:           ${rss_idle} MB  -> $(verdict "$rss_idle < 80")"
echo "  RSS under load < 200 MB:    ${rss_load} MB  -> $(verdict "$rss_load < 200")"
if [ -n "${BENCH_TRACE:-}" ]; then
  echo
  echo "CPU trace of the runtime during ${BENCH_TRACE_OP:-getVariable} ($BENCH_TRACE), top frames (exclusive, then inclusive):"
  # While tracing, precompiled (ReadyToRun) code and W^X double mapping are off, so every managed frame is in the
  # runtime's perf map where perf looks for it.
  { perf report -i "$BENCH_TRACE" --stdio --no-children --sort symbol -g none 2>/dev/null | grep -v '^#' | grep . | head -n 30 | sed 's/^/  /'; } || true
  echo "  -- inclusive (a frame and its callees), user-space frames:"
  { perf report -i "$BENCH_TRACE" --stdio --children --sort symbol -g none 2>/dev/null | grep -v '^#' | grep -F '[.]' | head -n 45 | sed 's/^/  /'; } || true
fi
echo
echo "runtime after the run: process $runtime_state, /health/ready HTTP $ready"
# Console log entries start "warn:", "fail:" or "crit:" (then the category and the message on the next lines).
warnings=$(grep -cE '^(warn|fail|crit):' "$work/runtime.log" || true)
if [ "$warnings" -gt 0 ] || [ "$runtime_state" != alive ]; then
  kept=${TMPDIR:-/tmp}/cronium-bench-runtime-$(date +%Y%m%d-%H%M%S).log
  cp "$work/runtime.log" "$kept"
  echo "runtime log: $warnings warning/error entries (whole log kept at $kept); by category:"
  grep -E '^(warn|fail|crit):' "$work/runtime.log" | sort | uniq -c | sed 's/^/  /'
  echo "the first one:"
  awk '/^(warn|fail|crit):/ { n++ } n == 1' "$work/runtime.log" | head -n 30 | sed 's/^/  | /'
else
  echo "runtime log: no warnings or errors"
fi
