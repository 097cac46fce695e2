// The pool's Chase-Lev deque alone (lib/pool_deque.h): sequential behaviour,
// then exactly-once under an owner that pushes and takes against thieves
// that steal, in plain builds and under ThreadSanitizer.
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pool_deque.h"
#include "support/watchdog.hpp"

using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::Watchdog;

namespace {

std::unique_ptr<lfgo__deque> make_deque()
{
    std::unique_ptr<lfgo__deque> d(new lfgo__deque);
    lfgo__deque_init(d.get());
    return d;
}

TEST(PoolDeque, OwnerIsLifoThiefIsFifo)
{
    auto d = make_deque();
    for (uintptr_t i = 1; i <= 4; i++)
        ASSERT_TRUE(lfgo__deque_push(d.get(), i));
    uintptr_t x = 0;
    ASSERT_TRUE(lfgo__deque_take(d.get(), &x));
    EXPECT_EQ(x, 4u);
    ASSERT_EQ(lfgo__deque_steal(d.get(), &x), LFGO__STEAL_OK);
    EXPECT_EQ(x, 1u);
    ASSERT_EQ(lfgo__deque_steal(d.get(), &x), LFGO__STEAL_OK);
    EXPECT_EQ(x, 2u);
    ASSERT_TRUE(lfgo__deque_take(d.get(), &x));
    EXPECT_EQ(x, 3u);
    EXPECT_FALSE(lfgo__deque_take(d.get(), &x));
    EXPECT_EQ(lfgo__deque_steal(d.get(), &x), LFGO__STEAL_EMPTY);
    EXPECT_EQ(lfgo__deque_size(d.get()), 0);
}

TEST(PoolDeque, FullPushFailsAndWrapsAround)
{
    auto d = make_deque();
    uintptr_t x = 0;
    for (int round = 0; round < 3; round++) {
        for (uintptr_t i = 0; i < LFGO__DEQUE_CAP; i++)
            ASSERT_TRUE(lfgo__deque_push(d.get(), i + 1));
        EXPECT_FALSE(lfgo__deque_push(d.get(), 999999));
        EXPECT_EQ(lfgo__deque_size(d.get()), LFGO__DEQUE_CAP);
        // Half by stealing (advances top), half by taking.
        for (uintptr_t i = 0; i < LFGO__DEQUE_CAP / 2; i++) {
            ASSERT_EQ(lfgo__deque_steal(d.get(), &x), LFGO__STEAL_OK);
            EXPECT_EQ(x, i + 1);
        }
        for (uintptr_t i = LFGO__DEQUE_CAP; i > LFGO__DEQUE_CAP / 2; i--) {
            ASSERT_TRUE(lfgo__deque_take(d.get(), &x));
            EXPECT_EQ(x, i);
        }
        EXPECT_FALSE(lfgo__deque_take(d.get(), &x));
    }
}

// The owner pushes `n` ids in bursts and takes some back; `thieves` threads
// steal.  Every id must be removed exactly once, and the last-element race
// (owner's take against a steal) is hit often because bursts are short.
void exactly_once(int thieves, long n)
{
    Watchdog dog(kBudget, "deque exactly-once");
    auto d = make_deque();
    std::vector<std::atomic<uint8_t>> seen(static_cast<size_t>(n) + 1);
    std::atomic<bool> stop{false};
    std::atomic<long> stolen{0};
    auto record = [&](uintptr_t x) { seen[x].fetch_add(1, std::memory_order_relaxed); };
    std::vector<std::thread> ts;
    for (int i = 0; i < thieves; i++)
        ts.emplace_back([&] {
            long mine = 0;
            for (;;) {
                uintptr_t x;
                lfgo__steal s = lfgo__deque_steal(d.get(), &x);
                if (s == LFGO__STEAL_OK) {
                    record(x);
                    mine++;
                } else if (s == LFGO__STEAL_EMPTY && stop.load(std::memory_order_acquire)) {
                    break;
                }
            }
            stolen.fetch_add(mine);
        });
    uintptr_t next = 1;
    long taken = 0;
    uint64_t rng = 88172645463325252ull;
    while (next <= static_cast<uintptr_t>(n)) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int burst = 1 + static_cast<int>(rng % 8);
        for (int i = 0; i < burst && next <= static_cast<uintptr_t>(n); i++) {
            if (lfgo__deque_push(d.get(), next))
                next++;
        }
        int takes = static_cast<int>((rng >> 8) % 8);
        uintptr_t x;
        for (int i = 0; i < takes && lfgo__deque_take(d.get(), &x); i++, taken++)
            record(x);
    }
    uintptr_t x;
    while (lfgo__deque_take(d.get(), &x))
        record(x), taken++;
    stop.store(true, std::memory_order_release);
    for (auto &t : ts)
        t.join();
    EXPECT_EQ(taken + stolen.load(), n);
    long bad = 0;
    for (long i = 1; i <= n; i++)
        bad += seen[static_cast<size_t>(i)].load() != 1;
    EXPECT_EQ(bad, 0) << "ids not removed exactly once";
    if (thieves > 0) {
        EXPECT_GT(stolen.load(), 0) << "the thieves never won anything: the test did not race";
    }
}

TEST(PoolDeque, ExactlyOnceOneThief) { exactly_once(1, scaled(4000000)); }
TEST(PoolDeque, ExactlyOnceThreeThieves) { exactly_once(3, scaled(4000000)); }

} // namespace
