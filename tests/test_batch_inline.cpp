// Tests of the batcher's inline policies (the filling thread runs the
// callback) and of reserve/commit, beside the flusher-thread policy, for
// lfgo_batch and its twin.  tests/test_batch.cpp runs its tests under the
// inline policies as well.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
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
constexpr auto kMargin = 150ms;
#else
constexpr auto kMargin = 30ms;
#endif

struct Lfgo {
    using B = lfgo_batch;
    static constexpr const char *name = "lfgo";
    static lfgo_status create(B **b, const lfgo_batch_config *c) { return lfgo_batch_create(b, c); }
    static lfgo_status add(B *b, const void *it) { return lfgo_batch_add(b, it); }
    static lfgo_status reserve(B *b, void **s) { return lfgo_batch_reserve(b, s); }
    static lfgo_status commit(B *b, void *s) { return lfgo_batch_commit(b, s); }
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

struct Twin {
    using B = lfgo_twin_batch;
    static constexpr const char *name = "twin";
    static lfgo_status create(B **b, const lfgo_batch_config *c) { return lfgo_twin_batch_create(b, c); }
    static lfgo_status add(B *b, const void *it) { return lfgo_twin_batch_add(b, it); }
    static lfgo_status reserve(B *b, void **s) { return lfgo_twin_batch_reserve(b, s); }
    static lfgo_status commit(B *b, void *s) { return lfgo_twin_batch_commit(b, s); }
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

// What the callback saw.  `inside` counts callbacks running right now: a
// second one entering while it is nonzero is an overlap.
struct Sink {
    std::mutex mu;
    std::vector<uint64_t> items;
    std::vector<std::thread::id> threads;
    std::vector<const void *> arrays;
    std::atomic<int> inside{0}, overlaps{0}, bad_size{0}, calls{0};
    size_t max_n = 0;
    std::function<void(int call)> hook;
    int slow_every = 0; // sleep 50 us in every slow_every-th callback

