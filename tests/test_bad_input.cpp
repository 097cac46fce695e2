// The bad-input table (docs/reliability.md): one test per row, each row a
// public function, one bad input and the outcome it must get, on lfgo and on
// the lock-based twin.  A recording misuse handler (installed for the whole
// run of a row, which it returns from) collects (function, what), so a row
// checks the status, the exact misuse reports and nothing else.  Rows that
// could block run under a Watchdog; "far future" deadlines are released by a
// helper thread, so they also show that a huge tv_sec is not a past one.
#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <lfgo/lfgo.h>
#include <lfgo/twin/batch.h>
#include <lfgo/twin/chan.h>
#include <lfgo/twin/mutex.h>
#include <lfgo/twin/swg.h>
#include <lfgo/twin/wg.h>

#include "chan_impl.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;

namespace {

// ------------------------------------------------------------ the recorder

struct Report {
    std::string func, what;
};
std::mutex g_mu;
std::vector<Report> g_reports;

void record(const char *func, const char *what, void *)
{
    std::lock_guard<std::mutex> lk(g_mu);
    g_reports.push_back({func, what});
}

std::vector<Report> take_reports()
{
    std::lock_guard<std::mutex> lk(g_mu);
    std::vector<Report> r;
    r.swap(g_reports);
    return r;
}

// ------------------------------------------------------------ deadlines

const timespec kPast = {0, 0};                      // the clock's epoch: long past
const timespec kNegative = {-5, 0};                 // tv_sec < 0: past too
const timespec kNsecNeg = {1, -1};                  // malformed
const timespec kNsecBig = {1, 1000000000L};         // malformed
const timespec kFar = {(time_t)INT64_MAX, 999999999}; // as far as time_t goes

// A value returned by functions that return no status.
constexpr int kVoid = -1;

// Runs `unblock` 20 ms from now on a helper thread, joined at scope exit.
struct Later {
    std::thread t;
    explicit Later(std::function<void()> unblock)
        : t([f = std::move(unblock)] {
              std::this_thread::sleep_for(20ms);
              f();
          })
    {
    }
    ~Later() { t.join(); }
};

// ------------------------------------------------------------ the two faces

using lfgo_test::LfgoChan;
using lfgo_test::TwinChan;

struct Lfgo : LfgoChan {
    static constexpr const char *p = "lfgo_";
    using wg = lfgo_wg;
    using swg = lfgo_swg;
    using mutex = lfgo_mutex;
    using batch = lfgo_batch;
    static void wg_init(wg *w) { lfgo_wg_init(w); }
    static void wg_destroy(wg *w) { lfgo_wg_destroy(w); }
    static void wg_add(wg *w, int64_t d) { lfgo_wg_add(w, d); }
    static void wg_done(wg *w) { lfgo_wg_done(w); }
    static void wg_wait(wg *w) { lfgo_wg_wait(w); }
    static lfgo_status wg_try_wait(wg *w) { return lfgo_wg_try_wait(w); }
    static lfgo_status wg_wait_until(wg *w, const timespec *d) { return lfgo_wg_wait_until(w, d); }
    static int32_t wg_count(const wg *w) { return lfgo_wg_count(w); }
    static lfgo_status swg_init(swg *s, int64_t l) { return lfgo_swg_init(s, l); }
    static void swg_destroy(swg *s) { lfgo_swg_destroy(s); }
    static void swg_add(swg *s) { lfgo_swg_add(s); }
    static lfgo_status swg_try_add(swg *s) { return lfgo_swg_try_add(s); }
    static lfgo_status swg_add_until(swg *s, const timespec *d) { return lfgo_swg_add_until(s, d); }
    static void swg_done(swg *s) { lfgo_swg_done(s); }
    static void swg_wait(swg *s) { lfgo_swg_wait(s); }
    static lfgo_status swg_try_wait(swg *s) { return lfgo_swg_try_wait(s); }
    static lfgo_status swg_wait_until(swg *s, const timespec *d) { return lfgo_swg_wait_until(s, d); }
    static int64_t swg_in_flight(const swg *s) { return lfgo_swg_in_flight(s); }
    static void mutex_init(mutex *m) { lfgo_mutex_init(m); }
    static void mutex_destroy(mutex *m) { lfgo_mutex_destroy(m); }
    static void mutex_lock(mutex *m) { lfgo_mutex_lock(m); }
    static lfgo_status mutex_try_lock(mutex *m) { return lfgo_mutex_try_lock(m); }
    static lfgo_status mutex_lock_until(mutex *m, const timespec *d) { return lfgo_mutex_lock_until(m, d); }
    static void mutex_unlock(mutex *m) { lfgo_mutex_unlock(m); }
    static lfgo_status mutex_get_stats(const mutex *m, lfgo_mutex_stats *s) { return lfgo_mutex_get_stats(m, s); }
    static lfgo_status batch_create(batch **o, const lfgo_batch_config *c) { return lfgo_batch_create(o, c); }
    static lfgo_status batch_add(batch *b, const void *v) { return lfgo_batch_add(b, v); }
    static lfgo_status batch_flush(batch *b) { return lfgo_batch_flush(b); }
    static lfgo_status batch_close(batch *b) { return lfgo_batch_close(b); }
    static void batch_destroy(batch *b) { lfgo_batch_destroy(b); }
    static lfgo_status batch_get_stats(const batch *b, lfgo_batch_stats *s) { return lfgo_batch_get_stats(b, s); }
    static size_t elem_size(const chan *c) { return lfgo_chan_elem_size(c); }
};

struct Twin : TwinChan {
    static constexpr const char *p = "lfgo_twin_";
    using wg = lfgo_twin_wg;
    using swg = lfgo_twin_swg;
    using mutex = lfgo_twin_mutex;
    using batch = lfgo_twin_batch;
    static void wg_init(wg *w) { lfgo_twin_wg_init(w); }
    static void wg_destroy(wg *w) { lfgo_twin_wg_destroy(w); }
    static void wg_add(wg *w, int64_t d) { lfgo_twin_wg_add(w, d); }
    static void wg_done(wg *w) { lfgo_twin_wg_done(w); }
    static void wg_wait(wg *w) { lfgo_twin_wg_wait(w); }
    static lfgo_status wg_try_wait(wg *w) { return lfgo_twin_wg_try_wait(w); }
    static lfgo_status wg_wait_until(wg *w, const timespec *d) { return lfgo_twin_wg_wait_until(w, d); }
    static int32_t wg_count(const wg *w) { return lfgo_twin_wg_count(w); }
    static lfgo_status swg_init(swg *s, int64_t l) { return lfgo_twin_swg_init(s, l); }
    static void swg_destroy(swg *s) { lfgo_twin_swg_destroy(s); }
    static void swg_add(swg *s) { lfgo_twin_swg_add(s); }
    static lfgo_status swg_try_add(swg *s) { return lfgo_twin_swg_try_add(s); }
    static lfgo_status swg_add_until(swg *s, const timespec *d) { return lfgo_twin_swg_add_until(s, d); }
    static void swg_done(swg *s) { lfgo_twin_swg_done(s); }
    static void swg_wait(swg *s) { lfgo_twin_swg_wait(s); }
    static lfgo_status swg_try_wait(swg *s) { return lfgo_twin_swg_try_wait(s); }
    static lfgo_status swg_wait_until(swg *s, const timespec *d) { return lfgo_twin_swg_wait_until(s, d); }
    static int64_t swg_in_flight(const swg *s) { return lfgo_twin_swg_in_flight(s); }
    static void mutex_init(mutex *m) { lfgo_twin_mutex_init(m); }
    static void mutex_destroy(mutex *m) { lfgo_twin_mutex_destroy(m); }
    static void mutex_lock(mutex *m) { lfgo_twin_mutex_lock(m); }
    static lfgo_status mutex_try_lock(mutex *m) { return lfgo_twin_mutex_try_lock(m); }
    static lfgo_status mutex_lock_until(mutex *m, const timespec *d) { return lfgo_twin_mutex_lock_until(m, d); }
    static void mutex_unlock(mutex *m) { lfgo_twin_mutex_unlock(m); }
    static lfgo_status mutex_get_stats(const mutex *m, lfgo_mutex_stats *s) { return lfgo_twin_mutex_get_stats(m, s); }
    static lfgo_status batch_create(batch **o, const lfgo_batch_config *c) { return lfgo_twin_batch_create(o, c); }
    static lfgo_status batch_add(batch *b, const void *v) { return lfgo_twin_batch_add(b, v); }
    static lfgo_status batch_flush(batch *b) { return lfgo_twin_batch_flush(b); }
    static lfgo_status batch_close(batch *b) { return lfgo_twin_batch_close(b); }
    static void batch_destroy(batch *b) { lfgo_twin_batch_destroy(b); }
    static lfgo_status batch_get_stats(const batch *b, lfgo_batch_stats *s) { return lfgo_twin_batch_get_stats(b, s); }
    static size_t elem_size(const chan *c) { return lfgo_twin_chan_elem_size(c); }
};

// ------------------------------------------------------------ rows

struct Row {
    std::string id;      // test name: <function>__<input>
    std::string func;    // the public function under test
    std::string input;   // the bad input, in words
    int status;          // expected return (kVoid: none checked)
    std::string mfunc;   // expected misuse report's function ("" = none)
    std::string mwhat;   // ... and a substring of its `what`
    bool in_flight;      // depends on issue 8 changes still landing
    std::string text;    // the outcome in words ("" = from status and report)
    std::function<int()> run;
};

void PrintTo(const Row &r, std::ostream *os) { *os << r.id; }

// What a row expects: a status, and optionally a misuse report.
struct Exp {
    int status;
    const char *what = nullptr;  // misuse expected if not NULL ("" = any what)
    const char *mfunc = nullptr; // its function without the prefix (default: the row's)
    const char *text = nullptr;  // the outcome in words, where the status says too little
};
Exp ok(int s) { return {s}; }
Exp value(const char *text) { return {kVoid, nullptr, nullptr, text}; }
Exp misuse(const char *what, int s = LFGO_MISUSE, const char *mfunc = nullptr) { return {s, what, mfunc}; }

std::vector<Row> &rows()
{
    static std::vector<Row> r;
    return r;
}

// Adds the row for lfgo and for the twin.  `f` is a generic lambda taking
// the face (Lfgo or Twin) as a tag and returning the status.
template <class F>
void row2(const char *fn, const char *in_id, const char *input, Exp e, F f, bool in_flight = false)
{
    auto add = [&](auto tag) {
        using I = decltype(tag);
        std::string func = std::string(I::p) + fn;
        std::string mfunc = e.what ? std::string(I::p) + (e.mfunc ? e.mfunc : fn) : "";
        rows().push_back({func + "__" + in_id, func, input, e.status, mfunc, e.what ? e.what : "",
                          in_flight, e.text ? e.text : "", [f] { return f(I{}); }});
    };
    add(Lfgo{});
    add(Twin{});
}
template <class F> void row2_new(const char *fn, const char *in_id, const char *input, Exp e, F f)
{
    row2(fn, in_id, input, e, f, true);
}

const lfgo_batch_config kGoodBatch = {sizeof(int), 4, 1000000000, [](void *, const void *, size_t) {},
                                      nullptr, LFGO_BATCH_BLOCK, 0};

// A channel of int64 with capacity `cap`, destroyed at scope exit.
template <class I> struct Ch {
    typename I::chan *c = nullptr;
    explicit Ch(size_t cap, size_t elem = sizeof(int64_t))
    {
        EXPECT_EQ(I::create(&c, elem, cap, LFGO_CHAN_MPMC), LFGO_OK);
    }
    ~Ch() { I::destroy(c); }
    Ch &full()
    {
        int64_t v = 7;
        while (I::try_send(c, &v) == LFGO_OK) {
        }
        return *this;
    }
    Ch &closed()
    {
        EXPECT_EQ(I::close(c), LFGO_OK);
        return *this;
    }
};

template <class I> struct Batch {
    typename I::batch *b = nullptr;
    Batch() { EXPECT_EQ(I::batch_create(&b, &kGoodBatch), LFGO_OK); }
    ~Batch() { I::batch_destroy(b); }
};

template <class F> void take_reports_after(F cleanup);
void deadline_rows_wg();

// ---- WaitGroup
void wg_rows()
{
    row2("wg_init", "null_wg", "NULL object", misuse("NULL WaitGroup", kVoid), [](auto I) {
        decltype(I)::wg_init(nullptr);
        return kVoid;
    });
    row2("wg_destroy", "null_wg", "NULL object", misuse("NULL WaitGroup", kVoid), [](auto I) {
        decltype(I)::wg_destroy(nullptr);
        return kVoid;
    });
    row2("wg_destroy", "nonzero_counter", "counter 1 (task outstanding)",
         misuse("WaitGroup destroyed with a nonzero counter", kVoid), [](auto I) {
             using W = decltype(I);
             typename W::wg w;
             W::wg_init(&w);
             W::wg_add(&w, 1);
             W::wg_destroy(&w);
             take_reports_after([&] {
                 W::wg_done(&w);
                 W::wg_destroy(&w);
             });
             return kVoid;
         });
    row2("wg_add", "null_wg", "NULL object", misuse("NULL WaitGroup", kVoid), [](auto I) {
        decltype(I)::wg_add(nullptr, 1);
        return kVoid;
    });
    row2("wg_add", "negative_counter", "delta -1 on counter 0", misuse("negative WaitGroup counter", kVoid),
         [](auto I) {
             using W = decltype(I);
             typename W::wg w;
             W::wg_init(&w);
             W::wg_add(&w, -1);
             EXPECT_EQ(W::wg_count(&w), 0) << "a reported negative counter leaves the counter as it was";
             W::wg_destroy(&w);
             return kVoid;
         });
    row2("wg_add", "delta_above_int32", "delta INT32_MAX + 1", misuse("WaitGroup counter overflow", kVoid),
         [](auto I) {
             using W = decltype(I);
             typename W::wg w;
             W::wg_init(&w);
             W::wg_add(&w, (int64_t)INT32_MAX + 1);
             EXPECT_EQ(W::wg_count(&w), 0);
             W::wg_destroy(&w);
             return kVoid;
         });
    row2("wg_add", "delta_below_int32", "delta INT32_MIN - 1", misuse("WaitGroup counter overflow", kVoid),
         [](auto I) {
             using W = decltype(I);
             typename W::wg w;
             W::wg_init(&w);
             W::wg_add(&w, (int64_t)INT32_MIN - 1);
             W::wg_destroy(&w);
             return kVoid;
         });
    row2("wg_add", "counter_overflow", "INT32_MAX then +1", misuse("WaitGroup counter overflow", kVoid),
         [](auto I) {
             using W = decltype(I);
             typename W::wg w;
             W::wg_init(&w);
             W::wg_add(&w, INT32_MAX);
             W::wg_add(&w, 1);
             EXPECT_EQ(W::wg_count(&w), INT32_MAX);
             W::wg_add(&w, -(int64_t)INT32_MAX);
             W::wg_destroy(&w);
             return kVoid;
         });
    row2("wg_done", "null_wg", "NULL object", misuse("NULL WaitGroup", kVoid, "wg_add"), [](auto I) {
        decltype(I)::wg_done(nullptr);
        return kVoid;
    });
    row2("wg_done", "counter_zero", "done on counter 0",
         misuse("negative WaitGroup counter", kVoid, "wg_add"), [](auto I) {
             using W = decltype(I);
             typename W::wg w;
             W::wg_init(&w);
             W::wg_done(&w);
             W::wg_destroy(&w);
             return kVoid;
         });
    row2("wg_wait", "null_wg", "NULL object", misuse("NULL WaitGroup", kVoid), [](auto I) {
        decltype(I)::wg_wait(nullptr);
        return kVoid;
    });
    row2("wg_try_wait", "null_wg", "NULL object", misuse("NULL WaitGroup"),
         [](auto I) { return (int)decltype(I)::wg_try_wait(nullptr); });
    row2("wg_count", "null_wg", "NULL object (returns 0)", misuse("NULL WaitGroup", kVoid), [](auto I) {
        EXPECT_EQ(decltype(I)::wg_count(nullptr), 0);
        return kVoid;
    });
    deadline_rows_wg();
}

// Every _until function gets the same deadline rows: NULL, malformed
// tv_nsec (-1 and 10^9), past and negative tv_sec when it would have to wait
// (LFGO_TIMEOUT) and when it can complete at once (LFGO_OK: it tries once),
// and the largest tv_sec when it completes at once and when another thread
// completes it 20 ms later.
//   blocked(I, d):  runs the call on an object where it would have to wait
//   ready(I, d):    ... where it can complete at once
//   later(I, d):    ... where a helper thread lets it complete in 20 ms
template <class B, class R, class L>
void deadline_rows(const char *fn, B blocked, R ready, L later, bool in_flight)
{
    row2(fn, "null_deadline", "NULL deadline", misuse("NULL deadline"),
         [blocked](auto I) { return (int)blocked(I, nullptr); }, in_flight);
    row2(fn, "nsec_negative", "tv_nsec = -1 (malformed)", misuse("deadline"),
         [blocked](auto I) { return (int)blocked(I, &kNsecNeg); }, in_flight);
    row2(fn, "nsec_1e9", "tv_nsec = 10^9 (malformed)", misuse("deadline"),
         [blocked](auto I) { return (int)blocked(I, &kNsecBig); }, in_flight);
    row2(fn, "past_blocked", "deadline in the past, would wait", ok(LFGO_TIMEOUT),
         [blocked](auto I) { return (int)blocked(I, &kPast); });
    row2(fn, "negative_sec_blocked", "tv_sec = -5, would wait", ok(LFGO_TIMEOUT),
         [blocked](auto I) { return (int)blocked(I, &kNegative); });
    row2(fn, "past_ready", "deadline in the past, ready at once", ok(LFGO_OK),
         [ready](auto I) { return (int)ready(I, &kPast); });
    row2(fn, "far_future_ready", "tv_sec = INT64_MAX, ready at once", ok(LFGO_OK),
         [ready](auto I) { return (int)ready(I, &kFar); });
    row2(fn, "far_future_later", "tv_sec = INT64_MAX, ready 20 ms later", ok(LFGO_OK),
         [later](auto I) { return (int)later(I, &kFar); });
}

template <class F> void take_reports_after(F cleanup)
{
    auto before = take_reports();
    cleanup();
    take_reports();
    std::lock_guard<std::mutex> lk(g_mu);
    g_reports = before;
}

void deadline_rows_wg()
{
    deadline_rows(
        "wg_wait_until",
        [](auto I, const timespec *d) {
            using W = decltype(I);
            typename W::wg w;
            W::wg_init(&w);
            W::wg_add(&w, 1);
            lfgo_status st = W::wg_wait_until(&w, d);
            W::wg_done(&w);
            W::wg_destroy(&w);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            typename W::wg w;
            W::wg_init(&w);
            return W::wg_wait_until(&w, d);
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            typename W::wg w;
            W::wg_init(&w);
            W::wg_add(&w, 1);
            lfgo_status st;
            {
                Later l([&] { W::wg_done(&w); });
                st = W::wg_wait_until(&w, d);
            }
            W::wg_destroy(&w);
            return st;
        },
        false);
}

// ---- SizedWaitGroup
template <class W> struct Swg {
    typename W::swg s;
    explicit Swg(int64_t limit) { EXPECT_EQ(W::swg_init(&s, limit), LFGO_OK); }
    ~Swg() { W::swg_destroy(&s); }
};

void swg_rows()
{
    row2("swg_init", "null_swg", "NULL object", ok(LFGO_EINVAL),
         [](auto I) { return (int)decltype(I)::swg_init(nullptr, 1); });
    row2("swg_init", "limit_above_int32", "limit INT32_MAX + 1", ok(LFGO_EINVAL), [](auto I) {
        typename decltype(I)::swg s;
        return (int)decltype(I)::swg_init(&s, (int64_t)INT32_MAX + 1);
    });
    row2("swg_init", "limit_int64_min", "limit INT64_MIN (unlimited)", ok(LFGO_OK), [](auto I) {
        using W = decltype(I);
        typename W::swg s;
        lfgo_status st = W::swg_init(&s, INT64_MIN);
        for (int i = 0; i < 100; i++)
            EXPECT_EQ(W::swg_try_add(&s), LFGO_OK);
        for (int i = 0; i < 100; i++)
            W::swg_done(&s);
        W::swg_destroy(&s);
        return (int)st;
    });
    row2("swg_destroy", "null_swg", "NULL object", misuse("NULL SizedWaitGroup", kVoid), [](auto I) {
        decltype(I)::swg_destroy(nullptr);
        return kVoid;
    });
    row2("swg_destroy", "in_flight", "one task in flight",
         misuse("SizedWaitGroup destroyed with tasks in flight", kVoid), [](auto I) {
             using W = decltype(I);
             typename W::swg s;
             W::swg_init(&s, 2);
             W::swg_add(&s);
             W::swg_destroy(&s);
             take_reports_after([&] {
                 W::swg_done(&s);
                 W::swg_destroy(&s);
             });
             return kVoid;
         });
    row2("swg_add", "null_swg", "NULL object", misuse("NULL SizedWaitGroup", kVoid), [](auto I) {
        decltype(I)::swg_add(nullptr);
        return kVoid;
    });
    row2("swg_try_add", "null_swg", "NULL object", misuse("NULL SizedWaitGroup"),
         [](auto I) { return (int)decltype(I)::swg_try_add(nullptr); });
    row2("swg_try_add", "at_limit", "limit 1, one in flight", ok(LFGO_WOULDBLOCK), [](auto I) {
        using W = decltype(I);
        Swg<W> s(1);
        W::swg_add(&s.s);
        lfgo_status st = W::swg_try_add(&s.s);
        W::swg_done(&s.s);
        return (int)st;
    });
    row2("swg_done", "null_swg", "NULL object", misuse("NULL SizedWaitGroup", kVoid), [](auto I) {
        decltype(I)::swg_done(nullptr);
        return kVoid;
    });
    row2("swg_done", "none_in_flight", "done with nothing in flight",
         misuse("negative SizedWaitGroup counter", kVoid), [](auto I) {
             using W = decltype(I);
             Swg<W> s(2);
             W::swg_done(&s.s);
             EXPECT_EQ(W::swg_in_flight(&s.s), 0);
             return kVoid;
         });
    row2("swg_wait", "null_swg", "NULL object", misuse("NULL SizedWaitGroup", kVoid), [](auto I) {
        decltype(I)::swg_wait(nullptr);
        return kVoid;
    });
    row2("swg_try_wait", "null_swg", "NULL object", misuse("NULL SizedWaitGroup"),
         [](auto I) { return (int)decltype(I)::swg_try_wait(nullptr); });
    row2("swg_in_flight", "null_swg", "NULL object (returns 0)", misuse("NULL SizedWaitGroup", kVoid),
         [](auto I) {
             EXPECT_EQ(decltype(I)::swg_in_flight(nullptr), 0);
             return kVoid;
         });
    row2("swg_add_until", "null_swg", "NULL object", misuse("NULL SizedWaitGroup"),
         [](auto I) { return (int)decltype(I)::swg_add_until(nullptr, &kPast); });
    deadline_rows(
        "swg_add_until",
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Swg<W> s(1);
            W::swg_add(&s.s);
            lfgo_status st = W::swg_add_until(&s.s, d);
            W::swg_done(&s.s);
            if (st == LFGO_OK)
                W::swg_done(&s.s);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Swg<W> s(1);
            lfgo_status st = W::swg_add_until(&s.s, d);
            if (st == LFGO_OK)
                W::swg_done(&s.s);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Swg<W> s(1);
            W::swg_add(&s.s);
            lfgo_status st;
            {
                Later l([&] { W::swg_done(&s.s); });
                st = W::swg_add_until(&s.s, d);
            }
            if (st == LFGO_OK)
                W::swg_done(&s.s);
            return st;
        },
        false);
    row2("swg_wait_until", "null_swg", "NULL object", misuse("NULL SizedWaitGroup"),
         [](auto I) { return (int)decltype(I)::swg_wait_until(nullptr, &kPast); });
    deadline_rows(
        "swg_wait_until",
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Swg<W> s(1);
            W::swg_add(&s.s);
            lfgo_status st = W::swg_wait_until(&s.s, d);
            W::swg_done(&s.s);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Swg<W> s(1);
            return W::swg_wait_until(&s.s, d);
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Swg<W> s(1);
            W::swg_add(&s.s);
            Later l([&] { W::swg_done(&s.s); });
            return W::swg_wait_until(&s.s, d);
        },
        false);
}

