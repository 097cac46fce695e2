// When may a channel (and a mutex) be destroyed?  The promises stated at the
// declarations (include/lfgo/chan.h, "Lifetime"; include/lfgo/mutex.h),
// each exercised many rounds; run under ASan (the asan-ubsan preset) a
// broken promise is a use-after-free report.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <lfgo/batch.h>
#include <lfgo/mutex.h>
#include <lfgo/twin/batch.h>
#include <lfgo/twin/mutex.h>

#include "chan_typed.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::recv_case;
using lfgo_test::Watchdog;

namespace {

template <class I> class ChanLifetime : public ::testing::Test {};
TYPED_TEST_SUITE(ChanLifetime, lfgo_test::ChanImpls, lfgo_test::ImplNames);

// Close with k receivers blocked (some in a select); the first receiver to
// get LFGO_CLOSED destroys the channel at once, while the closer may still be
// inside close and the others are being woken.
template <class I> void close_blocked_destroy(size_t cap, int k, bool with_select)
{
    typename I::chan *c = nullptr;
    ASSERT_EQ(I::create(&c, sizeof(int64_t), cap, LFGO_CHAN_MPMC), LFGO_OK);
    std::atomic<bool> destroyed{false};
    std::atomic<int> closed_seen{0};
    std::vector<std::thread> rs;
    for (int i = 0; i < k; i++)
        rs.emplace_back([&, i] {
            int64_t v = -1;
            lfgo_status st;
            if (with_select && i % 2 == 1) {
                typename I::scase cs[1] = {recv_case<I>(c, &v)};
                size_t ch;
                ASSERT_EQ(I::select(cs, 1, &ch), LFGO_OK);
                st = cs[0].status;
            } else {
                st = I::recv(c, &v);
            }
            ASSERT_EQ(st, LFGO_CLOSED);
            closed_seen++;
            if (!destroyed.exchange(true))
                I::destroy(c);
        });
    while (I::waiters(c) < (uint32_t)k)
        std::this_thread::yield();
    std::thread closer([&] { ASSERT_EQ(I::close(c), LFGO_OK); });
    closer.join();
    for (auto &t : rs)
        t.join();
    EXPECT_EQ(closed_seen.load(), k);
}

TYPED_TEST(ChanLifetime, ReceiverThatSawClosedMayDestroyAtOnce)
{
    Watchdog wd(kBudget);
    const int rounds = (int)scaled(600);
    for (size_t cap : {0, 1, 4})
        for (int k : {1, 3})
            for (int r = 0; r < rounds; r++)
                close_blocked_destroy<TypeParam>(cap, k, r % 2 == 1);
}

// Close, drain, destroy with one receiver: the producer sends, then closes;
// the receiver drains and destroys on LFGO_CLOSED, maybe while close runs.
TYPED_TEST(ChanLifetime, DrainThenDestroyWhileCloseReturns)
{
    using I = TypeParam;
    Watchdog wd(kBudget);
    const int rounds = (int)scaled(2000);
    for (size_t cap : {0, 1, 8}) {
        for (int r = 0; r < rounds; r++) {
            typename I::chan *c = nullptr;
            ASSERT_EQ(I::create(&c, sizeof(int64_t), cap, LFGO_CHAN_MPMC), LFGO_OK);
            std::thread p([&] {
                for (int64_t i = 0; i < 5; i++)
                    ASSERT_EQ(I::send(c, &i), LFGO_OK);
                ASSERT_EQ(I::close(c), LFGO_OK);
            });
            int64_t v, want = 0;
            while (I::recv(c, &v) == LFGO_OK)
                ASSERT_EQ(v, want++);
            EXPECT_EQ(want, 5);
            I::destroy(c);
            p.join();
        }
    }
}

// Destroy's refusals: "...still using it" (a call inside) or "...with
// blocked threads" (the sender still waiting in the exchange slot).
std::atomic<int> g_still_using{0};
void note_misuse(const char *func, const char *, void *)
{
    if (std::string(func) == "lfgo_chan_destroy")
        g_still_using++;
}

// Last value, destroy.  The twin's send touches nothing of the channel after
// its value is taken (the mutex's unlock is its last access, or it waits on
// a record of its own), so its receiver may destroy at once.  lfgo's send
// still looks at the channel after publishing (the wake check; the exchange
// slot's generation), so the receiver must wait for the send to return; in
// builds with LFGO_CHECK_LIFETIME (sanitizer and Debug builds) destroy
// reports the window as misuse instead of freeing under the sender.
TYPED_TEST(ChanLifetime, LastValueThenDestroy)
{
    using I = TypeParam;
    constexpr bool is_lfgo = std::is_same<I, lfgo_test::LfgoChan>::value;
#if !defined(LFGO_TEST_SANITIZED)
    if (is_lfgo)
        GTEST_SKIP() << "lfgo: the window is detected only with LFGO_CHECK_LIFETIME (sanitizer builds)";
#endif
    Watchdog wd(kBudget);
    g_still_using = 0;
    lfgo_set_misuse_handler(note_misuse, nullptr);
    const int rounds = (int)scaled(20000);
    int reported = 0;
    for (size_t cap : {0, 1}) {
        for (int r = 0; r < rounds; r++) {
            typename I::chan *c = nullptr;
            ASSERT_EQ(I::create(&c, sizeof(int64_t), cap, LFGO_CHAN_MPMC), LFGO_OK);
            std::thread s([&] {
                int64_t v = r;
                ASSERT_EQ(I::send(c, &v), LFGO_OK);
            });
            int64_t v = -1;
            ASSERT_EQ(I::recv(c, &v), LFGO_OK);
            int before = g_still_using.load();
            I::destroy(c);
            bool refused = g_still_using.load() != before;
            s.join();
            if (refused) { // left intact: destroy again now that send returned
                reported++;
                I::destroy(c);
            }
        }
    }
    lfgo_set_misuse_handler(nullptr, nullptr);
    if (!is_lfgo) {
        EXPECT_EQ(reported, 0);
    }
    ::testing::Test::RecordProperty("destroy_refused", reported);
}

// ------------------------------------------------------------ batcher

// lfgo/batch.h: once close has returned and no add() runs, any thread may
// destroy at once; everything accepted was delivered exactly once.
template <class B> struct BatchOps;
template <> struct BatchOps<lfgo_batch> {
    static lfgo_status create(lfgo_batch **b, const lfgo_batch_config *c) { return lfgo_batch_create(b, c); }
    static lfgo_status add(lfgo_batch *b, const void *v) { return lfgo_batch_add(b, v); }
    static lfgo_status close(lfgo_batch *b) { return lfgo_batch_close(b); }
    static void destroy(lfgo_batch *b) { lfgo_batch_destroy(b); }
};
template <> struct BatchOps<lfgo_twin_batch> {
    static lfgo_status create(lfgo_twin_batch **b, const lfgo_batch_config *c) { return lfgo_twin_batch_create(b, c); }
    static lfgo_status add(lfgo_twin_batch *b, const void *v) { return lfgo_twin_batch_add(b, v); }
    static lfgo_status close(lfgo_twin_batch *b) { return lfgo_twin_batch_close(b); }
    static void destroy(lfgo_twin_batch *b) { lfgo_twin_batch_destroy(b); }
};

void count_items(void *user, const void *items, size_t n)
{
    auto *sum = static_cast<std::atomic<uint64_t> *>(user);
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        std::memcpy(&v, static_cast<const char *>(items) + i * sizeof v, sizeof v);
        *sum += v;
    }
}

