// SizedWaitGroup tests: every behaviour test runs on lfgo_swg and on its
// lock-based twin (typed tests); every misuse message has a death test; every
// blocking test runs under a watchdog, so a lost wakeup fails instead of
// hanging.  The stress tests hunt for GCC PR98033's bug (a burst of releases
// waking fewer waiters than slots freed) and check that no more than `limit`
// tasks are ever in flight and that every task runs exactly once.
#include <gtest/gtest.h>

#include <lfgo/swg.h>
#include <lfgo/twin/swg.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/watchdog.hpp"

namespace {

using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::Watchdog;
using namespace std::chrono_literals;

// ------------------------------------------------------------ the two impls

struct Lfgo {
    using T = lfgo_swg;
    static constexpr const char *name = "lfgo_swg";
    static lfgo_status init(T *s, int64_t l) { return lfgo_swg_init(s, l); }
    static void destroy(T *s) { lfgo_swg_destroy(s); }
    static void add(T *s) { lfgo_swg_add(s); }
    static lfgo_status try_add(T *s) { return lfgo_swg_try_add(s); }
    static lfgo_status add_until(T *s, const timespec *d) { return lfgo_swg_add_until(s, d); }
    static void done(T *s) { lfgo_swg_done(s); }
    static void wait(T *s) { lfgo_swg_wait(s); }
    static lfgo_status try_wait(T *s) { return lfgo_swg_try_wait(s); }
    static lfgo_status wait_until(T *s, const timespec *d) { return lfgo_swg_wait_until(s, d); }
    static int64_t in_flight(const T *s) { return lfgo_swg_in_flight(s); }
    static T &static3() { static T s = LFGO_SWG_INIT(3); return s; }
    static T &static_unlimited() { static T s = LFGO_SWG_INIT(-5); return s; }
};

struct Twin {
    using T = lfgo_twin_swg;
    static constexpr const char *name = "lfgo_twin_swg";
    static lfgo_status init(T *s, int64_t l) { return lfgo_twin_swg_init(s, l); }
    static void destroy(T *s) { lfgo_twin_swg_destroy(s); }
    static void add(T *s) { lfgo_twin_swg_add(s); }
    static lfgo_status try_add(T *s) { return lfgo_twin_swg_try_add(s); }
    static lfgo_status add_until(T *s, const timespec *d) { return lfgo_twin_swg_add_until(s, d); }
    static void done(T *s) { lfgo_twin_swg_done(s); }
    static void wait(T *s) { lfgo_twin_swg_wait(s); }
    static lfgo_status try_wait(T *s) { return lfgo_twin_swg_try_wait(s); }
    static lfgo_status wait_until(T *s, const timespec *d) { return lfgo_twin_swg_wait_until(s, d); }
    static int64_t in_flight(const T *s) { return lfgo_twin_swg_in_flight(s); }
    static T &static3() { static T s = LFGO_TWIN_SWG_INIT(3); return s; }
    static T &static_unlimited() { static T s = LFGO_TWIN_SWG_INIT(-5); return s; }
};

// An initialised object on the heap (C++17 new honours lfgo_swg's alignment).
template <class P> struct Obj {
    std::unique_ptr<typename P::T> p{new typename P::T};
    explicit Obj(int64_t limit) { EXPECT_EQ(P::init(p.get(), limit), LFGO_OK); }
    ~Obj() { P::destroy(p.get()); }
    typename P::T *operator->() { return p.get(); }
    typename P::T *get() { return p.get(); }
};

// Stress sizes: lfgo_test::scaled(n), times 4 in the scaled-down builds
// (sanitizers, fallback), where this file's full run still takes well under a
// minute, so that TSan sees more rounds of the wakeup hunts.
constexpr long stress(long n)
{
    return LFGO_TEST_SCALE > 1 ? scaled(n) * 4 : n;
}

int64_t ms_since(const timespec &t0)
{
    timespec t = lfgo_now();
    return (int64_t)(t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
}

bool passed(const timespec &d)
{
    timespec t = lfgo_now();
    return t.tv_sec > d.tv_sec || (t.tv_sec == d.tv_sec && t.tv_nsec >= d.tv_nsec);
}

// Keeps the maximum of a counter that threads raise and lower.
struct MaxTracker {
    std::atomic<int64_t> cur{0}, max{0};
    void up()
    {
        int64_t v = cur.fetch_add(1) + 1;
        int64_t m = max.load();
        while (v > m && !max.compare_exchange_weak(m, v)) {
        }
    }
    void down() { cur.fetch_sub(1); }
};

// Spins (yielding) until pred() holds.
template <class F> void spin_until(F pred)
{
    while (!pred())
        std::this_thread::yield();
}

template <class P> class SwgTest : public ::testing::Test {};
template <class P> class SwgDeathTest : public ::testing::Test {};
using Impls = ::testing::Types<Lfgo, Twin>;
struct ImplNames {
    template <class P> static std::string GetName(int) { return P::name; }
};
TYPED_TEST_SUITE(SwgTest, Impls, ImplNames);
TYPED_TEST_SUITE(SwgDeathTest, Impls, ImplNames);

// ------------------------------------------------------------ init and limits

TYPED_TEST(SwgTest, InitRejectsBadArguments)
{
    using P = TypeParam;
    EXPECT_EQ(P::init(nullptr, 6), LFGO_EINVAL);
    typename P::T s;
    EXPECT_EQ(P::init(&s, (int64_t)INT32_MAX + 1), LFGO_EINVAL);
    EXPECT_EQ(P::init(&s, INT64_MAX), LFGO_EINVAL);
}

TYPED_TEST(SwgTest, InitAcceptsEveryValidLimit)
{
    using P = TypeParam;
    for (int64_t limit : {(int64_t)1, (int64_t)6, (int64_t)INT32_MAX, (int64_t)0, (int64_t)-1,
                          (int64_t)INT64_MIN}) {
        Obj<P> s(limit);
        EXPECT_EQ(P::in_flight(s.get()), 0);
        EXPECT_EQ(P::try_wait(s.get()), LFGO_OK);
        EXPECT_EQ(P::try_add(s.get()), LFGO_OK);
        EXPECT_EQ(P::in_flight(s.get()), 1);
        P::done(s.get());
    }
}

TYPED_TEST(SwgTest, StaticInitialiser)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    typename P::T &s = P::static3();
    for (int i = 0; i < 3; i++)
        EXPECT_EQ(P::try_add(&s), LFGO_OK);
    EXPECT_EQ(P::try_add(&s), LFGO_WOULDBLOCK);
    for (int i = 0; i < 3; i++)
        P::done(&s);
    P::wait(&s);
    EXPECT_EQ(P::in_flight(&s), 0);
    typename P::T &u = P::static_unlimited();
    for (int i = 0; i < 1000; i++)
        P::add(&u);
    EXPECT_EQ(P::in_flight(&u), 1000);
    for (int i = 0; i < 1000; i++)
        P::done(&u);
    EXPECT_EQ(P::try_wait(&u), LFGO_OK);
}

// ------------------------------------------------------------ single thread

TYPED_TEST(SwgTest, TryAddStopsAtTheLimit)
{
    using P = TypeParam;
    Obj<P> s(6);
    for (int i = 1; i <= 6; i++) {
        EXPECT_EQ(P::try_add(s.get()), LFGO_OK);
        EXPECT_EQ(P::in_flight(s.get()), i);
        EXPECT_EQ(P::try_wait(s.get()), LFGO_WOULDBLOCK);
    }
    EXPECT_EQ(P::try_add(s.get()), LFGO_WOULDBLOCK);
    EXPECT_EQ(P::in_flight(s.get()), 6);
    P::done(s.get());
    EXPECT_EQ(P::in_flight(s.get()), 5);
    EXPECT_EQ(P::try_add(s.get()), LFGO_OK);
    EXPECT_EQ(P::try_add(s.get()), LFGO_WOULDBLOCK);
    for (int i = 6; i >= 1; i--) {
        EXPECT_EQ(P::try_wait(s.get()), LFGO_WOULDBLOCK);
        P::done(s.get());
        EXPECT_EQ(P::in_flight(s.get()), i - 1);
    }
    EXPECT_EQ(P::try_wait(s.get()), LFGO_OK);
}

TYPED_TEST(SwgTest, AddDoesNotBlockBelowTheLimit)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    Obj<P> s(4);
    for (int round = 0; round < 1000; round++) {
        for (int i = 0; i < 4; i++)
            P::add(s.get());
        for (int i = 0; i < 4; i++)
            P::done(s.get());
    }
    P::wait(s.get());
    EXPECT_EQ(P::in_flight(s.get()), 0);
}

