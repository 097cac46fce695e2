// Go fidelity (issue 8), typed over lfgo and the twin: a select with a
// default decided at one instant, chan struct{}, zero values and discarded
// receives, select {} parked forever, deadlines of every shape for every
// _until call.  Blocking tests run under a Watchdog.
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <pthread.h>
#include <random>
#include <string>
#include <thread>
#include <time.h>
#include <vector>

#include <gtest/gtest.h>

#include <lfgo/mutex.h>
#include <lfgo/swg.h>
#include <lfgo/twin/mutex.h>
#include <lfgo/twin/swg.h>
#include <lfgo/twin/wg.h>
#include <lfgo/wg.h>

#include "chan_typed.hpp"
#include "support/thread_cpu.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::recv_case;
using lfgo_test::send_case;
using lfgo_test::Watchdog;
using lfgo_test::thread_cpu_ms;

namespace {

template <class I> struct Chan {
    typename I::chan *c = nullptr;
    Chan(size_t cap, size_t elem = sizeof(int64_t))
    {
        EXPECT_EQ(I::create(&c, elem, cap, LFGO_CHAN_MPMC), LFGO_OK);
    }
    ~Chan()
    {
        if (c)
            I::destroy(c);
    }
    operator typename I::chan *() const { return c; }
};

template <class I> class GoFidelity : public ::testing::Test {};
TYPED_TEST_SUITE(GoFidelity, lfgo_test::ChanImpls, lfgo_test::ImplNames);

// ------------------------------------------------------------ 1. one instant

// Two threads meet at every round: the main thread (X, the select) and a
// helper (Y, the one that changes the channels).  A little random spinning
// before each side's move moves the interleaving around.
// X (the select) waits a random 0..`span` spin iterations after the start,
// Y (the changes) a few: Y needs ~0.1-1 us to see the start, so X's delays
// must cover that range for Y's two steps to fall between X's tries.
class Rounds {
public:
    Rounds(uint32_t seed, unsigned span) : rng_(seed), span_(span) {}
    void jitter()
    {
        unsigned n = rng_() % span_;
        for (unsigned i = 0; i < n; i++)
            __asm__ __volatile__("" ::: "memory"); // no memory access: TSan skips it
    }

private:
    std::minstd_rand rng_;
    unsigned span_;
};

// Both threads spin at the meeting point (a yield now and then, for
// sanitizer builds on a loaded machine), so that they are running at the
// same time when the round starts.
template <class F> void spin_until(F f)
{
    for (unsigned i = 1; !f(); i++)
        if (i % 256 == 0)
            std::this_thread::yield();
}

struct Meet {
    std::atomic<long> ready{-1}, go{-1}, done{-1};
    void start(long r) // X
    {
        spin_until([&] { return ready.load(std::memory_order_acquire) == r; });
        go.store(r, std::memory_order_release);
    }
    void wait_start(long r) // Y
    {
        ready.store(r, std::memory_order_release);
        spin_until([&] { return go.load(std::memory_order_acquire) == r; });
    }
    void finish(long r) { done.store(r, std::memory_order_release); }
    void wait_finish(long r)
    {
        spin_until([&] { return done.load(std::memory_order_acquire) == r; });
    }
};

enum class Mode { Try, PastDeadline, Blocking };

template <class I> lfgo_status run_select(Mode m, typename I::scase *cs, size_t n, size_t *ch)
{
    if (m == Mode::Try)
        return I::select_try(cs, n, ch);
    if (m == Mode::Blocking)
        return I::select(cs, n, ch);
    timespec past = lfgo_deadline_after_ns(-1000);
    return I::select_until(cs, n, ch, &past);
}

// 10^5 rounds per variant in the plain build; sanitizer builds (several
// times slower per round, and their scheduling widens the window) run 3*10^4.
const long kRounds = LFGO_TEST_SCALE > 1 ? 30000 : 100000;
// Never-ready cases for the close variant (whose window is narrowest).
const size_t kCloseFill = LFGO_TEST_SCALE > 1 ? 16 : 64;

// Never-ready receive cases added to a select: they spread its tries apart,
// which widens the window in which the changes of the other thread fall
// between two of its tries (the exact scenario of the issue is fillers = 0).
template <class I> struct Fillers {
    std::vector<typename I::chan *> chans;
    int64_t sink = 0;
    explicit Fillers(size_t n) : chans(n)
    {
        for (auto &c : chans)
            EXPECT_EQ(I::create(&c, sizeof(int64_t), 4, LFGO_CHAN_MPMC), LFGO_OK);
    }
    ~Fillers()
    {
        for (auto c : chans)
            I::destroy(c);
    }
    // cases[0..k) given; appends the fillers and returns the total.
    size_t add(std::vector<typename I::scase> &cs)
    {
        for (auto c : chans)
            cs.push_back(recv_case<I>(c, &sink));
        return cs.size();
    }
};

// c1 (capacity 1) holds a value; Y first makes c2 ready (a send into it,
// capacity 1), then takes c1's value.  At every instant a case is ready, so
// the select never takes its default; every value is received exactly once.
template <class I> void recv_recv_send_variant(Mode mode, size_t nfill)
{
    Watchdog wd(kBudget, "select over two ready-in-turn cases");
    Chan<I> c1(1), c2(1);
    Fillers<I> fill(nfill);
    Meet meet;
    std::atomic<long> y_got{0};
    std::thread y([&] {
        Rounds rnd(7, 64);
        for (long r = 0; r < kRounds; r++) {
            meet.wait_start(r);
            rnd.jitter();
            int64_t v = 2 * r + 1, out = 0;
            ASSERT_EQ(I::try_send(c2, &v), LFGO_OK);
            if (I::try_recv(c1, &out) == LFGO_OK) {
                ASSERT_EQ(out, 2 * r);
                y_got++;
            }
            meet.finish(r);
        }
    });
    Rounds rnd(11, 32768);
    long defaults = 0, got = 0;
    for (long r = 0; r < kRounds; r++) {
        int64_t v = 2 * r, a = -1, b = -1;
        ASSERT_EQ(I::try_send(c1, &v), LFGO_OK);
        std::vector<typename I::scase> cs = {recv_case<I>(c1, &a), recv_case<I>(c2, &b)};
        size_t n = fill.add(cs);
        meet.start(r);
        rnd.jitter();
        size_t ch = 99;
        lfgo_status st = run_select<I>(mode, cs.data(), n, &ch);
        if (st != LFGO_OK)
            defaults++;
        else
            got++;
        meet.wait_finish(r);
        // Drain what is left: each value exactly once in all.
        int64_t rest = -1;
        long left = 0;
        while (I::try_recv(c1, &rest) == LFGO_OK)
            left++;
        while (I::try_recv(c2, &rest) == LFGO_OK)
            left++;
        ASSERT_EQ(left + (st == LFGO_OK ? 1 : 0), 2 - (y_got.load() > 0 ? 1 : 0)) << "round " << r;
        y_got = 0;
    }
    y.join();
    EXPECT_EQ(defaults, 0) << "select took its default (or timed out) although a case was "
                              "ready at every instant, in "
                           << defaults << " of " << kRounds << " rounds";
}

TYPED_TEST(GoFidelity, SelectTryNeverDefaultsWhileACaseIsReady)
{
    recv_recv_send_variant<TypeParam>(Mode::Try, 0);
    recv_recv_send_variant<TypeParam>(Mode::Try, 16);
}

TYPED_TEST(GoFidelity, SelectPastDeadlineNeverTimesOutWhileACaseIsReady)
{
    recv_recv_send_variant<TypeParam>(Mode::PastDeadline, 0);
    recv_recv_send_variant<TypeParam>(Mode::PastDeadline, 16);
}

TYPED_TEST(GoFidelity, BlockingSelectCompletesWhileACaseIsReady)
{
    recv_recv_send_variant<TypeParam>(Mode::Blocking, 16);
}

// The close variant: c2 is unbuffered and Y closes it (its receive case is
// then ready with LFGO_CLOSED), then takes c1's value.
template <class I> void close_variant(Mode mode, size_t nfill)
{
    Watchdog wd(kBudget, "select over a closing unbuffered channel");
    Chan<I> c1(1);
    Fillers<I> fill(nfill);
    std::atomic<typename I::chan *> c2{nullptr};
    Meet meet;
    std::thread y([&] {
        Rounds rnd(3, 64);
        for (long r = 0; r < kRounds; r++) {
            meet.wait_start(r);
            rnd.jitter();
            int64_t out;
            ASSERT_EQ(I::close(c2.load()), LFGO_OK);
            (void)I::try_recv(c1, &out);
            meet.finish(r);
        }
    });
    Rounds rnd(5, 32768);
    long defaults = 0;
    for (long r = 0; r < kRounds; r++) {
        typename I::chan *c = nullptr;
        ASSERT_EQ(I::create(&c, sizeof(int64_t), 0, LFGO_CHAN_MPMC), LFGO_OK);
        c2.store(c);
        int64_t v = r, a = -1, b = -1;
        ASSERT_EQ(I::try_send(c1, &v), LFGO_OK);
        std::vector<typename I::scase> cs = {recv_case<I>(c1, &a), recv_case<I>(c, &b)};
        size_t n = fill.add(cs);
        meet.start(r);
        rnd.jitter();
        size_t ch = 99;
        if (run_select<I>(mode, cs.data(), n, &ch) != LFGO_OK) {
            defaults++;
        } else if (ch == 1) {
            EXPECT_EQ(cs[1].status, LFGO_CLOSED);
        }
        meet.wait_finish(r);
        int64_t rest;
        (void)I::try_recv(c1, &rest);
        I::destroy(c);
    }
    y.join();
    EXPECT_EQ(defaults, 0) << defaults << " of " << kRounds << " rounds took the default";
}

TYPED_TEST(GoFidelity, SelectTryNeverDefaultsAcrossAClose)
{
    close_variant<TypeParam>(Mode::Try, 0);
    close_variant<TypeParam>(Mode::Try, kCloseFill);
}

TYPED_TEST(GoFidelity, SelectPastDeadlineNeverTimesOutAcrossAClose)
{
    close_variant<TypeParam>(Mode::PastDeadline, kCloseFill);
}

// A send case becomes possible while a receive case stops being possible:
// c1 (capacity 1) holds a value, c2 (capacity 1) is full; Y first empties c2
// (the send case is then ready), then takes c1's value.
template <class I> void send_recv_variant(Mode mode, size_t nfill)
{
    Watchdog wd(kBudget, "select over a send becoming possible");
    Chan<I> c1(1), c2(1);
    Fillers<I> fill(nfill);
    Meet meet;
    std::thread y([&] {
        Rounds rnd(13, 64);
        for (long r = 0; r < kRounds; r++) {
            meet.wait_start(r);
            rnd.jitter();
            int64_t out;
            ASSERT_EQ(I::try_recv(c2, &out), LFGO_OK);
            (void)I::try_recv(c1, &out);
            meet.finish(r);
        }
    });
    Rounds rnd(17, 32768);
    long defaults = 0;
    for (long r = 0; r < kRounds; r++) {
        int64_t v = r, full = -r, a = -1, s = 42;
        ASSERT_EQ(I::try_send(c1, &v), LFGO_OK);
        ASSERT_EQ(I::try_send(c2, &full), LFGO_OK);
        std::vector<typename I::scase> cs = {recv_case<I>(c1, &a), send_case<I>(c2, &s)};
        size_t n = fill.add(cs);
        meet.start(r);
        rnd.jitter();
        size_t ch = 99;
        if (run_select<I>(mode, cs.data(), n, &ch) != LFGO_OK)
            defaults++;
        meet.wait_finish(r);
        int64_t rest;
        while (I::try_recv(c1, &rest) == LFGO_OK) {
        }
        while (I::try_recv(c2, &rest) == LFGO_OK) {
        }
    }
    y.join();
    EXPECT_EQ(defaults, 0) << defaults << " of " << kRounds << " rounds took the default";
}

TYPED_TEST(GoFidelity, SelectTryNeverDefaultsWhenASendBecomesPossible)
{
    send_recv_variant<TypeParam>(Mode::Try, 0);
    send_recv_variant<TypeParam>(Mode::Try, 16);
}

TYPED_TEST(GoFidelity, SelectPastDeadlineNeverTimesOutWhenASendBecomesPossible)
{
    send_recv_variant<TypeParam>(Mode::PastDeadline, 16);
}

// ------------------------------------------------------------ 2. chan struct{}

TYPED_TEST(GoFidelity, ZeroSizeElementsBuffered)
{
    using I = TypeParam;
    Watchdog wd(kBudget);
    EXPECT_GT(I::size(0, 4, LFGO_CHAN_MPMC), 0u);
    Chan<I> c(3, 0);
    ASSERT_NE(c.c, nullptr);
    EXPECT_EQ(I::send(c, nullptr), LFGO_OK);
    EXPECT_EQ(I::try_send(c, nullptr), LFGO_OK);
    timespec d = lfgo_deadline_after_ns(1000000);
    EXPECT_EQ(I::send_until(c, nullptr, &d), LFGO_OK);
    EXPECT_EQ(I::try_send(c, nullptr), LFGO_WOULDBLOCK);
    EXPECT_EQ(I::len(c), 3u);
    EXPECT_EQ(I::recv(c, nullptr), LFGO_OK);
    EXPECT_EQ(I::try_recv(c, nullptr), LFGO_OK);
    size_t done = 9;
    EXPECT_EQ(I::try_send_many(c, nullptr, 5, &done), LFGO_WOULDBLOCK);
    EXPECT_EQ(done, 2u);
    EXPECT_EQ(I::recv_many(c, nullptr, 8, &done), LFGO_OK);
    EXPECT_EQ(done, 3u);
    EXPECT_EQ(I::recv_until(c, nullptr, &d), LFGO_TIMEOUT);
    typename I::scase cs[2] = {send_case<I>(c, nullptr), recv_case<I>(c, nullptr)};
    size_t ch = 9;
    EXPECT_EQ(I::select_try(cs, 1, &ch), LFGO_OK);
    EXPECT_EQ(I::select_try(cs + 1, 1, &ch), LFGO_OK);
    EXPECT_EQ(I::close(c), LFGO_OK);
    EXPECT_EQ(I::recv(c, nullptr), LFGO_CLOSED);
}

TYPED_TEST(GoFidelity, ZeroSizeElementsUnbuffered)
{
    using I = TypeParam;
    Watchdog wd(kBudget);
    Chan<I> c(0, 0);
    ASSERT_NE(c.c, nullptr);
    const int n = (int)scaled(20000);
    std::thread t([&] {
        for (int i = 0; i < n; i++) {
            if (i % 3 == 0) {
                typename I::scase cs[1] = {send_case<I>(c, nullptr)};
                size_t ch;
                ASSERT_EQ(I::select(cs, 1, &ch), LFGO_OK);
            } else {
                ASSERT_EQ(I::send(c, nullptr), LFGO_OK);
            }
        }
        ASSERT_EQ(I::close(c), LFGO_OK);
    });
    int got = 0;
    while (I::recv(c, nullptr) == LFGO_OK)
        got++;
    t.join();
    EXPECT_EQ(got, n);
}

// Go's chan struct{} as a counting semaphore: acquire = send, release =
// recv; never more than `cap` holders at once.
TYPED_TEST(GoFidelity, ZeroSizeChannelAsSemaphore)
{
    using I = TypeParam;
    Watchdog wd(kBudget);
    const size_t limit = 3;
    Chan<I> sem(limit, 0);
    std::atomic<int> holders{0}, peak{0};
    const int per = (int)scaled(20000);
    std::vector<std::thread> ts;
    for (int k = 0; k < 8; k++)
        ts.emplace_back([&] {
            for (int i = 0; i < per; i++) {
                ASSERT_EQ(I::send(sem, nullptr), LFGO_OK);
                int h = ++holders;
                int p = peak.load();
                while (h > p && !peak.compare_exchange_weak(p, h)) {
                }
                --holders;
                ASSERT_EQ(I::recv(sem, nullptr), LFGO_OK);
            }
        });
    for (auto &t : ts)
        t.join();
    EXPECT_LE(peak.load(), (int)limit);
    EXPECT_GE(peak.load(), 1);
    EXPECT_EQ(I::len(sem), 0u);
}

// ------------------------------------------------------------ 3. zero values

TYPED_TEST(GoFidelity, ClosedReceiveZeroFills)
{
    using I = TypeParam;
    Watchdog wd(kBudget);
    for (size_t cap : {0, 1, 4}) {
        Chan<I> c(cap);
        ASSERT_EQ(I::close(c), LFGO_OK);
        int64_t x = -1;
        EXPECT_EQ(I::recv(c, &x), LFGO_CLOSED);
        EXPECT_EQ(x, 0) << "recv, cap " << cap;
        x = -1;
        EXPECT_EQ(I::try_recv(c, &x), LFGO_CLOSED);
        EXPECT_EQ(x, 0) << "try_recv, cap " << cap;
        x = -1;
        timespec d = lfgo_deadline_after_ns(1000000);
        EXPECT_EQ(I::recv_until(c, &x, &d), LFGO_CLOSED);
        EXPECT_EQ(x, 0) << "recv_until, cap " << cap;
        int64_t many[3] = {-1, -1, -1};
        size_t done = 7;
        EXPECT_EQ(I::recv_many(c, many, 3, &done), LFGO_CLOSED);
        EXPECT_EQ(done, 0u);
        EXPECT_EQ(many[0], 0) << "recv_many zero-fills out[0], cap " << cap;
        EXPECT_EQ(many[1], -1) << "and leaves the rest, cap " << cap;
        x = -1;
        typename I::scase cs[1] = {recv_case<I>(c, &x)};
        size_t ch = 9;
        EXPECT_EQ(I::select_try(cs, 1, &ch), LFGO_OK);
        EXPECT_EQ(cs[0].status, LFGO_CLOSED);
        EXPECT_EQ(x, 0) << "select recv case, cap " << cap;
    }
}

// A receiver blocked (in a call or a select) when the channel is closed
// also gets the zero value.
TYPED_TEST(GoFidelity, BlockedReceiverGetsZeroValueOnClose)
{
    using I = TypeParam;
    Watchdog wd(kBudget);
    for (size_t cap : {0, 2}) {
        for (bool sel : {false, true}) {
            Chan<I> c(cap);
            int64_t x = -1;
            lfgo_status st = LFGO_OK;
            std::thread t([&] {
                if (sel) {
                    typename I::scase cs[1] = {recv_case<I>(c, &x)};
                    size_t ch;
                    ASSERT_EQ(I::select(cs, 1, &ch), LFGO_OK);
                    st = cs[0].status;
                } else {
                    st = I::recv(c, &x);
                }
            });
            std::this_thread::sleep_for(20ms);
            ASSERT_EQ(I::close(c), LFGO_OK);
            t.join();
            EXPECT_EQ(st, LFGO_CLOSED);
            EXPECT_EQ(x, 0) << "cap " << cap << (sel ? " select" : " recv");
        }
    }
}

TYPED_TEST(GoFidelity, ReceiveIntoNullDiscards)
{
    using I = TypeParam;
    Watchdog wd(kBudget);
    Chan<I> b(4);
    int64_t v = 5, out = 0;
    ASSERT_EQ(I::send(b, &v), LFGO_OK);
    v = 6;
    ASSERT_EQ(I::send(b, &v), LFGO_OK);
    v = 7;
    ASSERT_EQ(I::send(b, &v), LFGO_OK);
    EXPECT_EQ(I::recv(b, nullptr), LFGO_OK); // discards 5
    typename I::scase cs[1] = {recv_case<I>(b, nullptr)};
    size_t ch;
    EXPECT_EQ(I::select_try(cs, 1, &ch), LFGO_OK); // discards 6
    EXPECT_EQ(I::try_recv(b, &out), LFGO_OK);
    EXPECT_EQ(out, 7);
    size_t done;
    ASSERT_EQ(I::send(b, &v), LFGO_OK);
    EXPECT_EQ(I::try_recv_many(b, nullptr, 4, &done), LFGO_OK);
    EXPECT_EQ(done, 1u);

    Chan<I> u(0); // unbuffered: the sender completes, the value is dropped
    for (int k = 0; k < 3; k++) {
        std::thread t([&] {
            int64_t w = 9;
            ASSERT_EQ(I::send(u, &w), LFGO_OK);
        });
        if (k == 2) {
            typename I::scase us[1] = {recv_case<I>(u, nullptr)};
            EXPECT_EQ(I::select(us, 1, &ch), LFGO_OK);
        } else {
            EXPECT_EQ(I::recv(u, nullptr), LFGO_OK);
        }
        t.join();
    }
}

// ------------------------------------------------------------ 4. select {}

// Go's `select {}` (and a select whose cases are all nil channels) blocks
// forever.  The thread is left parked (detached) for the rest of the test
// program; it must use no CPU while it waits.
TYPED_TEST(GoFidelity, SelectWithNoEnabledCaseBlocksForeverParked)
{
    using I = TypeParam;
    for (int variant = 0; variant < 2; variant++) {
        auto *returned = new std::atomic<bool>(false);
        auto *started = new std::atomic<bool>(false);
        std::thread t([returned, started, variant] {
            static typename I::scase none[2]; // chan == NULL: disabled
            size_t ch;
            started->store(true);
            if (variant == 0)
                (void)I::select(nullptr, 0, &ch);
            else
                (void)I::select(none, 2, &ch);
            returned->store(true);
        });
        pthread_t h = t.native_handle();
        t.detach();
        while (!started->load())
            std::this_thread::yield();
        std::this_thread::sleep_for(50ms);
        double c0 = thread_cpu_ms(h);
        std::this_thread::sleep_for(300ms);
        double c1 = thread_cpu_ms(h);
        EXPECT_FALSE(returned->load()) << "select {} returned";
        EXPECT_LT(c1 - c0, 30.0) << "select {} used CPU while blocked: " << (c1 - c0) << " ms";
    }
}

// ------------------------------------------------------------ 5. deadlines

struct DeadlineShapes {
    timespec past = lfgo_deadline_after_ns(-1000000);
    timespec negative = {-2000000, 0};               // a valid time before boot
    timespec very_negative = lfgo_deadline_after_ns(-2000000000000LL);
    timespec far = {(time_t)(INT64_MAX / 4), 0};     // waits as long as the clock allows
    timespec bad_nsec_neg = {1, -1};
    timespec bad_nsec_big = {1, 1000000000L};
};

int g_misuse = 0;
void count_misuse(const char *, const char *, void *) { g_misuse++; }

struct MisuseCounter {
    MisuseCounter()
    {
        g_misuse = 0;
        lfgo_set_misuse_handler(count_misuse, nullptr);
    }
    ~MisuseCounter() { lfgo_set_misuse_handler(nullptr, nullptr); }
};

// Every _until call of the channel API with every shape of deadline: a past
// or negative one tries once (LFGO_TIMEOUT, or the result if it could
// complete at once); a malformed one is misuse before anything happens; a
// far one waits for the partner.
TYPED_TEST(GoFidelity, ChannelDeadlinesOfEveryShape)
{
    using I = TypeParam;
    Watchdog wd(kBudget);
    DeadlineShapes d;
    for (size_t cap : {0, 2}) {
        Chan<I> c(cap);
        int64_t v = 1, out = 0, arr[2] = {1, 2};
        size_t done = 0, ch = 0;
        typename I::scase rs[1] = {recv_case<I>(c, &out)};
        for (const timespec *p : {&d.past, &d.negative, &d.very_negative}) {
            EXPECT_EQ(I::recv_until(c, &out, p), LFGO_TIMEOUT);
            EXPECT_EQ(I::recv_many_until(c, arr, 2, &done, p), LFGO_TIMEOUT);
            EXPECT_EQ(I::select_until(rs, 1, &ch, p), LFGO_TIMEOUT);
            EXPECT_EQ(I::select_until(nullptr, 0, &ch, p), LFGO_TIMEOUT);
            if (cap == 0) {
                EXPECT_EQ(I::send_until(c, &v, p), LFGO_TIMEOUT);
                EXPECT_EQ(I::send_many_until(c, arr, 2, &done, p), LFGO_TIMEOUT);
            } else {
                EXPECT_EQ(I::send_until(c, &v, p), LFGO_OK); // room: completes at once
                EXPECT_EQ(I::recv_until(c, &out, p), LFGO_OK);
            }
        }
        {
            MisuseCounter mc;
            for (const timespec *p : {&d.bad_nsec_neg, &d.bad_nsec_big}) {
                EXPECT_EQ(I::send_until(c, &v, p), LFGO_MISUSE);
                EXPECT_EQ(I::recv_until(c, &out, p), LFGO_MISUSE);
                EXPECT_EQ(I::send_many_until(c, arr, 2, &done, p), LFGO_MISUSE);
                EXPECT_EQ(I::recv_many_until(c, arr, 2, &done, p), LFGO_MISUSE);
                EXPECT_EQ(I::select_until(rs, 1, &ch, p), LFGO_MISUSE);
                EXPECT_EQ(I::select_until(nullptr, 0, &ch, p), LFGO_MISUSE);
            }
            EXPECT_EQ(g_misuse, 12);
            EXPECT_EQ(I::len(c), 0u) << "a malformed deadline attempted the operation";
        }
        // Far future: waits, and completes when the partner comes.
        std::thread t([&] {
            std::this_thread::sleep_for(20ms);
            int64_t w = 77;
            ASSERT_EQ(I::send(c, &w), LFGO_OK);
        });
        EXPECT_EQ(I::recv_until(c, &out, &d.far), LFGO_OK);
        EXPECT_EQ(out, 77);
        t.join();
        std::thread t2([&] {
            std::this_thread::sleep_for(20ms);
            int64_t w = 78;
            ASSERT_EQ(I::send(c, &w), LFGO_OK);
        });
        out = 0;
        EXPECT_EQ(I::select_until(rs, 1, &ch, &d.far), LFGO_OK);
        EXPECT_EQ(out, 78);
        t2.join();
    }
}

// The same for the WaitGroup, SizedWaitGroup and mutex, lfgo and twin.
TEST(GoFidelityDeadlines, WaitGroupSizedWaitGroupMutexLfgo)
{
    Watchdog wd(kBudget);
    DeadlineShapes d;
    lfgo_wg wg;
    lfgo_wg_init(&wg);
    lfgo_wg_add(&wg, 1);
    lfgo_swg *swg = new lfgo_swg;
    ASSERT_EQ(lfgo_swg_init(swg, 1), LFGO_OK);
    lfgo_swg_add(swg);
    lfgo_mutex mu;
    lfgo_mutex_init(&mu);
    // A holder thread owns the lock (a pthread mutex is unlocked by its owner).
    std::atomic<int> held{0};
    std::thread holder([&] {
        lfgo_mutex_lock(&mu);
        held = 1;
        while (held.load() != 2)
            std::this_thread::yield();
        std::this_thread::sleep_for(20ms);
        lfgo_mutex_unlock(&mu);
    });
    while (held.load() != 1)
        std::this_thread::yield();
    for (const timespec *p : {&d.past, &d.negative, &d.very_negative}) {
        EXPECT_EQ(lfgo_wg_wait_until(&wg, p), LFGO_TIMEOUT);
        EXPECT_EQ(lfgo_swg_add_until(swg, p), LFGO_TIMEOUT);
        EXPECT_EQ(lfgo_swg_wait_until(swg, p), LFGO_TIMEOUT);
        EXPECT_EQ(lfgo_mutex_lock_until(&mu, p), LFGO_TIMEOUT);
    }
    {
        MisuseCounter mc;
        for (const timespec *p : {&d.bad_nsec_neg, &d.bad_nsec_big}) {
            EXPECT_EQ(lfgo_wg_wait_until(&wg, p), LFGO_MISUSE);
            EXPECT_EQ(lfgo_swg_add_until(swg, p), LFGO_MISUSE);
            EXPECT_EQ(lfgo_swg_wait_until(swg, p), LFGO_MISUSE);
            EXPECT_EQ(lfgo_mutex_lock_until(&mu, p), LFGO_MISUSE);
        }
        EXPECT_EQ(g_misuse, 8);
    }
    held = 2;
    std::thread t([&] {
        std::this_thread::sleep_for(20ms);
        lfgo_swg_done(swg);
        lfgo_wg_done(&wg);
    });
    EXPECT_EQ(lfgo_mutex_lock_until(&mu, &d.far), LFGO_OK);
    EXPECT_EQ(lfgo_swg_add_until(swg, &d.far), LFGO_OK);
    EXPECT_EQ(lfgo_wg_wait_until(&wg, &d.far), LFGO_OK);
    t.join();
    holder.join();
    lfgo_swg_done(swg);
    EXPECT_EQ(lfgo_swg_wait_until(swg, &d.far), LFGO_OK);
    lfgo_mutex_unlock(&mu);
    lfgo_swg_destroy(swg);
    delete swg;
    lfgo_mutex_destroy(&mu);
    lfgo_wg_destroy(&wg);
}

TEST(GoFidelityDeadlines, WaitGroupSizedWaitGroupMutexTwin)
{
    Watchdog wd(kBudget);
    DeadlineShapes d;
    lfgo_twin_wg wg;
    lfgo_twin_wg_init(&wg);
    lfgo_twin_wg_add(&wg, 1);
    lfgo_twin_swg swg;
    ASSERT_EQ(lfgo_twin_swg_init(&swg, 1), LFGO_OK);
    lfgo_twin_swg_add(&swg);
    lfgo_twin_mutex mu;
    lfgo_twin_mutex_init(&mu);
    // A holder thread owns the lock (a pthread mutex is unlocked by its owner).
    std::atomic<int> held{0};
    std::thread holder([&] {
        lfgo_twin_mutex_lock(&mu);
        held = 1;
        while (held.load() != 2)
            std::this_thread::yield();
        std::this_thread::sleep_for(20ms);
        lfgo_twin_mutex_unlock(&mu);
    });
    while (held.load() != 1)
        std::this_thread::yield();
    for (const timespec *p : {&d.past, &d.negative, &d.very_negative}) {
        EXPECT_EQ(lfgo_twin_wg_wait_until(&wg, p), LFGO_TIMEOUT);
        EXPECT_EQ(lfgo_twin_swg_add_until(&swg, p), LFGO_TIMEOUT);
        EXPECT_EQ(lfgo_twin_swg_wait_until(&swg, p), LFGO_TIMEOUT);
        EXPECT_EQ(lfgo_twin_mutex_lock_until(&mu, p), LFGO_TIMEOUT);
    }
    {
        MisuseCounter mc;
        for (const timespec *p : {&d.bad_nsec_neg, &d.bad_nsec_big}) {
            EXPECT_EQ(lfgo_twin_wg_wait_until(&wg, p), LFGO_MISUSE);
            EXPECT_EQ(lfgo_twin_swg_add_until(&swg, p), LFGO_MISUSE);
            EXPECT_EQ(lfgo_twin_swg_wait_until(&swg, p), LFGO_MISUSE);
            EXPECT_EQ(lfgo_twin_mutex_lock_until(&mu, p), LFGO_MISUSE);
        }
        EXPECT_EQ(g_misuse, 8);
    }
    held = 2;
    std::thread t([&] {
        std::this_thread::sleep_for(20ms);
        lfgo_twin_swg_done(&swg);
        lfgo_twin_wg_done(&wg);
    });
    EXPECT_EQ(lfgo_twin_mutex_lock_until(&mu, &d.far), LFGO_OK);
    EXPECT_EQ(lfgo_twin_swg_add_until(&swg, &d.far), LFGO_OK);
    EXPECT_EQ(lfgo_twin_wg_wait_until(&wg, &d.far), LFGO_OK);
    t.join();
    holder.join();
    lfgo_twin_swg_done(&swg);
    EXPECT_EQ(lfgo_twin_swg_wait_until(&swg, &d.far), LFGO_OK);
    lfgo_twin_mutex_unlock(&mu);
    lfgo_twin_swg_destroy(&swg);
    lfgo_twin_mutex_destroy(&mu);
    lfgo_twin_wg_destroy(&wg);
}

} // namespace