// ---- mutex
template <class W> struct Mu {
    typename W::mutex m;
    Mu() { W::mutex_init(&m); }
    ~Mu() { W::mutex_destroy(&m); }
};

void mutex_rows()
{
    row2("mutex_init", "null_mutex", "NULL object", misuse("NULL mutex", kVoid), [](auto I) {
        decltype(I)::mutex_init(nullptr);
        return kVoid;
    });
    row2("mutex_destroy", "null_mutex", "NULL object", misuse("NULL mutex", kVoid), [](auto I) {
        decltype(I)::mutex_destroy(nullptr);
        return kVoid;
    });
    row2("mutex_destroy", "locked", "destroy while locked", misuse("destroy of a locked mutex", kVoid),
         [](auto I) {
             using W = decltype(I);
             typename W::mutex m;
             W::mutex_init(&m);
             W::mutex_lock(&m);
             W::mutex_destroy(&m);
             take_reports_after([&] {
                 W::mutex_unlock(&m);
                 W::mutex_destroy(&m);
             });
             return kVoid;
         });
    row2("mutex_lock", "null_mutex", "NULL object", misuse("NULL mutex", kVoid), [](auto I) {
        decltype(I)::mutex_lock(nullptr);
        return kVoid;
    });
    row2("mutex_try_lock", "null_mutex", "NULL object", misuse("NULL mutex"),
         [](auto I) { return (int)decltype(I)::mutex_try_lock(nullptr); });
    row2("mutex_try_lock", "held", "held by this thread (not recursive)", ok(LFGO_WOULDBLOCK), [](auto I) {
        using W = decltype(I);
        Mu<W> m;
        W::mutex_lock(&m.m);
        lfgo_status st = W::mutex_try_lock(&m.m);
        W::mutex_unlock(&m.m);
        return (int)st;
    });
    row2("mutex_unlock", "null_mutex", "NULL object", misuse("NULL mutex", kVoid), [](auto I) {
        decltype(I)::mutex_unlock(nullptr);
        return kVoid;
    });
    row2("mutex_unlock", "unlocked", "unlock of an unlocked mutex", misuse("unlock of unlocked mutex", kVoid),
         [](auto I) {
             using W = decltype(I);
             Mu<W> m;
             W::mutex_unlock(&m.m);
             EXPECT_EQ(W::mutex_try_lock(&m.m), LFGO_OK) << "the mutex is still usable";
             W::mutex_unlock(&m.m);
             return kVoid;
         });
    row2("mutex_get_stats", "null_mutex", "NULL object", misuse("NULL mutex"), [](auto I) {
        lfgo_mutex_stats s;
        return (int)decltype(I)::mutex_get_stats(nullptr, &s);
    });
    row2("mutex_get_stats", "null_stats", "NULL stats", misuse("NULL stats"), [](auto I) {
        Mu<decltype(I)> m;
        return (int)decltype(I)::mutex_get_stats(&m.m, nullptr);
    });
    row2("mutex_lock_until", "null_mutex", "NULL object", misuse("NULL mutex"),
         [](auto I) { return (int)decltype(I)::mutex_lock_until(nullptr, &kPast); });
    deadline_rows(
        "mutex_lock_until",
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Mu<W> m;
            W::mutex_lock(&m.m);
            lfgo_status st = W::mutex_lock_until(&m.m, d);
            W::mutex_unlock(&m.m);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Mu<W> m;
            lfgo_status st = W::mutex_lock_until(&m.m, d);
            if (st == LFGO_OK)
                W::mutex_unlock(&m.m);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Mu<W> m;
            std::atomic<bool> locked{false};
            std::thread owner([&] {
                W::mutex_lock(&m.m);
                locked = true;
                std::this_thread::sleep_for(20ms);
                W::mutex_unlock(&m.m);
            });
            while (!locked)
                std::this_thread::yield();
            lfgo_status st = W::mutex_lock_until(&m.m, d);
            owner.join();
            if (st == LFGO_OK)
                W::mutex_unlock(&m.m);
            return st;
        },
        true);
    // The twin only (lfgo's mutex has one kind).
    rows().push_back({"lfgo_twin_mutex_init_kind__bad_kind", "lfgo_twin_mutex_init_kind", "kind 7", LFGO_EINVAL,
                      "", "", false, "", [] {
                          lfgo_twin_mutex m;
                          return (int)lfgo_twin_mutex_init_kind(&m, (lfgo_twin_mutex_kind)7);
                      }});
}

