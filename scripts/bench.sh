#!/usr/bin/env bash
# The benchmark report: installs what is missing, builds the `bench` preset,
# runs every benchmark (progress on the terminal, JSON to files), the Go peer
# and the parking-cost probe, then writes report/report.md,
# report/summary.csv, report/*.svg and report/raw/.
#
#   scripts/bench.sh                 quick default (a few minutes in all)
#   scripts/bench.sh --full          more repetitions, longer runs
#   scripts/bench.sh --filter RE     only workload/impl names matching RE
#                                    (the calibration row always runs)
#   scripts/bench.sh --no-go         skip the Go peer
#   scripts/bench.sh --build-dir D   build in D instead of build/bench
#   scripts/bench.sh --out D         write the report to D instead of report/
# LFGO_BENCH_LIMIT=S overrides the seconds one workload/impl (all its
# repetitions) may take (120 quick, 1800 full) before it is killed and
# reported as an error row.
#
# Within a program, the rows of one workload run together and interleaved:
# repetition 1 of every impl, then repetition 2 of every impl, ..., one
# process each, so the peers of a row meet the same VM state.  Before each
# workload the calibration row runs once more (results/calib_at@...), so the
# report shows the VM state beside every workload, not only at the start
# and the end.
set -uo pipefail
cd "$(dirname "$0")/.."

mode=quick build=build/bench out=report filter="" run_go=1
while [ $# -gt 0 ]; do
  case "$1" in
    --full) mode=full ;;
    --filter) filter=$2; shift ;;
    --no-go) run_go=0 ;;
    --build-dir) build=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
# limit: seconds one workload/impl (all its repetitions) may take.
if [ "$mode" = full ]; then
  reps=10 min_time=0.5 limit=1800
  export LFGO_BENCH_FULL=1
else
  reps=3 min_time=0.1 limit=120
fi
limit=${LFGO_BENCH_LIMIT:-$limit}

scripts/deps.sh bench || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset bench -B "$build" >/dev/null || exit 1
cmake --build "$build" -j "$jobs" || exit 1

results=$build/results
rm -rf "$results" && mkdir -p "$results" "$out" || exit 1
failed=()
gb_args=(--benchmark_repetitions=1 --benchmark_min_time=$min_time --benchmark_out_format=json)

regex_quote() { sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$1"; }

# error_row FILE NAME MESSAGE: a Google Benchmark JSON file with one error row.
error_row() {
  python3 -c 'import json, sys; json.dump({"benchmarks": [{"name": sys.argv[2], "run_name": sys.argv[2],
    "run_type": "iteration", "error_occurred": True, "error_message": sys.argv[3]}]}, open(sys.argv[1], "w"))' "$@"
}

# run_gb PROGRAM OUTPUT NAME SECONDS: one repetition of one benchmark, killed
# after SECONDS.  The console table is the progress display; the JSON goes
# to OUTPUT.  A benchmark that fails, hangs or overruns becomes an error row
# (and run_gb returns 1).
run_gb() {
  local prog=$1 json=$2 name=$3 secs=$4 rc why
  timeout --signal=KILL "$secs" "$prog" "${gb_args[@]}" --benchmark_out="$json" \
    --benchmark_filter="^$(regex_quote "$name")\$" 2>"$json.log" | grep -v '^--\|^Benchmark '
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] && return 0
  cat "$json.log" >&2
  why="exited with status $rc"
  [ "$rc" -eq 137 ] && why="killed after the ${limit} s limit (hung or far too slow)"
  failed+=("$(basename "$prog") $name: $why")
  error_row "$json.error.json" "$name" "$why"
  return 1
}

# has_error JSON: the benchmark reported an error (SkipWithError: collapsed,
# unsupported); its later repetitions are not run.
has_error() { grep -q '"error_occurred": true' "$1" 2>/dev/null; }

# calib_point STEM WORKLOAD: one short repetition of the calibration row,
# recorded as the VM state beside STEM's WORKLOAD.
calib_seq=0
calib_point() {
  calib_seq=$((calib_seq + 1))
  timeout --signal=KILL 60 "$calib" --benchmark_repetitions=1 --benchmark_min_time=0.05 \
    --benchmark_out_format=json --benchmark_out="$results/calib_at@$calib_seq@$1@$2.json" \
    --benchmark_filter=calib >/dev/null 2>&1 || echo "calibration point before $1 $2 failed" >&2
}

