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
// checked, and a pass that exceeds its 30 s budget (a collapsing spinning
// peer) stops early and becomes a "collapsed" error row.
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

struct LfgoQ {
    lfgo_chan *c = nullptr;
    LfgoQ(size_t cap, int p, int n, size_t) { lfgo_chan_create(&c, 8, cap, kind_for(p, n)); }
    ~LfgoQ() { lfgo_chan_destroy(c); }
    void send(size_t, uint64_t v) { lfgo_chan_send(c, &v); }
    uint64_t recv()
    {
        uint64_t v = kSentinel;
        lfgo_chan_recv(c, &v);
        return v;
    }
};

struct TwinQ {
    lfgo_twin_chan *c = nullptr;
    TwinQ(size_t cap, int p, int n, size_t) { lfgo_twin_chan_create(&c, 8, cap, kind_for(p, n)); }
    ~TwinQ() { lfgo_twin_chan_destroy(c); }
    void send(size_t, uint64_t v) { lfgo_twin_chan_send(c, &v); }
    uint64_t recv()
    {
        uint64_t v = kSentinel;
        lfgo_twin_chan_recv(c, &v);
        return v;
    }
};

#if LFGO_BENCH_HAVE_CK
struct CkQ {
    void *h;
    CkQ(size_t cap, int p, int n, size_t) : h(peer_ck_create((unsigned)cap, !(p == 1 && n == 1))) {}
    ~CkQ() { peer_ck_destroy(h); }
    void send(size_t, uint64_t v) { peer_ck_send(h, v); }
    uint64_t recv() { return peer_ck_recv(h); }
};
#endif

#if LFGO_BENCH_HAVE_URCU
struct UrcuQ {
    void *h;
    UrcuQ(size_t, int, int n, size_t items) : h(peer_urcu_create(items + (size_t)n)) {}
    ~UrcuQ() { peer_urcu_destroy(h); }
    void send(size_t i, uint64_t v) { peer_urcu_send(h, i, v); }
    uint64_t recv() { return peer_urcu_recv(h); }
};
#endif

// A pass gives up after this long (peers that spin, ck_ring MPMC with more
// threads than cores, may collapse): the producers stop early, the row
// becomes "collapsed".
constexpr double kBudgetSeconds = 30;

// One pass: P producers, C consumers, `items` items; returns how many
// arrived (== items unless the time budget ran out).
template <class Q> size_t one_pass(int P, int C, size_t items, lfgo_bench::Latencies *lat)
{
    Q q(1024, P, C, items);
    lfgo_bench::TimeBudget budget(kBudgetSeconds);
    std::atomic<size_t> got{0};
    std::vector<std::thread> cons, prods;
    for (int k = 0; k < C; k++)
        cons.emplace_back([&] {
            size_t n = 0;
            for (uint64_t v; (v = q.recv()) != kSentinel; n++)
                if (lat && (v & kStamp))
                    lat->add((double)(lfgo_bench::now_ns() - (int64_t)(v & ~kStamp)));
            got += n;
        });
    size_t per = items / (size_t)P;
    for (int p = 0; p < P; p++)
        prods.emplace_back([&, p] {
            size_t end = p == P - 1 ? items : per * (size_t)(p + 1);
            for (size_t i = per * (size_t)p; i < end; i++) {
                if ((i & 4095) == 0 && budget.expired())
                    return;
                uint64_t v = i + 1;
                if (lat && (i & 1023) == 0)
                    v = (uint64_t)lfgo_bench::now_ns() | kStamp;
                q.send(i, v);
            }
        });
    for (auto &t : prods)
        t.join();
    for (int k = 0; k < C; k++)
        q.send(items + (size_t)k, kSentinel);
    for (auto &t : cons)
        t.join();
    return got.load();
}

bool check(benchmark::State &st, size_t got, size_t items)
{
    if (got == items)
        return true;
    st.SkipWithError(("collapsed: " + std::to_string(got) + " of " + std::to_string(items) +
                      " items in " + std::to_string((int)kBudgetSeconds) + " s")
                         .c_str());
    return false;
}

template <class Q> void spsc(benchmark::State &st)
{
    lfgo_bench::Latencies lat;
    for (auto _ : st) {
        lat.clear();
        if (!check(st, one_pass<Q>(1, 1, kItems, &lat), kItems))
            return;
    }
    lfgo_bench::per_item(st, (double)kItems);
    lat.report(st);
}

template <class Q, int N> void mpmc(benchmark::State &st)
{
    for (auto _ : st)
        if (!check(st, one_pass<Q>(N, N, kItems, nullptr), kItems))
            return;
    lfgo_bench::per_item(st, (double)kItems);
}

// The same with the portable handshake (a seq_cst fence on both sides
// instead of membarrier + compiler barrier): the measurement behind the
// choice (docs/design.md, "Channel").  The mode is a process-wide internal
// flag; it is switched only while no channel exists.
template <class Fn> void with_fence_mode(Fn fn)
{
    uint32_t old = lfgo_atomic_load(&lfgo__chan_asym, memory_order_seq_cst);
    lfgo_atomic_store(&lfgo__chan_asym, 0u, memory_order_seq_cst);
    fn();
    lfgo_atomic_store(&lfgo__chan_asym, old, memory_order_seq_cst);
}

void spsc_fence(benchmark::State &st)
{
    with_fence_mode([&] { spsc<LfgoQ>(st); });
}

void mpmc_2p2c_fence(benchmark::State &st)
{
    with_fence_mode([&] { mpmc<LfgoQ, 2>(st); });
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
LFGO_BENCH(spsc_fence, "spsc", "lfgo_fence")->Iterations(1);
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
LFGO_BENCH(mpmc_2p2c_fence, "mpmc_2p2c", "lfgo_fence")->Iterations(1);
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
