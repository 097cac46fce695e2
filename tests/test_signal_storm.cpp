// Signal storm: every blocking call of every primitive, on lfgo and on the
// lock-based twin, while a storm thread sends SIGUSR1 to every other thread of
// the process every ~50 us.  The handler is installed WITHOUT SA_RESTART, so
// each signal that lands in a futex wait, a condition-variable wait or a
// clock_nanosleep makes that system call fail with EINTR; the primitive must
// treat that as a spurious wakeup.  The storm enumerates /proc/self/task and
// uses tgkill, so the batcher's flusher thread (which the test does not
// create) is hit too.
//
// Every test checks:
//  - no early return: a receive returns only with a value or with
//    LFGO_CLOSED after close was called; a wait returns only when every task
//    is done; a flush returns only once the flushed items were delivered;
//  - no spurious LFGO_TIMEOUT: every _until call has a deadline an hour away,
//    far beyond the run time, so a timeout is a bug;
//  - exactly-once delivery (and per-sender order) for channels and the
//    batcher; the SizedWaitGroup's limit is never exceeded; mutual exclusion;
//  - the storm really hit the threads (the handler ran).
// Sizes are smaller in sanitizer builds (rounds(): 4 x lfgo_test::scaled()).
#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <lfgo/batch.h>
#include <lfgo/mutex.h>
#include <lfgo/swg.h>
#include <lfgo/twin/batch.h>
#include <lfgo/twin/mutex.h>
#include <lfgo/twin/swg.h>
#include <lfgo/twin/wg.h>
#include <lfgo/wg.h>

#include "chan_impl.hpp"
#include "support/watchdog.hpp"

namespace {

using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::Watchdog;
using namespace std::chrono_literals;

// ------------------------------------------------------------------ the storm

std::atomic<uint64_t> g_handled{0}; // lock-free, so async-signal-safe
thread_local std::atomic<uint64_t> t_handled{0}; // this thread's share (constant-initialised)

extern "C" void on_sigusr1(int)
{
    g_handled.fetch_add(1, std::memory_order_relaxed);
    t_handled.fetch_add(1, std::memory_order_relaxed);
}

// Installed once and never removed: a signal still pending (or deferred by
// ThreadSanitizer) when a test ends must not meet SIGUSR1's default action.
void install_handler()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa = {};
        sa.sa_handler = on_sigusr1;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; // no SA_RESTART: blocking system calls fail with EINTR
        if (sigaction(SIGUSR1, &sa, nullptr) != 0)
            std::abort();
    });
}

constexpr auto kStormPeriod = 50us;

// Signals a test must see handled before it may end: every workload loop
// runs its rounds AND until then, so a storm thread starved of CPU on a
// loaded machine lengthens the test instead of making it vacuous.
constexpr uint64_t kMinHits = 200;

// Sends SIGUSR1 to every thread of the process but itself, every ~50 us,
// from construction until stop().  The constructor returns after the first
// sweep, so the workload starts inside the storm.
class Storm {
public:
    Storm()
    {
        install_handler();
        handled0_ = g_handled.load();
        thread_ = std::thread([this] { run(); });
        while (sweeps_.load() == 0)
            std::this_thread::yield();
    }
    ~Storm() { stop(); }
    Storm(const Storm &) = delete;
    Storm &operator=(const Storm &) = delete;

    // Stops the storm; returns how many signals the handler ran for.
    uint64_t stop()
    {
        if (thread_.joinable()) {
            stop_.store(true);
            thread_.join();
        }
        return g_handled.load() - handled0_;
    }
    uint64_t sent() const { return sent_.load(); }
    uint64_t handled() const { return g_handled.load() - handled0_; }
    // True until the handler ran kMinHits times since construction.
    bool wants_more() const { return handled() < kMinHits; }

private:
    void run()
    {
        const pid_t pid = getpid();
        const pid_t self = (pid_t)syscall(SYS_gettid);
        prctl(PR_SET_TIMERSLACK, 1000UL); // 1 us: keep the period near 50 us
        while (!stop_.load(std::memory_order_relaxed)) {
            DIR *d = opendir("/proc/self/task");
            if (!d)
                std::abort();
            while (struct dirent *e = readdir(d)) {
                if (e->d_name[0] == '.')
                    continue;
                pid_t tid = (pid_t)std::atoi(e->d_name);
                // ESRCH (the thread just exited) is fine.
                if (tid != self && syscall(SYS_tgkill, pid, tid, SIGUSR1) == 0)
                    sent_.fetch_add(1, std::memory_order_relaxed);
            }
            closedir(d);
            sweeps_.fetch_add(1);
            std::this_thread::sleep_for(kStormPeriod);
        }
    }

    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> sent_{0}, sweeps_{0};
    uint64_t handled0_ = 0;
    std::thread thread_;
};

