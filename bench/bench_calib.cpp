// bench/bench_calib.cpp - the calibration row, run first (and last) by
// scripts/bench.sh: calib_spin_rtt/floor, the round trip of a bare C11 spin
// handoff between two threads, in ns.  This VM alternates between a fast
// state (~105-160 ns) and a slow one (~480-625 ns) within seconds, and
// cache-bound figures move 5-8x with it; the report names the state it ran
// in and compares figures only within one run.
#include "bench_common.hpp"

static void calib_spin_rtt(benchmark::State &st)
{
    lfgo_bench::SpinPingPong pp;
    for (auto _ : st)
        pp.round_trip();
}
LFGO_BENCH(calib_spin_rtt, "calib_spin_rtt", "floor");

BENCHMARK_MAIN();
