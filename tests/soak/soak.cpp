// lfgo_soak: the long exactly-once soak, not part of CI (build and run it with
// `ninja soak`, or build `lfgo_soak` and run it by hand).
//
//   lfgo_soak [CHAN_ITEMS [BATCH_ITEMS]]
//
// CHAN_ITEMS (default 1e9; env LFGO_SOAK_CHAN_ITEMS) values go through lfgo
// channels in rounds, each round a different shape (producers x consumers x
// capacity, including unbuffered, and the kind hint that fits the shape).
// Every value is checked off in a bitmap: a value seen twice or never is a
// failure, as is a consumer seeing one producer's values out of order.
//
// BATCH_ITEMS (default 1e8; env LFGO_SOAK_BATCH_ITEMS) items are delivered
// through lfgo batchers in rounds with random N, T, capacity, policy and
// producer count, each closed at a random moment while producers are adding.
// The callback checks that each producer's items arrive as 0, 1, 2, ...
// (exactly once, in order); after close() returns, exactly the accepted items
// have been delivered and no callback runs any more.
//
// Every round is one check; the last line is "N passed, N failed" and the
// exit status is 0 only if nothing failed.  A round that makes no progress
// for LFGO_SOAK_STALL_S seconds (default 300) is reported as a hang and ends
// the program with status 2.
#include <lfgo/batch.h>
#include <lfgo/chan.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kShift = 40; // value = producer << 40 | sequence number
constexpr uint64_t kSeqMask = (1ull << kShift) - 1;

std::atomic<uint64_t> g_progress{0}; // bumped by every consumer now and then
std::atomic<int> g_passed{0}, g_failed{0};
std::atomic<bool> g_done{false};

double secs_since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

void summary()
{
    std::printf("%d passed, %d failed\n", g_passed.load(), g_failed.load());
    std::fflush(stdout);
}

// Ends the program if no consumer made progress for `stall_s` seconds.
void stall_monitor(long stall_s)
{
    uint64_t last = g_progress.load();
    auto since = Clock::now();
    while (!g_done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        uint64_t now = g_progress.load();
        if (now != last) {
            last = now;
            since = Clock::now();
        } else if (secs_since(since) > (double)stall_s) {
            std::printf("HANG: no progress for %ld s\n", stall_s);
            ++g_failed;
            summary();
            std::_Exit(2);
        }
    }
}

int64_t arg_or_env(int argc, char **argv, int i, const char *env, int64_t def)
{
    const char *s = argc > i ? argv[i] : std::getenv(env);
    if (!s || !*s)
        return def;
    double v = std::strtod(s, nullptr); // accepts 1e9
    return v > 0 ? (int64_t)v : def;
}

void report(bool ok, const std::string &what, int64_t items, Clock::time_point t0)
{
    ++(ok ? g_passed : g_failed);
    double s = secs_since(t0);
    std::printf("%s %s: %" PRId64 " items in %.1f s (%.2f M/s)\n", ok ? "PASS" : "FAIL", what.c_str(),
                items, s, (double)items / s / 1e6);
    std::fflush(stdout);
}

// ------------------------------------------------------------------ channels

struct Shape {
    int producers, consumers;
    size_t cap;
};

// Rounds take turns over these shapes; a round is at most 1/16 of the total
// (so a short run still covers every shape), at most 2^26 values, and at most
// 2^22 for unbuffered shapes, which move about 1/10 as fast.
constexpr Shape kShapes[] = {{4, 4, 1024}, {2, 2, 0}, {1, 1, 64}, {4, 1, 256}, {1, 4, 256},
                             {4, 4, 1}, {8, 8, 16}, {3, 3, 0}};
constexpr int64_t kRoundMax = 1ll << 26, kRoundMaxUnbuffered = 1ll << 22;

lfgo_chan_kind kind_for(const Shape &s)
{
    if (s.producers == 1)
        return s.consumers == 1 ? LFGO_CHAN_SPSC : LFGO_CHAN_SPMC;
    return s.consumers == 1 ? LFGO_CHAN_MPSC : LFGO_CHAN_MPMC;
}

struct ChanRound {
    const Shape &shape;
    int64_t total;
    std::vector<int64_t> base, count; // per producer: first index, how many
    std::vector<std::atomic<uint64_t>> bits;
    std::atomic<int64_t> dup{0}, disorder{0}, bad{0};

    ChanRound(const Shape &s, int64_t n)
        : shape(s), total(n), base(s.producers), count(s.producers), bits((size_t)((n + 63) / 64))
    {
        for (int p = 0; p < s.producers; p++) {
            count[p] = n / s.producers + (p < n % s.producers);
            base[p] = p ? base[p - 1] + count[p - 1] : 0;
        }
    }