// ---- channels
void chan_shape_rows()
{
    row2("chan_size", "elem_size_max", "elem_size SIZE_MAX", value("returns 0"), [](auto I) {
        EXPECT_EQ(decltype(I)::size(SIZE_MAX, 4, LFGO_CHAN_MPMC), 0u);
        return kVoid;
    });
    row2("chan_size", "capacity_above_2p40", "capacity 2^40 + 1", value("returns 0"), [](auto I) {
        EXPECT_EQ(decltype(I)::size(8, ((size_t)1 << 40) + 1, LFGO_CHAN_MPMC), 0u);
        return kVoid;
    });
    row2("chan_size", "bytes_overflow", "elem 2^32 x capacity 2^31", value("returns 0"), [](auto I) {
        EXPECT_EQ(decltype(I)::size((size_t)1 << 32, (size_t)1 << 31, LFGO_CHAN_MPMC), 0u);
        return kVoid;
    });
    row2("chan_size", "bad_kind", "kind 4", value("returns 0"), [](auto I) {
        EXPECT_EQ(decltype(I)::size(8, 4, (lfgo_chan_kind)4), 0u);
        return kVoid;
    });
    row2_new("chan_size", "elem_size_zero", "elem_size 0 (chan struct{})", value("returns > 0 (valid shape)"), [](auto I) {
        EXPECT_GT(decltype(I)::size(0, 4, LFGO_CHAN_MPMC), 0u);
        EXPECT_GT(decltype(I)::size(0, 0, LFGO_CHAN_MPMC), 0u);
        return kVoid;
    });
    row2("chan_create", "null_out", "NULL out", ok(LFGO_EINVAL),
         [](auto I) { return (int)decltype(I)::create(nullptr, 8, 4, LFGO_CHAN_MPMC); });
    auto bad_create = [](const char *id, const char *in, size_t e, size_t c, int k) {
        row2("chan_create", id, in, ok(LFGO_EINVAL), [e, c, k](auto I) {
            typename decltype(I)::chan *ch = nullptr;
            return (int)decltype(I)::create(&ch, e, c, (lfgo_chan_kind)k);
        });
    };
    bad_create("elem_size_max", "elem_size SIZE_MAX", SIZE_MAX, 1, 0);
    bad_create("capacity_max", "capacity SIZE_MAX", 8, SIZE_MAX, 0);
    bad_create("capacity_above_2p40", "capacity 2^40 + 1", 8, ((size_t)1 << 40) + 1, 0);
    bad_create("bytes_overflow", "elem 2^32 x capacity 2^31", (size_t)1 << 32, (size_t)1 << 31, 0);
    bad_create("bad_kind", "kind 4", 8, 4, 4);
    bad_create("negative_kind", "kind -1", 8, 4, -1);
    row2_new("chan_create", "elem_size_zero", "elem_size 0, capacity 0 and 4 (valid)", ok(LFGO_OK), [](auto I) {
        using W = decltype(I);
        typename W::chan *a = nullptr, *b = nullptr;
        lfgo_status sa = W::create(&a, 0, 0, LFGO_CHAN_MPMC), sb = W::create(&b, 0, 4, LFGO_CHAN_MPMC);
        if (sa == LFGO_OK)
            W::destroy(a);
        if (sb == LFGO_OK)
            W::destroy(b);
        return (int)(sa != LFGO_OK ? sa : sb);
    });
    auto bad_init = [](const char *id, const char *in, bool null_out, bool null_mem, size_t less, size_t e) {
        row2("chan_init", id, in, ok(LFGO_EINVAL), [=](auto I) {
            using W = decltype(I);
            size_t need = W::size(8, 4, LFGO_CHAN_MPMC);
            std::vector<unsigned char> mem(need);
            typename W::chan *ch = nullptr;
            return (int)W::init(null_out ? nullptr : &ch, null_mem ? nullptr : mem.data(), need - less, e, 4,
                                LFGO_CHAN_MPMC);
        });
    };
    bad_init("null_out", "NULL out", true, false, 0, 8);
    bad_init("null_mem", "NULL memory", false, true, 0, 8);
    bad_init("mem_too_small", "one byte less than chan_size", false, false, 1, 8);
    bad_init("bad_shape", "elem_size SIZE_MAX", false, false, 0, SIZE_MAX);
    row2("chan_init", "unaligned_mem", "memory at an odd address, exactly chan_size bytes", ok(LFGO_OK),
         [](auto I) {
             using W = decltype(I);
             size_t need = W::size(8, 4, LFGO_CHAN_MPMC);
             std::vector<unsigned char> mem(need + 1);
             typename W::chan *ch = nullptr;
             lfgo_status st = W::init(&ch, mem.data() + 1, need, 8, 4, LFGO_CHAN_MPMC);
             if (st == LFGO_OK) {
                 int64_t v = 5, r = 0;
                 for (int i = 0; i < 4; i++)
                     EXPECT_EQ(W::try_send(ch, &v), LFGO_OK);
                 for (int i = 0; i < 4; i++)
                     EXPECT_EQ(W::try_recv(ch, &r), LFGO_OK);
                 W::destroy(ch);
             }
             return (int)st;
         });
    row2("chan_destroy", "null_chan", "NULL channel", misuse("NULL channel", kVoid), [](auto I) {
        decltype(I)::destroy(nullptr);
        return kVoid;
    });
    row2("chan_close", "null_chan", "NULL channel", misuse("NULL channel"),
         [](auto I) { return (int)decltype(I)::close(nullptr); });
    row2("chan_close", "closed", "close of a closed channel", misuse("close of closed channel"), [](auto I) {
        Ch<decltype(I)> c(1);
        c.closed();
        return (int)decltype(I)::close(c.c);
    });
    row2("chan_len", "null_chan", "NULL channel (returns 0)", misuse("NULL channel", kVoid), [](auto I) {
        EXPECT_EQ(decltype(I)::len(nullptr), 0u);
        return kVoid;
    });
    row2("chan_cap", "null_chan", "NULL channel (returns 0)", misuse("NULL channel", kVoid), [](auto I) {
        EXPECT_EQ(decltype(I)::cap(nullptr), 0u);
        return kVoid;
    });
    row2("chan_elem_size", "null_chan", "NULL channel (returns 0)", misuse("NULL channel", kVoid), [](auto I) {
        EXPECT_EQ(decltype(I)::elem_size(nullptr), 0u);
        return kVoid;
    });
}

