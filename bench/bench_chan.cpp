// Channel workloads (issue 3), 8-byte items:
//  spsc        1 producer, 1 consumer, 10,000,000 items, capacity 1024;
//              ns per item, plus p50/p99/p99.9 of the send->recv delay of
//              sampled items (every 1024th; measured under full load, so it
//              includes queueing behind up to 1024 items)
//  mpmc_NpNc   N producers, N consumers (2, 4, 8), 10,000,000 items, cap 1024
//  pingpong    two threads bounce a token through two unbuffered channels,
//              200,000 round trips; ns per round trip, p50/p99/p99.9
// Impls: lfgo, twin, ck (ck_ring, spin then yield), urcu (wfcqueue, polling),
// floor (pingpong: the bare spin handoff).  The harness is the same for
// every impl: producers send 1..n, consumers stop at a sentinel value sent
// once per consumer after the producers finish; the received count is
// checked.  A pass has a 30 s budget: producers look at the clock every 4096
// items, and every spin of the ck and urcu peers (bench/chan/peers.c) looks
// at it too and gives up past it, so a collapsing spinning peer (ck_ring
// MPMC with more threads than cores stalls inside ck's commit spin) stops
// every thread, and the row becomes a "collapsed: ..." error row, as in
// bench_mutex.cpp.  Later repetitions of a collapsed row report the same at
// once instead of spending another budget each.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "chan/peers.h"
#include "lfgo/chan.h"
#include "lfgo/twin/chan.h"

// lib/chan_barrier.c: 1 while the membarrier handshake is in use (internal;
// reachable because benchmarks link the static library).
extern "C" LFGO_ATOMIC(uint32_t) lfgo__chan_asym;

namespace {

constexpr uint64_t kSentinel = UINT64_MAX;
constexpr uint64_t kStamp = 1ull << 62; // the value carries a send time
constexpr size_t kItems = 10'000'000;

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
    for (int k = 0; k < C; k++)
        cons.emplace_back([&] {
            size_t n = 0;
            uint64_t v = 0;
            bool ok;
            for (; (ok = q.recv(&v)) && v != kSentinel; n++)
                if (lat && (v & kStamp))
                    lat->add((double)(lfgo_bench::now_ns() - (int64_t)(v & ~kStamp)));
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
// behind the choice (docs/design.md, "Channel").  The mode is a process-wide
// internal flag; it is switched only while no channel exists.
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
    if (collapsed_before(st, collapsed))
        return;
    for (auto _ : st)
        if (!check(st, one_pass<Q>(N, N, kItems, nullptr), kItems, &collapsed))
            return;
    lfgo_bench::per_item(st, (double)kItems);
}

constexpr int kTrips = 200'000;

// Pingpong over two unbuffered channels of type C (LfgoQ or TwinQ built
// with capacity 0).
template <class Ch> void pingpong(benchmark::State &st)
{
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

LFGO_BENCH(pingpong<LfgoSync>, "pingpong", "lfgo")->Iterations(1);
LFGO_BENCH(pingpong<TwinSync>, "pingpong", "twin")->Iterations(1);
LFGO_BENCH(pingpong_floor, "pingpong", "floor")->Iterations(1);

BENCHMARK_MAIN();
