// Channel workloads (issue 3), 8-byte items:
//  spsc        1 producer, 1 consumer, 10,000,000 items, capacity 1024;
//              ns per item, plus p50/p99/p99.9 of the send->recv delay of
//              sampled items (every 1024th; measured under full load, so it
//              includes queueing behind up to 1024 items)
//  mpmc_NpNc   N producers, N consumers (2, 4, 8), 10,000,000 items, cap 1024;
//              p50/p99/p99.9/max of the sampled delays as in spsc (per
//              consumer, merged after the pass)
//  pingpong    two threads bounce a token through two unbuffered channels,
//              200,000 round trips; ns per round trip, p50/p99/p99.9
//  pingpong_buf1  the same through two SPSC channels of capacity 1 (the
//              buffered path: each receive finds the channel empty and
//              waits, so the barrier kind shows)
//  spsc_burst32  spsc moving bursts of 32 items: lfgo/twin send_many and
//              recv_many of up to 32, DPDK enqueue/dequeue_burst of 32;
//              delays sampled as in spsc (the first item of a burst)
//  mpmc_2p2c_many32  2 producers and 2 consumers moving bursts of 32 with
//              send_many / recv_many (against mpmc_2p2c's single calls: what
//              a batch saves per item on the MPMC kind)
//  chan_sem_Tt a `chan struct{}` (elem_size 0) as a counting semaphore of
//              T/2 permits (acquire = send, release = recv), T = 2 and 8
//              threads, 2,000,000 acquire/release pairs (10,000,000 with
//              --full); ns per pair.  Against lfgo_swg (add/done) and the
//              twin; the Go peer is bench/go/chan.go.
// Impls: lfgo, lfgo_fence (lfgo with LFGO_CHAN_BARRIER_FENCE's handshake:
// spsc, mpmc_2p2c, pingpong, pingpong_buf1), lfgo_mpmc (spsc only: an
// lfgo channel of the MPMC kind used 1:1), twin, ck (ck_ring, spin then yield), urcu (wfcqueue, polling),
// floor (pingpong: the bare spin handoff; mpmc: a spinning Vyukov ring,
// bench/chan/floor.c), dpdk_sp_sc / dpdk_mp_mc / dpdk_hts / dpdk_rts (DPDK
// rte_ring, bench/chan/dpdk.c), aq_optimist (atomic_queue's AtomicQueue
// through push/pop, which spin inside the library) and aq2 (AtomicQueue2
// through try_push/try_pop and the peers' spin-then-yield wait).  Every
// impl but lfgo, twin and swg spins: none of them can block.  The harness
// is the same for every impl: producers send 1..n, consumers stop at a sentinel value sent
// once per consumer after the producers finish; the received count is
// checked.  A pass has a 30 s budget: producers look at the clock every 4096
// items, and every spin of the ck and urcu peers (bench/chan/peers.c) looks
// at it too and gives up past it, so a collapsing spinning peer (ck_ring
// MPMC with more threads than cores stalls inside ck's commit spin) stops
// every thread, and the row becomes a "collapsed: ..." error row, as in
// bench_mutex.cpp.  Later repetitions of a collapsed row report the same at
// once instead of spending another budget each (scripts/bench.sh runs one
// repetition per process and does not start a row again after an error).
// The spins inside rte_ring (MP/MC) and atomic_queue (push/pop) cannot look
// at the clock: such a pass ends at the producers' next look at it.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "chan/peers.h"
#include "chan/spin_wait.h"
#include "lfgo/chan.h"
#include "lfgo/swg.h"
#include "lfgo/twin/chan.h"

#if LFGO_BENCH_HAVE_AQ
#include <atomic_queue/atomic_queue.h>
#endif

// lib/chan_barrier.c: 1 while the membarrier handshake is in use (internal;
// reachable because benchmarks link the static library).
extern "C" LFGO_ATOMIC(uint32_t) lfgo__chan_asym;

