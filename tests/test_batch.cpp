// Tests of lfgo_batch and its lock-based twin (typed over both).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
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

#if defined(LFGO_TEST_SANITIZED)
constexpr auto kMargin = 150ms; // scheduling slack for a deadline flush
#else
constexpr auto kMargin = 30ms;
#endif

struct LfgoB {
    static constexpr bool kInline = false;
    using B = lfgo_batch;
    static lfgo_status create(B **b, const lfgo_batch_config *c) { return lfgo_batch_create(b, c); }
    static lfgo_status add(B *b, const void *it) { return lfgo_batch_add(b, it); }
    static lfgo_status flush(B *b) { return lfgo_batch_flush(b); }
    static lfgo_status close(B *b) { return lfgo_batch_close(b); }
    static void destroy(B *b) { lfgo_batch_destroy(b); }
    static lfgo_batch_stats stats(B *b)
    {
        lfgo_batch_stats s;
        EXPECT_EQ(lfgo_batch_get_stats(b, &s), LFGO_OK);
        return s;
    }
};

// The same tests under the inline policies: create maps BLOCK/FAIL to
// INLINE_BLOCK/INLINE_FAIL (tests/test_batch_inline.cpp has the rest).
template <class Base> struct InlineOf : Base {
    static constexpr bool kInline = true;
    static lfgo_status create(typename Base::B **b, const lfgo_batch_config *c)
    {
        if (!c)
            return Base::create(b, c);
        lfgo_batch_config ci = *c;
        int pol; // (BadConfigIsEinval passes a value outside the enum: no enum load)
        std::memcpy(&pol, &ci.policy, sizeof pol);
        if (pol == LFGO_BATCH_BLOCK)
            ci.policy = LFGO_BATCH_INLINE_BLOCK;
        else if (pol == LFGO_BATCH_FAIL)
            ci.policy = LFGO_BATCH_INLINE_FAIL;
        return Base::create(b, &ci);
    }
};

struct TwinB {
    static constexpr bool kInline = false;
    using B = lfgo_twin_batch;
    static lfgo_status create(B **b, const lfgo_batch_config *c) { return lfgo_twin_batch_create(b, c); }
    static lfgo_status add(B *b, const void *it) { return lfgo_twin_batch_add(b, it); }
    static lfgo_status flush(B *b) { return lfgo_twin_batch_flush(b); }
    static lfgo_status close(B *b) { return lfgo_twin_batch_close(b); }
    static void destroy(B *b) { lfgo_twin_batch_destroy(b); }
    static lfgo_batch_stats stats(B *b)
    {
        lfgo_batch_stats s;
        EXPECT_EQ(lfgo_twin_batch_get_stats(b, &s), LFGO_OK);
        return s;
    }
};

using Clock = std::chrono::steady_clock;

// What a test's callback sees; a hook may run inside the callback.
struct Sink {
    std::mutex mu;
    std::vector<uint64_t> items;
    std::vector<Clock::time_point> batch_times;
    std::vector<size_t> batch_sizes;
    std::atomic<int> calls{0};
    std::atomic<int> inside{0};
    std::atomic<int> empty_or_concurrent{0};
    size_t max_n = 0;
    std::function<void(int call)> hook;

    static void fn(void *user, const void *items, size_t n)
    {
        auto *s = static_cast<Sink *>(user);
        if (s->inside.fetch_add(1) != 0 || n == 0 || n > s->max_n)
            s->empty_or_concurrent++;
        int call = s->calls.load();
        {
            std::lock_guard<std::mutex> lk(s->mu);
            const auto *v = static_cast<const uint64_t *>(items);
            s->items.insert(s->items.end(), v, v + n);
            s->batch_times.push_back(Clock::now());
            s->batch_sizes.push_back(n);
        }
        if (s->hook)
            s->hook(call);
        s->inside.fetch_sub(1);
        s->calls.fetch_add(1);
    }
};

lfgo_batch_config config(Sink *s, size_t n, int64_t t_ns, lfgo_batch_policy p = LFGO_BATCH_BLOCK,
                         size_t cap = 0)
{
    s->max_n = n;
    return lfgo_batch_config{sizeof(uint64_t), n, t_ns, &Sink::fn, s, p, cap};
}

using LfgoInlineB = InlineOf<LfgoB>;
using TwinInlineB = InlineOf<TwinB>;