TYPED_TEST(SwgTest, UnlimitedNeverBlocks)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    for (int64_t limit : {0, -1}) {
        Obj<P> s(limit);
        const int n = 100000;
        for (int i = 0; i < n; i++)
            P::add(s.get());
        EXPECT_EQ(P::try_add(s.get()), LFGO_OK);
        EXPECT_EQ(P::in_flight(s.get()), n + 1);
        for (int i = 0; i <= n; i++)
            P::done(s.get());
        P::wait(s.get());
    }
}

TYPED_TEST(SwgTest, PastDeadlineTriesOnce)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    Obj<P> s(2);
    timespec past = lfgo_deadline_after_ns(-1000000);
    timespec epoch0 = {0, 0};
    EXPECT_EQ(P::add_until(s.get(), &past), LFGO_OK); // a free slot is taken
    EXPECT_EQ(P::add_until(s.get(), &epoch0), LFGO_OK);
    timespec t0 = lfgo_now();
    EXPECT_EQ(P::add_until(s.get(), &past), LFGO_TIMEOUT); // full: at once
    EXPECT_EQ(P::add_until(s.get(), &epoch0), LFGO_TIMEOUT);
    EXPECT_LT(ms_since(t0), 1000);
    EXPECT_EQ(P::in_flight(s.get()), 2);
    EXPECT_EQ(P::wait_until(s.get(), &past), LFGO_TIMEOUT);
    P::done(s.get());
    P::done(s.get());
    EXPECT_EQ(P::wait_until(s.get(), &past), LFGO_OK);
}