namespace {

constexpr uint64_t kSentinel = UINT64_MAX;
constexpr uint64_t kStamp = 1ull << 62; // the value carries a send time
// 10,000,000 items per pass; LFGO_BENCH_ITEMS=N overrides it for smoke runs
// (figures from other sizes are not comparable with the report's).
size_t items_per_pass()
{
    const char *e = std::getenv("LFGO_BENCH_ITEMS");
    return e && std::atoll(e) > 0 ? (size_t)std::atoll(e) : 10'000'000;
}
const size_t kItems = items_per_pass();

lfgo_chan_kind kind_for(int p, int c)
{
    return p == 1 && c == 1 ? LFGO_CHAN_SPSC : p == 1 ? LFGO_CHAN_SPMC : c == 1 ? LFGO_CHAN_MPSC : LFGO_CHAN_MPMC;
}

// The queue interface of one_pass: the constructor gets the pass's deadline
// (CLOCK_MONOTONIC ns, lfgo_bench::now_ns's clock); send and recv return
// false when the queue gave up at that deadline.  lfgo and the twin block
// instead of spinning, so they never give up: their passes end through the
// producers' own look at the clock.
struct LfgoQ {
    lfgo_chan *c = nullptr;
    LfgoQ(size_t cap, int p, int n, size_t, int64_t) { lfgo_chan_create(&c, 8, cap, kind_for(p, n)); }
    ~LfgoQ() { lfgo_chan_destroy(c); }
    bool send(size_t, uint64_t v) { return lfgo_chan_send(c, &v) == LFGO_OK; }
    bool recv(uint64_t *v) { return lfgo_chan_recv(c, v) == LFGO_OK; }
};

// The MPMC kind used by one producer and one consumer (issue 12 part 2:
// what the kind hint buys), row spsc/lfgo_mpmc.
struct LfgoMpmcQ : LfgoQ {
    LfgoMpmcQ(size_t cap, int p, int n, size_t e, int64_t d) : LfgoQ(cap, p, n, e, d)
    {
        lfgo_chan_destroy(c);
        lfgo_chan_create(&c, 8, cap, LFGO_CHAN_MPMC);
    }
};

struct TwinQ {
    lfgo_twin_chan *c = nullptr;
    TwinQ(size_t cap, int p, int n, size_t, int64_t) { lfgo_twin_chan_create(&c, 8, cap, kind_for(p, n)); }
    ~TwinQ() { lfgo_twin_chan_destroy(c); }
    bool send(size_t, uint64_t v) { return lfgo_twin_chan_send(c, &v) == LFGO_OK; }
    bool recv(uint64_t *v) { return lfgo_twin_chan_recv(c, v) == LFGO_OK; }
};

#if LFGO_BENCH_HAVE_CK
struct CkQ {
    void *h;
    CkQ(size_t cap, int p, int n, size_t, int64_t deadline)
        : h(peer_ck_create((unsigned)cap, !(p == 1 && n == 1), deadline)) {}
    ~CkQ() { peer_ck_destroy(h); }
    bool send(size_t, uint64_t v) { return peer_ck_send(h, v) != 0; }
    bool recv(uint64_t *v) { return peer_ck_recv(h, v) != 0; }
};
#endif

#if LFGO_BENCH_HAVE_URCU
struct UrcuQ {
    void *h;
    UrcuQ(size_t, int, int n, size_t items, int64_t deadline) : h(peer_urcu_create(items + (size_t)n, deadline)) {}
    ~UrcuQ() { peer_urcu_destroy(h); }
    bool send(size_t i, uint64_t v)
    {
        peer_urcu_send(h, i, v);
        return true;
    }
    bool recv(uint64_t *v) { return peer_urcu_recv(h, v) != 0; }
};
#endif

#if LFGO_BENCH_HAVE_DPDK
template <int Mode> struct DpdkQ {
    void *h;
    DpdkQ(size_t cap, int, int, size_t, int64_t deadline) : h(peer_dpdk_create((unsigned)cap, Mode, deadline)) {}
    ~DpdkQ() { peer_dpdk_destroy(h); }
    bool send(size_t, uint64_t v) { return peer_dpdk_send(h, v) != 0; }
    bool recv(uint64_t *v) { return peer_dpdk_recv(h, v) != 0; }
    bool send_burst(const uint64_t *v, size_t n) { return peer_dpdk_send_burst(h, v, (unsigned)n) != 0; }
    size_t recv_burst(uint64_t *v, size_t max) { return peer_dpdk_recv_burst(h, v, (unsigned)max); }
};
#endif

// The floor of the MPMC rows (issue 14): bench/chan/floor.c.
struct FloorQ {
    void *h;
    FloorQ(size_t cap, int, int, size_t, int64_t deadline) : h(peer_floor_create((unsigned)cap, deadline)) {}
    ~FloorQ() { peer_floor_destroy(h); }
    bool send(size_t, uint64_t v) { return peer_floor_send(h, v) != 0; }
    bool recv(uint64_t *v) { return peer_floor_recv(h, v) != 0; }
};

#if LFGO_BENCH_HAVE_AQ
// atomic_queue keeps 0 as its empty marker (NIL); the harness never sends 0.
// push/pop claim a position with one fetch_add and spin inside the library
// on that cell: no deadline can reach them, but every spin ends once the
// thread it waits for runs, and the sentinels fill every claimed cell, so a
// pass always ends (late, when it collapses).
template <bool Spsc> struct AqOptimistQ {
    std::unique_ptr<atomic_queue::AtomicQueue<uint64_t, 1024, 0, true, true, false, Spsc>> q{
        new atomic_queue::AtomicQueue<uint64_t, 1024, 0, true, true, false, Spsc>()};
    AqOptimistQ(size_t, int, int, size_t, int64_t) {}
    bool send(size_t, uint64_t v) { q->push(v); return true; }
    bool recv(uint64_t *v) { *v = q->pop(); return true; }
};

template <bool Spsc> struct Aq2Q {
    std::unique_ptr<atomic_queue::AtomicQueue2<uint64_t, 1024, true, true, false, Spsc>> q{
        new atomic_queue::AtomicQueue2<uint64_t, 1024, true, true, false, Spsc>()};
    int64_t deadline;
    Aq2Q(size_t, int, int, size_t, int64_t d) : deadline(d) {}
    bool send(size_t, uint64_t v)
    {
        unsigned n = 0;
        while (!q->try_push(v))
            if (!peer_backoff(&n, deadline))
                return false;
        return true;
    }
    bool recv(uint64_t *v)
    {
        unsigned n = 0;
        while (!q->try_pop(*v))
            if (!peer_backoff(&n, deadline))
                return false;
        return true;
    }
};
#endif

// A pass gives up after this long (peers that spin, ck_ring MPMC with more
// threads than cores, may collapse): every thread stops, the row becomes
// "collapsed".  30 s, not less: the slowest row that did finish under load
// (ck mpmc_2p2c, 532 ns per item at load 5-18) took 5.3 s.
constexpr double kBudgetSeconds = 30;

struct Pass {
    size_t got = 0;       // items received (sentinels not counted)
    bool gave_up = false; // some thread stopped at the deadline
};

// One pass: P producers, C consumers, `items` items.  Every thread stops at
// the deadline: producers look at the clock every 4096 items, a spinning
// peer inside its waits (then send/recv return false).
template <class Q> Pass one_pass(int P, int C, size_t items, lfgo_bench::Latencies *lat)
{
    const int64_t deadline = lfgo_bench::now_ns() + (int64_t)(kBudgetSeconds * 1e9);
    Q q(1024, P, C, items, deadline);
    std::atomic<size_t> got{0};
    std::atomic<bool> gave_up{false};
    std::vector<std::thread> cons, prods;
    std::vector<std::vector<double>> delays((size_t)C); // per consumer, merged after the pass
    for (int k = 0; k < C; k++)
        cons.emplace_back([&, k] {
            size_t n = 0;
            uint64_t v = 0;
            bool ok;
            for (; (ok = q.recv(&v)) && v != kSentinel; n++)
                if (lat && (v & kStamp))
                    delays[(size_t)k].push_back((double)(lfgo_bench::now_ns() - (int64_t)(v & ~kStamp)));
            if (!ok)
                gave_up = true;
            got += n;
        });
    size_t per = items / (size_t)P;
    for (int p = 0; p < P; p++)
        prods.emplace_back([&, p] {
            size_t end = p == P - 1 ? items : per * (size_t)(p + 1);
            for (size_t i = per * (size_t)p; i < end; i++) {
                uint64_t v = i + 1;
                if (lat && (i & 1023) == 0)
                    v = (uint64_t)lfgo_bench::now_ns() | kStamp;
                if (((i & 4095) == 0 && lfgo_bench::now_ns() >= deadline) || !q.send(i, v)) {
                    gave_up = true;
                    return;
                }
            }
        });
    for (auto &t : prods)
        t.join();
    for (int k = 0; k < C; k++)
        if (!q.send(items + (size_t)k, kSentinel))
            gave_up = true; // the consumers give up at the deadline too
    for (auto &t : cons)
        t.join();
    for (auto &d : delays)
        for (double ns : d)
            if (lat)
                lat->add(ns);
    return {got.load(), gave_up.load()};
}

// `collapsed`: the error of this row's collapse in an earlier repetition of
// this process (one per template instance of spsc/mpmc, so per
// workload/impl; empty if none).  Later repetitions repeat it without
// running: the report shows a row with any error as its (last) error, so
// another 30 s would tell it nothing, and scripts/bench.sh gives a row, all
// its repetitions, 120 s.
bool collapsed_before(benchmark::State &st, const std::string &collapsed)
{
    if (!collapsed.empty())
        st.SkipWithError((collapsed + " (an earlier repetition; not rerun)").c_str());
    return !collapsed.empty();
}

bool check(benchmark::State &st, const Pass &r, size_t items, std::string *collapsed)
{
    if (r.got == items && !r.gave_up)
        return true;
    *collapsed = "collapsed: " + std::to_string(r.got) + " of " + std::to_string(items) +
                 " items within the " + std::to_string((int)kBudgetSeconds) + " s budget";
    st.SkipWithError(collapsed->c_str());
    return false;
}

// The portable handshake (a seq_cst fence on both sides instead of
// membarrier + compiler barrier) for the lfgo_fence rows: the measurement
// behind the choice (docs/design.md, "Channel") and the two kinds of
// lfgo_chan_set_barrier side by side.  A program picks its kind once per
// process with that call; this benchmark flips the process-wide internal
// flag instead, only while no channel exists, so both kinds run in one
// process.
template <bool Fence> struct FenceMode {
    uint32_t old = 0;
    FenceMode()
    {
        if (!Fence)
            return;
        old = lfgo_atomic_load(&lfgo__chan_asym, memory_order_seq_cst);
        lfgo_atomic_store(&lfgo__chan_asym, 0u, memory_order_seq_cst);
    }
    ~FenceMode()
    {
        if (Fence)
            lfgo_atomic_store(&lfgo__chan_asym, old, memory_order_seq_cst);
    }
};

template <class Q, bool Fence = false> void spsc(benchmark::State &st)
{
    static std::string collapsed;
    FenceMode<Fence> mode;
    lfgo_bench::Latencies lat;
    if (collapsed_before(st, collapsed))
        return;
    for (auto _ : st) {
        lat.clear();
        if (!check(st, one_pass<Q>(1, 1, kItems, &lat), kItems, &collapsed))
            return;
    }
    lfgo_bench::per_item(st, (double)kItems);
    lat.report(st);
}

template <class Q, int N, bool Fence = false> void mpmc(benchmark::State &st)
{
    static std::string collapsed;
    FenceMode<Fence> mode;
    lfgo_bench::Latencies lat;
    if (collapsed_before(st, collapsed))
        return;
    for (auto _ : st) {
        lat.clear();
        if (!check(st, one_pass<Q>(N, N, kItems, &lat), kItems, &collapsed))
            return;
    }
    lfgo_bench::per_item(st, (double)kItems);
    lat.report(st);
}

// ------------------------------------------------------------ bursts

constexpr size_t kBurst = 32;

// Burst queues: send_burst sends all n (false: gave up at the deadline);
// recv_burst returns 1..max items, 0 when it gave up.
struct LfgoBurstQ : LfgoQ {
    using LfgoQ::LfgoQ;
    bool send_burst(const uint64_t *v, size_t n)
    {
        size_t done = 0;
        return lfgo_chan_send_many(c, v, n, &done) == LFGO_OK;
    }
    size_t recv_burst(uint64_t *v, size_t max)
    {
        size_t done = 0;
        return lfgo_chan_recv_many(c, v, max, &done) == LFGO_OK ? done : 0;
    }
};

struct TwinBurstQ : TwinQ {
    using TwinQ::TwinQ;
    bool send_burst(const uint64_t *v, size_t n)
    {
        size_t done = 0;
        return lfgo_twin_chan_send_many(c, v, n, &done) == LFGO_OK;
    }
    size_t recv_burst(uint64_t *v, size_t max)
    {
        size_t done = 0;
        return lfgo_twin_chan_recv_many(c, v, max, &done) == LFGO_OK ? done : 0;
    }
};

// One producer sends 1..items in bursts of kBurst, one consumer receives
// bursts of up to kBurst until the sentinel (sent alone, last).
template <class Q> Pass burst_pass(size_t items, lfgo_bench::Latencies *lat)
{
    const int64_t deadline = lfgo_bench::now_ns() + (int64_t)(kBudgetSeconds * 1e9);
    Q q(1024, 1, 1, items, deadline);
    size_t got = 0;
    std::atomic<bool> gave_up{false};
    std::thread cons([&] {
        uint64_t buf[kBurst];
        for (;;) {
            size_t n = q.recv_burst(buf, kBurst);
            if (n == 0) {
                gave_up = true;
                return;
            }
            for (size_t k = 0; k < n; k++) {
                if (buf[k] == kSentinel)
                    return;
                if (buf[k] & kStamp)
                    lat->add((double)(lfgo_bench::now_ns() - (int64_t)(buf[k] & ~kStamp)));
                got++;
            }
        }
    });
    std::thread prod([&] {
        uint64_t buf[kBurst];
        for (size_t i = 0; i < items; i += kBurst) {
            size_t n = std::min(kBurst, items - i);
            for (size_t k = 0; k < n; k++)
                buf[k] = i + k + 1;
            if ((i & 1023) == 0)
                buf[0] = (uint64_t)lfgo_bench::now_ns() | kStamp;
            if (((i & 4095) == 0 && lfgo_bench::now_ns() >= deadline) || !q.send_burst(buf, n)) {
                gave_up = true;
                return;
            }
        }
    });
    prod.join();
    if (!q.send_burst(&kSentinel, 1))
        gave_up = true;
    cons.join();
    return {got, gave_up.load()};
}

template <class Q> void spsc_burst(benchmark::State &st)
{
    static std::string collapsed;
    if (collapsed_before(st, collapsed))
        return;
    lfgo_bench::Latencies lat;
    for (auto _ : st) {
        lat.clear();
        if (!check(st, burst_pass<Q>(kItems, &lat), kItems, &collapsed))
            return;
    }
    lfgo_bench::per_item(st, (double)kItems);
    lat.report(st);
}

// P producers send their shares in bursts of kBurst; C consumers receive
// bursts of up to kBurst until they have seen C sentinels between them (one
// each: a consumer that got more than one passes the extras back).
template <class Q> Pass burst_pass_n(int P, int C, size_t items)
{
    const int64_t deadline = lfgo_bench::now_ns() + (int64_t)(kBudgetSeconds * 1e9);
    Q q(1024, P, C, items, deadline);
    std::atomic<size_t> got{0};
    std::atomic<bool> gave_up{false};
    std::vector<std::thread> cons, prods;
    for (int c = 0; c < C; c++)
        cons.emplace_back([&] {
            uint64_t buf[kBurst];
            size_t mine = 0;
            for (bool done = false; !done;) {
                size_t n = q.recv_burst(buf, kBurst), extra = 0;
                if (n == 0) {
                    gave_up = true;
                    break;
                }
                for (size_t k = 0; k < n; k++) {
                    if (buf[k] != kSentinel)
                        mine++;
                    else if (done)
                        extra++;
                    else
                        done = true;
                }
                for (size_t k = 0; k < extra; k++)
                    if (!q.send_burst(&kSentinel, 1))
                        gave_up = true;
            }
            got += mine;
        });
    for (int p = 0; p < P; p++)
        prods.emplace_back([&, p] {
            uint64_t buf[kBurst];
            size_t lo = items * (size_t)p / (size_t)P, hi = items * (size_t)(p + 1) / (size_t)P;
            for (size_t i = lo; i < hi; i += kBurst) {
                size_t n = std::min(kBurst, hi - i);
                for (size_t k = 0; k < n; k++)
                    buf[k] = i + k + 1;
                if (((i & 4095) < kBurst && lfgo_bench::now_ns() >= deadline) || !q.send_burst(buf, n)) {
                    gave_up = true;
                    return;
                }
            }
        });
    for (auto &t : prods)
        t.join();
    for (int c = 0; c < C; c++)
        if (!q.send_burst(&kSentinel, 1))
            gave_up = true;
    for (auto &t : cons)
        t.join();
    return {got.load(), gave_up.load()};
}

template <class Q, int N> void mpmc_burst(benchmark::State &st)
{
    static std::string collapsed;
    if (collapsed_before(st, collapsed))
        return;
    for (auto _ : st)
        if (!check(st, burst_pass_n<Q>(N, N, kItems), kItems, &collapsed))
            return;
    lfgo_bench::per_item(st, (double)kItems);
}

// ------------------------------------------------------- chan_sem (issue 8)

// A counting semaphore of `permits`: acquire() blocks while all are taken.
struct LfgoSem {
    lfgo_chan *c = nullptr;
    explicit LfgoSem(int permits) { lfgo_chan_create(&c, 0, (size_t)permits, LFGO_CHAN_MPMC); }
    ~LfgoSem()
    {
        if (c)
            lfgo_chan_destroy(c);
    }
    const char *error() const { return c ? nullptr : "lfgo_chan_create(elem_size 0) failed: no zero-size elements yet"; }
    void acquire() { lfgo_chan_send(c, &token_); }
    void release()
    {
        char out;
        lfgo_chan_recv(c, &out);
    }
    char token_ = 0; // elem_size 0: nothing is copied; a valid pointer anyway
};

struct TwinSem {
    lfgo_twin_chan *c = nullptr;
    explicit TwinSem(int permits) { lfgo_twin_chan_create(&c, 0, (size_t)permits, LFGO_CHAN_MPMC); }
    ~TwinSem()
    {
        if (c)
            lfgo_twin_chan_destroy(c);
    }
    const char *error() const { return c ? nullptr : "lfgo_twin_chan_create(elem_size 0) failed: no zero-size elements yet"; }
    void acquire() { lfgo_twin_chan_send(c, &token_); }
    void release()
    {
        char out;
        lfgo_twin_chan_recv(c, &out);
    }
    char token_ = 0;
};

struct SwgSem {
    lfgo_swg s;
    lfgo_status st;
    explicit SwgSem(int permits) : st(lfgo_swg_init(&s, permits)) {}
    ~SwgSem()
    {
        if (st == LFGO_OK)
            lfgo_swg_destroy(&s);
    }
    const char *error() const { return st == LFGO_OK ? nullptr : "lfgo_swg_init failed"; }
    void acquire() { lfgo_swg_add(&s); }
    void release() { lfgo_swg_done(&s); }
};

// T threads each acquire, count themselves in (checking that at most
// `permits` are in), count out and release, total/T times.
template <class S, int T> void chan_sem(benchmark::State &st)
{
    constexpr int permits = T / 2;
    const long total = lfgo_bench::full_mode() ? 10'000'000 : 2'000'000, each = total / T;
    for (auto _ : st) {
        S sem(permits);
        if (const char *e = sem.error()) {
            st.SkipWithError(e);
            return;
        }
        std::atomic<int> inside{0};
        std::atomic<bool> too_many{false};
        std::vector<std::thread> ts;
        for (int t = 0; t < T; t++)
            ts.emplace_back([&] {
                for (long i = 0; i < each; i++) {
                    sem.acquire();
                    if (inside.fetch_add(1, std::memory_order_relaxed) >= permits)
                        too_many.store(true, std::memory_order_relaxed);
                    inside.fetch_sub(1, std::memory_order_relaxed);
                    sem.release();
                }
            });
        for (auto &t : ts)
            t.join();
        if (too_many) {
            st.SkipWithError("more holders than permits: the semaphore is broken");
            return;
        }
    }
    lfgo_bench::per_item(st, (double)(each * T));
}

constexpr int kTrips = 200'000;

// Pingpong over two channels of type Ch: unbuffered (LfgoSync, TwinSync)
// or of capacity 1 (LfgoBuf1, TwinBuf1: the barrier kind matters there, as
// every receive that finds the channel empty spins and may sleep).
template <class Ch, bool Fence = false> void pingpong(benchmark::State &st)
{
    FenceMode<Fence> mode;
    lfgo_bench::Latencies lat;
    lat.reserve(kTrips);
    for (auto _ : st) {
        lat.clear();
        Ch a, b;
        std::thread partner([&] {
            for (uint64_t v; (v = a.recv()) != kSentinel;)
                b.send(v);
        });
        for (int i = 0; i < kTrips; i++) {
            int64_t t0 = lfgo_bench::now_ns();
            a.send((uint64_t)i);
            if (b.recv() != (uint64_t)i) {
                st.SkipWithError("wrong token");
                break;
            }
            lat.add((double)(lfgo_bench::now_ns() - t0));
        }
        a.send(kSentinel);
        partner.join();
    }
    lfgo_bench::per_item(st, (double)kTrips);
    lat.report(st);
}

struct LfgoSync {
    lfgo_chan *c = nullptr;
    LfgoSync() { lfgo_chan_create(&c, 8, 0, LFGO_CHAN_SPSC); }
    ~LfgoSync() { lfgo_chan_destroy(c); }
    void send(uint64_t v) { lfgo_chan_send(c, &v); }
    uint64_t recv()
    {
        uint64_t v = kSentinel;
        lfgo_chan_recv(c, &v);
        return v;
    }
};

struct LfgoBuf1 : LfgoSync {
    LfgoBuf1()
    {
        lfgo_chan_destroy(c);
        lfgo_chan_create(&c, 8, 1, LFGO_CHAN_SPSC);
    }
};

struct TwinSync {
    lfgo_twin_chan *c = nullptr;
    TwinSync() { lfgo_twin_chan_create(&c, 8, 0, LFGO_CHAN_SPSC); }
    ~TwinSync() { lfgo_twin_chan_destroy(c); }
    void send(uint64_t v) { lfgo_twin_chan_send(c, &v); }
    uint64_t recv()
    {
        uint64_t v = kSentinel;
        lfgo_twin_chan_recv(c, &v);
        return v;
    }
};

struct TwinBuf1 : TwinSync {
    TwinBuf1()
    {
        lfgo_twin_chan_destroy(c);
        lfgo_twin_chan_create(&c, 8, 1, LFGO_CHAN_SPSC);
    }
};

void pingpong_floor(benchmark::State &st)
{
    lfgo_bench::Latencies lat;
    lat.reserve(kTrips);
    for (auto _ : st) {
        lat.clear();
        lfgo_bench::SpinPingPong pp;
        for (int i = 0; i < kTrips; i++) {
            int64_t t0 = lfgo_bench::now_ns();
            pp.round_trip();
            lat.add((double)(lfgo_bench::now_ns() - t0));
        }
    }
    lfgo_bench::per_item(st, (double)kTrips);
    lat.report(st);
}

} // namespace