void chan_single_rows()
{
    row2("chan_send", "null_chan", "NULL channel", misuse("NULL channel"), [](auto I) {
        int64_t x = 1;
        return (int)decltype(I)::send(nullptr, &x);
    });
    row2("chan_send", "null_elem", "NULL element", misuse(""), [](auto I) {
        Ch<decltype(I)> c(1);
        return (int)decltype(I)::send(c.c, nullptr);
    });
    row2("chan_send", "closed", "closed channel", ok(LFGO_CLOSED), [](auto I) {
        Ch<decltype(I)> c(1);
        int64_t x = 1;
        return (int)decltype(I)::send(c.closed().c, &x);
    });
    row2_new("chan_send", "zero_size_null_elem", "elem_size 0, NULL element (valid)", ok(LFGO_OK), [](auto I) {
        using W = decltype(I);
        typename W::chan *c = nullptr;
        if (W::create(&c, 0, 1, LFGO_CHAN_MPMC) != LFGO_OK)
            return (int)LFGO_EINVAL;
        lfgo_status st = W::send(c, nullptr);
        if (st == LFGO_OK) {
            EXPECT_EQ(W::len(c), 1u);
        }
        W::destroy(c);
        return (int)st;
    });
    row2("chan_try_send", "null_chan", "NULL channel", misuse("NULL channel"), [](auto I) {
        int64_t x = 1;
        return (int)decltype(I)::try_send(nullptr, &x);
    });
    row2("chan_try_send", "null_elem", "NULL element", misuse(""), [](auto I) {
        Ch<decltype(I)> c(1);
        return (int)decltype(I)::try_send(c.c, nullptr);
    });
    row2("chan_try_send", "full", "full buffer", ok(LFGO_WOULDBLOCK), [](auto I) {
        Ch<decltype(I)> c(2);
        int64_t x = 1;
        return (int)decltype(I)::try_send(c.full().c, &x);
    });
    row2("chan_try_send", "unbuffered_no_receiver", "capacity 0, no receiver", ok(LFGO_WOULDBLOCK), [](auto I) {
        Ch<decltype(I)> c(0);
        int64_t x = 1;
        return (int)decltype(I)::try_send(c.c, &x);
    });
    row2("chan_send_until", "null_chan", "NULL channel", misuse("NULL channel"), [](auto I) {
        int64_t x = 1;
        return (int)decltype(I)::send_until(nullptr, &x, &kPast);
    });
    row2("chan_send_until", "closed", "closed channel, past deadline", ok(LFGO_CLOSED), [](auto I) {
        Ch<decltype(I)> c(1);
        int64_t x = 1;
        return (int)decltype(I)::send_until(c.closed().c, &x, &kPast);
    });
    deadline_rows(
        "chan_send_until",
        [](auto I, const timespec *d) {
            Ch<decltype(I)> c(1);
            int64_t x = 1;
            return decltype(I)::send_until(c.full().c, &x, d);
        },
        [](auto I, const timespec *d) {
            Ch<decltype(I)> c(1);
            int64_t x = 1;
            return decltype(I)::send_until(c.c, &x, d);
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Ch<W> c(0);
            int64_t x = 1, r = 0;
            Later l([&] { EXPECT_EQ(W::recv(c.c, &r), LFGO_OK); });
            return W::send_until(c.c, &x, d);
        },
        true);

    row2("chan_recv", "null_chan", "NULL channel", misuse("NULL channel"), [](auto I) {
        int64_t x;
        return (int)decltype(I)::recv(nullptr, &x);
    });
    row2_new("chan_recv", "null_out", "NULL out: receives and discards", ok(LFGO_OK), [](auto I) {
        using W = decltype(I);
        Ch<W> c(1);
        int64_t x = 1;
        W::send(c.c, &x);
        lfgo_status st = W::recv(c.c, nullptr);
        EXPECT_EQ(W::len(c.c), 0u) << "the value was taken";
        return (int)st;
    });
    row2_new("chan_recv", "closed_zero_fills", "closed and drained: *out zero-filled", ok(LFGO_CLOSED),
             [](auto I) {
                 Ch<decltype(I)> c(1);
                 int64_t x = -1;
                 lfgo_status st = decltype(I)::recv(c.closed().c, &x);
                 EXPECT_EQ(x, 0) << "Go's zero value";
                 return (int)st;
             });
    row2("chan_try_recv", "null_chan", "NULL channel", misuse("NULL channel"), [](auto I) {
        int64_t x;
        return (int)decltype(I)::try_recv(nullptr, &x);
    });
    row2_new("chan_try_recv", "null_out", "NULL out: receives and discards", ok(LFGO_OK), [](auto I) {
        using W = decltype(I);
        Ch<W> c(1);
        int64_t x = 1;
        W::send(c.c, &x);
        lfgo_status st = W::try_recv(c.c, nullptr);
        EXPECT_EQ(W::len(c.c), 0u);
        return (int)st;
    });
    row2("chan_try_recv", "empty", "empty channel", ok(LFGO_WOULDBLOCK), [](auto I) {
        Ch<decltype(I)> c(2);
        int64_t x;
        return (int)decltype(I)::try_recv(c.c, &x);
    });
    row2_new("chan_try_recv", "closed_zero_fills", "closed and drained: *out zero-filled", ok(LFGO_CLOSED),
             [](auto I) {
                 Ch<decltype(I)> c(0);
                 int64_t x = -1;
                 lfgo_status st = decltype(I)::try_recv(c.closed().c, &x);
                 EXPECT_EQ(x, 0);
                 return (int)st;
             });
    row2("chan_recv_until", "null_chan", "NULL channel", misuse("NULL channel"), [](auto I) {
        int64_t x;
        return (int)decltype(I)::recv_until(nullptr, &x, &kPast);
    });
    row2_new("chan_recv_until", "closed_zero_fills", "closed, past deadline: CLOSED, *out zero-filled",
             ok(LFGO_CLOSED), [](auto I) {
                 Ch<decltype(I)> c(4);
                 int64_t x = -1;
                 lfgo_status st = decltype(I)::recv_until(c.closed().c, &x, &kPast);
                 EXPECT_EQ(x, 0);
                 return (int)st;
             });
    deadline_rows(
        "chan_recv_until",
        [](auto I, const timespec *d) {
            Ch<decltype(I)> c(1);
            int64_t x;
            return decltype(I)::recv_until(c.c, &x, d);
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Ch<W> c(1);
            int64_t x = 3, r = 0;
            W::send(c.c, &x);
            lfgo_status st = W::recv_until(c.c, &r, d);
            EXPECT_EQ(r, 3);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Ch<W> c(0);
            int64_t x = 3, r = 0;
            Later l([&] { EXPECT_EQ(W::send(c.c, &x), LFGO_OK); });
            return W::recv_until(c.c, &r, d);
        },
        true);
}

