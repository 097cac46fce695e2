// Channel behaviour tests, typed over lfgo and the twin: Go's chan_test.go and
// crossbeam's tests/golang.rs checklist, written fresh, plus bad input and
// misuse.  Every blocking test runs under a Watchdog.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "chan_typed.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using lfgo_test::kBudget;
using lfgo_test::Watchdog;

namespace {

template <class I> struct Chan {
    typename I::chan *c = nullptr;
    Chan(size_t cap, size_t elem = sizeof(int64_t), lfgo_chan_kind k = LFGO_CHAN_MPMC)
    {
        EXPECT_EQ(I::create(&c, elem, cap, k), LFGO_OK);
    }
    ~Chan() { I::destroy(c); }
    operator typename I::chan *() const { return c; }
};

timespec after_ms(int64_t ms) { return lfgo_deadline_after_ns(ms * 1000000); }

double elapsed_ms(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Waits (bounded by the caller's watchdog) until f() holds.
template <class F> void eventually(F f)
{
    while (!f())
        std::this_thread::sleep_for(1ms);
}

template <class I> class ChanTest : public ::testing::Test {};
TYPED_TEST_SUITE(ChanTest, lfgo_test::ChanImpls, lfgo_test::ImplNames);

// ------------------------------------------------------------ bad input

TYPED_TEST(ChanTest, CreateRejectsBadShapes)
{
    using I = TypeParam;
    typename I::chan *c = nullptr;
    EXPECT_EQ(I::create(&c, 8, SIZE_MAX / 2), LFGO_EINVAL);  // cap * size overflows
    EXPECT_EQ(I::create(&c, SIZE_MAX / 2, 4), LFGO_EINVAL);  // likewise
    EXPECT_EQ(I::create(nullptr, 8, 4), LFGO_EINVAL);        // NULL out
    EXPECT_EQ(I::create(&c, 8, 4, (lfgo_chan_kind)9), LFGO_EINVAL);
    EXPECT_EQ(I::size(8, SIZE_MAX / 2, LFGO_CHAN_MPMC), 0u);
    EXPECT_EQ(c, nullptr);
}

TYPED_TEST(ChanTest, InitInCallerMemory)
{
    using I = TypeParam;
    for (size_t cap : {0, 1, 5, 8}) {
        size_t need = I::size(sizeof(int64_t), cap, LFGO_CHAN_SPSC);
        ASSERT_GT(need, 0u);
        std::vector<unsigned char> mem(need + 1);
        typename I::chan *c = nullptr;
        EXPECT_EQ(I::init(&c, mem.data() + 1, need - 1, 8, cap, LFGO_CHAN_SPSC), LFGO_EINVAL);
        EXPECT_EQ(I::init(&c, nullptr, need, 8, cap, LFGO_CHAN_SPSC), LFGO_EINVAL);
        ASSERT_EQ(I::init(&c, mem.data() + 1, need, 8, cap, LFGO_CHAN_SPSC), LFGO_OK);
        EXPECT_GE((unsigned char *)c, mem.data() + 1);
        EXPECT_EQ(I::cap(c), cap);
        int64_t v = 7, out = 0;
        if (cap) {
            EXPECT_EQ(I::send(c, &v), LFGO_OK);
            EXPECT_EQ(I::recv(c, &out), LFGO_OK);
            EXPECT_EQ(out, 7);
        }
        I::destroy(c);
    }
}

TYPED_TEST(ChanTest, LargeElementsAndOddCapacity)
{
    using I = TypeParam;
    struct Big {
        char b[100];
    };
    Chan<I> c(3, sizeof(Big));
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 3; i++) {
            Big b;
            std::memset(b.b, 'a' + i + round, sizeof b.b);
            ASSERT_EQ(I::send(c, &b), LFGO_OK);
        }
        Big x;
        EXPECT_EQ(I::try_send(c, &x), LFGO_WOULDBLOCK);
        for (int i = 0; i < 3; i++) {
            Big b;
            ASSERT_EQ(I::recv(c, &b), LFGO_OK);
            for (char ch : b.b)
                ASSERT_EQ(ch, 'a' + i + round);
        }
    }
}

// ------------------------------------------------------------ basics

TYPED_TEST(ChanTest, BufferedFifoLenCap)
{
    using I = TypeParam;
    Chan<I> c(4);
    EXPECT_EQ(I::cap(c), 4u);
    for (int64_t i = 0; i < 4; i++) {
        EXPECT_EQ(I::len(c), (size_t)i);
        ASSERT_EQ(I::try_send(c, &i), LFGO_OK);
    }
    int64_t x = 99;
    EXPECT_EQ(I::try_send(c, &x), LFGO_WOULDBLOCK);
    EXPECT_EQ(I::len(c), 4u);
    for (int64_t i = 0; i < 4; i++) {
        ASSERT_EQ(I::try_recv(c, &x), LFGO_OK);
        EXPECT_EQ(x, i);
    }
    EXPECT_EQ(I::try_recv(c, &x), LFGO_WOULDBLOCK);
    EXPECT_EQ(I::len(c), 0u);
}

TYPED_TEST(ChanTest, CloseDrainsThenReportsClosed)
{
    using I = TypeParam;
    Chan<I> c(3);
    int64_t a = 1, b = 2, x = -5;
    ASSERT_EQ(I::send(c, &a), LFGO_OK);
    ASSERT_EQ(I::send(c, &b), LFGO_OK);
    ASSERT_EQ(I::close(c), LFGO_OK);
    EXPECT_EQ(I::send(c, &a), LFGO_CLOSED);
    EXPECT_EQ(I::try_send(c, &a), LFGO_CLOSED);
    EXPECT_EQ(I::len(c), 2u); // the failed sends enqueued nothing
    EXPECT_EQ(I::recv(c, &x), LFGO_OK);
    EXPECT_EQ(x, 1);
    EXPECT_EQ(I::try_recv(c, &x), LFGO_OK);
    EXPECT_EQ(x, 2);
    x = -5;
    EXPECT_EQ(I::recv(c, &x), LFGO_CLOSED);
    EXPECT_EQ(x, 0); // Go's zero value with ok == false
    x = -5;
    EXPECT_EQ(I::try_recv(c, &x), LFGO_CLOSED);
    EXPECT_EQ(x, 0);
    x = -5;
    timespec d = after_ms(10);
    EXPECT_EQ(I::recv_until(c, &x, &d), LFGO_CLOSED);
    EXPECT_EQ(x, 0);
}

TYPED_TEST(ChanTest, UnbufferedCloseIsImmediate)
{
    using I = TypeParam;
    Chan<I> c(0);
    int64_t x = 3;
    ASSERT_EQ(I::close(c), LFGO_OK);
    EXPECT_EQ(I::send(c, &x), LFGO_CLOSED);
    EXPECT_EQ(I::recv(c, &x), LFGO_CLOSED);
    EXPECT_EQ(I::try_recv(c, &x), LFGO_CLOSED);
}

TYPED_TEST(ChanTest, CloseReleasesBlockedReceivers)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "blocked receivers released by close");
    for (size_t cap : {0, 1, 16}) {
        Chan<I> c(cap);
        std::atomic<int> closed{0};
        std::vector<std::thread> ts;
        for (int i = 0; i < 3; i++)
            ts.emplace_back([&] {
                int64_t x;
                if (I::recv(c, &x) == LFGO_CLOSED)
                    closed++;
            });
        std::this_thread::sleep_for(20ms);
        ASSERT_EQ(I::close(c), LFGO_OK);
        for (auto &t : ts)
            t.join();
        EXPECT_EQ(closed.load(), 3);
    }
}

