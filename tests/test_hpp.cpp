// lfgo/lfgo.hpp: the typed channel, the Lockable/TimedLockable mutex, the
// WaitGroups and the deadline conversion.  Built twice: test_hpp as C++17
// and test_hpp_cxx20 as C++20 (tests/CMakeLists.txt); the first test checks
// that each really is compiled as the standard its name says.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>
#include <lfgo/lfgo.hpp>

#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::Watchdog;

namespace {

// Trivially copyable but not default constructible: chan<T> must not need
// a default constructor.
struct Msg {
    Msg(int p, int s) : producer(p), seq(s) {}
    int producer;
    int seq;
};
static_assert(std::is_trivially_copyable_v<Msg> && !std::is_default_constructible_v<Msg>);

// Nanoseconds from a to b.
int64_t ns_between(const timespec &a, const timespec &b)
{
    return (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
}

TEST(Hpp, CompiledAsTheStandardItsTargetSays)
{
    EXPECT_EQ(__cplusplus, LFGO_HPP_EXPECT_CPLUSPLUS);
}

TEST(Hpp, SteadyClockDeadlineIsClockMonotonic)
{
    for (int i = 0; i < 100; i++) {
        timespec before = lfgo_now();
        timespec d = lfgo::detail::deadline(std::chrono::steady_clock::now() + 1s);
        timespec after = lfgo_now();
        EXPECT_GE(ns_between(before, d), 1000000000);
        EXPECT_LE(ns_between(after, d), 1000000000);
        ASSERT_GE(d.tv_nsec, 0);
        ASSERT_LT(d.tv_nsec, 1000000000);
    }
}

TEST(Hpp, OtherClocksAreConvertedAtTheCall)
{
    timespec before = lfgo_now();
    timespec d = lfgo::detail::deadline(std::chrono::system_clock::now() + 2s);
    timespec after = lfgo_now();
    // 2 s from now, give or take the time the two clock reads took.
    EXPECT_GE(ns_between(before, d), 2000000000 - 50000000);
    EXPECT_LE(ns_between(after, d), 2000000000 + 50000000);
    ASSERT_GE(d.tv_nsec, 0);
    ASSERT_LT(d.tv_nsec, 1000000000);
}

TEST(Hpp, FarDeadlinesClampInsteadOfOverflowing)
{
    timespec far = lfgo::detail::deadline(std::chrono::steady_clock::time_point::max());
    EXPECT_GT(far.tv_sec, lfgo_now().tv_sec + 1000000000LL);
    timespec past = lfgo::detail::deadline(std::chrono::steady_clock::time_point::min());
    EXPECT_LT(past.tv_sec, 0);
    lfgo::wait_group wg;
    wg.add(1);
    EXPECT_FALSE(wg.wait_until(std::chrono::steady_clock::time_point::min()));
    wg.done();
    EXPECT_TRUE(wg.wait_until(std::chrono::steady_clock::time_point::max()));
    EXPECT_TRUE(wg.wait_for(std::chrono::hours::max()));
}

TEST(Hpp, ChanRecvReturnsValuesThenNulloptWhenClosedAndDrained)
{
    lfgo::chan<int> ch(4);
    EXPECT_EQ(ch.capacity(), 4u);
    EXPECT_TRUE(ch.send(1));
    EXPECT_TRUE(ch.send(2));
    EXPECT_EQ(ch.size(), 2u);
    EXPECT_EQ(ch.close(), LFGO_OK);
    EXPECT_FALSE(ch.send(3));
    EXPECT_EQ(ch.try_send(3), LFGO_CLOSED);
    EXPECT_EQ(ch.recv(), std::optional<int>(1));
    EXPECT_EQ(ch.recv(), std::optional<int>(2));
    EXPECT_EQ(ch.recv(), std::nullopt);
    lfgo::status why = LFGO_OK;
    EXPECT_EQ(ch.try_recv(&why), std::nullopt);
    EXPECT_EQ(why, LFGO_CLOSED);
}

TEST(Hpp, ChanTryAndUntilReportWhy)
{
    Watchdog wd(kBudget);
    lfgo::chan<Msg> ch(1);
    lfgo::status why = LFGO_OK;
    EXPECT_EQ(ch.try_recv(&why), std::nullopt);
    EXPECT_EQ(why, LFGO_WOULDBLOCK);
    EXPECT_EQ(ch.try_send(Msg(1, 2)), LFGO_OK);
    EXPECT_EQ(ch.try_send(Msg(1, 3)), LFGO_WOULDBLOCK);
    EXPECT_EQ(ch.send_until(Msg(1, 3), std::chrono::steady_clock::now() + 1ms), LFGO_TIMEOUT);
    EXPECT_EQ(ch.send_for(Msg(1, 3), 1ms), LFGO_TIMEOUT);
    std::optional<Msg> m = ch.recv_until(std::chrono::system_clock::now() + 1s, &why);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(why, LFGO_OK);
    EXPECT_EQ(m->producer, 1);
    EXPECT_EQ(m->seq, 2);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(ch.recv_until(t0 + 20ms, &why).has_value());
    EXPECT_EQ(why, LFGO_TIMEOUT);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 20ms);
    EXPECT_FALSE(ch.recv_for(1ms, &why).has_value());
    EXPECT_EQ(why, LFGO_TIMEOUT);
}

TEST(Hpp, ChanIsMovableAndOwnsOneChannel)
{
    lfgo::chan<int> a(2);
    lfgo_chan *raw = a.native_handle();
    lfgo::chan<int> b(std::move(a));
    EXPECT_EQ(a.native_handle(), nullptr);
    EXPECT_EQ(b.native_handle(), raw);
    EXPECT_TRUE(b.send(7));
    lfgo::chan<int> c(1);
    c = std::move(b); // destroys c's own channel (ASan: no leak)
    EXPECT_EQ(c.native_handle(), raw);
    EXPECT_EQ(c.recv(), std::optional<int>(7));
    EXPECT_THROW(lfgo::chan<int>(1, static_cast<lfgo::chan_kind>(99)), std::invalid_argument);
}

// Every value sent by every producer is received exactly once, in each
// producer's order, for unbuffered and buffered channels of every kind that
// allows several producers, over many rounds.
TEST(Hpp, ChanDeliversEachValueExactlyOnceInProducerOrder)
{
    Watchdog wd(kBudget);
    const int producers = 3, per = (int)scaled(3000), rounds = (int)scaled(20);
    for (size_t cap : {size_t(0), size_t(1), size_t(64)})
        for (int r = 0; r < rounds; r++) {
            lfgo::chan<Msg> ch(cap, r % 2 ? LFGO_CHAN_MPSC : LFGO_CHAN_MPMC);
            std::vector<std::thread> ts;
            for (int p = 0; p < producers; p++)
                ts.emplace_back([&, p] {
                    for (int i = 0; i < per; i++)
                        ASSERT_TRUE(ch.send(Msg(p, i)));
                });
            std::array<int, producers> next{};
            for (int n = 0; n < producers * per; n++) {
                std::optional<Msg> m = ch.recv();
                ASSERT_TRUE(m.has_value());
                ASSERT_EQ(m->seq, next[m->producer]) << "cap " << cap << " round " << r;
                next[m->producer]++;
            }
            for (auto &t : ts)
                t.join();
            ch.close();
            EXPECT_EQ(ch.recv(), std::nullopt);
            for (int p = 0; p < producers; p++)
                EXPECT_EQ(next[p], per);
        }
}

// The mutex meets BasicLockable, Lockable and TimedLockable: the standard
// lock types accept it, and it excludes.
TEST(Hpp, MutexWorksWithTheStandardLockTypes)
{
    Watchdog wd(kBudget);
    lfgo::mutex a, b;
    long counter = 0; // plain: only the mutexes protect it
    const int threads = 4, iters = (int)scaled(20000);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; t++)
        ts.emplace_back([&, t] {
            for (int i = 0; i < iters; i++) {
                switch ((t + i) % 4) {
                case 0: {
                    std::lock_guard<lfgo::mutex> g(a);
                    counter++;
                    break;
                }
                case 1: {
                    std::unique_lock<lfgo::mutex> g(a, std::defer_lock);
                    while (!g.try_lock_for(1ms)) {
                    }
                    counter++;
                    break;
                }
                case 2: {
                    std::scoped_lock g(b, a); // deadlock-free pair (std::lock)
                    counter++;
                    break;
                }
                default: {
                    std::unique_lock<lfgo::mutex> g(a, std::chrono::steady_clock::now() + 1s);
                    ASSERT_TRUE(g.owns_lock());
                    counter++;
                }
                }
            }
        });
    for (auto &t : ts)
        t.join();
    EXPECT_EQ(counter, (long)threads * iters);
}