# run_program PROGRAM STEM FILTER: every benchmark of PROGRAM whose name
# matches FILTER, one process per repetition, so a hang costs one row, not a
# program.  The rows of a workload run interleaved (see the top), after a
# calibration point.  A row gets LIMIT seconds for all its repetitions.
run_program() {
  local prog=$1 stem=$2 re=$3 i name names wl r left
  local -A index=() workload_of=() spent=() stopped=()
  local -a workloads=()
  mapfile -t names < <("$prog" --benchmark_list_tests=true --benchmark_filter="$re" 2>/dev/null)
  i=0
  for name in "${names[@]}"; do
    [ -n "$name" ] || continue
    index[$name]=$i workload_of[$name]=${name%%/*} spent[$name]=0
    [[ " ${workloads[*]} " == *" ${name%%/*} "* ]] || workloads+=("${name%%/*}")
    i=$((i + 1))
  done
  for wl in "${workloads[@]}"; do
    [ "$prog" = "$calib" ] || calib_point "$stem" "$wl"
    for ((r = 1; r <= reps; r++)); do
      for name in "${names[@]}"; do
        [ -n "$name" ] && [ "${workload_of[$name]}" = "$wl" ] && [ -z "${stopped[$name]:-}" ] || continue
        left=$((limit - spent[$name]))
        [ $left -gt 0 ] || left=1
        echo "=== $stem: $name, repetition $r of $reps (load $(cut -d' ' -f1 /proc/loadavg)) ==="
        local t0=$SECONDS json="$results/$stem@${index[$name]}.r$r.json"
        run_gb "$prog" "$json" "$name" "$left" || stopped[$name]=1
        has_error "$json" && stopped[$name]=1
        spent[$name]=$((spent[$name] + SECONDS - t0))
      done
    done
  done
}

meta() { # KEY=VALUE pairs into results/meta.json
  python3 -c 'import json, os, sys
path = sys.argv[1]
meta = json.load(open(path)) if os.path.exists(path) else {}
meta.update(a.split("=", 1) for a in sys.argv[2:])
json.dump(meta, open(path, "w"), indent=1)' "$results/meta.json" "$@"
}

meta "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" "mode=$mode" "host=$(uname -srm)" \
  "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)" \
  "git=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD 2>/dev/null || echo ' (modified)')" \
  "gbench_args=${gb_args[*]}" "loadavg_before=$(cat /proc/loadavg)"

start=$SECONDS
mapfile -t programs < "$build/bench-programs.txt"
calib=$build/bench/bench_calib
# The calibration row first, then the parking costs, every other program,
# the Go peer, and the calibration row again.
run_program "$calib" bench_calib calib
echo "=== park_costs ==="
timeout --signal=KILL 300 "$build/bench/park_costs" --csv "$results/park_costs.csv" || failed+=(park_costs)
for p in "${programs[@]}"; do
  [ -n "$p" ] && [ "$(basename "$p")" != bench_calib ] && run_program "$p" "$(basename "$p")" "${filter:-.}"
done
if [ $run_go = 1 ]; then
  echo "=== Go peer (GOMAXPROCS=2) ==="
  export GOCACHE=${GOCACHE:-$PWD/$build/go-cache} GOPATH=${GOPATH:-$PWD/$build/go-path}
  go_args=(-reps $reps -min-time $min_time -filter "${filter:-.}")
  meta "go_args=${go_args[*]}; $(go version)"
  if go build -o "$build/lfgo-go-bench" bench/go/*.go; then
    calib_point go all
    GOMAXPROCS=2 timeout --signal=KILL $((4 * limit)) "$build/lfgo-go-bench" "${go_args[@]}" \
      -out "$results/go.csv" || failed+=("go peer: exit status $?")
  else
    failed+=("go peer: build failed")
  fi
fi
run_program "$calib" calib_end calib
fl=""
[ ${#failed[@]} -eq 0 ] || fl=$(printf '%s; ' "${failed[@]}")
meta "loadavg_after=$(cat /proc/loadavg)" "seconds=$((SECONDS - start))" "failed=$fl"

python3 bench/report.py --results "$results" --out "$out" >/dev/null || failed+=(report.py)
rm -rf "$out/raw" && cp -r "$results" "$out/raw"
echo "benchmarks took $((SECONDS - start)) s"
[ ${#failed[@]} -eq 0 ] || printf 'FAILED: %s\n' "${failed[@]}"
echo "report: $out/report.md (summary: $out/summary.csv, plots: $out/*.svg)"
[ ${#failed[@]} -eq 0 ]
