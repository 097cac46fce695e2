// WaitGroup tests: every behaviour runs on lfgo_wg and on its lock-based
// twin (typed tests); misuse messages are death tests; blocking tests run
// under a watchdog so that a lost wakeup fails instead of hanging.
#include <atomic>
#include <chrono>
#include <climits>
#include <string>
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

struct LfgoWg {
    using T = lfgo_wg;
    static constexpr const char *prefix = "lfgo_wg";
    static void init(T *w) { lfgo_wg_init(w); }
    static void destroy(T *w) { lfgo_wg_destroy(w); }
    static void add(T *w, int64_t d) { lfgo_wg_add(w, d); }
    static void done(T *w) { lfgo_wg_done(w); }
    static void wait(T *w) { lfgo_wg_wait(w); }
    static lfgo_status try_wait(T *w) { return lfgo_wg_try_wait(w); }
    static lfgo_status wait_until(T *w, const timespec *d) { return lfgo_wg_wait_until(w, d); }
    static int32_t count(const T *w) { return lfgo_wg_count(w); }
};

struct TwinWg {
    using T = lfgo_twin_wg;
    static constexpr const char *prefix = "lfgo_twin_wg";
    static void init(T *w) { lfgo_twin_wg_init(w); }
    static void destroy(T *w) { lfgo_twin_wg_destroy(w); }
    static void add(T *w, int64_t d) { lfgo_twin_wg_add(w, d); }
    static void done(T *w) { lfgo_twin_wg_done(w); }
    static void wait(T *w) { lfgo_twin_wg_wait(w); }
    static lfgo_status try_wait(T *w) { return lfgo_twin_wg_try_wait(w); }
    static lfgo_status wait_until(T *w, const timespec *d) { return lfgo_twin_wg_wait_until(w, d); }
    static int32_t count(const T *w) { return lfgo_twin_wg_count(w); }
};

// An initialised WaitGroup that is destroyed at the end of the test.
template <class W> struct Guarded {
    typename W::T wg;
    Guarded() { W::init(&wg); }
    ~Guarded() { W::destroy(&wg); }
};

template <class W> class WaitGroup : public testing::Test {};
using Impls = testing::Types<LfgoWg, TwinWg>;
class ImplNames {
public:
    template <class W> static std::string GetName(int) { return W::prefix; }
};
TYPED_TEST_SUITE(WaitGroup, Impls, ImplNames);

TYPED_TEST(WaitGroup, WaitOnZeroReturnsAtOnce)
{
    Watchdog dog(kBudget);
    Guarded<TypeParam> g;
    TypeParam::wait(&g.wg);
    EXPECT_EQ(TypeParam::try_wait(&g.wg), LFGO_OK);
    EXPECT_EQ(TypeParam::count(&g.wg), 0);
}

TYPED_TEST(WaitGroup, CountFollowsAddAndDone)
{
    Guarded<TypeParam> g;
    TypeParam::add(&g.wg, 3);
    EXPECT_EQ(TypeParam::count(&g.wg), 3);
    TypeParam::done(&g.wg);
    EXPECT_EQ(TypeParam::count(&g.wg), 2);
    TypeParam::add(&g.wg, -2);
    EXPECT_EQ(TypeParam::count(&g.wg), 0);
    TypeParam::add(&g.wg, 0);
    EXPECT_EQ(TypeParam::count(&g.wg), 0);
}

TYPED_TEST(WaitGroup, TryWaitNeverBlocks)
{
    Guarded<TypeParam> g;
    TypeParam::add(&g.wg, 1);
    EXPECT_EQ(TypeParam::try_wait(&g.wg), LFGO_WOULDBLOCK);
    TypeParam::done(&g.wg);
    EXPECT_EQ(TypeParam::try_wait(&g.wg), LFGO_OK);
}

TYPED_TEST(WaitGroup, PastDeadlineTimesOutAtOnce)
{
    Watchdog dog(kBudget);
    Guarded<TypeParam> g;
    timespec past = lfgo_deadline_after_ns(-1000000000);
    EXPECT_EQ(TypeParam::wait_until(&g.wg, &past), LFGO_OK); // zero: no wait needed
    TypeParam::add(&g.wg, 1);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(TypeParam::wait_until(&g.wg, &past), LFGO_TIMEOUT);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    TypeParam::done(&g.wg);
}