TYPED_TEST(SwgTest, AddUntilTimesOutWhenFull)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    Obj<P> s(1);
    P::add(s.get());
    timespec t0 = lfgo_now();
    timespec d = lfgo_deadline_after_ns(50 * 1000000);
    EXPECT_EQ(P::add_until(s.get(), &d), LFGO_TIMEOUT);
    EXPECT_GE(ms_since(t0), 49);
    EXPECT_EQ(P::in_flight(s.get()), 1);
    P::done(s.get());
    EXPECT_EQ(P::try_wait(s.get()), LFGO_OK);
}

// ------------------------------------------------------------ blocking

TYPED_TEST(SwgTest, AddBlocksUntilADoneFreesASlot)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    Obj<P> s(2);
    P::add(s.get());
    P::add(s.get());
    std::atomic<bool> added{false};
    std::thread t([&] {
        P::add(s.get());
        added = true;
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(added.load()) << "add() returned with every slot taken";
    EXPECT_EQ(P::in_flight(s.get()), 2);
    P::done(s.get());
    t.join();
    EXPECT_TRUE(added.load());
    EXPECT_EQ(P::in_flight(s.get()), 2);
    P::done(s.get());
    P::done(s.get());
    P::wait(s.get());
}

TYPED_TEST(SwgTest, AddUntilSucceedsWhenASlotIsFreedInTime)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    Obj<P> s(1);
    P::add(s.get());
    std::thread t([&] {
        std::this_thread::sleep_for(20ms);
        P::done(s.get());
    });
    timespec d = lfgo_deadline_after_ns(60LL * 1000000000);
    EXPECT_EQ(P::add_until(s.get(), &d), LFGO_OK);
    t.join();
    EXPECT_EQ(P::in_flight(s.get()), 1);
    P::done(s.get());
    P::wait(s.get());
}

// What a task writes before done() is visible after wait() (TSan checks the
// happens-before edge: the writes are plain).
TYPED_TEST(SwgTest, WaitSeesEveryTasksWrites)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    Obj<P> s(3);
    for (int round = 0; round < 50; round++) {
        int results[8] = {0};
        std::vector<std::thread> ts;
        for (int i = 0; i < 8; i++) {
            P::add(s.get());
            ts.emplace_back([&, i] {
                results[i] = i + 1;
                P::done(s.get());
            });
        }
        P::wait(s.get());
        for (int i = 0; i < 8; i++)
            EXPECT_EQ(results[i], i + 1);
        for (auto &t : ts)
            t.join();
    }
}

TYPED_TEST(SwgTest, WaitBlocksUntilEveryTaskIsDone)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    Obj<P> s(4);
    P::wait(s.get()); // nothing in flight: at once
    for (int i = 0; i < 3; i++)
        P::add(s.get());
    EXPECT_EQ(P::try_wait(s.get()), LFGO_WOULDBLOCK);
    timespec t0 = lfgo_now();
    timespec d = lfgo_deadline_after_ns(30 * 1000000);
    EXPECT_EQ(P::wait_until(s.get(), &d), LFGO_TIMEOUT);
    EXPECT_GE(ms_since(t0), 29);
    std::atomic<bool> waited{false};
    std::thread w([&] {
        P::wait(s.get());
        waited = true;
    });
    for (int i = 0; i < 3; i++) {
        std::this_thread::sleep_for(10ms);
        EXPECT_FALSE(waited.load());
        P::done(s.get());
    }
    w.join();
    EXPECT_TRUE(waited.load());
    d = lfgo_deadline_after_ns(30 * 1000000);
    EXPECT_EQ(P::wait_until(s.get(), &d), LFGO_OK);
}

