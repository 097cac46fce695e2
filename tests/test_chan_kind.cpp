// Kind hints checked (LFGO_CHECK_KIND; include/lfgo/chan.h, "Kind hint"):
// a second thread entering a single side of a buffered channel while the
// first is inside it is reported as misuse and the call does nothing; calls
// that do not overlap (a hand-over), the multi sides, unbuffered channels and
// close by the producer are never reported.  Builds without the check skip
// the tests that expect a report and still run the ones that expect none.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <lfgo/chan.h>

#include "support/misuse_recorder.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::Watchdog;

namespace {

using lfgo_test::record_misuse;
auto take_reports = lfgo_test::take_misuse;

class ChanKind : public ::testing::Test {
protected:
    void SetUp() override
    {
        take_reports();
        lfgo_set_misuse_handler(record_misuse, nullptr);
    }
    void TearDown() override { lfgo_set_misuse_handler(nullptr, nullptr); }
};

#if defined(LFGO_TEST_CHECK_KIND)
#define REQUIRE_CHECK() (void)0
#else
#define REQUIRE_CHECK() GTEST_SKIP() << "the library is built without LFGO_CHECK_KIND"
#endif

// Blocks a thread inside the side until the returned function is called:
// a receiver waiting on an empty channel (side RECV) or a sender waiting on
// a full one (side SEND).  `inside` turns true once it has entered.
struct Blocked {
    lfgo_chan *ch;
    bool send;
    std::atomic<bool> started{false};
    std::atomic<lfgo_status> st{LFGO_OK};
    std::thread t;
    Blocked(lfgo_chan *c, bool s) : ch(c), send(s)
    {
        t = std::thread([this] {
            int v = 7;
            started = true;
            st = send ? lfgo_chan_send(ch, &v) : lfgo_chan_recv(ch, &v);
        });
        while (!started)
            std::this_thread::yield();
        // The call is inside once it sleeps; a short wait is enough (a
        // report cannot come from anything else, and no report would fail
        // the test below, not pass it).
        std::this_thread::sleep_for(50ms);
    }
    ~Blocked()
    {
        if (t.joinable())
            t.join();
    }
};

TEST_F(ChanKind, SecondProducerOnSpscIsReported)
{
    REQUIRE_CHECK();
    Watchdog wd(kBudget);
    lfgo_chan *ch;
    ASSERT_EQ(lfgo_chan_create(&ch, sizeof(int), 1, LFGO_CHAN_SPSC), LFGO_OK);
    int v = 1;
    ASSERT_EQ(lfgo_chan_send(ch, &v), LFGO_OK); // full: the next send waits
    {
        Blocked first(ch, true);
        EXPECT_EQ(lfgo_chan_try_send(ch, &v), LFGO_MISUSE);
        EXPECT_EQ(lfgo_chan_len(ch), 1u); // the refused send did nothing
        auto r = take_reports();
        ASSERT_EQ(r.size(), 1u);
        EXPECT_EQ(r[0].func, "lfgo_chan_try_send");
        EXPECT_EQ(r[0].what, "two threads in the sending side of a single-producer channel");
        // close is a call of the sending side too
        EXPECT_EQ(lfgo_chan_close(ch), LFGO_MISUSE);
        r = take_reports();
        ASSERT_EQ(r.size(), 1u);
        EXPECT_EQ(r[0].func, "lfgo_chan_close");
        int out = 0;
        ASSERT_EQ(lfgo_chan_recv(ch, &out), LFGO_OK); // releases the blocked send
        EXPECT_EQ(out, 1);
    }
    EXPECT_TRUE(take_reports().empty());
    lfgo_chan_destroy(ch);
}

TEST_F(ChanKind, SecondConsumerOnSpscAndMpscIsReported)
{
    REQUIRE_CHECK();
    Watchdog wd(kBudget);
    for (lfgo_chan_kind k : {LFGO_CHAN_SPSC, LFGO_CHAN_MPSC}) {
        lfgo_chan *ch;
        ASSERT_EQ(lfgo_chan_create(&ch, sizeof(int), 4, k), LFGO_OK);
        {
            Blocked first(ch, false);
            int out = 0;
            EXPECT_EQ(lfgo_chan_try_recv(ch, &out), LFGO_MISUSE);
            lfgo_select_case c = {ch, LFGO_SELECT_RECV, &out, LFGO_OK};
            size_t chosen = 9;
            EXPECT_EQ(lfgo_select_try(&c, 1, &chosen), LFGO_MISUSE);
            auto r = take_reports();
            ASSERT_EQ(r.size(), 2u);
            EXPECT_EQ(r[0].what, "two threads in the receiving side of a single-consumer channel");
            EXPECT_EQ(r[1].func, "lfgo_select_try");
            int v = 5;
            ASSERT_EQ(lfgo_chan_send(ch, &v), LFGO_OK); // releases the receiver
        }
        EXPECT_TRUE(take_reports().empty());
        lfgo_chan_destroy(ch);
    }
}

// The correct uses: one producer and one consumer thread, the producer
// closing; then the roles handed over to new threads (join in between);
// a select with two cases on the same single side; the multi sides and
// unbuffered channels with several threads.  No report.
TEST_F(ChanKind, CorrectUseAndHandOverAreNotReported)
{
    Watchdog wd(kBudget);
    const int n = (int)scaled(200000);
    lfgo_chan *ch;
    ASSERT_EQ(lfgo_chan_create(&ch, sizeof(int), 8, LFGO_CHAN_SPSC), LFGO_OK);
    for (int round = 0; round < 2; round++) { // round 1: new threads take over
        long long sum = 0;
        std::thread prod([&] {
            for (int i = 1; i <= n; i++)
                ASSERT_EQ(lfgo_chan_send(ch, &i), LFGO_OK);
        });
        std::thread cons([&] {
            int v;
            for (int i = 1; i <= n; i++) {
                ASSERT_EQ(lfgo_chan_recv(ch, &v), LFGO_OK);
                sum += v;
            }
        });
        prod.join();
        cons.join();
        EXPECT_EQ(sum, (long long)n * (n + 1) / 2);
    }
    int a = 1, b = 2;
    lfgo_select_case two[2] = {{ch, LFGO_SELECT_SEND, &a, LFGO_OK},
                               {ch, LFGO_SELECT_SEND, &b, LFGO_OK}};
    size_t chosen = 9;
    EXPECT_EQ(lfgo_select_try(two, 2, &chosen), LFGO_OK);
    EXPECT_EQ(lfgo_chan_close(ch), LFGO_OK);
    lfgo_chan_destroy(ch);

    for (size_t cap : {0, 4}) {
        lfgo_chan *m;
        ASSERT_EQ(lfgo_chan_create(&m, sizeof(int), cap, cap ? LFGO_CHAN_MPSC : LFGO_CHAN_SPSC),
                  LFGO_OK);
        std::atomic<long long> got{0};
        std::thread cons([&] {
            int v;
            while (lfgo_chan_recv(m, &v) == LFGO_OK)
                got += v;
        });
        std::vector<std::thread> prods;
        for (int p = 0; p < 3; p++)
            prods.emplace_back([&] {
                for (int i = 1; i <= n / 10; i++)
                    ASSERT_EQ(lfgo_chan_send(m, &i), LFGO_OK);
            });
        for (auto &t : prods)
            t.join();
        EXPECT_EQ(lfgo_chan_close(m), LFGO_OK);
        cons.join();
        EXPECT_EQ(got.load(), 3LL * (n / 10) * (n / 10 + 1) / 2);
        lfgo_chan_destroy(m);
    }
    EXPECT_TRUE(take_reports().empty());
}

} // namespace