// Ends a test: the storm must have hit the threads.
void expect_storm_hit(Storm &s)
{
    uint64_t handled = s.stop();
    std::printf("storm: %llu signals sent, the handler ran %llu times\n",
                (unsigned long long)s.sent(), (unsigned long long)handled);
    EXPECT_GE(handled, kMinHits) << "the signal storm did not reach the threads (sent " << s.sent() << ")";
}

// A deadline so far away that LFGO_TIMEOUT from it is a bug: an hour, past
// every watchdog (a call starved that long fails there, as a hang).  60 s was
// too close: on a 2-core machine loaded by other jobs a whole round of the
// twin's capacity-1 case has taken that long.
timespec far_deadline()
{
    return lfgo_deadline_after_ns(3600'000'000'000LL);
}

// Rounds: n in the plain build; in the scaled-down builds 4 x scaled(n) (the
// storm is the point here, and it needs time to land in every wait), at
// least `floor`, at most n.
long rounds(long n, long floor = 10)
{
    long s = std::max(scaled(n) * 4, floor);
    return std::min(s, n);
}

// ------------------------------------------------------------------ adapters

struct LfgoWg {
    using T = lfgo_wg;
    static void init(T *w) { lfgo_wg_init(w); }
    static void destroy(T *w) { lfgo_wg_destroy(w); }
    static void add(T *w, int64_t d) { lfgo_wg_add(w, d); }
    static void done(T *w) { lfgo_wg_done(w); }
    static void wait(T *w) { lfgo_wg_wait(w); }
    static lfgo_status wait_until(T *w, const timespec *d) { return lfgo_wg_wait_until(w, d); }
};
struct TwinWg {
    using T = lfgo_twin_wg;
    static void init(T *w) { lfgo_twin_wg_init(w); }
    static void destroy(T *w) { lfgo_twin_wg_destroy(w); }
    static void add(T *w, int64_t d) { lfgo_twin_wg_add(w, d); }
    static void done(T *w) { lfgo_twin_wg_done(w); }
    static void wait(T *w) { lfgo_twin_wg_wait(w); }
    static lfgo_status wait_until(T *w, const timespec *d) { return lfgo_twin_wg_wait_until(w, d); }
};

struct LfgoSwg {
    using T = lfgo_swg;
    static lfgo_status init(T *s, int64_t l) { return lfgo_swg_init(s, l); }
    static void destroy(T *s) { lfgo_swg_destroy(s); }
    static void add(T *s) { lfgo_swg_add(s); }
    static lfgo_status add_until(T *s, const timespec *d) { return lfgo_swg_add_until(s, d); }
    static void done(T *s) { lfgo_swg_done(s); }
    static void wait(T *s) { lfgo_swg_wait(s); }
    static lfgo_status wait_until(T *s, const timespec *d) { return lfgo_swg_wait_until(s, d); }
    static int64_t in_flight(const T *s) { return lfgo_swg_in_flight(s); }
};
struct TwinSwg {
    using T = lfgo_twin_swg;
    static lfgo_status init(T *s, int64_t l) { return lfgo_twin_swg_init(s, l); }
    static void destroy(T *s) { lfgo_twin_swg_destroy(s); }
    static void add(T *s) { lfgo_twin_swg_add(s); }
    static lfgo_status add_until(T *s, const timespec *d) { return lfgo_twin_swg_add_until(s, d); }
    static void done(T *s) { lfgo_twin_swg_done(s); }
    static void wait(T *s) { lfgo_twin_swg_wait(s); }
    static lfgo_status wait_until(T *s, const timespec *d) { return lfgo_twin_swg_wait_until(s, d); }
    static int64_t in_flight(const T *s) { return lfgo_twin_swg_in_flight(s); }
};

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

struct LfgoBatch {
    using T = lfgo_batch;
    static lfgo_status create(T **b, const lfgo_batch_config *c) { return lfgo_batch_create(b, c); }
    static lfgo_status add(T *b, const void *it) { return lfgo_batch_add(b, it); }
    static lfgo_status flush(T *b) { return lfgo_batch_flush(b); }
    static lfgo_status close(T *b) { return lfgo_batch_close(b); }
    static void destroy(T *b) { lfgo_batch_destroy(b); }
};
struct TwinBatch {
    using T = lfgo_twin_batch;
    static lfgo_status create(T **b, const lfgo_batch_config *c) { return lfgo_twin_batch_create(b, c); }
    static lfgo_status add(T *b, const void *it) { return lfgo_twin_batch_add(b, it); }
    static lfgo_status flush(T *b) { return lfgo_twin_batch_flush(b); }
    static lfgo_status close(T *b) { return lfgo_twin_batch_close(b); }
    static void destroy(T *b) { lfgo_twin_batch_destroy(b); }
};

// One typed suite per primitive, each over {lfgo, twin}.
struct Names {
    template <class T> static std::string GetName(int i) { return i == 0 ? "lfgo" : "twin"; }
};
template <class I> class StormWg : public testing::Test {};
template <class I> class StormSwg : public testing::Test {};
template <class I> class StormMutex : public testing::Test {};
template <class I> class StormChan : public testing::Test {};
template <class I> class StormBatch : public testing::Test {};
using WgImpls = testing::Types<LfgoWg, TwinWg>;
using SwgImpls = testing::Types<LfgoSwg, TwinSwg>;
using MutexImpls = testing::Types<LfgoMutex, TwinMutex>;
using ChanImpls = testing::Types<lfgo_test::LfgoChan, lfgo_test::TwinChan>;
using BatchImpls = testing::Types<LfgoBatch, TwinBatch>;
TYPED_TEST_SUITE(StormWg, WgImpls, Names);
TYPED_TEST_SUITE(StormSwg, SwgImpls, Names);
TYPED_TEST_SUITE(StormMutex, MutexImpls, Names);
TYPED_TEST_SUITE(StormChan, ChanImpls, Names);
TYPED_TEST_SUITE(StormBatch, BatchImpls, Names);

// ------------------------------------------------------------------ WaitGroup

// Waiters block in wait() / wait_until() while tasks finish one by one; a
// waiter that returns before every task called done() is an early return.
TYPED_TEST(StormWg, WaitAndWaitUntil)
{
    using W = TypeParam;
    Watchdog dog(kBudget, "WaitGroup wait under a signal storm");
    Storm storm;
    constexpr int kTasks = 4, kWaiters = 4;
    std::atomic<int> early{0}, timeouts{0};
    const long n = rounds(300);
    for (long r = 0; r < n || storm.wants_more(); r++) {
        typename W::T wg;
        W::init(&wg);
        W::add(&wg, kTasks);
        std::atomic<int> finished{0};
        std::vector<std::thread> ts;
        for (int w = 0; w < kWaiters; w++)
            ts.emplace_back([&, w] {
                if (w % 2) {
                    timespec d = far_deadline();
                    if (W::wait_until(&wg, &d) != LFGO_OK)
                        ++timeouts;
                } else {
                    W::wait(&wg);
                }
                if (finished.load() != kTasks)
                    ++early;
            });
        for (int t = 0; t < kTasks; t++)
            ts.emplace_back([&, t] {
                std::this_thread::sleep_for(std::chrono::microseconds(150 * (t + 1)));
                finished.fetch_add(1);
                W::done(&wg);
            });
        for (auto &t : ts)
            t.join();
        W::destroy(&wg);
        ASSERT_EQ(early.load(), 0) << "round " << r << ": a wait returned before every done()";
        ASSERT_EQ(timeouts.load(), 0) << "round " << r << ": spurious timeout";
    }
    expect_storm_hit(storm);
}

// ------------------------------------------------------------ SizedWaitGroup

// In-flight tracker: the count of tasks between a successful add and their
// done(), with the maximum seen.
struct Tracker {
    std::atomic<int> cur{0}, max{0};
    void enter()
    {
        int c = cur.fetch_add(1) + 1;
        int m = max.load();
        while (c > m && !max.compare_exchange_weak(m, c)) {
        }
    }
    void leave() { cur.fetch_sub(1); }
};

// Many adders contend for the slots with add() and add_until(); the test
// holds one slot itself for the whole run (so the counter never returns to
// zero while adds race, which would be Go's "Add concurrently with Wait").
TYPED_TEST(StormSwg, ConcurrentAddAndAddUntil)
{
    using S = TypeParam;
    Watchdog dog(kBudget, "SizedWaitGroup add under a signal storm");
    Storm storm;
    constexpr int kLimit = 3, kAdders = 6;
    std::unique_ptr<typename S::T> s(new typename S::T);
    ASSERT_EQ(S::init(s.get(), kLimit + 1), LFGO_OK);
    S::add(s.get()); // the guard slot
    Tracker tr;
    std::atomic<int> timeouts{0};
    std::atomic<long> ran{0}, iterations{0};
    const long per = rounds(1500, 50);
    std::vector<std::thread> ts;
    for (int a = 0; a < kAdders; a++)
        ts.emplace_back([&, a] {
            long i = 0;
            for (; i < per || storm.wants_more(); i++) {
                if ((i + a) % 2) {
                    timespec d = far_deadline();
                    if (S::add_until(s.get(), &d) != LFGO_OK) {
                        ++timeouts;
                        continue;
                    }
                } else {
                    S::add(s.get());
                }
                tr.enter();
                ran.fetch_add(1);
                if (i % 4 == 0)
                    std::this_thread::sleep_for(20us);
                tr.leave();
                S::done(s.get());
            }
            iterations.fetch_add(i);
        });
    for (auto &t : ts)
        t.join();
    S::done(s.get());
    timespec d = far_deadline();
    EXPECT_EQ(S::wait_until(s.get(), &d), LFGO_OK);
    S::destroy(s.get());
    EXPECT_EQ(timeouts.load(), 0) << "spurious add_until timeout";
    EXPECT_LE(tr.max.load(), kLimit) << "more tasks in flight than the limit allows";
    EXPECT_EQ(ran.load(), iterations.load());
    expect_storm_hit(storm);
}

// One adder (this thread) blocks in add()/add_until() at the limit while
// slow tasks run, then blocks in wait()/wait_until() until they finish.
TYPED_TEST(StormSwg, AddThenWait)
{
    using S = TypeParam;
    Watchdog dog(kBudget, "SizedWaitGroup wait under a signal storm");
    Storm storm;
    constexpr int kLimit = 3, kTasks = 8;
    std::unique_ptr<typename S::T> s(new typename S::T);
    ASSERT_EQ(S::init(s.get(), kLimit), LFGO_OK);
    Tracker tr;
    std::atomic<int> timeouts{0}, early{0};
    const long n = rounds(150);
    for (long r = 0; r < n || storm.wants_more(); r++) {
        std::atomic<int> finished{0};
        std::vector<std::thread> ts;
        for (int k = 0; k < kTasks; k++) {
            if ((r + k) % 2) {
                timespec d = far_deadline();
                if (S::add_until(s.get(), &d) != LFGO_OK) {
                    ++timeouts;
                    break;
                }
            } else {
                S::add(s.get());
            }
            tr.enter();
            ts.emplace_back([&] {
                std::this_thread::sleep_for(100us);
                finished.fetch_add(1);
                tr.leave();
                S::done(s.get());
            });
        }
        if (r % 2) {
            timespec d = far_deadline();
            if (S::wait_until(s.get(), &d) != LFGO_OK)
                ++timeouts;
        } else {
            S::wait(s.get());
        }
        if (finished.load() != (int)ts.size())
            ++early;
        for (auto &t : ts)
            t.join();
        ASSERT_EQ(timeouts.load(), 0) << "round " << r << ": spurious timeout";
        ASSERT_EQ(early.load(), 0) << "round " << r << ": wait returned with tasks in flight";
    }
    EXPECT_EQ(S::in_flight(s.get()), 0);
    S::destroy(s.get());
    EXPECT_LE(tr.max.load(), kLimit) << "more tasks in flight than the limit allows";
    expect_storm_hit(storm);
}

// ---------------------------------------------------------------------- Mutex

// Threads take the mutex with lock() and lock_until(); some critical
// sections sleep, so the others park.  A plain counter and an in-section flag
// check mutual exclusion (and ThreadSanitizer sees any overlap as a race).
TYPED_TEST(StormMutex, LockAndLockUntil)
{
    using M = TypeParam;
    Watchdog dog(kBudget, "mutex lock under a signal storm");
    Storm storm;
    constexpr int kThreads = 6;
    typename M::T mu;
    M::init(&mu);
    long counter = 0; // guarded by mu
    std::atomic<bool> inside{false};
    std::atomic<int> overlap{0}, timeouts{0};
    std::atomic<long> iterations{0};
    const long per = rounds(20000, 200);
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; t++)
        ts.emplace_back([&, t] {
            long i = 0;
            for (; i < per || storm.wants_more(); i++) {
                if ((i + t) % 2) {
                    timespec d = far_deadline();
                    if (M::lock_until(&mu, &d) != LFGO_OK) {
                        ++timeouts;
                        continue;
                    }
                } else {
                    M::lock(&mu);
                }
                if (inside.exchange(true))
                    ++overlap;
                counter++;
                if (i % 32 == 0)
                    std::this_thread::sleep_for(10us);
                inside.store(false);
                M::unlock(&mu);
            }
            iterations.fetch_add(i);
        });
    for (auto &t : ts)
        t.join();
    M::destroy(&mu);
    EXPECT_EQ(timeouts.load(), 0) << "spurious lock_until timeout";
    EXPECT_EQ(overlap.load(), 0) << "two threads inside the critical section";
    EXPECT_EQ(counter, iterations.load());
    expect_storm_hit(storm);
}

