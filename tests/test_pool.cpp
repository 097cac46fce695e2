// Pool and group tests: every behaviour runs on lfgo_pool and on its
// lock-based twin (typed tests); misuse messages are death tests; everything
// that can block runs under a watchdog.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
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

struct LfgoPool {
    using Pool = lfgo_pool;
    using Wg = lfgo_wg;
    using Group = lfgo_group;
    static constexpr const char *prefix = "lfgo_pool";
    static constexpr long task_scale = 1; // the lock-based twin runs fewer tasks
    static lfgo_status create(Pool **p, int n) { return lfgo_pool_create(p, n); }
    static void destroy(Pool *p) { lfgo_pool_destroy(p); }
    static int workers(Pool *p) { return lfgo_pool_workers(p); }
    static Pool *current() { return lfgo_pool_current(); }
    static void go(Pool *p, lfgo_task_fn fn, void *arg) { lfgo_go(p, fn, arg); }
    static void wait(Pool *p, Wg *wg) { lfgo_pool_wait(p, wg); }
    static void wg_init(Wg *wg) { lfgo_wg_init(wg); }
    static void wg_destroy(Wg *wg) { lfgo_wg_destroy(wg); }
    static void add(Wg *wg, int64_t n) { lfgo_wg_add(wg, n); }
    static void done(Wg *wg) { lfgo_wg_done(wg); }
    static void wg_wait(Wg *wg) { lfgo_wg_wait(wg); }
    static lfgo_status group_init(Group *g, Pool *p, int limit) { return lfgo_group_init(g, p, limit); }
    static void group_destroy(Group *g) { lfgo_group_destroy(g); }
    static void group_go(Group *g, lfgo_group_fn fn, void *arg) { lfgo_group_go(g, fn, arg); }
    static int group_wait(Group *g) { return lfgo_group_wait(g); }
    static bool cancelled(const Group *g) { return lfgo_group_cancelled(g); }
};

struct TwinPool {
    using Pool = lfgo_twin_pool;
    using Wg = lfgo_twin_wg;
    using Group = lfgo_twin_group;
    static constexpr const char *prefix = "lfgo_twin_pool";
    static constexpr long task_scale = 10;
    static lfgo_status create(Pool **p, int n) { return lfgo_twin_pool_create(p, n); }
    static void destroy(Pool *p) { lfgo_twin_pool_destroy(p); }
    static int workers(Pool *p) { return lfgo_twin_pool_workers(p); }
    static Pool *current() { return lfgo_twin_pool_current(); }
    static void go(Pool *p, lfgo_task_fn fn, void *arg) { lfgo_twin_go(p, fn, arg); }
    static void wait(Pool *p, Wg *wg) { lfgo_twin_pool_wait(p, wg); }
    static void wg_init(Wg *wg) { lfgo_twin_wg_init(wg); }
    static void wg_destroy(Wg *wg) { lfgo_twin_wg_destroy(wg); }
    static void add(Wg *wg, int64_t n) { lfgo_twin_wg_add(wg, n); }
    static void done(Wg *wg) { lfgo_twin_wg_done(wg); }
    static void wg_wait(Wg *wg) { lfgo_twin_wg_wait(wg); }
    static lfgo_status group_init(Group *g, Pool *p, int limit) { return lfgo_twin_group_init(g, p, limit); }
    static void group_destroy(Group *g) { lfgo_twin_group_destroy(g); }
    static void group_go(Group *g, lfgo_group_fn fn, void *arg) { lfgo_twin_group_go(g, fn, arg); }
    static int group_wait(Group *g) { return lfgo_twin_group_wait(g); }
    static bool cancelled(const Group *g) { return lfgo_twin_group_cancelled(g); }
};

// A pool for one test, destroyed at its end.
template <class P> struct PoolOwner {
    typename P::Pool *pool = nullptr;
    explicit PoolOwner(int workers = 0)
    {
        EXPECT_EQ(P::create(&pool, workers), LFGO_OK);
    }
    ~PoolOwner()
    {
        if (pool)
            P::destroy(pool);
    }
};

