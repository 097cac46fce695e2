// Idle waiters cost no CPU (issue 14: what the spinning floor ring does not
// have).  A receiver on an empty channel, or a sender on a full one, spins
// for its budget (a few microseconds) and then parks; after that its thread
// must not run until a partner or close wakes it.  Read from the thread's
// own CPU clock (pthread_getcpuclockid), which counts only time on a CPU,
// so a loaded machine does not inflate it.
//
// On lfgo and the twin: rings of every kind (MPMC and SPSC at capacities 1
// and 1024, MPSC and SPMC at 1024) and unbuffered channels; three waiters,
// more than this machine has cores, where the kind allows several.  Each round first runs
// traffic through the waiters (so they have spun, parked and been woken at
// least once), then lets them idle, reads their CPU time, and then checks
// that the values sent before and after the idle stretch arrive exactly
// once and that close releases every waiter.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "chan_typed.hpp"
#include "support/thread_cpu.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using lfgo_test::kBudget;
using lfgo_test::thread_cpu_ms;
using lfgo_test::Watchdog;

namespace {

template <class I> class ChanIdle : public ::testing::Test {};
TYPED_TEST_SUITE(ChanIdle, lfgo_test::ChanImpls, lfgo_test::ImplNames);

struct Shape {
    lfgo_chan_kind kind;
    size_t cap;
    int recvs; // receivers allowed by the kind (several: more than 2 cores)
    int sends;
    const char *name;
};

const Shape kShapes[] = {
    {LFGO_CHAN_MPMC, 1024, 3, 3, "mpmc/1024"}, {LFGO_CHAN_MPMC, 1, 3, 3, "mpmc/1"},
    {LFGO_CHAN_MPSC, 1024, 1, 3, "mpsc/1024"}, {LFGO_CHAN_SPMC, 1024, 3, 1, "spmc/1024"},
    {LFGO_CHAN_SPSC, 1024, 1, 1, "spsc/1024"}, {LFGO_CHAN_SPSC, 1, 1, 1, "spsc/1"},
    {LFGO_CHAN_MPMC, 0, 3, 3, "unbuffered/mpmc"}, {LFGO_CHAN_SPSC, 0, 1, 1, "unbuffered/spsc"},
};

// Sleep this long before reading the clocks (every spin budget is far
// shorter), then measure over kWindow; a waiter may use at most kMaxCpu of
// it (its wake-ups for the measurement itself are none: nothing is sent).
constexpr auto kSettle = 50ms;
constexpr auto kWindow = 300ms;
constexpr double kMaxCpuMs = 30.0;

// The CPU each thread used during kWindow, after kSettle.
std::vector<double> idle_cpu_ms(std::vector<std::thread> &ts)
{
    std::this_thread::sleep_for(kSettle);
    std::vector<double> c0;
    for (auto &t : ts)
        c0.push_back(thread_cpu_ms(t.native_handle()));
    std::this_thread::sleep_for(kWindow);
    std::vector<double> used;
    for (size_t i = 0; i < ts.size(); i++)
        used.push_back(thread_cpu_ms(ts[i].native_handle()) - c0[i]);
    return used;
}

// Receivers on an empty channel.
TYPED_TEST(ChanIdle, ReceiversOnAnEmptyChannelPark)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "idle receivers");
    constexpr uint64_t kWarm = 2000, kAfter = 2000;
    for (const Shape &s : kShapes) {
        SCOPED_TRACE(s.name);
        typename I::chan *c;
        ASSERT_EQ(I::create(&c, sizeof(uint64_t), s.cap, s.kind), LFGO_OK);
        std::vector<std::atomic<uint32_t>> seen(kWarm + kAfter);
        std::atomic<uint64_t> got{0};
        std::vector<std::thread> rs;
        for (int r = 0; r < s.recvs; r++)
            rs.emplace_back([&] {
                uint64_t v;
                while (I::recv(c, &v) == LFGO_OK) {
                    seen[v].fetch_add(1, std::memory_order_relaxed);
                    got.fetch_add(1, std::memory_order_release);
                }
            });
        for (uint64_t i = 0; i < kWarm; i++)
            ASSERT_EQ(I::send(c, &i), LFGO_OK);
        while (got.load(std::memory_order_acquire) < kWarm)
            std::this_thread::sleep_for(1ms);

        std::vector<double> used = idle_cpu_ms(rs);
        for (size_t r = 0; r < used.size(); r++) {
            EXPECT_GE(used[r], 0.0) << "receiver " << r << ": no CPU clock";
            EXPECT_LT(used[r], kMaxCpuMs) << "receiver " << r << " used " << used[r]
                                          << " ms of CPU in " << kWindow.count()
                                          << " ms on an empty channel";
        }

        for (uint64_t i = kWarm; i < kWarm + kAfter; i++)
            ASSERT_EQ(I::send(c, &i), LFGO_OK);
        ASSERT_EQ(I::close(c), LFGO_OK);
        for (auto &t : rs)
            t.join();
        EXPECT_EQ(got.load(), kWarm + kAfter);
        for (uint64_t i = 0; i < kWarm + kAfter; i++)
            ASSERT_EQ(seen[i].load(), 1u) << "value " << i;
        I::destroy(c);
    }
}