TYPED_TEST(ChanTest, CloseReleasesBlockedSenders)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "blocked senders released by close");
    for (size_t cap : {0, 1, 2}) {
        Chan<I> c(cap);
        int64_t v = 1;
        for (size_t i = 0; i < cap; i++)
            ASSERT_EQ(I::send(c, &v), LFGO_OK);
        std::atomic<int> closed{0};
        std::vector<std::thread> ts;
        for (int i = 0; i < 3; i++)
            ts.emplace_back([&] {
                int64_t w = 100;
                if (I::send(c, &w) == LFGO_CLOSED)
                    closed++;
            });
        std::this_thread::sleep_for(20ms);
        ASSERT_EQ(I::close(c), LFGO_OK);
        for (auto &t : ts)
            t.join();
        EXPECT_EQ(closed.load(), 3);
        int64_t x;
        for (size_t i = 0; i < cap; i++) { // the buffered ones still drain
            ASSERT_EQ(I::recv(c, &x), LFGO_OK);
            EXPECT_EQ(x, 1);
        }
        EXPECT_EQ(I::recv(c, &x), LFGO_CLOSED); // the blocked ones were not delivered
    }
}

// ------------------------------------------------------------ unbuffered

TYPED_TEST(ChanTest, UnbufferedSendWaitsForReceiver)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "unbuffered rendezvous");
    Chan<I> c(0);
    std::atomic<bool> sent{false};
    std::thread t([&] {
        int64_t v = 42;
        EXPECT_EQ(I::send(c, &v), LFGO_OK);
        sent = true;
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(sent.load()); // a capacity-1 ring would have returned
    int64_t x = 0;
    EXPECT_EQ(I::recv(c, &x), LFGO_OK);
    EXPECT_EQ(x, 42);
    t.join();
    EXPECT_TRUE(sent.load());
}

TYPED_TEST(ChanTest, UnbufferedReceiveHappensBeforeSendCompletes)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "unbuffered receive happens-before send");
    for (int round = 0; round < 200; round++) {
        Chan<I> c(0);
        int64_t plain = 0; // not atomic: TSan checks the ordering
        std::thread r([&] {
            plain = round + 1; // before the receive
            int64_t x;
            EXPECT_EQ(I::recv(c, &x), LFGO_OK);
        });
        int64_t v = 1;
        EXPECT_EQ(I::send(c, &v), LFGO_OK);
        EXPECT_EQ(plain, round + 1); // visible once the send completed
        r.join();
    }
}

