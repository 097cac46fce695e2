// bench/bench_common.hpp - what every lfgo benchmark shares (see bench/README.md).
//
//  - LFGO_BENCH(fn, "workload", "impl"): registers fn under the stable name
//    "workload/impl" that the report keys on, timed in real (wall) time.
//  - per_item / items_per_second / metric: the counters the report reads
//    (report.py picks the row's figure from them; see README, "Counters").
//  - SecondThread: keeps a parked second thread alive, because glibc takes
//    single-threaded shortcuts while a process has one thread, which would
//    flatter an uncontended pthread baseline.
//  - SpinPingPong: the bare C11 spin handoff between two threads, the
//    calibration row (calib_spin_rtt/floor) and the floor of handoff
//    workloads.
//  - spin_yield_until: the job handoff used by workloads with persistent
//    workers (polls with sched_yield between polls; never parks), the same
//    for every impl.
//  - Latencies: p50/p99/p99.9 of recorded samples, reported as metric rows.
//  - TimeBudget: lets a benchmark of a peer that may collapse give up and
//    report "collapsed" instead of hanging the run.
// Threads are never pinned: the report measures what a user would get.
#pragma once

#include <benchmark/benchmark.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lfgo/atomic.h"
#include "lfgo/common.h"

// Registers `fn` as "workload/impl" (string literals), in real time: the
// threads of a handoff benchmark sleep and spin, so the main thread's CPU
// time means nothing.  Chain more settings as usual: ->Iterations(1).
// fn may be a template instance (forkjoin<LfgoWg>).
#define LFGO_BENCH(fn, workload, impl)                                          \
    [[maybe_unused]] static benchmark::internal::Benchmark *LFGO_BENCH_CAT(   \
        lfgo_bench_reg_, __COUNTER__) = benchmark::RegisterBenchmark(workload "/" impl, fn)->UseRealTime()
#define LFGO_BENCH_CAT(a, b) LFGO_BENCH_CAT2(a, b)
#define LFGO_BENCH_CAT2(a, b) a##b