// -------------------------------------------------------------------- Channel

constexpr int kShift = 40; // item = sender << 40 | sequence number

uint64_t item(int sender, int64_t seq)
{
    return ((uint64_t)sender << kShift) | (uint64_t)seq;
}

// What the receivers found, checked after the run.
struct Ledger {
    std::vector<std::atomic<uint8_t>> seen;
    int64_t per_sender;
    std::atomic<int> early{0}, timeouts{0}, bad{0}, disorder{0};
    std::atomic<bool> closing{false};
    Ledger(int senders, int64_t per) : seen((size_t)(senders * per)), per_sender(per) {}

    void got(uint64_t it, std::vector<int64_t> &last)
    {
        int s = (int)(it >> kShift);
        int64_t q = (int64_t)(it & ((1ull << kShift) - 1));
        if (q <= last[s])
            ++disorder;
        last[s] = q;
        seen[(size_t)(s * per_sender + q)].fetch_add(1, std::memory_order_relaxed);
    }
    // LFGO_CLOSED is an early return unless close() was already called.
    void closed()
    {
        if (!closing.load())
            ++early;
    }
    void check(const char *what)
    {
        EXPECT_EQ(early.load(), 0) << what << ": LFGO_CLOSED before close";
        EXPECT_EQ(timeouts.load(), 0) << what << ": spurious timeout";
        EXPECT_EQ(bad.load(), 0) << what << ": unexpected status or count";
        EXPECT_EQ(disorder.load(), 0) << what << ": a sender's values out of order";
        int64_t wrong = 0;
        for (auto &s : seen)
            wrong += s.load() != 1;
        EXPECT_EQ(wrong, 0) << what << ": values not received exactly once";
    }
};