TYPED_TEST(ChanTest, UnbufferedTryOps)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "unbuffered try ops");
    Chan<I> c(0);
    int64_t v = 5, x = 0;
    EXPECT_EQ(I::try_send(c, &v), LFGO_WOULDBLOCK); // nobody waits
    EXPECT_EQ(I::try_recv(c, &x), LFGO_WOULDBLOCK);
    std::thread r([&] {
        int64_t y = 0;
        EXPECT_EQ(I::recv(c, &y), LFGO_OK);
        EXPECT_EQ(y, 5);
    });
    while (I::try_send(c, &v) != LFGO_OK) // succeeds once the receiver waits
        std::this_thread::sleep_for(1ms);
    r.join();
    std::thread s([&] {
        int64_t w = 6;
        EXPECT_EQ(I::send(c, &w), LFGO_OK);
    });
    while (I::try_recv(c, &x) != LFGO_OK)
        std::this_thread::sleep_for(1ms);
    EXPECT_EQ(x, 6);
    s.join();
}

TYPED_TEST(ChanTest, UnbufferedTimeoutWithdrawsOffer)
{
    using I = TypeParam;
    Chan<I> c(0);
    int64_t v = 1, x = 0;
    timespec d = after_ms(30);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(I::send_until(c, &v, &d), LFGO_TIMEOUT);
    EXPECT_GE(elapsed_ms(t0), 29.0);
    EXPECT_EQ(I::try_recv(c, &x), LFGO_WOULDBLOCK); // the offer is gone
    d = after_ms(30);
    EXPECT_EQ(I::recv_until(c, &x, &d), LFGO_TIMEOUT);
    EXPECT_EQ(I::try_send(c, &v), LFGO_WOULDBLOCK); // so is the receiver
}

// ------------------------------------------------------------ buffered semantics

TYPED_TEST(ChanTest, BufferedChannelIsASemaphore)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "buffered semaphore");
    constexpr int C = 2;
    Chan<I> sem(C);
    std::atomic<int> inside{0}, maxin{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 6; t++)
        ts.emplace_back([&] {
            for (int i = 0; i < 300; i++) {
                int64_t tok = 0;
                ASSERT_EQ(I::send(sem, &tok), LFGO_OK); // acquire
                int now = ++inside;
                int m = maxin.load();
                while (now > m && !maxin.compare_exchange_weak(m, now))
                    ;
                std::this_thread::yield();
                --inside;
                ASSERT_EQ(I::recv(sem, &tok), LFGO_OK); // release
            }
        });
    for (auto &t : ts)
        t.join();
    EXPECT_LE(maxin.load(), C);
    EXPECT_GE(maxin.load(), 1);
}

