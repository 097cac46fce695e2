// bench/bench_wg.cpp - WaitGroup workloads (issue 2).
//
//  wg_add_done/{lfgo,lfgo_inline,lfgo_acq_rel,twin,floor,floor_acq_rel}:
//      add(1) then
//      done() on one thread, ns per pair.  lfgo = the exported out-of-line
//      calls (the default build of a user program; linked statically here, so
//      without the PLT jump a call into liblfgo.so adds); lfgo_inline = the
//      same with LFGO_INLINE (the fast path compiled into the caller).
//      floor = two release fetch_adds on one word (what lfgo's fast path
//      must approach); floor_acq_rel = the same with acq_rel, the order
//      add/done had before 0.1 (docs/memory-ordering.md, "WaitGroup").
//      lfgo_acq_rel = lfgo's own add/done, out of line, with that one
//      order back at acq_rel (bench/wg/acq_rel.c; issue 10 part 5).  A
//      second thread is kept alive (parked) for all of them.
//  forkjoin_2w/{lfgo,lfgo_inline,lfgo_acq_rel,twin}: two persistent
//      workers; each round the main thread adds 2, hands each worker its
//      job by bumping the worker's own sequence number (the same cheap
//      mechanism for every impl: the worker polls it with PAUSE then
//      sched_yield, see spin_yield_until), each worker calls done(), the
//      main thread waits.  ns per round.
//      counter_poll = the same harness joined by a bare atomic counter that
//      the main thread polls like the workers poll for jobs (sched_yield
//      between polls): what a round costs with no WaitGroup and no parking.
// LFGO_INLINE before every lfgo header: lfgo_wg_add(...) is then the inline
// fast path, and (lfgo_wg_add)(...) - the name in parentheses, which a
// function-like macro does not expand - the exported out-of-line function.
#define LFGO_INLINE 1
#include "bench_common.hpp"

#include "lfgo/twin/wg.h"
#include "lfgo/wg.h"
#include "wg/acq_rel.h"

namespace {

// The WaitGroups behind one shape: lfgo out of line (the default), lfgo
// inline (LFGO_INLINE), the twin.
struct LfgoWg {
    lfgo_wg wg = LFGO_WG_INIT;
    void add(int64_t d) { (lfgo_wg_add)(&wg, d); }
    void done() { (lfgo_wg_done)(&wg); }
    void wait() { lfgo_wg_wait(&wg); }
};

struct LfgoWgInline {
    lfgo_wg wg = LFGO_WG_INIT;
    void add(int64_t d) { lfgo_wg_add(&wg, d); }
    void done() { lfgo_wg_done(&wg); }
    void wait() { lfgo_wg_wait(&wg); }
};

// lfgo's add/done with an acq_rel fetch_add, out of line (bench/wg/acq_rel.c).
struct LfgoWgAcqRel {
    lfgo_wg wg = LFGO_WG_INIT;
    void add(int64_t d) { bench_wg_add_acq_rel(&wg, d); }
    void done() { bench_wg_done_acq_rel(&wg); }
    void wait() { lfgo_wg_wait(&wg); }
};

struct TwinWg {
    lfgo_twin_wg wg;
    TwinWg() { lfgo_twin_wg_init(&wg); }
    ~TwinWg() { lfgo_twin_wg_destroy(&wg); }
    void add(int64_t d) { lfgo_twin_wg_add(&wg, d); }
    void done() { lfgo_twin_wg_done(&wg); }
    void wait() { lfgo_twin_wg_wait(&wg); }
};

// forkjoin_2w/counter_poll: the same harness joined by a bare counter that
// the main thread polls exactly as the workers poll for jobs.  Not a floor:
// with three threads on two cores, a waiter that parks frees a core that a
// poller keeps asking for.
struct PollJoin {
    struct alignas(LFGO_CACHELINE) {
        LFGO_ATOMIC(int64_t) v{0};
    } n;
    // acq_rel: as lfgo_wg_add; the zero seen by wait() carries the
    // workers' writes (release) to the main thread (acquire).
    void add(int64_t d) { lfgo_atomic_fetch_add(&n.v, d, memory_order_acq_rel); }
    void done() { add(-1); }
    void wait()
    {
        // acquire: pairs with the release of the last done().
        lfgo_bench::spin_yield_until([&] { return lfgo_atomic_load(&n.v, memory_order_acquire) == 0; });
    }
};

// ------------------------------------------------------------ wg_add_done

template <class WG>
void wg_add_done(benchmark::State &st)
{
    lfgo_bench::SecondThread keep;
    WG wg;
    for (auto _ : st) {
        wg.add(1);
        wg.done();
    }
}

// The floor: the two read-modify-writes lfgo's add/done cannot avoid, with
// the same operand as lfgo's fast path and no checks; `order` is release
// (lfgo's, which this floor stands for) or acq_rel (the order before 0.1).
template <std::memory_order order>
void wg_add_done_floor(benchmark::State &st)
{
    lfgo_bench::SecondThread keep;
    struct alignas(LFGO_CACHELINE) {
        LFGO_ATOMIC(uint64_t) v{0};
    } word;
    for (auto _ : st) {
        lfgo_atomic_fetch_add(&word.v, (uint64_t)1 << 32, order);
        lfgo_atomic_fetch_add(&word.v, (uint64_t)-1 << 32, order);
    }
    benchmark::DoNotOptimize(lfgo_atomic_load(&word.v, memory_order_seq_cst));
}

// ------------------------------------------------------------ forkjoin_2w

template <class WG>
class ForkJoin {
public:
    ForkJoin()
    {
        for (int i = 0; i < 2; i++)
            th_[i] = std::thread([this, i] { worker(i); });
    }
    ~ForkJoin()
    {
        for (auto &j : job_)
            // release: pairs with the worker's acquire load; no data.
            lfgo_atomic_store(&j.seq, kStop, memory_order_release);
        for (auto &t : th_)
            t.join();
    }