TYPED_TEST(WaitGroup, WaitUntilTimesOutThenSucceeds)
{
    Watchdog dog(kBudget);
    Guarded<TypeParam> g;
    TypeParam::add(&g.wg, 1);
    timespec d = lfgo_deadline_after_ns(20 * 1000 * 1000);
    EXPECT_EQ(TypeParam::wait_until(&g.wg, &d), LFGO_TIMEOUT);
    EXPECT_TRUE(lfgo_now().tv_sec > d.tv_sec ||
                (lfgo_now().tv_sec == d.tv_sec && lfgo_now().tv_nsec >= d.tv_nsec));
    // The timed-out waiter's registration must not break the next release.
    std::thread t([&] { TypeParam::wait(&g.wg); });
    std::this_thread::sleep_for(5ms);
    TypeParam::done(&g.wg);
    t.join();
    timespec later = lfgo_deadline_after_ns(1000 * 1000 * 1000);
    EXPECT_EQ(TypeParam::wait_until(&g.wg, &later), LFGO_OK);
}

TYPED_TEST(WaitGroup, DoneReleasesEveryWaiter)
{
    Watchdog dog(kBudget);
    Guarded<TypeParam> g;
    TypeParam::add(&g.wg, 1);
    std::atomic<int> released{0};
    std::vector<std::thread> ws;
    for (int i = 0; i < 8; i++)
        ws.emplace_back([&] {
            TypeParam::wait(&g.wg);
            released++;
        });
    std::this_thread::sleep_for(10ms); // let them sleep (not required for correctness)
    EXPECT_EQ(released.load(), 0);
    TypeParam::done(&g.wg);
    for (auto &t : ws)
        t.join();
    EXPECT_EQ(released.load(), 8);
}

// The contract: writes before done() are visible after wait() returns.
// The data is plain (non-atomic): ThreadSanitizer checks the edge.
TYPED_TEST(WaitGroup, DoneHappensBeforeWaitReturns)
{
    Watchdog dog(kBudget);
    const int kRounds = (int)scaled(2000), kTasks = 4;
    for (int r = 0; r < kRounds; r++) {
        Guarded<TypeParam> g;
        long data[kTasks] = {};
        TypeParam::add(&g.wg, kTasks);
        std::vector<std::thread> ts;
        for (int i = 0; i < kTasks; i++)
            ts.emplace_back([&, i] {
                data[i] = r + i;
                TypeParam::done(&g.wg);
            });
        TypeParam::wait(&g.wg);
        for (int i = 0; i < kTasks; i++)
            ASSERT_EQ(data[i], r + i);
        for (auto &t : ts)
            t.join();
    }
}

TYPED_TEST(WaitGroup, StaticInitialiser)
{
    Watchdog dog(kBudget);
    if constexpr (std::is_same_v<TypeParam, LfgoWg>) {
        static lfgo_wg s = LFGO_WG_INIT;
        lfgo_wg_add(&s, 1);
        std::thread t([] { lfgo_wg_done(&s); });
        lfgo_wg_wait(&s);
        t.join();
        EXPECT_EQ(lfgo_wg_count(&s), 0);
    } else {
        static lfgo_twin_wg s = LFGO_TWIN_WG_INIT;
        lfgo_twin_wg_add(&s, 1);
        std::thread t([] { lfgo_twin_wg_done(&s); });
        lfgo_twin_wg_wait(&s);
        t.join();
        EXPECT_EQ(lfgo_twin_wg_count(&s), 0);
    }
}

// Reuse: a new generation starts while waiters of the previous one may still
// be waking up.  Go calls this misuse; lfgo's epoch design makes it safe.
TYPED_TEST(WaitGroup, ReuseAcrossGenerations)
{
    Watchdog dog(kBudget);
    Guarded<TypeParam> g;
    const int kRounds = (int)scaled(20000);
    std::atomic<int> finished{0};
    for (int r = 0; r < kRounds; r++) {
        TypeParam::add(&g.wg, 1);
        std::thread waiter([&] {
            TypeParam::wait(&g.wg);
            finished++;
        });
        TypeParam::done(&g.wg);
        // Start the next generation before the waiter is known to be out.
        TypeParam::add(&g.wg, 1);
        TypeParam::done(&g.wg);
        waiter.join();
    }
    EXPECT_EQ(finished.load(), kRounds);
}