TYPED_TEST(ChanTest, BlockedSenderWakesWhenSpaceFrees)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "full buffer wake");
    Chan<I> c(1, sizeof(int64_t), LFGO_CHAN_SPSC);
    int64_t v = 1;
    ASSERT_EQ(I::send(c, &v), LFGO_OK);
    std::thread t([&] {
        int64_t w = 2;
        EXPECT_EQ(I::send(c, &w), LFGO_OK); // blocks until main receives
    });
    std::this_thread::sleep_for(30ms);
    int64_t x;
    ASSERT_EQ(I::recv(c, &x), LFGO_OK);
    EXPECT_EQ(x, 1);
    ASSERT_EQ(I::recv(c, &x), LFGO_OK);
    EXPECT_EQ(x, 2);
    t.join();
}

// ------------------------------------------------------------ deadlines

TYPED_TEST(ChanTest, DeadlinesTimeOut)
{
    using I = TypeParam;
    Chan<I> c(1);
    int64_t v = 1, x = 0;
    timespec d = after_ms(40);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(I::recv_until(c, &x, &d), LFGO_TIMEOUT);
    EXPECT_GE(elapsed_ms(t0), 39.0);
    ASSERT_EQ(I::send(c, &v), LFGO_OK);
    d = after_ms(40);
    t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(I::send_until(c, &v, &d), LFGO_TIMEOUT);
    EXPECT_GE(elapsed_ms(t0), 39.0);
    EXPECT_EQ(I::len(c), 1u);
}

TYPED_TEST(ChanTest, PastDeadlineTriesOnce)
{
    using I = TypeParam;
    Chan<I> c(1);
    int64_t v = 9, x = 0;
    timespec past = lfgo_deadline_after_ns(-1000000000);
    EXPECT_EQ(I::send_until(c, &v, &past), LFGO_OK); // could complete at once
    EXPECT_EQ(I::send_until(c, &v, &past), LFGO_TIMEOUT);
    EXPECT_EQ(I::recv_until(c, &x, &past), LFGO_OK);
    EXPECT_EQ(x, 9);
    EXPECT_EQ(I::recv_until(c, &x, &past), LFGO_TIMEOUT);
}

TYPED_TEST(ChanTest, DeadlineReleasedByValue)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "recv_until woken by a send");
    for (size_t cap : {0, 4}) {
        Chan<I> c(cap);
        std::thread t([&] {
            std::this_thread::sleep_for(20ms);
            int64_t v = 77;
            EXPECT_EQ(I::send(c, &v), LFGO_OK);
        });
        int64_t x = 0;
        timespec d = after_ms(60000);
        EXPECT_EQ(I::recv_until(c, &x, &d), LFGO_OK);
        EXPECT_EQ(x, 77);
        t.join();
    }
}

// ------------------------------------------------------------ batches

