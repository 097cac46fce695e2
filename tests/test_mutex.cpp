// Tests of lfgo_mutex and its pthread twin: every behaviour test is typed over
// both implementations; starvation-mode counters exist only in lfgo.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <lfgo/lfgo.h>

#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::Watchdog;

namespace {

struct LfgoImpl {
    using M = lfgo_mutex;
    static constexpr bool kStarvationMode = true;
    static constexpr bool kCrossThreadUnlock = true;
    static void init(M *m) { lfgo_mutex_init(m); }
    static void destroy(M *m) { lfgo_mutex_destroy(m); }
    static void lock(M *m) { lfgo_mutex_lock(m); }
    static lfgo_status try_lock(M *m) { return lfgo_mutex_try_lock(m); }
    static lfgo_status lock_until(M *m, const timespec *d) { return lfgo_mutex_lock_until(m, d); }
    static void unlock(M *m) { lfgo_mutex_unlock(m); }
    static lfgo_mutex_stats stats(M *m)
    {
        lfgo_mutex_stats s;
        EXPECT_EQ(lfgo_mutex_get_stats(m, &s), LFGO_OK);
        return s;
    }
};

struct TwinImpl {
    using M = lfgo_twin_mutex;
    static constexpr bool kStarvationMode = false;
    static constexpr bool kCrossThreadUnlock = false; // undefined for pthread
    static void init(M *m) { lfgo_twin_mutex_init(m); }
    static void destroy(M *m) { lfgo_twin_mutex_destroy(m); }
    static void lock(M *m) { lfgo_twin_mutex_lock(m); }
    static lfgo_status try_lock(M *m) { return lfgo_twin_mutex_try_lock(m); }
    static lfgo_status lock_until(M *m, const timespec *d) { return lfgo_twin_mutex_lock_until(m, d); }
    static void unlock(M *m) { lfgo_twin_mutex_unlock(m); }
    static lfgo_mutex_stats stats(M *m)
    {
        lfgo_mutex_stats s;
        EXPECT_EQ(lfgo_twin_mutex_get_stats(m, &s), LFGO_OK);
        return s;
    }
};

template <class Impl> class MutexTest : public ::testing::Test {
protected:
    using M = typename Impl::M;
    MutexTest() { Impl::init(&mu); }
    ~MutexTest() override { Impl::destroy(&mu); }
    M mu;
};

using Impls = ::testing::Types<LfgoImpl, TwinImpl>;
class ImplNames {
public:
    template <class T> static std::string GetName(int)
    {
        return std::is_same<T, LfgoImpl>::value ? "lfgo" : "twin";
    }
};
TYPED_TEST_SUITE(MutexTest, Impls, ImplNames);

// T threads each add to a plain counter under the lock, and check inside the
// critical section that nobody else is in it and that two plain fields that
// are updated apart stay equal.
template <class Impl> void exclusion_run(typename Impl::M *mu, int nthreads)
{
    Watchdog wd(kBudget, "mutual exclusion");
    const long total = scaled(4'000'000);
    const long each = total / nthreads;
    long counter = 0, a = 0, b = 0;
    int inside = 0;
    std::atomic<long> violations{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < nthreads; t++)
        ts.emplace_back([&] {
            for (long i = 0; i < each; i++) {
                Impl::lock(mu);
                if (++inside != 1 || a != b)
                    violations.fetch_add(1, std::memory_order_relaxed);
                a++;
                counter++;
                b++;
                inside--;
                Impl::unlock(mu);
            }
        });
    for (auto &t : ts)
        t.join();
    EXPECT_EQ(violations.load(), 0);
    EXPECT_EQ(counter, each * nthreads);
    EXPECT_EQ(a, b);
}

TYPED_TEST(MutexTest, MutualExclusion2Threads) { exclusion_run<TypeParam>(&this->mu, 2); }
TYPED_TEST(MutexTest, MutualExclusion4Threads) { exclusion_run<TypeParam>(&this->mu, 4); }
TYPED_TEST(MutexTest, MutualExclusion8Threads) { exclusion_run<TypeParam>(&this->mu, 8); }

TYPED_TEST(MutexTest, TryLock)
{
    EXPECT_EQ(TypeParam::try_lock(&this->mu), LFGO_OK);
    EXPECT_TRUE(TypeParam::stats(&this->mu).locked);
    std::thread([&] { EXPECT_EQ(TypeParam::try_lock(&this->mu), LFGO_WOULDBLOCK); }).join();
    TypeParam::unlock(&this->mu);
    std::thread([&] {
        EXPECT_EQ(TypeParam::try_lock(&this->mu), LFGO_OK);
        TypeParam::unlock(&this->mu);
    }).join();
    EXPECT_FALSE(TypeParam::stats(&this->mu).locked);
}

TYPED_TEST(MutexTest, LockUntilPastDeadline)
{
    Watchdog wd(kBudget);
    timespec past = lfgo_deadline_after_ns(-1'000'000);
    // Free: a past deadline still tries once and succeeds.
    EXPECT_EQ(TypeParam::lock_until(&this->mu, &past), LFGO_OK);
    // Held: it times out at once.
    auto t0 = std::chrono::steady_clock::now();
    std::thread([&] { EXPECT_EQ(TypeParam::lock_until(&this->mu, &past), LFGO_TIMEOUT); }).join();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    TypeParam::unlock(&this->mu);
}

TYPED_TEST(MutexTest, LockUntilTimesOutAfterDeadline)
{
    Watchdog wd(kBudget);
    TypeParam::lock(&this->mu);
    std::thread([&] {
        auto t0 = std::chrono::steady_clock::now();
        timespec d = lfgo_deadline_after_ns(20'000'000);
        EXPECT_EQ(TypeParam::lock_until(&this->mu, &d), LFGO_TIMEOUT);
        EXPECT_GE(std::chrono::steady_clock::now() - t0, 19ms);
    }).join();
    TypeParam::unlock(&this->mu);
    // The timed-out waiter left no trace: the mutex works normally.
    EXPECT_EQ(TypeParam::try_lock(&this->mu), LFGO_OK);
    TypeParam::unlock(&this->mu);
}

TYPED_TEST(MutexTest, LockUntilSucceedsWhenReleased)
{
    Watchdog wd(kBudget);
    TypeParam::lock(&this->mu);
    std::atomic<bool> got{false};
    std::thread waiter([&] {
        timespec d = lfgo_deadline_after_ns(60'000'000'000);
        EXPECT_EQ(TypeParam::lock_until(&this->mu, &d), LFGO_OK);
        got = true;
        TypeParam::unlock(&this->mu);
    });
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(got.load());
    TypeParam::unlock(&this->mu);
    waiter.join();
    EXPECT_TRUE(got.load());
}

// A sleeping lock() is woken by unlock(), and the critical section's writes
// are visible to it (happens-before through the mutex).
TYPED_TEST(MutexTest, UnlockWakesSleeperAndPublishes)
{
    Watchdog wd(kBudget);
    long data = 0;
    TypeParam::lock(&this->mu);
    std::thread waiter([&] {
        TypeParam::lock(&this->mu);
        EXPECT_EQ(data, 42);
        TypeParam::unlock(&this->mu);
    });
    std::this_thread::sleep_for(30ms); // the waiter is asleep by now
    data = 42;
    TypeParam::unlock(&this->mu);
    waiter.join();
}

// As in Go, a locked mutex is not tied to a thread: unlocking it from
// another thread is allowed.
TYPED_TEST(MutexTest, UnlockFromAnotherThreadIsAllowed)
{
    if (!TypeParam::kCrossThreadUnlock)
        GTEST_SKIP() << "POSIX leaves a cross-thread unlock of a default mutex undefined";
    Watchdog wd(kBudget);
    TypeParam::lock(&this->mu);
    std::thread([&] { TypeParam::unlock(&this->mu); }).join();
    EXPECT_EQ(TypeParam::try_lock(&this->mu), LFGO_OK);
    TypeParam::unlock(&this->mu);
}

// lock() and lock_until() with short deadlines mixed: every success is
// counted exactly once and the timed-out waiters leave the queue cleanly.
TYPED_TEST(MutexTest, TimeoutsMixedWithLocks)
{
    Watchdog wd(kBudget);
    const long iters = scaled(200'000);
    long counter = 0;
    std::atomic<long> successes{0}, timeouts{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; t++)
        ts.emplace_back([&, t] {
            for (long i = 0; i < iters; i++) {
                if (t % 2 == 0) {
                    TypeParam::lock(&this->mu);
                } else {
                    timespec d = lfgo_deadline_after_ns((i % 7) * 3000);
                    if (TypeParam::lock_until(&this->mu, &d) != LFGO_OK) {
                        timeouts.fetch_add(1, std::memory_order_relaxed);
                        continue;
                    }
                }
                counter++;
                successes.fetch_add(1, std::memory_order_relaxed);
                TypeParam::unlock(&this->mu);
            }
        });
    for (auto &t : ts)
        t.join();
    EXPECT_EQ(counter, successes.load());
    EXPECT_EQ(successes.load() + timeouts.load(), 4 * iters);
    EXPECT_EQ(TypeParam::try_lock(&this->mu), LFGO_OK);
    TypeParam::unlock(&this->mu);
}

// Go's TestMutexFairness: a hog re-takes the lock right after releasing it;
// a victim that wants it now and then must still get it.  lfgo enters
// starvation mode (counted), bounds the victim's wait, and leaves the mode
// when the queue drains.  The twin has no such mode: the hog gives up after
// two seconds, so the test only checks that it terminates.
TYPED_TEST(MutexTest, StarvationModeBoundsWait)
{
    Watchdog wd(kBudget);
    std::atomic<bool> stop{false};
    std::thread hog([&] {
        auto end = std::chrono::steady_clock::now() + 2s;
        while (!stop.load(std::memory_order_relaxed) &&
               (TypeParam::kStarvationMode || std::chrono::steady_clock::now() < end)) {
            TypeParam::lock(&this->mu);
            auto until = std::chrono::steady_clock::now() + 100us;
            while (std::chrono::steady_clock::now() < until) {
            }
            TypeParam::unlock(&this->mu);
        }
    });
    std::chrono::nanoseconds longest{0};
    for (int i = 0; i < 20; i++) {
        std::this_thread::sleep_for(200us);
        auto t0 = std::chrono::steady_clock::now();
        TypeParam::lock(&this->mu);
        longest = std::max(longest, std::chrono::steady_clock::now() - t0);
        TypeParam::unlock(&this->mu);
    }
    stop = true;
    hog.join();
    lfgo_mutex_stats s = TypeParam::stats(&this->mu);
    if (TypeParam::kStarvationMode) {
        // Whether the mode engages here depends on who wins the race after a
        // wake (timing); MutexStarvation.EngagesUnderHogsAndEndsWhenDrained
        // forces it.  Here: hand-offs happen only in starvation mode.
        if (s.handoffs > 0) {
            EXPECT_GE(s.starvations, 1u);
        }
        EXPECT_LT(longest, 1s) << "a starved waiter must be served soon after 1 ms";
    } else {
        EXPECT_EQ(s.handoffs, 0u);
    }
    EXPECT_FALSE(s.starving) << "starvation mode must end when the queue drains";
    EXPECT_FALSE(s.locked);
}

// lfgo only (the twin has no such mode): two hogs keep the lock busy; a
// victim that keeps losing after waiting > 1 ms must switch the mutex to
// hand-off, which is counted, and the mode must end once the queue drains.
TEST(MutexStarvation, EngagesUnderHogsAndEndsWhenDrained)
{
    Watchdog wd(kBudget);
    lfgo_mutex mu = LFGO_MUTEX_INIT;
    std::atomic<bool> stop{false};
    auto hog = [&] {
        while (!stop.load(std::memory_order_relaxed)) {
            lfgo_mutex_lock(&mu);
            auto until = std::chrono::steady_clock::now() + 200us;
            while (std::chrono::steady_clock::now() < until) {
            }
            lfgo_mutex_unlock(&mu);
        }
    };
    std::thread h1(hog), h2(hog);
    lfgo_mutex_stats s{};
    auto end = std::chrono::steady_clock::now() + 20s;
    int rounds = 0;
    while (std::chrono::steady_clock::now() < end) {
        lfgo_mutex_lock(&mu);
        lfgo_mutex_unlock(&mu);
        rounds++;
        ASSERT_EQ(lfgo_mutex_get_stats(&mu, &s), LFGO_OK);
        if (s.starvations >= 1 && s.handoffs >= 1 && rounds >= 20)
            break;
    }
    stop = true;
    h1.join();
    h2.join();
    ASSERT_EQ(lfgo_mutex_get_stats(&mu, &s), LFGO_OK);
    EXPECT_GE(s.starvations, 1u) << "starvation mode never engaged in 20 s";
    EXPECT_GE(s.handoffs, 1u);
    EXPECT_FALSE(s.starving) << "starvation mode must end when the queue drains";
    EXPECT_FALSE(s.locked);
}

TYPED_TEST(MutexTest, StaticInitialiser)
{
    static lfgo_mutex m = LFGO_MUTEX_INIT;
    static lfgo_twin_mutex tm = LFGO_TWIN_MUTEX_INIT;
    lfgo_mutex_lock(&m);
    EXPECT_EQ(lfgo_mutex_try_lock(&m), LFGO_WOULDBLOCK);
    lfgo_mutex_unlock(&m);
    lfgo_twin_mutex_lock(&tm);
    EXPECT_EQ(lfgo_twin_mutex_try_lock(&tm), LFGO_WOULDBLOCK);
    lfgo_twin_mutex_unlock(&tm);
}

// ---------------------------------------------------------------- misuse

template <class Impl> class MutexMisuseTest : public MutexTest<Impl> {};
TYPED_TEST_SUITE(MutexMisuseTest, Impls, ImplNames);

TYPED_TEST(MutexMisuseTest, UnlockOfUnlockedMutexDies)
{
    EXPECT_DEATH(TypeParam::unlock(&this->mu), "lfgo: misuse: lfgo_(twin_)?mutex_unlock: unlock of unlocked mutex");
}

TYPED_TEST(MutexMisuseTest, DoubleUnlockDies)
{
    TypeParam::lock(&this->mu);
    TypeParam::unlock(&this->mu);
    EXPECT_DEATH(TypeParam::unlock(&this->mu), "unlock of unlocked mutex");
}

TYPED_TEST(MutexMisuseTest, NullMutexDies)
{
    EXPECT_DEATH(TypeParam::lock(nullptr), "lfgo_(twin_)?mutex_lock: NULL mutex");
    EXPECT_DEATH(TypeParam::unlock(nullptr), "lfgo_(twin_)?mutex_unlock: NULL mutex");
    EXPECT_DEATH(TypeParam::try_lock(nullptr), "lfgo_(twin_)?mutex_try_lock: NULL mutex");
}

TYPED_TEST(MutexMisuseTest, NullDeadlineDies)
{
    EXPECT_DEATH(TypeParam::lock_until(&this->mu, nullptr), "lock_until: NULL deadline");
}

TYPED_TEST(MutexMisuseTest, DestroyLockedDies)
{
    EXPECT_DEATH(
        {
            TypeParam::lock(&this->mu);
            TypeParam::destroy(&this->mu);
        },
        "destroy of a locked mutex");
}

static std::atomic<int> g_misuse_calls{0};
static void counting_handler(const char *, const char *what, void *)
{
    if (std::strstr(what, "unlock of unlocked mutex"))
        g_misuse_calls++;
}

// With a handler that returns, the bad unlock changes nothing.
TYPED_TEST(MutexMisuseTest, ReturningHandlerLeavesMutexUsable)
{
    g_misuse_calls = 0;
    lfgo_misuse_fn prev = lfgo_set_misuse_handler(counting_handler, nullptr);
    TypeParam::unlock(&this->mu);
    lfgo_set_misuse_handler(prev, nullptr);
    EXPECT_EQ(g_misuse_calls.load(), 1);
    EXPECT_EQ(TypeParam::try_lock(&this->mu), LFGO_OK);
    TypeParam::unlock(&this->mu);
}

TEST(MutexTwin, AdaptiveKindWorks)
{
    lfgo_twin_mutex m;
    ASSERT_EQ(lfgo_twin_mutex_init_kind(&m, LFGO_TWIN_MUTEX_ADAPTIVE), LFGO_OK);
    exclusion_run<TwinImpl>(&m, 4);
    lfgo_twin_mutex_destroy(&m);
    EXPECT_EQ(lfgo_twin_mutex_init_kind(&m, (lfgo_twin_mutex_kind)7), LFGO_EINVAL);
}

} // namespace