// Many rounds of fork/join with several waiters and tasks that finish in a
// random order; the watchdog catches a lost wakeup, the counter checks that
// no waiter returned before every task of its round was done.
TYPED_TEST(WaitGroup, StressForkJoinManyWaiters)
{
    Watchdog dog(kBudget, "fork/join rounds");
    Guarded<TypeParam> g;
    const int kRounds = (int)scaled(3000), kTasks = 6, kWaiters = 3;
    std::atomic<int> done_tasks{0};
    std::atomic<bool> early{false};
    for (int r = 0; r < kRounds; r++) {
        done_tasks = 0;
        TypeParam::add(&g.wg, kTasks);
        std::vector<std::thread> ts;
        for (int w = 0; w < kWaiters; w++)
            ts.emplace_back([&] {
                TypeParam::wait(&g.wg);
                if (done_tasks.load() != kTasks)
                    early = true;
            });
        for (int i = 0; i < kTasks; i++)
            ts.emplace_back([&, i] {
                if ((i + r) % 3 == 0)
                    std::this_thread::yield();
                done_tasks++;
                TypeParam::done(&g.wg);
            });
        for (auto &t : ts)
            t.join();
        ASSERT_FALSE(early.load()) << "a waiter returned before all tasks were done, round " << r;
    }
}

// Timed waiters racing with the release: each either times out while the
// counter is still positive, or returns OK after it reached zero.
TYPED_TEST(WaitGroup, StressTimedWaitersRaceRelease)
{
    Watchdog dog(kBudget, "timed waiters");
    Guarded<TypeParam> g;
    const int kRounds = (int)scaled(3000);
    for (int r = 0; r < kRounds; r++) {
        std::atomic<bool> released{false};
        TypeParam::add(&g.wg, 1);
        std::thread w([&] {
            timespec d = lfgo_deadline_after_ns((r % 5) * 20000);
            lfgo_status s = TypeParam::wait_until(&g.wg, &d);
            if (s == LFGO_OK)
                EXPECT_TRUE(released.load());
            else
                EXPECT_EQ(s, LFGO_TIMEOUT);
        });
        if (r % 2)
            std::this_thread::yield();
        released = true;
        TypeParam::done(&g.wg);
        w.join();
        TypeParam::wait(&g.wg);
    }
}

// Lifetime: once a wait returns OK the WaitGroup may be freed at once, even
// when a timed-out waiter left the waiter bit set and the last done() is
// still releasing.  Heap objects, so AddressSanitizer sees a late write.
TYPED_TEST(WaitGroup, FreeRightAfterWaitReturns)
{
    Watchdog dog(kBudget, "free after wait");
    const int kRounds = (int)scaled(20000);
    for (int r = 0; r < kRounds; r++) {
        auto *wg = new typename TypeParam::T;
        TypeParam::init(wg);
        TypeParam::add(wg, 1);
        timespec d = lfgo_deadline_after_ns(1000);
        lfgo_status s0 = TypeParam::wait_until(wg, &d); // leaves the waiter bit set
        ASSERT_TRUE(s0 == LFGO_TIMEOUT || s0 == LFGO_OK);
        std::thread t([wg] { TypeParam::done(wg); });
        if (r % 2) {
            while (TypeParam::try_wait(wg) != LFGO_OK) // (yield: on a loaded 2-core
                std::this_thread::yield();             // machine t needs the CPU)
        } else {
            TypeParam::wait(wg);
        }
        TypeParam::destroy(wg);
        delete wg; // the done() above may not have returned yet
        t.join();
    }
}

// ---- misuse --------------------------------------------------------------

template <class W> void negative_counter()
{
    typename W::T wg;
    W::init(&wg);
    W::done(&wg);
}

TEST(WaitGroupMisuse, NegativeCounterDies)
{
    EXPECT_DEATH(negative_counter<LfgoWg>(), "lfgo: misuse: lfgo_wg_add: negative WaitGroup counter");
    EXPECT_DEATH(negative_counter<TwinWg>(), "lfgo: misuse: lfgo_twin_wg_add: negative WaitGroup counter");
}

template <class W> void overflow_counter()
{
    typename W::T wg;
    W::init(&wg);
    W::add(&wg, INT32_MAX);
    W::add(&wg, 1);
}

