#!/usr/bin/env bash
# Where an MPMC channel row's time goes, counted by the kernel: for each row,
# one pass of 10^7 items (bench/bench_chan.cpp) under `perf stat` with the
# syscall tracepoints, printed per 10^6 items:
#   futex_wait   FUTEX_WAIT_BITSET calls (a sender or receiver parked)
#   futex_wake   FUTEX_WAKE calls (somebody woke a parked thread, or tried to)
#   membarrier   the heavy side of the sleeper handshake (one per park)
#   sched_yield  calls to sched_yield (the floor backs off with it every 64 tries)
#   cs           context switches;  cpu_ms  task-clock of the whole pass
# The counts need no hardware counters (this VM has none), only tracepoints,
# so they run as root (or with perf_event_paranoid <= -1).
#   scripts/chan-costs.sh [build-dir] [rows-regex] [reps]
# Run it alone: its counts depend on how often a thread finds the ring empty,
# which another job on the machine changes.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/bench}
rows=${2:-'^(mpmc_(2p2c|4p4c|8p8c)/(lfgo|floor)|spsc/lfgo|mpmc_2p2c/lfgo_fence)/'}
reps=${3:-3}
exe=$dir/bench/bench_chan
[ -x "$exe" ] || { echo "chan-costs: $exe not built (cmake --workflow --preset bench)" >&2; exit 1; }
items=${LFGO_BENCH_ITEMS:-10000000}
mapfile -t names < <("$exe" --benchmark_list_tests | grep -E "$rows")
# futex op values: FUTEX_WAIT_BITSET|PRIVATE = 137, FUTEX_WAKE|PRIVATE = 129;
# the fallback parking layer is not used by the bench preset.
events=(-e syscalls:sys_enter_futex --filter 'op == 137'
        -e syscalls:sys_enter_futex --filter 'op == 129'
        -e syscalls:sys_enter_membarrier -e syscalls:sys_enter_sched_yield
        -e context-switches -e task-clock)
printf '%-28s %4s %10s %12s %12s %12s %12s %12s %10s\n' row rep ns_item \
  futex_wait futex_wake membarrier sched_yield cs cpu_ms
for n in "${names[@]}"; do
  for r in $(seq 1 "$reps"); do
    out=$(mktemp)
    json=$(mktemp)
    perf stat -x, -o "$out" "${events[@]}" -- \
      "$exe" --benchmark_filter="^${n}\$" --benchmark_format=json >"$json" 2>/dev/null
    python3 - "$out" "$json" "$n" "$r" "$items" <<'EOF'
import json, sys
out, js, name, rep, items = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
vals = []
for line in open(out):
    f = line.strip().split(',')
    if len(f) > 3 and f[0] and not line.startswith('#'):
        try: vals.append(float(f[0]))
        except ValueError: vals.append(float('nan'))
b = json.load(open(js))['benchmarks'][0]
ns = b['per_item'] * 1e9 if 'per_item' in b else b['real_time']
per = lambda v: v * 1e6 / items
row = name.split('/iterations')[0]
print('%-28s %4s %10.2f %12.1f %12.1f %12.1f %12.1f %12.1f %10.0f' % (
    row, rep, ns, per(vals[0]), per(vals[1]), per(vals[2]), per(vals[3]), per(vals[4]), vals[5]))
EOF
    rm -f "$out" "$json"
  done
done