    // One round: add 2, hand out both jobs, wait for both done()s.
    void round()
    {
        wg_.add(2);
        ++round_;
        for (auto &j : job_)
            // release: the add above happens-before the worker's done().
            lfgo_atomic_store(&j.seq, round_, memory_order_release);
        wg_.wait();
    }

    uint64_t rounds_done() const { return done_[0].n + done_[1].n; }

private:
    static constexpr uint64_t kStop = UINT64_MAX;
    struct alignas(LFGO_CACHELINE) Job {
        LFGO_ATOMIC(uint64_t) seq{0};
    };
    struct alignas(LFGO_CACHELINE) Count {
        uint64_t n = 0; // written by one worker, read after join/wait
    };

    void worker(int i)
    {
        uint64_t seen = 0, s = 0;
        for (;;) {
            lfgo_bench::spin_yield_until([&] {
                // acquire: pairs with round()'s release store.
                s = lfgo_atomic_load(&job_[i].seq, memory_order_acquire);
                return s != seen;
            });
            if (s == kStop)
                return;
            seen = s;
            done_[i].n++;
            wg_.done();
        }
    }

    WG wg_;
    Job job_[2];
    Count done_[2];
    uint64_t round_ = 0;
    std::thread th_[2];
};

template <class WG>
void forkjoin_2w(benchmark::State &st)
{
    ForkJoin<WG> fj;
    for (auto _ : st)
        fj.round();
    // The wait() of the last round orders the workers' counts before here.
    if (fj.rounds_done() != 2 * (uint64_t)st.iterations())
        st.SkipWithError("forkjoin_2w: a job was lost or run twice");
}

} // namespace

LFGO_BENCH(wg_add_done<LfgoWg>, "wg_add_done", "lfgo");
LFGO_BENCH(wg_add_done<LfgoWgInline>, "wg_add_done", "lfgo_inline");
#if LFGO_BENCH_HAVE_WG_ORDER
LFGO_BENCH(wg_add_done<LfgoWgAcqRel>, "wg_add_done", "lfgo_acq_rel");
#endif
LFGO_BENCH(wg_add_done<TwinWg>, "wg_add_done", "twin");
LFGO_BENCH(wg_add_done_floor<memory_order_release>, "wg_add_done", "floor");
LFGO_BENCH(wg_add_done_floor<memory_order_acq_rel>, "wg_add_done", "floor_acq_rel");
LFGO_BENCH(forkjoin_2w<LfgoWg>, "forkjoin_2w", "lfgo");
LFGO_BENCH(forkjoin_2w<LfgoWgInline>, "forkjoin_2w", "lfgo_inline");
#if LFGO_BENCH_HAVE_WG_ORDER
LFGO_BENCH(forkjoin_2w<LfgoWgAcqRel>, "forkjoin_2w", "lfgo_acq_rel");
#endif
LFGO_BENCH(forkjoin_2w<TwinWg>, "forkjoin_2w", "twin");
LFGO_BENCH(forkjoin_2w<PollJoin>, "forkjoin_2w", "counter_poll");

BENCHMARK_MAIN();
