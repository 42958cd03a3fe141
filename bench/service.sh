#!/usr/bin/env bash
# Benchmark: cronium serve on PostgreSQL, all on loopback and Unix sockets. Measures, in one run:
#   - schedule-to-start latency of a queued no-op run on an idle service (from the run being queued to its
#     execution being created), p50 and p99, one run at a time;
#   - no-op runs completed per second when N are started at once, beside the bare interpreter started in a loop
#     at the same concurrency (the ratio is what counts);
#   - the same with a second instance joined (reported, not targeted: two instances on one machine share its cores).
# Targets (not pass/fail): p99 start latency <= 100 ms; one instance >= 0.5x the bare loop's runs per second.
# It fails only when something could not run.
#
#   bench/service.sh            BENCH_RUNS (200), BENCH_LATENCY_RUNS (40), BENCH_CONCURRENCY (cores)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${BENCH_RUNS:-200}
latency_runs=${BENCH_LATENCY_RUNS:-40}
concurrency=${BENCH_CONCURRENCY:-$(nproc)}
say() { printf '%s\n' "$*" >&2; }
die() { say "bench/service.sh: $*"; exit 1; }

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || die "PostgreSQL is not installed (apt-get install -y postgresql)"
work=$(mktemp -d /tmp/cronium-bench-service.XXXXXX)
chmod 755 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then (cd "$work" && runuser -u postgres -- "$@"); else "$@"; fi; }
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  [ -f "$work/pg/data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "publishing cronium (Release) ..."
dotnet publish "$root/src/Cronium.Cli" -c Release -o "$work/cli" --nologo -v q >"$work/publish.log" 2>&1 || { cat "$work/publish.log" >&2; die "dotnet publish failed"; }

mkdir -p "$work/pg"; [ "$(id -u)" = 0 ] && chown postgres: "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null 2>&1 || die "initdb failed"
as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
  -o "-c listen_addresses='' -k $work/pg -c max_connections=300 -c fsync=off" start >/dev/null || die "PostgreSQL did not start"
postgres="Host=$work/pg;Username=postgres;Database=postgres"

key=bench-orchestrator-key-0123456789abcdef0123456789
signing=$(head -c 32 /dev/urandom | base64); credential=$(head -c 32 /dev/urandom | base64)
serve() {  # serve NAME: one instance on its own socket
  mkdir -p "$work/$1/tmp"
  TMPDIR=$work/$1/tmp Runtime__ListenTcp=false Runtime__UnixSocket=$work/$1/api.sock ConnectionStrings__Postgres="$postgres" \
  Runtime__SigningKey=$signing Runtime__CredentialKey=$credential Runtime__OrchestratorKeys__0=$key \
  Runtime__Workers__Concurrency=$concurrency Runtime__RateLimit__PermitsPerSecond=1000000 Logging__LogLevel__Default=Warning \
    "$work/cli/cronium" serve >"$work/$1/log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do [ -S "$work/$1/api.sock" ] && curl -sf --unix-socket "$work/$1/api.sock" http://x/health/ready >/dev/null && return 0; sleep 0.1; done
  cat "$work/$1/log" >&2; die "cronium serve ($1) did not start"
}

say "starting one instance (concurrency $concurrency) ..."
serve one
printf ':\n' > "$work/noop.sh"
bare_start=$(date +%s.%N)
seq 1 "$runs" | xargs -P "$concurrency" -I{} bash "$work/noop.sh"
bare_end=$(date +%s.%N)

cat > "$work/drive.py" <<'PY'
# drive.py WORK KEY RUNS LATENCY_RUNS MODE: "latency" (one at a time, on instance one) or "burst INSTANCES" (RUNS at once)
import datetime, http.client, json, socket, statistics, sys, time, concurrent.futures as cf
work, key, runs, latency_runs, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
class U(http.client.HTTPConnection):
    def __init__(s, path): super().__init__("localhost", timeout=120); s.p = path
    def connect(s): s.sock = socket.socket(socket.AF_UNIX); s.sock.connect(s.p)
def call(inst, method, path, body=None):
    c = U(f"{work}/{inst}/api.sock")
    c.request(method, path, json.dumps(body) if body is not None else None, {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    r = c.getresponse(); d = r.read(); c.close()
    if r.status >= 400: raise SystemExit(f"{method} {path}: {r.status} {d[:300]}")
    return json.loads(d) if d else None
ts = lambda s: datetime.datetime.fromisoformat(s).timestamp()
def wait_all(ids, limit=900):
    end = time.time() + limit; pending = set(ids)
    while pending and time.time() < end:
        for i in list(pending):
            if call("one", "GET", f"/v1/runs/{i}")["status"] not in ("queued", "running"): pending.discard(i)
        if pending: time.sleep(0.05)
    if pending: raise SystemExit(f"{len(pending)} runs did not end")
if mode[0] == "latency":
    call("one", "PUT", "/v1/events/noop", {"definition": "name: noop\nscriptPath: noop.sh\n", "files": {"noop.sh": ":\n"}})
    lat = []
    for _ in range(latency_runs):
        rid = call("one", "POST", "/v1/events/noop/runs", {})["runId"]; wait_all([rid])
        run = call("one", "GET", f"/v1/runs/{rid}")
        lat.append((ts(run["executions"][0]["startedAt"]) - ts(run["startedAt"])) * 1000)
    lat.sort()
    print(f"{statistics.median(lat):.0f} {lat[min(len(lat) - 1, int(len(lat) * 0.99))]:.0f}")
else:
    insts = mode[1].split(",")
    t = time.time()
    with cf.ThreadPoolExecutor(32) as ex:
        ids = list(ex.map(lambda i: call(insts[i % len(insts)], "POST", "/v1/events/noop/runs", {})["runId"], range(runs)))
    wait_all(ids)
    print(f"{runs / (time.time() - t):.1f}")
PY
drive() { python3 "$work/drive.py" "$work" "$key" "$runs" "$latency_runs" "$@"; }

read -r p50 p99 < <(drive latency) || die "the latency run failed"
one=$(drive burst one) || die "the one-instance burst failed"
bare=$(python3 -c "print(f'{$runs / ($bare_end - $bare_start):.1f}')")
say "a second instance joins ..."
serve two
two=$(drive burst one,two) || die "the two-instance burst failed"

load=$(cut -d' ' -f1-3 /proc/loadavg)
printf '\n%-58s %10s\n' "cronium serve, PostgreSQL, process backend, concurrency $concurrency" "figure"
printf '%-58s %10s\n' "queued no-op run: start latency p50 (idle, one at a time)" "${p50} ms"
printf '%-58s %10s\n' "queued no-op run: start latency p99" "${p99} ms"
printf '%-58s %10s\n' "bare interpreter loop (bash :, $concurrency at once)" "$bare/s"
printf '%-58s %10s\n' "one instance: $runs no-op runs started at once" "$one/s"
printf '%-58s %10s\n' "two instances on one PostgreSQL" "$two/s"
printf '\nratios: one instance / bare = %s (target >= 0.5); p99 start latency %s ms (target <= 100); two / one = %s\n' \
  "$(python3 -c "print(f'{$one / $bare:.3f}')")" "$p99" "$(python3 -c "print(f'{$two / $one:.2f}')")"
printf 'machine: %s cores, load average %s when it ended\n' "$(nproc)" "$load"