TYPED_TEST(ChanTest, Batches)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "batches");
    Chan<I> c(16);
    int64_t in[10], out[100];
    for (int i = 0; i < 10; i++)
        in[i] = i * 3;
    size_t done = 99;
    EXPECT_EQ(I::send_many(c, in, 0, &done), LFGO_OK); // n == 0: nothing, at once
    EXPECT_EQ(done, 0u);
    EXPECT_EQ(I::recv_many(c, out, 0, &done), LFGO_OK);
    EXPECT_EQ(done, 0u);
    ASSERT_EQ(I::send_many(c, in, 10, &done), LFGO_OK);
    EXPECT_EQ(done, 10u);
    ASSERT_EQ(I::recv_many(c, out, 100, &done), LFGO_OK); // up to n, what is there
    ASSERT_EQ(done, 10u);
    for (int i = 0; i < 10; i++)
        EXPECT_EQ(out[i], i * 3);
    EXPECT_EQ(I::try_recv_many(c, out, 4, &done), LFGO_WOULDBLOCK);
    EXPECT_EQ(done, 0u);
    timespec d = after_ms(20);
    EXPECT_EQ(I::recv_many_until(c, out, 4, &done, &d), LFGO_TIMEOUT);
    EXPECT_EQ(done, 0u);
    int64_t many[20] = {};
    EXPECT_EQ(I::try_send_many(c, many, 20, &done), LFGO_WOULDBLOCK); // 16 fit
    EXPECT_EQ(done, 16u);
    d = after_ms(20);
    EXPECT_EQ(I::send_many_until(c, many, 2, &done, &d), LFGO_TIMEOUT);
    EXPECT_EQ(done, 0u);
    ASSERT_EQ(I::close(c), LFGO_OK);
    EXPECT_EQ(I::send_many(c, in, 3, &done), LFGO_CLOSED);
    EXPECT_EQ(done, 0u);
    EXPECT_EQ(I::recv_many(c, out, 100, &done), LFGO_OK);
    EXPECT_EQ(done, 16u);
    EXPECT_EQ(I::recv_many(c, out, 100, &done), LFGO_CLOSED);
    EXPECT_EQ(done, 0u);
}

TYPED_TEST(ChanTest, RecvManyBlocksForTheFirst)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "recv_many waits for one");
    for (size_t cap : {0, 8}) {
        Chan<I> c(cap);
        std::thread t([&] {
            std::this_thread::sleep_for(20ms);
            int64_t v[3] = {1, 2, 3};
            size_t done;
            EXPECT_EQ(I::send_many(c, v, 3, &done), LFGO_OK);
            EXPECT_EQ(done, 3u);
        });
        int64_t out[8];
        size_t got = 0, done;
        while (got < 3) {
            ASSERT_EQ(I::recv_many(c, out + got, 8 - got, &done), LFGO_OK);
            ASSERT_GE(done, 1u);
            got += done;
        }
        EXPECT_EQ(out[0] + out[1] * 10 + out[2] * 100, 321);
        t.join();
    }
}

// ------------------------------------------------------------ select

template <class I> typename I::scase rc(typename I::chan *c, void *e)
{
    return typename I::scase{c, LFGO_SELECT_RECV, e, LFGO_MISUSE};
}
template <class I> typename I::scase sc(typename I::chan *c, void *e)
{
    return typename I::scase{c, LFGO_SELECT_SEND, e, LFGO_MISUSE};
}

TYPED_TEST(ChanTest, SelectDefaultAndDisabledCases)
{
    using I = TypeParam;
    Chan<I> a(1), b(0);
    int64_t x = 0, v = 4;
    typename I::scase cs[3] = {rc<I>(a, &x), rc<I>(b, &x), rc<I>(nullptr, &x)};
    size_t ch = 99;
    EXPECT_EQ(I::select_try(cs, 3, &ch), LFGO_WOULDBLOCK); // the default case
    ASSERT_EQ(I::send(a, &v), LFGO_OK);
    EXPECT_EQ(I::select_try(cs, 3, &ch), LFGO_OK);
    EXPECT_EQ(ch, 0u);
    EXPECT_EQ(cs[0].status, LFGO_OK);
    EXPECT_EQ(x, 4);
    typename I::scase none[2] = {rc<I>(nullptr, nullptr), sc<I>(nullptr, nullptr)};
    EXPECT_EQ(I::select_try(none, 2, &ch), LFGO_WOULDBLOCK); // nil channels never proceed
    EXPECT_EQ(I::select_try(nullptr, 0, &ch), LFGO_WOULDBLOCK);
    timespec d = after_ms(20);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(I::select_until(none, 2, &ch, &d), LFGO_TIMEOUT);
    EXPECT_GE(elapsed_ms(t0), 19.0);
}

TYPED_TEST(ChanTest, SelectClosedRecvIsReady)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "select closed ready");
    for (size_t cap : {0, 2}) {
        Chan<I> a(cap), b(cap);
        ASSERT_EQ(I::close(b), LFGO_OK);
        int64_t x = 0;
        typename I::scase cs[2] = {rc<I>(a, &x), rc<I>(b, &x)};
        size_t ch = 9;
        EXPECT_EQ(I::select(cs, 2, &ch), LFGO_OK);
        EXPECT_EQ(ch, 1u);
        EXPECT_EQ(cs[1].status, LFGO_CLOSED);
        typename I::scase s[1] = {sc<I>(b, &x)};
        EXPECT_EQ(I::select_try(s, 1, &ch), LFGO_OK); // a send to closed completes, CLOSED
        EXPECT_EQ(s[0].status, LFGO_CLOSED);
    }
}