template <class B> void close_then_destroy_elsewhere()
{
    using O = BatchOps<B>;
    Watchdog wd(kBudget);
    const int rounds = (int)scaled(200);
    for (int r = 0; r < rounds; r++) {
        std::atomic<uint64_t> sum{0};
        lfgo_batch_config cfg{};
        cfg.item_size = sizeof(uint64_t);
        cfg.max_items = 1 + r % 7;
        cfg.max_delay_ns = 1000000;
        cfg.fn = count_items;
        cfg.user = &sum;
        cfg.policy = LFGO_BATCH_BLOCK;
        cfg.capacity = 8;
        B *b = nullptr;
        ASSERT_EQ(O::create(&b, &cfg), LFGO_OK);
        uint64_t want = 0;
        std::vector<std::thread> adders;
        for (int k = 0; k < 3; k++)
            adders.emplace_back([&, k] {
                for (uint64_t i = 1; i <= 50; i++) {
                    uint64_t v = i + 1000 * (uint64_t)k;
                    ASSERT_EQ(O::add(b, &v), LFGO_OK);
                }
            });
        for (int k = 0; k < 3; k++)
            for (uint64_t i = 1; i <= 50; i++)
                want += i + 1000 * (uint64_t)k;
        for (auto &t : adders)
            t.join();
        std::atomic<bool> closed{false};
        std::thread destroyer([&] {
            while (!closed.load())
                std::this_thread::yield();
            O::destroy(b); // right after close returned on another thread
        });
        ASSERT_EQ(O::close(b), LFGO_OK);
        EXPECT_EQ(sum.load(), want) << "close returned before delivering everything";
        closed = true;
        destroyer.join();
    }
}