void chan_many_rows()
{
    // NULL channel / array / done for each of the six, n == 0 (no look at
    // the channel, even with NULL arrays).
    auto nulls = [](const char *fn, auto call, bool recv) {
        row2(fn, "null_chan", "NULL channel", misuse("NULL channel"), [call](auto I) {
            int64_t buf[2] = {1, 2};
            size_t done = 9;
            return (int)call(I, (typename decltype(I)::chan *)nullptr, buf, 2, &done);
        });
        if (recv) // Go's <-c: receives and discards (issue 8)
            row2_new(fn, "null_array", "NULL array, n = 2, 3 buffered: takes 2, discards them", ok(LFGO_OK),
                     [call](auto I) {
                         using W = decltype(I);
                         Ch<W> c(4);
                         int64_t x = 1;
                         for (int i = 0; i < 3; i++)
                             W::send(c.c, &x);
                         size_t done = 9;
                         lfgo_status st = call(I, c.c, nullptr, 2, &done);
                         EXPECT_EQ(done, 2u);
                         EXPECT_EQ(W::len(c.c), 1u);
                         return (int)st;
                     });
        else
            row2(fn, "null_array", "NULL array, n = 2", misuse(""), [call](auto I) {
                Ch<decltype(I)> c(4);
                size_t done = 9;
                return (int)call(I, c.c, nullptr, 2, &done);
            });
        row2(fn, "null_done", "NULL done", misuse(""), [call](auto I) {
            Ch<decltype(I)> c(4);
            int64_t buf[2] = {1, 2};
            return (int)call(I, c.c, buf, 2, nullptr);
        });
        row2(fn, "n_zero", "n = 0 (NULL array): OK, *done = 0", ok(LFGO_OK), [call](auto I) {
            Ch<decltype(I)> c(0);
            size_t done = 9;
            lfgo_status st = call(I, c.c, nullptr, 0, &done);
            EXPECT_EQ(done, 0u);
            return (int)st;
        });
    };
    nulls("chan_send_many", [](auto I, auto *c, void *b, size_t n, size_t *d) {
        return decltype(I)::send_many(c, b, n, d);
    }, false);
    nulls("chan_try_send_many", [](auto I, auto *c, void *b, size_t n, size_t *d) {
        return decltype(I)::try_send_many(c, b, n, d);
    }, false);
    nulls("chan_send_many_until", [](auto I, auto *c, void *b, size_t n, size_t *d) {
        return decltype(I)::send_many_until(c, b, n, d, &kPast);
    }, false);
    nulls("chan_recv_many", [](auto I, auto *c, void *b, size_t n, size_t *d) {
        return decltype(I)::recv_many(c, b, n, d);
    }, true);
    nulls("chan_try_recv_many", [](auto I, auto *c, void *b, size_t n, size_t *d) {
        return decltype(I)::try_recv_many(c, b, n, d);
    }, true);
    nulls("chan_recv_many_until", [](auto I, auto *c, void *b, size_t n, size_t *d) {
        return decltype(I)::recv_many_until(c, b, n, d, &kPast);
    }, true);
    row2("chan_send_many", "closed", "closed channel: CLOSED, *done = 0", ok(LFGO_CLOSED), [](auto I) {
        Ch<decltype(I)> c(4);
        int64_t buf[2] = {1, 2};
        size_t done = 9;
        lfgo_status st = decltype(I)::send_many(c.closed().c, buf, 2, &done);
        EXPECT_EQ(done, 0u);
        return (int)st;
    });
    row2("chan_try_send_many", "partly_full", "room for 1 of 3: WOULDBLOCK, *done = 1", ok(LFGO_WOULDBLOCK),
         [](auto I) {
             Ch<decltype(I)> c(1);
             int64_t buf[3] = {1, 2, 3};
             size_t done = 9;
             lfgo_status st = decltype(I)::try_send_many(c.c, buf, 3, &done);
             EXPECT_EQ(done, 1u);
             return (int)st;
         });
    row2("chan_recv_many", "closed", "closed and drained: CLOSED, *done = 0", ok(LFGO_CLOSED), [](auto I) {
        Ch<decltype(I)> c(4);
        int64_t buf[2];
        size_t done = 9;
        lfgo_status st = decltype(I)::recv_many(c.closed().c, buf, 2, &done);
        EXPECT_EQ(done, 0u);
        return (int)st;
    });
    row2("chan_try_recv_many", "empty", "empty: WOULDBLOCK, *done = 0", ok(LFGO_WOULDBLOCK), [](auto I) {
        Ch<decltype(I)> c(4);
        int64_t buf[2];
        size_t done = 9;
        lfgo_status st = decltype(I)::try_recv_many(c.c, buf, 2, &done);
        EXPECT_EQ(done, 0u);
        return (int)st;
    });
    deadline_rows(
        "chan_send_many_until",
        [](auto I, const timespec *d) {
            Ch<decltype(I)> c(1);
            int64_t buf[2] = {1, 2};
            size_t done = 9;
            lfgo_status st = decltype(I)::send_many_until(c.full().c, buf, 2, &done, d);
            EXPECT_EQ(done, 0u);
            return st;
        },
        [](auto I, const timespec *d) {
            Ch<decltype(I)> c(2);
            int64_t buf[2] = {1, 2};
            size_t done = 9;
            lfgo_status st = decltype(I)::send_many_until(c.c, buf, 2, &done, d);
            EXPECT_EQ(done, 2u);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Ch<W> c(1);
            int64_t buf[2] = {1, 2}, r[2];
            size_t done = 9, got = 0;
            Later l([&] {
                while (got < 2) {
                    size_t k = 0;
                    EXPECT_EQ(W::recv_many(c.c, r, 2 - got, &k), LFGO_OK);
                    got += k;
                }
            });
            return W::send_many_until(c.c, buf, 2, &done, d);
        },
        true);
    deadline_rows(
        "chan_recv_many_until",
        [](auto I, const timespec *d) {
            Ch<decltype(I)> c(1);
            int64_t buf[2];
            size_t done = 9;
            lfgo_status st = decltype(I)::recv_many_until(c.c, buf, 2, &done, d);
            EXPECT_EQ(done, 0u);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Ch<W> c(2);
            int64_t x = 1, buf[2];
            W::send(c.c, &x);
            size_t done = 9;
            lfgo_status st = W::recv_many_until(c.c, buf, 2, &done, d);
            EXPECT_EQ(done, 1u);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Ch<W> c(0);
            int64_t x = 1, buf[2];
            size_t done = 9;
            Later l([&] { EXPECT_EQ(W::send(c.c, &x), LFGO_OK); });
            return W::recv_many_until(c.c, buf, 2, &done, d);
        },
        true);
}