// Sender `s`: cycles through send, send_until, send_many, send_many_until.
template <class I> void storm_sender(typename I::chan *c, int s, Ledger *L)
{
    uint64_t buf[8];
    int64_t q = 0;
    for (int mode = 0; q < L->per_sender; mode = (mode + 1) % 4) {
        if (mode < 2) {
            uint64_t v = item(s, q++);
            timespec d = far_deadline();
            lfgo_status st = mode == 0 ? I::send(c, &v) : I::send_until(c, &v, &d);
            if (st == LFGO_TIMEOUT)
                ++L->timeouts;
            else if (st != LFGO_OK)
                ++L->bad;
            continue;
        }
        size_t n = (size_t)std::min<int64_t>(1 + q % 8, L->per_sender - q), done = 0;
        for (size_t i = 0; i < n; i++)
            buf[i] = item(s, q + (int64_t)i);
        q += (int64_t)n;
        timespec d = far_deadline();
        lfgo_status st = mode == 2 ? I::send_many(c, buf, n, &done) : I::send_many_until(c, buf, n, &done, &d);
        if (st == LFGO_TIMEOUT)
            ++L->timeouts;
        else if (st != LFGO_OK || done != n)
            ++L->bad;
    }
}

// Receiver: cycles through recv, recv_until, recv_many, recv_many_until
// until the channel is closed and drained.
template <class I> void storm_receiver(typename I::chan *c, int senders, Ledger *L)
{
    std::vector<int64_t> last(senders, -1);
    uint64_t buf[8];
    for (int mode = 0;; mode = (mode + 1) % 4) {
        timespec d = far_deadline();
        size_t n = 0;
        lfgo_status st;
        switch (mode) {
        case 0: st = I::recv(c, buf), n = 1; break;
        case 1: st = I::recv_until(c, buf, &d), n = 1; break;
        case 2: st = I::recv_many(c, buf, 8, &n); break;
        default: st = I::recv_many_until(c, buf, 8, &n, &d); break;
        }
        if (st == LFGO_CLOSED) {
            if (mode >= 2 && n != 0)
                ++L->bad;
            L->closed();
            return;
        }
        if (st == LFGO_TIMEOUT) {
            ++L->timeouts;
            continue;
        }
        if (st != LFGO_OK || n < 1 || n > 8) {
            ++L->bad;
            return;
        }
        for (size_t i = 0; i < n; i++)
            L->got(buf[i], last);
    }
}