LFGO_BENCH(spsc<LfgoQ>, "spsc", "lfgo")->Iterations(1);
LFGO_BENCH((spsc<LfgoQ, true>), "spsc", "lfgo_fence")->Iterations(1);
LFGO_BENCH(spsc<LfgoMpmcQ>, "spsc", "lfgo_mpmc")->Iterations(1);
LFGO_BENCH(spsc<TwinQ>, "spsc", "twin")->Iterations(1);
#if LFGO_BENCH_HAVE_CK
LFGO_BENCH(spsc<CkQ>, "spsc", "ck")->Iterations(1);
#endif
#if LFGO_BENCH_HAVE_URCU
LFGO_BENCH(spsc<UrcuQ>, "spsc", "urcu")->Iterations(1);
#endif

#define MPMC_ROWS(N, name)                                                   \
    LFGO_BENCH((mpmc<LfgoQ, N>), name, "lfgo")->Iterations(1);              \
    LFGO_BENCH((mpmc<TwinQ, N>), name, "twin")->Iterations(1);
MPMC_ROWS(2, "mpmc_2p2c")
LFGO_BENCH((mpmc<LfgoQ, 2, true>), "mpmc_2p2c", "lfgo_fence")->Iterations(1);
MPMC_ROWS(4, "mpmc_4p4c")
MPMC_ROWS(8, "mpmc_8p8c")
#if LFGO_BENCH_HAVE_CK
LFGO_BENCH((mpmc<CkQ, 2>), "mpmc_2p2c", "ck")->Iterations(1);
LFGO_BENCH((mpmc<CkQ, 4>), "mpmc_4p4c", "ck")->Iterations(1);
LFGO_BENCH((mpmc<CkQ, 8>), "mpmc_8p8c", "ck")->Iterations(1);
#endif
#if LFGO_BENCH_HAVE_URCU
LFGO_BENCH((mpmc<UrcuQ, 2>), "mpmc_2p2c", "urcu")->Iterations(1);
LFGO_BENCH((mpmc<UrcuQ, 4>), "mpmc_4p4c", "urcu")->Iterations(1);
LFGO_BENCH((mpmc<UrcuQ, 8>), "mpmc_8p8c", "urcu")->Iterations(1);
#endif

