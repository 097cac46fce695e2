// bench/bench_batch.cpp - issue 4's batcher workloads (see bench/README.md).
//
//  batch_10, batch_1000: 2 producers add 5,000,000 items in total (--full;
//    1,000,000 in the quick default), N = 10 or 1000, T = 5 ms; the
//    callback sums the items, and the sum is checked.  Figure: items/s.
//  batch_latency: one producer adds an item every 1 ms, N = 1000, T = 5 ms
//    (so every batch goes out by deadline); rows .p50/.p99/.p999/.max of the
//    delay from add() to the callback.  Figure: ns per item.
// Impls: lfgo (policy LFGO_BATCH_BLOCK: the flusher thread runs the
// callback), lfgo_inline (LFGO_BATCH_INLINE_BLOCK: the thread that fills a
// batch runs it), twin; the Go peer (mutex + time.AfterFunc, the dump on the
// adding goroutine) is bench/go/batch.go.
#include <atomic>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "lfgo/batch.h"
#include "lfgo/twin/batch.h"

namespace {

struct LfgoB {
    static constexpr lfgo_batch_policy policy = LFGO_BATCH_BLOCK;
    using B = lfgo_batch;
    static lfgo_status create(B **b, const lfgo_batch_config *c) { return lfgo_batch_create(b, c); }
    static lfgo_status add(B *b, const void *it) { return lfgo_batch_add(b, it); }
    static lfgo_status close(B *b) { return lfgo_batch_close(b); }
    static void destroy(B *b) { lfgo_batch_destroy(b); }
};

struct LfgoInlineB : LfgoB {
    static constexpr lfgo_batch_policy policy = LFGO_BATCH_INLINE_BLOCK;
};

struct TwinB {
    static constexpr lfgo_batch_policy policy = LFGO_BATCH_BLOCK;
    using B = lfgo_twin_batch;
    static lfgo_status create(B **b, const lfgo_batch_config *c) { return lfgo_twin_batch_create(b, c); }
    static lfgo_status add(B *b, const void *it) { return lfgo_twin_batch_add(b, it); }
    static lfgo_status close(B *b) { return lfgo_twin_batch_close(b); }
    static void destroy(B *b) { lfgo_twin_batch_destroy(b); }
};

void sum_items(void *user, const void *items, size_t n)
{
    // Callbacks never overlap and each happens-before the next, whichever
    // thread runs them (the flusher, or inline the adders).
    auto *sum = static_cast<uint64_t *>(user);
    const auto *v = static_cast<const uint64_t *>(items);
    for (size_t i = 0; i < n; i++)
        *sum += v[i];
}

template <class Impl> void throughput(benchmark::State &st, size_t n)
{
    const long total = lfgo_bench::full_mode() ? 5'000'000 : 1'000'000;
    const long each = total / 2;
    for (auto _ : st) {
        uint64_t sum = 0;
        lfgo_batch_config cfg{sizeof(uint64_t), n, 5'000'000, sum_items, &sum, Impl::policy, 0};
        typename Impl::B *b;
        if (Impl::create(&b, &cfg) != LFGO_OK) {
            st.SkipWithError("create failed");
            break;
        }
        std::vector<std::thread> ts;
        for (int p = 0; p < 2; p++)
            ts.emplace_back([&, p] {
                for (long i = 0; i < each; i++) {
                    uint64_t v = (uint64_t)(p * each + i);
                    Impl::add(b, &v);
                }
            });
        for (auto &t : ts)
            t.join();
        Impl::close(b); // every item delivered when it returns
        Impl::destroy(b);
        uint64_t n_items = (uint64_t)(2 * each);
        if (sum != n_items * (n_items - 1) / 2) {
            st.SkipWithError("wrong sum: items lost or duplicated");
            break;
        }
    }
    lfgo_bench::items_per_second(st, (double)(2 * each));
}

template <class Impl> void batch_10(benchmark::State &st) { throughput<Impl>(st, 10); }
template <class Impl> void batch_1000(benchmark::State &st) { throughput<Impl>(st, 1000); }

LFGO_BENCH(batch_10<LfgoB>, "batch_10", "lfgo")->Iterations(1);
LFGO_BENCH(batch_10<LfgoInlineB>, "batch_10", "lfgo_inline")->Iterations(1);
LFGO_BENCH(batch_10<TwinB>, "batch_10", "twin")->Iterations(1);
LFGO_BENCH(batch_1000<LfgoB>, "batch_1000", "lfgo")->Iterations(1);
LFGO_BENCH(batch_1000<LfgoInlineB>, "batch_1000", "lfgo_inline")->Iterations(1);
LFGO_BENCH(batch_1000<TwinB>, "batch_1000", "twin")->Iterations(1);

// ---------------------------------------------------------------- latency

struct LatencySink {
    lfgo_bench::Latencies lat; // callbacks only (never overlapping), read after close()
    static void fn(void *user, const void *items, size_t n)
    {
        auto *s = static_cast<LatencySink *>(user);
        int64_t now = lfgo_bench::now_ns();
        const auto *v = static_cast<const int64_t *>(items);
        for (size_t i = 0; i < n; i++)
            s->lat.add((double)(now - v[i]));
    }
};

template <class Impl> void batch_latency(benchmark::State &st)
{
    const int items = lfgo_bench::full_mode() ? 2000 : 300;
    for (auto _ : st) {
        LatencySink sink;
        sink.lat.reserve(items);
        lfgo_batch_config cfg{sizeof(int64_t), 1000, 5'000'000, LatencySink::fn, &sink, Impl::policy, 0};
        typename Impl::B *b;
        if (Impl::create(&b, &cfg) != LFGO_OK) {
            st.SkipWithError("create failed");
            break;
        }
        int64_t next = lfgo_bench::now_ns();
        for (int i = 0; i < items; i++) {
            next += 1'000'000;
            while (lfgo_bench::now_ns() < next)
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            int64_t t = lfgo_bench::now_ns();
            Impl::add(b, &t);
        }
        Impl::close(b);
        Impl::destroy(b);
        if (sink.lat.size() != (size_t)items) {
            st.SkipWithError("items lost");
            break;
        }
        sink.lat.report(st);
    }
    lfgo_bench::per_item(st, items);
}

LFGO_BENCH(batch_latency<LfgoB>, "batch_latency", "lfgo")->Iterations(1);
LFGO_BENCH(batch_latency<LfgoInlineB>, "batch_latency", "lfgo_inline")->Iterations(1);
LFGO_BENCH(batch_latency<TwinB>, "batch_latency", "twin")->Iterations(1);

} // namespace

BENCHMARK_MAIN();
