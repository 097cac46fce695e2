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
# process each, so the peers of a row meet the same VM state.  The lfgo rows
# of the seq_cst build (bench_<group>_seqcst, issue 11) join the workload's
# interleave.  Before each workload and after each program's last one the
# calibration row runs once more (results/calib_at@...), so the report
# shows the VM state beside every workload and program, not only at the
# start and the end.
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
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
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
  # A peer that spins inside its own library past every budget (DPDK's
  # MP/MC ring waits for preempted producers with 16 threads on 2 cores) is
  # a collapse of that peer, reported as such; lfgo's, the twin's and the
  # floor's rows hanging stay failures.
  local impl
  impl=$(cut -d/ -f2 <<<"$name")
  if [ "$rc" -eq 137 ] && [[ ! $impl =~ ^(lfgo|twin|floor|counter) ]]; then
    error_row "$json.error.json" "$name" "collapsed: $why"
    echo "note: $(basename "$prog") $name collapsed ($why)" >&2
    return 1
  fi
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

# The variant programs (bench/CMakeLists.txt, bench-variants.txt):
# bench_<group>_<variant> is bench_<group> built against another build of
# lfgo.  Only the rows matched here run, interleaved with the base program's
# rows of the same workload; report.py names them <impl>_<variant>.
declare -A VARIANT_ROWS=(
  [bench_chan_seqcst]='^(spsc|mpmc_2p2c|pingpong)/lfgo/'
  [bench_wg_seqcst]='^(wg_add_done|forkjoin_2w)/lfgo/'
  [bench_mutex_seqcst]='^mutex_[1248]t/lfgo/'
)
variants=()
[ -f "$build/bench-variants.txt" ] && mapfile -t variants < "$build/bench-variants.txt"

# run_program PROGRAM STEM FILTER: every benchmark of PROGRAM whose name
# (workload/impl) matches FILTER, one process per repetition, so a hang
# costs one row, not a program; with PROGRAM's variants' rows (VARIANT_ROWS)
# beside them.  The rows of a workload run interleaved (see the top), after
# a calibration point; a last calibration point follows the program's last
# workload.  A row gets LIMIT seconds for all its repetitions.
run_program() {
  local prog=$1 stem=$2 re=$3 k v vstem name names wl r left shown rest
  local -a e_prog=() e_name=() e_file=() e_wl=() spent=() stopped=() workloads=()
  add_rows() { # PROGRAM REGEX [SUFFIX]: entries for its matching benchmarks
    local p=$1 pstem n j=0
    pstem=$(basename "$p")
    mapfile -t names < <("$p" --benchmark_list_tests=true --benchmark_filter="$2" 2>/dev/null)
    for n in "${names[@]}"; do
      [ -n "$n" ] || continue
      j=$((j + 1))
      # FILTER, on the row's name as the report shows it (workload/impl, as
      # the Go peer applies it; Google Benchmark's names end in /real_time).
      rest=${n#*/}
      shown=${n%%/*}/${rest%%/*}${3:+_$3}
      [[ $shown =~ $re ]] || continue
      e_prog+=("$p") e_name+=("$n") e_file+=("$pstem@$((j - 1))") e_wl+=("${n%%/*}")
      spent+=(0) stopped+=("")
      [[ " ${workloads[*]} " == *" ${n%%/*} "* ]] || workloads+=("${n%%/*}")
    done
  }
  add_rows "$prog" .
  for v in "${variants[@]}"; do
    vstem=$(basename "$v")
    [ -n "$v" ] && [ "${vstem%_*}" = "$stem" ] && [ -n "${VARIANT_ROWS[$vstem]:-}" ] || continue
    add_rows "$v" "${VARIANT_ROWS[$vstem]}" "${vstem##*_}"
  done
  for wl in "${workloads[@]}"; do
    [ "$prog" = "$calib" ] || calib_point "$stem" "$wl"
    for ((r = 1; r <= reps; r++)); do
      for k in "${!e_name[@]}"; do
        [ "${e_wl[$k]}" = "$wl" ] && [ -z "${stopped[$k]}" ] || continue
        left=$((limit - spent[k]))
        [ $left -gt 0 ] || left=1
        name=${e_name[$k]}
        echo "=== $(basename "${e_prog[$k]}"): $name, repetition $r of $reps (load $(cut -d' ' -f1 /proc/loadavg)) ==="
        local t0=$SECONDS json="$results/${e_file[$k]}.r$r.json"
        run_gb "${e_prog[$k]}" "$json" "$name" "$left" || stopped[k]=1
        has_error "$json" && stopped[k]=1
        spent[k]=$((spent[k] + SECONDS - t0))
      done
    done
  done
  [ "$prog" = "$calib" ] || [ ${#workloads[@]} -eq 0 ] || calib_point "$stem" _end
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
    calib_point go _end
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