TYPED_TEST(ChanTest, SelectTimesOut)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "select timeout");
    for (size_t cap : {0, 1}) {
        Chan<I> a(cap), b(cap);
        int64_t x = 0;
        if (cap) {
            ASSERT_EQ(I::send(b, &x), LFGO_OK); // b full: its send case is not ready
        }
        typename I::scase cs[2] = {rc<I>(a, &x), sc<I>(b, &x)};
        size_t ch;
        timespec d = after_ms(30);
        auto t0 = std::chrono::steady_clock::now();
        EXPECT_EQ(I::select_until(cs, 2, &ch, &d), LFGO_TIMEOUT);
        EXPECT_GE(elapsed_ms(t0), 29.0);
        // Nothing was left behind: the channels are as before.
        EXPECT_EQ(I::try_recv(a, &x), LFGO_WOULDBLOCK);
        EXPECT_EQ(I::len(b), cap);
    }
}

TYPED_TEST(ChanTest, SelectBlocksUntilAChannelChanges)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "select wakes on send / recv / close");
    for (size_t cap : {0, 1, 4}) {
        for (int what = 0; what < 3; what++) {
            Chan<I> a(cap), b(cap), full(cap);
            int64_t x = -1, y = -1, z = 5;
            for (size_t i = 0; i < cap; i++)
                ASSERT_EQ(I::send(full, &z), LFGO_OK);
            std::thread t([&] {
                std::this_thread::sleep_for(20ms);
                int64_t v = 11, w;
                if (what == 0)
                    EXPECT_EQ(I::send(b, &v), LFGO_OK);
                else if (what == 1)
                    EXPECT_EQ(I::recv(full, &w), LFGO_OK);
                else
                    EXPECT_EQ(I::close(a), LFGO_OK);
            });
            typename I::scase cs[3] = {rc<I>(a, &x), rc<I>(b, &y), sc<I>(full, &z)};
            size_t ch = 99;
            ASSERT_EQ(I::select(cs, 3, &ch), LFGO_OK);
            t.join();
            if (what == 0) {
                EXPECT_EQ(ch, 1u);
                EXPECT_EQ(y, 11);
            } else if (what == 1) {
                EXPECT_EQ(ch, 2u);
                if (cap) {
                    EXPECT_EQ(I::len(full), cap);
                }
            } else {
                EXPECT_EQ(ch, 0u);
                EXPECT_EQ(cs[0].status, LFGO_CLOSED);
            }
        }
    }
}

TYPED_TEST(ChanTest, SelectSendToWaitingReceiver)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "select send pairs with a blocked receiver");
    Chan<I> c(0), other(0);
    std::thread r([&] {
        int64_t y = 0;
        EXPECT_EQ(I::recv(c, &y), LFGO_OK);
        EXPECT_EQ(y, 31);
    });
    int64_t v = 31, x;
    typename I::scase cs[2] = {sc<I>(c, &v), rc<I>(other, &x)};
    size_t ch = 9;
    ASSERT_EQ(I::select(cs, 2, &ch), LFGO_OK);
    EXPECT_EQ(ch, 0u);
    r.join();
}

TYPED_TEST(ChanTest, SelectDuplicateChannels)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "duplicate channels in select");
    for (size_t cap : {0, 3}) {
        Chan<I> c(cap);
        constexpr int N = 300;
        std::thread s([&] {
            for (int64_t i = 0; i < N; i++)
                ASSERT_EQ(I::send(c, &i), LFGO_OK);
        });
        int64_t x[3];
        int hits[3] = {};
        for (int64_t i = 0; i < N; i++) {
            typename I::scase cs[3] = {rc<I>(c, &x[0]), rc<I>(c, &x[1]), rc<I>(c, &x[2])};
            size_t ch = 9;
            ASSERT_EQ(I::select(cs, 3, &ch), LFGO_OK);
            ASSERT_LT(ch, 3u);
            ASSERT_EQ(x[ch], i); // one case completed, in FIFO order
            hits[ch]++;
        }
        s.join();
        EXPECT_EQ(hits[0] + hits[1] + hits[2], N);
    }
}