template <class Impl> class BatchTest : public ::testing::Test {};
using Impls = ::testing::Types<LfgoB, TwinB, LfgoInlineB, TwinInlineB>;
class ImplNames {
public:
    template <class T> static std::string GetName(int)
    {
        std::string base = std::is_base_of<LfgoB, T>::value ? "lfgo" : "twin";
        return T::kInline ? base + "_inline" : base;
    }
};
TYPED_TEST_SUITE(BatchTest, Impls, ImplNames);

// --------------------------------------------------------------- exactly once

// Per producer p, item (p << 40 | seq).  Producers add until `budget` or
// until add() returns LFGO_CLOSED; then everything accepted must have been
// delivered exactly once, in order per producer, before close() returned.
template <class Impl> uint64_t exactly_once_round(long budget, int close_after_us)
{
    constexpr int P = 4;
    Sink s;
    std::vector<uint64_t> next(P, 0);
    std::atomic<long> bad_order{0};
    s.hook = nullptr;
    lfgo_batch_config cfg = config(&s, 64, 2'000'000);
    typename Impl::B *b;
    EXPECT_EQ(Impl::create(&b, &cfg), LFGO_OK);
    std::vector<uint64_t> accepted(P, 0);
    std::vector<std::thread> ts;
    for (int p = 0; p < P; p++)
        ts.emplace_back([&, p] {
            for (uint64_t i = 0; i < (uint64_t)(budget / P); i++) {
                uint64_t v = (uint64_t)p << 40 | i;
                lfgo_status st = Impl::add(b, &v);
                if (st == LFGO_CLOSED)
                    break;
                EXPECT_EQ(st, LFGO_OK);
                accepted[p]++;
            }
        });
    if (close_after_us >= 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(close_after_us));
        EXPECT_EQ(Impl::close(b), LFGO_OK);
    }
    for (auto &t : ts)
        t.join();
    if (close_after_us < 0) {
        EXPECT_EQ(Impl::close(b), LFGO_OK);
    }
    // close() has returned: every callback is over.
    std::vector<std::vector<uint8_t>> seen(P);
    for (int p = 0; p < P; p++)
        seen[p].assign(accepted[p], 0);
    long dup_or_unknown = 0;
    for (uint64_t v : s.items) {
        int p = (int)(v >> 40);
        uint64_t i = v & ((1ull << 40) - 1);
        if (p >= P || i >= accepted[p] || seen[p][i]++) {
            dup_or_unknown++;
            continue;
        }
        if (i != next[p])
            bad_order++;
        next[p] = i + 1;
    }
    uint64_t total = 0;
    for (int p = 0; p < P; p++) {
        EXPECT_EQ(next[p], accepted[p]) << "producer " << p << " lost items";
        total += accepted[p];
    }
    EXPECT_EQ(dup_or_unknown, 0);
    EXPECT_EQ(bad_order.load(), 0);
    EXPECT_EQ(s.items.size(), total);
    EXPECT_EQ(s.empty_or_concurrent.load(), 0);
    lfgo_batch_stats st = Impl::stats(b);
    EXPECT_EQ(st.items, total);
    EXPECT_EQ(st.batches, st.flushes_size + st.flushes_deadline + st.flushes_forced + st.flushes_close);
    // close seals each lane's batch under the inline policies (<= 8 lanes)
    EXPECT_LE(st.flushes_close, Impl::kInline ? 8u : 1u);
    Impl::destroy(b);
    return total;
}

TYPED_TEST(BatchTest, ExactlyOnceInOrderWithCloseAtRandomMoments)
{
    Watchdog wd(kBudget, "exactly-once");
    // One full run (every item, close after the producers) of 10^7 items in
    // the plain build, then rounds closed at random moments mid-stream.
    uint64_t total = exactly_once_round<TypeParam>(scaled(10'000'000), -1);
    EXPECT_GE(total, (uint64_t)scaled(10'000'000) / 4 * 4);
    std::mt19937 rng(12345);
    for (int r = 0; r < 6; r++)
        exactly_once_round<TypeParam>(scaled(1'000'000), (int)(rng() % 20000));
}

// --------------------------------------------------------------- timing

