// bench/bench_pool.cpp - task pool workloads (issue 13).
//
// Every pool (lfgo_pool, its twin, TBB's arena, OpenMP's team) has the
// default size: one thread per online CPU, the benchmark's thread included
// (lfgo_pool_create(.., 0) gives CPUs - 1 workers plus the waiting caller).
//
//  forkjoin_2w/{lfgo_pool,tbb,openmp}: each round the main thread forks two
//      trivial tasks and waits for both.  lfgo_pool: lfgo_go twice and
//      lfgo_pool_wait (which runs a task itself if one is still queued);
//      tbb: task_group::run twice and wait; openmp: a parallel region of two
//      threads, one task each.  ns per round.  (forkjoin_2w/{lfgo,twin,go}
//      in bench_wg/bench/go are the same round on two persistent threads.)
//  fib_25/{lfgo_pool,twin,tbb,openmp}: fib(25) by recursive fork/join, one
//      task per call for n > kCutoff (both children are tasks, then the call
//      waits for them, helping), serial below.  ns per fib(25).
//  spawn_join_1e6/{lfgo_pool,twin,tbb,openmp}: 10^6 trivial tasks submitted
//      from one thread, then one wait; tasks per second.
//  sizedwg_6/lfgo_group: bench_swg's sizedwg_6 (100,000 trivial tasks, at
//      most 6 in flight) as an lfgo_group with limit 6; ns per task.
// The Go rows of fib_25 and spawn_join_1e6 are in bench/go/pool.go, with
// the same cutoff and counts.
#include "bench_common.hpp"

#include <atomic>
#include <cstdint>

#include "lfgo/pool.h"
#include "lfgo/twin/pool.h"

#if LFGO_BENCH_HAVE_TBB
#include <tbb/task_group.h>
#endif
#if LFGO_BENCH_HAVE_OPENMP
#include <omp.h>
#endif

namespace {

constexpr int kFibN = 25;
constexpr int kCutoff = 10; // bench/go/pool.go uses the same
constexpr long kSpawn = 1000000;
constexpr uint64_t kSizedTasks = 100000;
constexpr int kSizedLimit = 6;

long fib_serial(int n) { return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2); }
const long kFibWant = fib_serial(kFibN);

// One lfgo_pool (and one twin) for the whole program, as an application has.
lfgo_pool *pool()
{
    static lfgo_pool *p = [] {
        lfgo_pool *q = nullptr;
        if (lfgo_pool_create(&q, 0) != LFGO_OK)
            std::abort();
        return q;
    }();
    return p;
}

lfgo_twin_pool *twin_pool()
{
    static lfgo_twin_pool *p = [] {
        lfgo_twin_pool *q = nullptr;
        if (lfgo_twin_pool_create(&q, 0) != LFGO_OK)
            std::abort();
        return q;
    }();
    return p;
}

// The scheduler's counters over one run of a row, as benchmark counters
// (only in a library built with LFGO_POOL_STATS: scripts/pool-spin.sh; the
// bench preset has none and shows no such columns).  Per submitted task:
// spins (idle episodes that spun), parks; per spin: the share that found work
// and the mean time spun; per submission: the share that saw a spinner (no
// wake needed) and the share that woke a parked worker (a system call).
class SchedCounters {
  public:
    explicit SchedCounters(lfgo_pool *p) : p_(p) { on_ = lfgo__pool_debug_stats(p_, &a_); }
    void report(benchmark::State &st)
    {
        lfgo__pool_stats b;
        if (!on_ || !lfgo__pool_debug_stats(p_, &b))
            return;
        const double tasks = (double)(b.submits - a_.submits), spins = (double)(b.spins - a_.spins);
        if (tasks == 0)
            return;
        st.counters["spins_per_task"] = spins / tasks;
        st.counters["spin_found"] = spins ? (double)(b.spin_found - a_.spin_found) / spins : 0;
        st.counters["spin_ns"] = spins ? (double)(b.spin_ns - a_.spin_ns) / spins : 0;
        st.counters["spin_refused_per_task"] = (double)(b.spin_refused - a_.spin_refused) / tasks;
        st.counters["parks_per_task"] = (double)(b.parks - a_.parks) / tasks;
        st.counters["saw_spinner"] = (double)(b.notify_spinner - a_.notify_spinner) / tasks;
        st.counters["woke"] = (double)(b.notify_wake - a_.notify_wake) / tasks;
        st.counters["all_busy"] = (double)(b.notify_busy - a_.notify_busy) / tasks;
        st.counters["local"] = (double)(b.submits_local - a_.submits_local) / tasks;
        st.counters["naps_per_task"] = (double)(b.help_naps - a_.help_naps) / tasks;
    }

  private:
    lfgo_pool *p_;
    lfgo__pool_stats a_;
    bool on_;
};

// ------------------------------------------------------------ forkjoin_2w

void fj_task(void *a) { lfgo_wg_done(static_cast<lfgo_wg *>(a)); }