TEST(Hpp, MutexTimedLockTimesOutWhileHeld)
{
    Watchdog wd(kBudget);
    lfgo::mutex m;
    std::unique_lock<lfgo::mutex> held(m);
    std::thread([&] {
        EXPECT_FALSE(m.try_lock());
        auto t0 = std::chrono::steady_clock::now();
        EXPECT_FALSE(m.try_lock_for(20ms));
        EXPECT_GE(std::chrono::steady_clock::now() - t0, 20ms);
        EXPECT_FALSE(m.try_lock_until(std::chrono::system_clock::now() + 5ms));
    }).join();
    held.unlock();
    EXPECT_TRUE(m.try_lock());
    m.unlock();
}

// What tasks write before done() is visible after wait() (TSan checks the
// plain writes), round after round on the same object.
TEST(Hpp, WaitGroupPublishesTheTasksWrites)
{
    Watchdog wd(kBudget);
    lfgo::wait_group wg;
    const int tasks = 4, rounds = (int)scaled(300);
    std::array<long, tasks> data{};
    for (int r = 0; r < rounds; r++) {
        wg.add(tasks);
        std::vector<std::thread> ts;
        for (int t = 0; t < tasks; t++)
            ts.emplace_back([&, t] {
                data[t] += t + 1;
                wg.done();
            });
        wg.wait();
        for (int t = 0; t < tasks; t++)
            ASSERT_EQ(data[t], (long)(r + 1) * (t + 1));
        EXPECT_TRUE(wg.try_wait());
        EXPECT_EQ(wg.count(), 0);
        for (auto &t : ts)
            t.join();
    }
    wg.add();
    EXPECT_FALSE(wg.try_wait());
    EXPECT_FALSE(wg.wait_for(5ms));
    wg.done();
    EXPECT_TRUE(wg.wait_until(std::chrono::steady_clock::now()));
}