TYPED_TEST(StormChan, SendRecvEveryVariant)
{
    using I = TypeParam;
    Watchdog dog(kBudget, "channel send/recv under a signal storm");
    Storm storm;
    constexpr int kSenders = 3, kReceivers = 3;
    for (int k = 0; k < 3 || storm.wants_more(); k++) {
        static constexpr size_t kCaps[] = {0, 1, 8};
        const size_t cap = kCaps[k % 3];
        const int64_t per = rounds(cap == 0 ? 15000 : 40000);
        typename I::chan *c;
        ASSERT_EQ(I::create(&c, sizeof(uint64_t), cap), LFGO_OK);
        Ledger L(kSenders, per);
        std::vector<std::thread> rs, ss;
        for (int r = 0; r < kReceivers; r++)
            rs.emplace_back(storm_receiver<I>, c, kSenders, &L);
        for (int s = 0; s < kSenders; s++)
            ss.emplace_back(storm_sender<I>, c, s, &L);
        for (auto &t : ss)
            t.join();
        L.closing.store(true);
        ASSERT_EQ(I::close(c), LFGO_OK);
        for (auto &t : rs)
            t.join();
        I::destroy(c);
        L.check(("capacity " + std::to_string(cap)).c_str());
    }
    expect_storm_hit(storm);
}

