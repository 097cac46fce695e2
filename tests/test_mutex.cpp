// Tests of lfgo_mutex and its pthread twin: every behaviour test is typed over
// both implementations; starvation-mode counters exist only in lfgo.
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <lfgo/lfgo.h>
#include <lfgo/twin/twin.h>

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
// a victim that wants it must still get it.  What lfgo's starvation mode
// promises, checked at every unlock rather than with a time bound: an unlock
// made while the mutex is starving hands the lock to the oldest waiter, so
// the hog, once it releases a starving mutex, cannot get the lock back
// before the victim (the only waiter) has had it.  The hog reads `starving`
// while it holds the lock: with the victim queued and waiting without a
// deadline nothing can clear the flag then.  The hog holds the lock 2 ms at
// a time, so a woken victim has waited past the 1 ms threshold and the mode
// engages as soon as it loses a race; the victim goes on until the hog has
// released a starving mutex a few times (or 10 s pass).  Hand-offs happen
// only in starvation mode, and the mode ends when the queue drains.  The
// twin has no such mode: the hog gives up after two seconds, so there the
// test only checks that it terminates and never hands off.
TYPED_TEST(MutexTest, StarvationModeHandsOffBeforeTheHogBarges)
{
    Watchdog wd(kBudget);
    std::atomic<bool> stop{false};
    std::atomic<long> starving_unlocks{0};
    long victim_got = 0; // written and read under the mutex only
    long barged = 0;     // the hog's; read after join
    std::thread hog([&] {
        auto end = std::chrono::steady_clock::now() + 2s;
        while (!stop.load(std::memory_order_relaxed) &&
               (TypeParam::kStarvationMode || std::chrono::steady_clock::now() < end)) {
            TypeParam::lock(&this->mu);
            auto until = std::chrono::steady_clock::now() + 2ms;
            while (std::chrono::steady_clock::now() < until) {
            }
            bool starving = TypeParam::stats(&this->mu).starving;
            long seen = victim_got;
            TypeParam::unlock(&this->mu);
            if (!starving)
                continue;
            starving_unlocks++;
            TypeParam::lock(&this->mu);
            if (victim_got == seen)
                barged++; // re-took a starving mutex ahead of the waiter
            TypeParam::unlock(&this->mu);
        }
    });
    auto give_up = std::chrono::steady_clock::now() + 10s;
    for (int i = 0; i < 20 || (TypeParam::kStarvationMode && starving_unlocks.load() < 3 &&
                               std::chrono::steady_clock::now() < give_up);
         i++) {
        std::this_thread::sleep_for(200us);
        TypeParam::lock(&this->mu);
        victim_got++;
        TypeParam::unlock(&this->mu);
    }
    stop = true;
    hog.join();
    lfgo_mutex_stats s = TypeParam::stats(&this->mu);
    EXPECT_EQ(barged, 0) << "of " << starving_unlocks.load() << " unlocks of a starving mutex";
    if (s.handoffs > 0) {
        EXPECT_GE(s.starvations, 1u) << "hand-offs happen only in starvation mode";
    }
    if (!TypeParam::kStarvationMode) {
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

// Polls `cond` (sleeping 20 us between polls); false if `limit` passes first.
template <class Cond> bool wait_for_cond(Cond cond, std::chrono::milliseconds limit)
{
    auto end = std::chrono::steady_clock::now() + limit;
    while (!cond()) {
        if (std::chrono::steady_clock::now() > end)
            return false;
        std::this_thread::sleep_for(20us);
    }
    return true;
}

// Scheduling helpers for HandsOffInArrivalOrder, all best effort (the test
// only gets more inconclusive attempts when one fails).
void set_policy(pthread_t th, int policy) // SCHED_IDLE / SCHED_OTHER
{
    sched_param p{};
    p.sched_priority = 0;
    (void)pthread_setschedparam(th, policy, &p);
}
void set_affinity(pthread_t th, const cpu_set_t &set)
{
    (void)pthread_setaffinity_np(th, sizeof set, &set);
}
cpu_set_t one_cpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return set;
}

// lfgo only: once starvation mode is on, unlock hands the lock to the waiters
// in the order they queued (Go's FIFO hand-off), whatever order the kernel
// would wake futex sleepers in.  One round:
//  1. main holds the lock; a "starver" S calls lock() and queues (seen
//     through the test hook lfgo__mutex_debug_queued); main keeps the lock
//     2 ms more, so S has waited > 1 ms;
//  2. a barger B spins on try_lock; main unlocks, which wakes S, and B takes
//     the lock first (it is running on the other core, S still has to be
//     woken): S has waited > 1 ms and lost, so it switches the mutex to
//     starvation mode and queues again, at the head.  To make B's win
//     near-certain on a loaded 2-core machine, S runs under SCHED_IDLE and
//     on main's CPU, B on the other CPU, and main busy-waits until B has the
//     lock: S cannot run before B has it unless B is kept off its CPU for a
//     while.  (Without this, whole seconds came where S, woken on the idle
//     CPU, beat a B that shared main's.)  If S wins anyway, the round is
//     inconclusive and runs again;
//  3. K more threads start one at a time, each only after the previous one
//     is seen in the queue, so the arrival order is known;
//  4. B keeps the lock 2 ms more (every waiter has then waited > 1 ms, so no
//     grantee ends the mode early) and unlocks.  Each waiter appends its
//     index under the lock.
// Expected: order S=0, 1, ..., K; one entry into the mode, K+1 hand-offs,
// and afterwards the mode off, the lock free and the queue empty.
TEST(MutexStarvation, HandsOffInArrivalOrder)
{
    Watchdog wd(kBudget, "starvation-mode FIFO hand-off");
    constexpr int K = 4;
    constexpr int kRounds = 5;
    constexpr int kMaxAttempts = 100;
    constexpr auto kLimit = 30s; // for any one condition; the watchdog is the backstop
    cpu_set_t all;
    bool pin = pthread_getaffinity_np(pthread_self(), sizeof all, &all) == 0 && CPU_COUNT(&all) >= 2;
    int cpu0 = -1, cpu1 = -1;
    for (int i = 0; pin && i < CPU_SETSIZE && cpu1 < 0; i++)
        if (CPU_ISSET(i, &all))
            (cpu0 < 0 ? cpu0 : cpu1) = i;
    int conclusive = 0, attempts = 0;
    for (; conclusive < kRounds && attempts < kMaxAttempts && !HasFailure(); attempts++) {
        lfgo_mutex mu;
        lfgo_mutex_init(&mu);
        std::vector<int> order; // appended under mu
        std::atomic<int> started{0};
        std::atomic<bool> starver_got{false}, b_spinning{false}, b_got{false}, b_release{false};
        auto waiter = [&](int idx) {
            if (idx == 0) {
                set_policy(pthread_self(), SCHED_IDLE);
                if (pin)
                    set_affinity(pthread_self(), one_cpu(cpu0));
            }
            started.fetch_add(1);
            lfgo_mutex_lock(&mu);
            order.push_back(idx);
            if (idx == 0)
                starver_got = true;
            lfgo_mutex_unlock(&mu);
        };
        auto barger = [&] {
            if (pin)
                set_affinity(pthread_self(), one_cpu(cpu1));
            b_spinning = true;
            while (lfgo_mutex_try_lock(&mu) != LFGO_OK)
                lfgo_cpu_relax();
            b_got = true;
            while (!b_release.load())
                std::this_thread::sleep_for(20us);
            lfgo_mutex_unlock(&mu);
        };
        // On any exit (a failed ASSERT too): let go of the lock, so that
        // every thread finishes, join them, and unpin main.
        struct Cleanup {
            lfgo_mutex *mu;
            std::atomic<bool> *b_release;
            const cpu_set_t *all;
            bool main_holds;
            std::vector<std::thread> ts;
            ~Cleanup()
            {
                *b_release = true;
                if (main_holds)
                    lfgo_mutex_unlock(mu);
                for (auto &t : ts)
                    t.join();
                if (all)
                    set_affinity(pthread_self(), *all);
            }
        } c{&mu, &b_release, pin ? &all : nullptr, false, {}};
        if (pin)
            set_affinity(pthread_self(), one_cpu(cpu0));
        lfgo_mutex_stats s0{}, s{};
        ASSERT_EQ(lfgo_mutex_get_stats(&mu, &s0), LFGO_OK);

        // 1. S queues behind main.
        lfgo_mutex_lock(&mu);
        c.main_holds = true;
        c.ts.emplace_back(waiter, 0);
        ASSERT_TRUE(wait_for_cond([&] { return lfgo__mutex_debug_queued(&mu) == 1; }, kLimit))
            << "the starver never queued";
        std::this_thread::sleep_for(2ms);

        // 2. Wake S and let B barge ahead of it.
        c.ts.emplace_back(barger);
        ASSERT_TRUE(wait_for_cond([&] { return b_spinning.load(); }, kLimit));
        c.main_holds = false;
        lfgo_mutex_unlock(&mu);
        for (auto t0 = std::chrono::steady_clock::now();
             !b_got.load() && !starver_got.load() && std::chrono::steady_clock::now() - t0 < 1s;)
            lfgo_cpu_relax();
        ASSERT_TRUE(wait_for_cond(
            [&] {
                if (starver_got.load())
                    return true;
                // The queue count first: it takes the queue lock, under which
                // S sets STARVING and counts the entry, so the stats read
                // after it are complete.
                if (!b_got.load() || lfgo__mutex_debug_queued(&mu) != 1)
                    return false;
                lfgo_mutex_get_stats(&mu, &s);
                return (bool)s.starving;
            },
            kLimit))
            << "the starver lost after > 1 ms but starvation mode did not engage";
        if (starver_got.load())
            continue; // S won the race (Cleanup lets B go): try again
        EXPECT_EQ(s.starvations, s0.starvations + 1);
        set_policy(c.ts[0].native_handle(), SCHED_OTHER); // S is queued: normal again
        if (pin)
            set_affinity(c.ts[0].native_handle(), all);

        // 3. K newcomers, in a known order.
        for (int i = 1; i <= K; i++) {
            c.ts.emplace_back(waiter, i);
            ASSERT_TRUE(wait_for_cond(
                [&] { return lfgo__mutex_debug_queued(&mu) == (uint32_t)(i + 1); }, kLimit))
                << "waiter " << i << " never queued";
            ASSERT_EQ(started.load(), i + 1);
        }
        ASSERT_EQ(lfgo_mutex_get_stats(&mu, &s), LFGO_OK);
        EXPECT_TRUE(s.starving) << "newcomers must not end starvation mode";
        EXPECT_EQ(lfgo_mutex_try_lock(&mu), LFGO_WOULDBLOCK);

        // 4. B lets go: the lock must travel down the queue in arrival order.
        std::this_thread::sleep_for(2ms);
        b_release = true;
        for (auto &t : c.ts)
            t.join();
        c.ts.clear();

        std::vector<int> want;
        for (int i = 0; i <= K; i++)
            want.push_back(i);
        EXPECT_EQ(order, want) << "hand-off order differs from arrival order (attempt " << attempts
                               << ")";
        ASSERT_EQ(lfgo_mutex_get_stats(&mu, &s), LFGO_OK);
        EXPECT_EQ(s.starvations, s0.starvations + 1);
        EXPECT_EQ(s.handoffs, s0.handoffs + K + 1) << "every waiter must be handed the lock";
        EXPECT_FALSE(s.starving) << "starvation mode must end when the queue drains";
        EXPECT_FALSE(s.locked);
        EXPECT_EQ(lfgo__mutex_debug_queued(&mu), 0u);
        lfgo_mutex_destroy(&mu);
        conclusive++;
    }
    RecordProperty("inconclusive_attempts", attempts - conclusive);
    EXPECT_EQ(conclusive, kRounds) << "the starver won the wake-up race in " << attempts - conclusive
                                   << " of " << attempts << " attempts";
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