    void produce(lfgo_chan *c, int p)
    {
        uint64_t buf[32];
        for (int64_t q = 0; q < count[p];) {
            size_t n = 1, done = 0;
            lfgo_status st;
            if (p % 2 == 0) { // even producers: single sends; odd: send_many
                buf[0] = ((uint64_t)p << kShift) | (uint64_t)q;
                st = lfgo_chan_send(c, buf);
                done = st == LFGO_OK;
            } else {
                n = (size_t)std::min<int64_t>(32, count[p] - q);
                for (size_t i = 0; i < n; i++)
                    buf[i] = ((uint64_t)p << kShift) | (uint64_t)(q + (int64_t)i);
                st = lfgo_chan_send_many(c, buf, n, &done);
            }
            if (st != LFGO_OK || done != n) {
                ++bad;
                return;
            }
            q += (int64_t)n;
        }
    }

    void consume(lfgo_chan *c, int k)
    {
        std::vector<int64_t> last(shape.producers, -1);
        uint64_t buf[64];
        for (uint64_t got = 0;; got++) {
            size_t n = 1;
            lfgo_status st = k % 2 ? lfgo_chan_recv_many(c, buf, 64, &n) : lfgo_chan_recv(c, buf);
            if (st == LFGO_CLOSED)
                return;
            if (st != LFGO_OK || n == 0) {
                ++bad;
                return;
            }
            for (size_t i = 0; i < n; i++)
                check(buf[i], last);
            if (got % 4096 == 0)
                g_progress.fetch_add(1, std::memory_order_relaxed);
        }
    }

    void check(uint64_t v, std::vector<int64_t> &last)
    {
        int p = (int)(v >> kShift);
        int64_t q = (int64_t)(v & kSeqMask);
        if (p >= shape.producers || q >= count[p]) {
            ++bad;
            return;
        }
        if (q <= last[p])
            ++disorder;
        last[p] = q;
        int64_t idx = base[p] + q;
        uint64_t bit = 1ull << (idx % 64);
        if (bits[(size_t)(idx / 64)].fetch_or(bit, std::memory_order_relaxed) & bit)
            ++dup;
    }

    int64_t lost() const
    {
        int64_t seen = 0;
        for (auto &w : bits)
            seen += __builtin_popcountll(w.load());
        return total - seen; // every set bit is a distinct valid index
    }
};

void chan_round(const Shape &s, int64_t n)
{
    auto t0 = Clock::now();
    char what[96];
    std::snprintf(what, sizeof what, "chan %dp x %dc cap %zu", s.producers, s.consumers, s.cap);
    lfgo_chan *c;
    if (lfgo_chan_create(&c, sizeof(uint64_t), s.cap, kind_for(s)) != LFGO_OK) {
        report(false, std::string(what) + " (create failed)", 0, t0);
        return;
    }
    ChanRound r(s, n);
    std::vector<std::thread> cons, prods;
    for (int k = 0; k < s.consumers; k++)
        cons.emplace_back([&, k] { r.consume(c, k); });
    for (int p = 0; p < s.producers; p++)
        prods.emplace_back([&, p] { r.produce(c, p); });
    for (auto &t : prods)
        t.join();
    bool closed = lfgo_chan_close(c) == LFGO_OK; // after the last send: fine for every kind
    for (auto &t : cons)
        t.join();
    lfgo_chan_destroy(c);
    int64_t lost = r.lost();
    bool ok = closed && r.dup == 0 && r.disorder == 0 && r.bad == 0 && lost == 0;
    if (!ok)
        std::printf("  dup %" PRId64 " lost %" PRId64 " disorder %" PRId64 " bad %" PRId64 "\n", r.dup.load(),
                    lost, r.disorder.load(), r.bad.load());
    report(ok, what, n, t0);
}

void soak_channels(int64_t items)
{
    auto t0 = Clock::now();
    int64_t done = 0;
    for (int64_t i = 0; done < items; i++) {
        const Shape &s = kShapes[i % (int64_t)(sizeof kShapes / sizeof kShapes[0])];
        int64_t n = std::min({items - done, std::max<int64_t>(items / 16, 1), s.cap ? kRoundMax : kRoundMaxUnbuffered});
        chan_round(s, n);
        done += n;
    }
    std::printf("channels: %" PRId64 " items checked in %.1f s\n", done, secs_since(t0));
}

// ------------------------------------------------------------------ batcher

constexpr int kMaxProducers = 4;

struct BatchRound {
    int producers;
    int64_t next[kMaxProducers] = {}; // flusher thread only until close returns
    std::atomic<int64_t> accepted_total{0};
    std::atomic<bool> close_returned{false};
    std::atomic<int64_t> disorder{0}, late{0}, calls{0};

    static void fn(void *user, const void *items, size_t n)
    {
        auto *r = static_cast<BatchRound *>(user);
        if (r->close_returned.load())
            ++r->late;
        const auto *v = static_cast<const uint64_t *>(items);
        for (size_t i = 0; i < n; i++) {
            int p = (int)(v[i] >> kShift);
            int64_t q = (int64_t)(v[i] & kSeqMask);
            if (p >= r->producers || q != r->next[p])
                ++r->disorder;
            else
                r->next[p] = q + 1;
        }
        if (r->calls.fetch_add(1) % 1024 == 0)
            g_progress.fetch_add(1, std::memory_order_relaxed);
    }
};