// With limit 1 the SizedWaitGroup is a lock: a done() happens-before the add()
// that takes its slot, so the plain counter below is race-free (TSan checks
// that edge) and no update is lost.
TYPED_TEST(SwgTest, DoneHappensBeforeTheAddThatTakesItsSlot)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    Obj<P> s(1);
    const int threads = 4;
    const long iters = stress(50000);
    long counter = 0;
    MaxTracker mt;
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; t++)
        ts.emplace_back([&, t] {
            timespec never = lfgo_deadline_after_ns(3600LL * 1000000000);
            for (long i = 0; i < iters; i++) {
                if ((i + t) % 3 == 0)
                    P::add(s.get());
                else if ((i + t) % 3 == 1)
                    EXPECT_EQ(P::add_until(s.get(), &never), LFGO_OK);
                else
                    while (P::try_add(s.get()) != LFGO_OK)
                        std::this_thread::yield();
                mt.up();
                counter++;
                mt.down();
                P::done(s.get());
            }
        });
    for (auto &t : ts)
        t.join();
    P::wait(s.get());
    EXPECT_EQ(counter, threads * iters);
    EXPECT_EQ(mt.max.load(), 1);
}

// Many threads race try_add/done: the limit holds at every instant.
TYPED_TEST(SwgTest, ConcurrentTryAddNeverExceedsTheLimit)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    const int64_t limit = 3;
    Obj<P> s(limit);
    MaxTracker mt;
    std::atomic<long> ok{0};
    const long iters = stress(100000);
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; t++)
        ts.emplace_back([&] {
            for (long i = 0; i < iters; i++) {
                if (P::try_add(s.get()) != LFGO_OK)
                    continue;
                mt.up();
                ok++;
                mt.down();
                P::done(s.get());
            }
        });
    for (auto &t : ts)
        t.join();
    P::wait(s.get());
    EXPECT_LE(mt.max.load(), limit);
    EXPECT_GT(ok.load(), 0);
    EXPECT_EQ(P::in_flight(s.get()), 0);
}

// ------------------------------------------------------------ PR98033 hunt

// One round: the main thread holds every slot; 2*limit adders block in add();
// `limit` doers call done() at the same instant; exactly `limit` adders must
// get in; a second burst lets the other `limit` in.  A release that wakes one
// adder for several freed slots (GCC PR98033) leaves an adder asleep with a
// slot free, and the watchdog fails the test.
template <class P> void burst_rounds(int limit, long rounds, unsigned seed)
{
    Obj<P> s(limit);
    const int adders = 2 * limit;
    std::atomic<long> adder_round{0}, doer_round{0}, got{0}, doers_done{0};
    std::atomic<bool> stop{false};
    MaxTracker inside; // adders holding a slot this round
    std::vector<std::thread> ts;
    for (int a = 0; a < adders; a++)
        ts.emplace_back([&] {
            for (long r = 1;; r++) {
                spin_until([&] { return adder_round.load() >= r || stop.load(); });
                if (stop.load())
                    return;
                P::add(s.get());
                inside.up();
                got++;
            }
        });
    for (int d = 0; d < limit; d++)
        ts.emplace_back([&] {
            for (long r = 1;; r++) {
                spin_until([&] { return doer_round.load() >= r || stop.load(); });
                if (stop.load())
                    return;
                inside.down();
                P::done(s.get());
                doers_done++;
            }
        });
    std::mt19937 rng(seed);
    for (int i = 0; i < limit; i++)
        P::add(s.get()); // the first holders
    for (int i = 0; i < limit; i++)
        inside.up();
    long bursts = 0;
    for (long r = 1; r <= rounds; r++) {
        adder_round.store(r);
        for (int burst = 1; burst <= 2; burst++) {
            // Let the adders spin, register, or park: vary the moment.
            unsigned settle = rng() % 4;
            if (settle == 1)
                std::this_thread::yield();
            else if (settle >= 2)
                std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
            bursts++;
            doer_round.store(bursts);
            spin_until([&] { return doers_done.load() == bursts * limit; });
            spin_until([&] { return got.load() >= bursts * limit; });
            if (got.load() != bursts * limit || inside.max.load() > limit) {
                // Adders may be blocked for good now: report and leave.
                std::fprintf(stderr, "%s: limit %d, burst %ld: %ld adders got in for %ld slots,"
                                     " max in flight %ld\n", P::name, limit, bursts,
                             got.load(), bursts * limit, (long)inside.max.load());
                std::_Exit(1);
            }
        }
    }
    stop = true;
    for (auto &t : ts)
        t.join();
    EXPECT_EQ(P::in_flight(s.get()), limit);
    for (int i = 0; i < limit; i++)
        P::done(s.get());
    P::wait(s.get());
    EXPECT_LE(inside.max.load(), limit);
    if constexpr (std::is_same_v<P, Lfgo>) {
        EXPECT_EQ(lfgo_atomic_load(&s->slots, memory_order_seq_cst) >> 32, 0u)
            << "an adder is still registered as a sleeper";
    }
}

