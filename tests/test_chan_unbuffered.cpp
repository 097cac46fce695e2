// Unbuffered channels under every way of meeting at once, on lfgo and the
// twin.  lfgo hands values over through a lock-free exchange slot when a
// plain send or receive finds it free, and through locked waiter queues
// otherwise (selects, a second waiter on one side); these tests mix plain,
// deadline, try and select operations on one channel so that both paths and
// the hand-over between them (the nq / slot Dekker pair in lib/chan_sync.c)
// run against each other, and check exactly-once delivery in order.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "chan_typed.hpp"
#include "support/watchdog.hpp"

using lfgo_test::scaled;
using lfgo_test::Watchdog;

namespace {

template <class Impl> class ChanUnbuffered : public ::testing::Test {};
TYPED_TEST_SUITE(ChanUnbuffered, lfgo_test::ChanImpls, lfgo_test::ImplNames);

timespec after_us(int us)
{
    return lfgo_deadline_after_ns((int64_t)us * 1000);
}

// Sends v by one randomly chosen method; retries until it is accepted.
template <class Impl>
lfgo_status send_some_way(typename Impl::chan *c, typename Impl::chan *never, uint64_t v,
                          std::mt19937 &rng)
{
    for (;;) {
        switch (rng() % 4) {
        case 0:
            return Impl::send(c, &v);
        case 1: {
            timespec d = after_us(20 + (int)(rng() % 200));
            lfgo_status st = Impl::send_until(c, &v, &d);
            if (st != LFGO_TIMEOUT)
                return st;
            break;
        }
        case 2: {
            uint64_t sink = 0;
            typename Impl::scase cs[2] = {{c, LFGO_SELECT_SEND, &v, LFGO_OK},
                                          {never, LFGO_SELECT_RECV, &sink, LFGO_OK}};
            size_t k = 9;
            EXPECT_EQ(Impl::select(cs, 2, &k), LFGO_OK);
            EXPECT_EQ(k, 0u);
            return cs[0].status;
        }
        default:
            for (int i = 0; i < 50; i++) {
                lfgo_status st = Impl::try_send(c, &v);
                if (st != LFGO_WOULDBLOCK)
                    return st;
                std::this_thread::yield();
            }
            break;
        }
    }
}

// Receives one value by a randomly chosen method; LFGO_OK or LFGO_CLOSED.
template <class Impl>
lfgo_status recv_some_way(typename Impl::chan *c, typename Impl::chan *never, uint64_t *v,
                          std::mt19937 &rng)
{
    for (;;) {
        switch (rng() % 4) {
        case 0:
            return Impl::recv(c, v);
        case 1: {
            timespec d = after_us(20 + (int)(rng() % 200));
            lfgo_status st = Impl::recv_until(c, v, &d);
            if (st != LFGO_TIMEOUT)
                return st;
            break;
        }
        case 2: {
            uint64_t sink = 0;
            typename Impl::scase cs[2] = {{never, LFGO_SELECT_RECV, &sink, LFGO_OK},
                                          {c, LFGO_SELECT_RECV, v, LFGO_OK}};
            size_t k = 9;
            EXPECT_EQ(Impl::select(cs, 2, &k), LFGO_OK);
            EXPECT_EQ(k, 1u);
            return cs[1].status;
        }
        default:
            for (int i = 0; i < 50; i++) {
                lfgo_status st = Impl::try_recv(c, v);
                if (st != LFGO_WOULDBLOCK)
                    return st;
                std::this_thread::yield();
            }
            break;
        }
    }
}

// P senders and C receivers, every operation by a random method; then close.
template <class Impl> void mixed_round(int P, int C, uint64_t per_sender, unsigned seed)
{
    typename Impl::chan *c = nullptr, *never = nullptr;
    ASSERT_EQ(Impl::create(&c, sizeof(uint64_t), 0), LFGO_OK);
    ASSERT_EQ(Impl::create(&never, sizeof(uint64_t), 0), LFGO_OK);
    std::vector<std::vector<uint64_t>> got(C);
    std::vector<std::thread> ts;
    for (int r = 0; r < C; r++)
        ts.emplace_back([&, r] {
            std::mt19937 rng(seed * 131u + (unsigned)r);
            uint64_t v;
            while (recv_some_way<Impl>(c, never, &v, rng) == LFGO_OK)
                got[r].push_back(v);
        });
    std::vector<std::thread> senders;
    for (int p = 0; p < P; p++)
        senders.emplace_back([&, p] {
            std::mt19937 rng(seed * 977u + (unsigned)p);
            for (uint64_t i = 0; i < per_sender; i++)
                ASSERT_EQ(send_some_way<Impl>(c, never, (uint64_t)p << 40 | i, rng), LFGO_OK);
        });
    for (auto &t : senders)
        t.join();
    ASSERT_EQ(Impl::close(c), LFGO_OK);
    for (auto &t : ts)
        t.join();
    // Exactly once, and each receiver sees every sender's values in order.
    std::vector<std::vector<uint8_t>> seen(P, std::vector<uint8_t>(per_sender, 0));
    uint64_t total = 0;
    for (int r = 0; r < C; r++) {
        std::vector<int64_t> last(P, -1);
        for (uint64_t v : got[r]) {
            int p = (int)(v >> 40);
            uint64_t i = v & ((1ull << 40) - 1);
            ASSERT_LT(p, P);
            ASSERT_LT(i, per_sender);
            ASSERT_EQ(seen[p][i]++, 0) << "value delivered twice";
            ASSERT_GT((int64_t)i, last[p]) << "order of one sender broken";
            last[p] = (int64_t)i;
            total++;
        }
    }
    EXPECT_EQ(total, (uint64_t)P * per_sender) << "values lost";
    Impl::destroy(never);
    Impl::destroy(c);
}

TYPED_TEST(ChanUnbuffered, MixedMethodsExactlyOnceInOrder)
{
    Watchdog wd(std::chrono::seconds(240), "mixed unbuffered");
    const uint64_t per = (uint64_t)scaled(20000) > 200 ? (uint64_t)scaled(20000) : 200;
    unsigned seed = 1;
    for (int P : {1, 2, 3})
        for (int C : {1, 2, 3})
            mixed_round<TypeParam>(P, C, per, seed++);
}

// One sender, one receiver, both with tiny deadlines: a send that returns
// LFGO_TIMEOUT must not have delivered its value (it is sent again), one
// that returns LFGO_OK must have, exactly once.  Races the slot's deadline
// withdrawal against the partner's CAS.
TYPED_TEST(ChanUnbuffered, DeadlinesOnBothSidesLoseNothing)
{
    Watchdog wd(std::chrono::seconds(240), "deadlines on both sides");
    const uint64_t n = (uint64_t)scaled(50000) > 500 ? (uint64_t)scaled(50000) : 500;
    typename TypeParam::chan *c = nullptr;
    ASSERT_EQ(TypeParam::create(&c, sizeof(uint64_t), 0), LFGO_OK);
    std::atomic<uint64_t> sent_ok{0}, timeouts{0};
    std::thread s([&] {
        std::mt19937 rng(7);
        for (uint64_t i = 0; i < n;) {
            timespec d = after_us((int)(rng() % 30));
            lfgo_status st = TypeParam::send_until(c, &i, &d);
            if (st == LFGO_OK) {
                i++;
                sent_ok++;
            } else {
                ASSERT_EQ(st, LFGO_TIMEOUT);
                timeouts++;
            }
        }
        ASSERT_EQ(TypeParam::close(c), LFGO_OK);
    });
    std::mt19937 rng(8);
    uint64_t expect = 0, v = 0;
    for (;;) {
        timespec d = after_us((int)(rng() % 30));
        lfgo_status st = TypeParam::recv_until(c, &v, &d);
        if (st == LFGO_CLOSED)
            break;
        if (st == LFGO_TIMEOUT)
            continue;
        ASSERT_EQ(st, LFGO_OK);
        ASSERT_EQ(v, expect) << "a value was lost, repeated or reordered";
        expect++;
    }
    s.join();
    EXPECT_EQ(expect, n);
    EXPECT_EQ(sent_ok.load(), n);
    TypeParam::destroy(c);
}

// A select that both sends and receives on one unbuffered channel never
// pairs with itself, while plain partners use the slot: each select
// completes with a plain partner only.
TYPED_TEST(ChanUnbuffered, SelectSendRecvSameChannelMeetsOnlyPartners)
{
    Watchdog wd(std::chrono::seconds(120), "self-select");
    const int rounds = (int)scaled(20000) > 200 ? (int)scaled(20000) : 200;
    typename TypeParam::chan *c = nullptr;
    ASSERT_EQ(TypeParam::create(&c, sizeof(uint64_t), 0), LFGO_OK);
    std::atomic<int> partner_sends{0}, partner_recvs{0};
    std::thread partner([&] {
        std::mt19937 rng(3);
        for (int r = 0; r < rounds; r++) {
            uint64_t v = 1000000 + (uint64_t)r;
            if (rng() % 2) {
                ASSERT_EQ(TypeParam::send(c, &v), LFGO_OK);
                partner_sends++;
            } else {
                ASSERT_EQ(TypeParam::recv(c, &v), LFGO_OK);
                ASSERT_LT(v, 1000000u) << "got a value the selecting thread sent itself?";
                partner_recvs++;
            }
        }
    });
    int sends = 0, recvs = 0;
    for (int r = 0; r < rounds; r++) {
        uint64_t out = (uint64_t)r, in = 0;
        typename TypeParam::scase cs[2] = {{c, LFGO_SELECT_SEND, &out, LFGO_OK},
                                           {c, LFGO_SELECT_RECV, &in, LFGO_OK}};
        size_t k = 9;
        ASSERT_EQ(TypeParam::select(cs, 2, &k), LFGO_OK);
        ASSERT_EQ(cs[k].status, LFGO_OK);
        if (k == 0) {
            sends++;
        } else {
            ASSERT_GE(in, 1000000u) << "select received its own value";
            recvs++;
        }
    }
    partner.join();
    EXPECT_EQ(sends, partner_recvs.load());
    EXPECT_EQ(recvs, partner_sends.load());
    TypeParam::destroy(c);
}

} // namespace