    static void fn(void *user, const void *items, size_t n)
    {
        auto *s = static_cast<Sink *>(user);
        if (s->inside.fetch_add(1) != 0)
            s->overlaps++;
        if (n == 0 || n > s->max_n)
            s->bad_size++;
        int call = s->calls.load();
        {
            std::lock_guard<std::mutex> lk(s->mu);
            const auto *v = static_cast<const uint64_t *>(items);
            s->items.insert(s->items.end(), v, v + n);
            s->threads.push_back(std::this_thread::get_id());
            s->arrays.push_back(items);
        }
        if (s->slow_every && call % s->slow_every == 0)
            std::this_thread::sleep_for(50us);
        if (s->hook)
            s->hook(call);
        s->inside.fetch_sub(1);
        s->calls.fetch_add(1);
    }
};

lfgo_batch_config config(Sink *s, size_t n, int64_t t_ns, lfgo_batch_policy p, size_t cap = 0)
{
    s->max_n = n;
    return lfgo_batch_config{sizeof(uint64_t), n, t_ns, &Sink::fn, s, p, cap};
}

bool is_inline(lfgo_batch_policy p) { return p == LFGO_BATCH_INLINE_BLOCK || p == LFGO_BATCH_INLINE_FAIL; }

// ------------------------------------------------------------- exactly once

// One round: P producers (more than lfgo has lanes) add up to `per` items
// each, (p << 40 | seq); odd producers through reserve/commit.  The round
// ends with close() at a random moment mid-stream, or with destroy() alone
// once the producers are done (items still buffered).  Everything accepted
// must come out exactly once, in order per producer, with no overlapping
// callback and no empty or oversized batch.
template <class Impl> void exactly_once_round(lfgo_batch_policy pol, size_t n, long per, int close_after_us,
                                              std::mt19937 &rng)
{
    constexpr int P = 8;
    Sink s;
    s.slow_every = 97; // a slow callback now and then: batches queue up
    lfgo_batch_config cfg = config(&s, n, 1'000'000, pol, rng() % 2 ? 0 : 64);
    typename Impl::B *b;
    ASSERT_EQ(Impl::create(&b, &cfg), LFGO_OK);
    std::vector<uint64_t> accepted(P, 0);
    std::vector<std::thread> ts;
    for (int p = 0; p < P; p++)
        ts.emplace_back([&, p] {
            for (uint64_t i = 0; i < (uint64_t)per; i++) {
                uint64_t v = (uint64_t)p << 40 | i;
                lfgo_status st;
                if (p % 2) {
                    void *slot = nullptr;
                    st = Impl::reserve(b, &slot);
                    if (st == LFGO_OK) {
                        std::memcpy(slot, &v, sizeof v);
                        st = Impl::commit(b, slot);
                    }
                } else {
                    st = Impl::add(b, &v);
                }
                if (st == LFGO_CLOSED)
                    break;
                ASSERT_EQ(st, LFGO_OK);
                accepted[p]++;
            }
        });
    bool closed = close_after_us >= 0;
    if (closed) {
        std::this_thread::sleep_for(std::chrono::microseconds(close_after_us));
        EXPECT_EQ(Impl::close(b), LFGO_OK);
    }
    for (auto &t : ts)
        t.join();
    lfgo_batch_stats st{};
    if (closed)
        st = Impl::stats(b);
    Impl::destroy(b); // without close: closes, delivers the rest, waits
    std::vector<uint64_t> next(P, 0);
    long dup_or_unknown = 0, bad_order = 0;
    for (uint64_t v : s.items) {
        int p = (int)(v >> 40);
        uint64_t i = v & ((1ull << 40) - 1);
        if (p >= P || i >= accepted[p] || i < next[p]) {
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
    EXPECT_EQ(bad_order, 0);
    EXPECT_EQ(s.items.size(), total);
    EXPECT_EQ(s.overlaps.load(), 0) << "callbacks overlapped";
    EXPECT_EQ(s.bad_size.load(), 0);
    if (closed) { // close() returned: every callback is over, the counts final
        EXPECT_EQ(st.items, total);
        EXPECT_EQ(st.batches, (uint64_t)s.calls.load());
        EXPECT_EQ(st.batches, st.flushes_size + st.flushes_deadline + st.flushes_forced + st.flushes_close);
    }
}

class ExactlyOnce : public ::testing::TestWithParam<std::tuple<bool, lfgo_batch_policy>> {};

TEST_P(ExactlyOnce, ManyProducersManyRoundsCloseOrDestroyMidStream)
{
    Watchdog wd(kBudget, "batch exactly-once");
    bool twin = std::get<0>(GetParam());
    lfgo_batch_policy pol = std::get<1>(GetParam());
    std::mt19937 rng(777);
    const size_t ns[] = {1, 3, 10, 64, 1000};
    const int rounds = (int)std::max(10L, scaled(30));
    for (int r = 0; r < rounds; r++) {
        size_t n = ns[r % 5];
        long per = std::max(200L, scaled(20000) / (r % 3 + 1));
        int close_after = r % 2 ? (int)(rng() % 3000) : -1;
        if (twin)
            exactly_once_round<Twin>(pol, n, per, close_after, rng);
        else
            exactly_once_round<Lfgo>(pol, n, per, close_after, rng);
        if (HasFatalFailure() || HasFailure()) {
            ADD_FAILURE() << "round " << r << " N " << n;
            return;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Batch, ExactlyOnce,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values(LFGO_BATCH_BLOCK, LFGO_BATCH_INLINE_BLOCK)),
                         [](const auto &pinfo) {
                             std::string s = std::get<0>(pinfo.param) ? "twin" : "lfgo";
                             return s + (is_inline(std::get<1>(pinfo.param)) ? "_inline" : "_flusher");
                         });

// ------------------------------------------------------------- who runs it

template <class Impl> class InlineTest : public ::testing::Test {};
using Impls = ::testing::Types<Lfgo, Twin>;
class ImplNames {
public:
    template <class T> static std::string GetName(int) { return T::name; }
};
TYPED_TEST_SUITE(InlineTest, Impls, ImplNames);

// A size flush runs on the thread that filled the batch, inside its add()
// (delivered when that add returns); the flusher-thread policy never runs
// it there.
TYPED_TEST(InlineTest, SizeFlushRunsOnTheFillingThread)
{
    Watchdog wd(kBudget);
    for (lfgo_batch_policy pol : {LFGO_BATCH_INLINE_BLOCK, LFGO_BATCH_BLOCK}) {
        Sink s;
        lfgo_batch_config cfg = config(&s, 10, 60'000'000'000, pol);
        typename TypeParam::B *b;
        ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
        std::thread::id adder;
        int calls_after_add = -1;
        std::thread t([&] {
            adder = std::this_thread::get_id();
            for (uint64_t i = 0; i < 10; i++)
                ASSERT_EQ(TypeParam::add(b, &i), LFGO_OK);
            calls_after_add = s.calls.load();
        });
        t.join();
        ASSERT_EQ(TypeParam::close(b), LFGO_OK);
        ASSERT_EQ(s.threads.size(), 1u);
        if (is_inline(pol)) {
            EXPECT_EQ(s.threads[0], adder) << "inline: the filling thread runs the callback";
            EXPECT_EQ(calls_after_add, 1) << "inline: delivered before the filling add() returns";
        } else {
            EXPECT_NE(s.threads[0], adder) << "flusher policy: the flusher thread runs it";
        }
        EXPECT_EQ(TypeParam::stats(b).flushes_size, 1u);
        TypeParam::destroy(b);
    }
}

// Deadline flushes still happen under the inline policy, for partial
// batches in two lanes, on the batcher's own (deadline) thread.
TYPED_TEST(InlineTest, DeadlineFlushOfPartialBatchesInline)
{
    Watchdog wd(kBudget);
    Sink s;
    const auto T = 20ms;
    lfgo_batch_config cfg = config(&s, 1000, std::chrono::nanoseconds(T).count(), LFGO_BATCH_INLINE_BLOCK);
    typename TypeParam::B *b;
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    for (int round = 0; round < 3; round++) {
        s.calls = 0;
        auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread::id> adders;
        std::mutex amu;
        std::vector<std::thread> ts;
        for (int p = 0; p < 2; p++)
            ts.emplace_back([&, p] {
                {
                    std::lock_guard<std::mutex> lk(amu);
                    adders.push_back(std::this_thread::get_id());
                }
                for (uint64_t i = 0; i < 3; i++) {
                    uint64_t v = (uint64_t)p << 40 | (uint64_t)round << 20 | i;
                    ASSERT_EQ(TypeParam::add(b, &v), LFGO_OK);
                }
            });
        for (auto &t : ts)
            t.join();
        auto added = std::chrono::steady_clock::now(); // every first add is before this
        size_t before;
        {
            std::lock_guard<std::mutex> lk(s.mu);
            before = s.items.size();
        }
        if (added - t0 < T - 1ms) { // (not so under a slow sanitizer build)
            EXPECT_EQ(before, (size_t)round * 6) << "delivered before T";
        }
        while (true) {
            std::lock_guard<std::mutex> lk(s.mu);
            if (s.items.size() == (size_t)(round + 1) * 6)
                break;
            ASSERT_LT(std::chrono::steady_clock::now() - t0, T + kMargin + 1s) << "no deadline flush";
        }
        auto done = std::chrono::steady_clock::now();
        EXPECT_GE(done - t0, T - 1ms);
        EXPECT_LE(done - added, T + kMargin) << "deadline flush late";
        std::lock_guard<std::mutex> lk(s.mu); // (an adder's id may be reused
        for (auto id : adders)                // later, never the deadline thread's)
            EXPECT_EQ(std::count(s.threads.begin(), s.threads.end(), id), 0)
                << "a deadline batch ran on an adder";
    }
    // The statistics count a batch after its callback returns, so the last
    // round's may still be uncounted when its items are seen; close() waits
    // for every delivery to finish (seen failing: 2 deadline flushes).
    ASSERT_EQ(TypeParam::close(b), LFGO_OK);
    lfgo_batch_stats st = TypeParam::stats(b);
    EXPECT_GE(st.flushes_deadline, 3u);
    EXPECT_EQ(st.flushes_size, 0u);
    EXPECT_GE(st.max_delay_ns, (uint64_t)std::chrono::nanoseconds(T - 1ms).count());
    EXPECT_EQ(s.overlaps.load(), 0);
    TypeParam::destroy(b);
}

// flush() from inside the callback returns at once; what another thread
// added meanwhile is delivered right after the callback, by the same add().
TYPED_TEST(InlineTest, FlushFromInsideCallbackInline)
{
    Watchdog wd(kBudget);
    Sink s;
    std::atomic<int> flush_rc{-1};
    typename TypeParam::B *b = nullptr;
    s.hook = [&](int call) {
        if (call != 0)
            return;
        std::thread q([&] {
            uint64_t v2 = 2;
            EXPECT_EQ(TypeParam::add(b, &v2), LFGO_OK); // never waits for the callback
        });
        q.join();
        flush_rc = TypeParam::flush(b);
    };
    lfgo_batch_config cfg = config(&s, 2, 60'000'000'000, LFGO_BATCH_INLINE_BLOCK);
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    uint64_t v0 = 0, v1 = 1;
    ASSERT_EQ(TypeParam::add(b, &v0), LFGO_OK);
    ASSERT_EQ(TypeParam::add(b, &v1), LFGO_OK); // runs callback 0, then the forced one
    EXPECT_EQ(flush_rc.load(), LFGO_OK);
    EXPECT_EQ(s.calls.load(), 2);
    EXPECT_EQ(TypeParam::stats(b).flushes_forced, 1u);
    std::vector<uint64_t> got = s.items;
    EXPECT_EQ(got, (std::vector<uint64_t>{0, 1, 2}));
    TypeParam::destroy(b);
}

// A slow callback under INLINE_FAIL: the adder that runs it is stuck in
// it; another adder (another lane) keeps going, its full batches handed
// over, until its lane's buffers all wait: then LFGO_WOULDBLOCK.  All that
// was accepted comes out in order once the callback returns.
TYPED_TEST(InlineTest, SlowCallbackHoldsOnlyTheAdderThatRunsIt)
{
    Watchdog wd(kBudget);
    Sink s;
    std::atomic<bool> release{false}, in_first{false};
    s.hook = [&](int call) {
        if (call == 0) {
            in_first = true;
            while (!release.load())
                std::this_thread::sleep_for(100us);
        }
    };
    lfgo_batch_config cfg = config(&s, 4, 60'000'000'000, LFGO_BATCH_INLINE_FAIL, 16);
    typename TypeParam::B *b;
    ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
    std::thread a([&] {
        for (uint64_t i = 0; i < 4; i++) {
            uint64_t v = i;
            ASSERT_EQ(TypeParam::add(b, &v), LFGO_OK); // the 4th runs callback 0
        }
    });
    while (!in_first.load())
        std::this_thread::sleep_for(100us);
    uint64_t accepted = 0, wouldblock = 0;
    std::thread c([&] {
        for (uint64_t i = 0; i < 200; i++) {
            uint64_t v = 1ull << 40 | accepted;
            lfgo_status st = TypeParam::add(b, &v);
            if (st == LFGO_OK)
                accepted++;
            else if (st == LFGO_WOULDBLOCK)
                wouldblock++;
            else
                ADD_FAILURE() << lfgo_status_str(st);
        }
    });
    c.join(); // returned while callback 0 is still stuck
    EXPECT_TRUE(in_first.load() && !release.load());
    EXPECT_GT(wouldblock, 0u) << "a full lane must fail under INLINE_FAIL";
    if (std::thread::hardware_concurrency() > 1) { // then c has a lane of its own
        EXPECT_GE(accepted, 4u) << "the other lane kept accepting while the callback ran";
    }
    release = true;
    a.join();
    ASSERT_EQ(TypeParam::close(b), LFGO_OK);
    std::vector<uint64_t> mine;
    for (uint64_t v : s.items)
        if (v >> 40 == 1)
            mine.push_back(v & ((1ull << 40) - 1));
    ASSERT_EQ(mine.size(), accepted);
    for (uint64_t i = 0; i < mine.size(); i++)
        ASSERT_EQ(mine[i], i);
    EXPECT_EQ(s.items.size(), accepted + 4);
    EXPECT_EQ(s.overlaps.load(), 0);
    TypeParam::destroy(b);
}

// ------------------------------------------------------------- reserve/commit

// Inline: the callback's array is the memory reserve handed out (no copy
// in between); the flusher policy delivers the same values.
TYPED_TEST(InlineTest, ReserveCommitWritesInPlace)
{
    Watchdog wd(kBudget);
    for (lfgo_batch_policy pol : {LFGO_BATCH_INLINE_BLOCK, LFGO_BATCH_BLOCK, LFGO_BATCH_INLINE_FAIL}) {
        Sink s;
        lfgo_batch_config cfg = config(&s, 8, 60'000'000'000, pol);
        typename TypeParam::B *b;
        ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
        std::vector<void *> slots;
        for (uint64_t i = 0; i < 8; i++) {
            void *slot = nullptr;
            ASSERT_EQ(TypeParam::reserve(b, &slot), LFGO_OK);
            ASSERT_NE(slot, nullptr);
            EXPECT_EQ((uintptr_t)slot % alignof(uint64_t), 0u);
            *static_cast<uint64_t *>(slot) = 100 + i;
            slots.push_back(slot);
            ASSERT_EQ(TypeParam::commit(b, slot), LFGO_OK);
        }
        ASSERT_EQ(TypeParam::flush(b), LFGO_OK);
        ASSERT_EQ(s.arrays.size(), 1u);
        EXPECT_EQ(s.items, (std::vector<uint64_t>{100, 101, 102, 103, 104, 105, 106, 107}));
        if (is_inline(pol) && std::string(TypeParam::name) == "lfgo") {
            for (size_t i = 0; i < 8; i++)
                EXPECT_EQ(slots[i], static_cast<const uint64_t *>(s.arrays[0]) + i)
                    << "inline: the item was copied after commit";
        }
        ASSERT_EQ(TypeParam::close(b), LFGO_OK);
        void *slot = nullptr;
        EXPECT_EQ(TypeParam::reserve(b, &slot), LFGO_CLOSED);
        uint64_t v = 1;
        EXPECT_EQ(TypeParam::add(b, &v), LFGO_CLOSED); // no reservation is left held
        TypeParam::destroy(b);
    }
}

// close() on another thread while a slot is reserved: under the inline
// policy close waits for the commit and delivers the item; under the
// flusher policy close returns and the commit reports LFGO_CLOSED.
TYPED_TEST(InlineTest, CloseWhileAnotherThreadHoldsAReservation)
{
    Watchdog wd(kBudget);
    for (lfgo_batch_policy pol : {LFGO_BATCH_INLINE_BLOCK, LFGO_BATCH_BLOCK}) {
        Sink s;
        lfgo_batch_config cfg = config(&s, 100, 60'000'000'000, pol);
        typename TypeParam::B *b;
        ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
        uint64_t zero = 0;
        ASSERT_EQ(TypeParam::add(b, &zero), LFGO_OK);
        std::atomic<bool> reserved{false}, closed{false};
        std::atomic<int> commit_rc{-1};
        std::thread holder([&] {
            void *slot;
            ASSERT_EQ(TypeParam::reserve(b, &slot), LFGO_OK);
            reserved = true;
            std::this_thread::sleep_for(50ms);
            *static_cast<uint64_t *>(slot) = 42;
            if (is_inline(pol) && std::string(TypeParam::name) == "lfgo") {
                EXPECT_FALSE(closed.load()) << "close() returned before the commit";
            }
            commit_rc = TypeParam::commit(b, slot);
        });
        while (!reserved.load())
            std::this_thread::sleep_for(100us);
        ASSERT_EQ(TypeParam::close(b), LFGO_OK);
        closed = true;
        holder.join();
        if (is_inline(pol) && std::string(TypeParam::name) == "lfgo") {
            EXPECT_EQ(commit_rc.load(), LFGO_OK);
            EXPECT_EQ(s.items, (std::vector<uint64_t>{0, 42}));
        } else {
            // flusher policy and the twin: the item goes in at commit
            EXPECT_EQ(commit_rc.load(), LFGO_CLOSED);
            EXPECT_EQ(s.items, (std::vector<uint64_t>{0}));
        }
        TypeParam::destroy(b);
    }
}

// destroy() right after a few adds, many rounds: the deadline (or flusher)
// thread is mid-loop when the stop arrives.  A stop that lands between the
// thread's stop check and its read of the word it parks on is a lost wake-up
// and hangs destroy in pthread_join (seen once under TSan in CI).  Every
// item is delivered exactly once.
TYPED_TEST(InlineTest, DestroyWhileTheDeadlineThreadLoops)
{
    Watchdog wd(kBudget);
    const long rounds = scaled(3000);
    for (lfgo_batch_policy pol : {LFGO_BATCH_INLINE_BLOCK, LFGO_BATCH_INLINE_FAIL, LFGO_BATCH_BLOCK}) {
        for (long r = 0; r < rounds; r++) {
            Sink s;
            lfgo_batch_config cfg = config(&s, 4, 2'000, pol);
            typename TypeParam::B *b;
            ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
            const uint64_t n = (uint64_t)(r % 7);
            for (uint64_t i = 0; i < n; i++) {
                lfgo_status st;
                while ((st = TypeParam::add(b, &i)) == LFGO_WOULDBLOCK)
                    std::this_thread::yield();
                ASSERT_EQ(st, LFGO_OK);
            }
            TypeParam::destroy(b);
            std::vector<uint64_t> got = s.items;
            std::sort(got.begin(), got.end());
            std::vector<uint64_t> want(n);
            for (uint64_t i = 0; i < n; i++)
                want[i] = i;
            ASSERT_EQ(got, want) << "round " << r;
        }
    }
}

TYPED_TEST(InlineTest, InlineRejectsHugeN)
{
    typename TypeParam::B *b = nullptr;
    Sink s;
    lfgo_batch_config cfg = config(&s, (size_t)1 << 31, 1'000'000, LFGO_BATCH_INLINE_BLOCK, 1);
    EXPECT_EQ(TypeParam::create(&b, &cfg), LFGO_EINVAL);
    cfg.policy = (lfgo_batch_policy)4;
    cfg.max_items = 4;
    EXPECT_EQ(TypeParam::create(&b, &cfg), LFGO_EINVAL);
}

template <class Impl> class ReserveDeathTest : public ::testing::Test {};
TYPED_TEST_SUITE(ReserveDeathTest, Impls, ImplNames);

// Each misuse dies with its message, under both policies.
template <class Impl> void misuse_case(lfgo_batch_policy pol, int which)
{
    Sink s;
    lfgo_batch_config cfg = config(&s, 4, 1'000'000, pol);
    typename Impl::B *b;
    Impl::create(&b, &cfg);
    void *slot = nullptr;
    uint64_t v = 0;
    switch (which) {
    case 0: // commit without reserve
        Impl::commit(b, &v);
        break;
    case 1: // a second reserve
        Impl::reserve(b, &slot);
        Impl::reserve(b, &slot);
        break;
    case 2: // close while this thread holds a reservation
        Impl::reserve(b, &slot);
        Impl::close(b);
        break;
    case 3: // add while holding one
        Impl::reserve(b, &slot);
        Impl::add(b, &v);
        break;
    case 4: // commit of another slot
        Impl::reserve(b, &slot);
        Impl::commit(b, static_cast<char *>(slot) + 8);
        break;
    case 5:
        Impl::reserve(b, nullptr);
        break;
    case 6: // commit twice
        Impl::reserve(b, &slot);
        Impl::commit(b, slot);
        Impl::commit(b, slot);
        break;
    }
}

TYPED_TEST(ReserveDeathTest, MisuseDies)
{
    for (lfgo_batch_policy pol : {LFGO_BATCH_INLINE_BLOCK, LFGO_BATCH_BLOCK}) {
        EXPECT_DEATH(misuse_case<TypeParam>(pol, 0), "batch_commit: commit without a matching reserve");
        EXPECT_DEATH(misuse_case<TypeParam>(pol, 1), "batch_reserve: this thread already holds a reservation");
        EXPECT_DEATH(misuse_case<TypeParam>(pol, 2), "batch_close: this thread holds a reservation");
        EXPECT_DEATH(misuse_case<TypeParam>(pol, 3), "batch_add: this thread holds a reservation");
        EXPECT_DEATH(misuse_case<TypeParam>(pol, 4), "batch_commit: commit without a matching reserve");
        EXPECT_DEATH(misuse_case<TypeParam>(pol, 5), "batch_reserve: NULL slot");
        EXPECT_DEATH(misuse_case<TypeParam>(pol, 6), "batch_commit: commit without a matching reserve");
    }
}

// The same sequences with a handler that records instead of aborting:
// every misuse call returns LFGO_MISUSE and changes nothing.
std::atomic<int> g_misuses{0};
void count_misuse(const char *, const char *, void *) { g_misuses++; }

TYPED_TEST(ReserveDeathTest, MisuseReturnsMisuseAndChangesNothing)
{
    lfgo_set_misuse_handler(count_misuse, nullptr);
    for (lfgo_batch_policy pol : {LFGO_BATCH_INLINE_BLOCK, LFGO_BATCH_BLOCK}) {
        g_misuses = 0;
        Sink s;
        lfgo_batch_config cfg = config(&s, 4, 60'000'000'000, pol);
        typename TypeParam::B *b;
        ASSERT_EQ(TypeParam::create(&b, &cfg), LFGO_OK);
        uint64_t v = 5;
        EXPECT_EQ(TypeParam::commit(b, &v), LFGO_MISUSE);
        void *slot = nullptr;
        ASSERT_EQ(TypeParam::reserve(b, &slot), LFGO_OK);
        void *other = nullptr;
        EXPECT_EQ(TypeParam::reserve(b, &other), LFGO_MISUSE);
        EXPECT_EQ(TypeParam::add(b, &v), LFGO_MISUSE);
        EXPECT_EQ(TypeParam::flush(b), LFGO_MISUSE);
        EXPECT_EQ(TypeParam::close(b), LFGO_MISUSE);
        *static_cast<uint64_t *>(slot) = 9;
        EXPECT_EQ(TypeParam::commit(b, slot), LFGO_OK);
        EXPECT_EQ(TypeParam::commit(b, slot), LFGO_MISUSE);
        EXPECT_EQ(g_misuses.load(), 6);
        ASSERT_EQ(TypeParam::close(b), LFGO_OK);
        EXPECT_EQ(s.items, (std::vector<uint64_t>{9}));
        TypeParam::destroy(b);
    }
    lfgo_set_misuse_handler(nullptr, nullptr);
}

} // namespace