TYPED_TEST(SwgTest, BurstOfDonesWakesEveryBlockedAdder)
{
    Watchdog wd(kBudget, "adders blocked in add() after a burst of done()s");
    for (int limit : {1, 2, 4})
        burst_rounds<TypeParam>(limit, stress(8000), 1234u + (unsigned)limit);
}

// A done() wakes one parked adder; if that adder's deadline passes at the
// same moment, it must still take the slot (or leave it to whoever did), not
// return LFGO_TIMEOUT with the slot free while a plain add() sleeps on.  Each
// round: the main thread holds the only slot; one plain adder and three
// add_until adders (deadlines around the moment of the done) block; then the
// main thread calls done().  The plain adder must get in.
template <class P> void timeout_rounds(long rounds)
{
    Obj<P> s(1);
    std::atomic<long> round{0}, plain_in{0}, timed_finished{0};
    std::atomic<bool> stop{false};
    std::atomic<long> timed_ok{0}, timed_out{0};
    timespec deadline_base{};
    std::vector<std::thread> ts;
    ts.emplace_back([&] {
        for (long r = 1;; r++) {
            spin_until([&] { return round.load() >= r || stop.load(); });
            if (stop.load())
                return;
            P::add(s.get());
            plain_in++;
            P::done(s.get());
        }
    });
    for (int a = 0; a < 3; a++)
        ts.emplace_back([&, a] {
            for (long r = 1;; r++) {
                spin_until([&] { return round.load() >= r || stop.load(); });
                if (stop.load())
                    return;
                timespec d = deadline_base; // published by the round store
                d.tv_nsec += a * 20000;
                if (d.tv_nsec >= 1000000000) {
                    d.tv_nsec -= 1000000000;
                    d.tv_sec++;
                }
                if (P::add_until(s.get(), &d) == LFGO_OK) {
                    timed_ok++;
                    P::done(s.get());
                } else {
                    timed_out++;
                }
                timed_finished++;
            }
        });
    std::mt19937 rng(99);
    for (long r = 1; r <= rounds; r++) {
        P::add(s.get());
        long lead = 50000 + rng() % 100000; // ns until the first deadline
        deadline_base = lfgo_deadline_after_ns(lead);
        round.store(r);
        timespec when = lfgo_deadline_after_ns(lead - 30000 + (long)(rng() % 90000));
        while (!passed(when))
            std::this_thread::yield();
        P::done(s.get());
        spin_until([&] { return plain_in.load() == r && timed_finished.load() == 3 * r; });
    }
    stop = true;
    for (auto &t : ts)
        t.join();
    P::wait(s.get());
    EXPECT_EQ(P::in_flight(s.get()), 0);
    EXPECT_EQ(timed_ok.load() + timed_out.load(), 3 * rounds);
    std::printf("%s: %ld add_until OK, %ld timed out\n", P::name, timed_ok.load(),
                timed_out.load());
}

TYPED_TEST(SwgTest, TimedOutAdderNeverSwallowsAWake)
{
    Watchdog wd(kBudget, "a plain add() left asleep after a timed-out add_until");
    timeout_rounds<TypeParam>(stress(10000));
}

// ------------------------------------------------------------ pool stress