// Issue 12's peers and issue 14's floor.
#if LFGO_BENCH_HAVE_DPDK
LFGO_BENCH(spsc<DpdkQ<PEER_DPDK_SP_SC>>, "spsc", "dpdk_sp_sc")->Iterations(1);
#define DPDK_ROWS(N, name)                                                          \
    LFGO_BENCH((mpmc<DpdkQ<PEER_DPDK_MP_MC>, N>), name, "dpdk_mp_mc")->Iterations(1); \
    LFGO_BENCH((mpmc<DpdkQ<PEER_DPDK_HTS>, N>), name, "dpdk_hts")->Iterations(1);     \
    LFGO_BENCH((mpmc<DpdkQ<PEER_DPDK_RTS>, N>), name, "dpdk_rts")->Iterations(1);
DPDK_ROWS(2, "mpmc_2p2c")
DPDK_ROWS(4, "mpmc_4p4c")
DPDK_ROWS(8, "mpmc_8p8c")
#endif
#if LFGO_BENCH_HAVE_AQ
LFGO_BENCH(spsc<AqOptimistQ<true>>, "spsc", "aq_optimist")->Iterations(1);
LFGO_BENCH(spsc<Aq2Q<true>>, "spsc", "aq2")->Iterations(1);
#define AQ_ROWS(N, name)                                                              \
    LFGO_BENCH((mpmc<AqOptimistQ<false>, N>), name, "aq_optimist")->Iterations(1);    \
    LFGO_BENCH((mpmc<Aq2Q<false>, N>), name, "aq2")->Iterations(1);