// A slow producer: every item is flushed by its deadline, within T plus a
// small margin, one item per batch, never an empty batch.
TYPED_TEST(BatchTest, DeadlineFlushWithinTPlusMargin)
{
    Watchdog wd(kBudget);
    Sink s;
    const auto T = 20ms;
    lfgo_batch_config cfg = config(&s, 1000, std::chrono::nanoseconds(T).count());
    typename TypeParam::B *b;
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    std::vector<Clock::time_point> added;
    for (uint64_t i = 0; i < 8; i++) {
        added.push_back(Clock::now());
        ASSERT_EQ(TypeParam::add(b, &i), LFGO_OK);
        std::this_thread::sleep_for(T * 4);
    }
    ASSERT_EQ(TypeParam::close(b), LFGO_OK);
    ASSERT_EQ(s.batch_times.size(), 8u);
    for (size_t i = 0; i < 8; i++) {
        EXPECT_EQ(s.batch_sizes[i], 1u);
        EXPECT_GE(s.batch_times[i] - added[i], T - 1ms) << "flushed before its deadline";
        EXPECT_LE(s.batch_times[i] - added[i], T + kMargin) << "deadline flush " << i << " late";
    }
    lfgo_batch_stats st = TypeParam::stats(b);
    EXPECT_EQ(st.flushes_deadline, 8u);
    EXPECT_EQ(st.flushes_size + st.flushes_close + st.flushes_forced, 0u);
    EXPECT_GT(st.max_delay_ns, (uint64_t)std::chrono::nanoseconds(T - 1ms).count());
    EXPECT_EQ(s.empty_or_concurrent.load(), 0);
    TypeParam::destroy(b);
}

// A size flush ends its batch and its deadline: the next batch, started
// right after, is not flushed early by the old batch's timer.
TYPED_TEST(BatchTest, SizeFlushCancelsDeadlineNoEarlyFlushOfNewerBatch)
{
    Watchdog wd(kBudget);
    Sink s;
    const auto T = 60ms;
    lfgo_batch_config cfg = config(&s, 10, std::chrono::nanoseconds(T).count());
    typename TypeParam::B *b;
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    for (uint64_t i = 0; i < 9; i++)
        ASSERT_EQ(TypeParam::add(b, &i), LFGO_OK);
    std::this_thread::sleep_for(T / 2); // half of the first batch's T is gone
    uint64_t ten = 9;
    ASSERT_EQ(TypeParam::add(b, &ten), LFGO_OK); // size flush
    while (s.calls.load() < 1)
        std::this_thread::sleep_for(100us);
    auto t0 = Clock::now();
    uint64_t eleven = 10;
    ASSERT_EQ(TypeParam::add(b, &eleven), LFGO_OK); // a new batch: deadline t0 + T
    while (s.calls.load() < 2)
        std::this_thread::sleep_for(100us);
    {
        std::lock_guard<std::mutex> lk(s.mu);
        EXPECT_EQ(s.batch_sizes[0], 10u);
        EXPECT_EQ(s.batch_sizes[1], 1u);
        EXPECT_GE(s.batch_times[1] - t0, T - 1ms) << "an old timer flushed the newer batch early";
        EXPECT_LE(s.batch_times[1] - t0, T + kMargin);
    }
    ASSERT_EQ(TypeParam::close(b), LFGO_OK); // a batch is counted after its callback
    lfgo_batch_stats st = TypeParam::stats(b);
    EXPECT_EQ(st.flushes_size, 1u);
    EXPECT_EQ(st.flushes_deadline, 1u);
    TypeParam::destroy(b);
}

// --------------------------------------------------------------- flush/close