// A bounded pool: producers take slots with add, try_add and add_until (short
// deadlines, so timeouts race with wakes), hand the task id to workers through
// a queue, and workers run it and call done().  Every task runs exactly once,
// never more than `limit` at a time, over several rounds each ended by wait().
template <class P> class Pool {
public:
    Pool(int limit, long tasks) : s_(limit), limit_(limit), tasks_(tasks) {}

    // One round: producers and workers run until every task is done.
    void round(int r)
    {
        ran_.assign(tasks_, 0);
        closing_ = false;
        std::vector<std::thread> ws, ps;
        for (int w = 0; w < 2; w++)
            ws.emplace_back([this] { work(); });
        for (int p = 0; p < kProducers; p++)
            ps.emplace_back([this, p, r] { produce(p, (unsigned)(p * 7919 + r)); });
        for (auto &t : ps)
            t.join();
        P::wait(s_.get());
        long missing = 0, twice = 0;
        for (long i = 0; i < tasks_; i++) {
            missing += ran_[i] == 0;
            twice += ran_[i] > 1;
        }
        EXPECT_EQ(missing, 0) << "round " << r;
        EXPECT_EQ(twice, 0) << "round " << r;
        EXPECT_EQ(P::in_flight(s_.get()), 0);
        closing_ = true;
        for (auto &t : ws)
            t.join();
    }

    void check()
    {
        EXPECT_LE(mt_.max.load(), limit_) << "more than limit tasks in flight";
        EXPECT_GE(mt_.max.load(), 1);
        std::printf("%s limit %d: max in flight %ld, %ld add_until timeouts\n", P::name,
                    limit_, (long)mt_.max.load(), timeouts_.load());
    }

private:
    static constexpr int kProducers = 3;

    // Takes a slot in one of the three ways, chosen at random.
    void take(std::mt19937 &rng)
    {
        switch (rng() % 3) {
        case 0:
            P::add(s_.get());
            return;
        case 1:
            while (P::try_add(s_.get()) != LFGO_OK)
                std::this_thread::yield();
            return;
        default:
            for (;;) {
                timespec d = lfgo_deadline_after_ns(rng() % 200000);
                if (P::add_until(s_.get(), &d) == LFGO_OK)
                    return;
                timeouts_++;
            }
        }
    }

    void produce(int p, unsigned seed)
    {
        std::mt19937 rng(seed);
        for (long id = p; id < tasks_; id += kProducers) {
            take(rng);
            mt_.up();
            std::lock_guard<std::mutex> lk(mu_);
            queue_.push_back(id);
        }
    }

    long next_task()
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (queue_.empty())
            return -1;
        long id = queue_.front();
        queue_.pop_front();
        return id;
    }

    void work()
    {
        for (;;) {
            long id = next_task();
            if (id < 0) {
                if (closing_.load())
                    return;
                std::this_thread::yield();
                continue;
            }
            ran_[id]++; // plain: wait() must publish it
            if ((id & 31) == 0) // now and then a slow task: adders park
                std::this_thread::sleep_for(std::chrono::microseconds(50));
            mt_.down();
            P::done(s_.get());
        }
    }

    Obj<P> s_;
    const int limit_;
    const long tasks_;
    std::vector<int> ran_;
    std::mutex mu_;
    std::deque<long> queue_;
    std::atomic<bool> closing_{false};
    MaxTracker mt_;
    std::atomic<long> timeouts_{0};
};

TYPED_TEST(SwgTest, PoolRunsEveryTaskOnceWithinTheLimit)
{
    Watchdog wd(kBudget, "a pool round did not finish");
    for (int limit : {1, 3, 6}) {
        Pool<TypeParam> pool(limit, stress(80000));
        for (int r = 0; r < 3; r++)
            pool.round(r);
        pool.check();
    }
}

// ------------------------------------------------------------ lifetime

// Once a wait returned LFGO_OK the object may be destroyed and its memory
// reused, even if an earlier wait_until timed out (for lfgo_wg that leaves its
// waiter bit set, so the last done() takes the release path).  The test
// scribbles over the destroyed object as malloc or a new owner would, then
// checks that nothing wrote to it afterwards.  A misuse report from the done()
// thread ("Add called concurrently with Wait") or a changed byte fails it.
//
// (This found a real bug: lfgo_wg's release once wrote the object after its
// counter read zero.  The release is now one atomic write; see lib/wg.c.)
TYPED_TEST(SwgTest, ReuseMemoryRightAfterTryWait)
{
    using P = TypeParam;
    Watchdog wd(kBudget);
    const long n = stress(5000);
    long changed = 0;
    for (long i = 0; i < n && changed == 0; i++) {
        auto *s = new typename P::T;
        ASSERT_EQ(P::init(s, 1), LFGO_OK);
        P::add(s);
        timespec d = lfgo_deadline_after_ns(1000);
        ASSERT_EQ(P::wait_until(s, &d), LFGO_TIMEOUT);
        std::thread t([s] { P::done(s); });
        for (long spins = 1; P::try_wait(s) != LFGO_OK; spins++)
            if (spins % 256 == 0) // poll hard, but let the done() thread run
                std::this_thread::yield();
        P::destroy(s);
        std::memset((void *)s, 0xA5, sizeof *s); // the memory's next owner
        t.join();
        const unsigned char *b = (const unsigned char *)s;
        for (size_t k = 0; k < sizeof *s; k++)
            changed += b[k] != 0xA5;
        delete s;
    }
    EXPECT_EQ(changed, 0) << "a done() wrote to the object after a wait returned";
}

// ------------------------------------------------------------ misuse, returning handler

struct Reported {
    std::string func, what;
    int count = 0;
};
Reported g_reported;

void recording_handler(const char *func, const char *what, void *)
{
    g_reported.func = func;
    g_reported.what = what;
    g_reported.count++;
}

struct HandlerScope {
    lfgo_misuse_fn prev;
    HandlerScope() : prev(lfgo_set_misuse_handler(recording_handler, nullptr)) { g_reported = {}; }
    ~HandlerScope() { lfgo_set_misuse_handler(prev, nullptr); }
};