TEST(WaitGroupMisuse, OverflowDies)
{
    EXPECT_DEATH(overflow_counter<LfgoWg>(), "lfgo_wg_add: WaitGroup counter overflow");
    EXPECT_DEATH(overflow_counter<TwinWg>(), "lfgo_twin_wg_add: WaitGroup counter overflow");
    lfgo_wg a;
    lfgo_wg_init(&a);
    EXPECT_DEATH(lfgo_wg_add(&a, (int64_t)INT32_MAX + 1), "lfgo_wg_add: WaitGroup counter overflow");
    EXPECT_DEATH(lfgo_wg_add(&a, (int64_t)INT32_MIN - 1), "lfgo_wg_add: WaitGroup counter overflow");
    lfgo_twin_wg b = LFGO_TWIN_WG_INIT;
    EXPECT_DEATH(lfgo_twin_wg_add(&b, (int64_t)INT32_MAX + 1), "WaitGroup counter overflow");
}

TEST(WaitGroupMisuse, NullObjectsDie)
{
    EXPECT_DEATH(lfgo_wg_add(nullptr, 1), "lfgo_wg_add: NULL WaitGroup");
    EXPECT_DEATH(lfgo_wg_done(nullptr), "lfgo_wg_add: NULL WaitGroup");
    EXPECT_DEATH(lfgo_wg_wait(nullptr), "lfgo_wg_wait: NULL WaitGroup");
    EXPECT_DEATH(lfgo_wg_try_wait(nullptr), "lfgo_wg_try_wait: NULL WaitGroup");
    EXPECT_DEATH(lfgo_wg_init(nullptr), "lfgo_wg_init: NULL WaitGroup");
    EXPECT_DEATH(lfgo_wg_destroy(nullptr), "lfgo_wg_destroy: NULL WaitGroup");
    EXPECT_DEATH(lfgo_wg_count(nullptr), "lfgo_wg_count: NULL WaitGroup");
    timespec d = lfgo_now();
    EXPECT_DEATH(lfgo_wg_wait_until(nullptr, &d), "lfgo_wg_wait_until: NULL WaitGroup");
    lfgo_wg wg = LFGO_WG_INIT;
    EXPECT_DEATH(lfgo_wg_wait_until(&wg, nullptr), "lfgo_wg_wait_until: NULL deadline");
    EXPECT_DEATH(lfgo_twin_wg_add(nullptr, 1), "lfgo_twin_wg_add: NULL WaitGroup");
    EXPECT_DEATH(lfgo_twin_wg_wait(nullptr), "lfgo_twin_wg_wait: NULL WaitGroup");
    lfgo_twin_wg tw = LFGO_TWIN_WG_INIT;
    EXPECT_DEATH(lfgo_twin_wg_wait_until(&tw, nullptr), "lfgo_twin_wg_wait_until: NULL deadline");
}

TEST(WaitGroupMisuse, DestroyWithNonzeroCounterDies)
{
    lfgo_wg a = LFGO_WG_INIT;
    lfgo_wg_add(&a, 1);
    EXPECT_DEATH(lfgo_wg_destroy(&a), "lfgo_wg_destroy: WaitGroup destroyed with a nonzero counter");
    lfgo_twin_wg b = LFGO_TWIN_WG_INIT;
    lfgo_twin_wg_add(&b, 1);
    EXPECT_DEATH(lfgo_twin_wg_destroy(&b), "lfgo_twin_wg_destroy: WaitGroup destroyed with a nonzero counter");
    lfgo_wg_done(&a);
    lfgo_twin_wg_done(&b);
}

TEST(WaitGroupMisuse, InvalidDeadlineDies)
{
    lfgo_wg a = LFGO_WG_INIT;
    lfgo_wg_add(&a, 1);
    timespec bad = {0, 1000000000};
    EXPECT_DEATH(lfgo_wg_wait_until(&a, &bad), "lfgo_wg_wait_until: invalid deadline");
    lfgo_twin_wg b = LFGO_TWIN_WG_INIT;
    lfgo_twin_wg_add(&b, 1);
    EXPECT_DEATH(lfgo_twin_wg_wait_until(&b, &bad), "lfgo_twin_wg_wait_until: invalid deadline");
    lfgo_wg_done(&a);
    lfgo_twin_wg_done(&b);
}