void forkjoin_lfgo_pool(benchmark::State &st)
{
    lfgo_pool *p = pool();
    lfgo_wg wg = LFGO_WG_INIT;
    SchedCounters sc(p);
    for (auto _ : st) {
        lfgo_wg_add(&wg, 2);
        lfgo_go(p, fj_task, &wg);
        lfgo_go(p, fj_task, &wg);
        lfgo_pool_wait(p, &wg);
    }
    sc.report(st);
}

#if LFGO_BENCH_HAVE_TBB
void forkjoin_tbb(benchmark::State &st)
{
    tbb::task_group g;
    std::atomic<long> ran{0};
    for (auto _ : st) {
        g.run([&] { ran.fetch_add(1, std::memory_order_relaxed); });
        g.run([&] { ran.fetch_add(1, std::memory_order_relaxed); });
        g.wait();
    }
    if (ran.load() != 2 * (long)st.iterations())
        st.SkipWithError("forkjoin_2w/tbb: a task was lost");
}
#endif

#if LFGO_BENCH_HAVE_OPENMP
void forkjoin_openmp(benchmark::State &st)
{
    std::atomic<long> ran{0};
    for (auto _ : st) {
#pragma omp parallel num_threads(2)
        ran.fetch_add(1, std::memory_order_relaxed);
    }
    if (ran.load() != 2 * (long)st.iterations())
        st.SkipWithError("forkjoin_2w/openmp: a task was lost");
}
#endif

// ------------------------------------------------------------------ fib_25

struct FibLfgo {
    int n;
    long result;
    lfgo_wg *parent;
};

void fib_lfgo(void *a)
{
    auto *f = static_cast<FibLfgo *>(a);
    if (f->n <= kCutoff) {
        f->result = fib_serial(f->n);
    } else {
        lfgo_wg wg = LFGO_WG_INIT;
        FibLfgo l{f->n - 1, 0, &wg}, r{f->n - 2, 0, &wg};
        lfgo_wg_add(&wg, 2);
        lfgo_go(pool(), fib_lfgo, &l);
        lfgo_go(pool(), fib_lfgo, &r);
        lfgo_pool_wait(pool(), &wg);
        f->result = l.result + r.result;
    }
    if (f->parent)
        lfgo_wg_done(f->parent);
}

void fib_lfgo_pool(benchmark::State &st)
{
    long got = 0;
    SchedCounters sc(pool());
    for (auto _ : st) {
        FibLfgo root{kFibN, 0, nullptr};
        fib_lfgo(&root); // the caller is the root call, as in every impl
        got = root.result;
    }
    sc.report(st);
    if (got != kFibWant)
        st.SkipWithError("fib_25/lfgo_pool: wrong result");
}

struct FibTwin {
    int n;
    long result;
    lfgo_twin_wg *parent;
};

void fib_twin_task(void *a)
{
    auto *f = static_cast<FibTwin *>(a);
    if (f->n <= kCutoff) {
        f->result = fib_serial(f->n);
    } else {
        lfgo_twin_wg wg;
        lfgo_twin_wg_init(&wg);
        FibTwin l{f->n - 1, 0, &wg}, r{f->n - 2, 0, &wg};
        lfgo_twin_wg_add(&wg, 2);
        lfgo_twin_go(twin_pool(), fib_twin_task, &l);
        lfgo_twin_go(twin_pool(), fib_twin_task, &r);
        lfgo_twin_pool_wait(twin_pool(), &wg);
        lfgo_twin_wg_destroy(&wg);
        f->result = l.result + r.result;
    }
    if (f->parent)
        lfgo_twin_wg_done(f->parent);
}

void fib_twin(benchmark::State &st)
{
    long got = 0;
    for (auto _ : st) {
        FibTwin root{kFibN, 0, nullptr};
        fib_twin_task(&root);
        got = root.result;
    }
    if (got != kFibWant)
        st.SkipWithError("fib_25/twin: wrong result");
}

#if LFGO_BENCH_HAVE_TBB
long fib_tbb_rec(int n)
{
    if (n <= kCutoff)
        return fib_serial(n);
    long a = 0, b = 0;
    tbb::task_group g;
    g.run([&] { a = fib_tbb_rec(n - 1); });
    g.run([&] { b = fib_tbb_rec(n - 2); });
    g.wait();
    return a + b;
}

void fib_tbb(benchmark::State &st)
{
    long got = 0;
    for (auto _ : st)
        got = fib_tbb_rec(kFibN);
    if (got != kFibWant)
        st.SkipWithError("fib_25/tbb: wrong result");
}
#endif

#if LFGO_BENCH_HAVE_OPENMP
long fib_omp_rec(int n)
{
    if (n <= kCutoff)
        return fib_serial(n);
    long a = 0, b = 0;
#pragma omp task shared(a)
    a = fib_omp_rec(n - 1);
#pragma omp task shared(b)
    b = fib_omp_rec(n - 2);
#pragma omp taskwait
    return a + b;
}

void fib_openmp(benchmark::State &st)
{
    long got = 0;
    for (auto _ : st) {
#pragma omp parallel
#pragma omp single
        got = fib_omp_rec(kFibN);
    }
    if (got != kFibWant)
        st.SkipWithError("fib_25/openmp: wrong result");
}
#endif