// If an embedder's handler returns, the call returns LFGO_MISUSE (or
// nothing) and leaves the object unchanged.
TYPED_TEST(SwgTest, MisuseWithAReturningHandlerChangesNothing)
{
    using P = TypeParam;
    const std::string n = P::name;
    HandlerScope hs;
    Obj<P> s(2);
    P::done(s.get());
    EXPECT_EQ(g_reported.count, 1);
    EXPECT_EQ(g_reported.func, n + "_done");
    EXPECT_EQ(g_reported.what, "negative SizedWaitGroup counter");
    EXPECT_EQ(P::in_flight(s.get()), 0);
    EXPECT_EQ(P::try_add(s.get()), LFGO_OK);
    EXPECT_EQ(P::try_add(s.get()), LFGO_OK);
    EXPECT_EQ(P::try_add(s.get()), LFGO_WOULDBLOCK);

    EXPECT_EQ(P::try_add(nullptr), LFGO_MISUSE);
    EXPECT_EQ(g_reported.what, "NULL SizedWaitGroup");
    EXPECT_EQ(P::add_until(nullptr, nullptr), LFGO_MISUSE);
    EXPECT_EQ(P::add_until(s.get(), nullptr), LFGO_MISUSE);
    EXPECT_EQ(g_reported.what, "NULL deadline");
    EXPECT_EQ(P::wait_until(s.get(), nullptr), LFGO_MISUSE);
    EXPECT_EQ(P::try_wait(nullptr), LFGO_MISUSE);
    EXPECT_EQ(P::wait_until(nullptr, nullptr), LFGO_MISUSE);
    EXPECT_EQ(P::in_flight(nullptr), 0);
    P::add(nullptr);
    P::done(nullptr);
    P::wait(nullptr);
    P::destroy(nullptr);
    EXPECT_EQ(g_reported.func, n + "_destroy");
    EXPECT_EQ(g_reported.count, 12);
    timespec bad = {0, 1000000000L};
    EXPECT_EQ(P::add_until(s.get(), &bad), LFGO_MISUSE);
    EXPECT_EQ(P::wait_until(s.get(), &bad), LFGO_MISUSE);
    EXPECT_EQ(g_reported.func, n + "_wait_until");
    EXPECT_EQ(g_reported.count, 14);

    P::destroy(s.get()); // two tasks in flight
    EXPECT_EQ(g_reported.what, "SizedWaitGroup destroyed with tasks in flight");
    EXPECT_EQ(P::in_flight(s.get()), 2); // still usable
    P::done(s.get());
    P::done(s.get());
    EXPECT_EQ(P::try_wait(s.get()), LFGO_OK);
    EXPECT_EQ(g_reported.count, 15);
}

// ------------------------------------------------------------ misuse, death tests

std::string msg(const char *impl, const char *fn, const char *what)
{
    return std::string("lfgo: misuse: ") + impl + "_" + fn + ": " + what;
}

TYPED_TEST(SwgDeathTest, DoneWithNothingInFlight)
{
    using P = TypeParam;
    EXPECT_DEATH(
        {
            typename P::T s;
            P::init(&s, 4);
            P::done(&s);
        },
        msg(P::name, "done", "negative SizedWaitGroup counter"));
    EXPECT_DEATH(
        {
            typename P::T s;
            P::init(&s, 4);
            P::add(&s);
            P::done(&s);
            P::done(&s);
        },
        msg(P::name, "done", "negative SizedWaitGroup counter"));
}

TYPED_TEST(SwgDeathTest, NullObject)
{
    using P = TypeParam;
    const char *w = "NULL SizedWaitGroup";
    timespec d = lfgo_now();
    EXPECT_DEATH(P::add(nullptr), msg(P::name, "add", w));
    EXPECT_DEATH(P::try_add(nullptr), msg(P::name, "try_add", w));
    EXPECT_DEATH(P::add_until(nullptr, &d), msg(P::name, "add_until", w));
    EXPECT_DEATH(P::done(nullptr), msg(P::name, "done", w));
    EXPECT_DEATH(P::wait(nullptr), msg(P::name, "wait", w));
    EXPECT_DEATH(P::try_wait(nullptr), msg(P::name, "try_wait", w));
    EXPECT_DEATH(P::wait_until(nullptr, &d), msg(P::name, "wait_until", w));
    EXPECT_DEATH(P::in_flight(nullptr), msg(P::name, "in_flight", w));
    EXPECT_DEATH(P::destroy(nullptr), msg(P::name, "destroy", w));
}

