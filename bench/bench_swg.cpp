// bench/bench_swg.cpp - SizedWaitGroup workload (issue 2).
//
//  sizedwg_6/{lfgo,twin}: 100,000 trivial tasks, at most 6 in flight, ns per
//      task.  The main thread takes a slot (add) for each task and pushes the
//      task into a small queue; two persistent workers pop tasks (polling with
//      PAUSE then sched_yield, the same for both impls), run them (add the
//      task's argument to a private sum) and call done(); after the last task
//      the main thread waits.  The sums are checked: every task ran once.
#include "bench_common.hpp"

#include "lfgo/swg.h"
#include "lfgo/twin/swg.h"

namespace {

constexpr int kTasks = 100000;
constexpr int kLimit = 6;

struct LfgoSwg {
    lfgo_swg swg;
    LfgoSwg() { lfgo_swg_init(&swg, kLimit); }
    ~LfgoSwg() { lfgo_swg_destroy(&swg); }
    void add() { lfgo_swg_add(&swg); }
    void done() { lfgo_swg_done(&swg); }
    void wait() { lfgo_swg_wait(&swg); }
};

struct TwinSwg {
    lfgo_twin_swg swg;
    TwinSwg() { lfgo_twin_swg_init(&swg, kLimit); }
    ~TwinSwg() { lfgo_twin_swg_destroy(&swg); }
    void add() { lfgo_twin_swg_add(&swg); }
    void done() { lfgo_twin_swg_done(&swg); }
    void wait() { lfgo_twin_swg_wait(&swg); }
};

// One producer, any number of consumers.  Consumers claim a task with a CAS
// on head.  The ring is larger than the in-flight limit, and a task is in
// flight from its add() until after its consumer claimed it, so the producer
// never overwrites a slot whose task is unclaimed.
class TaskQueue {
public:
    static constexpr uint64_t kSlots = 16;
    static_assert(kSlots > kLimit, "the ring must hold every task in flight");

    void push(uint64_t arg)
    {
        // relaxed: tail is written only by this (the producer) thread.
        uint64_t t = lfgo_atomic_load(&tail_.v, memory_order_relaxed);
        // relaxed: published by the release store of tail below.
        lfgo_atomic_store(&slot_[t % kSlots], arg, memory_order_relaxed);
        // release: pairs with pop's acquire load of tail (slot is visible).
        lfgo_atomic_store(&tail_.v, t + 1, memory_order_release);
    }

    bool pop(uint64_t *arg)
    {
        // relaxed: validated by the CAS below.
        uint64_t h = lfgo_atomic_load(&head_.v, memory_order_relaxed);
        for (;;) {
            // acquire: pairs with push's release store of tail.
            if (h == lfgo_atomic_load(&tail_.v, memory_order_acquire))
                return false;
            // relaxed: ordered after the acquire load of tail above.
            *arg = lfgo_atomic_load(&slot_[h % kSlots], memory_order_relaxed);
            // relaxed: the claim publishes nothing; the value read above is
            // task h's because h was still unclaimed when the CAS succeeded.
            if (lfgo_atomic_cas_weak(&head_.v, &h, h + 1, memory_order_relaxed, memory_order_relaxed))
                return true;
        }
    }

private:
    struct alignas(LFGO_CACHELINE) Index {
        LFGO_ATOMIC(uint64_t) v{0};
    };
    Index tail_, head_;
    alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint64_t) slot_[kSlots] = {};
};

template <class SWG>
class Sized {
public:
    Sized()
    {
        for (auto &w : workers_)
            w.th = std::thread([this, &w] { work(w); });
    }
    ~Sized()
    {
        // release: pairs with the workers' acquire load; no data.
        lfgo_atomic_store(&stop_.v, 1, memory_order_release);
        for (auto &w : workers_)
            w.th.join();
    }

    // kTasks tasks through the SizedWaitGroup, then wait().
    void run()
    {
        for (uint64_t i = 0; i < kTasks; i++) {
            swg_.add();
            q_.push(i);
        }
        swg_.wait();
    }

    // The sum of every task's argument; read after the destructor's joins
    // would be cleaner, but wait() already orders every done() before it.
    uint64_t sum() const { return workers_[0].sum + workers_[1].sum; }

private:
    struct alignas(LFGO_CACHELINE) Worker {
        uint64_t sum = 0;
        std::thread th;
    };

    void work(Worker &w)
    {
        for (;;) {
            uint64_t arg = 0;
            bool got = false;
            lfgo_bench::spin_yield_until([&] {
                // acquire: pairs with the destructor's release store.
                return (got = q_.pop(&arg)) || lfgo_atomic_load(&stop_.v, memory_order_acquire);
            });
            if (!got)
                return;
            w.sum += arg;
            swg_.done();
        }
    }

    SWG swg_;
    TaskQueue q_;
    struct alignas(LFGO_CACHELINE) {
        LFGO_ATOMIC(uint32_t) v{0};
    } stop_;
    Worker workers_[2];
};

template <class SWG>
void sizedwg_6(benchmark::State &st)
{
    Sized<SWG> s;
    for (auto _ : st)
        s.run();
    const uint64_t want = (uint64_t)st.iterations() * kTasks * (kTasks - 1) / 2;
    if (s.sum() != want)
        st.SkipWithError("sizedwg_6: a task was lost or run twice");
    lfgo_bench::per_item(st, kTasks);
}

} // namespace

LFGO_BENCH(sizedwg_6<LfgoSwg>, "sizedwg_6", "lfgo");
LFGO_BENCH(sizedwg_6<TwinSwg>, "sizedwg_6", "twin");

BENCHMARK_MAIN();