// ---------------------------------------------------------- spawn_join_1e6

void spawn_lfgo_pool(benchmark::State &st)
{
    lfgo_pool *p = pool();
    lfgo_wg wg = LFGO_WG_INIT;
    SchedCounters sc(p);
    for (auto _ : st) {
        lfgo_wg_add(&wg, kSpawn);
        for (long i = 0; i < kSpawn; i++)
            lfgo_go(p, fj_task, &wg);
        lfgo_pool_wait(p, &wg);
    }
    sc.report(st);
    lfgo_bench::items_per_second(st, kSpawn);
}

void twin_done(void *a) { lfgo_twin_wg_done(static_cast<lfgo_twin_wg *>(a)); }

void spawn_twin(benchmark::State &st)
{
    lfgo_twin_pool *p = twin_pool();
    lfgo_twin_wg wg;
    lfgo_twin_wg_init(&wg);
    for (auto _ : st) {
        lfgo_twin_wg_add(&wg, kSpawn);
        for (long i = 0; i < kSpawn; i++)
            lfgo_twin_go(p, twin_done, &wg);
        lfgo_twin_pool_wait(p, &wg);
    }
    lfgo_twin_wg_destroy(&wg);
    lfgo_bench::items_per_second(st, kSpawn);
}

#if LFGO_BENCH_HAVE_TBB
void spawn_tbb(benchmark::State &st)
{
    std::atomic<long> left{0};
    for (auto _ : st) {
        tbb::task_group g;
        left.store(kSpawn, std::memory_order_relaxed);
        for (long i = 0; i < kSpawn; i++)
            g.run([&] { left.fetch_sub(1, std::memory_order_relaxed); });
        g.wait();
        if (left.load() != 0)
            st.SkipWithError("spawn_join_1e6/tbb: a task was lost");
    }
    lfgo_bench::items_per_second(st, kSpawn);
}
#endif

#if LFGO_BENCH_HAVE_OPENMP
void spawn_openmp(benchmark::State &st)
{
    std::atomic<long> left{0};
    for (auto _ : st) {
        left.store(kSpawn, std::memory_order_relaxed);
#pragma omp parallel
#pragma omp single
        {
            for (long i = 0; i < kSpawn; i++) {
#pragma omp task shared(left)
                left.fetch_sub(1, std::memory_order_relaxed);
            }
#pragma omp taskwait
        }
        if (left.load() != 0)
            st.SkipWithError("spawn_join_1e6/openmp: a task was lost");
    }
    lfgo_bench::items_per_second(st, kSpawn);
}
#endif

// --------------------------------------------------------------- sizedwg_6

struct Sized {
    std::atomic<uint64_t> sum{0};
};
Sized sized;

int sized_task(void *a)
{
    sized.sum.fetch_add(reinterpret_cast<uintptr_t>(a), std::memory_order_relaxed);
    return 0;
}

void sizedwg_lfgo_group(benchmark::State &st)
{
    lfgo_group g;
    lfgo_group_init(&g, pool(), kSizedLimit);
    SchedCounters sc(pool());
    for (auto _ : st) {
        for (uint64_t i = 0; i < kSizedTasks; i++)
            lfgo_group_go(&g, sized_task, reinterpret_cast<void *>(static_cast<uintptr_t>(i)));
        lfgo_group_wait(&g);
    }
    sc.report(st);
    lfgo_group_destroy(&g);
    const uint64_t want = (uint64_t)st.iterations() * kSizedTasks * (kSizedTasks - 1) / 2;
    if (sized.sum.load() != want)
        st.SkipWithError("sizedwg_6/lfgo_group: a task was lost or run twice");
    sized.sum.store(0);
    lfgo_bench::per_item(st, kSizedTasks);
}

} // namespace

// Registration order: lfgo rows first, then the twin, TBB, and OpenMP last:
// idle libgomp and TBB threads keep spinning for a while after their last
// region, which would take CPU from the rows after them.
LFGO_BENCH(forkjoin_lfgo_pool, "forkjoin_2w", "lfgo_pool");
LFGO_BENCH(fib_lfgo_pool, "fib_25", "lfgo_pool");
LFGO_BENCH(spawn_lfgo_pool, "spawn_join_1e6", "lfgo_pool");
LFGO_BENCH(sizedwg_lfgo_group, "sizedwg_6", "lfgo_group");
LFGO_BENCH(fib_twin, "fib_25", "twin");
LFGO_BENCH(spawn_twin, "spawn_join_1e6", "twin");
#if LFGO_BENCH_HAVE_TBB
LFGO_BENCH(forkjoin_tbb, "forkjoin_2w", "tbb");
LFGO_BENCH(fib_tbb, "fib_25", "tbb");
LFGO_BENCH(spawn_tbb, "spawn_join_1e6", "tbb");
#endif
#if LFGO_BENCH_HAVE_OPENMP
LFGO_BENCH(forkjoin_openmp, "forkjoin_2w", "openmp");
LFGO_BENCH(fib_openmp, "fib_25", "openmp");
LFGO_BENCH(spawn_openmp, "spawn_join_1e6", "openmp");
#endif

BENCHMARK_MAIN();