// Two threads each select {send c, recv c} on one unbuffered channel: every
// completed send pairs with the *other* thread's receive, never its own.
TYPED_TEST(ChanTest, SelfSelectNeverPairsWithItself)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "self-select");
    Chan<I> c(0);
    constexpr int N = lfgo_test::scaled(2000) > 100 ? lfgo_test::scaled(2000) : 100;
    std::atomic<int> sends{0}, recvs{0};
    auto body = [&](int64_t me) {
        for (int i = 0; i < N; i++) {
            int64_t out = -1, in = me;
            typename I::scase cs[2] = {sc<I>(c, &in), rc<I>(c, &out)};
            size_t ch = 9;
            ASSERT_EQ(I::select(cs, 2, &ch), LFGO_OK);
            if (ch == 0) {
                sends++;
            } else {
                recvs++;
                ASSERT_NE(out, me); // got the other thread's value
            }
        }
    };
    std::thread a(body, 1), b(body, 2);
    a.join();
    b.join();
    EXPECT_EQ(sends.load(), N);
    EXPECT_EQ(recvs.load(), N);
}

// Go's TestSelectFairness, here over four always-ready channels: each case
// must be chosen 1/4 of 10,000 trials within 10 sigma.
TYPED_TEST(ChanTest, SelectFairness)
{
    using I = TypeParam;
    constexpr int K = 4, TRIALS = 10000;
    std::vector<Chan<I> *> cs;
    for (int k = 0; k < K; k++)
        cs.push_back(new Chan<I>(1));
    int64_t v = 1, x;
    for (auto *c : cs)
        ASSERT_EQ(I::send(*c, &v), LFGO_OK);
    int hits[K] = {};
    for (int t = 0; t < TRIALS; t++) {
        typename I::scase sel[K];
        for (int k = 0; k < K; k++)
            sel[k] = rc<I>(*cs[k], &x);
        size_t ch;
        ASSERT_EQ(I::select_try(sel, K, &ch), LFGO_OK);
        hits[ch]++;
        ASSERT_EQ(I::send(*cs[ch], &v), LFGO_OK);
    }
    double p = 1.0 / K, mean = TRIALS * p, sigma = std::sqrt(TRIALS * p * (1 - p));
    for (int k = 0; k < K; k++)
        EXPECT_LT(std::fabs(hits[k] - mean), 10 * sigma) << "case " << k << " hits " << hits[k];
    for (auto *c : cs)
        delete c;
}

// Many selecting receivers over two channels fed by two senders: every value
// is received by exactly one select, exactly once.
TYPED_TEST(ChanTest, SelectExactlyOnce)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "select exactly once");
    for (size_t cap : {0, 2}) {
        Chan<I> a(cap), b(cap);
        const int64_t N = lfgo_test::scaled(20000) > 500 ? lfgo_test::scaled(20000) : 500;
        std::vector<std::atomic<int>> seen(2 * N);
        std::atomic<int64_t> got{0};
        std::vector<std::thread> ts;
        for (int s = 0; s < 2; s++)
            ts.emplace_back([&, s] {
                for (int64_t i = 0; i < N; i++) {
                    int64_t v = s * N + i;
                    ASSERT_EQ(I::send(s ? b : a, &v), LFGO_OK);
                }
            });
        for (int r = 0; r < 3; r++)
            ts.emplace_back([&] {
                for (;;) {
                    int64_t x = -1, y = -1;
                    typename I::scase cs[2] = {rc<I>(a, &x), rc<I>(b, &y)};
                    size_t ch;
                    ASSERT_EQ(I::select(cs, 2, &ch), LFGO_OK);
                    if (cs[ch].status == LFGO_CLOSED)
                        return;
                    seen[ch ? y : x]++;
                    if (++got == 2 * N) {
                        I::close(a);
                        I::close(b);
                    }
                }
            });
        for (auto &t : ts)
            t.join();
        for (int64_t i = 0; i < 2 * N; i++)
            ASSERT_EQ(seen[i].load(), 1) << "value " << i;
    }
}