template <class P> struct WgOwner {
    typename P::Wg wg;
    WgOwner() { P::wg_init(&wg); }
    ~WgOwner() { P::wg_destroy(&wg); }
};

template <class P> class Pool : public testing::Test {};
using Impls = testing::Types<LfgoPool, TwinPool>;
class ImplNames {
public:
    template <class P> static std::string GetName(int) { return P::prefix; }
};
TYPED_TEST_SUITE(Pool, Impls, ImplNames);

TYPED_TEST(Pool, CreateReportsWorkers)
{
    Watchdog dog(kBudget);
    PoolOwner<TypeParam> a(3);
    EXPECT_EQ(TypeParam::workers(a.pool), 3);
    PoolOwner<TypeParam> d(0);
    long cpus = static_cast<long>(std::thread::hardware_concurrency());
    EXPECT_EQ(TypeParam::workers(d.pool), cpus > 1 ? cpus - 1 : 1);
    typename TypeParam::Pool *p = nullptr;
    EXPECT_EQ(TypeParam::create(&p, LFGO_POOL_MAX_WORKERS + 1), LFGO_EINVAL);
    EXPECT_EQ(TypeParam::create(nullptr, 1), LFGO_EINVAL);
    EXPECT_EQ(TypeParam::current(), nullptr);
}

// ---- exactly once ---------------------------------------------------------

// Each task marks its own byte and counts itself out.
template <class P> struct Marks {
    std::vector<std::atomic<uint8_t>> hit;
    typename P::Wg wg;
    typename P::Pool *pool;
    explicit Marks(long n, typename P::Pool *p) : hit(static_cast<size_t>(n)), pool(p) { P::wg_init(&wg); }
    ~Marks() { P::wg_destroy(&wg); }
    long bad() const
    {
        long b = 0;
        for (auto &h : hit)
            b += h.load(std::memory_order_relaxed) != 1;
        return b;
    }
};

template <class P> struct MarkArg {
    Marks<P> *m;
    long i;
};

// The tasks' arguments are indices into one array of MarkArg per test.
template <class P> struct Batch {
    Marks<P> *m;
    std::vector<MarkArg<P>> args;
    long from, to;
};

template <class P> void mark(void *a)
{
    auto *x = static_cast<MarkArg<P> *>(a);
    x->m->hit[static_cast<size_t>(x->i)].fetch_add(1, std::memory_order_relaxed);
    P::done(&x->m->wg);
}

template <class P> void submit_range(typename P::Pool *pool, MarkArg<P> *args, long from, long to)
{
    for (long i = from; i < to; i++)
        P::go(pool, mark<P>, &args[i]);
}

// A task that submits its range from inside the pool, then counts itself out.
// It starts submitting only once every spawner has been submitted: a thread
// outside the pool that submits while the injection queue is full runs queued
// jobs itself, so a spawner still queued when the marks overflow into that
// queue could otherwise run on an outside submitter instead of a worker.
template <class P> struct Spawner {
    Marks<P> *m;
    MarkArg<P> *args;
    long from, to;
    std::atomic<int> *submitted;
    int submitters;
};
template <class P> void spawn(void *a)
{
    auto *s = static_cast<Spawner<P> *>(a);
    while (s->submitted->load() < s->submitters)
        std::this_thread::yield();
    EXPECT_EQ(P::current(), s->m->pool) << "the spawner runs on a worker";
    submit_range<P>(s->m->pool, s->args, s->from, s->to);
    P::done(&s->m->wg);
}

