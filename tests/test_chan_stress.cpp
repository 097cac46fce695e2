// Channel exactly-once stress, on lfgo and the twin:
//  - {1,2,4} producers x {1,2,4} consumers x capacity {0,1,2,1024}, with
//    lfgo_test::scaled(10'000'000) items per configuration (the full 1e7 in
//    the plain build); the kind hint follows the shape (1x1 SPSC, 1xN SPMC,
//    Nx1 MPSC, else MPMC).  Every item is received exactly once, and each
//    consumer sees each producer's items in increasing order (FIFO per
//    producer).
//  - a close in the middle of the stream loses nothing that was accepted:
//    exactly the items whose send returned LFGO_OK are received, once each,
//    for every kind hint (each with a shape it allows).
//  - the twin runs 1/100 of the count at capacities 0-2, where every item
//    costs it a futex sleep and wake (see the test body for the figures).
//    LFGO_TWIN_FULL=1 restores the full count for the twin: its soak, never
//    set in CI.  ctest passes the environment through:
//      LFGO_TWIN_FULL=1 ctest --test-dir build/release -R 'ChanStress.*twin'
//    but its per-test TIMEOUT of 300 s (tests/CMakeLists.txt) kills the
//    slowest shapes (capacity 1 with 2p4c or 4p1c: 250-520 s at load 3-4),
//    so for all of them run the exe directly:
//      LFGO_TWIN_FULL=1 build/release/tests/test_chan_stress --gtest_filter='*twin*'
//    (45-65 min on the 2-vCPU project machine at load 3-4; the test's own
//    watchdog allows 28,000 s per shape in this mode).
//  - DISABLED_Soak: the long soak, not run by CI (run it with
//    --gtest_also_run_disabled_tests --gtest_filter='*Soak*';
//    LFGO_SOAK_SECONDS sets its length, default 600).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "chan_impl.hpp"
#include "support/watchdog.hpp"

using lfgo_test::Watchdog;