// One round: up to `quota` items per producer, closed once `close_at` items
// were accepted in all (close_at > total quota: after the producers finish).
// Returns the items delivered.
int64_t batch_round(std::mt19937_64 &rng, int64_t quota)
{
    auto t0 = Clock::now();
    BatchRound r;
    r.producers = 1 + (int)(rng() % kMaxProducers);
    size_t max_items = 1 + rng() % 256;
    int64_t delay_ns = 20'000 + (int64_t)(rng() % 2'000'000);
    size_t cap = rng() % 4 == 0 ? 0 : 1 + rng() % 512;
    lfgo_batch_policy pol = rng() % 4 == 0 ? LFGO_BATCH_FAIL : LFGO_BATCH_BLOCK;
    int64_t per = quota / r.producers;
    int64_t close_at = (int64_t)(rng() % (uint64_t)(quota + quota / 8 + 1));
    char what[128];
    std::snprintf(what, sizeof what, "batch %dp N=%zu T=%" PRId64 "us cap=%zu %s close@%" PRId64, r.producers,
                  max_items, delay_ns / 1000, cap, pol == LFGO_BATCH_FAIL ? "FAIL" : "BLOCK", close_at);
    lfgo_batch_config cfg{sizeof(uint64_t), max_items, delay_ns, &BatchRound::fn, &r, pol, cap};
    lfgo_batch *b;
    if (lfgo_batch_create(&b, &cfg) != LFGO_OK) {
        report(false, std::string(what) + " (create failed)", 0, t0);
        return 0;
    }
    std::vector<int64_t> accepted(r.producers);
    std::atomic<int64_t> bad{0};
    std::atomic<int> finished{0};
    std::vector<std::thread> ts;
    for (int p = 0; p < r.producers; p++)
        ts.emplace_back([&, p] {
            int64_t q = 0;
            while (q < per) {
                uint64_t v = ((uint64_t)p << kShift) | (uint64_t)q;
                lfgo_status st = lfgo_batch_add(b, &v);
                if (st == LFGO_WOULDBLOCK) {
                    std::this_thread::yield();
                    continue;
                }
                if (st == LFGO_CLOSED)
                    break;
                if (st != LFGO_OK) {
                    ++bad;
                    break;
                }
                q++;
                r.accepted_total.fetch_add(1, std::memory_order_relaxed);
            }
            accepted[p] = q;
            finished.fetch_add(1);
        });
    while (r.accepted_total.load() < close_at && finished.load() < r.producers)
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    bool closed = lfgo_batch_close(b) == LFGO_OK;
    int64_t at_close[kMaxProducers];
    for (int p = 0; p < r.producers; p++)
        at_close[p] = r.next[p]; // close() returned after the last callback
    r.close_returned.store(true);
    for (auto &t : ts)
        t.join();
    lfgo_batch_destroy(b);
    bool ok = closed && bad == 0 && r.disorder == 0 && r.late == 0;
    int64_t delivered = 0;
    for (int p = 0; p < r.producers; p++) {
        ok = ok && at_close[p] == accepted[p];
        delivered += at_close[p];
    }
    if (!ok)
        std::printf("  bad %" PRId64 " disorder %" PRId64 " late callbacks %" PRId64 "\n", bad.load(),
                    r.disorder.load(), r.late.load());
    report(ok, what, delivered, t0);
    return delivered;
}

void soak_batcher(int64_t items, uint64_t seed)
{
    auto t0 = Clock::now();
    std::mt19937_64 rng(seed);
    int64_t done = 0;
    while (done < items)
        done += batch_round(rng, std::min<int64_t>({std::max<int64_t>(items - done, 1000),
                                                    std::max<int64_t>(items / 16, 1000), 1 << 22}));
    std::printf("batcher: %" PRId64 " items delivered in %.1f s\n", done, secs_since(t0));
}

} // namespace

int main(int argc, char **argv)
{
    int64_t chan_items = arg_or_env(argc, argv, 1, "LFGO_SOAK_CHAN_ITEMS", 1'000'000'000);
    int64_t batch_items = arg_or_env(argc, argv, 2, "LFGO_SOAK_BATCH_ITEMS", 100'000'000);
    long stall_s = (long)arg_or_env(argc, argv, 99, "LFGO_SOAK_STALL_S", 300);
    uint64_t seed = (uint64_t)arg_or_env(argc, argv, 99, "LFGO_SOAK_SEED", 1);
    std::printf("lfgo_soak: %" PRId64 " channel items, %" PRId64 " batcher items, seed %" PRIu64 "\n",
                chan_items, batch_items, seed);
    std::fflush(stdout);
    std::thread mon(stall_monitor, stall_s);
    auto t0 = Clock::now();
    soak_channels(chan_items);
    soak_batcher(batch_items, seed);
    g_done.store(true);
    mon.join();
    std::printf("total %.1f s\n", secs_since(t0));
    summary();
    return g_failed.load() ? 1 : 0;
}