template <class P> void exactly_once(int submitters, bool from_tasks)
{
    Watchdog dog(kBudget, "exactly-once");
    long n = scaled(10000000 / P::task_scale);
    PoolOwner<P> o;
    Marks<P> m(n, o.pool);
    std::vector<MarkArg<P>> args(static_cast<size_t>(n));
    for (long i = 0; i < n; i++)
        args[static_cast<size_t>(i)] = {&m, i};
    std::vector<Spawner<P>> sp(static_cast<size_t>(submitters));
    std::atomic<int> submitted{0};
    P::add(&m.wg, n + (from_tasks ? submitters : 0));
    std::vector<std::thread> ts;
    for (int k = 0; k < submitters; k++) {
        long from = n * k / submitters, to = n * (k + 1) / submitters;
        sp[static_cast<size_t>(k)] = {&m, args.data(), from, to, &submitted, submitters};
        ts.emplace_back([&, k, from, to] {
            if (from_tasks) {
                P::go(o.pool, spawn<P>, &sp[static_cast<size_t>(k)]);
                submitted.fetch_add(1);
            } else {
                submit_range<P>(o.pool, args.data(), from, to);
            }
        });
    }
    for (auto &t : ts)
        t.join();
    // With spawners, wait without helping so that they run on workers (the
    // waiting thread would otherwise run some of them, as an outsider).
    if (from_tasks)
        P::wg_wait(&m.wg);
    else
        P::wait(o.pool, &m.wg);
    EXPECT_EQ(m.bad(), 0) << "tasks not run exactly once";
}

TYPED_TEST(Pool, ExactlyOnceFromOneThread) { exactly_once<TypeParam>(1, false); }
TYPED_TEST(Pool, ExactlyOnceFromTwoThreads) { exactly_once<TypeParam>(2, false); }
TYPED_TEST(Pool, ExactlyOnceFromEightThreads) { exactly_once<TypeParam>(8, false); }
TYPED_TEST(Pool, ExactlyOnceFromOneTask) { exactly_once<TypeParam>(1, true); }
TYPED_TEST(Pool, ExactlyOnceFromTwoTasks) { exactly_once<TypeParam>(2, true); }
TYPED_TEST(Pool, ExactlyOnceFromEightTasks) { exactly_once<TypeParam>(8, true); }

// ---- recursive fork/join ---------------------------------------------------

template <class P> struct Fib {
    typename P::Pool *pool;
    int n;
    long result;
    typename P::Wg *parent;
};

long fib_serial(int n) { return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2); }

// One task per call down to n < 2; waits by helping (lfgo: lfgo_wg_wait,
// which must help on a worker or this deadlocks a small pool; twin:
// pool_wait).  The root may run on the test's thread, which helps.
template <class P> void fib_task(void *a)
{
    auto *f = static_cast<Fib<P> *>(a);
    if (f->n < 2) {
        f->result = f->n;
    } else {
        typename P::Wg wg;
        P::wg_init(&wg);
        Fib<P> l{f->pool, f->n - 1, 0, &wg}, r{f->pool, f->n - 2, 0, &wg};
        P::add(&wg, 2);
        P::go(f->pool, fib_task<P>, &l);
        P::go(f->pool, fib_task<P>, &r);
        if constexpr (std::is_same_v<P, LfgoPool>)
            lfgo_wg_wait(&wg);
        else
            P::wait(f->pool, &wg);
        P::wg_destroy(&wg);
        f->result = l.result + r.result;
    }
    P::done(f->parent);
}

TYPED_TEST(Pool, RecursiveFib25)
{
    Watchdog dog(kBudget, "fib(25)");
    for (int workers : {1, 2, 4}) {
        PoolOwner<TypeParam> o(workers);
        WgOwner<TypeParam> w;
        int n = lfgo_test::scaled(10) >= 10 ? 25 : 20;
        Fib<TypeParam> root{o.pool, n, 0, &w.wg};
        TypeParam::add(&w.wg, 1);
        TypeParam::go(o.pool, fib_task<TypeParam>, &root);
        TypeParam::wait(o.pool, &w.wg);
        EXPECT_EQ(root.result, fib_serial(n)) << workers << " workers";
    }
}

