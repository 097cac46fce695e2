// The batch calls (send_many / recv_many and their try_ and _until forms)
// under concurrency, on lfgo and the twin.  lfgo's ring claims a run of
// slots with one CAS (or one store on a single side) and checks for sleepers
// once per run (lib/chan_ring.c, "batches"), so what these tests pin down is
// what a run must not change:
//  - exactly once and per-producer order, with every producer and consumer
//    using batches of random sizes (larger than the capacity too), for every
//    kind hint and capacities 1..64, and mixed with single calls;
//  - a run that publishes k values while k receivers sleep wakes them all
//    (a single wake for the run would leave receivers asleep beside values);
//    likewise a run that frees k slots while k senders sleep;
//  - a close in the middle of batches: exactly the accepted values arrive.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "chan_typed.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::Watchdog;

namespace {

constexpr int kShift = 40; // item = producer << 40 | sequence number

lfgo_chan_kind kind_for(int p, int c)
{
    return p == 1 ? (c == 1 ? LFGO_CHAN_SPSC : LFGO_CHAN_SPMC) : (c == 1 ? LFGO_CHAN_MPSC : LFGO_CHAN_MPMC);
}

template <class I> class ChanMany : public ::testing::Test {};
TYPED_TEST_SUITE(ChanMany, lfgo_test::ChanImpls, lfgo_test::ImplNames);

struct Shape {
    int p, c;
    size_t cap;
};

// Producers send 0..count-1 each, tagged, in batches of 1..48 (every third
// batch as single sends); consumers receive in batches of 1..48 (every third
// as single receives).  Then: each item exactly once, in order per producer
// as each consumer sees them.
template <class I> void batches_exactly_once(const Shape &s, int64_t per_producer, unsigned seed)
{
    typename I::chan *c;
    ASSERT_EQ(I::create(&c, sizeof(uint64_t), s.cap, kind_for(s.p, s.c)), LFGO_OK);
    std::vector<std::atomic<uint8_t>> seen((size_t)(s.p * per_producer));
    std::atomic<int64_t> bad{0};
    std::vector<std::thread> ts;
    for (int k = 0; k < s.c; k++)
        ts.emplace_back([&, k] {
            std::mt19937 rng(seed * 31 + 1000 + k);
            std::vector<int64_t> last(s.p, -1);
            uint64_t buf[48];
            for (int round = 0;; round++) {
                size_t n = 1;
                lfgo_status st = round % 3 == 2 ? I::recv(c, buf) : I::recv_many(c, buf, 1 + rng() % 48, &n);
                if (st == LFGO_CLOSED)
                    return;
                if (st != LFGO_OK || n == 0) {
                    bad++;
                    return;
                }
                for (size_t i = 0; i < n; i++) {
                    int p = (int)(buf[i] >> kShift);
                    int64_t q = (int64_t)(buf[i] & ((1ull << kShift) - 1));
                    if (p >= s.p || q >= per_producer || q <= last[p])
                        bad++;
                    else
                        seen[(size_t)(p * per_producer + q)].fetch_add(1, std::memory_order_relaxed);
                    if (p < s.p)
                        last[p] = q;
                }
            }
        });
    std::vector<std::thread> ps;
    for (int p = 0; p < s.p; p++)
        ps.emplace_back([&, p] {
            std::mt19937 rng(seed * 31 + p);
            std::vector<uint64_t> buf(48);
            for (int64_t q = 0; q < per_producer;) {
                size_t n = std::min<int64_t>(1 + rng() % 48, per_producer - q), done = 0;
                for (size_t i = 0; i < n; i++)
                    buf[i] = (uint64_t)p << kShift | (uint64_t)(q + (int64_t)i);
                lfgo_status st;
                if (q % 3 == 2) {
                    st = I::send(c, buf.data());
                    done = st == LFGO_OK;
                } else {
                    st = I::send_many(c, buf.data(), n, &done);
                }
                if (st != LFGO_OK) {
                    bad++;
                    return;
                }
                q += (int64_t)done;
            }
        });
    for (auto &t : ps)
        t.join();
    ASSERT_EQ(I::close(c), LFGO_OK); // every send has returned: fine for each hint
    for (auto &t : ts)
        t.join();
    EXPECT_EQ(bad.load(), 0);
    int64_t lost = 0, dup = 0;
    for (auto &x : seen) {
        lost += x.load() == 0;
        dup += x.load() > 1;
    }
    EXPECT_EQ(lost, 0) << s.p << "p" << s.c << "c cap " << s.cap;
    EXPECT_EQ(dup, 0) << s.p << "p" << s.c << "c cap " << s.cap;
    I::destroy(c);
}

TYPED_TEST(ChanMany, BatchesExactlyOnceInOrder)
{
    Watchdog wd(kBudget);
    const int64_t per = scaled(200000) / (std::string(TypeParam::name) == "twin" ? 10 : 1);
    const Shape shapes[] = {{1, 1, 1},  {1, 1, 7},  {1, 1, 64}, {1, 3, 5},  {3, 1, 5},
                            {2, 2, 1},  {2, 2, 16}, {4, 4, 3},  {4, 4, 64}, {8, 8, 32}};
    unsigned seed = 1;
    for (const Shape &s : shapes)
        batches_exactly_once<TypeParam>(s, per, seed++);
}

// k receivers asleep on an empty channel; one send_many of k values.  Each
// receiver must get one (they wait on a WaitGroup-like counter, so nobody
// sends again).  One wake for the run would leave k - 1 asleep.
TYPED_TEST(ChanMany, OneRunWakesEveryReceiverItFeeds)
{
    Watchdog wd(kBudget);
    const int kRecv = 4;
    for (int round = 0; round < (int)scaled(200); round++) {
        typename TypeParam::chan *c;
        ASSERT_EQ(TypeParam::create(&c, sizeof(uint64_t), 8, LFGO_CHAN_MPMC), LFGO_OK);
        std::atomic<int> got{0};
        std::vector<std::thread> ts;
        for (int k = 0; k < kRecv; k++)
            ts.emplace_back([&] {
                uint64_t v;
                if (TypeParam::recv(c, &v) == LFGO_OK)
                    got++;
            });
        while (TypeParam::waiters(c) < (uint32_t)kRecv) // all waiting (counted)
            std::this_thread::sleep_for(50us);
        std::this_thread::sleep_for(2ms); // past the spin budget: parked
        uint64_t vals[kRecv] = {1, 2, 3, 4};
        size_t done = 0;
        ASSERT_EQ(TypeParam::send_many(c, vals, kRecv, &done), LFGO_OK);
        ASSERT_EQ(done, (size_t)kRecv);
        for (auto &t : ts)
            t.join(); // a receiver left asleep hangs here, into the watchdog
        EXPECT_EQ(got.load(), kRecv);
        ASSERT_EQ(TypeParam::close(c), LFGO_OK);
        TypeParam::destroy(c);
    }
}

// k senders asleep on a full channel; one recv_many that frees k slots.
TYPED_TEST(ChanMany, OneRunWakesEverySenderItFrees)
{
    Watchdog wd(kBudget);
    const int kSend = 4;
    for (int round = 0; round < (int)scaled(200); round++) {
        typename TypeParam::chan *c;
        ASSERT_EQ(TypeParam::create(&c, sizeof(uint64_t), kSend, LFGO_CHAN_MPMC), LFGO_OK);
        for (uint64_t i = 0; i < kSend; i++)
            ASSERT_EQ(TypeParam::send(c, &i), LFGO_OK);
        std::atomic<int> sent{0};
        std::vector<std::thread> ts;
        for (int k = 0; k < kSend; k++)
            ts.emplace_back([&, k] {
                uint64_t v = 100 + (uint64_t)k;
                if (TypeParam::send(c, &v) == LFGO_OK)
                    sent++;
            });
        while (TypeParam::waiters(c) < (uint32_t)kSend)
            std::this_thread::sleep_for(50us);
        std::this_thread::sleep_for(2ms);
        uint64_t out[kSend];
        size_t done = 0;
        ASSERT_EQ(TypeParam::recv_many(c, out, kSend, &done), LFGO_OK);
        ASSERT_EQ(done, (size_t)kSend);
        for (auto &t : ts)
            t.join();
        EXPECT_EQ(sent.load(), kSend);
        EXPECT_EQ(TypeParam::len(c), (size_t)kSend);
        ASSERT_EQ(TypeParam::close(c), LFGO_OK);
        TypeParam::destroy(c);
    }
}

// A close while producers are inside send_many: exactly the values whose
// send was reported (in *done) arrive, once each; a consumer's recv_many
// after the drain returns LFGO_CLOSED with *done == 0.
TYPED_TEST(ChanMany, CloseMidBatchLosesNothingAccepted)
{
    Watchdog wd(kBudget);
    for (int round = 0; round < (int)scaled(300); round++) {
        const int P = 3;
        typename TypeParam::chan *c;
        ASSERT_EQ(TypeParam::create(&c, sizeof(uint64_t), 1 + round % 9, LFGO_CHAN_MPMC), LFGO_OK);
        std::vector<int64_t> accepted(P, 0);
        std::vector<std::vector<uint64_t>> got(2);
        std::vector<std::thread> ts;
        for (int k = 0; k < 2; k++)
            ts.emplace_back([&, k] {
                uint64_t buf[16];
                size_t n;
                lfgo_status st;
                while ((st = TypeParam::recv_many(c, buf, 16, &n)) == LFGO_OK)
                    got[k].insert(got[k].end(), buf, buf + n);
                EXPECT_EQ(st, LFGO_CLOSED);
                EXPECT_EQ(n, 0u);
            });
        std::vector<std::thread> ps;
        for (int p = 0; p < P; p++)
            ps.emplace_back([&, p] {
                uint64_t buf[16];
                for (int64_t q = 0;;) {
                    for (int i = 0; i < 16; i++)
                        buf[i] = (uint64_t)p << kShift | (uint64_t)(q + i);
                    size_t done = 0;
                    lfgo_status st = TypeParam::send_many(c, buf, 16, &done);
                    q += (int64_t)done;
                    accepted[p] = q;
                    if (st != LFGO_OK) {
                        EXPECT_EQ(st, LFGO_CLOSED);
                        return;
                    }
                }
            });
        std::this_thread::sleep_for(std::chrono::microseconds(50 + round % 7 * 100));
        ASSERT_EQ(TypeParam::close(c), LFGO_OK);
        for (auto &t : ps)
            t.join();
        for (auto &t : ts)
            t.join();
        std::vector<uint64_t> all = got[0];
        all.insert(all.end(), got[1].begin(), got[1].end());
        std::sort(all.begin(), all.end());
        std::vector<uint64_t> want;
        for (int p = 0; p < P; p++)
            for (int64_t q = 0; q < accepted[p]; q++)
                want.push_back((uint64_t)p << kShift | (uint64_t)q);
        ASSERT_EQ(all, want) << "round " << round;
        TypeParam::destroy(c);
    }
}

} // namespace