// White box: destroying while the last done() is between its decrement and
// the release of the waiters.
TEST(WaitGroupMisuse, DestroyDuringReleaseDies)
{
    lfgo_wg wg = LFGO_WG_INIT;
    wg.state.store(LFGO__WG_WAITER); // counter 0, release in progress
    EXPECT_DEATH(lfgo_wg_destroy(&wg), "lfgo_wg_destroy: WaitGroup destroyed while its last done\\(\\) is still releasing");
    EXPECT_EQ(lfgo_wg_try_wait(&wg), LFGO_WOULDBLOCK);
}

// White box: an Add from zero while the releaser of the previous generation
// has not yet cleared the waiter bit is Go's "Add called concurrently with
// Wait".  The state is forced into that window.
TEST(WaitGroupMisuse, AddConcurrentWithWaitDies)
{
    lfgo_wg wg = LFGO_WG_INIT;
    wg.state.store(LFGO__WG_WAITER); // counter 0, waiter bit still set
    EXPECT_DEATH(lfgo_wg_add(&wg, 1), "lfgo_wg_add: WaitGroup misuse: Add called concurrently with Wait");
}

// A handler that returns: the call returns and the counter is unchanged.
struct Recorded {
    std::string func, what;
    int calls = 0;
};

static void record(const char *func, const char *what, void *ctx)
{
    auto *r = static_cast<Recorded *>(ctx);
    r->func = func;
    r->what = what;
    r->calls++;
}

TEST(WaitGroupMisuse, ReturningHandlerLeavesCounterUnchanged)
{
    Recorded rec;
    EXPECT_EQ(lfgo_set_misuse_handler(record, &rec), nullptr);
    lfgo_wg wg = LFGO_WG_INIT;
    lfgo_wg_add(&wg, 2);
    lfgo_wg_add(&wg, -3);
    EXPECT_EQ(rec.calls, 1);
    EXPECT_EQ(rec.func, "lfgo_wg_add");
    EXPECT_EQ(rec.what, "negative WaitGroup counter");
    EXPECT_EQ(lfgo_wg_count(&wg), 2);
    EXPECT_EQ(lfgo_wg_try_wait(nullptr), LFGO_MISUSE);
    EXPECT_EQ(rec.calls, 2);
    EXPECT_EQ(lfgo_set_misuse_handler(nullptr, nullptr), record);
    lfgo_wg_add(&wg, -2);
}

// White box: with nobody waiting, add/done never set the waiter bit, so the
// inline fast path returns without calling into the library (no syscall).
TEST(WaitGroupFastPath, NoWaiterBitWithoutWaiters)
{
    lfgo_wg wg = LFGO_WG_INIT;
    for (int i = 0; i < 1000; i++) {
        lfgo_wg_add(&wg, 1);
        lfgo_wg_done(&wg);
    }
    EXPECT_EQ(wg.state.load(), 0u); // no waiter bit, epoch 0: nothing was ever woken
}

TEST(Deadline, AfterNsNormalises)
{
    timespec a = lfgo_deadline_after_ns(1500000000);
    timespec n = lfgo_now();
    EXPECT_GE(a.tv_nsec, 0);
    EXPECT_LT(a.tv_nsec, 1000000000);
    EXPECT_GE(a.tv_sec, n.tv_sec + 1);
    timespec b = lfgo_deadline_after_ns(-1500000000);
    EXPECT_GE(b.tv_nsec, 0);
    EXPECT_LT(b.tv_nsec, 1000000000);
    EXPECT_LE(b.tv_sec, n.tv_sec - 1);
}

TEST(Status, Names)
{
    EXPECT_STREQ(lfgo_status_str(LFGO_OK), "LFGO_OK");
    EXPECT_STREQ(lfgo_status_str(LFGO_WOULDBLOCK), "LFGO_WOULDBLOCK");
    EXPECT_STREQ(lfgo_status_str(LFGO_TIMEOUT), "LFGO_TIMEOUT");
    EXPECT_STREQ(lfgo_status_str(LFGO_CLOSED), "LFGO_CLOSED");
    EXPECT_STREQ(lfgo_status_str(LFGO_EINVAL), "LFGO_EINVAL");
    EXPECT_STREQ(lfgo_status_str(LFGO_ENOMEM), "LFGO_ENOMEM");
    EXPECT_STREQ(lfgo_status_str(LFGO_MISUSE), "LFGO_MISUSE");
    EXPECT_STREQ(lfgo_status_str((lfgo_status)99), "LFGO_?");
}

} // namespace
