// bench/bench_mutex.cpp - issue 4's mutex workloads (see bench/README.md).
//
//  mutex_2t, mutex_4t, mutex_8t: T threads each increment one shared plain
//    counter under the lock; 10,000,000 increments in total with --full
//    (2,000,000 in the quick default); the figure is ns per increment.
//  mutex_1t: the same with one thread: the uncontended cost of lock +
//    increment + unlock, the floor the contended rows are read against
//    (lfgo's fast paths are two CASes, ck_fas is one exchange and a store).
//    Impls: lfgo (the exported out-of-line lock/unlock: a user program's
//    default; linked statically here, so without the PLT jump a call into
//    liblfgo.so adds), lfgo_inline (the same with LFGO_INLINE: the fast
//    paths compiled into the caller), twin (pthread default), pthread_adaptive, ck_fas,
//    ck_ticket, ck_mcs (spinlocks that collapse when threads outnumber
//    cores: each run has a TimeBudget and reports "collapsed" instead of
//    hanging), std_mutex (std::mutex) and absl_mutex (absl::Mutex, with
//    libabsl-dev; issue 12).  The Go peer is bench/go/mutex.go.
//  fairness_4t, fairness_8t: 4 or 8 threads take the lock as often as they
//    can for a fixed time; figure ns per acquisition, plus .spread (max-min
//    over mean of the per-thread acquisition counts, %) and .longest_wait
//    (ns): the fairness figures beside mutex_4t and mutex_8t (issue 12 part
//    4), which count a fixed share per thread and time no single wait.
//    ck_fas only at 4 threads (a spinlock with 8 threads on 2 cores
//    collapses, see mutex_8t).
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

// LFGO_INLINE before every lfgo header: lfgo_mutex_lock(...) is then the
// inline fast path, and (lfgo_mutex_lock)(...) - the name in parentheses,
// which a function-like macro does not expand - the exported function.
#define LFGO_INLINE 1
#include "bench_common.hpp"
#include "lfgo/mutex.h"
#include "lfgo/twin/mutex.h"
#include "mutex/ck.h"

#include <mutex>
#if LFGO_BENCH_HAVE_ABSL
#include <absl/synchronization/mutex.h>
#endif