void select_rows()
{
    row2("select_try", "null_cases", "NULL cases, n = 1", misuse("NULL cases"), [](auto I) {
        size_t ch = 9;
        return (int)decltype(I)::select_try(nullptr, 1, &ch);
    });
    row2("select_try", "null_chosen", "NULL chosen", misuse("NULL chosen"), [](auto I) {
        using W = decltype(I);
        Ch<W> c(1);
        int64_t x;
        typename W::scase cs[1] = {{c.c, LFGO_SELECT_RECV, &x, LFGO_OK}};
        return (int)W::select_try(cs, 1, nullptr);
    });
    row2("select_try", "send_null_elem", "enabled send case with NULL elem", misuse("NULL element"), [](auto I) {
        using W = decltype(I);
        Ch<W> c(1);
        typename W::scase cs[1] = {{c.c, LFGO_SELECT_SEND, nullptr, LFGO_OK}};
        size_t ch = 9;
        return (int)W::select_try(cs, 1, &ch);
    });
    row2("select_try", "no_cases", "n = 0, NULL cases: the default", ok(LFGO_WOULDBLOCK), [](auto I) {
        size_t ch = 9;
        return (int)decltype(I)::select_try(nullptr, 0, &ch);
    });
    row2("select_try", "all_disabled", "every case has chan NULL: the default", ok(LFGO_WOULDBLOCK), [](auto I) {
        using W = decltype(I);
        int64_t x;
        typename W::scase cs[2] = {{nullptr, LFGO_SELECT_RECV, &x, LFGO_OK}, {nullptr, LFGO_SELECT_SEND, &x, LFGO_OK}};
        size_t ch = 9;
        return (int)W::select_try(cs, 2, &ch);
    });
    row2_new("select_try", "op_out_of_range", "op = 7 (neither RECV nor SEND)", misuse(""), [](auto I) {
        using W = decltype(I);
        Ch<W> c(1);
        int64_t x = 1;
        W::send(c.c, &x);
        typename W::scase cs[1] = {{c.c, (lfgo_select_op)7, &x, LFGO_OK}};
        size_t ch = 9;
        lfgo_status st = W::select_try(cs, 1, &ch);
        EXPECT_EQ(W::len(c.c), 1u) << "nothing was received";
        return (int)st;
    });
    row2_new("select_try", "recv_null_elem", "receive case with NULL elem: receives, discards", ok(LFGO_OK),
             [](auto I) {
                 using W = decltype(I);
                 Ch<W> c(1);
                 int64_t x = 1;
                 W::send(c.c, &x);
                 typename W::scase cs[1] = {{c.c, LFGO_SELECT_RECV, nullptr, LFGO_OK}};
                 size_t ch = 9;
                 lfgo_status st = W::select_try(cs, 1, &ch);
                 EXPECT_EQ(W::len(c.c), 0u);
                 return (int)st;
             });
    row2_new("select_try", "closed_zero_fills", "receive case on a closed channel: CLOSED, zero-filled",
             ok(LFGO_OK), [](auto I) {
                 using W = decltype(I);
                 Ch<W> c(1);
                 int64_t x = -1;
                 typename W::scase cs[1] = {{c.closed().c, LFGO_SELECT_RECV, &x, LFGO_OK}};
                 size_t ch = 9;
                 lfgo_status st = W::select_try(cs, 1, &ch);
                 EXPECT_EQ(cs[0].status, LFGO_CLOSED);
                 EXPECT_EQ(x, 0);
                 return (int)st;
             });
    row2("select", "null_cases", "NULL cases, n = 1", misuse("NULL cases"), [](auto I) {
        size_t ch = 9;
        return (int)decltype(I)::select(nullptr, 1, &ch);
    });
    row2("select", "null_chosen", "NULL chosen", misuse("NULL chosen"), [](auto I) {
        using W = decltype(I);
        Ch<W> c(1);
        int64_t x;
        typename W::scase cs[1] = {{c.c, LFGO_SELECT_RECV, &x, LFGO_OK}};
        return (int)W::select(cs, 1, nullptr);
    });
    row2_new("select", "op_out_of_range", "op = -1", misuse(""), [](auto I) {
        using W = decltype(I);
        Ch<W> c(1);
        int64_t x = 1;
        W::send(c.c, &x);
        typename W::scase cs[1] = {{c.c, (lfgo_select_op)-1, &x, LFGO_OK}};
        size_t ch = 9;
        return (int)W::select(cs, 1, &ch);
    });
    row2("select_until", "null_cases", "NULL cases, n = 1", misuse("NULL cases"), [](auto I) {
        size_t ch = 9;
        return (int)decltype(I)::select_until(nullptr, 1, &ch, &kPast);
    });
    row2_new("select_until", "op_out_of_range", "op = 2", misuse(""), [](auto I) {
        using W = decltype(I);
        Ch<W> c(1);
        int64_t x = 1;
        typename W::scase cs[1] = {{c.c, (lfgo_select_op)2, &x, LFGO_OK}};
        size_t ch = 9;
        return (int)W::select_until(cs, 1, &ch, &kPast);
    });
    // With a receive case on an empty channel (blocked), on a channel with a
    // value (ready), and on an unbuffered one a helper sends on (later).
    deadline_rows(
        "select_until",
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Ch<W> c(1);
            int64_t x;
            typename W::scase cs[1] = {{c.c, LFGO_SELECT_RECV, &x, LFGO_OK}};
            size_t ch = 9;
            return W::select_until(cs, 1, &ch, d);
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Ch<W> c(1);
            int64_t x = 4, r = 0;
            W::send(c.c, &x);
            typename W::scase cs[1] = {{c.c, LFGO_SELECT_RECV, &r, LFGO_OK}};
            size_t ch = 9;
            lfgo_status st = W::select_until(cs, 1, &ch, d);
            EXPECT_EQ(r, 4);
            return st;
        },
        [](auto I, const timespec *d) {
            using W = decltype(I);
            Ch<W> c(0);
            int64_t x = 4, r = 0;
            typename W::scase cs[1] = {{c.c, LFGO_SELECT_RECV, &r, LFGO_OK}};
            size_t ch = 9;
            Later l([&] { EXPECT_EQ(W::send(c.c, &x), LFGO_OK); });
            return W::select_until(cs, 1, &ch, d);
        },
        true);
    row2_new("select_until", "no_case_negative_sec", "no enabled case, tv_sec = -2000000 (issue 8: aborted)",
             ok(LFGO_TIMEOUT), [](auto I) {
                 size_t ch = 9;
                 timespec d = {-2000000, 0};
                 return (int)decltype(I)::select_until(nullptr, 0, &ch, &d);
             });
    row2("select_until", "no_case_past", "no enabled case, past deadline", ok(LFGO_TIMEOUT), [](auto I) {
        size_t ch = 9;
        return (int)decltype(I)::select_until(nullptr, 0, &ch, &kPast);
    });
    row2_new("select_until", "no_case_nsec_negative", "no enabled case, tv_nsec = -1", misuse("deadline"),
             [](auto I) {
                 size_t ch = 9;
                 return (int)decltype(I)::select_until(nullptr, 0, &ch, &kNsecNeg);
             });
}