TYPED_TEST(BatchTest, FlushForcesOutBufferedItemsAndNeverAnEmptyBatch)
{
    Watchdog wd(kBudget);
    Sink s;
    lfgo_batch_config cfg = config(&s, 1000, 60'000'000'000);
    typename TypeParam::B *b;
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    EXPECT_EQ(TypeParam::flush(b), LFGO_OK); // nothing buffered: no callback
    EXPECT_EQ(s.calls.load(), 0);
    for (uint64_t i = 0; i < 3; i++)
        ASSERT_EQ(TypeParam::add(b, &i), LFGO_OK);
    EXPECT_EQ(TypeParam::flush(b), LFGO_OK);
    EXPECT_EQ(s.calls.load(), 1); // delivered before flush() returned
    EXPECT_EQ(s.items, (std::vector<uint64_t>{0, 1, 2}));
    EXPECT_EQ(TypeParam::flush(b), LFGO_OK);
    EXPECT_EQ(s.calls.load(), 1);
    lfgo_batch_stats st = TypeParam::stats(b);
    EXPECT_EQ(st.flushes_forced, 1u);
    EXPECT_EQ(TypeParam::close(b), LFGO_OK);
    EXPECT_EQ(TypeParam::stats(b).flushes_close, 0u); // nothing left: no batch
    TypeParam::destroy(b);
}

// flush() from one thread forces out what *other* threads added before it
// (the adds happen-before the flush through an atomic counter).  More
// producers than lfgo has lanes, so lanes are shared and every lane gets
// items; each round checks that the flush delivered all of them.
TYPED_TEST(BatchTest, FlushCoversAddsOfOtherThreads)
{
    Watchdog wd(kBudget);
    Sink s;
    lfgo_batch_config cfg = config(&s, 1000, 60'000'000'000); // neither N nor T triggers
    typename TypeParam::B *b;
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    constexpr int P = 5;
    const int rounds = (int)scaled(300) > 10 ? (int)scaled(300) : 10;
    std::atomic<int> go{0}, added{0}, finished{0};
    std::vector<std::thread> ts;
    for (int p = 0; p < P; p++)
        ts.emplace_back([&, p] {
            std::mt19937 rng((unsigned)p);
            uint64_t i = 0;
            for (int r = 1; r <= rounds; r++) {
                while (go.load() < r)
                    std::this_thread::yield();
                int k = 1 + (int)(rng() % 20);
                for (int j = 0; j < k; j++, i++) {
                    uint64_t v = (uint64_t)p << 40 | i;
                    ASSERT_EQ(TypeParam::add(b, &v), LFGO_OK);
                }
                added.fetch_add(k);
                finished.fetch_add(1); // seq_cst: the adds happen-before the flush
            }
        });
    int expected = 0;
    for (int r = 1; r <= rounds; r++) {
        go.store(r);
        while (finished.load() < r * P) // every producer is done with round r
            std::this_thread::yield();
        expected = added.load();
        ASSERT_EQ(TypeParam::flush(b), LFGO_OK);
        std::lock_guard<std::mutex> lk(s.mu);
        ASSERT_EQ(s.items.size(), (size_t)expected) << "round " << r;
    }
    for (auto &t : ts)
        t.join();
    ASSERT_EQ(TypeParam::close(b), LFGO_OK);
    TypeParam::destroy(b);
}

TYPED_TEST(BatchTest, ConcurrentFlushesWithProducers)
{
    Watchdog wd(kBudget);
    Sink s;
    lfgo_batch_config cfg = config(&s, 50, 60'000'000'000);
    typename TypeParam::B *b;
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    std::vector<std::thread> ts;
    const uint64_t per = (uint64_t)scaled(20000);
    for (int p = 0; p < 2; p++)
        ts.emplace_back([&, p] {
            for (uint64_t i = 0; i < per; i++) {
                uint64_t v = (uint64_t)p << 40 | i;
                ASSERT_EQ(TypeParam::add(b, &v), LFGO_OK);
                if (i % 1000 == 999) {
                    // v may already be out (a size flush, inline: by this
                    // thread); after flush() it must be.
                    ASSERT_EQ(TypeParam::flush(b), LFGO_OK);
                    std::lock_guard<std::mutex> lk(s.mu);
                    EXPECT_NE(std::find(s.items.rbegin(), s.items.rend(), v), s.items.rend())
                        << "flush() returned before item " << i << " of producer " << p << " was delivered";
                }
            }
        });
    for (auto &t : ts)
        t.join();
    ASSERT_EQ(TypeParam::flush(b), LFGO_OK);
    EXPECT_EQ(s.items.size(), 2 * per); // everything added before flush() is out
    ASSERT_EQ(TypeParam::close(b), LFGO_OK);
    TypeParam::destroy(b);
}

TYPED_TEST(BatchTest, CloseDeliversEverythingThenAddFailsAndCloseTwiceIsClosed)
{
    Watchdog wd(kBudget);
    Sink s;
    lfgo_batch_config cfg = config(&s, 1000, 60'000'000'000);
    typename TypeParam::B *b;
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    for (uint64_t i = 0; i < 5; i++)
        ASSERT_EQ(TypeParam::add(b, &i), LFGO_OK);
    ASSERT_EQ(TypeParam::close(b), LFGO_OK);
    EXPECT_EQ(s.items.size(), 5u); // the last callback returned before close()
    EXPECT_EQ(s.inside.load(), 0);
    uint64_t v = 7;
    EXPECT_EQ(TypeParam::add(b, &v), LFGO_CLOSED);
    EXPECT_EQ(TypeParam::close(b), LFGO_CLOSED);
    EXPECT_EQ(TypeParam::flush(b), LFGO_CLOSED);
    lfgo_batch_stats st = TypeParam::stats(b);
    EXPECT_EQ(st.flushes_close, 1u);
    EXPECT_EQ(st.items, 5u);
    TypeParam::destroy(b);
}

// flush() from inside the callback returns at once; what is buffered when
// the callback returns goes out right after it, long before T.
TYPED_TEST(BatchTest, FlushFromInsideCallback)
{
    if (TypeParam::kInline)
        GTEST_SKIP() << "the adder runs the callback: test_batch_inline.cpp has this case";
    Watchdog wd(kBudget);
    Sink s;
    std::atomic<bool> third_added{false};
    std::atomic<int> flush_rc{-1};
    typename TypeParam::B *b = nullptr;
    s.hook = [&](int call) {
        if (call != 0)
            return;
        while (!third_added.load())
            std::this_thread::sleep_for(100us);
        flush_rc = TypeParam::flush(b);
    };
    lfgo_batch_config cfg = config(&s, 2, 60'000'000'000);
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    uint64_t v0 = 0, v1 = 1, v2 = 2;
    ASSERT_EQ(TypeParam::add(b, &v0), LFGO_OK);
    ASSERT_EQ(TypeParam::add(b, &v1), LFGO_OK); // size flush: callback 0 starts
    while (s.inside.load() == 0 && s.calls.load() == 0)
        std::this_thread::sleep_for(100us);
    ASSERT_EQ(TypeParam::add(b, &v2), LFGO_OK);
    std::this_thread::sleep_for(5ms); // let it reach the flusher's side
    third_added = true;
    auto t0 = Clock::now();
    while (s.calls.load() < 2)
        std::this_thread::sleep_for(100us);
    EXPECT_LT(Clock::now() - t0, 10s);
    EXPECT_EQ(flush_rc.load(), LFGO_OK);
    EXPECT_EQ(TypeParam::stats(b).flushes_forced, 1u);
    EXPECT_EQ(s.items, (std::vector<uint64_t>{0, 1, 2}));
    TypeParam::destroy(b);
}

// close() from inside the callback returns at once; later adds fail; all
// that was accepted is delivered; destroy() waits for the flusher.
TYPED_TEST(BatchTest, CloseFromInsideCallback)
{
    Watchdog wd(kBudget);
    Sink s;
    std::atomic<int> close_rc{-1};
    typename TypeParam::B *b = nullptr;
    s.hook = [&](int call) {
        if (call == 0)
            close_rc = TypeParam::close(b);
    };
    lfgo_batch_config cfg = config(&s, 2, 60'000'000'000);
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    uint64_t accepted = 0;
    for (uint64_t i = 0; i < 100000; i++) {
        if (TypeParam::add(b, &i) != LFGO_OK)
            break;
        accepted++;
    }
    while (close_rc.load() == -1)
        std::this_thread::sleep_for(100us);
    EXPECT_EQ(close_rc.load(), LFGO_OK);
    uint64_t v = 1;
    EXPECT_EQ(TypeParam::add(b, &v), LFGO_CLOSED);
    TypeParam::destroy(b); // waits for the flusher to drain
    EXPECT_EQ(s.items.size(), accepted);
    for (uint64_t i = 0; i < s.items.size(); i++)
        ASSERT_EQ(s.items[i], i);
}

// --------------------------------------------------------------- overflow policy

template <class Impl> void overflow_run(lfgo_batch_policy policy)
{
    Watchdog wd(kBudget);
    Sink s;
    std::atomic<bool> release{false};
    s.hook = [&](int) {
        while (!release.load())
            std::this_thread::sleep_for(100us);
    };
    lfgo_batch_config cfg = config(&s, 4, 1'000'000, policy, 16);
    typename Impl::B *b;
    ASSERT_EQ(Impl::create(&b, &cfg), LFGO_OK);
    std::atomic<uint64_t> accepted{0}, wouldblock{0};
    std::thread producer([&] {
        for (uint64_t i = 0; i < 2000; i++) {
            uint64_t v = accepted.load();
            lfgo_status st = Impl::add(b, &v);
            if (st == LFGO_OK)
                accepted++;
            else if (st == LFGO_WOULDBLOCK)
                wouldblock++;
            else {
                ADD_FAILURE() << lfgo_status_str(st);
            }
        }
    });
    std::this_thread::sleep_for(50ms); // the flusher is stuck in the callback
    if (policy == LFGO_BATCH_BLOCK) {
        EXPECT_LT(accepted.load(), 2000u) << "a full buffer must block add()";
    }
    release = true;
    producer.join();
    ASSERT_EQ(Impl::close(b), LFGO_OK);
    if (policy == LFGO_BATCH_FAIL) {
        EXPECT_GT(wouldblock.load(), 0u);
        EXPECT_EQ(accepted.load() + wouldblock.load(), 2000u);
    } else {
        EXPECT_EQ(accepted.load(), 2000u);
        EXPECT_EQ(wouldblock.load(), 0u);
    }
    EXPECT_EQ(s.items.size(), accepted.load());
    for (uint64_t i = 0; i < s.items.size(); i++)
        ASSERT_EQ(s.items[i], i);
    Impl::destroy(b);
}

TYPED_TEST(BatchTest, PolicyFailReturnsWouldBlockWhenFull)
{
    if (TypeParam::kInline)
        GTEST_SKIP() << "the only adder runs the callback: test_batch_inline.cpp has this case";
    overflow_run<TypeParam>(LFGO_BATCH_FAIL);
}
TYPED_TEST(BatchTest, PolicyBlockWaitsWhenFull) { overflow_run<TypeParam>(LFGO_BATCH_BLOCK); }

// --------------------------------------------------------------- bad input

void nop(void *, const void *, size_t) {}

TYPED_TEST(BatchTest, BadConfigIsEinval)
{
    typename TypeParam::B *b = nullptr;
    lfgo_batch_config good{8, 10, 1000000, nop, nullptr, LFGO_BATCH_BLOCK, 0};
    auto with = [&](auto f) {
        lfgo_batch_config c = good;
        f(c);
        return TypeParam::create(&b, &c);
    };
    EXPECT_EQ(with([](lfgo_batch_config &c) { c.max_items = 0; }), LFGO_EINVAL);
    EXPECT_EQ(with([](lfgo_batch_config &c) { c.max_delay_ns = 0; }), LFGO_EINVAL);
    EXPECT_EQ(with([](lfgo_batch_config &c) { c.max_delay_ns = -5; }), LFGO_EINVAL);
    EXPECT_EQ(with([](lfgo_batch_config &c) { c.item_size = 0; }), LFGO_EINVAL);
    EXPECT_EQ(with([](lfgo_batch_config &c) { c.item_size = LFGO_BATCH_MAX_ITEM + 1; }), LFGO_EINVAL);
    EXPECT_EQ(with([](lfgo_batch_config &c) { c.fn = nullptr; }), LFGO_EINVAL);
    EXPECT_EQ(with([](lfgo_batch_config &c) { c.policy = (lfgo_batch_policy)9; }), LFGO_EINVAL);
    EXPECT_EQ(TypeParam::create(&b, nullptr), LFGO_EINVAL);
    EXPECT_EQ(TypeParam::create(nullptr, &good), LFGO_EINVAL);
    ASSERT_EQ(TypeParam::create(&b, &good), LFGO_OK);
    TypeParam::destroy(b);
}

template <class Impl> class BatchDeathTest : public ::testing::Test {};
TYPED_TEST_SUITE(BatchDeathTest, Impls, ImplNames);

TYPED_TEST(BatchDeathTest, NullArgumentsDie)
{
    uint64_t v = 0;
    EXPECT_DEATH(TypeParam::add(nullptr, &v), "batch_add: NULL batcher");
    EXPECT_DEATH(TypeParam::flush(nullptr), "batch_flush: NULL batcher");
    EXPECT_DEATH(TypeParam::close(nullptr), "batch_close: NULL batcher");
    EXPECT_DEATH(TypeParam::destroy(nullptr), "batch_destroy: NULL batcher");
    EXPECT_DEATH(
        {
            Sink s;
            lfgo_batch_config cfg = config(&s, 4, 1000000);
            typename TypeParam::B *b;
            TypeParam::create(&b, &cfg);
            TypeParam::add(b, nullptr);
        },
        "batch_add: NULL item");
}

TYPED_TEST(BatchDeathTest, DestroyFromInsideCallbackDies)
{
    EXPECT_DEATH(
        {
            Sink s;
            typename TypeParam::B *b = nullptr;
            std::atomic<bool> ready{false};
            s.hook = [&](int) {
                while (!ready.load()) {
                }
                TypeParam::destroy(b);
            };
            lfgo_batch_config cfg = config(&s, 1, 1000000);
            TypeParam::create(&b, &cfg);
            ready = true;
            uint64_t v = 0;
            TypeParam::add(b, &v);
            std::this_thread::sleep_for(10s);
        },
        "destroy from inside the flush callback");
}

} // namespace