// Waiting on a WaitGroup outside the pool: lfgo_pool_wait from a thread that
// is not a worker runs tasks itself (one worker, blocked on a latch, cannot).
TYPED_TEST(Pool, PoolWaitRunsTasksOnTheCaller)
{
    Watchdog dog(kBudget);
    PoolOwner<TypeParam> o(1);
    std::atomic<bool> release{false};
    WgOwner<TypeParam> blocker, w;
    struct Ctx {
        std::atomic<bool> *release;
        typename TypeParam::Wg *wg;
        std::thread::id ran_on;
    } hold{&release, &blocker.wg, {}}, job{&release, &w.wg, {}};
    TypeParam::add(&blocker.wg, 1);
    TypeParam::go(o.pool, [](void *a) {
        auto *c = static_cast<Ctx *>(a);
        while (!c->release->load(std::memory_order_acquire))
            std::this_thread::sleep_for(1ms);
        TypeParam::done(c->wg);
    }, &hold);
    std::this_thread::sleep_for(20ms); // let the worker take the blocker
    TypeParam::add(&w.wg, 1);
    TypeParam::go(o.pool, [](void *a) {
        auto *c = static_cast<Ctx *>(a);
        c->ran_on = std::this_thread::get_id();
        TypeParam::done(c->wg);
    }, &job);
    TypeParam::wait(o.pool, &w.wg);
    EXPECT_EQ(job.ran_on, std::this_thread::get_id());
    release.store(true, std::memory_order_release);
    TypeParam::wait(o.pool, &blocker.wg);
}

// ---- destroy -----------------------------------------------------------------

template <class P> struct Drain {
    std::atomic<bool> release{false};
    std::atomic<long> ran{0};
    long children = 0;
};

template <class P> void drain_leaf(void *a)
{
    static_cast<Drain<P> *>(a)->ran.fetch_add(1, std::memory_order_relaxed);
}

template <class P> void drain_parent(void *a)
{
    auto *d = static_cast<Drain<P> *>(a);
    for (long i = 0; i < d->children; i++)
        P::go(P::current(), drain_leaf<P>, d);
    d->ran.fetch_add(1, std::memory_order_relaxed);
}

TYPED_TEST(Pool, DestroyRunsQueuedTasksFirst)
{
    Watchdog dog(kBudget, "destroy with queued tasks");
    for (int round = 0; round < 20; round++) {
        typename TypeParam::Pool *pool;
        ASSERT_EQ(TypeParam::create(&pool, 1 + round % 3), LFGO_OK);
        Drain<TypeParam> d;
        d.children = 50;
        // Blockers hold every worker, so the rest stays queued until destroy.
        TypeParam::go(pool, [](void *a) {
            auto *x = static_cast<Drain<TypeParam> *>(a);
            while (!x->release.load(std::memory_order_acquire))
                std::this_thread::yield();
        }, &d);
        long queued = 2000;
        for (long i = 0; i < queued; i++)
            TypeParam::go(pool, i % 100 == 0 ? drain_parent<TypeParam> : drain_leaf<TypeParam>, &d);
        std::thread releaser([&] {
            std::this_thread::sleep_for(5ms);
            d.release.store(true, std::memory_order_release);
        });
        TypeParam::destroy(pool);
        releaser.join();
        // destroy returned: every task, and every child they submitted, ran.
        EXPECT_EQ(d.ran.load(), queued + (queued / 100) * d.children) << "round " << round;
    }
}

// ---- groups ------------------------------------------------------------------

template <class P> struct Limited {
    std::atomic<int> running{0}, max_running{0};
    std::atomic<long> ran{0};
};

template <class P> int limited_task(void *a)
{
    auto *l = static_cast<Limited<P> *>(a);
    int now = l->running.fetch_add(1) + 1;
    int seen = l->max_running.load();
    while (now > seen && !l->max_running.compare_exchange_weak(seen, now)) {
    }
    for (int i = 0; i < 50; i++)
        std::atomic_signal_fence(std::memory_order_seq_cst);
    if (l->ran.load(std::memory_order_relaxed) % 64 == 0)
        std::this_thread::yield(); // let others pile up against the limit
    l->running.fetch_sub(1);
    l->ran.fetch_add(1);
    return 0;
}