// ---- batcher
void batch_rows()
{
    auto bad = [](const char *id, const char *in, auto edit) {
        row2("batch_create", id, in, ok(LFGO_EINVAL), [edit](auto I) {
            lfgo_batch_config c = kGoodBatch;
            edit(c);
            typename decltype(I)::batch *b = nullptr;
            lfgo_status st = decltype(I)::batch_create(&b, &c);
            if (st == LFGO_OK)
                decltype(I)::batch_destroy(b);
            return (int)st;
        });
    };
    row2("batch_create", "null_out", "NULL out", ok(LFGO_EINVAL),
         [](auto I) { return (int)decltype(I)::batch_create(nullptr, &kGoodBatch); });
    row2("batch_create", "null_cfg", "NULL config", ok(LFGO_EINVAL), [](auto I) {
        typename decltype(I)::batch *b = nullptr;
        return (int)decltype(I)::batch_create(&b, nullptr);
    });
    bad("item_size_zero", "item_size 0", [](lfgo_batch_config &c) { c.item_size = 0; });
    bad("item_size_too_big", "item_size LFGO_BATCH_MAX_ITEM + 1",
        [](lfgo_batch_config &c) { c.item_size = LFGO_BATCH_MAX_ITEM + 1; });
    bad("max_items_zero", "N = 0", [](lfgo_batch_config &c) { c.max_items = 0; });
    bad("max_items_max", "N = SIZE_MAX", [](lfgo_batch_config &c) { c.max_items = SIZE_MAX; });
    bad("max_items_default_cap_overflow", "N = SIZE_MAX / 16 (default capacity 4 N too big)",
        [](lfgo_batch_config &c) { c.max_items = SIZE_MAX / 16; });
    bad("delay_zero", "T = 0", [](lfgo_batch_config &c) { c.max_delay_ns = 0; });
    bad("delay_negative", "T = -1", [](lfgo_batch_config &c) { c.max_delay_ns = -1; });
    bad("null_fn", "NULL callback", [](lfgo_batch_config &c) { c.fn = nullptr; });
    bad("bad_policy", "policy 4", [](lfgo_batch_config &c) { c.policy = (lfgo_batch_policy)4; });
    bad("inline_max_items", "N = 2^31, policy INLINE_BLOCK", [](lfgo_batch_config &c) {
        c.max_items = (size_t)1 << 31;
        c.capacity = 1;
        c.policy = LFGO_BATCH_INLINE_BLOCK;
    });
    bad("capacity_max", "capacity SIZE_MAX (wrapped to unbuffered lanes)",
        [](lfgo_batch_config &c) { c.capacity = SIZE_MAX; });
    bad("capacity_max_fail", "capacity SIZE_MAX, policy FAIL", [](lfgo_batch_config &c) {
        c.capacity = SIZE_MAX;
        c.policy = LFGO_BATCH_FAIL;
    });
    bad("capacity_bytes_overflow", "capacity SIZE_MAX / 64, item 4096",
        [](lfgo_batch_config &c) { c.capacity = SIZE_MAX / 64, c.item_size = 4096; });
    bad("capacity_above_2p40", "capacity 2^40 + 1", [](lfgo_batch_config &c) { c.capacity = ((size_t)1 << 40) + 1; });
    row2("batch_create", "capacity_one", "capacity 1 (one lane of 1): works", ok(LFGO_OK), [](auto I) {
        using W = decltype(I);
        lfgo_batch_config c = kGoodBatch;
        c.capacity = 1;
        c.policy = LFGO_BATCH_FAIL;
        typename W::batch *b = nullptr;
        lfgo_status st = W::batch_create(&b, &c);
        if (st != LFGO_OK)
            return (int)st;
        int v = 1;
        lfgo_status a;
        while ((a = W::batch_add(b, &v)) == LFGO_WOULDBLOCK)
            std::this_thread::yield();
        EXPECT_EQ(a, LFGO_OK);
        EXPECT_EQ(W::batch_close(b), LFGO_OK);
        lfgo_batch_stats s;
        W::batch_get_stats(b, &s);
        EXPECT_EQ(s.items, 1u);
        W::batch_destroy(b);
        return (int)st;
    });
    // Found by tests/fuzz/fuzz_batch: the twin's ring was the batch buffer
    // too, so with capacity < N a batch never reached N and add() waited T.
    row2("batch_create", "capacity_below_n", "capacity 1 < N = 4, T = 1000 s: 4 adds make one batch at once",
         ok(LFGO_OK), [](auto I) {
             using W = decltype(I);
             static std::atomic<int> batches;
             batches = 0;
             lfgo_batch_config c = kGoodBatch;
             c.capacity = 1;
             c.max_delay_ns = 1000000000000LL;
             c.fn = [](void *, const void *, size_t n) {
                 EXPECT_EQ(n, 4u);
                 batches++;
             };
             typename W::batch *b = nullptr;
             lfgo_status st = W::batch_create(&b, &c);
             if (st != LFGO_OK)
                 return (int)st;
             int v = 1;
             for (int i = 0; i < 4; i++)
                 EXPECT_EQ(W::batch_add(b, &v), LFGO_OK);
             while (batches.load() == 0) // the watchdog bounds this
                 std::this_thread::sleep_for(1ms);
             W::batch_destroy(b);
             EXPECT_EQ(batches.load(), 1);
             return (int)st;
         });
    row2("batch_add", "null_batch", "NULL batcher", misuse("NULL batcher"), [](auto I) {
        int v = 1;
        return (int)decltype(I)::batch_add(nullptr, &v);
    });
    row2("batch_add", "null_item", "NULL item", misuse("NULL item"), [](auto I) {
        Batch<decltype(I)> b;
        return (int)decltype(I)::batch_add(b.b, nullptr);
    });
    row2("batch_add", "closed", "after close", ok(LFGO_CLOSED), [](auto I) {
        Batch<decltype(I)> b;
        decltype(I)::batch_close(b.b);
        int v = 1;
        return (int)decltype(I)::batch_add(b.b, &v);
    });
    row2("batch_flush", "null_batch", "NULL batcher", misuse("NULL batcher"),
         [](auto I) { return (int)decltype(I)::batch_flush(nullptr); });
    row2("batch_flush", "closed", "after close", ok(LFGO_CLOSED), [](auto I) {
        Batch<decltype(I)> b;
        decltype(I)::batch_close(b.b);
        return (int)decltype(I)::batch_flush(b.b);
    });
    row2("batch_close", "null_batch", "NULL batcher", misuse("NULL batcher"),
         [](auto I) { return (int)decltype(I)::batch_close(nullptr); });
    row2("batch_close", "closed", "second close", ok(LFGO_CLOSED), [](auto I) {
        Batch<decltype(I)> b;
        decltype(I)::batch_close(b.b);
        return (int)decltype(I)::batch_close(b.b);
    });
    row2("batch_destroy", "null_batch", "NULL batcher", misuse("NULL batcher", kVoid), [](auto I) {
        decltype(I)::batch_destroy(nullptr);
        return kVoid;
    });
    row2("batch_get_stats", "null_batch", "NULL batcher", misuse("NULL batcher"), [](auto I) {
        lfgo_batch_stats s;
        return (int)decltype(I)::batch_get_stats(nullptr, &s);
    });
    row2("batch_get_stats", "null_stats", "NULL stats", misuse("NULL stats"), [](auto I) {
        Batch<decltype(I)> b;
        return (int)decltype(I)::batch_get_stats(b.b, nullptr);
    });
}