namespace {

constexpr int kShift = 40; // item = producer << 40 | sequence number
#if defined(LFGO_TEST_SANITIZED)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// LFGO_TWIN_FULL=1 (any value but empty or "0"): the twin runs the full
// count at capacities 0-2 too, instead of 1/100 of it.
bool twin_full()
{
    const char *e = std::getenv("LFGO_TWIN_FULL");
    return e && *e && std::string(e) != "0";
}

// Watchdog for one twin configuration at the full count: 100x the usual
// 280 s, since that is the factor the full count restores.
constexpr std::chrono::seconds kTwinFullBudget{28000};

lfgo_chan_kind kind_for(int p, int c)
{
    if (p == 1 && c == 1)
        return LFGO_CHAN_SPSC;
    if (p == 1)
        return LFGO_CHAN_SPMC;
    if (c == 1)
        return LFGO_CHAN_MPSC;
    return LFGO_CHAN_MPMC;
}

// One consumer's check: per producer, sequence numbers only increase.
struct Order {
    std::vector<int64_t> last;
    explicit Order(int p) : last(p, -1) {}
    bool ok(uint64_t item)
    {
        int64_t &l = last[item >> kShift];
        int64_t s = (int64_t)(item & ((1ull << kShift) - 1));
        if (s <= l)
            return false;
        l = s;
        return true;
    }
};

template <class I> void consume(typename I::chan *c, int p, bool batch,
                                std::vector<std::atomic<uint8_t>> *seen,
                                const std::vector<int64_t> *base, std::atomic<int64_t> *bad)
{
    Order ord(p);
    uint64_t buf[64];
    for (;;) {
        size_t n = 1;
        lfgo_status st = batch ? I::recv_many(c, buf, 64, &n) : I::recv(c, buf);
        if (st == LFGO_CLOSED)
            return;
        if (st != LFGO_OK) {
            ++*bad;
            return;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t it = buf[i];
            if (!ord.ok(it))
                ++*bad;
            size_t idx = (size_t)((*base)[it >> kShift] + (int64_t)(it & ((1ull << kShift) - 1)));
            (*seen)[idx].fetch_add(1, std::memory_order_relaxed);
        }
    }
}

template <class I> void exactly_once(int P, int C, size_t cap, int64_t total)
{
    typename I::chan *c;
    ASSERT_EQ(I::create(&c, sizeof(uint64_t), cap, kind_for(P, C)), LFGO_OK);
    std::vector<int64_t> base(P), count(P);
    for (int p = 0; p < P; p++) {
        count[p] = total / P + (p < total % P);
        base[p] = p ? base[p - 1] + count[p - 1] : 0;
    }
    std::vector<std::atomic<uint8_t>> seen(total);
    std::atomic<int64_t> bad{0};
    std::vector<std::thread> cons, prods;
    for (int k = 0; k < C; k++)
        cons.emplace_back(consume<I>, c, P, k % 2 == 1, &seen, &base, &bad);
    for (int p = 0; p < P; p++)
        prods.emplace_back([&, p] {
            for (int64_t i = 0; i < count[p]; i++) {
                uint64_t it = ((uint64_t)p << kShift) | (uint64_t)i;
                if (I::send(c, &it) != LFGO_OK)
                    ++bad;
            }
        });
    for (auto &t : prods)
        t.join();
    ASSERT_EQ(I::close(c), LFGO_OK); // after the last send: fine for every hint
    for (auto &t : cons)
        t.join();
    EXPECT_EQ(bad.load(), 0);
    int64_t wrong = 0;
    for (int64_t i = 0; i < total; i++)
        wrong += seen[i].load(std::memory_order_relaxed) != 1;
    EXPECT_EQ(wrong, 0) << "items not received exactly once";
    I::destroy(c);
}

// Close in mid-stream: producers send until LFGO_CLOSED; what was accepted
// (LFGO_OK) is exactly what is received.  The kind hint follows the shape
// (kind_for).
template <class I> void close_midstream(int P, int C, size_t cap, int64_t total)
{
    typename I::chan *c;
    ASSERT_EQ(I::create(&c, sizeof(uint64_t), cap, kind_for(P, C)), LFGO_OK);
    const int64_t per = total / P + 1;
    std::vector<int64_t> base(P), ok(P, 0);
    for (int p = 0; p < P; p++)
        base[p] = p * per;
    std::vector<std::atomic<uint8_t>> seen(P * per);
    std::atomic<int64_t> bad{0};
    // With one producer (SPSC, SPMC) close belongs to the producing side
    // (lfgo/chan.h, "Kind hint"): the producer closes when told to; with
    // several, another thread closes under their feet.
    const bool producer_closes = P == 1;
    std::atomic<bool> stop{false};
    std::vector<std::thread> cons, prods;
    for (int k = 0; k < C; k++)
        cons.emplace_back(consume<I>, c, P, k % 2 == 1, &seen, &base, &bad);
    for (int p = 0; p < P; p++)
        prods.emplace_back([&, p] {
            for (int64_t i = 0; i < per && !(producer_closes && stop.load()); i++) {
                uint64_t it = ((uint64_t)p << kShift) | (uint64_t)i;
                lfgo_status st = I::send(c, &it);
                if (st == LFGO_CLOSED)
                    return;
                if (st != LFGO_OK)
                    ++bad;
                ok[p]++;
            }
            if (producer_closes) {
                if (I::close(c) != LFGO_OK)
                    ++bad;
                uint64_t late = 0;
                if (I::send(c, &late) != LFGO_CLOSED)
                    ++bad;
            }
        });
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + std::rand() % 30));
    if (producer_closes)
        stop = true;
    else
        ASSERT_EQ(I::close(c), LFGO_OK);
    for (auto &t : prods)
        t.join();
    for (auto &t : cons)
        t.join();
    EXPECT_EQ(bad.load(), 0);
    int64_t wrong = 0, accepted = 0;
    for (int p = 0; p < P; p++)
        for (int64_t i = 0; i < per; i++) {
            int want = i < ok[p] ? 1 : 0;
            wrong += seen[base[p] + i].load(std::memory_order_relaxed) != want;
            accepted += want;
        }
    EXPECT_EQ(wrong, 0) << "accepted " << accepted;
    I::destroy(c);
}

using Param = std::tuple<int, int, int, int>; // impl, producers, consumers, capacity

class ChanStress : public ::testing::TestWithParam<Param> {};