// Select over two channels: senders select between sending on A and on B,
// receivers between receiving from A and from B (select and select_until in
// turn).  A receive case that reports LFGO_CLOSED is disabled (Go's nil
// channel) and the receiver goes on with the other until both are closed.
template <class I> void select_sender(typename I::chan *a, typename I::chan *b, int s, Ledger *L)
{
    for (int64_t q = 0; q < L->per_sender; q++) {
        uint64_t v = item(s, q);
        typename I::scase cs[2] = {{a, LFGO_SELECT_SEND, &v, LFGO_OK}, {b, LFGO_SELECT_SEND, &v, LFGO_OK}};
        size_t ch = 9;
        timespec d = far_deadline();
        lfgo_status st = q % 2 ? I::select_until(cs, 2, &ch, &d) : I::select(cs, 2, &ch);
        if (st == LFGO_TIMEOUT)
            ++L->timeouts;
        else if (st != LFGO_OK || ch > 1 || cs[ch].status != LFGO_OK)
            ++L->bad;
    }
}

template <class I> void select_receiver(typename I::chan *a, typename I::chan *b, int senders, Ledger *L)
{
    // FIFO holds per channel: a sender's values on A may overtake its earlier
    // values on B, so the order is checked per channel.
    std::vector<int64_t> last[2] = {std::vector<int64_t>(senders, -1), std::vector<int64_t>(senders, -1)};
    uint64_t va = 0, vb = 0;
    typename I::scase cs[2] = {{a, LFGO_SELECT_RECV, &va, LFGO_OK}, {b, LFGO_SELECT_RECV, &vb, LFGO_OK}};
    for (int64_t k = 0; cs[0].chan || cs[1].chan; k++) {
        size_t ch = 9;
        timespec d = far_deadline();
        lfgo_status st = k % 2 ? I::select_until(cs, 2, &ch, &d) : I::select(cs, 2, &ch);
        if (st == LFGO_TIMEOUT) {
            ++L->timeouts;
            continue;
        }
        if (st != LFGO_OK || ch > 1 || !cs[ch].chan) {
            ++L->bad;
            return;
        }
        if (cs[ch].status == LFGO_CLOSED) {
            L->closed();
            cs[ch].chan = nullptr;
        } else if (cs[ch].status == LFGO_OK) {
            L->got(ch == 0 ? va : vb, last[ch]);
        } else {
            ++L->bad;
            return;
        }
    }
}