// Senders on a full channel (an unbuffered one with no receiver is full).
TYPED_TEST(ChanIdle, SendersOnAFullChannelPark)
{
    using I = TypeParam;
    Watchdog wd(kBudget, "idle senders");
    for (const Shape &s : kShapes) {
        SCOPED_TRACE(s.name);
        typename I::chan *c;
        ASSERT_EQ(I::create(&c, sizeof(uint64_t), s.cap, s.kind), LFGO_OK);
        // The main thread takes `warm` values before the idle stretch; no
        // sender can have sent all of its kEach by then (at most warm + cap
        // values were accepted), so every sender is blocked while measured.
        const uint64_t warm = (uint64_t)s.sends * 200, fill = s.cap;
        const uint64_t kEach = warm + s.cap + 100, total = fill + (uint64_t)s.sends * kEach;
        std::vector<uint32_t> seen(total);
        // Warm up: the senders' first values go through a receiver (they
        // spin, park on the full ring, are woken), then the ring is refilled
        // and the senders block on their remaining values.
        for (uint64_t i = 0; i < fill; i++)
            ASSERT_EQ(I::send(c, &i), LFGO_OK);
        std::atomic<int> started{0};
        std::vector<std::thread> ss;
        for (int k = 0; k < s.sends; k++)
            ss.emplace_back([&, k] {
                started.fetch_add(1);
                for (uint64_t j = 0; j < kEach; j++) {
                    uint64_t v = fill + (uint64_t)k * kEach + j;
                    ASSERT_EQ(I::send(c, &v), LFGO_OK);
                }
            });
        while (started.load() < s.sends)
            std::this_thread::sleep_for(1ms);
        uint64_t n = 0, v;
        auto take = [&](uint64_t upto) {
            for (; n < upto; n++) {
                ASSERT_EQ(I::recv(c, &v), LFGO_OK);
                ASSERT_LT(v, total);
                seen[v]++;
            }
        };
        take(fill + warm); // the senders run, park, are woken ...
        std::vector<double> used = idle_cpu_ms(ss); // ... and block again
        for (size_t k = 0; k < used.size(); k++) {
            EXPECT_GE(used[k], 0.0) << "sender " << k << ": no CPU clock";
            EXPECT_LT(used[k], kMaxCpuMs) << "sender " << k << " used " << used[k] << " ms of CPU in "
                                          << kWindow.count() << " ms on a full channel";
        }
        take(total);
        for (auto &t : ss)
            t.join();
        ASSERT_EQ(I::close(c), LFGO_OK);
        EXPECT_EQ(I::recv(c, &v), LFGO_CLOSED);
        for (uint64_t i = 0; i < total; i++)
            ASSERT_EQ(seen[i], 1u) << "value " << i;
        I::destroy(c);
    }
}

} // namespace