TYPED_TEST(SwgDeathTest, NullDeadline)
{
    using P = TypeParam;
    EXPECT_DEATH(
        {
            typename P::T s;
            P::init(&s, 1);
            P::add_until(&s, nullptr);
        },
        msg(P::name, "add_until", "NULL deadline"));
    EXPECT_DEATH(
        {
            typename P::T s;
            P::init(&s, 1);
            P::wait_until(&s, nullptr);
        },
        msg(P::name, "wait_until", "NULL deadline"));
}

TYPED_TEST(SwgDeathTest, MalformedDeadline)
{
    using P = TypeParam;
    const char *w = "invalid deadline \\(tv_nsec outside 0..999999999\\)";
    EXPECT_DEATH(
        {
            typename P::T s;
            P::init(&s, 1);
            P::add(&s);
            timespec d = lfgo_now();
            d.tv_nsec = 1000000000L;
            P::add_until(&s, &d);
        },
        msg(P::name, "add_until", w));
    EXPECT_DEATH(
        {
            typename P::T s;
            P::init(&s, 1);
            timespec d = lfgo_now();
            d.tv_nsec = -1;
            P::wait_until(&s, &d);
        },
        msg(P::name, "wait_until", w));
}

TYPED_TEST(SwgDeathTest, DestroyWithTasksInFlight)
{
    using P = TypeParam;
    EXPECT_DEATH(
        {
            typename P::T s;
            P::init(&s, 3);
            P::add(&s);
            P::destroy(&s);
        },
        msg(P::name, "destroy", "SizedWaitGroup destroyed with tasks in flight"));
}

// Destroying while an adder sleeps at the limit (and a waiter sleeps in
// wait()) is reported, not a silent hang or use-after-free.
TYPED_TEST(SwgDeathTest, DestroyWithSleepers)
{
    using P = TypeParam;
    EXPECT_DEATH(
        {
            static typename P::T s;
            P::init(&s, 1);
            P::add(&s);
            std::thread([] { P::add(&s); }).detach();
            std::thread([] { P::wait(&s); }).detach();
            std::this_thread::sleep_for(50ms);
            P::destroy(&s);
        },
        msg(P::name, "destroy", "SizedWaitGroup destroyed with tasks in flight"));
}

// ------------------------------------------------------------ lfgo internals

// Waiter accounting: add()/done() with nobody asleep never touch the futex
// word (so never make a wake system call); a parked adder makes the done()
// that frees its slot bump it.
TEST(SwgInternals, NoWakeWithoutSleepers)
{
    Watchdog wd(kBudget);
    lfgo_swg s;
    ASSERT_EQ(lfgo_swg_init(&s, 2), LFGO_OK);
    for (int i = 0; i < 10000; i++) {
        lfgo_swg_add(&s);
        lfgo_swg_add(&s);
        EXPECT_EQ(lfgo_swg_try_add(&s), LFGO_WOULDBLOCK);
        lfgo_swg_done(&s);
        lfgo_swg_done(&s);
    }
    EXPECT_EQ(lfgo_atomic_load(&s.epoch, memory_order_seq_cst), 0u);
    lfgo_swg_add(&s);
    lfgo_swg_add(&s);
    std::thread t([&] { lfgo_swg_add(&s); });
    // Wait until the adder has registered as a sleeper (after its spin).
    spin_until([&] { return (lfgo_atomic_load(&s.slots, memory_order_seq_cst) >> 32) != 0; });
    lfgo_swg_done(&s);
    t.join();
    EXPECT_GE(lfgo_atomic_load(&s.epoch, memory_order_seq_cst), 1u);
    EXPECT_EQ(lfgo_atomic_load(&s.slots, memory_order_seq_cst), 2u); // no sleeper left
    lfgo_swg_done(&s);
    lfgo_swg_done(&s);
    lfgo_swg_wait(&s);
    lfgo_swg_destroy(&s);
}

// The ABI (docs/abi.md): LFGO_CACHELINE bytes, aligned as a uint64_t and no
// more, so that plain malloc is enough; a heap object from malloc works.
TEST(SwgInternals, SizeIsOneCacheLineAndMallocIsEnough)
{
    EXPECT_EQ(sizeof(lfgo_swg), (size_t)LFGO_CACHELINE);
    EXPECT_EQ(alignof(lfgo_swg), alignof(uint64_t));
    auto *s = static_cast<lfgo_swg *>(std::malloc(sizeof(lfgo_swg)));
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(lfgo_swg_init(s, 2), LFGO_OK);
    lfgo_swg_add(s);
    EXPECT_EQ(lfgo_swg_try_add(s), LFGO_OK);
    EXPECT_EQ(lfgo_swg_try_add(s), LFGO_WOULDBLOCK);
    lfgo_swg_done(s);
    lfgo_swg_done(s);
    lfgo_swg_wait(s);
    lfgo_swg_destroy(s);
    std::free(s);
}

} // namespace
