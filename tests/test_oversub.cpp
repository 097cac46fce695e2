// Oversubscription: far more threads than cores (this machine has 2), so
// that threads are preempted in the middle of every protocol step and most
// of them are parked at any moment.
//  - 64 senders and 64 receivers on an unbuffered and on a capacity-1
//    channel, lfgo and the twin: every value is received exactly once and
//    each receiver sees each sender's values in the order sent.
//  - 64 threads on one mutex (lock and lock_until), lfgo and the twin:
//    mutual exclusion, checked with a plain (non-atomic) counter, which
//    ThreadSanitizer also watches, and an in-critical-section flag.
// Every test runs under a watchdog; sizes are divided by LFGO_TEST_SCALE in
// sanitizer builds.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <lfgo/mutex.h>
#include <lfgo/twin/mutex.h>

#include "chan_impl.hpp"
#include "support/watchdog.hpp"

namespace {

using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::Watchdog;

constexpr int kThreads = 64;
constexpr int kShift = 40; // item = sender << 40 | sequence number

struct Names {
    template <class T> static std::string GetName(int i) { return i == 0 ? "lfgo" : "twin"; }
};

// ------------------------------------------------------------------ channels

template <class I> class OversubChan : public testing::Test {};
using ChanImpls = testing::Types<lfgo_test::LfgoChan, lfgo_test::TwinChan>;
TYPED_TEST_SUITE(OversubChan, ChanImpls, Names);

template <class I> void receiver(typename I::chan *c, int64_t per, std::vector<std::atomic<uint8_t>> *seen,
                                 std::atomic<int64_t> *disorder, std::atomic<int64_t> *bad)
{
    std::vector<int64_t> last(kThreads, -1);
    for (;;) {
        uint64_t it;
        lfgo_status st = I::recv(c, &it);
        if (st == LFGO_CLOSED)
            return;
        int s = (int)(it >> kShift);
        int64_t q = (int64_t)(it & ((1ull << kShift) - 1));
        if (st != LFGO_OK || s >= kThreads || q >= per) {
            ++*bad;
            return;
        }
        if (q <= last[s])
            ++*disorder;
        last[s] = q;
        (*seen)[(size_t)(s * per + q)].fetch_add(1, std::memory_order_relaxed);
    }
}

template <class I> void senders_receivers(size_t cap, int64_t per)
{
    Watchdog dog(kBudget, "64 senders x 64 receivers, capacity " + std::to_string(cap));
    typename I::chan *c;
    ASSERT_EQ(I::create(&c, sizeof(uint64_t), cap), LFGO_OK);
    std::vector<std::atomic<uint8_t>> seen((size_t)(kThreads * per));
    std::atomic<int64_t> disorder{0}, bad{0};
    std::vector<std::thread> rs, ss;
    for (int r = 0; r < kThreads; r++)
        rs.emplace_back(receiver<I>, c, per, &seen, &disorder, &bad);
    for (int s = 0; s < kThreads; s++)
        ss.emplace_back([&, s] {
            for (int64_t q = 0; q < per; q++) {
                uint64_t it = ((uint64_t)s << kShift) | (uint64_t)q;
                if (I::send(c, &it) != LFGO_OK)
                    ++bad;
            }
        });
    for (auto &t : ss)
        t.join();
    ASSERT_EQ(I::close(c), LFGO_OK);
    for (auto &t : rs)
        t.join();
    I::destroy(c);
    EXPECT_EQ(bad.load(), 0) << "unexpected status or value";
    EXPECT_EQ(disorder.load(), 0) << "a sender's values out of order";
    int64_t lost = 0, dup = 0;
    for (auto &s : seen) {
        lost += s.load() == 0;
        dup += s.load() > 1;
    }
    EXPECT_EQ(lost, 0) << "values lost";
    EXPECT_EQ(dup, 0) << "values received twice";
}

// Per sender: 64 x 1500 = 96,000 values in the plain build.
TYPED_TEST(OversubChan, Unbuffered64x64)
{
    senders_receivers<TypeParam>(0, scaled(1500));
}

TYPED_TEST(OversubChan, Capacity1_64x64)
{
    senders_receivers<TypeParam>(1, scaled(1500));
}

// --------------------------------------------------------------------- mutex

struct LfgoMutex {
    using T = lfgo_mutex;
    static void init(T *m) { lfgo_mutex_init(m); }
    static void destroy(T *m) { lfgo_mutex_destroy(m); }
    static void lock(T *m) { lfgo_mutex_lock(m); }
    static lfgo_status lock_until(T *m, const timespec *d) { return lfgo_mutex_lock_until(m, d); }
    static void unlock(T *m) { lfgo_mutex_unlock(m); }
};
struct TwinMutex {
    using T = lfgo_twin_mutex;
    static void init(T *m) { lfgo_twin_mutex_init(m); }
    static void destroy(T *m) { lfgo_twin_mutex_destroy(m); }
    static void lock(T *m) { lfgo_twin_mutex_lock(m); }
    static lfgo_status lock_until(T *m, const timespec *d) { return lfgo_twin_mutex_lock_until(m, d); }
    static void unlock(T *m) { lfgo_twin_mutex_unlock(m); }
};

template <class M> class OversubMutex : public testing::Test {};
using MutexImpls = testing::Types<LfgoMutex, TwinMutex>;
TYPED_TEST_SUITE(OversubMutex, MutexImpls, Names);

TYPED_TEST(OversubMutex, SixtyFourThreads)
{
    using M = TypeParam;
    Watchdog dog(kBudget, "64-thread mutex");
    typename M::T mu;
    M::init(&mu);
    const long per = scaled(4000);
    uint64_t counter = 0; // guarded by mu, deliberately not atomic
    std::atomic<bool> inside{false};
    std::atomic<int64_t> overlap{0}, timeouts{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; t++)
        ts.emplace_back([&, t] {
            for (long i = 0; i < per; i++) {
                if ((i + t) % 4 == 0) {
                    timespec d = lfgo_deadline_after_ns(60'000'000'000LL);
                    if (M::lock_until(&mu, &d) != LFGO_OK) {
                        ++timeouts;
                        continue;
                    }
                } else {
                    M::lock(&mu);
                }
                if (inside.exchange(true, std::memory_order_relaxed))
                    ++overlap;
                uint64_t v = counter;
                if (i % 16 == 0)
                    std::this_thread::yield(); // let a preemption land inside
                counter = v + 1;
                inside.store(false, std::memory_order_relaxed);
                M::unlock(&mu);
            }
        });
    for (auto &t : ts)
        t.join();
    M::destroy(&mu);
    EXPECT_EQ(timeouts.load(), 0) << "lock_until timed out 60 s early";
    EXPECT_EQ(overlap.load(), 0) << "two threads inside the critical section";
    EXPECT_EQ(counter, (uint64_t)kThreads * (uint64_t)per) << "increments lost";
}

} // namespace