AQ_ROWS(2, "mpmc_2p2c")
AQ_ROWS(4, "mpmc_4p4c")
AQ_ROWS(8, "mpmc_8p8c")
#endif
LFGO_BENCH((mpmc<FloorQ, 2>), "mpmc_2p2c", "floor")->Iterations(1);
LFGO_BENCH((mpmc<FloorQ, 4>), "mpmc_4p4c", "floor")->Iterations(1);
LFGO_BENCH((mpmc<FloorQ, 8>), "mpmc_8p8c", "floor")->Iterations(1);

LFGO_BENCH(spsc_burst<LfgoBurstQ>, "spsc_burst32", "lfgo")->Iterations(1);
LFGO_BENCH(spsc_burst<TwinBurstQ>, "spsc_burst32", "twin")->Iterations(1);
LFGO_BENCH((mpmc_burst<LfgoBurstQ, 2>), "mpmc_2p2c_many32", "lfgo")->Iterations(1);
LFGO_BENCH((mpmc_burst<TwinBurstQ, 2>), "mpmc_2p2c_many32", "twin")->Iterations(1);
#if LFGO_BENCH_HAVE_DPDK
LFGO_BENCH(spsc_burst<DpdkQ<PEER_DPDK_SP_SC>>, "spsc_burst32", "dpdk_sp_sc")->Iterations(1);
#endif