TYPED_TEST(Pool, GroupLimitIsNeverExceeded)
{
    Watchdog dog(kBudget, "group limit");
    PoolOwner<TypeParam> o(4);
    for (int limit : {1, 2, 6}) {
        Limited<TypeParam> l;
        typename TypeParam::Group g;
        ASSERT_EQ(TypeParam::group_init(&g, o.pool, limit), LFGO_OK);
        long n = scaled(20000);
        for (long i = 0; i < n; i++)
            TypeParam::group_go(&g, limited_task<TypeParam>, &l);
        EXPECT_EQ(TypeParam::group_wait(&g), 0);
        TypeParam::group_destroy(&g);
        EXPECT_EQ(l.ran.load(), n);
        EXPECT_LE(l.max_running.load(), limit);
        EXPECT_GE(l.max_running.load(), 1);
    }
}

// Submitting to a limited group from inside the pool (a task fans out):
// blocking there helps, so a one-worker pool does not deadlock.
template <class P> struct Fan {
    typename P::Group *g;
    Limited<P> *l;
    long n;
    typename P::Wg *wg;
};
template <class P> void fan_out(void *a)
{
    auto *f = static_cast<Fan<P> *>(a);
    for (long i = 0; i < f->n; i++)
        P::group_go(f->g, limited_task<P>, f->l);
    P::done(f->wg);
}

TYPED_TEST(Pool, GroupGoFromATaskHelps)
{
    Watchdog dog(kBudget, "group go from a task");
    for (int workers : {1, 2}) {
        PoolOwner<TypeParam> o(workers);
        Limited<TypeParam> l;
        typename TypeParam::Group g;
        ASSERT_EQ(TypeParam::group_init(&g, o.pool, 3), LFGO_OK);
        WgOwner<TypeParam> w;
        Fan<TypeParam> f{&g, &l, scaled(5000), &w.wg};
        TypeParam::add(&w.wg, 1);
        TypeParam::go(o.pool, fan_out<TypeParam>, &f);
        TypeParam::wait(o.pool, &w.wg);
        EXPECT_EQ(TypeParam::group_wait(&g), 0);
        TypeParam::group_destroy(&g);
        EXPECT_EQ(l.ran.load(), f.n);
        EXPECT_LE(l.max_running.load(), 3);
    }
}

// With limit 1 the tasks run one after another: the first error (task 10)
// is kept, later ones (task 20) are not, and every task after the first
// error sees the group cancelled.
template <class P> struct Seq {
    typename P::Group *g;
    int index;
    bool saw_cancel = false;
};
template <class P> int seq_task(void *a)
{
    auto *s = static_cast<Seq<P> *>(a);
    s->saw_cancel = P::cancelled(s->g);
    return s->index == 10 ? 42 : s->index == 20 ? 99 : 0;
}

TYPED_TEST(Pool, FirstErrorIsKeptAndCancels)
{
    Watchdog dog(kBudget, "first error");
    PoolOwner<TypeParam> o(2);
    for (int round = 0; round < 20; round++) {
        typename TypeParam::Group g;
        ASSERT_EQ(TypeParam::group_init(&g, o.pool, 1), LFGO_OK);
        std::vector<Seq<TypeParam>> s(40);
        for (int i = 0; i < 40; i++) {
            s[static_cast<size_t>(i)] = {&g, i};
            TypeParam::group_go(&g, seq_task<TypeParam>, &s[static_cast<size_t>(i)]);
        }
        EXPECT_EQ(TypeParam::group_wait(&g), 42);
        EXPECT_TRUE(TypeParam::cancelled(&g));
        for (int i = 0; i < 40; i++)
            EXPECT_EQ(s[static_cast<size_t>(i)].saw_cancel, i > 10) << "task " << i;
        TypeParam::group_destroy(&g);
    }
}

// Without a limit: many tasks fail, wait returns one of their results, and
// tasks poll the cancel flag to stop early.
template <class P> struct Canc {
    typename P::Group *g;
    std::atomic<long> skipped{0};
};
template <class P> int maybe_fail(void *a)
{
    auto *c = static_cast<Canc<P> *>(a);
    if (P::cancelled(c->g)) {
        c->skipped.fetch_add(1, std::memory_order_relaxed);
        return 0;
    }
    return 7;
}