TYPED_TEST(StormChan, SelectAndSelectUntil)
{
    using I = TypeParam;
    Watchdog dog(kBudget, "select under a signal storm");
    Storm storm;
    constexpr int kSenders = 3, kReceivers = 3;
    for (int k = 0; k < 2 || storm.wants_more(); k++) {
        const size_t cap = k % 2 ? 4 : 0;
        const int64_t per = rounds(cap == 0 ? 8000 : 20000);
        typename I::chan *a, *b;
        ASSERT_EQ(I::create(&a, sizeof(uint64_t), cap), LFGO_OK);
        ASSERT_EQ(I::create(&b, sizeof(uint64_t), cap), LFGO_OK);
        Ledger L(kSenders, per);
        std::vector<std::thread> rs, ss;
        for (int r = 0; r < kReceivers; r++)
            rs.emplace_back(select_receiver<I>, a, b, kSenders, &L);
        for (int s = 0; s < kSenders; s++)
            ss.emplace_back(select_sender<I>, a, b, s, &L);
        for (auto &t : ss)
            t.join();
        L.closing.store(true);
        ASSERT_EQ(I::close(a), LFGO_OK);
        ASSERT_EQ(I::close(b), LFGO_OK);
        for (auto &t : rs)
            t.join();
        I::destroy(a);
        I::destroy(b);
        L.check(("select, capacity " + std::to_string(cap)).c_str());
    }
    expect_storm_hit(storm);
}

// -------------------------------------------------------------------- Batcher

// The callback (on the flusher thread, which the storm hits too) checks that
// each producer's items arrive as 0, 1, 2, ... - so exactly once and in
// order - and publishes how far each producer got, for flush()'s check.
struct BatchSink {
    static constexpr int kProducers = 3;
    int64_t next[kProducers] = {}; // flusher thread only (then joined by close)
    std::atomic<int64_t> delivered[kProducers] = {};
    std::atomic<int64_t> batches{0};
    std::atomic<int> disorder{0};
    std::atomic<uint64_t> flusher_signals{0}; // signals the flusher thread took

