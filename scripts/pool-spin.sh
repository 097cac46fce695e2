#!/usr/bin/env bash
# What the task pool's scheduler decides, counted: builds bench_pool against
# a library with LFGO_POOL_STATS (build/pool-stats) and runs the lfgo_pool
# rows, printing per row:
#   ns           time per benchmark iteration (the counters cost a little:
#                compare times with the bench preset, not with this)
#   spins/task   idle episodes in which a worker spun, per submitted task
#   found        share of those spins that ended because work appeared
#   spin_ns      mean length of a spin episode
#   refused/task idle workers that skipped spinning (enough spun already)
#   parks/task   futex sleeps per task
#   saw_spinner  share of submissions that found a spinner (no wake, no syscall)
#   woke         share of submissions that woke a parked worker (a syscall)
#   all_busy     share of submissions that found nobody idle
#   local        share of submissions onto the submitter's own deque
#   naps/task    helping waits that slept on their WaitGroup
#   scripts/pool-spin.sh [reps]
# Run it alone: the counts depend on how often a worker finds nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
dir=build/pool-stats
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLFGO_BUILD_BENCH=ON -DLFGO_BUILD_TESTS=OFF \
  -DLFGO_BUILD_EXAMPLES=OFF -DLFGO_POOL_STATS=ON >/dev/null
ninja -C "$dir" bench_pool >/dev/null
json=$(mktemp)
"$dir/bench/bench_pool" --benchmark_filter='/lfgo_(pool|group)/' --benchmark_repetitions="$reps" \
  --benchmark_format=json >"$json" 2>/dev/null
python3 - "$json" <<'EOF'
import json, sys
rows = [b for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("run_type") == "iteration"]
cols = ["spins_per_task", "spin_found", "spin_ns", "spin_refused_per_task", "parks_per_task",
        "saw_spinner", "woke", "all_busy", "local", "naps_per_task"]
heads = ["spins/task", "found", "spin_ns", "refused/task", "parks/task", "saw_spinner", "woke",
         "all_busy", "local", "naps/task"]
print("%-26s %10s " % ("row", "ns") + " ".join("%12s" % h for h in heads))
for b in rows:
    if "spins_per_task" not in b:
        sys.exit("pool-spin: no counters: the library was built without LFGO_POOL_STATS")
    ns = b["real_time"] * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    print("%-26s %10.0f " % (b["name"], ns) + " ".join("%12.4g" % b[c] for c in cols))
EOF
rm -f "$json"
