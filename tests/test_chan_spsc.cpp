// The SPSC producer's look ahead (lib/chan_ring.c, "SPSC look ahead"): a
// single producer learns from one slot up to 32 positions further on that
// every slot before it is free, and writes those without reading their seq.
// What must not change, on lfgo and the twin (which has no look ahead: the
// same contract):
//  - a ring fills to its capacity with no receiver, and a send past it
//    times out;
//  - a consumer that frees one slot and stops still lets exactly one more
//    blocking send through (the far slot never frees: the near one decides);
//  - exactly once and in order while the consumer stalls at random, so the
//    ring keeps running nearly full (where the bound is learnt and used),
//    with blocking, try_ and batch sends mixed, and a close at the end loses
//    nothing that was accepted (a bound one position too far overwrites a
//    value not yet received: the consumer then waits for ever, into the
//    watchdog).
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

template <class I> class ChanSpsc : public ::testing::Test {};
TYPED_TEST_SUITE(ChanSpsc, lfgo_test::ChanImpls, lfgo_test::ImplNames);

timespec after_ms(long ms) { return lfgo_deadline_after_ns((int64_t)ms * 1000000); }

// Capacities below, at and above where the look ahead starts (64 slots), a
// power of two and not.
const size_t kCaps[] = {8, 63, 64, 100, 1024, 4096};

TYPED_TEST(ChanSpsc, FillsToCapacityWithoutAReceiver)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "fill an SPSC ring");
    for (size_t cap : kCaps) {
        typename I::chan *c;
        ASSERT_EQ(I::create(&c, sizeof(uint64_t), cap, LFGO_CHAN_SPSC), LFGO_OK);
        for (uint64_t i = 0; i < cap; i++)
            ASSERT_EQ(I::send(c, &i), LFGO_OK) << "cap " << cap << " item " << i;
        uint64_t v = cap;
        timespec d = after_ms(2);
        EXPECT_EQ(I::send_until(c, &v, &d), LFGO_TIMEOUT) << "cap " << cap;
        EXPECT_EQ(I::try_send(c, &v), LFGO_WOULDBLOCK) << "cap " << cap;
        for (uint64_t i = 0; i < cap; i++) {
            ASSERT_EQ(I::recv(c, &v), LFGO_OK);
            ASSERT_EQ(v, i) << "cap " << cap;
        }
        I::destroy(c);
    }
}

// Full ring; the consumer takes one value and stops: the producer's next
// blocking send must still go through (into the one free slot, although the
// far slot never frees), and the one after it must time out.
TYPED_TEST(ChanSpsc, OneFreedSlotLetsOneSendThrough)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "send into the one freed slot");
    for (size_t cap : kCaps) {
        for (int round = 0; round < 20; round++) {
            typename I::chan *c;
            ASSERT_EQ(I::create(&c, sizeof(uint64_t), cap, LFGO_CHAN_SPSC), LFGO_OK);
            uint64_t next = 0;
            for (; next < cap; next++)
                ASSERT_EQ(I::send(c, &next), LFGO_OK);
            std::thread consumer([&] {
                uint64_t v;
                EXPECT_EQ(I::recv(c, &v), LFGO_OK);
                EXPECT_EQ(v, 0u);
            });
            if (round % 2)
                consumer.join(); // freed before the send starts; else during it
            ASSERT_EQ(I::send(c, &next), LFGO_OK) << "cap " << cap;
            if (consumer.joinable())
                consumer.join();
            next++;
            timespec d = after_ms(1);
            EXPECT_EQ(I::send_until(c, &next, &d), LFGO_TIMEOUT) << "cap " << cap;
            for (uint64_t i = 1; i < next; i++) {
                uint64_t v;
                ASSERT_EQ(I::recv(c, &v), LFGO_OK);
                ASSERT_EQ(v, i) << "cap " << cap;
            }
            I::destroy(c);
        }
    }
}

// The consumer stalls at random (sleeps, or receives a run, or one value)
// so the ring runs nearly full; the producer mixes blocking sends, try_send
// and send_many, then closes.  Every accepted value arrives once, in order.
template <class I> void stalls_exactly_once(size_t cap, int64_t items, unsigned seed)
{
    typename I::chan *c;
    ASSERT_EQ(I::create(&c, sizeof(uint64_t), cap, LFGO_CHAN_SPSC), LFGO_OK);
    std::atomic<int64_t> received{0};
    std::atomic<bool> bad{false};
    std::thread consumer([&] {
        std::mt19937 rng(seed + 1);
        uint64_t expect = 0, buf[64];
        for (;;) {
            unsigned r = rng() % 64;
            if (r == 0)
                std::this_thread::sleep_for(std::chrono::microseconds(rng() % 50));
            size_t n = 1, done = 0;
            lfgo_status st;
            if (r < 16) {
                n = 1 + rng() % 64;
                st = I::recv_many(c, buf, n, &done);
            } else {
                st = I::recv(c, buf);
                done = st == LFGO_OK;
            }
            for (size_t k = 0; k < done; k++)
                if (buf[k] != expect++)
                    bad = true;
            received += (int64_t)done;
            if (st == LFGO_CLOSED)
                return;
            if (st != LFGO_OK)
                bad = true;
        }
    });
    std::mt19937 rng(seed);
    uint64_t next = 0, buf[64];
    while ((int64_t)next < items) {
        unsigned r = rng() % 16;
        if (r == 0) {
            size_t n = 1 + rng() % 64, done = 0;
            for (size_t k = 0; k < n; k++)
                buf[k] = next + k;
            ASSERT_EQ(I::send_many(c, buf, n, &done), LFGO_OK);
            ASSERT_EQ(done, n);
            next += n;
        } else if (r == 1) {
            if (I::try_send(c, &next) == LFGO_OK)
                next++;
        } else {
            ASSERT_EQ(I::send(c, &next), LFGO_OK);
            next++;
        }
    }
    ASSERT_EQ(I::close(c), LFGO_OK);
    consumer.join();
    EXPECT_FALSE(bad.load()) << "a value lost, duplicated or out of order (cap " << cap << ")";
    EXPECT_EQ(received.load(), (int64_t)next) << "cap " << cap;
    I::destroy(c);
}

TYPED_TEST(ChanSpsc, ExactlyOnceWhileTheConsumerStalls)
{
    Watchdog wd(kBudget, "SPSC ring with a stalling consumer");
    for (size_t cap : {size_t{64}, size_t{100}, size_t{1024}})
        for (unsigned seed = 1; seed <= 3; seed++)
            stalls_exactly_once<TypeParam>(cap, scaled(200000), seed * 7919u + (unsigned)cap);
}

} // namespace