TEST(BatchLifetime, DestroyRightAfterCloseReturnsLfgo)
{
    close_then_destroy_elsewhere<lfgo_batch>();
}

TEST(BatchLifetime, DestroyRightAfterCloseReturnsTwin)
{
    close_then_destroy_elsewhere<lfgo_twin_batch>();
}

// ------------------------------------------------------------ mutex

// glibc bug 13690's shape: A unlocks, waking B; B locks, unlocks and frees
// the mutex while A's unlock may still be walking the queue.
template <class M> struct MutexOps;
template <> struct MutexOps<lfgo_mutex> {
    static void init(lfgo_mutex *m) { lfgo_mutex_init(m); }
    static void lock(lfgo_mutex *m) { lfgo_mutex_lock(m); }
    static lfgo_status lock_until(lfgo_mutex *m, const timespec *d) { return lfgo_mutex_lock_until(m, d); }
    static void unlock(lfgo_mutex *m) { lfgo_mutex_unlock(m); }
    static void destroy(lfgo_mutex *m) { lfgo_mutex_destroy(m); }
};
template <> struct MutexOps<lfgo_twin_mutex> {
    static void init(lfgo_twin_mutex *m) { lfgo_twin_mutex_init(m); }
    static void lock(lfgo_twin_mutex *m) { lfgo_twin_mutex_lock(m); }
    static lfgo_status lock_until(lfgo_twin_mutex *m, const timespec *d) { return lfgo_twin_mutex_lock_until(m, d); }
    static void unlock(lfgo_twin_mutex *m) { lfgo_twin_mutex_unlock(m); }
    static void destroy(lfgo_twin_mutex *m) { lfgo_twin_mutex_destroy(m); }
};

template <class M> void unlock_then_destroy_by_next_owner()
{
    using O = MutexOps<M>;
    Watchdog wd(kBudget);
    const int rounds = (int)scaled(4000);
    for (int r = 0; r < rounds; r++) {
        M *m = new M;
        O::init(m);
        std::atomic<int> step{0};
        // A holds the lock (a pthread mutex must be unlocked by its owner).
        std::thread a([&] {
            O::lock(m);
            step = 1;
            while (step.load() < 2)
                std::this_thread::yield();
            if (r % 3 == 0)
                std::this_thread::sleep_for(std::chrono::microseconds(50));
            O::unlock(m); // may still be inside when B destroys
        });
        while (step.load() < 1)
            std::this_thread::yield();
        // C waits with a deadline that may pass while A unlocks (the case
        // where the woken duty finds an empty queue); B waits without one.
        std::thread c([&] {
            timespec d = lfgo_deadline_after_ns((r % 7) * 1000);
            if (O::lock_until(m, &d) == LFGO_OK)
                O::unlock(m);
        });
        std::thread b([&] {
            step = 2;
            O::lock(m);
            O::unlock(m);
        });
        b.join();
        c.join();
        O::destroy(m); // A may still be inside unlock
        delete m;
        a.join();
    }
}

TEST(MutexLifetime, NextOwnerMayDestroyWhileUnlockReturnsLfgo)
{
    unlock_then_destroy_by_next_owner<lfgo_mutex>();
}

TEST(MutexLifetime, NextOwnerMayDestroyWhileUnlockReturnsTwin)
{
    unlock_then_destroy_by_next_owner<lfgo_twin_mutex>();
}

} // namespace