TEST(Hpp, SizedWaitGroupBoundsTasksInFlight)
{
    Watchdog wd(kBudget);
    lfgo::sized_wait_group swg(2);
    std::atomic<int> running{0}, peak{0};
    std::vector<std::thread> ts;
    const int tasks = (int)scaled(200);
    for (int i = 0; i < tasks; i++) {
        swg.add();
        ts.emplace_back([&] {
            int now = running.fetch_add(1) + 1;
            int p = peak.load();
            while (now > p && !peak.compare_exchange_weak(p, now)) {
            }
            running.fetch_sub(1);
            swg.done();
        });
    }
    swg.wait();
    for (auto &t : ts)
        t.join();
    EXPECT_LE(peak.load(), 2);
    EXPECT_EQ(swg.in_flight(), 0);
    EXPECT_TRUE(swg.try_add());
    EXPECT_TRUE(swg.add_until(std::chrono::steady_clock::now()));
    EXPECT_FALSE(swg.try_add());
    EXPECT_FALSE(swg.add_until(std::chrono::steady_clock::now() + 1ms));
    swg.done();
    swg.done();
    EXPECT_TRUE(swg.wait_until(std::chrono::steady_clock::now() + 1s));
    EXPECT_THROW(lfgo::sized_wait_group((int64_t)INT32_MAX + 1), std::invalid_argument);
}

} // namespace