// ------------------------------------------------------------ the seed example

TYPED_TEST(ChanTest, SeedSum)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "seed channel sum");
    for (size_t cap : {0, 16}) {
        Chan<I> c(cap, sizeof(int));
        std::thread t1([&] {
            for (int i = 0; i < 8; i++) {
                int one = 1;
                EXPECT_EQ(I::send(c, &one), LFGO_OK);
            }
        });
        std::thread t2([&] {
            for (int i = 0; i < 8; i++) {
                int one = 1;
                EXPECT_EQ(I::send(c, &one), LFGO_OK);
            }
        });
        int sum = 0;
        for (int i = 0; i < 16; i++) {
            int x;
            ASSERT_EQ(I::recv(c, &x), LFGO_OK);
            sum += x;
        }
        t1.join();
        t2.join();
        EXPECT_EQ(sum, 16);
    }
}

// ------------------------------------------------------------ misuse

template <class I> void blocked_destroy()
{
    typename I::chan *c;
    I::create(&c, 8, 0);
    std::thread([c] {
        int64_t x;
        I::recv(c, &x);
    }).detach();
    std::this_thread::sleep_for(100ms);
    I::destroy(c);
}

TYPED_TEST(ChanTest, MisuseDies)
{
    using I = TypeParam;
    Chan<I> c(2);
    int64_t x = 0;
    EXPECT_DEATH(
        {
            I::close(c);
            I::close(c);
        },
        "close of closed channel");
    EXPECT_DEATH(I::send(nullptr, &x), "NULL channel");
    EXPECT_DEATH(I::recv(nullptr, &x), "NULL channel");
    EXPECT_DEATH(I::close(nullptr), "NULL channel");
    EXPECT_DEATH(I::send(c, nullptr), "NULL element");
    EXPECT_DEATH(I::recv_until(c, &x, nullptr), "NULL deadline");
    timespec bad_nsec = {1, 1000000000L};
    EXPECT_DEATH(I::recv_until(c, &x, &bad_nsec), "invalid deadline");
    size_t done;
    EXPECT_DEATH(I::send_many(c, nullptr, 2, &done), "NULL elements");
    EXPECT_DEATH(I::recv_many(c, &x, 1, nullptr), "NULL done");
    EXPECT_DEATH(I::destroy(nullptr), "NULL channel");
    EXPECT_DEATH(blocked_destroy<I>(), "channel destroyed with blocked threads");
    typename I::scase none[1] = {rc<I>(nullptr, nullptr)};
    size_t ch;
    typename I::scase bad[1] = {rc<I>(c, nullptr)};
    bad[0].op = LFGO_SELECT_SEND;
    EXPECT_DEATH(I::select_try(bad, 1, &ch), "NULL element in an enabled send case");
    bad[0].op = (lfgo_select_op)7;
    bad[0].elem = &x;
    EXPECT_DEATH(I::select_try(bad, 1, &ch), "invalid select op");
    EXPECT_DEATH(I::select_try(bad, 1, nullptr), "NULL chosen");
    EXPECT_DEATH(I::select_try(nullptr, 2, &ch), "NULL cases");
    EXPECT_DEATH(I::select_until(none, 1, &ch, nullptr), "NULL deadline");
}

static void count_misuse(const char *, const char *, void *ctx)
{
    ++*static_cast<int *>(ctx);
}

TYPED_TEST(ChanTest, MisuseHandlerThatReturns)
{
    using I = TypeParam;
    int n = 0;
    lfgo_misuse_fn prev = lfgo_set_misuse_handler(count_misuse, &n);
    Chan<I> c(1);
    int64_t x = 0;
    EXPECT_EQ(I::close(c), LFGO_OK);
    EXPECT_EQ(I::close(c), LFGO_MISUSE);
    EXPECT_EQ(I::send(nullptr, &x), LFGO_MISUSE);
    EXPECT_EQ(n, 2);
    lfgo_set_misuse_handler(prev, nullptr);
}

} // namespace