namespace lfgo_bench {

// ------------------------------------------------------------- counters

// The row's figure becomes ns per item: wall time of the iterations divided
// by (items_per_iteration x iterations).  Without any of these counters the
// figure is the wall time per iteration, in ns.
inline void per_item(benchmark::State &st, double items_per_iteration)
{
    st.counters["per_item"] = benchmark::Counter(
        items_per_iteration, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// The row's figure becomes items per second (higher is better).
inline void items_per_second(benchmark::State &st, double items_per_iteration)
{
    st.counters["items_per_s"] =
        benchmark::Counter(items_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

// An extra figure, reported as its own row "<workload>.<name>" with `unit`
// ("ns", "count", "%", ...): latency percentiles, fairness spreads.
inline void metric(benchmark::State &st, const std::string &name, double value, const char *unit)
{
    st.counters[name + ":" + unit] = value;
}

// ---------------------------------------------------------------- clock

inline int64_t now_ns()
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

// True when scripts/bench.sh runs with --full (LFGO_BENCH_FULL=1): a
// benchmark may then use larger sizes; the quick default must keep the
// whole report within a few minutes.
inline bool full_mode()
{
    const char *e = std::getenv("LFGO_BENCH_FULL");
    return e && std::strcmp(e, "1") == 0;
}

// --------------------------------------------------------- SecondThread

// A second thread, blocked on a condition variable (no CPU) for the lifetime
// of the object.
class SecondThread {
public:
    SecondThread() : th_([this] {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [this] { return stop_; });
    }) {}
    ~SecondThread()
    {
        {
            std::lock_guard<std::mutex> lk(mu_);
            stop_ = true;
        }
        cv_.notify_one();
        th_.join();
    }
    SecondThread(const SecondThread &) = delete;
    SecondThread &operator=(const SecondThread &) = delete;

private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread th_;
};

// ------------------------------------------------------ spin_yield_until

// Polls `ready`: `pause_polls` polls with PAUSE between them, then with
// sched_yield() between polls, so that when threads outnumber the 2 cores the
// poller hands its core to the thread it is waiting for.  Never parks: a
// futex wake per job would swamp what a handoff workload measures.  The
// default of 0 PAUSE polls measured best for persistent workers when three
// threads share the two cores (forkjoin_2w with 128 PAUSE polls first:
// lfgo 21.1 us instead of 6.0 us per round, twin 12.3 instead of 9.9 us, in
// one measurement at load average ~2; docs/benchmarks.md).
inline constexpr int kPausePolls = 0;

template <class Ready>
inline void spin_yield_until(Ready ready, int pause_polls = kPausePolls)
{
    for (int i = 0; !ready(); i++) {
        if (i < pause_polls)
            lfgo_cpu_relax();
        else
            sched_yield();
    }
}

// --------------------------------------------------------- SpinPingPong

// A partner thread that answers every ping by spinning; round_trip() is one
// ping and its pong.  Both sides spin with PAUSE only: this is the floor of
// a cross-core handoff (two cache-line transfers), not a practical waiter.
class SpinPingPong {
public:
    SpinPingPong() : th_([this] { partner(); }) {}
    ~SpinPingPong()
    {
        // release: pairs with the partner's acquire load; carries no data.
        lfgo_atomic_store(&ping_.v, kStop, memory_order_release);
        th_.join();
    }
    SpinPingPong(const SpinPingPong &) = delete;
    SpinPingPong &operator=(const SpinPingPong &) = delete;

    void round_trip()
    {
        uint64_t s = ++seq_;
        // release/acquire: the handoff being measured; each pairs with the
        // partner's opposite access on the same line.
        lfgo_atomic_store(&ping_.v, s, memory_order_release);
        while (lfgo_atomic_load(&pong_.v, memory_order_acquire) != s)
            lfgo_cpu_relax();
    }

private:
    static constexpr uint64_t kStop = UINT64_MAX;
    struct alignas(LFGO_CACHELINE) Line {
        LFGO_ATOMIC(uint64_t) v{0};
    };
    static_assert(sizeof(Line) == LFGO_CACHELINE, "one line per direction");

    void partner()
    {
        uint64_t seen = 0;
        for (;;) {
            uint64_t s;
            // acquire: pairs with round_trip's release store of ping.
            while ((s = lfgo_atomic_load(&ping_.v, memory_order_acquire)) == seen)
                lfgo_cpu_relax();
            if (s == kStop)
                return;
            seen = s;
            // release: pairs with round_trip's acquire load of pong.
            lfgo_atomic_store(&pong_.v, s, memory_order_release);
        }
    }

    Line ping_, pong_;
    uint64_t seq_ = 0;
    std::thread th_;
};

// ------------------------------------------------------------ Latencies

// Samples in ns; report() adds the rows "<workload>.p50", ".p99", ".p999"
// and ".max" (unit ns) for this repetition.
class Latencies {
public:
    void reserve(size_t n) { v_.reserve(n); }
    void add(double ns) { v_.push_back(ns); }
    void clear() { v_.clear(); }
    size_t size() const { return v_.size(); }

    // The q-quantile (0 < q <= 1), nearest rank; sorts the samples.
    double quantile(double q)
    {
        if (v_.empty())
            return 0;
        std::sort(v_.begin(), v_.end());
        size_t rank = (size_t)std::ceil(q * (double)v_.size());
        return v_[rank > 0 ? rank - 1 : 0];
    }

    void report(benchmark::State &st)
    {
        metric(st, "p50", quantile(0.50), "ns");
        metric(st, "p99", quantile(0.99), "ns");
        metric(st, "p999", quantile(0.999), "ns");
        metric(st, "max", quantile(1.0), "ns");
    }

private:
    std::vector<double> v_;
};

// ----------------------------------------------------------- TimeBudget

// A wall-clock budget.  A benchmark whose peer may collapse (spinlocks with
// more threads than cores) checks expired() every so many operations, stops
// its threads and calls st.SkipWithError("collapsed: ..."); the report shows
// the row as collapsed instead of the run hanging.
class TimeBudget {
public:
    explicit TimeBudget(double seconds) : end_(now_ns() + (int64_t)(seconds * 1e9)) {}
    bool expired() const { return now_ns() >= end_; }

private:
    int64_t end_;
};

} // namespace lfgo_bench