TYPED_TEST(Pool, ErrorsWithoutLimitCancelTheRest)
{
    Watchdog dog(kBudget);
    PoolOwner<TypeParam> o(2);
    typename TypeParam::Group g;
    ASSERT_EQ(TypeParam::group_init(&g, o.pool, 0), LFGO_OK);
    Canc<TypeParam> c{&g};
    EXPECT_FALSE(TypeParam::cancelled(&g));
    for (int i = 0; i < 1000; i++)
        TypeParam::group_go(&g, maybe_fail<TypeParam>, &c);
    EXPECT_EQ(TypeParam::group_wait(&g), 7);
    EXPECT_GT(c.skipped.load(), 0);
    TypeParam::group_destroy(&g);
}

// ---- misuse ------------------------------------------------------------------

template <class P> void submit_during_destroy()
{
    typename P::Pool *pool;
    if (P::create(&pool, 1) != LFGO_OK)
        return;
    static std::atomic<bool> release{false};
    P::go(pool, [](void *) {
        while (!release.load())
            std::this_thread::sleep_for(1ms);
    }, nullptr);
    std::thread d([pool] { P::destroy(pool); });
    std::this_thread::sleep_for(50ms); // destroy has begun, waiting for the task
    P::go(pool, [](void *) {}, nullptr);
    release.store(true);
    d.join();
}

template <class P> void destroy_from_task()
{
    typename P::Pool *pool;
    if (P::create(&pool, 1) != LFGO_OK)
        return;
    typename P::Wg wg;
    P::wg_init(&wg);
    P::add(&wg, 1);
    P::go(pool, [](void *) { P::destroy(P::current()); }, nullptr);
    P::wg_wait(&wg); // never: the task died (not P::wait, which could run it here)
}

TEST(PoolMisuse, SubmitAfterDestroyBegan)
{
    EXPECT_DEATH(submit_during_destroy<LfgoPool>(), "lfgo: misuse: lfgo_go: submit to a pool that is being destroyed");
    EXPECT_DEATH(submit_during_destroy<TwinPool>(), "lfgo_twin_go: submit to a pool that is being destroyed");
}

TEST(PoolMisuse, DestroyFromOwnTask)
{
    EXPECT_DEATH(destroy_from_task<LfgoPool>(), "lfgo_pool_destroy: pool destroyed from one of its own tasks");
    EXPECT_DEATH(destroy_from_task<TwinPool>(), "lfgo_twin_pool_destroy: pool destroyed from one of its own tasks");
}

TEST(PoolMisuse, NullArguments)
{
    lfgo_wg wg = LFGO_WG_INIT;
    EXPECT_DEATH(lfgo_go(nullptr, [](void *) {}, nullptr), "lfgo_go: NULL pool");
    EXPECT_DEATH(lfgo_pool_wait(nullptr, &wg), "lfgo_pool_wait: NULL pool");
    EXPECT_DEATH(lfgo_pool_destroy(nullptr), "lfgo_pool_destroy: NULL pool");
    EXPECT_DEATH(lfgo_group_go(nullptr, [](void *) { return 0; }, nullptr), "lfgo_group_go: NULL group");
    EXPECT_DEATH(lfgo_twin_go(nullptr, [](void *) {}, nullptr), "lfgo_twin_go: NULL pool");
    lfgo_pool *p;
    ASSERT_EQ(lfgo_pool_create(&p, 1), LFGO_OK);
    EXPECT_DEATH(lfgo_go(p, nullptr, nullptr), "lfgo_go: NULL task function");
    EXPECT_DEATH(lfgo_pool_wait(p, nullptr), "lfgo_pool_wait: NULL WaitGroup");
    lfgo_pool_destroy(p);
    EXPECT_EQ(lfgo_group_init(nullptr, nullptr, 1), LFGO_EINVAL);
}