LFGO_BENCH((chan_sem<LfgoSem, 2>), "chan_sem_2t", "lfgo")->Iterations(1);
LFGO_BENCH((chan_sem<SwgSem, 2>), "chan_sem_2t", "swg")->Iterations(1);
LFGO_BENCH((chan_sem<TwinSem, 2>), "chan_sem_2t", "twin")->Iterations(1);
LFGO_BENCH((chan_sem<LfgoSem, 8>), "chan_sem_8t", "lfgo")->Iterations(1);
LFGO_BENCH((chan_sem<SwgSem, 8>), "chan_sem_8t", "swg")->Iterations(1);
LFGO_BENCH((chan_sem<TwinSem, 8>), "chan_sem_8t", "twin")->Iterations(1);

LFGO_BENCH(pingpong<LfgoSync>, "pingpong", "lfgo")->Iterations(1);
LFGO_BENCH((pingpong<LfgoSync, true>), "pingpong", "lfgo_fence")->Iterations(1);
LFGO_BENCH(pingpong<TwinSync>, "pingpong", "twin")->Iterations(1);
LFGO_BENCH(pingpong_floor, "pingpong", "floor")->Iterations(1);
LFGO_BENCH(pingpong<LfgoBuf1>, "pingpong_buf1", "lfgo")->Iterations(1);
LFGO_BENCH((pingpong<LfgoBuf1, true>), "pingpong_buf1", "lfgo_fence")->Iterations(1);
LFGO_BENCH(pingpong<TwinBuf1>, "pingpong_buf1", "twin")->Iterations(1);

BENCHMARK_MAIN();