namespace {

struct LfgoLock {
    lfgo_mutex m = LFGO_MUTEX_INIT;
    void lock(void *) { (lfgo_mutex_lock)(&m); }
    void unlock(void *) { (lfgo_mutex_unlock)(&m); }
};

struct LfgoInlineLock {
    lfgo_mutex m = LFGO_MUTEX_INIT;
    void lock(void *) { lfgo_mutex_lock(&m); }
    void unlock(void *) { lfgo_mutex_unlock(&m); }
};

template <lfgo_twin_mutex_kind K> struct TwinLock {
    lfgo_twin_mutex m;
    TwinLock() { lfgo_twin_mutex_init_kind(&m, K); }
    ~TwinLock() { lfgo_twin_mutex_destroy(&m); }
    void lock(void *) { lfgo_twin_mutex_lock(&m); }
    void unlock(void *) { lfgo_twin_mutex_unlock(&m); }
};

#if LFGO_BENCH_HAVE_CK
template <int K> struct CkLock {
    peer_ck_spin *l = peer_ck_create(K);
    ~CkLock() { peer_ck_destroy(l); }
    void lock(void *ctx) { peer_ck_lock(l, ctx); }
    void unlock(void *ctx) { peer_ck_unlock(l, ctx); }
};
#endif

// Issue 12's parking peers.
struct StdLock {
    std::mutex m;
    void lock(void *) { m.lock(); }
    void unlock(void *) { m.unlock(); }
};

#if LFGO_BENCH_HAVE_ABSL
struct AbslLock {
    absl::Mutex m;
    void lock(void *) { m.Lock(); }
    void unlock(void *) { m.Unlock(); }
};
#endif

// Per-thread context: the MCS queue node (unused by the others), padded.
struct alignas(LFGO_CACHELINE) Ctx {
    unsigned char node[LFGO_CACHELINE];
};

// Collapse budget per run (s): a spinlock past it is reported as collapsed.
constexpr double kBudgetS = 5.0;

long total_increments() { return lfgo_bench::full_mode() ? 10'000'000 : 2'000'000; }

template <class L> void contended(benchmark::State &st, int nthreads)
{
    lfgo_bench::SecondThread keep;
    const long total = total_increments(), each = total / nthreads;
    for (auto _ : st) {
        auto lock = std::make_unique<L>();
        long counter = 0;
        std::atomic<bool> collapsed{false};
        std::atomic<long> done{0};
        lfgo_bench::TimeBudget budget(kBudgetS);
        std::vector<Ctx> ctx(nthreads);
        std::vector<std::thread> ts;
        for (int t = 0; t < nthreads; t++)
            ts.emplace_back([&, t] {
                long i = 0;
                for (; i < each && !collapsed.load(std::memory_order_relaxed); i++) {
                    if ((i & 255) == 0 && budget.expired())
                        collapsed = true;
                    lock->lock(&ctx[t]);
                    counter++;
                    lock->unlock(&ctx[t]);
                }
                done += i;
            });
        for (auto &t : ts)
            t.join();
        if (collapsed) {
            st.SkipWithError(("collapsed: " + std::to_string(done.load()) + " of " +
                              std::to_string(each * nthreads) + " increments in budget").c_str());
            break;
        }
        if (counter != each * nthreads) {
            st.SkipWithError("wrong count: mutual exclusion broken");
            break;
        }
    }
    lfgo_bench::per_item(st, (double)(each * nthreads));
}

template <class L> void mutex_1t(benchmark::State &st) { contended<L>(st, 1); }
template <class L> void mutex_2t(benchmark::State &st) { contended<L>(st, 2); }
template <class L> void mutex_4t(benchmark::State &st) { contended<L>(st, 4); }
template <class L> void mutex_8t(benchmark::State &st) { contended<L>(st, 8); }

using Twin = TwinLock<LFGO_TWIN_MUTEX_DEFAULT>;
using Adaptive = TwinLock<LFGO_TWIN_MUTEX_ADAPTIVE>;

#define MUTEX_ROWS(W)                                                   \
    LFGO_BENCH(W<LfgoLock>, #W, "lfgo")->Iterations(1);                 \
    LFGO_BENCH(W<LfgoInlineLock>, #W, "lfgo_inline")->Iterations(1);    \
    LFGO_BENCH(W<Twin>, #W, "twin")->Iterations(1);                     \
    LFGO_BENCH(W<Adaptive>, #W, "pthread_adaptive")->Iterations(1);
MUTEX_ROWS(mutex_1t)
MUTEX_ROWS(mutex_2t)
MUTEX_ROWS(mutex_4t)
MUTEX_ROWS(mutex_8t)
#if LFGO_BENCH_HAVE_CK
#define CK_ROWS(W)                                                              \
    LFGO_BENCH(W<CkLock<PEER_CK_FAS>>, #W, "ck_fas")->Iterations(1);            \
    LFGO_BENCH(W<CkLock<PEER_CK_TICKET>>, #W, "ck_ticket")->Iterations(1);      \
    LFGO_BENCH(W<CkLock<PEER_CK_MCS>>, #W, "ck_mcs")->Iterations(1);
CK_ROWS(mutex_1t)
CK_ROWS(mutex_2t)
CK_ROWS(mutex_4t)
CK_ROWS(mutex_8t)
#endif
#define STD_ROWS(W) LFGO_BENCH(W<StdLock>, #W, "std_mutex")->Iterations(1);
STD_ROWS(mutex_1t)
STD_ROWS(mutex_2t)
STD_ROWS(mutex_4t)
STD_ROWS(mutex_8t)
#if LFGO_BENCH_HAVE_ABSL
#define ABSL_ROWS(W) LFGO_BENCH(W<AbslLock>, #W, "absl_mutex")->Iterations(1);
ABSL_ROWS(mutex_1t)
ABSL_ROWS(mutex_2t)
ABSL_ROWS(mutex_4t)
ABSL_ROWS(mutex_8t)
#endif

// ---------------------------------------------------------------- fairness

template <class L, int T> void fairness(benchmark::State &st)
{
    const double seconds = lfgo_bench::full_mode() ? 1.0 : 0.3;
    long acquisitions = 0;
    for (auto _ : st) {
        auto lock = std::make_unique<L>();
        long counter = 0;
        std::vector<long> count(T, 0);
        std::vector<int64_t> longest(T, 0);
        std::vector<Ctx> ctx(T);
        lfgo_bench::TimeBudget budget(seconds);
        std::vector<std::thread> ts;
        for (int t = 0; t < T; t++)
            ts.emplace_back([&, t] {
                long n = 0;
                int64_t worst = 0;
                while ((n & 63) != 0 || !budget.expired()) {
                    int64_t t0 = lfgo_bench::now_ns();
                    lock->lock(&ctx[t]);
                    int64_t w = lfgo_bench::now_ns() - t0;
                    counter++;
                    lock->unlock(&ctx[t]);
                    worst = std::max(worst, w);
                    n++;
                }
                count[t] = n;
                longest[t] = worst;
            });
        for (auto &t : ts)
            t.join();
        long mn = *std::min_element(count.begin(), count.end());
        long mx = *std::max_element(count.begin(), count.end());
        acquisitions = counter;
        double mean = (double)counter / T;
        lfgo_bench::metric(st, "spread", mean > 0 ? 100.0 * (double)(mx - mn) / mean : 0, "%");
        lfgo_bench::metric(st, "longest_wait", (double)*std::max_element(longest.begin(), longest.end()), "ns");
    }
    lfgo_bench::per_item(st, (double)acquisitions);
}

#define FAIRNESS_ROWS(T, name)                                                         \
    LFGO_BENCH((fairness<LfgoLock, T>), name, "lfgo")->Iterations(1);                  \
    LFGO_BENCH((fairness<Twin, T>), name, "twin")->Iterations(1);                      \
    LFGO_BENCH((fairness<Adaptive, T>), name, "pthread_adaptive")->Iterations(1);      \
    LFGO_BENCH((fairness<StdLock, T>), name, "std_mutex")->Iterations(1);
FAIRNESS_ROWS(4, "fairness_4t")
FAIRNESS_ROWS(8, "fairness_8t")
#if LFGO_BENCH_HAVE_CK
LFGO_BENCH((fairness<CkLock<PEER_CK_FAS>, 4>), "fairness_4t", "ck_fas")->Iterations(1);
#endif
#if LFGO_BENCH_HAVE_ABSL
LFGO_BENCH((fairness<AbslLock, 4>), "fairness_4t", "absl_mutex")->Iterations(1);
LFGO_BENCH((fairness<AbslLock, 8>), "fairness_8t", "absl_mutex")->Iterations(1);
#endif

} // namespace

BENCHMARK_MAIN();