    static void fn(void *user, const void *items, size_t n)
    {
        auto *s = static_cast<BatchSink *>(user);
        s->flusher_signals.store(t_handled.load(std::memory_order_relaxed));
        const auto *v = static_cast<const uint64_t *>(items);
        for (size_t i = 0; i < n; i++) {
            int p = (int)(v[i] >> kShift);
            int64_t q = (int64_t)(v[i] & ((1ull << kShift) - 1));
            if (p >= kProducers || q != s->next[p])
                ++s->disorder;
            else
                s->next[p] = q + 1;
        }
        for (int p = 0; p < kProducers; p++)
            s->delivered[p].store(s->next[p], std::memory_order_release);
        // A slow callback now and then, so that the lanes fill and add() blocks.
        if (s->batches.fetch_add(1) % 8 == 0)
            std::this_thread::sleep_for(50us);
    }
};

// Producers add (blocking when their lane is full) and flush now and then;
// close() comes at a random time, racing with them.  Afterwards exactly the
// accepted items were delivered, once each and in order, and nothing is
// delivered after close() returned.
TYPED_TEST(StormBatch, AddFlushClose)
{
    using B = TypeParam;
    constexpr int P = BatchSink::kProducers;
    Watchdog dog(kBudget, "batcher add/flush/close under a signal storm");
    Storm storm;
    std::mt19937 rng(12345);
    const long n = rounds(60);
    const int64_t max_items = rounds(20000);
    uint64_t flusher_signals = 0;
    for (long r = 0; r < n || storm.wants_more(); r++) {
        BatchSink sink;
        lfgo_batch_config cfg{sizeof(uint64_t), 8, 200'000, &BatchSink::fn, &sink, LFGO_BATCH_BLOCK, 16};
        typename B::T *b;
        ASSERT_EQ(B::create(&b, &cfg), LFGO_OK);
        std::atomic<bool> closing{false};
        std::atomic<int> early{0}, bad{0}, flush_early{0};
        int64_t accepted[P] = {};
        std::vector<std::thread> ts;
        for (int p = 0; p < P; p++)
            ts.emplace_back([&, p] {
                int64_t q = 0;
                for (; q < max_items; q++) {
                    uint64_t v = item(p, q);
                    lfgo_status st = B::add(b, &v);
                    if (st == LFGO_CLOSED) {
                        if (!closing.load())
                            ++early;
                        break;
                    }
                    if (st != LFGO_OK) {
                        ++bad;
                        break;
                    }
                    if (q % 64 == 63) {
                        st = B::flush(b);
                        if (st == LFGO_OK && sink.delivered[p].load(std::memory_order_acquire) <= q)
                            ++flush_early;
                        else if (st == LFGO_CLOSED && !closing.load())
                            ++early;
                        else if (st != LFGO_OK && st != LFGO_CLOSED)
                            ++bad;
                    }
                }
                accepted[p] = q;
            });
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
        closing.store(true);
        ASSERT_EQ(B::close(b), LFGO_OK);
        int64_t at_close[P];
        for (int p = 0; p < P; p++)
            at_close[p] = sink.delivered[p].load(std::memory_order_acquire);
        for (auto &t : ts)
            t.join();
        B::destroy(b);
        ASSERT_EQ(early.load(), 0) << "round " << r << ": LFGO_CLOSED before close";
        ASSERT_EQ(bad.load(), 0) << "round " << r << ": unexpected status";
        ASSERT_EQ(flush_early.load(), 0) << "round " << r << ": flush returned before delivering";
        ASSERT_EQ(sink.disorder.load(), 0) << "round " << r << ": item duplicated, lost or reordered";
        for (int p = 0; p < P; p++) {
            ASSERT_EQ(at_close[p], accepted[p]) << "round " << r << ", producer " << p
                                                << ": close returned before delivering every accepted item";
            ASSERT_EQ(sink.next[p], accepted[p]) << "round " << r << ", producer " << p;
        }
        flusher_signals += sink.flusher_signals.load();
    }
    std::printf("storm: the flusher threads took %llu signals\n", (unsigned long long)flusher_signals);
    EXPECT_GT(flusher_signals, 0u) << "the storm never hit the flusher thread";
    expect_storm_hit(storm);
}

} // namespace