const std::vector<Row> &table()
{
    static bool built = false;
    if (!built) {
        built = true;
        wg_rows();
        swg_rows();
        mutex_rows();
        chan_shape_rows();
        chan_single_rows();
        chan_many_rows();
        select_rows();
        batch_rows();
    }
    return rows();
}

std::string status_name(int s)
{
    return s == kVoid ? "-" : lfgo_status_str((lfgo_status)s);
}

// ------------------------------------------------------------ the tests

class BadInput : public ::testing::TestWithParam<Row> {
protected:
    void SetUp() override
    {
        take_reports();
        prev_ = lfgo_set_misuse_handler(record, nullptr);
    }
    void TearDown() override { lfgo_set_misuse_handler(prev_, nullptr); }
    lfgo_misuse_fn prev_ = nullptr;
};

TEST_P(BadInput, Row)
{
    const Row &r = GetParam();
    lfgo_test::Watchdog wd(lfgo_test::kBudget, r.id);
    int st = r.run();
    auto reps = take_reports();
    if (r.status != kVoid) {
        EXPECT_EQ(status_name(st), status_name(r.status)) << r.func << " with " << r.input;
    }
    if (r.mfunc.empty()) {
        for (auto &x : reps)
            ADD_FAILURE() << "unexpected misuse report " << x.func << ": " << x.what;
    } else {
        ASSERT_EQ(reps.size(), 1u) << "expected one misuse report from " << r.mfunc << " (" << r.mwhat << ")";
        EXPECT_EQ(reps[0].func, r.mfunc);
        EXPECT_NE(reps[0].what.find(r.mwhat), std::string::npos) << "what = " << reps[0].what;
    }
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::ValuesIn(table()),
                         [](const ::testing::TestParamInfo<Row> &i) { return i.param.id; });

// Every row is in docs/reliability.md's table, and every id is unique; with
// LFGO_PRINT_BAD_INPUT_TABLE set, prints the table's rows (Markdown).
TEST(BadInputTable, EveryRowIsDocumented)
{
    std::string here = __FILE__;
    std::ifstream f(here.substr(0, here.rfind('/')) + "/../docs/reliability.md");
    EXPECT_TRUE(f) << "docs/reliability.md is missing";
    std::stringstream ss;
    ss << f.rdbuf();
    std::string doc = ss.str();
    std::vector<std::string> ids;
    bool print = std::getenv("LFGO_PRINT_BAD_INPUT_TABLE") != nullptr;
    for (const Row &r : table()) {
        ids.push_back(r.id);
        std::string outcome = r.mfunc.empty() ? status_name(r.status)
                                              : "misuse \"" + (r.mwhat.empty() ? std::string("...") : r.mwhat) +
                                                    "\"" + (r.status == kVoid ? "" : ", " + status_name(r.status));
        if (!r.text.empty())
            outcome = r.text;
        if (print)
            std::printf("| `%s` | %s | %s%s | `%s` |\n", r.func.c_str(), r.input.c_str(), outcome.c_str(),
                        r.in_flight ? " (issue 8)" : "", r.id.c_str());
        EXPECT_NE(doc.find("`" + r.id + "`"), std::string::npos) << r.id << " is not in docs/reliability.md";
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "duplicate row id";
}

} // namespace