// The scheduler's counters (lfgo__pool_stats; Debug and sanitizer builds,
// or LFGO_POOL_STATS).  Every submission is counted once and makes exactly
// one notification decision (spinner seen / wake / nobody idle); a spin that
// found work is a spin; time was spent spinning; and an idle pool's workers
// end up parked (spin, then sleep), with no submission waking anyone twice.
struct StatsRun {
    lfgo_pool *pool;
    lfgo_wg *wg;
    std::atomic<long> *ran, *on_worker;
};

TEST(PoolStats, CountsAddUp)
{
    Watchdog wd(kBudget);
    lfgo_pool *pool;
    ASSERT_EQ(lfgo_pool_create(&pool, 2), LFGO_OK);
    lfgo__pool_stats st;
#if defined(LFGO_TEST_POOL_STATS)
    ASSERT_TRUE(lfgo__pool_debug_stats(pool, &st));
#else
    EXPECT_FALSE(lfgo__pool_debug_stats(pool, &st));
    EXPECT_EQ(st.submits, 0u);
    lfgo_pool_destroy(pool);
    GTEST_SKIP() << "built without LFGO_POOL_STATS";
#endif
    const long rounds = scaled(20000), inner = 3;
    std::atomic<long> ran{0}, on_worker{0};
    for (long r = 0; r < rounds; r++) {
        lfgo_wg wg = LFGO_WG_INIT;
        StatsRun run{pool, &wg, &ran, &on_worker};
        lfgo_wg_add(&wg, 2);
        for (int k = 0; k < 2; k++)
            lfgo_go(pool,
                    [](void *a) {
                        auto *x = static_cast<StatsRun *>(a);
                        // (the waiting thread helps: then it is no worker)
                        if (lfgo_pool_current() == x->pool)
                            x->on_worker->fetch_add(1);
                        lfgo_wg_add(x->wg, inner);
                        for (long i = 0; i < inner; i++)
                            lfgo_go(x->pool,
                                    [](void *b) {
                                        auto *y = static_cast<StatsRun *>(b);
                                        y->ran->fetch_add(1);
                                        lfgo_wg_done(y->wg);
                                    },
                                    x);
                        x->ran->fetch_add(1);
                        lfgo_wg_done(x->wg);
                    },
                    &run);
        lfgo_pool_wait(pool, &wg);
        if (r % 1000 == 999) // idle gaps: let workers spin out and park
            std::this_thread::sleep_for(2ms);
    }
    ASSERT_EQ(ran.load(), rounds * (2 + inner * 2));
    ASSERT_TRUE(lfgo__pool_debug_stats(pool, &st));
    const uint64_t total = (uint64_t)(rounds * (2 + inner * 2));
    EXPECT_EQ(st.submits, total);
    EXPECT_EQ(st.submits_local, (uint64_t)(on_worker.load() * inner)) << "a worker's own deque was full";
    EXPECT_EQ(st.notify_spinner + st.notify_wake + st.notify_busy, st.submits) << "one decision per submission";
    EXPECT_LE(st.spin_found, st.spins);
    EXPECT_GT(st.spins, 0u);
    EXPECT_GT(st.spin_ns, 0u);
    // Idle now: both workers spin out and park (a worker that keeps spinning
    // with nothing to do would burn a CPU).
    auto t0 = std::chrono::steady_clock::now();
    lfgo__pool_stats later;
    do {
        std::this_thread::sleep_for(5ms);
        ASSERT_TRUE(lfgo__pool_debug_stats(pool, &later));
    } while (later.parks < 1 && std::chrono::steady_clock::now() - t0 < 10s);
    EXPECT_GE(later.parks, 1u) << "idle workers never parked";
    std::this_thread::sleep_for(200ms); // a spin budget is microseconds
    ASSERT_TRUE(lfgo__pool_debug_stats(pool, &st));
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(lfgo__pool_debug_stats(pool, &later));
    EXPECT_EQ(later.parks, st.parks) << "parked workers woke with nothing submitted";
    EXPECT_EQ(later.spins, st.spins);
    lfgo_pool_destroy(pool);
}

} // namespace