TEST_P(ChanStress, ExactlyOnceFifoPerProducer)
{
    auto [impl, P, C, cap] = GetParam();
    // The full 1e7 in the plain build; sanitizer builds (already divided by
    // LFGO_TEST_SCALE) run a further 4x fewer, to keep this exe near 2 min.
    const int64_t total = kSanitized ? lfgo_test::scaled(10'000'000) / 4 : lfgo_test::scaled(10'000'000);
    if (impl == 0) {
        Watchdog wd(std::chrono::seconds(280), "exactly-once stress");
        exactly_once<lfgo_test::LfgoChan>(P, C, (size_t)cap, total);
        return;
    }
    // The twin (mutex + condvars only, no spinning) pays a futex sleep and
    // wake per item when the buffer holds 0, 1 or 2.  Measured per item
    // (release, 1e5 items, the nine shapes, three runs at load 3-4):
    // capacity 0, where every item is a rendezvous on the waiting side's own
    // condvar, 3.3-12.7 us (2p2c at the full 1e7: 52 s, 1p4c: 37 s; before
    // the twin's records slept on a condvar, with lfgo's spin-then-futex,
    // 1.6-2.9 us); capacity 1 7-52 us; capacity 2 5.2-23 us (earlier, on an
    // idle machine: ~19 us with 2p2c, 189 s for 1e7).  A fourth run, load
    // falling from 10 to 3: up to 20, 37 and 22 us.  So it runs 100x fewer
    // items there, unless LFGO_TWIN_FULL is set (see the file comment).  The
    // lfgo channel, the thing under test, always runs the full count.
    const bool full = twin_full();
    const int64_t twin_total = (cap <= 2 && !full) ? total / 100 : total;
    Watchdog wd(full ? kTwinFullBudget : std::chrono::seconds(280), "exactly-once stress");
    exactly_once<lfgo_test::TwinChan>(P, C, (size_t)cap, twin_total > 0 ? twin_total : 1);
}

std::string name(const ::testing::TestParamInfo<Param> &i)
{
    auto [impl, P, C, cap] = i.param;
    return std::string(impl ? "twin" : "lfgo") + "_" + std::to_string(P) + "p" +
           std::to_string(C) + "c_cap" + std::to_string(cap);
}

INSTANTIATE_TEST_SUITE_P(Configs, ChanStress,
                         ::testing::Combine(::testing::Values(0, 1), ::testing::Values(1, 2, 4),
                                            ::testing::Values(1, 2, 4),
                                            ::testing::Values(0, 1, 2, 1024)),
                         name);

// Every kind, each with the shape its hint allows: SPSC 1x1, SPMC 1x3,
// MPSC 4x1, MPMC 4x3.
using MidParam = std::tuple<int, int, int>; // impl, kind, capacity
class ChanCloseMidstream : public ::testing::TestWithParam<MidParam> {};

TEST_P(ChanCloseMidstream, AcceptedItemsAreDelivered)
{
    auto [impl, kind, cap] = GetParam();
    const int P = (kind == LFGO_CHAN_MPSC || kind == LFGO_CHAN_MPMC) ? 4 : 1;
    const int C = (kind == LFGO_CHAN_SPMC || kind == LFGO_CHAN_MPMC) ? 3 : 1;
    ASSERT_EQ(kind_for(P, C), kind);
    Watchdog wd(lfgo_test::kBudget, "close mid-stream");
    for (int round = 0; round < (kSanitized ? 2 : 5); round++) {
        if (impl == 0)
            close_midstream<lfgo_test::LfgoChan>(P, C, (size_t)cap, 100'000'000);
        else
            close_midstream<lfgo_test::TwinChan>(P, C, (size_t)cap, 100'000'000);
    }
}

std::string kind_name(int kind)
{
    static const char *const names[] = {"mpmc", "spsc", "mpsc", "spmc"};
    return names[kind];
}

INSTANTIATE_TEST_SUITE_P(Caps, ChanCloseMidstream,
                         ::testing::Combine(::testing::Values(0, 1),
                                            ::testing::Values((int)LFGO_CHAN_SPSC, (int)LFGO_CHAN_SPMC,
                                                              (int)LFGO_CHAN_MPSC, (int)LFGO_CHAN_MPMC),
                                            ::testing::Values(0, 1, 2, 1024)),
                         [](const ::testing::TestParamInfo<MidParam> &i) {
                             return std::string(std::get<0>(i.param) ? "twin" : "lfgo") + "_" +
                                    kind_name(std::get<1>(i.param)) + "_cap" +
                                    std::to_string(std::get<2>(i.param));
                         });

// The soak: random shapes for LFGO_SOAK_SECONDS (default 600).  Not in CI.
TEST(ChanSoak, DISABLED_Soak)
{
    const char *e = std::getenv("LFGO_SOAK_SECONDS");
    const double secs = e ? std::atof(e) : 600.0;
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(secs);
    const int ps[] = {1, 2, 4, 8}, caps[] = {0, 1, 2, 3, 64, 1024};
    for (int round = 0; std::chrono::steady_clock::now() < end; round++) {
        int P = ps[std::rand() % 4], C = ps[std::rand() % 4], cap = caps[std::rand() % 6];
        Watchdog wd(std::chrono::seconds(600), "soak round");
        if (round % 2)
            exactly_once<lfgo_test::LfgoChan>(P, C, (size_t)cap, 1'000'000);
        else
            close_midstream<lfgo_test::LfgoChan>(P, C, (size_t)cap, 100'000'000);
        if (::testing::Test::HasFailure())
            return;
    }
}

} // namespace
